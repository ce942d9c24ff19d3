/*
 * report.c: choosing a report format and writing it, and the SQLite helpers
 * the format writers share.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "report-internal.h"

static const struct {
	enum report_format	 format;
	const char		*name;
	const char		*file_name;
} formats[] = {
	{ REPORT_CSV, "csv", "timeline.csv" },
	{ REPORT_JSONL, "jsonl", "events.jsonl" },
	{ REPORT_HTML, "html", "report.html" },
};
#define FORMAT_COUNT (sizeof(formats) / sizeof(formats[0]))

int
report_format_parse(const char *name, enum report_format *format)
{
	size_t	i;

	for (i = 0; i < FORMAT_COUNT; i++) {
		if (strcmp(name, formats[i].name) == 0) {
			*format = formats[i].format;
			return 0;
		}
	}
	return -1;
}

const char *
report_format_name(enum report_format format)
{
	size_t	i;

	for (i = 0; i < FORMAT_COUNT; i++)
		if (formats[i].format == format)
			return formats[i].name;
	return "unknown";
}

const char *
report_format_file_name(enum report_format format)
{
	size_t	i;

	for (i = 0; i < FORMAT_COUNT; i++)
		if (formats[i].format == format)
			return formats[i].file_name;
	return "report";
}

/*
 * Write the report, then make sure it reached out: a full disk shows up only
 * as a stream error, and a truncated report must not pass for a whole one.
 */
int
report_write(sqlite3 *db, enum report_format format, FILE *out, char *error,
    size_t error_size)
{
	int	result;

	switch (format) {
	case REPORT_CSV:
		result = report_write_csv(db, out, error, error_size);
		break;
	case REPORT_JSONL:
		result = report_write_jsonl(db, out, error, error_size);
		break;
	case REPORT_HTML:
		result = report_write_html(db, out, error, error_size);
		break;
	default:
		snprintf(error, error_size, "unknown report format %d",
		    (int)format);
		return -1;
	}
	if (result == -1)
		return -1;
	if (fflush(out) == EOF || ferror(out)) {
		snprintf(error, error_size, "writing the %s report: %s",
		    report_format_name(format), strerror(errno));
		return -1;
	}
	return 0;
}

int
report_sqlite_error(sqlite3 *db, char *error, size_t error_size,
    const char *what)
{
	snprintf(error, error_size, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/*
 * Run a query that returns one number. The report uses this for counts and
 * time bounds, where a missing value has a natural fallback (0, or "none").
 */
int64_t
report_query_int(sqlite3 *db, const char *sql, int64_t fallback)
{
	sqlite3_stmt	*statement;
	int64_t		 value = fallback;

	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
		return fallback;
	if (sqlite3_step(statement) == SQLITE_ROW &&
	    sqlite3_column_type(statement, 0) != SQLITE_NULL)
		value = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	return value;
}

/*
 * Open a temporary file next to path (path.XXXXXX), with the permissions a
 * plain fopen would give, so the report replaces path only once complete.
 */
static FILE *
open_temporary(const char *path, char *temporary, size_t size)
{
	mode_t	mask;
	int	fd;
	FILE	*out;

	if ((size_t)snprintf(temporary, size, "%s.XXXXXX", path) >= size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((fd = mkstemp(temporary)) == -1)
		return NULL;
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) == -1 || (out = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(temporary);
		return NULL;
	}
	return out;
}

int
report_write_file(sqlite3 *db, enum report_format format, const char *path,
    char *error, size_t error_size)
{
	char	 temporary[4096], detail[1024];
	FILE	*out;

	if ((out = open_temporary(path, temporary, sizeof temporary)) == NULL) {
		snprintf(error, error_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (report_write(db, format, out, detail, sizeof detail) == -1) {
		snprintf(error, error_size, "%s: %s", path, detail);
		fclose(out);
		unlink(temporary);
		return -1;
	}
	if (fclose(out) == EOF || rename(temporary, path) == -1) {
		snprintf(error, error_size, "%s: %s", path, strerror(errno));
		unlink(temporary);
		return -1;
	}
	return 0;
}
