/*
 * fuzz-decoder.c: libFuzzer target for the whole-file decoder path.
 *
 * The input is written to a temporary file (libevtx opens files by path)
 * and read with the reference decoder exactly as ingest does: open, info,
 * every record until the end, each decoded event normalised, close.
 * Damaged or hostile files must give problems, never a crash or a hang.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decoder.h"
#include "event.h"
#include "normalise.h"

/* Records read per input at most: a bound on time, far above real chunks. */
#define MAX_RECORDS 100000

static char	path[4096];

/* The scratch file every input is written to, made once per process. */
static int
scratch_file(void)
{
	static int	fd = -1;

	if (fd == -1) {
		snprintf(path, sizeof(path), "%s/wfpsift-fuzz.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if ((fd = mkstemp(path)) == -1)
			return -1;
	}
	return fd;
}

static void
remove_scratch(void)
{
	if (path[0] != '\0')
		unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event		 event;
	static struct normalised_event	 normal;
	struct decoder			*decoder = NULL;
	struct decode_problem		 problem;
	struct evtx_file_info		 info;
	enum decode_status		 status;
	int				 fd = scratch_file(), records;
	static int			 registered;

	if (fd == -1)
		return 0;
	if (!registered) {
		atexit(remove_scratch);
		registered = 1;
	}
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	memset(&problem, 0, sizeof(problem));
	if (libevtx_xml_decoder.open(path, &decoder, &problem) == -1)
		return 0;
	libevtx_xml_decoder.info(decoder, &info);
	for (records = 0; records < MAX_RECORDS; records++) {
		memset(&problem, 0, sizeof(problem));
		status = libevtx_xml_decoder.next(decoder, &event, &problem);
		if (status == DECODE_END || status == DECODE_FAILED)
			break;
		if (status == DECODE_RECORD)
			normalise_event(&event, &normal);
	}
	libevtx_xml_decoder.close(decoder);
	return 0;
}
