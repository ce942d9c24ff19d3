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
 * One pass reads every live record's (host, channel, time) in host and
 * time order, which the events_by_host_time index gives without a sort;
 * a host's logs are followed side by side as its records stream past
 * (each log's count, its minute steps and its long silences), and judged
 * in channel order when the host ends, as a sort by host and channel
 * would have met them. Only the silences long enough are read back from
 * their records and checked against the other gaps. No join ever meets
 * every record.
 */
#include <stdlib.h>
#include <string.h>

#include "gap.h"
#include "text-table.h"
#include "util.h"

/* Every live record in host and time order: the events_by_host_time index. */
static const char scan_sql[] =
    "SELECT host, channel, time_unix_us, id FROM events"
    " WHERE recovered = 0 AND host IS NOT NULL AND time_unix_us IS NOT NULL"
    " ORDER BY host, time_unix_us, id";

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
	const char	*host;			/* the host's, in host_pass */
	const char	*channel;		/* interned; NULL for no channel */
	uint32_t	 channel_number;
	int64_t		 count;
	int64_t		 last_us, last_id, last_minute;
	int64_t		*steps;			/* minutes between minutes with events */
	size_t		 step_count, step_alloc;
	struct silence	*silences;
	size_t		 silence_count, silence_alloc;
};

/* One host's logs, side by side; the arrays are kept for the next host. */
struct host_pass {
	char		*host;
	struct log_pass	*logs;
	size_t		 log_count, log_alloc;
	size_t		 log_made;		/* logs whose arrays are set up */
	uint32_t	*log_of_channel;	/* channel number -> log index + 1 */
	size_t		 channel_alloc;
	struct text_table channels;
	uint32_t	 last_channel;		/* the previous row's */
	size_t		 last_log;
	int		 failed;		/* out of memory */
};

static int
compare_steps(const void *left, const void *right)
{
	int64_t	a = *(const int64_t *)left, b = *(const int64_t *)right;

	return (a > b) - (a < b);
}

/* The context of sort_logs (qsort passes none). */
static const struct text_table	*sort_channels;

/* Logs in channel order, as SQL's BINARY collation sorts them: NULL first. */
static int
compare_logs(const void *left, const void *right)
{
	const struct log_pass	*a = left, *b = right;

	return text_compare(sort_channels, a->channel_number, b->channel_number);
}

/* Room for channel number in log_of_channel, new entries zero. 0 or -1. */
static int
reserve_channel(struct host_pass *pass, uint32_t number)
{
	size_t	old = pass->channel_alloc;

	if (number < old)
		return 0;
	if (array_reserve(&pass->log_of_channel, number, &pass->channel_alloc,
	    sizeof(*pass->log_of_channel)) == -1)
		return -1;
	memset(pass->log_of_channel + old, 0,
	    (pass->channel_alloc - old) * sizeof(*pass->log_of_channel));
	return 0;
}

/*
 * The log of the current row's channel, started if new. Channels are
 * compared as C strings, as the checks bind them. NULL when out of memory.
 */
static struct log_pass *
host_log(struct host_pass *pass, const unsigned char *channel)
{
	struct log_pass	*log;
	uint32_t	 number = NO_TEXT;

	if (channel != NULL && (number = text_intern(&pass->channels, channel,
	    (int)strlen((const char *)channel), &pass->failed)) == NO_TEXT)
		return NULL;
	if (pass->log_count > 0 && number == pass->last_channel)
		return &pass->logs[pass->last_log];
	if (reserve_channel(pass, number) == -1)
		return NULL;
	if (pass->log_of_channel[number] == 0) {
		if (array_reserve(&pass->logs, pass->log_count, &pass->log_alloc,
		    sizeof(*pass->logs)) == -1)
			return NULL;
		log = &pass->logs[pass->log_count];
		/* A log past those of earlier hosts has no arrays yet. */
		if (pass->log_count == pass->log_made) {
			memset(log, 0, sizeof(*log));
			pass->log_made++;
		}
		log->host = pass->host;
		log->channel = number == NO_TEXT ? NULL :
		    pass->channels.texts[number].bytes;
		log->channel_number = number;
		log->count = 0;
		log->step_count = log->silence_count = 0;
		pass->log_of_channel[number] = (uint32_t)++pass->log_count;
	}
	pass->last_channel = number;
	pass->last_log = pass->log_of_channel[number] - 1;
	return &pass->logs[pass->last_log];
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
	sort_array(log->steps, log->step_count, sizeof(*log->steps), compare_steps);
	typical = log->steps[(log->step_count + 1) / 2 - 1];
	for (i = 0; i < log->silence_count; i++)
		if (judge_silence(context, check, log, &log->silences[i],
		    typical) == -1)
			return -1;
	return 0;
}

/* A host's records have all passed: judge its logs in channel order. */
static int
host_finish(struct gap_context *context, sqlite3_stmt *check,
    struct host_pass *pass)
{
	size_t	i;
	int	status = 0;

	sort_channels = &pass->channels;
	sort_array(pass->logs, pass->log_count, sizeof(*pass->logs),
	    compare_logs);
	for (i = 0; i < pass->log_count && status == 0; i++)
		status = log_finish(context, check, &pass->logs[i]);
	for (i = 0; i < pass->log_count; i++)
		pass->log_of_channel[pass->logs[i].channel_number] = 0;
	pass->log_count = 0;
	free(pass->host);
	pass->host = NULL;
	return status;
}

/* 1 when the current row belongs to another host than the one passing. */
static int
host_changes(const struct host_pass *pass, const unsigned char *host)
{
	return pass->host == NULL || strcmp(pass->host, (const char *)host) != 0;
}

/* Stream the records, one host after another, each host's logs side by side. */
static int
scan_hosts(struct gap_context *context, sqlite3_stmt *scan, sqlite3_stmt *check,
    struct host_pass *pass)
{
	const unsigned char	*host;
	struct log_pass		*log;
	int			 step;

	while ((step = sqlite3_step(scan)) == SQLITE_ROW) {
		host = sqlite3_column_text(scan, 0);
		if (host_changes(pass, host)) {
			if (host_finish(context, check, pass) == -1)
				return -1;
			if ((pass->host = strdup((const char *)host)) == NULL)
				return gap_error(context, "out of memory");
		}
		if ((log = host_log(pass, sqlite3_column_text(scan, 1))) == NULL ||
		    log_add(context, log, scan) == -1)
			return gap_error(context, "out of memory");
	}
	if (step != SQLITE_DONE)
		return gap_sql_error(context, "looking for silences");
	return host_finish(context, check, pass);
}

/* Free what the pass kept. */
static void
host_pass_free(struct host_pass *pass)
{
	size_t	i;

	for (i = 0; i < pass->log_made; i++) {
		free(pass->logs[i].steps);
		free(pass->logs[i].silences);
	}
	free(pass->logs);
	free(pass->log_of_channel);
	free(pass->host);
	text_table_free(&pass->channels);
}

int
gap_time_gaps(struct gap_context *context)
{
	sqlite3_stmt		*scan = NULL, *check = NULL;
	struct host_pass	 pass;
	int			 status = -1;

	memset(&pass, 0, sizeof(pass));
	if (gap_prepare(context, scan_sql, &scan) == 0 &&
	    gap_prepare(context, check_sql, &check) == 0)
		status = scan_hosts(context, scan, check, &pass);
	host_pass_free(&pass);
	sqlite3_finalize(scan);
	sqlite3_finalize(check);
	return status;
}
