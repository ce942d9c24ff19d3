/*
 * report-internal.h: what the report writers (report-*.c) share and nothing
 * else needs: the escaping of log text for each format, the timeline query
 * the CSV and HTML writers both read, and small SQLite helpers.
 */
#ifndef WFPSIFT_REPORT_INTERNAL_H
#define WFPSIFT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

/* Longest text cell written to CSV, in characters (Excel keeps 32767). */
#define REPORT_CSV_MAX_CHARS		32000
/* Longest log string shown in an HTML table cell, in characters. */
#define REPORT_HTML_MAX_CHARS		300
/* Rows of the timeline embedded in the HTML page. */
#define REPORT_TIMELINE_MAX_ROWS	5000
/* Evidence rows shown under each finding in the HTML page. */
#define REPORT_EVIDENCE_MAX_ROWS	25

/*
 * Escaping. Each function writes one string from a log (text, length bytes,
 * possibly invalid UTF-8, possibly holding NUL) safely for one context.
 * Invalid UTF-8 becomes U+FFFD in every format. The "display" formats (CSV,
 * HTML) also make control and bidirectional-override characters visible so
 * that they can neither drive a terminal nor reorder what the analyst reads.
 * max_chars caps the characters written (0: no cap); a capped value ends with
 * a note saying how many characters were left out.
 */
void	 report_put_csv_text(FILE *, const char *text, size_t length);
void	 report_put_html_text(FILE *, const char *text, size_t length,
	    size_t max_chars);
void	 report_put_html(FILE *, const char *text);	/* NUL-terminated, no cap */
void	 report_put_html_label(FILE *, const char *text, size_t length,
	    size_t max_chars);	/* cut with a bare ellipsis */
void	 report_put_script_json_string(FILE *, const char *text, size_t length,
	    size_t max_chars);
void	 report_put_script_json_part(FILE *, const char *text, size_t length,
	    size_t max_chars);	/* the same without the quotes */
void	 report_put_utf8_repaired(FILE *, const char *text, size_t length);
void	 report_put_json_repaired(FILE *, const char *text, size_t length);

/* 1 when a CSV cell with this text would start a spreadsheet formula. */
int	 report_csv_is_formula(const char *text, size_t length);

/*
 * Times. unix_us is microseconds since 1970 UTC. The ISO form is what
 * Timesketch reads (2026-11-02T09:14:03.123456+00:00); the display form is
 * what the HTML page shows (2026-11-02 09:14:03.123). Empty when unknown.
 */
#define REPORT_TIME_SIZE 40
void	 report_time_iso(int64_t unix_us, char *buffer, size_t size);
void	 report_time_display(int64_t unix_us, char *buffer, size_t size);

/* SQL: the microseconds of an ISO-8601 *_time column (NULL when not a time). */
#define REPORT_SQL_TIME_US(column) \
	"(unixepoch(substr(" column ",1,19))*1000000 + " \
	"CAST(substr(rtrim(substr(" column ",21),'Z')||'000000',1,6) AS INTEGER))"

/* SQL: an address and port as "ip:port" ("[v6]:port"), NULL without an ip. */
#define REPORT_SQL_ENDPOINT(ip, port) \
	"(CASE WHEN instr(" ip ",':') THEN '['||" ip "||']' ELSE " ip " END" \
	"||coalesce(':'||" port ",''))"

/*
 * SQL: the one-line message of a network event, from network_events n and
 * attribution a: "WFP 5156 allowed outbound tcp 10.0.0.5:49712 -> 10.0.0.9:445
 * by nmap.exe (pid 4242), user CORP\alice".
 */
#define REPORT_SQL_NETWORK_MESSAGE \
	"(CASE WHEN n.provider LIKE '%Sysmon%' THEN 'Sysmon ' ELSE 'WFP ' END" \
	"||coalesce(n.event_id,'?')||' '||coalesce(n.action,'?')" \
	"||coalesce(' '||n.direction,'')||coalesce(' '||n.protocol_name,'')" \
	"||coalesce(' '||" REPORT_SQL_ENDPOINT("n.local_ip", "n.local_port") ",'')" \
	"||coalesce(CASE n.direction WHEN 'outbound' THEN ' -> ' " \
	"WHEN 'inbound' THEN ' <- ' ELSE ' - ' END" \
	"||" REPORT_SQL_ENDPOINT("n.remote_ip", "n.remote_port") ",'')" \
	"||coalesce(' by '||coalesce(n.application_name,n.application),'')" \
	"||coalesce(' (pid '||n.pid||')','')" \
	"||coalesce(', user '||coalesce(a.user_name,n.user_name),''))"

