/*
 * gap-log-integrity.c: records a log lost, or never had (kinds log_cleared,
 * log_service_stopped, log_full, log_service_error, audit_events_discarded,
 * record_id_gap, log_wrapped, dirty_file, corrupt_chunk,
 * unreadable_records, unreadable_file, recovered_records; time_gap in
 * gap-time-gaps.c).
 *
 * Each planted problem should be one gap: a silence that a service stop,
 * a clear, an audit policy change or a record-id gap already explains is
 * not a time_gap too; missing record ids the file holds as undecodable
 * records are its unreadable_records gap, not a record_id_gap; a log whose
 * oldest record is a clear is cleared, not wrapped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gap.h"

#define EVENTLOG_PROVIDER "e.provider LIKE '%Eventlog%'"

/*
 * What a starting Windows logs first: 4608 (starting up), 4826 (boot
 * configuration loaded), or the creation of its session and security
 * processes.
 */
#define BOOT_IMAGES \
    "'smss.exe', 'wininit.exe', 'csrss.exe', 'lsass.exe', 'services.exe'"

/* Records that may come after a 1100 and still belong to the shutdown. */
#define SHUTDOWN_STRAGGLERS 3

/*
 * Log-service events, with the account, the next event on that log, the
 * next boot on it and how many records lie between the event and the boot.
 */
static const char service_events_sql[] =
    "SELECT e.id, e.host, e.channel, e.event_id, e.time, e.time_unix_us,"
    "  CASE WHEN a.subject_user_name IS NULL THEN NULL"
    "    WHEN coalesce(a.subject_domain, '') IN ('', '-') THEN a.subject_user_name"
    "    ELSE a.subject_domain || '\\' || a.subject_user_name END,"
    "  e.source_id,"
    "  (SELECT min(n.time_unix_us) FROM events n WHERE n.host = e.host"
    "   AND n.channel IS e.channel AND n.recovered = 0"
    "   AND n.time_unix_us > e.time_unix_us),"
    "  (SELECT min(b.time_unix_us) FROM events b"
    "   LEFT JOIN processes p ON p.event_row = b.id WHERE b.host = e.host"
    "   AND b.channel IS e.channel AND b.recovered = 0"
    "   AND b.time_unix_us > e.time_unix_us AND (b.event_id IN (4608, 4826)"
    "   OR p.image_name IN (" BOOT_IMAGES "))) AS boot_us,"
    "  (SELECT count(*) FROM events n WHERE n.host = e.host"
    "   AND n.channel IS e.channel AND n.recovered = 0"
    "   AND n.time_unix_us > e.time_unix_us AND n.time_unix_us < (SELECT"
    "   min(b.time_unix_us) FROM events b LEFT JOIN processes p ON"
    "   p.event_row = b.id WHERE b.host = e.host AND b.channel IS e.channel"
    "   AND b.recovered = 0 AND b.time_unix_us > e.time_unix_us AND"
    "   (b.event_id IN (4608, 4826) OR p.image_name IN (" BOOT_IMAGES ")))) "
    "FROM events e LEFT JOIN audit_events a ON a.event_row = e.id "
    "WHERE e.recovered = 0 AND e.host IS NOT NULL AND e.time_unix_us IS NOT NULL"
    "  AND ((e.event_id IN (104, 1100, 1102, 1104, 1108) AND " EVENTLOG_PROVIDER ")"
    "   OR (e.event_id = 4612"
    "       AND e.provider = 'Microsoft-Windows-Security-Auditing')) "
    "ORDER BY e.host, e.time_unix_us, e.id";

/* One row of service_events_sql. */
struct service_event {
	int64_t		 event_row, event_id, time_us, next_us, source_id;
	int		 boot;		/* 1100 followed by a boot: a shutdown */
	const char	*host, *channel, *time, *user;
};

