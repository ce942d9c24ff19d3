/*
 * report-html-findings.c: the findings and coverage-gap sections of the
 * HTML report. Each finding shows its facts, its evidence (capped) and the
 * SQL that lists all of it; each gap says what it means for the findings
 * and names the findings it touches.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report-internal.h"

/* Most severe first, then by time: the order both sections use. */
#define SEVERITY_ORDER \
	"CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1" \
	" WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END"

enum finding_column {
	FINDING_ID, FINDING_DETECTOR, FINDING_SEVERITY, FINDING_HOST,
	FINDING_USER, FINDING_APPLICATION, FINDING_SOURCE_IP,
	FINDING_DESTINATION_IP, FINDING_DESTINATION_PORT, FINDING_DISTINCT,
	FINDING_EVENTS, FINDING_FIRST_TIME, FINDING_LAST_TIME, FINDING_SUMMARY,
	FINDING_QUERY, FINDING_EVIDENCE
};

static const char findings_sql[] =
    "SELECT id, detector, severity, host, user_name, application, source_ip,"
    " destination_ip, destination_port, distinct_count, event_count,"
    " first_time, last_time, summary, query,"
    " (SELECT count(*) FROM finding_evidence fe WHERE fe.finding_id = f.id)"
    " FROM findings f ORDER BY " SEVERITY_ORDER ", first_time, id";

/* The evidence of a finding or gap: its network events, in time order. */
#define EVIDENCE_SQL(table, key) \
    "SELECT n.time, n.host, coalesce(a.user_name, n.user_name)," \
    " coalesce(n.application_name, n.application), n.pid," \
    " " REPORT_SQL_ENDPOINT("n.local_ip", "n.local_port") "," \
    " " REPORT_SQL_ENDPOINT("n.remote_ip", "n.remote_port") "," \
    " n.protocol_name, n.direction, n.action, n.event_id, n.record_id" \
    " FROM " table " e" \
    " JOIN network_events n ON n.id = e.network_event_id" \
    " LEFT JOIN attribution a ON a.network_event_id = n.id" \
    " WHERE e." key " = ?1 ORDER BY n.time_unix_us, n.id"

static const char evidence_sql[] = EVIDENCE_SQL("finding_evidence", "finding_id");

/*
 * The gaps stage may keep the network events behind a gap (unlogged traffic:
 * the target's inbound records) in gap_evidence; older cases lack the table.
 */
static const char gap_evidence_sql[] = EVIDENCE_SQL("gap_evidence", "gap_id");

static const struct html_column evidence_columns[] = {
	{ "Time", HTML_CELL_TIME },
	{ "Host", HTML_CELL_TEXT },
	{ "User", HTML_CELL_TEXT },
	{ "Application", HTML_CELL_TEXT },
	{ "PID", HTML_CELL_NUMBER },
	{ "Local", HTML_CELL_CODE },
	{ "Remote", HTML_CELL_CODE },
	{ "Protocol", HTML_CELL_TEXT },
	{ "Direction", HTML_CELL_TEXT },
	{ "Action", HTML_CELL_TEXT },
	{ "Event", HTML_CELL_NUMBER },
	{ "Record", HTML_CELL_NUMBER },
};

/* A column's text escaped for HTML (nothing for NULL), capped. */
static void
put_column(FILE *out, sqlite3_stmt *statement, int column)
{
	if (sqlite3_column_type(statement, column) == SQLITE_NULL)
		return;
	report_put_html_text(out, (const char *)sqlite3_column_text(statement,
	    column), (size_t)sqlite3_column_bytes(statement, column),
	    REPORT_HTML_MAX_CHARS);
}

/* A column's text uncapped (for SQL an analyst will copy). */
static void
put_column_whole(FILE *out, sqlite3_stmt *statement, int column)
{
	if (sqlite3_column_type(statement, column) == SQLITE_NULL)
		return;
	report_put_html_text(out, (const char *)sqlite3_column_text(statement,
	    column), (size_t)sqlite3_column_bytes(statement, column), 0);
}

/* A severity badge; the class comes from a fixed list, never from the log. */
static void
put_badge(FILE *out, sqlite3_stmt *statement, int column)
{
	const char	*severity;

	severity = (const char *)sqlite3_column_text(statement, column);
	fprintf(out, "<span class=\"badge sev-%s\">",
	    report_severity_class(severity));
	put_column(out, statement, column);
	fputs("</span>", out);
}

