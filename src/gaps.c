/*
 * gaps.c: run the gap analyses over a case, in one transaction, and the
 * helpers they share (inserting a gap, sentences safe to show, errors).
 *
 * The order of the analyses is fixed and every query they run is ordered,
 * so the same case always gets the same gap ids: the most telling first
 * (traffic no log recorded), then audit policy, log integrity and
 * attribution, then the per-detector coverage table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gap.h"
#include "util.h"

void
gaps_options_init(struct gaps_options *options)
{
	memset(options, 0, sizeof(*options));
	options->silence_factor = 20.0;
	options->minimum_silence_us = 1800LL * 1000000;
	options->minimum_events_for_silence = 20;
	options->clock_skew_us = 300LL * 1000000;
	options->discovery_targets = 3;
}

int
gap_error(struct gap_context *context, const char *fmt, ...)
{
	va_list	ap;

	if (context->error_size == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(context->error, context->error_size, fmt, ap);
	va_end(ap);
	return -1;
}

int
gap_sql_error(struct gap_context *context, const char *what)
{
	return gap_error(context, "%s: %s", what, sqlite3_errmsg(context->db));
}

int
gap_exec(struct gap_context *context, const char *sql)
{
	char	*message = NULL;

	if (sqlite3_exec(context->db, sql, NULL, NULL, &message) != SQLITE_OK) {
		gap_error(context, "%s", message ? message : "SQLite error");
		sqlite3_free(message);
		return -1;
	}
	return 0;
}

int
gap_prepare(struct gap_context *context, const char *sql, sqlite3_stmt **statement)
{
	if (sqlite3_prepare_v2(context->db, sql, -1, statement, NULL) != SQLITE_OK) {
		*statement = NULL;
		return gap_sql_error(context, "preparing a gap query");
	}
	return 0;
}

const char *
gap_column_text(sqlite3_stmt *statement, int column)
{
	return (const char *)sqlite3_column_text(statement, column);
}

int64_t
gap_column_int(sqlite3_stmt *statement, int column, int64_t fallback)
{
	if (sqlite3_column_type(statement, column) == SQLITE_NULL)
		return fallback;
	return sqlite3_column_int64(statement, column);
}

void
gap_init(struct gap *gap, const char *kind, const char *severity)
{
	memset(gap, 0, sizeof(*gap));
	gap->kind = kind;
	gap->severity = severity;
	gap->first_unix_us = GAP_NO_TIME;
	gap->last_unix_us = GAP_NO_TIME;
	gap->event_count = -1;
	gap->distinct_count = -1;
	gap->witness_count = -1;
}

/* Bind text, or NULL for a NULL pointer. */
static void
bind_text_or_null(sqlite3_stmt *statement, int index, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(statement, index);
	else
		sqlite3_bind_text(statement, index, text, -1, SQLITE_TRANSIENT);
}

/* Bind a count, or NULL for a negative one. */
static void
bind_count(sqlite3_stmt *statement, int index, int64_t value)
{
	if (value < 0)
		sqlite3_bind_null(statement, index);
	else
		sqlite3_bind_int64(statement, index, value);
}

