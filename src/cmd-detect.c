/*
 * cmd-detect.c: wfpsift detect -- attribute network events to processes
 * and users, and find port sweeps, host sweeps and application misuse.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case-lock.h"
#include "command.h"
#include "detect.h"
#include "store.h"

static const char usage[] =
    "usage: wfpsift detect [-d CASE] [--config FILE] [--policy FILE] [options]\n"
    "\n"
    "Attribute every network event of the case to the process and user that\n"
    "made it, then run the detectors. Replaces the attribution, findings and\n"
    "finding_evidence of any earlier run, so it can be re-run with other\n"
    "thresholds without re-ingesting. Prints one line per finding.\n"
    "\n"
    "  -d, --case FILE                 the case file (default: wfpsift.db)\n"
    "  -c, --config FILE               settings as 'key = value' lines; the\n"
    "                                  keys are the long options below\n"
    "  -p, --policy FILE               application policy (users or groups to\n"
    "                                  allowed applications and connection kinds);\n"
    "                                  without one, each user's history is the policy\n"
    "      --port-sweep-ports N        distinct ports on one host (default 15)\n"
    "      --port-sweep-window SECONDS within this window (default 300)\n"
    "      --host-sweep-hosts N        distinct hosts on one service (default 25)\n"
    "      --host-sweep-window SECONDS within this window (default 300)\n"
    "      --host-sweep-internal-only yes|no\n"
    "                                  count only private and link-local hosts\n"
    "                                  (default yes)\n"
    "      --learning-days DAYS        baseline period from the first network\n"
    "                                  event, never flagged (default 1)\n"
    "      --lateral-ports LIST        lateral-movement ports (default\n"
    "                                  22,135,139,445,3389,5985,5986)\n"
    "      --app-misuse-internal-hosts N\n"
    "                                  internal hosts a new application must reach\n"
    "                                  on other ports to be flagged (default 3)\n"
    "      --detectors LIST            port_sweep,host_sweep,app_misuse, all or none\n"
    "  -q, --quiet                     print only the totals\n"
    "  -h, --help                      this help\n"
    "\n"
    "Exit status: 0 when detection ran (whether or not it found anything),\n"
    "1 on an error (the case is then unchanged), 2 on a usage error, 3 when\n"
    "another wfpsift process kept writing the case longer than the wait.\n";

/* Long options that are detect settings: their names are the config keys. */
static const struct option long_options[] = {
	{ "case", required_argument, NULL, 'd' },
	{ "config", required_argument, NULL, 'c' },
	{ "policy", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "port-sweep-ports", required_argument, NULL, 's' },
	{ "port-sweep-window", required_argument, NULL, 's' },
	{ "host-sweep-hosts", required_argument, NULL, 's' },
	{ "host-sweep-window", required_argument, NULL, 's' },
	{ "host-sweep-internal-only", required_argument, NULL, 's' },
	{ "learning-days", required_argument, NULL, 's' },
	{ "lateral-ports", required_argument, NULL, 's' },
	{ "app-misuse-internal-hosts", required_argument, NULL, 's' },
	{ "detectors", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 }
};

/* A setting given on the command line, applied after the config file. */
struct setting {
	const char	*name;
	const char	*value;
};

struct detect_command {
	const char	*case_path;
	const char	*config_path;
	int		 quiet;
	int		 help;
	struct setting	*settings;
	int		 setting_count;
};

/* Parse argv into command; settings are kept in order to apply later. */
static int
parse_arguments(int argc, char **argv, struct detect_command *command)
{
	int	c, index;

	command->case_path = "wfpsift.db";
	if ((command->settings = calloc((size_t)argc, sizeof(*command->settings))) == NULL) {
		fprintf(stderr, "wfpsift detect: out of memory\n");
		return EXIT_ERROR;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:c:p:qh", long_options, &index)) != -1) {
		switch (c) {
		case 'd':
			command->case_path = optarg;
			break;
		case 'c':
			command->config_path = optarg;
			break;
		case 'p':
			command->settings[command->setting_count].name = "policy";
			command->settings[command->setting_count++].value = optarg;
			break;
		case 'q':
			command->quiet = 1;
			break;
		case 'h':
			command->help = 1;
			return EXIT_OK;
		case 's':
			command->settings[command->setting_count].name =
			    long_options[index].name;
			command->settings[command->setting_count++].value = optarg;
			break;
		default:
			return command_option_error(&cmd_detect, argv);
		}
	}
	if (optind < argc)
		return command_usage_error(&cmd_detect,
		    "unexpected argument '%s' (detect reads the case, not logs)",
		    argv[optind]);
	return EXIT_OK;
}

/* Defaults, then the config file, then the flags: the last word wins. */
static int
build_options(const struct detect_command *command,
    struct detect_options *options)
{
	char	error[512];
	int	i;

	detect_options_init(options);
	if (command->config_path != NULL &&
	    detect_config_load(options, command->config_path, error,
	    sizeof(error)) == -1) {
		fprintf(stderr, "wfpsift detect: %s\n", error);
		return EXIT_ERROR;
	}
	for (i = 0; i < command->setting_count; i++)
		if (detect_option_set(options, command->settings[i].name,
		    command->settings[i].value, error, sizeof(error)) == -1)
			return command_usage_error(&cmd_detect, "--%s", error);
	return EXIT_OK;
}

/* Open the case and run detection. */
static int
run_detect(int argc, char **argv)
{
	struct detect_command	 command;
	struct detect_options	 options;
	struct store		*store;
	struct case_lock	*lock;
	char			 error[512];
	int			 status;

	memset(&command, 0, sizeof(command));
	detect_options_init(&options);
	status = parse_arguments(argc, argv, &command);
	if (status == EXIT_OK && command.help) {
		free(command.settings);
		return command_help(&cmd_detect);
	}
	if (status == EXIT_OK)
		status = build_options(&command, &options);
	free(command.settings);
	if (status != EXIT_OK) {
		detect_options_free(&options);
		return status;
	}
	status = case_open_for_writing(command.case_path, 1, &store, &lock,
	    error, sizeof(error));
	if (status != EXIT_OK) {
		fprintf(stderr, "wfpsift detect: %s\n", error);
		detect_options_free(&options);
		return status;
	}
	options.quiet = command.quiet;
	if (detect_run(store_db(store), &options, stdout, NULL, error,
	    sizeof(error)) == -1) {
		fprintf(stderr, "wfpsift detect: %s: %s\n", command.case_path, error);
		status = EXIT_ERROR;
	}
	case_close(store, lock);
	detect_options_free(&options);
	return status;
}

const struct command cmd_detect = {
	"detect",
	"attribute connections to users; find port sweeps, host sweeps, app misuse",
	usage,
	run_detect,
};
