/*
 * cmd-analyze.c: wfpsift analyze -- the whole job in one command:
 * ingest the named logs, then summarise what the case holds.
 */
#include <stdio.h>
#include <string.h>

#include "cmd-ingest.h"
#include "command.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: wfpsift analyze [-d CASE] [-o DIR] [--all-data] [-q] PATH...\n"
    "\n"
    "Ingest .evtx files or folders into the case and report on them: the\n"
    "hosts, their network events, and what was read.\n"
    "\n"
    "  -d, --case FILE     the case file (default: wfpsift.db)\n"
    "  -o, --output DIR    where reports go (default: CASE without .db, plus -report)\n"
    "      --all-data      keep EventData as JSON for every record\n"
    "  -q, --quiet         no per-record messages\n"
    "  -h, --help          this help\n";

/* One line per host from the host_summary view. */
static int
print_hosts(struct store *store, FILE *out)
{
	sqlite3_stmt	*statement;
	int		 rows = 0;

	if (sqlite3_prepare_v2(store_db(store), "SELECT host, events, wfp_events, "
	    "sysmon_network_events, process_events, first_time, last_time "
	    "FROM host_summary", -1, &statement, NULL) != SQLITE_OK)
		return -1;
	fprintf(out, "\n%-28s %9s %9s %8s %9s  %-20s  %s\n", "host", "events",
	    "wfp", "sysmon3", "process", "first", "last");
	while (sqlite3_step(statement) == SQLITE_ROW) {
		const char *host = (const char *)sqlite3_column_text(statement, 0);
		const char *first = (const char *)sqlite3_column_text(statement, 5);
		const char *last = (const char *)sqlite3_column_text(statement, 6);

		fputs_safe(host ? host : "(none)", out);
		fprintf(out, "%*s %9lld %9lld %8lld %9lld  %.19s  %.19s\n",
		    host && strlen(host) < 28 ? (int)(28 - strlen(host)) : 1, "",
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

static int
run_analyze(int argc, char **argv)
{
	struct ingest_command_options	 options;
	struct ingest_totals		 totals;
	struct store			*store = NULL;
	int				 status;

	memset(&options, 0, sizeof(options));
	options.accept_output = 1;
	if ((status = ingest_parse_options(&cmd_analyze, argc, argv, &options)) != EXIT_OK)
		return status;
	if (options.help)
		return command_help(&cmd_analyze);
	status = ingest_run(&options, &store, &totals);
	if (store == NULL)
		return status;
	ingest_print_summary(&totals, stdout);
	print_hosts(store, stdout);
	printf("\ncase: %s\n", options.case_path);
	store_close(store);
	return status;
}

const struct command cmd_analyze = {
	.name = "analyze",
	.summary = "ingest, detect, find gaps and write reports: the whole job",
	.usage = usage,
	.run = run_analyze,
};
