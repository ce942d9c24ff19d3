/*
 * binxml.h: a direct reader of the binary XML inside EVTX records.
 *
 * It walks one record's tokens and fills struct event the way the reference
 * decoder does (libevtx 20181227 renders XML, libxml2 parses it, fields are
 * picked by name), without building XML: names and template definitions
 * are read in place inside the chunk, substitution values are rendered
 * straight into the event's string storage with libevtx's formatting.
 *
 * Whatever it is not sure to render exactly as libevtx would (an unknown
 * token or value type, a value size that does not match its type, mixed
 * content, a truncated record) makes it give up on that record with
 * BINXML_FALLBACK: the caller then asks libevtx for that record instead.
 * Nothing is guessed.
 */
#ifndef WFPSIFT_BINXML_H
#define WFPSIFT_BINXML_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Growing text storage, reused from record to record. */
struct text_buffer {
	char	*data;
	size_t	 used;
	size_t	 allocated;
};

/* Grow text for extra more bytes: 0, or -1 when out of memory. */
int	 text_grow(struct text_buffer *, size_t extra);
void	 text_free(struct text_buffer *);

/*
 * Make room for extra more bytes. Returns 0, or -1 when out of memory.
 * Inline: it is called for every value, and there is room nearly always.
 */
static inline int
text_reserve(struct text_buffer *text, size_t extra)
{
	if (text->allocated - text->used >= extra)
		return 0;
	return text_grow(text, extra);
}

/* libfdatetime renders no FILETIME from 10000-01-01 on. */
#define BINXML_FILETIME_LIMIT	2650467744000000000ULL

/* Outcome of rendering or decoding. */
enum binxml_result {
	BINXML_OK = 0,
	BINXML_FALLBACK = 1,	/* not sure to match libevtx: let libevtx do it */
	BINXML_NO_MEMORY = -1
};

/*
 * Append the text libevtx renders for one scalar value of BinXml type
 * (0x01..0x15, without the array flag) stored in size bytes at data, as
 * libxml2 returns it after parsing libevtx's XML (entities decoded). No NUL
 * is appended.
 */
enum binxml_result binxml_render_value(struct text_buffer *, uint8_t type,
	    const uint8_t *data, size_t size);

/*
 * UTF-16LE text as libevtx's bundled libuna converts it: a leading byte
 * order mark is dropped, conversion stops at the first NUL, an unpaired
 * surrogate becomes U+FFFD, and a surrogate pair is combined with
 * libuna's off-by-0x3ff formula (fixed upstream in 2020). A high surrogate
 * in the last code unit is an error in libuna, so BINXML_FALLBACK here.
 */
enum binxml_result binxml_render_utf16(struct text_buffer *,
	    const uint8_t *data, size_t size);

/*
 * 1 (the default): replay template plans (binxml-plan.c); 0: walk every
 * record's tokens, so that tests can compare the two.
 */
extern int	 binxml_plans;

/* The name cache and template plans of one chunk; opaque. */
struct binxml_chunk_cache;

struct binxml_chunk_cache *binxml_chunk_cache_new(void);
void	 binxml_chunk_cache_free(struct binxml_chunk_cache *);
/* Forget everything: the next record is in another chunk. */
void	 binxml_chunk_cache_reset(struct binxml_chunk_cache *);

/*
 * Decode the binary XML of the record at record_offset (its 24-byte header
 * first) and record_size bytes long, inside chunk (chunk_size bytes), into
 * event, which the caller cleared. Strings go to text; their pointers are
 * set at the end, so text may move while decoding. On BINXML_FALLBACK,
 * reason says why in a few words (static text).
 */
enum binxml_result binxml_decode_record(struct binxml_chunk_cache *,
	    const uint8_t *chunk, size_t chunk_size, size_t record_offset,
	    size_t record_size, struct event *, struct text_buffer *,
	    const char **reason);

#endif
