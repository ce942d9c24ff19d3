/*
 * cmd-analyze.c: wfpsift analyze -- the whole job in one command:
 * ingest the named logs, summarise what the case holds, and write the
 * three reports into one folder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "case-lock.h"
#include "cmd-ingest.h"
#include "command.h"
#include "detect.h"
#include "gaps.h"
#include "report.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: wfpsift analyze [-d CASE] [-o DIR] [--all-data] [-q] PATH...\n"
    "\n"
    "Ingest .evtx files or folders into the case, attribute connections to\n"
    "processes and users, run the detectors (port sweep, host sweep,\n"
    "application misuse), find what the logs could not see, and write the\n"
    "HTML report, the CSV timeline and JSON Lines into one folder.\n"
    "\n"
    "  -d, --case FILE     the case file (default: wfpsift.db)\n"
    "  -o, --output DIR    where reports go (default: CASE without .db, plus -report)\n"
    "      --all-data      keep EventData as JSON for every record\n"
    "  -q, --quiet         no per-record messages\n"
    "  -h, --help          this help\n";

/*
 * The width of the host column: the longest host name, within reason, so
 * the numbers line up however long the case's names are.
 */
static int
host_column_width(struct store *store)
{
	sqlite3_stmt	*statement;
	int		 width = 28;

	if (sqlite3_prepare_v2(store_db(store), "SELECT max(length(coalesce(host, "
	    "'(none)'))) FROM host_summary", -1, &statement, NULL) != SQLITE_OK)
		return width;
	if (sqlite3_step(statement) == SQLITE_ROW &&
	    sqlite3_column_int(statement, 0) > width)
		width = sqlite3_column_int(statement, 0);
	sqlite3_finalize(statement);
	return width > 64 ? 64 : width;
}

/* One line per host from the host_summary view. */
static int
print_hosts(struct store *store, FILE *out)
{
	sqlite3_stmt	*statement;
	int		 rows = 0, width = host_column_width(store);

	if (sqlite3_prepare_v2(store_db(store), "SELECT coalesce(host, '(none)'), "
	    "events, wfp_events, sysmon_network_events, process_events, "
	    "first_time, last_time FROM host_summary", -1, &statement,
	    NULL) != SQLITE_OK)
		return -1;
	fprintf(out, "\n%-*s %9s %9s %8s %9s  %-20s  %s\n", width, "host",
	    "events", "wfp", "sysmon3", "process", "first", "last");
	while (sqlite3_step(statement) == SQLITE_ROW) {
		const char *host = (const char *)sqlite3_column_text(statement, 0);
		const char *first = (const char *)sqlite3_column_text(statement, 5);
		const char *last = (const char *)sqlite3_column_text(statement, 6);
		int length = sqlite3_column_bytes(statement, 0);

		fputs_safe(host, out);
		fprintf(out, "%*s %9lld %9lld %8lld %9lld  %.19s  %.19s\n",
		    length < width ? width - length : 0, "",
		    sqlite3_column_int64(statement, 1),
		    sqlite3_column_int64(statement, 2),
		    sqlite3_column_int64(statement, 3),
		    sqlite3_column_int64(statement, 4),
		    first ? first : "-", last ? last : "-");
		rows++;
	}
	sqlite3_finalize(statement);
	return rows;
}

/* Attribute, run the detectors and find the gaps, printing each. */
static int
detect_and_find_gaps(struct store *store, FILE *out)
{
	struct detect_options	 detect;
	struct gaps_options	 gaps;
	char			 error[1024];
	int			 result = 0;

	detect_options_init(&detect);
	fputs("\nFindings\n", out);
	if (detect_run(store_db(store), &detect, out, NULL, error, sizeof(error)) == -1) {
		fputs("wfpsift: detect: ", stderr);
		fputs_safe(error, stderr);
		fputc('\n', stderr);
		result = -1;
	}
	detect_options_free(&detect);
	gaps_options_init(&gaps);
	gaps.brief = 1;
	fputc('\n', out);
	if (gaps_run(store_db(store), &gaps, out, error, sizeof(error)) == -1) {
		fputs("wfpsift: gaps: ", stderr);
		fputs_safe(error, stderr);
		fputc('\n', stderr);
		result = -1;
	}
	return result;
}

/* The default output folder: the case's name without .db, plus -report. */
static void
default_output_dir(const char *case_path, char *buffer, size_t size)
{
	size_t	length = strlen(case_path);

	if (length > 3 && strcmp(case_path + length - 3, ".db") == 0)
		length -= 3;
	snprintf(buffer, size, "%.*s-report", (int)length, case_path);
}

/* Write timeline.csv, events.jsonl and report.html into directory. */
static int
write_reports(struct store *store, const char *directory, FILE *out)
{
	static const enum report_format formats[] = {
		REPORT_HTML, REPORT_CSV, REPORT_JSONL
	};
	char	path[4096], error[1024];
	size_t	i;

	if (mkdir(directory, 0777) == -1 && errno != EEXIST) {
		fprintf(stderr, "wfpsift: %s: %s\n", directory, strerror(errno));
		return -1;
	}
	fputs("\nreports:\n", out);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", directory,
		    report_format_file_name(formats[i])) >= sizeof(path)) {
			fprintf(stderr, "wfpsift: output folder name too long\n");
			return -1;
		}
		if (report_write_file(store_db(store), formats[i], path, error,
		    sizeof(error)) == -1) {
			fputs("wfpsift: ", stderr);
			fputs_safe(error, stderr);
			fputc('\n', stderr);
			return -1;
		}
		fputs("  ", out);
		fputs_safe(path, out);
		fputc('\n', out);
	}
	return 0;
}

static int
run_analyze(int argc, char **argv)
{
	struct ingest_command_options	 options;
	struct ingest_totals		 totals;
	struct store			*store = NULL;
	struct case_lock		*lock = NULL;
	char				 output_dir[4096];
	int				 status;

	memset(&options, 0, sizeof(options));
	options.accept_output = 1;
	if ((status = ingest_parse_options(&cmd_analyze, argc, argv, &options)) != EXIT_OK)
		return status;
	if (options.help)
		return command_help(&cmd_analyze);
	status = ingest_run(&options, &store, &lock, &totals);
	if (store == NULL)
		return status;
	ingest_print_summary(&totals, stdout);
	print_hosts(store, stdout);
	if (detect_and_find_gaps(store, stdout) == -1)
		status = EXIT_ERROR;
	if (options.output_dir == NULL) {
		default_output_dir(options.case_path, output_dir, sizeof(output_dir));
		options.output_dir = output_dir;
	}
	if (write_reports(store, options.output_dir, stdout) == -1)
		status = EXIT_ERROR;
	fputs("\ncase: ", stdout);
	fputs_safe(options.case_path, stdout);
	fputc('\n', stdout);
	case_close(store, lock);
	return status;
}

const struct command cmd_analyze = {
	.name = "analyze",
	.summary = "ingest, detect, find gaps and write reports: the whole job",
	.usage = usage,
	.run = run_analyze,
};
