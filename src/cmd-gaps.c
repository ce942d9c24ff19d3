/*
 * cmd-gaps.c: wfpsift gaps -- what the logs in a case could not see.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case-lock.h"
#include "command.h"
#include "gaps.h"
#include "store.h"

static const char usage[] =
    "usage: wfpsift gaps [-d CASE] [--zeek-conn FILE] [--pcap FILE]\n"
    "                    [--silence-factor N] [--min-silence MINUTES]\n"
    "                    [--clock-skew SECONDS] [--discovery-targets N]\n"
    "                    [--min-severity LEVEL] [-v] [-q]\n"
    "\n"
    "Find what the case's logs could not see and replace the case's gaps,\n"
    "gap_evidence, witness_flows and coverage tables: traffic a host sent\n"
    "that its own log never recorded (raw-socket SYN scans), WFP auditing\n"
    "turned off, cleared, stopped, full, wrapped, damaged or silent logs,\n"
    "missing records, connections no process creation explains, and, for\n"
    "each detector and host, what it could see. Then print them.\n"
    "\n"
    "  -d, --case FILE            the case file (default: wfpsift.db)\n"
    "      --zeek-conn FILE       a Zeek conn.log (TSV or JSON, may be gzipped)\n"
    "                             as a network witness; may be repeated\n"
    "      --pcap FILE            a packet capture (pcap or pcapng) as a\n"
    "                             network witness; may be repeated\n"
    "      --silence-factor N     a silence is a gap when N times the log's\n"
    "                             typical spacing of events (default 20)\n"
    "      --min-silence MINUTES  and at least this long (default 30)\n"
    "      --clock-skew SECONDS   how far two hosts' clocks may differ when\n"
    "                             matching their records (default 300)\n"
    "      --discovery-targets N  hosts a process must reach by UDP/ICMP only\n"
    "                             to be a suspected raw-socket scanner (default 3)\n"
    "      --min-severity LEVEL   print in full only gaps of LEVEL (info, low,\n"
    "                             medium, high) or above; count the others\n"
    "                             (default info: all)\n"
    "  -v, --verbose              print each gap's evidence query\n"
    "  -q, --quiet                print only the number of gaps\n"
    "  -h, --help                 this help\n"
    "\n"
    "Exit status: 0 when the analysis ran (whether or not it found gaps),\n"
    "1 when the case or a witness file could not be read, 2 on a usage error,\n"
    "3 when another wfpsift process kept writing the case longer than the wait.\n";

/* Parsed command line. */
struct gaps_command {
	const char		*case_path;
	struct gaps_options	 options;
	int			 quiet;
	int			 help;
};

/* Append a path to a growing list. Returns 0, or -1 out of memory. */
static int
add_path(const char ***paths, size_t *count, const char *path)
{
	const char	**grown = realloc(*paths, (*count + 1) * sizeof(**paths));

	if (grown == NULL)
		return -1;
	grown[(*count)++] = path;
	*paths = grown;
	return 0;
}

/* A number option: value within [minimum, maximum], or a usage error. */
static int
number_option(const char *name, const char *text, double minimum,
    double maximum, double *value)
{
	char	*end;

	*value = strtod(text, &end);
	if (end == text || *end != '\0' || !(*value >= minimum && *value <= maximum))
		return command_usage_error(&cmd_gaps, "--%s wants a number from %g "
		    "to %g, not '%s'", name, minimum, maximum, text);
	return EXIT_OK;
}

/* Apply one numeric option to the options. */
static int
numeric_option(int option, const char *text, struct gaps_options *options)
{
	double	value;

	switch (option) {
	case 'F':
		if (number_option("silence-factor", text, 1, 1e6, &value) != EXIT_OK)
			return EXIT_USAGE;
		options->silence_factor = value;
		break;
	case 'M':
		if (number_option("min-silence", text, 0, 1e7, &value) != EXIT_OK)
			return EXIT_USAGE;
		options->minimum_silence_us = (int64_t)(value * 60e6);
		break;
	case 'K':
		if (number_option("clock-skew", text, 0, 86400, &value) != EXIT_OK)
			return EXIT_USAGE;
		options->clock_skew_us = (int64_t)(value * 1e6);
		break;
	default:
		if (number_option("discovery-targets", text, 1, 1e6, &value) != EXIT_OK)
			return EXIT_USAGE;
		options->discovery_targets = (long)value;
		break;
	}
	return EXIT_OK;
}

static int
parse_options(int argc, char **argv, struct gaps_command *command)
{
	static const struct option long_options[] = {
		{ "case", required_argument, NULL, 'd' },
		{ "zeek-conn", required_argument, NULL, 'Z' },
		{ "pcap", required_argument, NULL, 'P' },
		{ "silence-factor", required_argument, NULL, 'F' },
		{ "min-silence", required_argument, NULL, 'M' },
		{ "clock-skew", required_argument, NULL, 'K' },
		{ "discovery-targets", required_argument, NULL, 'T' },
		{ "min-severity", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct gaps_options	*options = &command->options;
	int			 c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			command->case_path = optarg;
			break;
		case 'Z':
			if (add_path(&options->zeek_conn_paths,
			    &options->zeek_conn_count, optarg) == -1)
				return EXIT_ERROR;
			break;
		case 'P':
			if (add_path(&options->pcap_paths, &options->pcap_count,
			    optarg) == -1)
				return EXIT_ERROR;
			break;
		case 'F': case 'M': case 'K': case 'T':
			if (numeric_option(c, optarg, options) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'S':
			if ((options->print_min_severity =
			    gap_severity_rank(optarg)) == -1)
				return command_usage_error(&cmd_gaps, "--min-severity "
				    "is info, low, medium or high, not '%s'", optarg);
			break;
		case 'v':
			options->verbose = 1;
			break;
		case 'q':
			command->quiet = 1;
			break;
		case 'h':
			command->help = 1;
			return EXIT_OK;
		default:
			return command_option_error(&cmd_gaps, argv);
		}
	}
	if (optind < argc)
		return command_usage_error(&cmd_gaps, "unexpected argument '%s'",
		    argv[optind]);
	return EXIT_OK;
}

static int
run_gaps(int argc, char **argv)
{
	struct gaps_command	 command;
	struct store		*store;
	struct case_lock	*lock;
	char			 error[1024];
	int			 status, count;

	memset(&command, 0, sizeof(command));
	command.case_path = "wfpsift.db";
	gaps_options_init(&command.options);
	status = parse_options(argc, argv, &command);
	if (status == EXIT_OK && command.help)
		status = command_help(&cmd_gaps);
	else if (status == EXIT_OK) {
		status = case_open_for_writing(command.case_path, 1, &store,
		    &lock, error, sizeof(error));
		if (status != EXIT_OK)
			fprintf(stderr, "wfpsift gaps: %s\n", error);
		else {
			count = gaps_run(store_db(store), &command.options,
			    command.quiet ? NULL : stdout, error, sizeof(error));
			if (count == -1) {
				fprintf(stderr, "wfpsift gaps: %s\n", error);
				status = EXIT_ERROR;
			} else
				printf("%s%d gap%s in %s\n", command.quiet ? "" : "\n",
				    count, count == 1 ? "" : "s", command.case_path);
			case_close(store, lock);
		}
	}
	free(command.options.zeek_conn_paths);
	free(command.options.pcap_paths);
	return status;
}

const struct command cmd_gaps = {
	.name = "gaps",
	.summary = "what the logs could not see: coverage gaps and log integrity",
	.usage = usage,
	.run = run_gaps,
};
