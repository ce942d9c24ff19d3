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

static const char evidence_sql[] =
    "SELECT n.time, n.host, coalesce(a.user_name, n.user_name),"
    " coalesce(n.application_name, n.application), n.pid,"
    " " REPORT_SQL_ENDPOINT("n.local_ip", "n.local_port") ","
    " " REPORT_SQL_ENDPOINT("n.remote_ip", "n.remote_port") ","
    " n.protocol_name, n.direction, n.action, n.event_id, n.record_id"
    " FROM finding_evidence fe"
    " JOIN network_events n ON n.id = fe.network_event_id"
    " LEFT JOIN attribution a ON a.network_event_id = n.id"
    " WHERE fe.finding_id = ?1 ORDER BY n.time_unix_us, n.id";

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
 * What a gap means for the findings, by the words in its kind. The gaps
 * stage names the kinds (wfpsift(1), GAP KINDS); the first entry whose word
 * occurs in the kind applies, and the last one always does.
 */
static const struct {
	const char	*word;
	const char	*meaning;
} gap_meanings[] = {
	{ "unlogged", "Traffic reached or left a host without a Filtering Platform"
	    " record on the other side. Sweep counts are lower bounds, and a host"
	    " with no finding may still have scanned: raw-socket SYN probes never"
	    " reach the layer WFP audits." },
	{ "syn", "The pattern of a raw-socket SYN scan: the TCP probes left no"
	    " record, so port and host sweep detectors could not count them." },
	{ "raw", "Raw-socket traffic leaves no Filtering Platform connection"
	    " record: detectors that count connections cannot see it." },
	{ "policy", "Auditing was off or changed: while it was, no finding could"
	    " fire whatever the traffic was." },
	{ "audit", "Auditing was off or changed: while it was, no finding could"
	    " fire whatever the traffic was." },
	{ "clear", "The log was cleared: everything before the clear is gone,"
	    " including any evidence of what happened then." },
	{ "stop", "The event log service stopped: nothing was recorded until it"
	    " started again." },
	{ "shutdown", "The event log service stopped: nothing was recorded until"
	    " it started again." },
	{ "full", "The log was full or overwrote its oldest records: earlier"
	    " activity may be missing." },
	{ "wrap", "The log wrapped: its oldest records were overwritten, so"
	    " earlier activity may be missing." },
	{ "record", "Record ids are missing: events in this window were lost or"
	    " removed, and findings built on it may be incomplete." },
	{ "time", "The log is silent for a period: events in it may have been"
	    " lost, removed or never written." },
	{ "process", "Connections that no process creation explains cannot be"
	    " tied to a user: per-user application findings do not cover them." },
	{ "attribut", "Connections that cannot be tied to a user escape the"
	    " per-user application detector." },
	{ "dirty", "The file was not closed cleanly or is damaged: some records"
	    " may be unreadable, so counts are lower bounds." },
	{ "corrupt", "The file is damaged: some records could not be read, so"
	    " counts are lower bounds." },
	{ "", "Findings on this host in this window may be incomplete." },
};
#define GAP_MEANING_COUNT (sizeof(gap_meanings) / sizeof(gap_meanings[0]))

/* The meaning of a gap kind (kind may be NULL). */
static const char *
gap_meaning(const char *kind)
{
	size_t	i;

	for (i = 0; i < GAP_MEANING_COUNT - 1; i++)
		if (kind != NULL && strstr(kind, gap_meanings[i].word) != NULL)
			return gap_meanings[i].meaning;
	return gap_meanings[GAP_MEANING_COUNT - 1].meaning;
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

/* One gap: what, where, when, what it means, and the SQL behind it. */
static int
write_gap(sqlite3 *db, FILE *out, sqlite3_stmt *statement, char *error,
    size_t error_size)
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
	int		 status, count = 0;

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
		if (write_gap(db, out, statement, error, error_size) == -1) {
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
