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
    "  -h, --help          this help\n"
    "\n"
    "Exit status: as ingest's (1 also when no PATH held an EVTX file: then\n"
    "nothing is analysed), and 1 when detect, gaps or a report failed.\n";

/* One row of the host_summary view, as printed. */
struct host_line {
	char	*host, *first, *last;
	int64_t	 events, wfp, sysmon, process;
};

static void
host_lines_free(struct host_line *lines, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++) {
		free(lines[i].host);
		free(lines[i].first);
		free(lines[i].last);
	}
	free(lines);
}

/* A copy of a text column, NULL for NULL; *failed set when out of memory. */
static char *
column_copy(sqlite3_stmt *statement, int column, int *failed)
{
	const char	*text = (const char *)sqlite3_column_text(statement, column);
	char		*copy;

	if (text == NULL)
		return NULL;
	if ((copy = strdup(text)) == NULL)
		*failed = 1;
	return copy;
}

/*
 * The rows of host_summary (one per host), read once: the view sums every
 * event, and the column width needs every name before the first line.
 * Returns the number of rows, or -1.
 */
static long
read_host_lines(struct store *store, struct host_line **out)
{
	sqlite3_stmt		*statement;
	struct host_line	*lines = NULL, *line;
	size_t			 count = 0, allocated = 0;
	int			 failed = 0;

	*out = NULL;
	if (sqlite3_prepare_v2(store_db(store), "SELECT coalesce(host, '(none)'), "
	    "events, wfp_events, sysmon_network_events, process_events, "
	    "first_time, last_time FROM host_summary", -1, &statement,
	    NULL) != SQLITE_OK)
		return -1;
	while (!failed && sqlite3_step(statement) == SQLITE_ROW) {
		if (array_reserve(&lines, count, &allocated, sizeof(*lines)) == -1) {
			failed = 1;
			break;
		}
		line = &lines[count++];
		line->host = column_copy(statement, 0, &failed);
		line->events = sqlite3_column_int64(statement, 1);
		line->wfp = sqlite3_column_int64(statement, 2);
		line->sysmon = sqlite3_column_int64(statement, 3);
		line->process = sqlite3_column_int64(statement, 4);
		line->first = column_copy(statement, 5, &failed);
		line->last = column_copy(statement, 6, &failed);
	}
	sqlite3_finalize(statement);
	if (failed) {
		host_lines_free(lines, count);
		return -1;
	}
	*out = lines;
	return (long)count;
}

/*
 * One line per host. The host column is as wide as the widest name as the
 * terminal shows it (escapes and wide characters counted), within reason,
 * so the numbers line up however the case's hosts are called.
 */
static int
print_hosts(struct store *store, FILE *out)
{
	struct host_line	*lines;
	long			 count, i;
	int			 width = 28, name_width;

	if ((count = read_host_lines(store, &lines)) < 0)
		return -1;
	for (i = 0; i < count; i++)
		if ((name_width = display_width(lines[i].host)) > width)
			width = name_width;
	if (width > 64)
		width = 64;
	fprintf(out, "\n%-*s %9s %9s %8s %9s  %-20s  %s\n", width, "host",
	    "events", "wfp", "sysmon3", "process", "first", "last");
	for (i = 0; i < count; i++) {
		name_width = display_width(lines[i].host);
		fputs_safe(lines[i].host, out);
		fprintf(out, "%*s %9lld %9lld %8lld %9lld  %.19s  %.19s\n",
		    name_width < width ? width - name_width : 0, "",
		    (long long)lines[i].events, (long long)lines[i].wfp,
		    (long long)lines[i].sysmon, (long long)lines[i].process,
		    lines[i].first ? lines[i].first : "-",
		    lines[i].last ? lines[i].last : "-");
	}
	host_lines_free(lines, (size_t)count);
	return (int)count;
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
	/* Findings and "no gaps" about logs never read would mislead. */
	if (totals.files_found == 0) {
		fputs("wfpsift: no EVTX file in the paths given: nothing to "
		    "analyse\n", stderr);
		case_close(store, lock);
		return EXIT_ERROR;
	}
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
