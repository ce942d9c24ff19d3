/*
 * table-pass.h: one read of a table shared by the stages that need its rows.
 *
 * On a large case a full read of network_events or events costs more than
 * anything a stage does with the rows, so a stage that walks a table in
 * id order (attribution, the log sums) lets others read along: each adds
 * its columns to the walk's SELECT and is handed every row with the index
 * of its first column (struct network_reader in detector.h, struct
 * events_reader in gap.h). What the stages judged in SQL they now judge
 * in C, so the helpers here keep SQL's meaning of a comparison.
 */
#ifndef WFPSIFT_TABLE_PASS_H
#define WFPSIFT_TABLE_PASS_H

#include <sqlite3.h>
#include <stddef.h>

/* The columns a reader adds to a pass: "id, host, ...", and how many. */
struct pass_columns {
	const char	*names;
	int		 count;
};

/*
 * "SELECT own, reader columns... FROM table ORDER BY id" for readers
 * (count structs of stride bytes, each starting with its struct
 * pass_columns), with each reader's first column index in first_columns
 * and the total in first_columns[count]: check it against the prepared
 * statement's sqlite3_column_count(), since each count is kept by hand
 * beside its names (pass_columns_match). own_count is how many columns
 * own names. sqlite3_malloc'd, or NULL.
 */
char	*pass_select(const char *own, int own_count, const char *table,
	    const void *readers, size_t stride, size_t count, int *first_columns);

/* 1 when statement has the columns pass_select() counted. */
int	 pass_columns_match(sqlite3_stmt *, const int *first_columns,
	    size_t count);

/*
 * 1 when a column is the text word, as SQL's "column = 'word'" is true: a
 * text (not a blob or NULL) of the same bytes. Asks the type first, before
 * any conversion.
 */
int	 pass_column_is(sqlite3_stmt *, int column, const char *word);

/* 1 when the column is one of words (NULL-terminated), as SQL's IN. */
int	 pass_column_in(sqlite3_stmt *, int column, const char *const *words);

#endif
