/*
 * decoder-binxml.c: the direct BinXml decoder.
 *
 * Maps the file, walks its records in libevtx's order (evtx-reader.c) and
 * decodes each with binxml.c, without libevtx or XML. A live record it
 * cannot render exactly as libevtx would, and every live record of a chunk
 * whose CRC32 does not match, comes back as DECODE_SKIPPED with problem
 * kind "fallback": the fast decoder (decoder-fast.c) then asks libevtx for
 * it. Used alone, those records are lost, which is why ingest uses "fast".
 *
 * Recovered records are never left to libevtx: libevtx 20181227 cannot
 * return most of them ("unable to retrieve record values") and renders
 * some against another record's cached data (its live and recovered lists
 * share one record cache). A recovered record binxml cannot decode is
 * reported as a "recovered" problem.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binxml.h"
#include "decoder-binxml.h"
#include "evtx-reader.h"

struct decoder {
	struct evtx_reader		 reader;
	struct binxml_chunk_cache	*cache;
	long				 cache_chunk;
	struct text_buffer		 text;
	long				 next_problem_chunk; /* chunks reported */
	struct binxml_position		 last;
};

static int
binxml_open(const char *path, struct decoder **out, struct decode_problem *problem)
{
	struct decoder	*decoder;

	if ((decoder = calloc(1, sizeof(*decoder))) == NULL ||
	    (decoder->cache = binxml_chunk_cache_new()) == NULL) {
		free(decoder);
		problem->kind = "file";
		problem->record_index = problem->record_id = problem->chunk = -1;
		snprintf(problem->message, sizeof(problem->message), "out of memory");
		return -1;
	}
	if (evtx_reader_open(&decoder->reader, path, problem) == -1) {
		binxml_chunk_cache_free(decoder->cache);
		free(decoder);
		return -1;
	}
	decoder->cache_chunk = -1;
	*out = decoder;
	return 0;
}

static void
binxml_info(struct decoder *decoder, struct evtx_file_info *info)
{
	*info = decoder->reader.info;
}

/* Report, once each, the chunks libevtx could not read at all. */
static int
chunk_problem(struct decoder *decoder, struct decode_problem *problem)
{
	const char	*message;
	long		 chunk;

	while ((chunk = decoder->next_problem_chunk) < decoder->reader.chunk_count) {
		decoder->next_problem_chunk++;
		if (!(decoder->reader.chunks[chunk].flags & EVTX_CHUNK_UNREADABLE))
			continue;
		message = evtx_reader_chunk_problem(&decoder->reader, chunk);
		problem->kind = "chunk";
		problem->record_index = -1;
		problem->record_id = -1;
		problem->chunk = chunk;
		snprintf(problem->message, sizeof(problem->message), "%s", message);
		return 1;
	}
	return 0;
}

/* Fill problem for a record binxml leaves to libevtx. */
static enum decode_status
fallback(struct decoder *decoder, const struct evtx_record_ref *ref,
    struct decode_problem *problem, const char *why)
{
	problem->kind = ref->recovered ? "recovered" :
	    ref->libevtx_index >= 0 ? "fallback" : "record";
	problem->record_index = ref->record_index;
	problem->record_id = (int64_t)ref->record_id;
	problem->chunk = ref->chunk;
	snprintf(problem->message, sizeof(problem->message),
	    "binxml decoder: %s (chunk %ld, offset %u)", why, ref->chunk,
	    (unsigned)ref->offset);
	(void)decoder;
	return DECODE_SKIPPED;
}

static enum decode_status
binxml_next(struct decoder *decoder, struct event *event,
    struct decode_problem *problem)
{
	struct evtx_record_ref	 ref;
	const char		*reason;

	if (chunk_problem(decoder, problem))
		return DECODE_SKIPPED;
	if (evtx_reader_next(&decoder->reader, &ref) == 0)
		return DECODE_END;
	decoder->last.record_index = ref.record_index;
	decoder->last.libevtx_index = ref.libevtx_index;
	decoder->last.recovered = ref.recovered;
	decoder->last.record_id = ref.record_id;
	decoder->last.chunk = ref.chunk;
	if (!ref.recovered &&
	    (ref.chunk_flags & (EVTX_CHUNK_BAD_HEADER_CRC | EVTX_CHUNK_BAD_DATA_CRC)))
		return fallback(decoder, &ref, problem, "chunk CRC32 mismatch");
	if (ref.chunk != decoder->cache_chunk) {
		binxml_chunk_cache_reset(decoder->cache);
		decoder->cache_chunk = ref.chunk;
	}
	event_clear(event);
	event->record_index = ref.record_index;
	event->recovered = ref.recovered;
	decoder->text.used = 0;
	switch (binxml_decode_record(decoder->cache, ref.chunk_data, EVTX_CHUNK_SIZE,
	    ref.offset, ref.size, event, &decoder->text, &reason)) {
	case BINXML_OK:
		return DECODE_RECORD;
	case BINXML_NO_MEMORY:
		return fallback(decoder, &ref, problem, "out of memory");
	default:
		return fallback(decoder, &ref, problem, reason ? reason : "unsupported");
	}
}

static void
binxml_close(struct decoder *decoder)
{
	if (decoder == NULL)
		return;
	evtx_reader_close(&decoder->reader);
	binxml_chunk_cache_free(decoder->cache);
	text_free(&decoder->text);
	free(decoder);
}

void
binxml_decoder_position(struct decoder *decoder, struct binxml_position *position)
{
	*position = decoder->last;
}

const struct decoder_ops binxml_decoder = {
	.name = "binxml",
	.open = binxml_open,
	.info = binxml_info,
	.next = binxml_next,
	.close = binxml_close,
};
