/*
 * fuzz-decoder.c: libFuzzer target for the whole-file decoder path.
 *
 * The input is written to a temporary file (the decoders open files by
 * path) and read exactly as ingest does: open, info, every record until the
 * end, each decoded event normalised, close. Built with FUZZ_DECODER set to
 * one decoder (libevtx_xml_decoder, binxml_decoder, fast_decoder) it fuzzes
 * that one; without, it runs all three on each input (the replay program).
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

#ifdef FUZZ_RENDERING
/*
 * The reference decoder's own code: the input is one record's XML as
 * libevtx renders it. libevtx itself runs in a child process in ingest
 * (decoder-sandbox.c), where a fuzzer would see neither its coverage nor
 * its crashes; the sandbox is tested on files libevtx crashes on.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event		event;
	static struct normalised_event	normal;
	struct decode_problem		problem;

	memset(&problem, 0, sizeof(problem));
	if (libevtx_xml_parse_rendering(data, size, &event, &problem) == DECODE_RECORD)
		normalise_event(&event, &normal);
	return 0;
}
#else
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

#ifdef FUZZ_DECODER
static const struct decoder_ops *const decoders[] = { &FUZZ_DECODER };
#else
static const struct decoder_ops *const decoders[] = {
	&libevtx_xml_decoder, &binxml_decoder, &fast_decoder,
};
#endif

/* Read the scratch file with one decoder, as ingest would. */
static void
decode_file(const struct decoder_ops *ops)
{
	static struct event		 event;
	static struct normalised_event	 normal;
	struct decoder			*decoder = NULL;
	struct decode_problem		 problem;
	struct evtx_file_info		 info;
	enum decode_status		 status;
	int				 records;

	memset(&problem, 0, sizeof(problem));
	if (ops->open(path, &decoder, &problem) == -1)
		return;
	ops->info(decoder, &info);
	for (records = 0; records < MAX_RECORDS; records++) {
		memset(&problem, 0, sizeof(problem));
		status = ops->next(decoder, &event, &problem);
		if (status == DECODE_END || status == DECODE_FAILED)
			break;
		if (status == DECODE_RECORD)
			normalise_event(&event, &normal);
	}
	ops->close(decoder);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int		 fd = scratch_file();
	static int	 registered;
	size_t		 i;

	if (fd == -1)
		return 0;
	if (!registered) {
		atexit(remove_scratch);
		registered = 1;
	}
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
		decode_file(decoders[i]);
	return 0;
}
#endif
