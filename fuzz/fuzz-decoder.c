/*
 * fuzz-decoder.c: libFuzzer target for the whole-file decoder path.
 *
 * The input is written to a temporary file (the decoders open files by
 * path) and read exactly as ingest does: open, info, every record until the
 * end, each decoded event normalised, close. Built with FUZZ_DECODER set to
 * one decoder (libevtx_xml_decoder, binxml_decoder, fast_decoder) it fuzzes
 * that one; without, it runs all three on each input (the replay program).
 * Damaged or hostile files must give problems, never a crash or a hang.
 *
 * With FUZZ_PLANS (the binxml target) or without FUZZ_DECODER, each input
 * is also read by two binxml decoders in step, one replaying template
 * plans and one walking every record: any difference aborts, so that the
 * fuzzer reports it like a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binxml.h"
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

#if defined(FUZZ_PLANS) || !defined(FUZZ_DECODER)
/* 1 when two strings, either maybe NULL, are the same. */
static int
same_text(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* 1 when two decoded events are the same in everything decoders fill. */
static int
same_event(const struct event *a, const struct event *b)
{
	size_t	i;

	if (a->record_index != b->record_index || a->recovered != b->recovered ||
	    a->record_number != b->record_number || a->record_id != b->record_id ||
	    a->event_id != b->event_id || a->version != b->version ||
	    a->level != b->level || a->task != b->task || a->opcode != b->opcode ||
	    a->filetime != b->filetime || a->process_id != b->process_id ||
	    a->thread_id != b->thread_id || a->field_count != b->field_count ||
	    a->fields_truncated != b->fields_truncated)
		return 0;
	if (!same_text(a->provider, b->provider) ||
	    !same_text(a->provider_guid, b->provider_guid) ||
	    !same_text(a->channel, b->channel) ||
	    !same_text(a->computer, b->computer) ||
	    !same_text(a->keywords, b->keywords) ||
	    !same_text(a->user_sid, b->user_sid) ||
	    !same_text(a->data_element, b->data_element))
		return 0;
	for (i = 0; i < a->field_count; i++)
		if (!same_text(a->fields[i].name, b->fields[i].name) ||
		    !same_text(a->fields[i].value, b->fields[i].value))
			return 0;
	return 1;
}

/*
 * Read the scratch file with two binxml decoders in step, plans on for
 * one and off for the other (binxml_plans is read per record), and abort
 * on the first difference in status, event or problem.
 */
static void
check_plans(void)
{
	static struct event	 planned, walked;
	struct decoder		*a = NULL, *b = NULL;
	struct decode_problem	 pa, pb;
	enum decode_status	 sa, sb;
	int			 records;

	if (binxml_decoder.open(path, &a, &pa) == -1)
		return;
	if (binxml_decoder.open(path, &b, &pb) == -1) {
		binxml_decoder.close(a);
		return;
	}
	for (records = 0; records < MAX_RECORDS; records++) {
		memset(&pa, 0, sizeof(pa));
		memset(&pb, 0, sizeof(pb));
		binxml_plans = 1;
		sa = binxml_decoder.next(a, &planned, &pa);
		binxml_plans = 0;
		sb = binxml_decoder.next(b, &walked, &pb);
		binxml_plans = 1;
		if (sa != sb || (sa == DECODE_RECORD && !same_event(&planned, &walked)) ||
		    (sa == DECODE_SKIPPED && (!same_text(pa.kind, pb.kind) ||
		    strcmp(pa.message, pb.message) != 0))) {
			fprintf(stderr, "plans and walk differ at record %d\n", records);
			abort();
		}
		if (sa == DECODE_END || sa == DECODE_FAILED)
			break;
	}
	binxml_decoder.close(a);
	binxml_decoder.close(b);
}
#endif

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
#if defined(FUZZ_PLANS) || !defined(FUZZ_DECODER)
	check_plans();
#endif
	return 0;
}
#endif
