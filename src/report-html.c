/*
 * report-html.c: the self-contained HTML report.
 *
 * One file that opens offline: the stylesheet, the script, the charts
 * (inline SVG) and the timeline's data are all inside it, and its
 * Content-Security-Policy forbids loading anything else and running any
 * script but its own (allowed by hash), so a string that escaped escaping
 * still could not run. Sections: summary, sources (chain of custody),
 * findings, coverage gaps, charts, timeline. Every value read from the case
 * is written through report-text.c's escaping.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "config.h"
#include "report-internal.h"

/* Severities from least to most severe, as stored and as CSS class names. */
static const char *const severities[] = {
	"info", "low", "medium", "high", "critical"
};
#define SEVERITY_COUNT 5

/* What the summary says about the case as a whole. */
struct case_counts {
	int64_t	sources;
	int64_t	events;
	int64_t	network;
	int64_t	hosts;
	int64_t	ingest_errors;
	int64_t	attributed;		/* network events tied to a user or process */
	int64_t	attribution_rows;	/* 0 when detect has not run */
	int64_t	findings;
	int64_t	findings_by_severity[SEVERITY_COUNT];
	int64_t	gaps;
	int64_t	gaps_by_severity[SEVERITY_COUNT];
	int64_t	first_us;		/* first and last event, or -1 */
	int64_t	last_us;
};

const char *
report_severity_class(const char *severity)
{
	int	i;

	for (i = 0; severity != NULL && i < SEVERITY_COUNT; i++)
		if (strcmp(severity, severities[i]) == 0)
			return severities[i];
	return "info";
}

/* Count rows per severity of findings or gaps (table is a constant name). */
static void
count_by_severity(sqlite3 *db, const char *table, int64_t *counts)
{
	char	sql[128];
	int	i;

	for (i = 0; i < SEVERITY_COUNT; i++) {
		snprintf(sql, sizeof sql,
		    "SELECT count(*) FROM %s WHERE severity = '%s'", table,
		    severities[i]);
		counts[i] = report_query_int(db, sql, 0);
	}
}

/* Gather the numbers the summary and the verdict are made of. */
static void
count_case(sqlite3 *db, struct case_counts *counts)
{
	memset(counts, 0, sizeof *counts);
	counts->sources = report_query_int(db, "SELECT count(*) FROM sources", 0);
	counts->events = report_query_int(db, "SELECT count(*) FROM events", 0);
	counts->network = report_query_int(db,
	    "SELECT count(*) FROM network_events", 0);
	counts->hosts = report_query_int(db,
	    "SELECT count(DISTINCT host) FROM events", 0);
	counts->ingest_errors = report_query_int(db,
	    "SELECT count(*) FROM ingest_errors", 0);
	counts->attribution_rows = report_query_int(db,
	    "SELECT count(*) FROM attribution", 0);
	counts->attributed = report_query_int(db,
	    "SELECT count(*) FROM attribution"
	    " WHERE process_row IS NOT NULL OR user_name IS NOT NULL", 0);
	counts->findings = report_query_int(db, "SELECT count(*) FROM findings", 0);
	counts->gaps = report_query_int(db, "SELECT count(*) FROM gaps", 0);
	count_by_severity(db, "findings", counts->findings_by_severity);
	count_by_severity(db, "gaps", counts->gaps_by_severity);
	counts->first_us = report_query_int(db,
	    "SELECT min(time_unix_us) FROM events", -1);
	counts->last_us = report_query_int(db,
	    "SELECT max(time_unix_us) FROM events", -1);
}

/*
 * The base64 SHA-256 of text, as a Content-Security-Policy hash source
 * wants it ('sha256-...'), into buffer (at least 64 bytes).
 */
static int
csp_hash(const char *text, char *buffer, size_t size)
{
	unsigned char	digest[EVP_MAX_MD_SIZE];
	unsigned int	digest_length;

	if (size < 64 || EVP_Digest(text, strlen(text), digest, &digest_length,
	    EVP_sha256(), NULL) != 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)buffer, digest, (int)digest_length);
	return 0;
}

void
report_html_time(FILE *out, const char *iso_time)
{
	char	shown[24];

	if (iso_time == NULL)
		return;
	/* 2026-11-02T09:14:03.1234567Z: date, space, time to milliseconds. */
	if (strlen(iso_time) >= 23 && iso_time[10] == 'T') {
		memcpy(shown, iso_time, 23);
		shown[10] = ' ';
		shown[23] = '\0';
		report_put_html(out, shown);
	} else
		report_put_html(out, iso_time);
}