/* The gap for a clear (1102 Security, 104 other logs). */
static void
describe_clear(const struct service_event *e, struct gap *gap, const char *when)
{
	gap_init(gap, "log_cleared", GAP_HIGH);
	gap->summary = gap_sentence("%s cleared the %s log on %s at %s: every "
	    "record written to it before then is gone, so nothing before %s "
	    "can be concluded from this log.",
	    e->user ? e->user : "An unknown account",
	    e->channel ? e->channel : "event", e->host, when, when);
}

/* The gap for 1100: nothing is logged until the service runs again. */
static void
describe_stop(const struct service_event *e, struct gap *gap, const char *when,
    const char *until)
{
	gap_init(gap, "log_service_stopped", e->boot ? GAP_INFO : GAP_MEDIUM);
	if (e->boot)
		gap->summary = gap_sentence("%s shut down at %s (the event log "
		    "service stopped) and started again at %s: nothing was "
		    "logged while it was off, and whatever happened to it then "
		    "(a boot from other media, a disk taken out) cannot be seen "
		    "in its %s log.", e->host, when, until,
		    e->channel ? e->channel : "");
	else if (e->next_us != GAP_NO_TIME)
		gap->summary = gap_sentence("The event log service on %s shut "
		    "down at %s and the %s log has nothing again until %s: "
		    "what happened in between was not logged (a normal "
		    "shutdown looks the same as a stopped service).", e->host,
		    when, e->channel ? e->channel : "", until);
	else
		gap->summary = gap_sentence("The event log service on %s shut "
		    "down at %s, the last record of its %s log: nothing after "
		    "it was logged.", e->host, when, e->channel ? e->channel : "");
}

/* The gap for 1104: with retention set to keep, later events were discarded. */
static void
describe_full(const struct service_event *e, struct gap *gap, const char *when,
    const char *until)
{
	gap_init(gap, "log_full", GAP_HIGH);
	gap->summary = gap_sentence("The %s log on %s was full at %s: events "
	    "after that were discarded %s%s, so their absence proves nothing.",
	    e->channel ? e->channel : "", e->host, when,
	    e->next_us != GAP_NO_TIME ? "until " : "to the end of the log",
	    e->next_us != GAP_NO_TIME ? until : "");
}

/* One gap from one log-service event. */
static int
add_service_gap(struct gap_context *context, const struct service_event *e)
{
	struct gap	gap;
	char		when[40], until[40];

	gap_short_time(e->time_us, when, sizeof(when));
	gap_short_time(e->next_us, until, sizeof(until));
	if (e->event_id == 1102 || e->event_id == 104)
		describe_clear(e, &gap, when);
	else if (e->event_id == 1100)
		describe_stop(e, &gap, when, until);
	else if (e->event_id == 1104)
		describe_full(e, &gap, when, until);
	else if (e->event_id == 1108) {
		gap_init(&gap, "log_service_error", GAP_MEDIUM);
		gap.summary = gap_sentence("The event log service on %s failed "
		    "to process an event at %s: at least one event is missing "
		    "from its %s log.", e->host, when, e->channel ? e->channel : "");
	} else {
		gap_init(&gap, "audit_events_discarded", GAP_HIGH);
		gap.summary = gap_sentence("%s discarded audit events at %s "
		    "(4612: its queue was full): some security events of that "
		    "time were never logged.", e->host, when);
	}
	gap.host = e->host;
	gap.user_name = e->user;
	gap.source_id = e->source_id;
	gap.first_unix_us = e->time_us;
	gap.first_time = e->time;
	gap.last_unix_us = e->time_us;
	gap.last_time = e->time;
	if ((e->event_id == 1100 || e->event_id == 1104) && e->next_us != GAP_NO_TIME) {
		gap.last_unix_us = e->next_us;
		gap.last_time = NULL;
	}
	gap.query = sqlite3_mprintf("SELECT e.*, a.subject_user_name, "
	    "a.subject_domain FROM events e LEFT JOIN audit_events a ON "
	    "a.event_row = e.id WHERE e.id = %lld", (long long)e->event_row);
	return gap_insert(context, &gap, NULL);
}

