/*
 * cmd-report.c: wfpsift report -- write a case's timeline as CSV, its
 * events, findings and gaps as JSON Lines, or the HTML report.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "report.h"
#include "util.h"
#include "store.h"

static const char usage[] =
    "usage: wfpsift report [-d CASE] --format csv|html|jsonl [-o FILE]\n"
    "\n"
    "Write a report of the case to FILE, or to standard output when FILE is\n"
    "'-' or not given. The case is opened read-only and a process writing it\n"
    "is not waited for; reports work before and after 'wfpsift detect' and\n"
    "'wfpsift gaps' have run.\n"
    "\n"
    "  -d, --case FILE     the case file (default: wfpsift.db)\n"
    "  -f, --format NAME   csv    the timeline for Timesketch and spreadsheets:\n"
    "                             one row per network event, finding and gap\n"
    "                      jsonl  one Elastic Common Schema object per line, for\n"
    "                             Elasticsearch, OpenSearch and Splunk\n"
    "                      html   one self-contained page: summary, sources,\n"
    "                             findings, gaps, charts, filterable timeline\n"
    "  -o, --output FILE   where to write: a file is replaced only once the\n"
    "                      report is complete (through a link, its target);\n"
    "                      a FIFO, device or socket is written into;\n"
    "                      never the case file or a file ingested into it\n"
    "  -h, --help          this help\n"
    "\n"
    "Examples:\n"
    "  wfpsift report -d case.db --format html -o report.html\n"
    "  wfpsift report -d case.db --format csv > timeline.csv\n"
    "\n"
    "Exit status: 0 when the report was written, 1 when the case could not be\n"
    "read or the report not written, 2 on a usage error.\n";

struct report_options {
	const char		*case_path;
	const char		*output_path;	/* NULL for standard output */
	enum report_format	 format;
	int			 have_format;
	int			 help;
};

/* Parse the command line into options; returns EXIT_OK or EXIT_USAGE. */
static int
parse_options(int argc, char **argv, struct report_options *options)
{
	static const struct option long_options[] = {
		{ "case", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	c;

	memset(options, 0, sizeof *options);
	options->case_path = "wfpsift.db";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:f:o:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			options->case_path = optarg;
			break;
		case 'f':
			if (report_format_parse(optarg, &options->format) == -1)
				return command_usage_error(&cmd_report,
				    "unknown format '%s' (csv, html or jsonl)", optarg);
			options->have_format = 1;
			break;
		case 'o':
			options->output_path = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		case 'h':
			options->help = 1;
			return EXIT_OK;
		default:
			return command_option_error(&cmd_report, argv);
		}
	}
	if (optind < argc)
		return command_usage_error(&cmd_report, "unexpected argument '%s'",
		    argv[optind]);
	if (!options->have_format)
		return command_usage_error(&cmd_report,
		    "--format csv, html or jsonl is required");
	return EXIT_OK;
}

/* 1 when both paths name the same existing file. */
static int
same_file(const char *a, const char *b)
{
	struct stat	sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * 1 when output is the case file or one of SQLite's files beside it (its
 * write-ahead log, its shared memory, its journal): replacing the log
 * would lose transactions another process committed and not yet
 * checkpointed. Compared by name as well, as they come and go.
 */
static int
is_case_file(const char *output, const char *case_path)
{
	static const char	*suffixes[] = { "", "-wal", "-shm", "-journal" };
	char			 name[PATH_MAX];
	size_t			 i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (snprintf(name, sizeof name, "%s%s", case_path, suffixes[i]) >=
		    (int)sizeof name)
			continue;
		if (strcmp(output, name) == 0 || same_file(output, name))
			return 1;
	}
	return 0;
}

/*
 * 1 when output names the same file (device and inode, through any link)
 * as one of the case's sources, whose path then goes into source; 0 when
 * none does, or output does not exist yet; -1 on a SQLite error. Ingest
 * stored each path as it was given: a source since moved, or given
 * relative to another folder, is not found, and is not the output either.
 */
static int
output_is_source(sqlite3 *db, const char *output, char *source, size_t size)
{
	struct stat	 out, in;
	sqlite3_stmt	*statement;
	const char	*path;
	int		 step, found = 0;

	if (stat(output, &out) == -1)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT path FROM sources ORDER BY id", -1,
	    &statement, NULL) != SQLITE_OK)
		return -1;
	while (!found && (step = sqlite3_step(statement)) == SQLITE_ROW) {
		path = (const char *)sqlite3_column_text(statement, 0);
		if (path != NULL && stat(path, &in) == 0 &&
		    in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
			snprintf(source, size, "%s", path);
			found = 1;
		}
	}
	sqlite3_finalize(statement);
	return found ? 1 : step == SQLITE_DONE ? 0 : -1;
}

/*
 * Refuse an output that is evidence the case was made from: the report
 * would replace the file whose SHA-256 the case records. Returns EXIT_OK,
 * or EXIT_USAGE or EXIT_ERROR after saying why.
 */
static int
check_not_source(sqlite3 *db, const char *output)
{
	char	source[4096];

	switch (output_is_source(db, output, source, sizeof source)) {
	case 0:
		return EXIT_OK;
	case 1:
		fputs("wfpsift report: ", stderr);
		fputs_safe(output, stderr);
		fputs(" is evidence ingested into the case (source ", stderr);
		fputs_safe(source, stderr);
		fputs("); choose another output\n", stderr);
		return EXIT_USAGE;
	default:
		fprintf(stderr, "wfpsift report: reading the case's sources: %s\n",
		    sqlite3_errmsg(db));
		return EXIT_ERROR;
	}
}

/* Write the report to options->output_path, replacing it only once complete. */
static int
write_to_file(sqlite3 *db, const struct report_options *options)
{
	char	error[1024];

	if (report_write_file(db, options->format, options->output_path, error,
	    sizeof error) == -1) {
		fputs("wfpsift report: ", stderr);
		fputs_safe(error, stderr);
		fputc('\n', stderr);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

static int
run_report(int argc, char **argv)
{
	struct report_options	 options;
	struct store		*store;
	char			 error[1024];
	int			 status;

	if ((status = parse_options(argc, argv, &options)) != EXIT_OK)
		return status;
	if (options.help)
		return command_help(&cmd_report);
	if (options.output_path != NULL &&
	    is_case_file(options.output_path, options.case_path)) {
		fprintf(stderr, "wfpsift report: %s is the case file or one of"
		    " SQLite's files beside it; choose another output\n",
		    options.output_path);
		return EXIT_USAGE;
	}
	if (store_open_readonly(options.case_path, &store, error,
	    sizeof error) == -1) {
		fprintf(stderr, "wfpsift report: %s\n", error);
		return EXIT_ERROR;
	}
	if (options.output_path != NULL) {
		if ((status = check_not_source(store_db(store),
		    options.output_path)) == EXIT_OK)
			status = write_to_file(store_db(store), &options);
	} else if (report_write(store_db(store), options.format, stdout, error,
	    sizeof error) == -1) {
		fprintf(stderr, "wfpsift report: %s\n", error);
		status = EXIT_ERROR;
	}
	store_close(store);
	return status;
}

const struct command cmd_report = {
	.name = "report",
	.summary = "write the timeline (CSV), events (JSON Lines) or HTML report",
	.usage = usage,
	.run = run_report,
};
