/*
 * fuzz-zeek.c: libFuzzer target for the Zeek conn.log reader
 * (src/gap-witness-zeek.c).
 *
 * The input is a conn.log as wfpsift gaps --zeek-conn would read it: TSV
 * with its # header lines or JSON lines, plain or gzipped. It is put in a
 * memory file (memfd) that zlib reads exactly as gzopen reads a path, and
 * the flows are stored in an in-memory case. A conn.log comes from a
 * sensor an intruder may have fed: none of it may crash or hang the reader.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gap-witness.h"
#include "witness-case.h"

/* A memory file holding data, positioned at its start; -1 on failure. */
static int
memory_file(const uint8_t *data, size_t size)
{
	int	fd = memfd_create("fuzz-zeek", 0);
	size_t	done = 0;
	ssize_t	n;

	if (fd == -1)
		return -1;
	while (done < size) {
		if ((n = write(fd, data + done, size - done)) <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gap_context	*context = witness_case();
	gzFile			 file;
	int			 fd;

	if (context == NULL)
		abort();	/* the harness itself is broken */
	if ((fd = memory_file(data, size)) == -1)
		return 0;
	if ((file = gzdopen(fd, "rb")) == NULL) {
		close(fd);
		return 0;
	}
	(void)gap_witness_zeek_read(context, "fuzz.conn.log", file);
	gzclose(file);
	return 0;
}
