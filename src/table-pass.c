/*
 * table-pass.c: the SELECT of a table read shared by several stages, and
 * SQL's text equality for the rows they judge in C (table-pass.h).
 */
#include <string.h>

#include "table-pass.h"

char *
pass_select(const char *own, int own_count, const char *table,
    const void *readers, size_t stride, size_t count, int *first_columns)
{
	const struct pass_columns	*columns;
	sqlite3_str			*sql = sqlite3_str_new(NULL);
	int				 column = own_count;
	size_t				 i;

	sqlite3_str_appendf(sql, "SELECT %s", own);
	for (i = 0; i < count; i++) {
		columns = (const void *)((const char *)readers + i * stride);
		sqlite3_str_appendf(sql, ", %s", columns->names);
		first_columns[i] = column;
		column += columns->count;
	}
	first_columns[count] = column;
	sqlite3_str_appendf(sql, " FROM %s ORDER BY id", table);
	return sqlite3_str_finish(sql);
}

int
pass_columns_match(sqlite3_stmt *statement, const int *first_columns,
    size_t count)
{
	return sqlite3_column_count(statement) == first_columns[count];
}

int
pass_column_is(sqlite3_stmt *statement, int column, const char *word)
{
	size_t	length = strlen(word);

	return sqlite3_column_type(statement, column) == SQLITE_TEXT &&
	    (size_t)sqlite3_column_bytes(statement, column) == length &&
	    memcmp(sqlite3_column_text(statement, column), word, length) == 0;
}

int
pass_column_in(sqlite3_stmt *statement, int column, const char *const *words)
{
	for (; *words != NULL; words++)
		if (pass_column_is(statement, column, *words))
			return 1;
	return 0;
}
