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
#include "gaps.h"
#include "util.h"

/* In brief output, more low and info gaps than this are only counted. */
#define BRIEF_MINOR_GAPS	10
/* In brief output, the coverage of more hosts than this is only counted. */
#define BRIEF_COVERAGE_HOSTS	12

/* A severity's rank, in SQL, for comparing with print_min_severity. */
#define SEVERITY_RANK_SQL "CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 " \
	"WHEN 'low' THEN 1 ELSE 0 END"

int
gap_severity_rank(const char *name)
{
	static const char *const names[] = { "info", "low", "medium", "high" };
	int	rank;

	for (rank = 0; rank < 4; rank++)
		if (strcmp(name, names[rank]) == 0)
			return rank;
	return -1;
}

/* One integer from a query, with parameter bound to ?1 if it has one; or -1. */
static int64_t
query_count(sqlite3 *db, const char *sql, int64_t parameter)
{
	sqlite3_stmt	*s;
	int64_t		 count = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_bind_parameter_count(s) > 0)
		sqlite3_bind_int64(s, 1, parameter);
	if (sqlite3_step(s) == SQLITE_ROW)
		count = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return count;
}

/*
 * The lowest severity printed in full: the option's, raised to medium in
 * brief output when the low and info gaps are too many to read.
 */
static int
printed_min_severity(sqlite3 *db, const struct gaps_options *options)
{
	int	minimum = options->print_min_severity;

	if (options->brief && minimum < 2 && query_count(db, "SELECT count(*) "
	    "FROM gaps WHERE " SEVERITY_RANK_SQL " BETWEEN ?1 AND 1",
	    minimum) > BRIEF_MINOR_GAPS)
		minimum = 2;
	return minimum;
}

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

/*
 * The gaps not printed, as one line: how many of each kind, and how to see
 * them. Returns 0, or -1 on a database error.
 */
static int
print_hidden_gaps(sqlite3 *db, int minimum, int printed, FILE *out)
{
	static const char *const names[] = { "info", "low", "medium", "high" };
	sqlite3_stmt	*s;
	int		 step, kinds = 0;

	if (sqlite3_prepare_v2(db, "SELECT kind, count(*) FROM gaps WHERE "
	    SEVERITY_RANK_SQL " < ?1 GROUP BY kind ORDER BY count(*) DESC, kind",
	    -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(s, 1, minimum);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (kinds++ == 0)
			fprintf(out, "%s  Not shown, below %s severity: ",
			    printed ? "" : "\nGaps: what these logs could not see\n\n",
			    names[minimum]);
		else
			fputs(", ", out);
		fprintf(out, "%lld ", sqlite3_column_int64(s, 1));
		fputs_safe(gap_column_text(s, 0), out);
	}
	sqlite3_finalize(s);
	if (kinds > 0)
		fputs(".\n  'wfpsift gaps --min-severity info' prints them all; "
		    "so does report.html.\n", out);
	return step == SQLITE_DONE ? 0 : -1;
}

static int
print_gaps(sqlite3 *db, const struct gaps_options *options, FILE *out)
{
	sqlite3_stmt	*s;
	int		 step, count = 0, minimum = printed_min_severity(db, options);

	if (sqlite3_prepare_v2(db, "SELECT id, kind, severity, host, first_time, "
	    "last_time, related_host, related_ip, user_name, event_count, "
	    "distinct_count, witness_count, summary, query FROM gaps "
	    "WHERE " SEVERITY_RANK_SQL " >= ?1 ORDER BY id", -1, &s,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(s, 1, minimum);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (count++ == 0)
			fputs("\nGaps: what these logs could not see\n\n", out);
		print_gap(out, s, options->verbose);
	}
	sqlite3_finalize(s);
	if (step != SQLITE_DONE || print_hidden_gaps(db, minimum, count, out) == -1)
		return -1;
	if (count == 0 && query_count(db, "SELECT count(*) FROM gaps", 0) == 0)
		fputs("\nGaps: none found (see the coverage below for what each "
		    "detector could see).\n", out);
	return count;
}

/*
 * Brief output of a large case: one line saying how many hosts the coverage
 * describes and where to read it, instead of three lines per host.
 */
static int
print_coverage_count(sqlite3 *db, int64_t hosts, FILE *out)
{
	int64_t	blind = query_count(db, "SELECT count(DISTINCT host) FROM coverage "
	    "WHERE detector = 'port_sweep' AND coalesce(record_count, 0) = 0", 0);

	if (blind < 0)
		return -1;
	fprintf(out, "\nCoverage: %lld host%s, %lld of them with no outbound "
	    "connection record, so no sweep from them can be seen in their own "
	    "logs.\n  'wfpsift gaps' prints what each detector could see on "
	    "each host; so does report.html.\n", (long long)hosts,
	    hosts == 1 ? "" : "s", (long long)blind);
	return (int)hosts;
}

static int
print_coverage(sqlite3 *db, int brief, FILE *out)
{
	sqlite3_stmt	*s;
	int		 step, count = 0;
	int64_t		 hosts;

	if (brief && (hosts = query_count(db, "SELECT count(DISTINCT host) FROM "
	    "coverage", 0)) > BRIEF_COVERAGE_HOSTS)
		return print_coverage_count(db, hosts, out);
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
	if (print_gaps(db, options, out) == -1 ||
	    print_coverage(db, options->brief, out) == -1) {
		snprintf(error, error_size, "printing gaps: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}
