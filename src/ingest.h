/*
 * ingest.h: read EVTX files into a case.
 *
 * For each file: hash it, skip it when the case already holds it, decode
 * every record (live, then recovered), normalise, store. Problems are
 * written to ingest_errors and reported through the callback; the run goes
 * on. Each file's rows are committed in batches; a file is marked complete
 * only at its end, so an interrupted ingest is redone cleanly next time.
 */
#ifndef WFPSIFT_INGEST_H
#define WFPSIFT_INGEST_H

#include <stdint.h>
#include <stdio.h>

#include "decoder.h"
#include "store.h"

struct ingest_options {
	const struct decoder_ops *decoder;
	int		 keep_all_data;	/* EventData JSON for every record */
	int		 show_progress;	/* a progress line on stderr */
	int		 quiet;		/* no per-problem messages */
	int		 max_messages_per_file;
	int		 threads;	/* decoding threads; 0 means one per core */
	int		 decode_only;	/* benchmark: decode and normalise, store nothing */
};

struct ingest_totals {
	long		 files_found;
	long		 files_ingested;
	long		 files_already_in_case;
	long		 files_failed;	/* could not be read at all */
	long		 path_problems;	/* missing, unreadable, not EVTX */
	long		 files_not_evtx; /* in folders, skipped: not EVTX */
	int64_t		 records;
	int64_t		 recovered;
	int64_t		 recovered_duplicates;	/* slack copies of live records */
	int64_t		 network_events;
	int64_t		 errors;	/* record, chunk and field problems */
	int64_t		 slack_unreadable; /* slack candidates not decoded */
	int64_t		 bytes;
	double		 seconds;
};

/* Ingest every EVTX file under paths. Returns 0, or -1 on a store failure. */
int	 ingest_paths(struct store *, char *const *paths, int path_count,
	    const struct ingest_options *, struct ingest_totals *);

#endif
