/*
 * command.h: the shape of a wfpsift command.
 *
 * Each command lives in its own cmd-NAME.c and defines one struct command;
 * main.c lists them in a table and dispatches on the first argument.
 */
#ifndef WFPSIFT_COMMAND_H
#define WFPSIFT_COMMAND_H

/* Exit statuses every command uses. */
#define EXIT_OK		0
#define EXIT_ERROR	1
#define EXIT_USAGE	2
#define EXIT_BUSY	3	/* another wfpsift kept writing the case past the wait */

struct command {
	const char	*name;
	const char	*summary;	/* one line for 'wfpsift --help' */
	const char	*usage;		/* full help text for 'wfpsift NAME --help' */
	int		 (*run)(int argc, char **argv);
};

extern const struct command cmd_ingest;
extern const struct command cmd_analyze;
extern const struct command cmd_gaps;
extern const struct command cmd_report;
extern const struct command cmd_schema;
extern const struct command cmd_detect;

/* Print a command's usage to stderr and return EXIT_USAGE. */
int	 command_usage_error(const struct command *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * The usage error for what getopt_long rejected: an unknown option, or one
 * missing its value. Returns EXIT_USAGE.
 */
int	 command_option_error(const struct command *, char **argv);

/* Print a command's full help to stdout and return EXIT_OK. */
int	 command_help(const struct command *);

#endif
