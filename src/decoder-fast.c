/*
 * decoder-fast.c: BinXml where it is sure, libevtx where it is not.
 *
 * Records come from the binxml decoder. When it leaves a record to libevtx
 * (problem kind "fallback": an unusual token or value, a chunk whose CRC32
 * does not match), this decoder opens the reference decoder on the same
 * file -- once, on first need -- seeks it to that record's index in
 * libevtx's lists, decodes it there, and checks that the record id agrees.
 * So no record is lost to the fast path: the output is the reference
 * decoder's wherever the fast path is not known to be identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder-binxml.h"

struct decoder {
	char			*path;
	struct decoder		*binxml;
	struct decoder		*reference;	/* opened on first fallback */
	int			 reference_failed;
	struct evtx_file_info	 reference_info;
	long			 fallbacks;
};

static int
fast_open(const char *path, struct decoder **out, struct decode_problem *problem)
{
	struct decoder	*decoder;

	if ((decoder = calloc(1, sizeof(*decoder))) == NULL ||
	    (decoder->path = strdup(path)) == NULL) {
		free(decoder);
		problem->kind = "file";
		problem->record_index = problem->record_id = problem->chunk = -1;
		snprintf(problem->message, sizeof(problem->message), "out of memory");
		return -1;
	}
	if (binxml_decoder.open(path, &decoder->binxml, problem) == -1) {
		free(decoder->path);
		free(decoder);
		return -1;
	}
	*out = decoder;
	return 0;
}

static void
fast_info(struct decoder *decoder, struct evtx_file_info *info)
{
	binxml_decoder.info(decoder->binxml, info);
}

/* Open the reference decoder the first time it is needed. */
static int
open_reference(struct decoder *decoder, struct decode_problem *problem)
{
	if (decoder->reference != NULL)
		return 0;
	if (decoder->reference_failed)
		return -1;
	if (libevtx_xml_decoder.open(decoder->path, &decoder->reference, problem) == -1) {
		decoder->reference_failed = 1;
		return -1;
	}
	libevtx_xml_decoder.info(decoder->reference, &decoder->reference_info);
	return 0;
}

/*
 * Decode through libevtx the record the binxml decoder just left to it.
 * binxml_problem says why; on failure problem explains both.
 */
static enum decode_status
decode_by_reference(struct decoder *decoder, struct event *event,
    struct decode_problem *problem, const struct decode_problem *binxml_problem)
{
	struct binxml_position	position;
	struct decode_problem	reference_problem;
	enum decode_status	status;
	long			index;

	binxml_decoder_position(decoder->binxml, &position);
	memset(&reference_problem, 0, sizeof(reference_problem));
	if (open_reference(decoder, &reference_problem) == -1) {
		*problem = *binxml_problem;
		problem->kind = position.recovered ? "recovered" : "record";
		snprintf(problem->message, sizeof(problem->message),
		    "%.400s; libevtx cannot open the file", binxml_problem->message);
		return DECODE_SKIPPED;
	}
	index = position.libevtx_index;
	if (position.recovered)
		index += decoder->reference_info.live_records;
	if (libevtx_xml_seek(decoder->reference, index) == -1) {
		*problem = *binxml_problem;
		problem->kind = position.recovered ? "recovered" : "record";
		snprintf(problem->message, sizeof(problem->message),
		    "%.400s; libevtx has no record %ld", binxml_problem->message, index);
		return DECODE_SKIPPED;
	}
	decoder->fallbacks++;
	status = libevtx_xml_decoder.next(decoder->reference, event, problem);
	if (status == DECODE_RECORD && event->record_number != position.record_id) {
		*problem = *binxml_problem;
		problem->kind = position.recovered ? "recovered" : "record";
		snprintf(problem->message, sizeof(problem->message),
		    "libevtx record %ld has id %llu, not %llu", index,
		    (unsigned long long)event->record_number,
		    (unsigned long long)position.record_id);
		return DECODE_SKIPPED;
	}
	if (status == DECODE_RECORD) {
		event->record_index = position.record_index;
		return DECODE_RECORD;
	}
	/* libevtx's trouble with this record ends nothing for the binxml walk. */
	problem->record_index = position.record_index;
	problem->chunk = position.chunk;
	if (problem->record_id == -1)
		problem->record_id = (int64_t)position.record_id;
	if (status == DECODE_END) {
		*problem = *binxml_problem;
		problem->kind = position.recovered ? "recovered" : "record";
		snprintf(problem->message, sizeof(problem->message),
		    "%.400s; libevtx has no record %ld", binxml_problem->message, index);
	}
	return DECODE_SKIPPED;
}

static enum decode_status
fast_next(struct decoder *decoder, struct event *event,
    struct decode_problem *problem)
{
	enum decode_status	status;
	struct decode_problem	binxml_problem;

	/* Not memset: the binxml decoder fills it whole when it uses it. */
	binxml_problem.kind = NULL;
	status = binxml_decoder.next(decoder->binxml, event, &binxml_problem);
	if (status == DECODE_SKIPPED && binxml_problem.kind != NULL &&
	    strcmp(binxml_problem.kind, "fallback") == 0)
		return decode_by_reference(decoder, event, problem, &binxml_problem);
	if (status == DECODE_SKIPPED)
		*problem = binxml_problem;
	return status;
}

static void
fast_close(struct decoder *decoder)
{
	if (decoder == NULL)
		return;
	if (decoder->reference != NULL)
		libevtx_xml_decoder.close(decoder->reference);
	binxml_decoder.close(decoder->binxml);
	free(decoder->path);
	free(decoder);
}

const struct decoder_ops fast_decoder = {
	.name = "fast",
	.open = fast_open,
	.info = fast_info,
	.next = fast_next,
	.close = fast_close,
};
