/*
 * gap.h: what the gap analyses (gap-*.c) share with gaps.c.
 *
 * Each analysis reads the store with prepared statements and adds rows with
 * gap_insert. gaps.c runs them in a fixed order inside one transaction, so
 * gap ids are deterministic. Before they run, gaps.c fills these temporary
 * tables every analysis may read:
 *
 *   temp.gap_unique_ip(ip, host)      addresses that belong to exactly one
 *                                     host in the case (host_addresses view)
 *   temp.gap_host_span(host, first_unix_us, last_unix_us, wfp_success)
 *                                     when each host's own Security log runs
 *                                     (forwarded copies left out: a WEF
 *                                     subscription may forward only some
 *                                     events), and 1 when it holds a 5156
 *   temp.gap_stop(host, channel, start_us, end_us)
 *                                     spans expected to be quiet (service
 *                                     stops, full logs, WFP auditing off),
 *                                     filled with gap_quiet_span before
 *                                     gap-log-integrity.c judges silences
 *   temp.gap_forwarded_source(source_id)
 *                                     files holding more than one host's
 *                                     records (WEF ForwardedEvents)
 *   temp.gap_log_sums(source_id, host, channel, recovered, ...)
 *                                     the records summed by file, host,
 *                                     channel and recovered flag, from one
 *                                     pass over events (gap-log-sums.c)
 */
#ifndef WFPSIFT_GAP_H
#define WFPSIFT_GAP_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "gaps.h"
#include "table-pass.h"

/* A first_unix_us / last_unix_us that is not known. */
#define GAP_NO_TIME INT64_MIN

/* The severities, in rising order. */
#define GAP_INFO	"info"
#define GAP_LOW		"low"
#define GAP_MEDIUM	"medium"
#define GAP_HIGH	"high"

struct gap_context {
	sqlite3				*db;
	const struct gaps_options	*options;
	char				*error;
	size_t				 error_size;
	long				 gap_count;
	sqlite3_stmt			*insert_gap;	/* prepared by gaps.c */
};

/* One row of the gaps table. Strings may be NULL except kind and severity. */
struct gap {
	const char	*kind;
	const char	*severity;
	const char	*host;
	const char	*related_host;
	const char	*related_ip;
	const char	*user_name;
	int64_t		 source_id;		/* 0 when none */
	int64_t		 first_unix_us;		/* GAP_NO_TIME when unknown */
	int64_t		 last_unix_us;
	const char	*first_time;		/* as logged; NULL: made from first_unix_us */
	const char	*last_time;
	int64_t		 event_count;		/* -1 when none */
	int64_t		 distinct_count;
	int64_t		 witness_count;
	char		*summary;		/* from gap_sentence; gap_insert frees it */
	char		*query;			/* from sqlite3_mprintf; gap_insert frees it */
};

/* Empty a gap and set its kind and severity. */
void	 gap_init(struct gap *, const char *kind, const char *severity);

/*
 * Add a gap row; its id goes to id when id is not NULL. Frees summary and
 * query whatever happens. Returns 0, or -1 with the context's error set.
 */
int	 gap_insert(struct gap_context *, struct gap *, int64_t *id);

/* Set a gap's query once its id is known; frees query. 0 or -1. */
int	 gap_set_query(struct gap_context *, int64_t id, char *query);

/*
 * Note that a host's channel is expected to be quiet from start_us to
 * end_us (a stop, a full log, WFP auditing off), so a silence inside it
 * is not reported again as a time_gap. 0 or -1.
 */
int	 gap_quiet_span(struct gap_context *, const char *host,
	    const char *channel, int64_t start_us, int64_t end_us);

