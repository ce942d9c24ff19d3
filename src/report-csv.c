/*
 * report-csv.c: the timeline as CSV for Timesketch and spreadsheets.
 *
 * RFC 4180: a header line, CRLF line ends, text cells quoted with quotes
 * doubled. Timesketch's three required columns come first (message,
 * datetime, timestamp_desc), then its optional timestamp (microseconds), then
 * the normalised fields. Text cells that a spreadsheet would run as a formula
 * start with a single quote; numbers are written bare and never touched.
 */
#include <inttypes.h>
#include <stdio.h>

#include "report-internal.h"

/* Columns computed from the row's time rather than copied from it. */
#define CSV_DATETIME	(-1)
#define CSV_TIMESTAMP	(-2)

static const struct {
	const char	*header;
	int		 column;	/* enum timeline_column, or CSV_* */
} csv_columns[] = {
	{ "message", TIMELINE_MESSAGE },
	{ "datetime", CSV_DATETIME },
	{ "timestamp_desc", TIMELINE_TIME_DESC },
	{ "timestamp", CSV_TIMESTAMP },
	{ "kind", TIMELINE_KIND },
	{ "severity", TIMELINE_SEVERITY },
	{ "rule", TIMELINE_RULE },
	{ "host", TIMELINE_HOST },
	{ "user", TIMELINE_USER },
	{ "application", TIMELINE_APPLICATION },
	{ "pid", TIMELINE_PID },
	{ "local_ip", TIMELINE_LOCAL_IP },
	{ "local_port", TIMELINE_LOCAL_PORT },
	{ "remote_ip", TIMELINE_REMOTE_IP },
	{ "remote_port", TIMELINE_REMOTE_PORT },
	{ "source_ip", TIMELINE_SOURCE_IP },
	{ "destination_ip", TIMELINE_DESTINATION_IP },
	{ "destination_port", TIMELINE_DESTINATION_PORT },
	{ "protocol", TIMELINE_PROTOCOL },
	{ "direction", TIMELINE_DIRECTION },
	{ "action", TIMELINE_ACTION },
	{ "event_id", TIMELINE_EVENT_ID },
	{ "record_id", TIMELINE_RECORD_ID },
	{ "source_file", TIMELINE_SOURCE_FILE },
	{ "source_sha256", TIMELINE_SOURCE_SHA256 },
	{ "row_id", TIMELINE_ROW_ID },
};
#define CSV_COLUMN_COUNT (sizeof(csv_columns) / sizeof(csv_columns[0]))

/* The header line: plain names, no quoting needed. */
static void
write_header(FILE *out)
{
	size_t	i;

	for (i = 0; i < CSV_COLUMN_COUNT; i++) {
		if (i > 0)
			putc(',', out);
		fputs(csv_columns[i].header, out);
	}
	fputs("\r\n", out);
}

/*
 * One cell from a result column: empty for NULL, a bare number for an
 * integer, a quoted and neutralised cell for anything else (a column typed
 * INTEGER can still hold text a hostile log put there).
 */
static void
write_value(FILE *out, sqlite3_stmt *statement, int column)
{
	switch (sqlite3_column_type(statement, column)) {
	case SQLITE_NULL:
		break;
	case SQLITE_INTEGER:
		fprintf(out, "%lld",
		    (long long)sqlite3_column_int64(statement, column));
		break;
	default:
		report_put_csv_text(out,
		    (const char *)sqlite3_column_text(statement, column),
		    (size_t)sqlite3_column_bytes(statement, column));
	}
}

/* The two time columns, from the row's microseconds; empty when unknown. */
static void
write_time(FILE *out, sqlite3_stmt *statement, int which)
{
	char	iso[REPORT_TIME_SIZE];
	int64_t	unix_us;

	if (sqlite3_column_type(statement, TIMELINE_TIME_US) == SQLITE_NULL)
		return;
	unix_us = sqlite3_column_int64(statement, TIMELINE_TIME_US);
	if (which == CSV_TIMESTAMP) {
		fprintf(out, "%" PRId64, unix_us);
		return;
	}
	report_time_iso(unix_us, iso, sizeof iso);
	if (iso[0] != '\0')
		fprintf(out, "\"%s\"", iso);
}

/* One timeline row as one CSV record. */
static void
write_row(FILE *out, sqlite3_stmt *statement)
{
	size_t	i;
	int	column;

	for (i = 0; i < CSV_COLUMN_COUNT; i++) {
		if (i > 0)
			putc(',', out);
		column = csv_columns[i].column;
		if (column < 0)
			write_time(out, statement, column);
		else
			write_value(out, statement, column);
	}
	fputs("\r\n", out);
}

int
report_write_csv(sqlite3 *db, FILE *out, char *error, size_t error_size)
{
	sqlite3_stmt	*statement;
	int		 status;

	if (report_timeline_prepare(db, 0, &statement, error, error_size) == -1)
		return -1;
	write_header(out);
	while ((status = sqlite3_step(statement)) == SQLITE_ROW)
		write_row(out, statement);
	if (status != SQLITE_DONE)
		report_sqlite_error(db, error, error_size, "reading the timeline");
	sqlite3_finalize(statement);
	return status == SQLITE_DONE ? 0 : -1;
}