/* One <dt>/<dd> pair when the column has a value. */
static void
put_fact(FILE *out, const char *label, sqlite3_stmt *statement, int column,
    int is_time)
{
	if (sqlite3_column_type(statement, column) == SQLITE_NULL)
		return;
	fprintf(out, "<dt>%s</dt><dd>", label);
	if (is_time)
		report_html_time(out, (const char *)sqlite3_column_text(statement,
		    column));
	else
		put_column(out, statement, column);
	fputs("</dd>", out);
}

/* The overview: one line per finding, linking to its details. */
static void
write_overview_row(FILE *out, sqlite3_stmt *statement)
{
	fprintf(out, "<tr><td><a href=\"#finding-%lld\">#%lld</a></td><td>",
	    (long long)sqlite3_column_int64(statement, FINDING_ID),
	    (long long)sqlite3_column_int64(statement, FINDING_ID));
	put_badge(out, statement, FINDING_SEVERITY);
	fputs("</td><td>", out);
	put_column(out, statement, FINDING_DETECTOR);
	fputs("</td><td>", out);
	put_column(out, statement, FINDING_HOST);
	fputs("</td><td>", out);
	put_column(out, statement, FINDING_USER);
	fputs("</td><td>", out);
	put_column(out, statement, FINDING_APPLICATION);
	fputs("</td><td class=\"time\">", out);
	report_html_time(out, (const char *)sqlite3_column_text(statement,
	    FINDING_FIRST_TIME));
	fputs("</td><td class=\"summary\">", out);
	put_column(out, statement, FINDING_SUMMARY);
	fputs("</td></tr>\n", out);
}

/* The details of one finding: facts, evidence, the SQL. */
static int
write_finding(sqlite3 *db, FILE *out, sqlite3_stmt *statement, char *error,
    size_t error_size)
{
	long long	id = sqlite3_column_int64(statement, FINDING_ID);
	const char	*severity;

	severity = (const char *)sqlite3_column_text(statement, FINDING_SEVERITY);
	fprintf(out, "<article class=\"card finding sev-%s\" id=\"finding-%lld\">\n"
	    "<header>", report_severity_class(severity), id);
	put_badge(out, statement, FINDING_SEVERITY);
	fprintf(out, " <h3>#%lld ", id);
	put_column(out, statement, FINDING_DETECTOR);
	fputs(" on ", out);
	put_column(out, statement, FINDING_HOST);
	fputs("</h3></header>\n<p class=\"summary\">", out);
	put_column(out, statement, FINDING_SUMMARY);
	fputs("</p>\n<dl class=\"facts\">", out);
	put_fact(out, "Host", statement, FINDING_HOST, 0);
	put_fact(out, "User", statement, FINDING_USER, 0);
	put_fact(out, "Application", statement, FINDING_APPLICATION, 0);
	put_fact(out, "Source", statement, FINDING_SOURCE_IP, 0);
	put_fact(out, "Destination", statement, FINDING_DESTINATION_IP, 0);
	put_fact(out, "Port", statement, FINDING_DESTINATION_PORT, 0);
	put_fact(out, "Distinct", statement, FINDING_DISTINCT, 0);
	put_fact(out, "Events", statement, FINDING_EVENTS, 0);
	put_fact(out, "First", statement, FINDING_FIRST_TIME, 1);
	put_fact(out, "Last", statement, FINDING_LAST_TIME, 1);
	fprintf(out, "</dl>\n<h4>Evidence (%lld event%s)</h4>\n",
	    (long long)sqlite3_column_int64(statement, FINDING_EVIDENCE),
	    sqlite3_column_int64(statement, FINDING_EVIDENCE) == 1 ? "" : "s");
	if (report_html_query_table(db, out, evidence_sql, id, evidence_columns,
	    12, REPORT_EVIDENCE_MAX_ROWS, "The SQL below lists every one.",
	    error, error_size) == -1)
		return -1;
	fputs("<h4>SQL that reproduces it</h4>\n<pre class=\"sql\"><code>", out);
	if (sqlite3_column_type(statement, FINDING_QUERY) != SQLITE_NULL)
		put_column_whole(out, statement, FINDING_QUERY);
	else
		fprintf(out, "SELECT n.* FROM network_events n JOIN finding_evidence"
		    " fe ON fe.network_event_id = n.id WHERE fe.finding_id = %lld"
		    " ORDER BY n.time_unix_us;", id);
	fputs("</code></pre>\n</article>\n", out);
	return 0;
}

