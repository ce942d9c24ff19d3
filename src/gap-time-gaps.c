/*
 * gap-time-gaps.c: silences in a host's log (kind time_gap).
 *
 * Consecutive events of one host's log further apart than silence_factor
 * times the log's typical spacing and at least minimum_silence_us, in logs
 * of at least minimum_events_for_silence events. The typical spacing is
 * the median distance between the minutes that have events (so a burst of
 * a thousand records in one minute does not make every quiet hour look
 * unusual). A silence inside a service stop (up to the boot after it) or
 * after a full log, ending with a clear, or spanning a record-number jump
 * is already another gap.
 *
 * One pass reads every live record's (host, channel, time) in order (one
 * sort of those few columns): each log's count, its minute steps and its
 * long silences are gathered as it streams past, and only the silences
 * long enough are read back from their records and checked against the
 * other gaps. No join ever meets every record.
 */
#include <stdlib.h>
#include <string.h>

#include "gap.h"
#include "util.h"

/* Every live record in log order. */
static const char scan_sql[] =
    "SELECT host, channel, time_unix_us, id FROM events"
    " WHERE recovered = 0 AND host IS NOT NULL AND time_unix_us IS NOT NULL"
    " ORDER BY host, channel, time_unix_us, id";

/* What makes a long silence another gap's, and its two records' times. */
static const char check_sql[] =
    "SELECT e.time, x.time FROM events e, events x"
    " WHERE e.id = ?1 AND x.id = ?2"
    "  AND NOT (e.event_id IN (1100, 1104) AND e.provider LIKE '%Eventlog%')"
    "  AND NOT EXISTS (SELECT 1 FROM temp.gap_stop p WHERE p.host = ?3"
    "    AND p.channel IS ?4 AND e.time_unix_us >= p.start_us"
    "    AND x.time_unix_us <= p.end_us)"
    "  AND NOT (x.event_id IN (104, 1102) AND x.provider LIKE '%Eventlog%')"
    "  AND NOT (x.source_id = e.source_id AND coalesce(x.record_number,"
    "    x.record_id) > coalesce(e.record_number, e.record_id) + 1)";

/* A silence at least minimum_silence_us long, not yet judged. */
struct silence {
	int64_t	 id, next_id, time_us, next_us;
};

/* One log (host and channel) as it streams past. */
struct log_pass {
	char		*host, *channel;
	int64_t		 count;
	int64_t		 last_us, last_id, last_minute;
	int64_t		*steps;			/* minutes between minutes with events */
	size_t		 step_count, step_alloc;
	struct silence	*silences;
	size_t		 silence_count, silence_alloc;
};

/* Forget the current log; keep the arrays for the next one. */
static void
log_reset(struct log_pass *log)
{
	free(log->host);
	free(log->channel);
	log->host = log->channel = NULL;
	log->count = 0;
	log->step_count = log->silence_count = 0;
}

static int
compare_steps(const void *left, const void *right)
{
	int64_t	a = *(const int64_t *)left, b = *(const int64_t *)right;

	return (a > b) - (a < b);
}

/* 1 when a text column equals a kept text; NULL equals only NULL. */
static int
same_text(const char *kept, const unsigned char *column)
{
	if (kept == NULL || column == NULL)
		return kept == NULL && column == NULL;
	return strcmp(kept, (const char *)column) == 0;
}

/* Start a new log at the current row. 0 or -1. */
static int
log_start(struct log_pass *log, sqlite3_stmt *scan)
{
	const unsigned char	*host = sqlite3_column_text(scan, 0);
	const unsigned char	*channel = sqlite3_column_text(scan, 1);

	log_reset(log);
	if ((log->host = strdup((const char *)host)) == NULL)
		return -1;
	if (channel != NULL &&
	    (log->channel = strdup((const char *)channel)) == NULL)
		return -1;
	return 0;
}

/* Take the current row into its log: count, minute step, silence. 0 or -1. */
static int
log_add(struct gap_context *context, struct log_pass *log, sqlite3_stmt *scan)
{
	int64_t		 time_us = sqlite3_column_int64(scan, 2);
	int64_t		 id = sqlite3_column_int64(scan, 3);
	int64_t		 minute = time_us / 60000000;
	struct silence	*silence;

	if (log->count > 0 && minute != log->last_minute) {
		if (array_reserve(&log->steps, log->step_count, &log->step_alloc,
		    sizeof(*log->steps)) == -1)
			return -1;
		log->steps[log->step_count++] = minute - log->last_minute;
	}
	if (log->count > 0 &&
	    time_us - log->last_us >= context->options->minimum_silence_us) {
		if (array_reserve(&log->silences, log->silence_count,
		    &log->silence_alloc, sizeof(*log->silences)) == -1)
			return -1;
		silence = &log->silences[log->silence_count++];
		silence->id = log->last_id;
		silence->next_id = id;
		silence->time_us = log->last_us;
		silence->next_us = time_us;
	}
	log->count++;
	log->last_us = time_us;
	log->last_id = id;
	log->last_minute = minute;
	return 0;
}