/* Bind a time as text (as logged, else made from microseconds) and integer. */
static void
bind_time(sqlite3_stmt *statement, int text_index, int integer_index,
    const char *text, int64_t unix_us)
{
	char	iso[40];

	if (unix_us == GAP_NO_TIME) {
		bind_text_or_null(statement, text_index, text);
		sqlite3_bind_null(statement, integer_index);
		return;
	}
	if (text == NULL) {
		unix_us_to_iso(unix_us, iso, sizeof(iso));
		text = iso;
	}
	sqlite3_bind_text(statement, text_index, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(statement, integer_index, unix_us);
}

int
gap_insert(struct gap_context *context, struct gap *gap, int64_t *id)
{
	sqlite3_stmt	*s = context->insert_gap;
	int		 status = 0;

	if (gap->summary == NULL) {
		status = gap_error(context, "out of memory writing a %s gap", gap->kind);
		goto done;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	sqlite3_bind_text(s, 1, gap->kind, -1, SQLITE_STATIC);
	bind_text_or_null(s, 2, gap->host);
	bind_time(s, 3, 15, gap->first_time, gap->first_unix_us);
	bind_time(s, 4, 16, gap->last_time, gap->last_unix_us);
	sqlite3_bind_text(s, 5, gap->severity, -1, SQLITE_STATIC);
	bind_text_or_null(s, 6, gap->summary);
	bind_text_or_null(s, 7, gap->query);
	bind_text_or_null(s, 8, gap->related_host);
	bind_text_or_null(s, 9, gap->related_ip);
	bind_text_or_null(s, 10, gap->user_name);
	bind_count(s, 11, gap->event_count);
	bind_count(s, 12, gap->distinct_count);
	bind_count(s, 13, gap->witness_count);
	if (gap->source_id > 0)
		sqlite3_bind_int64(s, 14, gap->source_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		status = gap_sql_error(context, "adding a gap");
		goto done;
	}
	context->gap_count++;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(context->db);
done:
	sqlite3_free(gap->summary);
	sqlite3_free(gap->query);
	gap->summary = NULL;
	gap->query = NULL;
	return status;
}

int
gap_set_query(struct gap_context *context, int64_t id, char *query)
{
	sqlite3_stmt	*s;
	int		 status = 0;

	if (query == NULL)
		return gap_error(context, "out of memory");
	if (gap_prepare(context, "UPDATE gaps SET query = ?1 WHERE id = ?2", &s) == -1) {
		sqlite3_free(query);
		return -1;
	}
	sqlite3_bind_text(s, 1, query, -1, sqlite3_free);
	sqlite3_bind_int64(s, 2, id);
	if (sqlite3_step(s) != SQLITE_DONE)
		status = gap_sql_error(context, "writing a gap's query");
	sqlite3_finalize(s);
	return status;
}

int
gap_quiet_span(struct gap_context *context, const char *host,
    const char *channel, int64_t start_us, int64_t end_us)
{
	sqlite3_stmt	*s;
	int		 status = 0;

	if (gap_prepare(context, "INSERT INTO temp.gap_stop(host, channel, "
	    "start_us, end_us) VALUES (?1, ?2, ?3, ?4)", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, host, -1, SQLITE_TRANSIENT);
	if (channel != NULL)
		sqlite3_bind_text(s, 2, channel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, start_us);
	sqlite3_bind_int64(s, 4, end_us);
	if (sqlite3_step(s) != SQLITE_DONE)
		status = gap_sql_error(context, "remembering an explained silence");
	sqlite3_finalize(s);
	return status;
}

static void
emit_to_builder(void *builder, const char *piece, size_t length)
{
	sqlite3_str_append(builder, piece, (int)length);
}

/* Append text to s with what a log could use to deceive a reader escaped. */
static void
append_escaped(sqlite3_str *s, const char *text)
{
	escape_text(text, emit_to_builder, s);
}

char *
gap_sentence_finish(sqlite3_str *builder)
{
	char		*raw;
	sqlite3_str	*s;

	raw = sqlite3_str_finish(builder);
	if (raw == NULL)
		return NULL;
	s = sqlite3_str_new(NULL);
	append_escaped(s, raw);
	sqlite3_free(raw);
	return sqlite3_str_finish(s);
}

char *
gap_sentence(const char *fmt, ...)
{
	va_list		 ap;
	sqlite3_str	*s;

	s = sqlite3_str_new(NULL);
	va_start(ap, fmt);
	sqlite3_str_vappendf(s, fmt, ap);
	va_end(ap);
	return gap_sentence_finish(s);
}

void
gap_short_time(int64_t unix_us, char *buffer, size_t size)
{
	char	iso[40];

	if (unix_us == GAP_NO_TIME) {
		snprintf(buffer, size, "an unknown time");
		return;
	}
	unix_us_to_iso(unix_us, iso, sizeof(iso));
	snprintf(buffer, size, "%.10s %.8s UTC", iso, iso + 11);
}

/*
 * The temporary tables every analysis reads (see gap.h). An address seen
 * on two hosts names neither: a probe from it cannot be pinned on one.
 * The addresses from network events are the host_addresses view's
 * network_events rows, selected directly: the view's counts and times
 * would be computed for every one of ten million records and dropped.
 */
static const char prepare_sql[] =
    "DROP TABLE IF EXISTS temp.gap_host_ip;"
    "DROP TABLE IF EXISTS temp.gap_unique_ip;"
    "DROP TABLE IF EXISTS temp.gap_host_span;"
    "DROP TABLE IF EXISTS temp.gap_forwarded_source;"
    "DROP TABLE IF EXISTS temp.gap_probe;"
    "DROP TABLE IF EXISTS temp.gap_stop;"
    "CREATE TEMP TABLE gap_stop(host TEXT, channel TEXT, start_us INTEGER,"
    "  end_us INTEGER);"
    "CREATE TEMP TABLE gap_host_ip(ip TEXT NOT NULL, host TEXT NOT NULL);"
    "CREATE TEMP TABLE gap_forwarded_source(source_id INTEGER PRIMARY KEY);";

/*
 * After gap_host_traffic() has put each host's own network addresses in
 * temp.gap_host_ip: the addresses logons name as a host's own (the
 * host_addresses view's logon_workstation rows, from temp.gap_log_sums'
 * hosts), and the addresses of exactly one host.
 */
static const char addresses_sql[] =
    "CREATE INDEX temp.gap_host_ip_by_ip ON gap_host_ip(ip);"
    "INSERT INTO temp.gap_host_ip SELECT DISTINCT l.source_ip, h.host"
    "  FROM logons l JOIN (SELECT DISTINCT host FROM temp.gap_log_sums"
    "   WHERE host IS NOT NULL) h ON upper(l.workstation) = upper(CASE"
    "   WHEN instr(h.host, '.') > 0 THEN substr(h.host, 1, instr(h.host, '.') - 1)"
    "   ELSE h.host END)"
    "  WHERE l.event_id = 4624 AND l.source_ip IS NOT NULL AND l.source_ip <> ''"
    "  AND l.source_ip NOT IN ('0.0.0.0', '::', '::1')"
    "  AND l.source_ip NOT LIKE '127.%' AND l.host <> h.host"
    "  AND NOT EXISTS (SELECT 1 FROM temp.gap_host_ip m WHERE m.ip = l.source_ip);"
    "CREATE TEMP TABLE gap_unique_ip(ip TEXT PRIMARY KEY, host TEXT NOT NULL);"
    "INSERT INTO temp.gap_unique_ip SELECT ip, min(host) FROM temp.gap_host_ip"
    "  GROUP BY ip HAVING count(DISTINCT host) = 1;";

/*
 * The tables built on temp.gap_log_sums (gap-log-sums.c): files holding
 * more than one host, and when each host's own Security log runs.
 */
static const char spans_sql[] =
    "INSERT INTO temp.gap_forwarded_source SELECT source_id"
    "  FROM temp.gap_log_sums GROUP BY source_id HAVING count(DISTINCT host) > 1;"
    "INSERT OR IGNORE INTO temp.gap_forwarded_source SELECT id FROM sources"
    "  WHERE lower(path) LIKE '%forwardedevents%';"
    "CREATE TEMP TABLE gap_host_span(host TEXT PRIMARY KEY, first_unix_us INTEGER,"
    "  last_unix_us INTEGER, wfp_success INTEGER);"
    "INSERT INTO temp.gap_host_span SELECT host, min(first_us), max(last_us),"
    "  max(wfp_success) FROM temp.gap_log_sums"
    "  WHERE host IS NOT NULL AND channel = 'Security' COLLATE NOCASE"
    "  AND recovered = 0 AND first_us IS NOT NULL AND source_id NOT IN"
    "  (SELECT source_id FROM temp.gap_forwarded_source) GROUP BY host;";

static const char cleanup_sql[] =
    "DROP TABLE IF EXISTS temp.gap_log_sums;"
    "DROP TABLE IF EXISTS temp.gap_record_jump;"
    "DROP TABLE IF EXISTS temp.gap_reread_source;"
    "DROP TABLE IF EXISTS temp.gap_host_traffic;"
    "DROP TABLE IF EXISTS temp.gap_host_ip;"
    "DROP TABLE IF EXISTS temp.gap_unique_ip;"
    "DROP TABLE IF EXISTS temp.gap_host_span;"
    "DROP TABLE IF EXISTS temp.gap_forwarded_source;"
    "DROP TABLE IF EXISTS temp.gap_probe;"
    "DROP TABLE IF EXISTS temp.gap_stop;";

/* Remove the previous run's rows; gaps are always recomputed whole. */
static const char clear_sql[] =
    "DELETE FROM witness_flows;"
    "DELETE FROM gap_evidence;"
    "DELETE FROM coverage;"
    "DELETE FROM gaps;";

/*
 * The per-log sums and the record-number jumps, in one pass over the
 * events table.
 */
static int
sum_logs_and_find_jumps(struct gap_context *context)
{
	struct record_jumps	*jumps;
	struct events_reader	 reader;
	int			 status = -1;

	if (gap_record_jumps_begin(context, &jumps) == 0) {
		gap_record_jumps_reader(jumps, &reader);
		if (gap_log_sums(context, &reader, 1) == 0)
			status = gap_record_jumps_finish(jumps);
	}
	gap_record_jumps_free(jumps);
	return status;
}

/* Every analysis in order; the first failure stops the run. */
static int
analyse(struct gap_context *context)
{
	const struct gaps_options	*options = context->options;
	size_t				 i;

	if (gap_exec(context, clear_sql) == -1 ||
	    gap_exec(context, prepare_sql) == -1 ||
	    gap_host_traffic(context) == -1 ||
	    sum_logs_and_find_jumps(context) == -1 ||
	    gap_exec(context, addresses_sql) == -1 ||
	    gap_exec(context, spans_sql) == -1)
		return -1;
	if (gap_prepare(context, "INSERT INTO gaps(kind, host, first_time, "
	    "last_time, severity, summary, query, related_host, related_ip, "
	    "user_name, event_count, distinct_count, witness_count, source_id, "
	    "first_unix_us, last_unix_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", &context->insert_gap) == -1)
		return -1;
	for (i = 0; i < options->zeek_conn_count; i++)
		if (gap_witness_zeek(context, options->zeek_conn_paths[i]) == -1)
			return -1;
	for (i = 0; i < options->pcap_count; i++)
		if (gap_witness_pcap(context, options->pcap_paths[i]) == -1)
			return -1;
	if (gap_unlogged_traffic(context) == -1 ||
	    gap_raw_socket(context) == -1 ||
	    gap_audit_policy(context) == -1 ||
	    gap_log_integrity(context) == -1 ||
	    gap_attribution_coverage(context) == -1 ||
	    gap_detector_coverage(context) == -1)
		return -1;
	return gap_exec(context, cleanup_sql);
}

int
gaps_run(sqlite3 *db, const struct gaps_options *options, FILE *out,
    char *error, size_t error_size)
{
	struct gap_context	context;
	int			status;

	memset(&context, 0, sizeof(context));
	context.db = db;
	context.options = options;
	context.error = error;
	context.error_size = error_size;
	if (error_size > 0)
		error[0] = '\0';
	if (gap_exec(&context, "SAVEPOINT gaps_run") == -1)
		return -1;
	status = analyse(&context);
	sqlite3_finalize(context.insert_gap);
	if (status == -1) {
		sqlite3_exec(db, "ROLLBACK TO gaps_run; RELEASE gaps_run", NULL,
		    NULL, NULL);
		return -1;
	}
	if (gap_exec(&context, "RELEASE gaps_run") == -1)
		return -1;
	if (out != NULL && gaps_print(db, options, out, error, error_size) == -1)
		return -1;
	return (int)context.gap_count;
}
