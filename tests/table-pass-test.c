/*
 * table-pass-test: the SELECT a shared pass builds from its readers'
 * columns, the check that the counts kept by hand match it, and SQL's
 * text equality as the readers judge rows in C, for every storage class.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "table-pass.h"
#include "tap.h"

/* A reader as detector.h and gap.h declare them: its columns come first. */
struct test_reader {
	struct pass_columns	 columns;
	void			*state;
};

/* The SELECT and first columns of two readers after three own columns. */
static void
test_select(void)
{
	struct test_reader	readers[2] = {
		{ { "id, host", 2 }, NULL }, { { "direction", 1 }, NULL } };
	int			first[3];
	char			*sql;

	sql = pass_select("a, b, c", 3, "network_events", readers,
	    sizeof(readers[0]), 2, first);
	tap_is_string(sql, "SELECT a, b, c, id, host, direction FROM"
	    " network_events ORDER BY id", "the readers' columns follow the pass's own");
	tap_is_number(first[0], 3, "the first reader starts after the pass's own columns");
	tap_is_number(first[1], 5, "the second after the first's two");
	tap_is_number(first[2], 6, "and the total follows");
	sqlite3_free(sql);
	sql = pass_select("a", 1, "events", readers, sizeof(readers[0]), 0, first);
	tap_is_string(sql, "SELECT a FROM events ORDER BY id", "no reader: the pass alone");
	tap_is_number(first[0], 1, "... its total is its own count");
	sqlite3_free(sql);
}

/* A count kept wrong by hand is caught against the prepared statement. */
static void
test_columns_match(sqlite3 *db)
{
	struct test_reader	 right = { { "x, y", 2 }, NULL };
	struct test_reader	 wrong = { { "x, y", 1 }, NULL };
	sqlite3_stmt		*statement;
	int			 first[2];
	char			*sql;

	sql = pass_select("id", 1, "t", &right, sizeof(right), 1, first);
	sqlite3_prepare_v2(db, sql, -1, &statement, NULL);
	tap_ok(pass_columns_match(statement, first, 1), "a right count matches");
	sqlite3_finalize(statement);
	sqlite3_free(sql);
	sql = pass_select("id", 1, "t", &wrong, sizeof(wrong), 1, first);
	sqlite3_prepare_v2(db, sql, -1, &statement, NULL);
	tap_ok(!pass_columns_match(statement, first, 1), "a wrong count does not");
	sqlite3_finalize(statement);
	sqlite3_free(sql);
}

/* pass_column_is and pass_column_in agree with SQL's = and IN on each value. */
static void
test_text_equality(sqlite3 *db)
{
	static const char *const words[] = { "inbound", "outbound", NULL };
	sqlite3_stmt	*statement;
	int		 agree = 1, rows = 0, is, in;

	sqlite3_prepare_v2(db, "SELECT x, x = 'outbound', x IN ('inbound',"
	    " 'outbound') FROM t ORDER BY id", -1, &statement, NULL);
	while (sqlite3_step(statement) == SQLITE_ROW) {
		is = sqlite3_column_int(statement, 1);
		in = sqlite3_column_int(statement, 2);
		if (pass_column_is(statement, 0, "outbound") != is ||
		    pass_column_in(statement, 0, words) != in)
			agree = 0;
		rows++;
	}
	sqlite3_finalize(statement);
	tap_is_number(rows, 9, "nine stored values");
	tap_ok(agree, "text, blob, NULL, number, other case and a NUL inside: as SQL says");
}

int
main(void)
{
	sqlite3	*db;

	sqlite3_open(":memory:", &db);
	sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, x, y);"
	    "INSERT INTO t (x) VALUES ('outbound'), ('inbound'),"
	    " (CAST('outbound' AS BLOB)), (NULL), (1), ('Outbound'),"
	    " ('outbound '), ('outbound' || char(0) || 'x'), ('');",
	    NULL, NULL, NULL);
	test_select();
	test_columns_match(db);
	test_text_equality(db);
	sqlite3_close(db);
	return TAP_DONE();
}