/* Write one time_gap row. */
static int
add_time_gap(struct gap_context *context, const struct log_pass *log,
    const struct silence *silence, const char *time, const char *next_time,
    int64_t typical)
{
	struct gap	gap;
	char		from[40], to[40];
	double		hours;

	gap_init(&gap, "time_gap", GAP_LOW);
	gap.host = log->host;
	gap.first_time = time;
	gap.first_unix_us = silence->time_us;
	gap.last_time = next_time;
	gap.last_unix_us = silence->next_us;
	hours = (double)(gap.last_unix_us - gap.first_unix_us) / 3.6e9;
	gap_short_time(gap.first_unix_us, from, sizeof(from));
	gap_short_time(gap.last_unix_us, to, sizeof(to));
	gap.summary = gap_sentence("The %s log on %s is silent for %.1f hours, "
	    "from %s to %s, where it otherwise has events every %lld minute%s: "
	    "the host may have been off, or its events in that time were lost "
	    "or removed; nothing can be concluded about that time from it.",
	    log->channel ? log->channel : "", gap.host, hours, from, to,
	    (long long)(typical < 1 ? 1 : typical), typical > 1 ? "s" : "");
	gap.query = sqlite3_mprintf("SELECT * FROM events WHERE id IN (%lld, %lld)",
	    (long long)silence->id, (long long)silence->next_id);
	return gap_insert(context, &gap, NULL);
}

/* Judge one long silence against the log's spacing and the other gaps. */
static int
judge_silence(struct gap_context *context, sqlite3_stmt *check,
    const struct log_pass *log, const struct silence *silence, int64_t typical)
{
	int	step, status = 0;

	if ((double)(silence->next_us - silence->time_us) <
	    context->options->silence_factor * (double)typical * 60000000.0)
		return 0;
	sqlite3_reset(check);
	sqlite3_bind_int64(check, 1, silence->id);
	sqlite3_bind_int64(check, 2, silence->next_id);
	sqlite3_bind_text(check, 3, log->host, -1, SQLITE_STATIC);
	if (log->channel != NULL)
		sqlite3_bind_text(check, 4, log->channel, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(check, 4);
	if ((step = sqlite3_step(check)) == SQLITE_ROW)
		status = add_time_gap(context, log, silence,
		    gap_column_text(check, 0), gap_column_text(check, 1), typical);
	else if (step != SQLITE_DONE)
		status = gap_sql_error(context, "checking a silence");
	sqlite3_reset(check);
	return status;
}

/* A whole log has passed: report its silences, if it has enough events. */
static int
log_finish(struct gap_context *context, sqlite3_stmt *check,
    struct log_pass *log)
{
	const struct gaps_options	*options = context->options;
	int64_t				 minimum, typical;
	size_t				 i;

	minimum = options->minimum_events_for_silence < 3 ? 3 :
	    options->minimum_events_for_silence;
	if (log->host == NULL || log->count < minimum || log->step_count == 0 ||
	    log->silence_count == 0)
		return 0;
	qsort(log->steps, log->step_count, sizeof(*log->steps), compare_steps);
	typical = log->steps[(log->step_count + 1) / 2 - 1];
	for (i = 0; i < log->silence_count; i++)
		if (judge_silence(context, check, log, &log->silences[i],
		    typical) == -1)
			return -1;
	return 0;
}

/* Stream the records, one log after another. */
static int
scan_logs(struct gap_context *context, sqlite3_stmt *scan, sqlite3_stmt *check,
    struct log_pass *log)
{
	int	step;

	while ((step = sqlite3_step(scan)) == SQLITE_ROW) {
		if (log->host == NULL || !same_text(log->host,
		    sqlite3_column_text(scan, 0)) || !same_text(log->channel,
		    sqlite3_column_text(scan, 1))) {
			if (log_finish(context, check, log) == -1)
				return -1;
			if (log_start(log, scan) == -1)
				return gap_error(context, "out of memory");
		}
		if (log_add(context, log, scan) == -1)
			return gap_error(context, "out of memory");
	}
	if (step != SQLITE_DONE)
		return gap_sql_error(context, "looking for silences");
	return log_finish(context, check, log);
}

int
gap_time_gaps(struct gap_context *context)
{
	sqlite3_stmt	*scan = NULL, *check = NULL;
	struct log_pass	 log;
	int		 status = -1;

	memset(&log, 0, sizeof(log));
	if (gap_prepare(context, scan_sql, &scan) == 0 &&
	    gap_prepare(context, check_sql, &check) == 0)
		status = scan_logs(context, scan, check, &log);
	log_reset(&log);
	free(log.steps);
	free(log.silences);
	sqlite3_finalize(scan);
	sqlite3_finalize(check);
	return status;
}
