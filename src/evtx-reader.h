/*
 * evtx-reader.h: an EVTX file's chunks and records, in libevtx's order.
 *
 * The file is mapped whole (so files past 4 GiB are read to their end,
 * which libevtx 20181227 does not do); the pages a walk has left behind
 * are given back as it goes, so the resident set stays small whatever the
 * size of the file. Opening checks the file header and
 * every chunk the way libevtx does (signatures, CRC32s, record headers),
 * so that the records come back in the same two lists libevtx builds:
 * first the live records of every chunk, then the recovered ones (records
 * of chunks past the header's count in a clean file, and records found in
 * chunk slack). Each record carries its index in libevtx's list, which is
 * what a decoder needs to ask libevtx for that one record.
 *
 * One deliberate difference: a record that ends exactly at the end of its
 * chunk is returned (libevtx 20181227 drops it); it has no libevtx index.
 */
#ifndef WFPSIFT_EVTX_READER_H
#define WFPSIFT_EVTX_READER_H

#include <stddef.h>
#include <stdint.h>

#include "decoder.h"

#define EVTX_CHUNK_SIZE		65536
#define EVTX_CHUNK_HEADER_SIZE	512

/* What opening found wrong with a chunk (evtx_chunk_state.flags). */
#define EVTX_CHUNK_ZERO			0x01	/* all zero: nothing in it */
#define EVTX_CHUNK_BAD_SIGNATURE	0x02	/* no ElfChnk: slack scan only */
#define EVTX_CHUNK_BAD_HEADER_CRC	0x04
#define EVTX_CHUNK_BAD_DATA_CRC		0x08
#define EVTX_CHUNK_UNREADABLE		0x10	/* libevtx fails the whole file */
#define EVTX_CHUNK_BAD_COUNT		0x20	/* records disagree with header */
#define EVTX_CHUNK_IN_LIVE_LIST		0x40	/* its records are live */

/* One chunk as opening found it. */
struct evtx_chunk_state {
	uint32_t	live_end;	/* where libevtx's record walk stopped */
	uint32_t	live_count;	/* records of that walk */
	uint32_t	recovered_count; /* records found in the slack after it */
	uint32_t	extra_offset;	/* a record ending at the chunk's end, or 0 */
	uint8_t		flags;
};

struct evtx_reader {
	const uint8_t		*data;		/* the mapped file */
	size_t			 size;
	size_t			 chunks_offset;	/* header block size */
	long			 chunk_count;	/* whole chunks in the file */
	struct evtx_chunk_state	*chunks;
	struct evtx_file_info	 info;		/* libevtx's view, plus extras */
	long			 extra_records;	/* returned that libevtx drops */
	size_t			 released;	/* pages before it given back */

	/* Where the walk is. */
	int			 pass;		/* 0 live list, 1 recovered */
	long			 chunk;		/* current chunk */
	int			 stage;		/* within it: live, slack */
	uint32_t		 offset;	/* next offset in the chunk */
	uint32_t		 stage_left;	/* records left in this stage */
	long			 live_index;	/* next libevtx index per list */
	long			 recovered_index;
	long			 walk_index;	/* next record_index to give */
};

/* One record the walk reached. */
struct evtx_record_ref {
	long		 chunk;		/* chunk number in the file */
	const uint8_t	*chunk_data;	/* EVTX_CHUNK_SIZE bytes */
	uint8_t		 chunk_flags;
	uint32_t	 offset;	/* of the record in its chunk */
	uint32_t	 size;
	int		 recovered;
	long		 record_index;	/* position in this walk */
	long		 libevtx_index;	/* in libevtx's list, -1 if absent */
	uint64_t	 record_id;	/* from the record header */
};

/* Map and check path. On failure fill problem and return -1. */
int	 evtx_reader_open(struct evtx_reader *, const char *path,
	    struct decode_problem *);
void	 evtx_reader_close(struct evtx_reader *);

/*
 * The next record in libevtx's order: 1 with *ref filled, 0 at the end.
 * Chunks libevtx cannot read are skipped; evtx_reader_chunk_problem
 * describes them.
 */
int	 evtx_reader_next(struct evtx_reader *, struct evtx_record_ref *);

/* A sentence about what is wrong with chunk, or NULL when nothing is. */
const char *evtx_reader_chunk_problem(const struct evtx_reader *, long chunk);

#endif