/* A stop's or a full log's span: the silence inside it is that gap's. */
static int
remember_stop(struct gap_context *context, const struct service_event *e)
{
	if (e->event_id != 1100 && e->event_id != 1104)
		return 0;
	return gap_quiet_span(context, e->host, e->channel, e->time_us,
	    e->next_us == GAP_NO_TIME ? INT64_MAX : e->next_us);
}

/* One gap per clear, stop, full, error or discard event. */
static int
service_event_gaps(struct gap_context *context)
{
	sqlite3_stmt		*s;
	struct service_event	 e;
	int			 step, status = 0;

	if (gap_prepare(context, service_events_sql, &s) == -1)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		e.event_row = sqlite3_column_int64(s, 0);
		e.host = gap_column_text(s, 1);
		e.channel = gap_column_text(s, 2);
		e.event_id = sqlite3_column_int64(s, 3);
		e.time = gap_column_text(s, 4);
		e.time_us = sqlite3_column_int64(s, 5);
		e.user = gap_column_text(s, 6);
		e.source_id = sqlite3_column_int64(s, 7);
		e.next_us = gap_column_int(s, 8, GAP_NO_TIME);
		e.boot = e.event_id == 1100 && sqlite3_column_type(s, 9) !=
		    SQLITE_NULL && sqlite3_column_int64(s, 10) <= SHUTDOWN_STRAGGLERS;
		if (e.boot)
			e.next_us = sqlite3_column_int64(s, 9);
		if ((status = add_service_gap(context, &e)) == -1 ||
		    (status = remember_stop(context, &e)) == -1)
			break;
	}
	if (status == 0 && step != SQLITE_DONE)
		status = gap_sql_error(context, "reading log service events");
	sqlite3_finalize(s);
	return status;
}

/*
 * Jumps in the record header numbers of each file (EventRecordID where a
 * decoder gives no header number: then per host and channel), from
 * temp.gap_record_jump (gap-record-jumps.c), with how many of the missing
 * EventRecordIDs the case holds anyway (in another file of the same log,
 * or recovered from slack) and how many the file holds as records that
 * could not be decoded (unreadable_records says so). A jump to a clear is
 * the clear's.
 */
static const char record_gaps_sql[] =
    "WITH ordered AS ("
    "  SELECT e.id, e.source_id, e.host, e.channel, j.number, j.next_number,"
    "    e.record_id, x.record_id AS next_record_id, e.time, e.time_unix_us,"
    "    x.time AS next_time, x.time_unix_us AS next_us, j.next_id,"
    "    x.event_id AS next_event, x.provider AS next_provider"
    "  FROM temp.gap_record_jump j JOIN events e ON e.id = j.id"
    "  JOIN events x ON x.id = j.next_id)"
    "SELECT o.source_id, o.host, o.channel, o.number, o.next_number,"
    "  o.record_id, o.next_record_id, o.time, o.time_unix_us, o.next_time,"
    "  o.next_us, o.id, o.next_id,"
    "  (SELECT count(DISTINCT x.record_id) FROM events x WHERE x.host = o.host"
    "   AND x.channel IS o.channel AND x.record_id > o.record_id"
    "   AND x.record_id < o.next_record_id),"
    "  (SELECT count(DISTINCT i.record_id) FROM ingest_errors i"
    "   WHERE i.source_id = o.source_id AND i.kind = 'record'"
    "   AND i.record_id > o.record_id AND i.record_id < o.next_record_id) "
    "FROM ordered o WHERE"
    "  NOT (o.next_event IN (104, 1102) AND o.next_provider LIKE '%Eventlog%') "
    "ORDER BY o.source_id, o.number, o.id";

/* One row of record_gaps_sql. */
struct record_gap {
	int64_t		 source_id, number, next_number, record_id, next_record_id;
	int64_t		 time_us, next_us, event_row, next_row, found, unreadable;
	const char	*host, *channel, *time, *next_time;
};

/*
 * "41 (2026-11-02 14:20 UTC)": a record by the number its jump was found
 * in, with its EventRecordID too when that is another number (a file
 * whose records carry other logs' ids, or ids out of step with the file).
 */
