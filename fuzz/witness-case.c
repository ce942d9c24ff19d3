/*
 * witness-case.c: an in-memory case for the witness reader fuzz targets.
 */
#include <stdio.h>
#include <string.h>

#include "witness-case.h"

extern const char wfpsift_schema_sql[];

/*
 * The originators the seeds use (fuzz/seeds.sh): flows from these reach
 * the insert into witness_flows; others are read the same way, then
 * dropped by the insert's join, as in a real case.
 */
static const char hosts_sql[] =
    "CREATE TEMP TABLE gap_unique_ip(ip TEXT PRIMARY KEY, host TEXT NOT NULL);"
    "INSERT INTO temp.gap_unique_ip VALUES ('10.1.0.5', 'WS5'),"
    " ('10.1.0.6', 'WS6'), ('2001:db8::5', 'WS7'), ('192.168.1.10', 'WS8');";

/* Open the database, write the schema and the hosts. 0, or -1. */
static int
open_case(struct gap_context *context)
{
	static char	error[512];

	memset(context, 0, sizeof(*context));
	context->error = error;
	context->error_size = sizeof(error);
	if (sqlite3_open(":memory:", &context->db) != SQLITE_OK)
		return -1;
	if (sqlite3_exec(context->db, wfpsift_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(context->db, hosts_sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "witness case: %s\n", sqlite3_errmsg(context->db));
		return -1;
	}
	return 0;
}

struct gap_context *
witness_case(void)
{
	static struct gap_context	context;
	static int			ready;

	if (!ready) {
		if (open_case(&context) == -1)
			return NULL;
		ready = 1;
	}
	if (sqlite3_exec(context.db, "DELETE FROM witness_flows", NULL, NULL,
	    NULL) != SQLITE_OK)
		return NULL;
	context.error[0] = '\0';
	return &context;
}