/* Walk the findings twice: the overview table, then the details. */
static int
write_findings_pass(sqlite3 *db, FILE *out, int details, char *error,
    size_t error_size)
{
	sqlite3_stmt	*statement;
	int		 status;

	if (sqlite3_prepare_v2(db, findings_sql, -1, &statement, NULL) != SQLITE_OK)
		return report_sqlite_error(db, error, error_size,
		    "preparing the findings query");
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		if (!details)
			write_overview_row(out, statement);
		else if (write_finding(db, out, statement, error, error_size) == -1) {
			sqlite3_finalize(statement);
			return -1;
		}
	}
	if (status != SQLITE_DONE)
		report_sqlite_error(db, error, error_size, "reading the findings");
	sqlite3_finalize(statement);
	return status == SQLITE_DONE ? 0 : -1;
}

int
report_html_findings(sqlite3 *db, FILE *out, char *error, size_t error_size)
{
	int64_t	count;

	count = report_query_int(db, "SELECT count(*) FROM findings", 0);
	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", out);
	if (count == 0) {
		fputs("<p class=\"empty\">No findings. Either no detector fired, or"
		    " <code>wfpsift detect</code> has not run on this case. See the"
		    " coverage gaps for what the logs could not see.</p>\n"
		    "</section>\n", out);
		return 0;
	}
	fputs("<div class=\"table-wrap\"><table class=\"overview\"><thead><tr>"
	    "<th>#</th><th>Severity</th><th>Detector</th><th>Host</th>"
	    "<th>User</th><th>Application</th><th>First seen</th>"
	    "<th>Summary</th></tr></thead>\n<tbody>\n", out);
	if (write_findings_pass(db, out, 0, error, error_size) == -1)
		return -1;
	fputs("</tbody></table></div>\n", out);
	if (write_findings_pass(db, out, 1, error, error_size) == -1)
		return -1;
	fputs("</section>\n", out);
	return 0;
}

/*
 * What each gap kind (wfpsift(1), GAP KINDS) means for the findings: what a
 * finding, or the absence of one, cannot tell because of it.
 */
static const struct {
	const char	*kind;
	const char	*meaning;
} gap_kind_meanings[] = {
	{ "unlogged_traffic", "This host sent traffic its own log never"
	    " recorded. Sweep counts from this host are lower bounds, and no"
	    " finding on it does not mean it did not scan: a raw-socket SYN scan"
	    " leaves no Filtering Platform record on the scanning host." },
	{ "raw_socket_suspected", "The process's TCP probes went through raw"
	    " sockets and were never logged: the port sweep detector could not"
	    " count them, so the absence of a port_sweep finding for it proves"
	    " nothing." },
	{ "audit_policy_change", "Filtering Platform auditing was off or"
	    " changed in this span: no detector could fire on traffic in it." },
	{ "no_wfp_auditing", "The host logged no Filtering Platform records:"
	    " no sweep or misuse finding can come from its own log." },
	{ "wfp_failures_only", "Only blocked or dropped traffic was audited:"
	    " connect scans of open ports and lateral movement from this host"
	    " are invisible to the detectors." },
	{ "log_cleared", "Everything before the clear is gone: findings cannot"
	    " cover that time, and the clear itself may be hiding activity." },
	{ "log_service_stopped", "Nothing was recorded in this span: findings"
	    " cannot cover it." },
	{ "log_full", "Events after the log filled were discarded: findings"
	    " cannot cover them." },
	{ "log_service_error", "At least one event is missing: counts in"
	    " findings near this time may be low." },
	{ "audit_events_discarded", "Audit events were dropped: counts in"
	    " findings near this time may be low." },
	{ "record_id_gap", "Records are missing between two record ids:"
	    " findings in this window may be incomplete." },
	{ "time_gap", "The log was silent: activity in this span, if any, is"
	    " not in the case." },
	{ "log_wrapped", "Older records were overwritten: nothing before the"
	    " log's first record can be found." },
	{ "dirty_file", "The file was copied while open: the newest records may"
	    " be missing, so findings near the end of the log may be incomplete." },
	{ "corrupt_chunk", "Events in the damaged part are lost or"
	    " untrustworthy: counts in findings are lower bounds." },
	{ "unreadable_records", "Records that could not be decoded are not in"
	    " the case: counts in findings are lower bounds." },
	{ "unreadable_file", "The rest of the file is not in the case: findings"
	    " cannot cover what it held." },
	{ "recovered_records", "Recovered records show what was deleted or"
	    " overwritten, and may be incomplete: findings built on them are"
	    " less certain." },
	{ "unattributed_connections", "These connections cannot be tied to a"
	    " user or process: the per-user application detector cannot judge"
	    " them, and findings on this host may lack a user." },
};
#define GAP_KIND_COUNT (sizeof(gap_kind_meanings) / sizeof(gap_kind_meanings[0]))