/* Set the context's error from a format; returns -1. */
int	 gap_error(struct gap_context *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Set the context's error from SQLite's last message; returns -1. */
int	 gap_sql_error(struct gap_context *, const char *what);

/* Run SQL without results, or prepare one statement. 0 or -1 (error set). */
int	 gap_exec(struct gap_context *, const char *sql);
int	 gap_prepare(struct gap_context *, const char *sql, sqlite3_stmt **);

/* A column's text, or NULL. */
const char *gap_column_text(sqlite3_stmt *, int column);

/* A column's integer, or fallback when it is NULL. */
int64_t	 gap_column_int(sqlite3_stmt *, int column, int64_t fallback);

/*
 * A sentence for the summary column: sqlite3_mprintf's format, then any
 * control character, bidirectional override or invalid UTF-8 that came
 * from a log shown as \xNN or \u{NNNN}. Free with sqlite3_free; NULL when
 * out of memory.
 */
char	*gap_sentence(const char *fmt, ...);

/* The same escaping for a sentence built piece by piece; frees the builder. */
char	*gap_sentence_finish(sqlite3_str *);

/* "2026-11-02 09:14:03" from integer microseconds, for sentences. */
void	 gap_short_time(int64_t unix_us, char *buffer, size_t size);

/* The analyses, in the order gaps.c runs them. */
int	 gap_witness_zeek(struct gap_context *, const char *path);
int	 gap_witness_pcap(struct gap_context *, const char *path);
int	 gap_unlogged_traffic(struct gap_context *);
int	 gap_raw_socket(struct gap_context *);
int	 gap_audit_policy(struct gap_context *);
int	 gap_log_integrity(struct gap_context *);
int	 gap_time_gaps(struct gap_context *);
/*
 * A stage that reads the events table in the log sums' pass rather than
 * in one of its own (table-pass.h). Its columns are added to the pass's
 * SELECT (in id order); row() gets each row and the index of the stage's
 * first column, and returns 0, or -1 with the context's error set, which
 * ends the pass.
 */
struct events_reader {
	struct pass_columns	 columns;	/* first: see pass_select() */
	int		(*row)(void *state, sqlite3_stmt *, int first_column);
	void		*state;
};

/*
 * Fill temp.gap_log_sums (gap-log-sums.c), before any analysis runs,
 * handing every event to the readers on the way.
 */
int	 gap_log_sums(struct gap_context *, const struct events_reader *,
	    size_t reader_count);

/*
 * Fill temp.gap_record_jump, which record id gaps read
 * (gap-log-integrity.c), from the log sums' pass: begin, hand the reader
 * to gap_log_sums(), finish. Free in any case; 0 or -1 (error set).
 */
struct record_jumps;
int	 gap_record_jumps_begin(struct gap_context *, struct record_jumps **);
void	 gap_record_jumps_reader(struct record_jumps *, struct events_reader *);
int	 gap_record_jumps_finish(struct record_jumps *);
void	 gap_record_jumps_free(struct record_jumps *);
/*
 * Fill temp.gap_host_traffic, which the two coverage analyses read, and
 * each host's own network addresses into temp.gap_host_ip.
 */
int	 gap_host_traffic(struct gap_context *);
int	 gap_attribution_coverage(struct gap_context *);
int	 gap_detector_coverage(struct gap_context *);

/* One TCP flow a witness saw that never completed its handshake. */
struct witness_flow {
	const char	*witness;	/* "zeek" or "pcap" */
	const char	*path;
	int64_t		 line;		/* line or packet number */
	int64_t		 time_unix_us;
	const char	*orig_ip;	/* canonical text */
	int		 orig_port;
	const char	*resp_ip;
	int		 resp_port;
	const char	*state;		/* "syn_only", "rejected", "half_open" */
	const char	*conn_state;	/* Zeek's, or NULL */
	const char	*history;
};

/*
 * Keep a witness flow when its originator is an address of exactly one
 * host in the case (others cannot be checked against any log). 0 or -1.
 * gap_witness_begin/end prepare and release the insert statement.
 */
int	 gap_witness_begin(struct gap_context *, sqlite3_stmt **);
int	 gap_witness_add(struct gap_context *, sqlite3_stmt *, const struct witness_flow *);
void	 gap_witness_end(sqlite3_stmt *);

#endif
