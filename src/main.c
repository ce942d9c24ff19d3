/*
 * main.c: wfpsift's entry point. It finds the command named by the first
 * argument in the table below and runs it; everything else is the command's.
 */
#include <signal.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "command.h"
#include "util.h"

static const struct command *commands[] = {
	&cmd_analyze,
	&cmd_detect,
	&cmd_ingest,
	&cmd_gaps,
	&cmd_report,
	&cmd_schema,
};
#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

/* The tool's own help: what it is and which commands it has. */
static void
print_help(FILE *out)
{
	size_t	i;

	fprintf(out,
	    "usage: wfpsift COMMAND [options] [PATH...]\n"
	    "\n"
	    "Offline forensic analysis of Windows Filtering Platform event logs:\n"
	    "connections, port and host sweeps, per-user application misuse, and\n"
	    "the traffic the logs could not see.\n"
	    "\n"
	    "Commands:\n");
	for (i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out,
	    "\n"
	    "Run 'wfpsift COMMAND --help' for a command's options, 'man wfpsift' for\n"
	    "the manual and the case file's schema.\n");
}

int
command_usage_error(const struct command *command, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "wfpsift %s: ", command->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'wfpsift %s --help'.\n", command->name);
	return EXIT_USAGE;
}

int
command_option_error(const struct command *command, char **argv)
{
	if (optopt != 0)
		return command_usage_error(command,
		    "option -%c needs a value or is unknown", optopt);
	return command_usage_error(command, "unknown option or missing value: %s",
	    argv[optind - 1]);
}

int
command_help(const struct command *command)
{
	fputs(command->usage, stdout);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	size_t	i;

	/*
	 * A file size limit (ulimit -f) must not kill us halfway through a
	 * write: ignored, SIGXFSZ becomes EFBIG, SQLite reports an error, the
	 * transaction rolls back and the user reads why.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2) {
			for (i = 0; i < COMMAND_COUNT; i++)
				if (strcmp(argv[2], commands[i]->name) == 0)
					return command_help(commands[i]);
		}
		print_help(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("wfpsift %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(argv[1], commands[i]->name) == 0)
			return commands[i]->run(argc - 1, argv + 1);
	fputs("wfpsift: unknown command '", stderr);
	fputs_safe(argv[1], stderr);
	fputs("'\n", stderr);
	print_help(stderr);
	return EXIT_USAGE;
}