/*
 * The timeline: one row per network event, per finding (at its first time)
 * and per gap (at its first time, or at the first record of its host when it
 * has none), in time order. limit > 0 keeps that many rows, findings, gaps and
 * evidence first, then the earliest other events, still returned in time order.
 */
enum timeline_column {
	TIMELINE_KIND,		/* 'network', 'finding', 'gap' */
	TIMELINE_ROW_ID,	/* network_events.id, findings.id or gaps.id */
	TIMELINE_TIME_US,
	TIMELINE_TIME_DESC,	/* Timesketch timestamp_desc */
	TIMELINE_MESSAGE,
	TIMELINE_SEVERITY,
	TIMELINE_RULE,		/* detector or gap kind */
	TIMELINE_HOST,
	TIMELINE_USER,
	TIMELINE_APPLICATION,
	TIMELINE_PID,
	TIMELINE_LOCAL_IP,
	TIMELINE_LOCAL_PORT,
	TIMELINE_REMOTE_IP,
	TIMELINE_REMOTE_PORT,
	TIMELINE_SOURCE_IP,	/* who initiated */
	TIMELINE_DESTINATION_IP,
	TIMELINE_DESTINATION_PORT,
	TIMELINE_PROTOCOL,
	TIMELINE_DIRECTION,
	TIMELINE_ACTION,
	TIMELINE_EVENT_ID,
	TIMELINE_RECORD_ID,
	TIMELINE_SOURCE_FILE,
	TIMELINE_SOURCE_SHA256,
	TIMELINE_COLUMN_COUNT
};
int	 report_timeline_prepare(sqlite3 *, int limit, sqlite3_stmt **,
	    char *error, size_t error_size);

/* Fill error with what failed and SQLite's message; returns -1. */
int	 report_sqlite_error(sqlite3 *, char *error, size_t error_size,
	    const char *what);

/* A single-number query (count, min, max): its value, or fallback. */
int64_t	 report_query_int(sqlite3 *, const char *sql, int64_t fallback);

/* The writers report_write dispatches to. */
int	 report_write_csv(sqlite3 *, FILE *, char *error, size_t error_size);
int	 report_write_jsonl(sqlite3 *, FILE *, char *error, size_t error_size);
int	 report_write_html(sqlite3 *, FILE *, char *error, size_t error_size);

/*
 * HTML building blocks (report-html.c). A table column shows text (escaped,
 * capped), a number, a time (shortened to milliseconds), or code (monospace).
 */
enum html_cell {
	HTML_CELL_TEXT,
	HTML_CELL_NUMBER,
	HTML_CELL_TIME,
	HTML_CELL_CODE
};
struct html_column {
	const char	*header;
	enum html_cell	 cell;
};
/*
 * Run sql (binding parameter to ?1 when it has one) and write its rows as a
 * table, at most max_rows of them, then a line saying how many more there
 * were and more_hint. Returns the number of rows, or -1 on error.
 */
int64_t	 report_html_query_table(sqlite3 *, FILE *, const char *sql,
	    int64_t parameter, const struct html_column *, int column_count,
	    int64_t max_rows, const char *more_hint, char *error,
	    size_t error_size);
/* A stored ISO-8601 time shown as 2026-11-02 09:14:03.123 (escaped). */
void	 report_html_time(FILE *, const char *iso_time);
/* The CSS class suffix of a severity: one of info/low/medium/high/critical. */
const char *report_severity_class(const char *severity);

/* The findings and gaps sections (report-html-findings.c). */
int	 report_html_findings(sqlite3 *, FILE *, char *error, size_t error_size);
int	 report_html_gaps(sqlite3 *, FILE *, char *error, size_t error_size);

/* HTML charts (report-charts.c): each writes one <figure> with an inline SVG. */
int	 report_chart_activity(sqlite3 *, FILE *, char *error, size_t error_size);
int	 report_chart_fan_out(sqlite3 *, FILE *, char *error, size_t error_size);
int	 report_chart_user_applications(sqlite3 *, FILE *, char *error,
	    size_t error_size);

/* The page's stylesheet and script (report.css, report.js), built in. */
extern const char report_css[];
extern const char report_js[];

#endif
