/*
 * gaps-print.c: show a case's gaps and detector coverage on a terminal.
 *
 * Everything printed comes from the case, and much of it from logs: it
 * goes through fputs_safe, so a host name cannot carry escape
 * sequences or reading-order overrides to the analyst's terminal.
 */
#include <stdio.h>
#include <string.h>

#include "gap.h"
#include "util.h"

/* Print a label and a value from a column, when it has one. */
static void
print_field(FILE *out, const char *label, sqlite3_stmt *s, int column)
{
	if (sqlite3_column_type(s, column) == SQLITE_NULL)
		return;
	fprintf(out, "%s", label);
	fputs_safe(gap_column_text(s, column), out);
}

/* The counts line: only the counts a gap has. */
static void
print_counts(FILE *out, sqlite3_stmt *s)
{
	static const char *const labels[] = { "records", "distinct", "witness flows" };
	int	column, printed = 0;

	for (column = 9; column <= 11; column++) {
		if (sqlite3_column_type(s, column) == SQLITE_NULL)
			continue;
		fprintf(out, "%s%s %lld", printed ? ", " : "     ",
		    labels[column - 9], sqlite3_column_int64(s, column));
		printed = 1;
	}
	print_field(out, printed ? ", user " : "     user ", s, 8);
	if (printed || sqlite3_column_type(s, 8) != SQLITE_NULL)
		fputc('\n', out);
}

/* One gap: heading, times, counts, the sentence, where the evidence is. */
static void
print_gap(FILE *out, sqlite3_stmt *s, int verbose)
{
	int64_t	id = sqlite3_column_int64(s, 0);

	fprintf(out, "%3lld. [%s] %s", (long long)id, gap_column_text(s, 2),
	    gap_column_text(s, 1));
	print_field(out, " on ", s, 3);
	if (sqlite3_column_type(s, 6) != SQLITE_NULL ||
	    sqlite3_column_type(s, 7) != SQLITE_NULL) {
		fputs(" (", out);
		fputs_safe(sqlite3_column_type(s, 6) != SQLITE_NULL ?
		    gap_column_text(s, 6) : gap_column_text(s, 7), out);
		fputc(')', out);
	}
	fputc('\n', out);
	fputs("     ", out);
	fputs_safe(gap_column_text(s, 4), out);
	fputs(" .. ", out);
	fputs_safe(gap_column_text(s, 5), out);
	fputc('\n', out);
	print_counts(out, s);
	fputs("     ", out);
	fputs_safe(gap_column_text(s, 12), out);
	fputc('\n', out);
	if (verbose && sqlite3_column_type(s, 13) != SQLITE_NULL) {
		fputs("     evidence: ", out);
		fputs_safe(gap_column_text(s, 13), out);
		fputc('\n', out);
	} else if (sqlite3_column_type(s, 13) != SQLITE_NULL)
		fprintf(out, "     evidence: SELECT query FROM gaps WHERE id = %lld\n",
		    (long long)id);
}

static int
print_gaps(sqlite3 *db, int verbose, FILE *out)
{
	sqlite3_stmt	*s;
	int		 step, count = 0;

	if (sqlite3_prepare_v2(db, "SELECT id, kind, severity, host, first_time, "
	    "last_time, related_host, related_ip, user_name, event_count, "
	    "distinct_count, witness_count, summary, query FROM gaps ORDER BY id",
	    -1, &s, NULL) != SQLITE_OK)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (count++ == 0)
			fputs("\nGaps: what these logs could not see\n\n", out);
		print_gap(out, s, verbose);
	}
	sqlite3_finalize(s);
	if (step != SQLITE_DONE)
		return -1;
	if (count == 0)
		fputs("\nGaps: none found (see the coverage below for what each "
		    "detector could see).\n", out);
	return count;
}

static int
print_coverage(sqlite3 *db, FILE *out)
{
	sqlite3_stmt	*s;
	int		 step, count = 0;

	if (sqlite3_prepare_v2(db, "SELECT summary FROM coverage ORDER BY host, id",
	    -1, &s, NULL) != SQLITE_OK)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (count++ == 0)
			fputs("\nCoverage: what each detector could see\n\n", out);
		fputs("  ", out);
		fputs_safe(gap_column_text(s, 0), out);
		fputc('\n', out);
	}
	sqlite3_finalize(s);
	return step == SQLITE_DONE ? count : -1;
}

int
gaps_print(sqlite3 *db, const struct gaps_options *options, FILE *out,
    char *error, size_t error_size)
{
	if (print_gaps(db, options->verbose, out) == -1 ||
	    print_coverage(db, out) == -1) {
		snprintf(error, error_size, "printing gaps: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}