/* For kinds not in the table: the first entry whose word the kind holds. */
static const struct {
	const char	*word;
	const char	*meaning;
} gap_word_meanings[] = {
	{ "unlogged", "Traffic left a host without a Filtering Platform record:"
	    " sweep counts are lower bounds." },
	{ "process", "Connections that no process creation explains escape the"
	    " per-user application detector." },
	{ "", "Findings on this host in this window may be incomplete, and the"
	    " absence of one is not evidence of no activity." },
};
#define GAP_WORD_COUNT (sizeof(gap_word_meanings) / sizeof(gap_word_meanings[0]))

/* The meaning of a gap kind (kind may be NULL). */
static const char *
gap_meaning(const char *kind)
{
	size_t	i;

	for (i = 0; kind != NULL && i < GAP_KIND_COUNT; i++)
		if (strcmp(kind, gap_kind_meanings[i].kind) == 0)
			return gap_kind_meanings[i].meaning;
	for (i = 0; i < GAP_WORD_COUNT - 1; i++)
		if (kind != NULL && strstr(kind, gap_word_meanings[i].word) != NULL)
			return gap_word_meanings[i].meaning;
	return gap_word_meanings[GAP_WORD_COUNT - 1].meaning;
}

/*
 * The findings a gap touches: on its host (any host when it has none) and
 * overlapping its window (any time when it has none).
 */
static const char touched_sql[] =
    "SELECT f.id, f.detector, f.host FROM findings f, gaps g"
    " WHERE g.id = ?1 AND (g.host IS NULL OR f.host IS g.host)"
    " AND (g.first_time IS NULL OR (coalesce(f.last_time, f.first_time)"
    "  >= g.first_time AND f.first_time <= coalesce(g.last_time, g.first_time)))"
    " ORDER BY f.id";

/* The list of findings a gap touches, as links, or a sentence saying none. */
static int
write_touched_findings(sqlite3 *db, FILE *out, int64_t gap_id, char *error,
    size_t error_size)
{
	sqlite3_stmt	*statement;
	int		 status, count = 0;

	if (sqlite3_prepare_v2(db, touched_sql, -1, &statement, NULL) != SQLITE_OK)
		return report_sqlite_error(db, error, error_size,
		    "preparing the gap's findings query");
	sqlite3_bind_int64(statement, 1, gap_id);
	fputs("<p class=\"touches\">", out);
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		fprintf(out, "%s<a href=\"#finding-%lld\">#%lld ",
		    count++ == 0 ? "Findings it affects: " : ", ",
		    (long long)sqlite3_column_int64(statement, 0),
		    (long long)sqlite3_column_int64(statement, 0));
		put_column(out, statement, 1);
		fputs(" on ", out);
		put_column(out, statement, 2);
		fputs("</a>", out);
	}
	if (count == 0)
		fputs("No finding falls on this host and window, and that absence"
		    " is not evidence of no activity.", out);
	fputs("</p>\n", out);
	if (status != SQLITE_DONE)
		report_sqlite_error(db, error, error_size,
		    "reading the gap's findings");
	sqlite3_finalize(statement);
	return status == SQLITE_DONE ? 0 : -1;
}