static void
record_label(int64_t number, int64_t record_id, int64_t time_us, char *label,
    size_t size)
{
	char	time[40];

	gap_short_time(time_us, time, sizeof(time));
	if (record_id == number)
		snprintf(label, size, "%lld (%s)", (long long)number, time);
	else
		snprintf(label, size, "%lld (EventRecordID %lld, %s)",
		    (long long)number, (long long)record_id, time);
}

static int
add_record_gap(struct gap_context *context, const struct record_gap *r)
{
	struct gap	gap;
	char		from[80], to[80];
	int64_t		missing = r->next_number - r->number - 1;

	gap_init(&gap, "record_id_gap", GAP_HIGH);
	gap.host = r->host;
	gap.source_id = r->source_id;
	gap.first_unix_us = r->time_us;
	gap.first_time = r->time;
	gap.last_unix_us = r->next_us;
	gap.last_time = r->next_time;
	gap.event_count = missing;
	record_label(r->number, r->record_id, r->time_us, from, sizeof(from));
	record_label(r->next_number, r->next_record_id, r->next_us, to, sizeof(to));
	gap.summary = gap_sentence("%lld record%s of the %s log on %s between "
	    "record %s and record %s %s missing%s: deleted, damaged or never "
	    "written, so what happened between those times cannot be fully "
	    "known.", (long long)missing, missing == 1 ? "" : "s",
	    r->channel ? r->channel : "", r->host ? r->host : "(unknown host)",
	    from, to, missing == 1 ? "is" : "are",
	    r->found > 0 ? " (some survive in other files or as recovered records)" : "");
	/* The numbers the jump was found in: header numbers where there are. */
	gap.query = sqlite3_mprintf("SELECT * FROM events WHERE id IN (%lld, "
	    "%lld) OR (source_id = %lld AND coalesce(record_number, record_id) > "
	    "%lld AND coalesce(record_number, record_id) < %lld) ORDER BY "
	    "coalesce(record_number, record_id), id", (long long)r->event_row,
	    (long long)r->next_row, (long long)r->source_id,
	    (long long)r->number, (long long)r->next_number);
	return gap_insert(context, &gap, NULL);
}

static void
read_record_gap(sqlite3_stmt *s, struct record_gap *r)
{
	r->source_id = sqlite3_column_int64(s, 0);
	r->host = gap_column_text(s, 1);
	r->channel = gap_column_text(s, 2);
	r->number = sqlite3_column_int64(s, 3);
	r->next_number = sqlite3_column_int64(s, 4);
	r->record_id = sqlite3_column_int64(s, 5);
	r->next_record_id = sqlite3_column_int64(s, 6);
	r->time = gap_column_text(s, 7);
	r->time_us = gap_column_int(s, 8, GAP_NO_TIME);
	r->next_time = gap_column_text(s, 9);
	r->next_us = gap_column_int(s, 10, GAP_NO_TIME);
	r->event_row = sqlite3_column_int64(s, 11);
	r->next_row = sqlite3_column_int64(s, 12);
	r->found = sqlite3_column_int64(s, 13);
	r->unreadable = sqlite3_column_int64(s, 14);
}

/*
 * record_id_gap rows, except those the case fills elsewhere, or whose
 * records the file holds but could not decode.
 */
static int
record_id_gaps(struct gap_context *context)
{
	sqlite3_stmt		*s;
	struct record_gap	 r;
	int64_t			 missing_ids;
	int			 step, status = 0;

	if (gap_prepare(context, record_gaps_sql, &s) == -1)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		read_record_gap(s, &r);
		missing_ids = r.next_record_id - r.record_id - 1;
		if (missing_ids > 0 && r.found + r.unreadable >= missing_ids)
			continue;
		if ((status = add_record_gap(context, &r)) == -1)
			break;
	}
	if (status == 0 && step != SQLITE_DONE)
		status = gap_sql_error(context, "looking for record id gaps");
	sqlite3_finalize(s);
	return status;
}

/*
 * Logs whose oldest EventRecordID in the case is above 1 (outside
 * forwarded files, whose ids are other hosts'), unless that oldest record
 * is a clear.
 */
