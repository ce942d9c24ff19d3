/*
 * cmd-schema.c: wfpsift schema -- print the case file's schema, the same
 * text the man page shows, so analysts can read it next to their queries.
 */
#include <stdio.h>
#include <string.h>

#include "command.h"

extern const char wfpsift_schema_sql[];

static const char usage[] =
    "usage: wfpsift schema\n"
    "\n"
    "Print the SQL schema of a wfpsift case: every table, column and view,\n"
    "with a comment saying what it holds.\n";

static int
run_schema(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return command_help(&cmd_schema);
	if (argc > 1)
		return command_usage_error(&cmd_schema, "unexpected argument '%s'", argv[1]);
	fputs(wfpsift_schema_sql, stdout);
	return EXIT_OK;
}

const struct command cmd_schema = {
	.name = "schema",
	.summary = "print the case file's SQL schema",
	.usage = usage,
	.run = run_schema,
};