/* One table cell from a result column, as the column's kind says. */
static void
write_cell(FILE *out, sqlite3_stmt *statement, int column, enum html_cell cell)
{
	const char	*text;
	size_t		 length;

	if (sqlite3_column_type(statement, column) == SQLITE_NULL) {
		fputs("<td class=\"none\"></td>", out);
		return;
	}
	if (cell == HTML_CELL_NUMBER &&
	    sqlite3_column_type(statement, column) == SQLITE_INTEGER) {
		fprintf(out, "<td class=\"num\">%lld</td>",
		    (long long)sqlite3_column_int64(statement, column));
		return;
	}
	text = (const char *)sqlite3_column_text(statement, column);
	length = (size_t)sqlite3_column_bytes(statement, column);
	if (cell == HTML_CELL_TIME) {
		fputs("<td class=\"time\">", out);
		if (memchr(text, '\0', length) == NULL)
			report_html_time(out, text);
		else
			report_put_html_text(out, text, length, 40);
	} else {
		fputs(cell == HTML_CELL_CODE ? "<td class=\"code\">" : "<td>", out);
		report_put_html_text(out, text, length, REPORT_HTML_MAX_CHARS);
	}
	fputs("</td>", out);
}

int64_t
report_html_query_table(sqlite3 *db, FILE *out, const char *sql,
    int64_t parameter, const struct html_column *columns, int column_count,
    int64_t max_rows, const char *more_hint, char *error, size_t error_size)
{
	sqlite3_stmt	*statement;
	int64_t		 rows = 0;
	int		 status, i;

	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
		return report_sqlite_error(db, error, error_size,
		    "preparing a report table");
	if (sqlite3_bind_parameter_count(statement) > 0)
		sqlite3_bind_int64(statement, 1, parameter);
	fputs("<div class=\"table-wrap\"><table>\n<thead><tr>", out);
	for (i = 0; i < column_count; i++) {
		fputs(columns[i].cell == HTML_CELL_NUMBER ?
		    "<th class=\"num\">" : "<th>", out);
		report_put_html(out, columns[i].header);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		if (rows++ >= max_rows)
			continue;	/* only counted */
		fputs("<tr>", out);
		for (i = 0; i < column_count; i++)
			write_cell(out, statement, i, columns[i].cell);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	if (status != SQLITE_DONE) {
		report_sqlite_error(db, error, error_size, "reading a report table");
		sqlite3_finalize(statement);
		return -1;
	}
	sqlite3_finalize(statement);
	if (rows > max_rows) {
		fprintf(out, "<p class=\"more\">Showing %" PRId64 " of %" PRId64
		    " rows; %" PRId64 " more not shown. ", max_rows, rows,
		    rows - max_rows);
		report_put_html(out, more_hint);
		fputs("</p>\n", out);
	}
	return rows;
}

/* The head: metadata, the security policy, the stylesheet; then the banner. */
static int
write_page_start(FILE *out, const struct case_counts *counts, char *error,
    size_t error_size)
{
	char	style_hash[96], script_hash[96], first[REPORT_TIME_SIZE];
	char	generated[32];
	time_t	now = time(NULL);
	struct tm tm;

	if (csp_hash(report_css, style_hash, sizeof style_hash) == -1 ||
	    csp_hash(report_js, script_hash, sizeof script_hash) == -1) {
		snprintf(error, error_size, "computing the page's script hash");
		return -1;
	}
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(generated, sizeof generated, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
		snprintf(generated, sizeof generated, "unknown time");
	report_time_display(counts->first_us, first, sizeof first);
	fprintf(out,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
	    " style-src 'sha256-%s'; script-src 'sha256-%s'; img-src data:;"
	    " base-uri 'none'; form-action 'none'\">\n"
	    "<meta name=\"generator\" content=\"wfpsift %s\">\n"
	    "<title>wfpsift report: %" PRId64 " host%s, %" PRId64 " finding%s</title>\n"
	    "<style>%s</style>\n</head>\n<body>\n"
	    "<header class=\"banner\">\n<div class=\"banner-inner\">\n"
	    "<h1>wfpsift report</h1>\n"
	    "<p class=\"meta\">Generated %s by wfpsift %s from %" PRId64
	    " source file%s. All times are UTC.</p>\n"
	    "<nav><a href=\"#summary\">Summary</a> <a href=\"#sources\">Sources</a>"
	    " <a href=\"#findings\">Findings</a> <a href=\"#gaps\">Coverage gaps</a>"
	    " <a href=\"#charts\">Charts</a> <a href=\"#timeline\">Timeline</a></nav>\n"
	    "</div>\n</header>\n<main>\n",
	    style_hash, script_hash, PACKAGE_VERSION, counts->hosts,
	    counts->hosts == 1 ? "" : "s", counts->findings,
	    counts->findings == 1 ? "" : "s", report_css, generated, PACKAGE_VERSION,
	    counts->sources, counts->sources == 1 ? "" : "s");
	return 0;
}

/*
 * "3 high, 1 medium": the non-zero severities, most severe first, then how
 * many rows had a severity outside the list (total minus the rest).
 */
static void
write_severity_breakdown(FILE *out, const int64_t *by_severity, int64_t total)
{
	int	i, first = 1;

	for (i = SEVERITY_COUNT - 1; i >= 0; i--) {
		total -= by_severity[i];
		if (by_severity[i] == 0)
			continue;
		fprintf(out, "%s<span class=\"chip sev-%s\">%" PRId64 " %s</span>",
		    first ? "" : " ", severities[i], by_severity[i], severities[i]);
		first = 0;
	}
	if (total > 0)
		fprintf(out, "%s<span class=\"chip sev-info\">%" PRId64
		    " unrated</span>", first ? "" : " ", total);
}

/* The summary of the most severe row of findings or gaps (a constant name). */
static void
write_top_summary(sqlite3 *db, FILE *out, const char *table)
{
	char		 sql[256];
	sqlite3_stmt	*statement;

	snprintf(sql, sizeof sql, "SELECT summary FROM %s ORDER BY CASE severity"
	    " WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2"
	    " WHEN 'low' THEN 3 ELSE 4 END, first_time, id LIMIT 1", table);
	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(statement) == SQLITE_ROW &&
	    sqlite3_column_type(statement, 0) != SQLITE_NULL) {
		fputs("<q>", out);
		report_put_html_text(out,
		    (const char *)sqlite3_column_text(statement, 0),
		    (size_t)sqlite3_column_bytes(statement, 0),
		    REPORT_HTML_MAX_CHARS);
		fputs("</q>", out);
	}
	sqlite3_finalize(statement);
}

/* The verdict: one paragraph an incident responder can read first. */
static void
write_verdict(sqlite3 *db, FILE *out, const struct case_counts *counts)
{
	char	first[REPORT_TIME_SIZE], last[REPORT_TIME_SIZE];
	int	detect_ran = counts->attribution_rows > 0 || counts->findings > 0;

	if (counts->events == 0) {
		fputs("<p class=\"verdict\"><strong>This case holds no events."
		    "</strong> Read logs into it with <code>wfpsift ingest</code>"
		    " or <code>wfpsift analyze</code>.</p>\n", out);
		return;
	}
	report_time_display(counts->first_us, first, sizeof first);
	report_time_display(counts->last_us, last, sizeof last);
	fprintf(out, "<p class=\"verdict\">These logs hold %" PRId64 " events"
	    " from %" PRId64 " host%s", counts->events, counts->hosts,
	    counts->hosts == 1 ? "" : "s");
	if (counts->first_us >= 0)
		fprintf(out, " between %s and %s", first, last);
	fprintf(out, ", %" PRId64 " of them network events. ", counts->network);
	if (counts->findings > 0) {
		fprintf(out, "<strong>%" PRId64 " finding%s</strong> (",
		    counts->findings, counts->findings == 1 ? "" : "s");
		write_severity_breakdown(out, counts->findings_by_severity,
		    counts->findings);
		fputs("); the most severe: ", out);
		write_top_summary(db, out, "findings");
		fputs(" ", out);
	} else if (!detect_ran && counts->network > 0)
		fputs("<strong>The detectors have not run on this case</strong>:"
		    " run <code>wfpsift detect</code> and <code>wfpsift gaps</code>"
		    " (or <code>wfpsift analyze</code>) for findings and gaps. ", out);
	else
		fputs("<strong>No detector raised a finding.</strong> ", out);
	if (counts->gaps > 0) {
		fprintf(out, "%" PRId64 " coverage gap%s (", counts->gaps,
		    counts->gaps == 1 ? "" : "s");
		write_severity_breakdown(out, counts->gaps_by_severity,
		    counts->gaps);
		fputs(") limit what these logs can show: ", out);
		write_top_summary(db, out, "gaps");
		fputs(" ", out);
	}
	fputs("A quiet log is not proof that nothing happened: raw-socket SYN scans"
	    " (nmap -sS run as administrator) leave no Filtering Platform record"
	    " on the scanning host.</p>\n", out);
}

/* One number card of the summary grid. */
static void
write_stat(FILE *out, const char *label, int64_t value, const char *note)
{
	fprintf(out, "<div class=\"stat\"><div class=\"stat-value\">%" PRId64
	    "</div><div class=\"stat-label\">%s</div>", value, label);
	if (note != NULL && note[0] != '\0')
		fprintf(out, "<div class=\"stat-note\">%s</div>", note);
	fputs("</div>\n", out);
}

static const struct html_column host_columns[] = {
	{ "Host", HTML_CELL_TEXT },
	{ "Events", HTML_CELL_NUMBER },
	{ "WFP events", HTML_CELL_NUMBER },
	{ "Sysmon network", HTML_CELL_NUMBER },
	{ "Process events", HTML_CELL_NUMBER },
	{ "Findings", HTML_CELL_NUMBER },
	{ "Gaps", HTML_CELL_NUMBER },
	{ "First event", HTML_CELL_TIME },
	{ "Last event", HTML_CELL_TIME },
};

/* Summary: the verdict, the numbers, and one row per host. */
static int
write_summary(sqlite3 *db, FILE *out, const struct case_counts *counts,
    char *error, size_t error_size)
{
	char	note[96];
	int64_t	percent;

	fputs("<section id=\"summary\">\n<h2>Summary</h2>\n", out);
	write_verdict(db, out, counts);
	fputs("<div class=\"stats\">\n", out);
	write_stat(out, "hosts", counts->hosts, NULL);
	write_stat(out, "network events", counts->network, NULL);
	write_stat(out, "findings", counts->findings, NULL);
	write_stat(out, "coverage gaps", counts->gaps, NULL);
	percent = counts->network > 0 ? counts->attributed * 100 / counts->network : 0;
	snprintf(note, sizeof note, "%" PRId64 "%% of network events", percent);
	write_stat(out, "attributed to a process or user", counts->attributed,
	    counts->network > 0 ? note : NULL);
	snprintf(note, sizeof note, "%" PRId64 " ingest error%s",
	    counts->ingest_errors, counts->ingest_errors == 1 ? "" : "s");
	write_stat(out, "source files", counts->sources, note);
	fputs("</div>\n<h3>Hosts</h3>\n", out);
	if (report_html_query_table(db, out,
	    "SELECT h.host, h.events, h.wfp_events, h.sysmon_network_events,"
	    " h.process_events,"
	    " (SELECT count(*) FROM findings f WHERE f.host IS h.host),"
	    " (SELECT count(*) FROM gaps g WHERE g.host IS h.host),"
	    " h.first_time, h.last_time FROM host_summary h ORDER BY h.host",
	    0, host_columns, 9, 100, "SELECT * FROM host_summary lists them all.",
	    error, error_size) == -1)
		return -1;
	fputs("</section>\n", out);
	return 0;
}

static const struct html_column source_columns[] = {
	{ "#", HTML_CELL_NUMBER },
	{ "Path", HTML_CELL_TEXT },
	{ "Bytes", HTML_CELL_NUMBER },
	{ "SHA-256", HTML_CELL_CODE },
	{ "Records", HTML_CELL_NUMBER },
	{ "Recovered", HTML_CELL_NUMBER },
	{ "Errors", HTML_CELL_NUMBER },
	{ "Status", HTML_CELL_TEXT },
	{ "Header flags", HTML_CELL_TEXT },
	{ "First event", HTML_CELL_TIME },
	{ "Last event", HTML_CELL_TIME },
	{ "Ingested", HTML_CELL_TIME },
};

static const struct html_column error_columns[] = {
	{ "Path", HTML_CELL_TEXT },
	{ "Record index", HTML_CELL_NUMBER },
	{ "Record id", HTML_CELL_NUMBER },
	{ "Chunk", HTML_CELL_NUMBER },
	{ "Kind", HTML_CELL_TEXT },
	{ "Message", HTML_CELL_TEXT },
};

/* Sources: what was read, with hashes, counts and reading errors. */
static int
write_sources(sqlite3 *db, FILE *out, const struct case_counts *counts,
    char *error, size_t error_size)
{
	fputs("<section id=\"sources\">\n<h2>Sources (chain of custody)</h2>\n"
	    "<p>Every file read into this case, with the SHA-256 computed when it"
	    " was read. The files were opened read-only.</p>\n", out);
	if (report_html_query_table(db, out,
	    "SELECT id, path, size, sha256, record_count, recovered_count,"
	    " error_count, status,"
	    " nullif(trim(CASE WHEN dirty THEN 'dirty ' ELSE '' END"
	    "  || CASE WHEN full THEN 'full ' ELSE '' END"
	    "  || CASE WHEN corrupted THEN 'corrupted' ELSE '' END), ''),"
	    " first_time, last_time, ingested_at FROM sources ORDER BY id",
	    0, source_columns, 12, 500, "SELECT * FROM sources lists them all.",
	    error, error_size) == -1)
		return -1;
	if (counts->ingest_errors > 0) {
		fputs("<h3>Reading errors</h3>\n", out);
		if (report_html_query_table(db, out,
		    "SELECT path, record_index, record_id, chunk, kind, message"
		    " FROM ingest_errors ORDER BY id", 0, error_columns, 6, 50,
		    "SELECT * FROM ingest_errors lists them all.",
		    error, error_size) == -1)
			return -1;
	}
	fputs("</section>\n", out);
	return 0;
}

/* Charts: each is a figure with its own SVG and caption. */
static int
write_charts(sqlite3 *db, FILE *out, char *error, size_t error_size)
{
	fputs("<section id=\"charts\">\n<h2>Charts</h2>\n", out);
	if (report_chart_activity(db, out, error, error_size) == -1 ||
	    report_chart_fan_out(db, out, error, error_size) == -1 ||
	    report_chart_user_applications(db, out, error, error_size) == -1)
		return -1;
	fputs("</section>\n", out);
	return 0;
}

/* One timeline value in the page's data: null, a number, or a string. */
static void
write_data_value(FILE *out, sqlite3_stmt *statement, int column)
{
	switch (sqlite3_column_type(statement, column)) {
	case SQLITE_NULL:
		fputs("null", out);
		break;
	case SQLITE_INTEGER:
		fprintf(out, "%lld",
		    (long long)sqlite3_column_int64(statement, column));
		break;
	default:
		report_put_script_json_string(out,
		    (const char *)sqlite3_column_text(statement, column),
		    (size_t)sqlite3_column_bytes(statement, column),
		    REPORT_HTML_MAX_CHARS);
	}
}

/* An address and port as one string ("10.0.0.5:445", "[::1]:445"), or null. */
static void
write_data_endpoint(FILE *out, sqlite3_stmt *statement, int ip, int port)
{
	const char	*text;
	size_t		 length;

	if (sqlite3_column_type(statement, ip) == SQLITE_NULL) {
		fputs("null", out);
		return;
	}
	text = (const char *)sqlite3_column_text(statement, ip);
	length = (size_t)sqlite3_column_bytes(statement, ip);
	putc('"', out);
	if (memchr(text, ':', length) != NULL)
		putc('[', out);
	report_put_script_json_part(out, text, length, 64);
	if (memchr(text, ':', length) != NULL)
		putc(']', out);
	if (sqlite3_column_type(statement, port) != SQLITE_NULL) {
		putc(':', out);
		report_put_script_json_part(out,
		    (const char *)sqlite3_column_text(statement, port),
		    (size_t)sqlite3_column_bytes(statement, port), 16);
	}
	putc('"', out);
}

/*
 * One timeline row as a JSON array, in the order report.js reads:
 * kind, time_us, time, severity, rule, host, user, application, pid, local,
 * remote, protocol, direction, action, event_id, record_id, message, row_id.
 */
static void
write_data_row(FILE *out, sqlite3_stmt *statement)
{
	static const int before_endpoints[] = {
		TIMELINE_SEVERITY, TIMELINE_RULE, TIMELINE_HOST, TIMELINE_USER,
		TIMELINE_APPLICATION, TIMELINE_PID
	};
	static const int after_endpoints[] = {
		TIMELINE_PROTOCOL, TIMELINE_DIRECTION, TIMELINE_ACTION,
		TIMELINE_EVENT_ID, TIMELINE_RECORD_ID, TIMELINE_MESSAGE,
		TIMELINE_ROW_ID
	};
	char	time[REPORT_TIME_SIZE];
	size_t	i;

	putc('[', out);
	write_data_value(out, statement, TIMELINE_KIND);
	putc(',', out);
	write_data_value(out, statement, TIMELINE_TIME_US);
	if (sqlite3_column_type(statement, TIMELINE_TIME_US) == SQLITE_INTEGER) {
		report_time_display(sqlite3_column_int64(statement,
		    TIMELINE_TIME_US), time, sizeof time);
		fprintf(out, ",\"%s\"", time);
	} else
		fputs(",null", out);
	for (i = 0; i < sizeof before_endpoints / sizeof before_endpoints[0]; i++) {
		putc(',', out);
		write_data_value(out, statement, before_endpoints[i]);
	}
	putc(',', out);
	write_data_endpoint(out, statement, TIMELINE_LOCAL_IP, TIMELINE_LOCAL_PORT);
	putc(',', out);
	write_data_endpoint(out, statement, TIMELINE_REMOTE_IP,
	    TIMELINE_REMOTE_PORT);
	for (i = 0; i < sizeof after_endpoints / sizeof after_endpoints[0]; i++) {
		putc(',', out);
		write_data_value(out, statement, after_endpoints[i]);
	}
	putc(']', out);
}

/*
 * Timeline: the filter controls, an empty table report.js fills, and the
 * rows as JSON in a non-executed <script> element (escaped by
 * report_put_script_json_string so that no "</script>" can end it early).
 */
static int
write_timeline(sqlite3 *db, FILE *out, char *error, size_t error_size)
{
	sqlite3_stmt	*statement;
	int64_t		 total, embedded = 0;
	int		 status;

	total = report_query_int(db, "SELECT (SELECT count(*) FROM network_events)"
	    " + (SELECT count(*) FROM findings) + (SELECT count(*) FROM gaps)", 0);
	fputs("<section id=\"timeline\">\n<h2>Timeline</h2>\n"
	    "<div class=\"controls\">"
	    "<label>Filter <input id=\"timeline-filter\" type=\"search\""
	    " placeholder=\"words that every row shown must contain\"></label>"
	    "<label>Show <select id=\"timeline-kind\">"
	    "<option value=\"\">everything</option>"
	    "<option value=\"network\">network events</option>"
	    "<option value=\"marker\">findings and gaps</option>"
	    "</select></label>"
	    "<span id=\"timeline-status\" class=\"status\"></span></div>\n"
	    "<noscript><p>The timeline table needs JavaScript; the CSV report"
	    " (wfpsift report --format csv) holds the same rows.</p></noscript>\n"
	    "<div class=\"table-wrap timeline-wrap\"><table id=\"timeline-table\">"
	    "<thead><tr></tr></thead><tbody></tbody></table></div>\n", out);
	if (total > REPORT_TIMELINE_MAX_ROWS)
		fprintf(out, "<p class=\"more\">This page embeds %d of the %" PRId64
		    " timeline rows, chosen in this order: findings and gaps, the"
		    " events that are evidence of a finding, then the earliest"
		    " other events. The CSV and JSON Lines"
		    " reports, and the case's <code>timeline</code> view, hold"
		    " them all.</p>\n", REPORT_TIMELINE_MAX_ROWS, total);
	if (report_timeline_prepare(db, REPORT_TIMELINE_MAX_ROWS, &statement,
	    error, error_size) == -1)
		return -1;
	fprintf(out, "<script type=\"application/json\" id=\"timeline-data\">"
	    "{\"total\":%" PRId64 ",\"rows\":[\n", total);
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		if (embedded++ > 0)
			fputs(",\n", out);
		write_data_row(out, statement);
	}
	fputs("]}</script>\n</section>\n", out);
	if (status != SQLITE_DONE)
		report_sqlite_error(db, error, error_size, "reading the timeline");
	sqlite3_finalize(statement);
	return status == SQLITE_DONE ? 0 : -1;
}

int
report_write_html(sqlite3 *db, FILE *out, char *error, size_t error_size)
{
	struct case_counts	counts;

	count_case(db, &counts);
	if (write_page_start(out, &counts, error, error_size) == -1 ||
	    write_summary(db, out, &counts, error, error_size) == -1 ||
	    write_sources(db, out, &counts, error, error_size) == -1 ||
	    report_html_findings(db, out, error, error_size) == -1 ||
	    report_html_gaps(db, out, error, error_size) == -1 ||
	    write_charts(db, out, error, error_size) == -1 ||
	    write_timeline(db, out, error, error_size) == -1)
		return -1;
	fprintf(out, "</main>\n<footer>wfpsift %s. Every string taken from a"
	    " log is shown escaped; control and bidirectional-override characters"
	    " appear as visible symbols, invalid UTF-8 as U+FFFD.</footer>\n"
	    "<script>%s</script>\n</body>\n</html>\n", PACKAGE_VERSION,
	    report_js);
	return 0;
}
