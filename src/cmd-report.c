/*
 * cmd-report.c: wfpsift report -- write a case's timeline as CSV, its
 * events, findings and gaps as JSON Lines, or the HTML report.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
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
    "                      a FIFO, device or socket is written into\n"
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
	    same_file(options.output_path, options.case_path)) {
		fprintf(stderr, "wfpsift report: %s is the case file; choose"
		    " another output\n", options.output_path);
		return EXIT_USAGE;
	}
	if (store_open_readonly(options.case_path, &store, error,
	    sizeof error) == -1) {
		fprintf(stderr, "wfpsift report: %s\n", error);
		return EXIT_ERROR;
	}
	if (options.output_path != NULL)
		status = write_to_file(store_db(store), &options);
	else if (report_write(store_db(store), options.format, stdout, error,
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
