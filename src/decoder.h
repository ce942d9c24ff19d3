/*
 * decoder.h: the interface between an EVTX file and the pipeline.
 *
 * A decoder opens one file, describes its header, and hands back records one
 * at a time as struct event. Three implement it: the reference decoder
 * (libevtx's XML read with libxml2, run in a child process), the direct
 * BinXml decoder, and the fast decoder that uses BinXml and asks the
 * reference for what BinXml leaves to it.
 * The rest of wfpsift never knows which one ran.
 */
#ifndef WFPSIFT_DECODER_H
#define WFPSIFT_DECODER_H

#include <stdint.h>
#include "event.h"

/* What the file header and the decoder's first look say about a file. */
struct evtx_file_info {
	uint32_t	 header_flags;		/* 1 dirty, 2 full */
	int		 corrupted;		/* libevtx's verdict */
	int		 major_version;
	int		 minor_version;
	uint32_t	 chunk_count;		/* as the header declares */
	uint64_t	 next_record_id;	/* as the header declares */
	long		 live_records;		/* records the decoder will return */
	long		 recovered_records;	/* of which from slack, after the live ones */
};

/* A problem met while decoding: where, what kind, and a one-line message. */
struct decode_problem {
	const char	*kind;		/* "file", "chunk", "record", "field", "recovered" */
	long		 record_index;	/* -1 when unknown */
	int64_t		 record_id;	/* -1 when unknown */
	long		 chunk;		/* -1 when unknown */
	char		 message[512];
};

enum decode_status {
	DECODE_RECORD = 0,	/* an event was decoded */
	DECODE_END = 1,		/* no more records */
	DECODE_SKIPPED = 2,	/* one record could not be read: see problem, go on */
	DECODE_FAILED = -1	/* the file cannot be read at all: see problem */
};

struct decoder;

struct decoder_ops {
	const char	*name;
	/* Open path read-only. On failure fill problem and return -1. */
	int		 (*open)(const char *path, struct decoder **, struct decode_problem *);
	void		 (*info)(struct decoder *, struct evtx_file_info *);
	/* Decode the next record into event. */
	enum decode_status (*next)(struct decoder *, struct event *, struct decode_problem *);
	void		 (*close)(struct decoder *);
};

/*
 * The reference decoder as ingest runs it: libevtx in a child process
 * (decoder-sandbox.c), so that a crash or hang inside libevtx costs one
 * record, not the run.
 */
extern const struct decoder_ops libevtx_xml_decoder;
extern const struct decoder_ops binxml_decoder;	/* decoder-binxml.c */
extern const struct decoder_ops fast_decoder;	/* decoder-fast.c */

/*
 * The reference decoder itself, libevtx in this process
 * (decoder-libevtx-xml.c): what the sandbox's child runs.
 */
extern const struct decoder_ops libevtx_xml_inprocess_decoder;

/*
 * Make the reference decoder's next call return the record at index in
 * libevtx's order (live records, then recovered ones after them), so that
 * another decoder can ask it for one record. Returns 0, or -1 when index
 * is out of range. The first is the sandbox's, the second the child's.
 */
int	 libevtx_xml_seek(struct decoder *, long index);
int	 libevtx_xml_inprocess_seek(struct decoder *, long index);

/*
 * The reference decoder keeps healthy libevtx workers between files for
 * the next file to open. Stop and collect them now (they are collected
 * at exit anyway): for programs that count their children's CPU time.
 */
void	 libevtx_workers_stop(void);

/*
 * Read one record's XML, as libevtx renders it, into event: the reference
 * decoder's own code without libevtx, for fuzzing. Strings stay valid
 * until the next call.
 */
enum decode_status libevtx_xml_parse_rendering(const uint8_t *xml, size_t size,
		    struct event *, struct decode_problem *);

#endif