static const char wrapped_sql[] =
    "WITH firsts AS (SELECT g.host, g.channel, min(g.first_record_id) AS first_id"
    "  FROM temp.gap_log_sums g WHERE g.recovered = 0"
    "  AND g.first_record_id IS NOT NULL AND g.host IS NOT NULL"
    "  AND g.source_id NOT IN (SELECT source_id FROM temp.gap_forwarded_source)"
    "  GROUP BY g.host, g.channel) "
    "SELECT f.host, f.channel, f.first_id, min(e.time), min(e.time_unix_us),"
    "  min(e.source_id), min(e.id) "
    "FROM firsts f JOIN events e ON e.host = f.host AND e.channel IS f.channel"
    "  AND e.record_id = f.first_id AND e.recovered = 0 "
    "WHERE f.first_id > 1 AND NOT EXISTS (SELECT 1 FROM events c"
    "  WHERE c.host = f.host AND c.channel IS f.channel AND c.record_id = f.first_id"
    "  AND c.event_id IN (104, 1102) AND c.provider LIKE '%Eventlog%') "
    "GROUP BY f.host, f.channel ORDER BY f.host, f.channel";

static int
add_wrapped_gap(struct gap_context *context, sqlite3_stmt *s)
{
	struct gap	gap;
	char		when[40];
	int64_t		first_id = sqlite3_column_int64(s, 2);

	gap_init(&gap, "log_wrapped", GAP_MEDIUM);
	gap.host = gap_column_text(s, 0);
	gap.first_time = gap_column_text(s, 3);
	gap.first_unix_us = sqlite3_column_int64(s, 4);
	gap.last_time = gap.first_time;
	gap.last_unix_us = gap.first_unix_us;
	gap.source_id = sqlite3_column_int64(s, 5);
	gap.event_count = first_id - 1;
	gap_short_time(gap.first_unix_us, when, sizeof(when));
	gap.summary = gap_sentence("The oldest record of the %s log on %s in "
	    "this case is record %lld, written at %s: the %lld records before "
	    "it were overwritten when the log wrapped (or removed), so nothing "
	    "before %s can be seen in this log.", gap_column_text(s, 1) ?
	    gap_column_text(s, 1) : "", gap.host, (long long)first_id, when,
	    (long long)(first_id - 1), when);
	gap.query = sqlite3_mprintf("SELECT * FROM events WHERE id = %lld",
	    sqlite3_column_int64(s, 6));
	return gap_insert(context, &gap, NULL);
}

static int
wrapped_logs(struct gap_context *context)
{
	sqlite3_stmt	*s;
	int		 step, status = 0;

	if (gap_prepare(context, wrapped_sql, &s) == -1)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		if ((status = add_wrapped_gap(context, s)) == -1)
			break;
	if (status == 0 && step != SQLITE_DONE)
		status = gap_sql_error(context, "looking for wrapped logs");
	sqlite3_finalize(s);
	return status;
}

/*
 * What each file's header and reading said about it. The times and counts
 * of every file's records come from one grouped pass over events, not a
 * pass per figure.
 */
static const char sources_sql[] =
    "WITH spans AS (SELECT source_id,"
    "  min(first_us) FILTER (WHERE recovered = 0) AS first_us,"
    "  max(last_us) FILTER (WHERE recovered = 0) AS last_us,"
    "  sum(records) FILTER (WHERE recovered = 1) AS recovered,"
    "  min(first_us) FILTER (WHERE recovered = 1) AS recovered_first_us,"
    "  max(last_us) FILTER (WHERE recovered = 1) AS recovered_last_us,"
    "  max(eventlog_full) AS full_event"
    "  FROM temp.gap_log_sums GROUP BY source_id) "
    "SELECT s.id, s.path, s.status, s.dirty, s.full, s.corrupted,"
    "  (SELECT host FROM temp.gap_log_sums g WHERE g.source_id = s.id"
    "   AND g.host IS NOT NULL GROUP BY host ORDER BY sum(records) DESC, host LIMIT 1),"
    "  p.first_us, p.last_us,"
    "  (SELECT count(*) FROM ingest_errors i WHERE i.source_id = s.id AND i.kind = 'chunk'),"
    "  (SELECT count(*) FROM ingest_errors i WHERE i.source_id = s.id AND i.kind = 'record'),"
    "  coalesce(p.recovered, 0), p.recovered_first_us, p.recovered_last_us,"
    "  coalesce(p.full_event, 0) "
    "FROM sources s LEFT JOIN spans p ON p.source_id = s.id ORDER BY s.id";

