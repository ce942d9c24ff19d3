/*
 * report.h: the reports wfpsift writes from a case.
 *
 * Three formats, each read from the store only (never from the .evtx files):
 *   csv    a time-ordered timeline for Timesketch and spreadsheets;
 *   jsonl  one Elastic Common Schema object per event, finding and gap;
 *   html   one self-contained page: summary, custody, findings, gaps,
 *          charts and a filterable timeline.
 * Every string that came from a log is attacker-controlled: each writer
 * escapes for its format and repairs invalid UTF-8.
 */
#ifndef WFPSIFT_REPORT_H
#define WFPSIFT_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

enum report_format {
	REPORT_CSV,
	REPORT_JSONL,
	REPORT_HTML
};

/*
 * Write the report of the case open on db in the given format to out.
 * Works whether or not detect and gaps have run (their tables may be empty).
 * Returns 0, or -1 with a message in error (a SQLite or write failure).
 */
int		 report_write(sqlite3 *db, enum report_format, FILE *out,
		    char *error, size_t error_size);

/*
 * Write the report to the file at path through a temporary file beside it,
 * renamed over path only once complete; when path is a symbolic link, over
 * the file it leads to, so that the link stays. A FIFO, device or socket
 * at path is written into directly (never replaced by a regular file); a
 * directory is refused. Returns 0, or -1 with a message naming path in
 * error.
 */
int		 report_write_file(sqlite3 *db, enum report_format, const char *path,
		    char *error, size_t error_size);

/* Parse "csv", "jsonl" or "html". Returns 0, or -1 when the name is unknown. */
int		 report_format_parse(const char *name, enum report_format *);

/* The name of a format, and the file name analyze gives it (timeline.csv ...). */
const char	*report_format_name(enum report_format);
const char	*report_format_file_name(enum report_format);

#endif