/* A gap's evidence table, when it has any. */
static int
write_gap_evidence(sqlite3 *db, FILE *out, int64_t gap_id, char *error,
    size_t error_size)
{
	sqlite3_stmt	*statement;
	int64_t		 count = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM gap_evidence"
	    " WHERE gap_id = ?1", -1, &statement, NULL) != SQLITE_OK)
		return report_sqlite_error(db, error, error_size,
		    "preparing the gap evidence count");
	sqlite3_bind_int64(statement, 1, gap_id);
	if (sqlite3_step(statement) == SQLITE_ROW)
		count = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	if (count == 0)
		return 0;
	fprintf(out, "<h4>Evidence (%lld event%s)</h4>\n", (long long)count,
	    count == 1 ? "" : "s");
	return report_html_query_table(db, out, gap_evidence_sql, gap_id,
	    evidence_columns, 12, REPORT_EVIDENCE_MAX_ROWS,
	    "SELECT * FROM gap_evidence lists every one.", error,
	    error_size) == -1 ? -1 : 0;
}

/*
 * One gap: what, where, when, what it means, the findings it touches, its
 * evidence (when the case keeps gap_evidence), and the SQL behind it.
 */
static int
write_gap(sqlite3 *db, FILE *out, sqlite3_stmt *statement, int has_evidence,
    char *error, size_t error_size)
{
	int64_t		 id = sqlite3_column_int64(statement, 0);
	const char	*severity, *kind;

	severity = (const char *)sqlite3_column_text(statement, 5);
	kind = (const char *)sqlite3_column_text(statement, 1);
	fprintf(out, "<article class=\"card gap sev-%s\" id=\"gap-%lld\">\n"
	    "<header>", report_severity_class(severity), (long long)id);
	put_badge(out, statement, 5);
	fputs(" <h3>", out);
	put_column(out, statement, 1);
	if (sqlite3_column_type(statement, 2) != SQLITE_NULL) {
		fputs(" on ", out);
		put_column(out, statement, 2);
	}
	fputs("</h3></header>\n<p class=\"summary\">", out);
	put_column(out, statement, 6);
	fputs("</p>\n<dl class=\"facts\">", out);
	put_fact(out, "Host", statement, 2, 0);
	put_fact(out, "From", statement, 3, 1);
	put_fact(out, "To", statement, 4, 1);
	if (sqlite3_column_type(statement, 3) == SQLITE_NULL)
		fputs("<dt>When</dt><dd>not tied to a time</dd>", out);
	fputs("</dl>\n<p class=\"meaning\"><strong>What it means for the"
	    " findings:</strong> ", out);
	report_put_html(out, gap_meaning(kind));
	fputs("</p>\n", out);
	if (write_touched_findings(db, out, id, error, error_size) == -1)
		return -1;
	if (has_evidence && write_gap_evidence(db, out, id, error,
	    error_size) == -1)
		return -1;
	if (sqlite3_column_type(statement, 7) != SQLITE_NULL) {
		fputs("<h4>SQL that shows it</h4>\n<pre class=\"sql\"><code>", out);
		put_column_whole(out, statement, 7);
		fputs("</code></pre>\n", out);
	}
	fputs("</article>\n", out);
	return 0;
}

int
report_html_gaps(sqlite3 *db, FILE *out, char *error, size_t error_size)
{
	sqlite3_stmt	*statement;
	int		 status, count = 0, has_evidence;

	has_evidence = report_query_int(db, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table' AND name = 'gap_evidence'", 0) > 0;
	fputs("<section id=\"gaps\">\n<h2>Coverage gaps</h2>\n<p>What these logs"
	    " could not see. Windows audits Filtering Platform connections at the"
	    " ALE layer: a raw-socket SYN scan never completes a connection there,"
	    " so the scanning host logs none of its TCP probes.</p>\n", out);
	if (sqlite3_prepare_v2(db, "SELECT id, kind, host, first_time, last_time,"
	    " severity, summary, query FROM gaps ORDER BY " SEVERITY_ORDER
	    ", first_time, id", -1, &statement, NULL) != SQLITE_OK)
		return report_sqlite_error(db, error, error_size,
		    "preparing the gaps query");
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		count++;
		if (write_gap(db, out, statement, has_evidence, error,
		    error_size) == -1) {
			sqlite3_finalize(statement);
			return -1;
		}
	}
	if (status != SQLITE_DONE)
		report_sqlite_error(db, error, error_size, "reading the gaps");
	sqlite3_finalize(statement);
	if (status != SQLITE_DONE)
		return -1;
	if (count == 0)
		fputs("<p class=\"empty\">No coverage gaps were recorded. Either"
		    " none was found, or <code>wfpsift gaps</code> has not run on"
		    " this case.</p>\n", out);
	fputs("</section>\n", out);
	return 0;
}