/* One row of sources_sql. */
struct source_facts {
	int64_t		 id, chunk_errors, record_errors, recovered;
	int64_t		 first_us, last_us, recovered_first_us, recovered_last_us;
	int		 dirty, full, corrupted, failed, has_full_event;
	const char	*path, *host;
};

static void
read_source(sqlite3_stmt *s, struct source_facts *f)
{
	const char	*status = gap_column_text(s, 2);

	f->id = sqlite3_column_int64(s, 0);
	f->path = gap_column_text(s, 1);
	f->failed = status != NULL && strcmp(status, "complete") != 0;
	f->dirty = sqlite3_column_int(s, 3) == 1;
	f->full = sqlite3_column_int(s, 4) == 1;
	f->corrupted = sqlite3_column_int(s, 5) == 1;
	f->host = gap_column_text(s, 6);
	f->first_us = gap_column_int(s, 7, GAP_NO_TIME);
	f->last_us = gap_column_int(s, 8, GAP_NO_TIME);
	f->chunk_errors = sqlite3_column_int64(s, 9);
	f->record_errors = sqlite3_column_int64(s, 10);
	f->recovered = sqlite3_column_int64(s, 11);
	f->recovered_first_us = gap_column_int(s, 12, GAP_NO_TIME);
	f->recovered_last_us = gap_column_int(s, 13, GAP_NO_TIME);
	f->has_full_event = sqlite3_column_int(s, 14);
}

/* A gap about one file, spanning the times its live records cover. */
static void
init_file_gap(struct gap *gap, const char *kind, const char *severity,
    const struct source_facts *f)
{
	gap_init(gap, kind, severity);
	gap->host = f->host;
	gap->source_id = f->id;
	gap->first_unix_us = f->first_us;
	gap->last_unix_us = f->last_us;
}

/*
 * A damaged file: a chunk failing its checksum (libevtx's corrupted
 * verdict) or reported while reading, or records that could not be read.
 */
static int
add_damaged_file(struct gap_context *context, const struct source_facts *f)
{
	struct gap	gap;

	if (f->corrupted || f->chunk_errors > 0) {
		init_file_gap(&gap, "corrupt_chunk", GAP_MEDIUM, f);
		gap.summary = gap_sentence("%s has damaged chunks (%s%lld chunk "
		    "problem%s and %lld unreadable record%s reported while "
		    "reading): records from them may be incomplete or altered, "
		    "so not every event of %s in this file can be trusted as "
		    "written.", f->path, f->corrupted ? "libevtx marks it "
		    "corrupted; " : "", (long long)f->chunk_errors,
		    f->chunk_errors == 1 ? "" : "s", (long long)f->record_errors,
		    f->record_errors == 1 ? "" : "s", f->host ? f->host : "its host");
	} else {
		init_file_gap(&gap, "unreadable_records", GAP_MEDIUM, f);
		gap.summary = gap_sentence("%s has %lld record%s that could not "
		    "be read: those events of %s are not in this case.", f->path,
		    (long long)f->record_errors, f->record_errors == 1 ? "" : "s",
		    f->host ? f->host : "its host");
	}
	if (f->record_errors > 0)
		gap.event_count = f->record_errors;
	gap.query = sqlite3_mprintf("SELECT * FROM ingest_errors WHERE "
	    "source_id = %lld ORDER BY id", (long long)f->id);
	return gap_insert(context, &gap, NULL);
}

/* The header's flags: copied while open (dirty), or full without a 1104. */
static int
add_flag_gaps(struct gap_context *context, const struct source_facts *f)
{
	struct gap	gap;

	if (f->dirty) {
		init_file_gap(&gap, "dirty_file", GAP_LOW, f);
		gap.summary = gap_sentence("%s was copied while the log was open "
		    "(its header is marked dirty): the newest records may not "
		    "have been written to it, so the log of %s may go on past "
		    "what this copy shows.", f->path, f->host ? f->host : "its host");
		gap.query = sqlite3_mprintf("SELECT * FROM sources WHERE id = %lld",
		    (long long)f->id);
		if (gap_insert(context, &gap, NULL) == -1)
			return -1;
	}
	if (f->full && !f->has_full_event) {
		init_file_gap(&gap, "log_full", GAP_HIGH, f);
		gap.summary = gap_sentence("%s is marked full in its header: if "
		    "the log was set not to overwrite, events after it filled "
		    "were discarded and are not in it.", f->path);
		gap.query = sqlite3_mprintf("SELECT * FROM sources WHERE id = %lld",
		    (long long)f->id);
		if (gap_insert(context, &gap, NULL) == -1)
			return -1;
	}
	return 0;
}

/* Records recovered from slack: deleted or overwritten, kept here anyway. */
static int
add_recovered_gap(struct gap_context *context, const struct source_facts *f)
{
	struct gap	gap;

	init_file_gap(&gap, "recovered_records", GAP_LOW, f);
	gap.first_unix_us = f->recovered_first_us;
	gap.last_unix_us = f->recovered_last_us;
	gap.event_count = f->recovered;
	gap.summary = gap_sentence("%s holds %lld record%s recovered from unused "
	    "space: records the log no longer lists (overwritten, or deleted), "
	    "so the live log of %s is not everything that was written; the "
	    "recovered ones may be incomplete.", f->path, (long long)f->recovered,
	    f->recovered == 1 ? "" : "s", f->host ? f->host : "its host");
	gap.query = sqlite3_mprintf("SELECT * FROM events WHERE source_id = %lld "
	    "AND recovered = 1 ORDER BY time_unix_us, id", (long long)f->id);
	return gap_insert(context, &gap, NULL);
}

/* A file that could not be read through. */
static int
add_failed_file(struct gap_context *context, const struct source_facts *f)
{
	struct gap	gap;

	init_file_gap(&gap, "unreadable_file", GAP_HIGH, f);
	gap.summary = gap_sentence("%s could not be read to the end: the "
	    "events it holds past the failure are not in this case.", f->path);
	gap.query = sqlite3_mprintf("SELECT * FROM ingest_errors WHERE "
	    "source_id = %lld OR (source_id IS NULL AND path = %Q) ORDER BY id",
	    (long long)f->id, f->path);
	return gap_insert(context, &gap, NULL);
}

/* File-level gaps, one source after another. */
static int
file_gaps(struct gap_context *context)
{
	sqlite3_stmt		*s;
	struct source_facts	 f;
	int			 step = SQLITE_DONE, status = 0;

	if (gap_prepare(context, sources_sql, &s) == -1)
		return -1;
	while (status == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		read_source(s, &f);
		if (f.failed)
			status = add_failed_file(context, &f);
		if (status == 0 && (f.corrupted || f.chunk_errors > 0 ||
		    f.record_errors > 0))
			status = add_damaged_file(context, &f);
		if (status == 0)
			status = add_flag_gaps(context, &f);
		if (status == 0 && f.recovered > 0)
			status = add_recovered_gap(context, &f);
	}
	if (status == 0 && step != SQLITE_DONE)
		status = gap_sql_error(context, "reading sources");
	sqlite3_finalize(s);
	return status;
}

int
gap_log_integrity(struct gap_context *context)
{
	if (service_event_gaps(context) == -1 ||
	    record_id_gaps(context) == -1 ||
	    gap_time_gaps(context) == -1 ||
	    wrapped_logs(context) == -1 ||
	    file_gaps(context) == -1)
		return -1;
	return 0;
}
