/*
 * gaps.h: what the logs in a case could not see.
 *
 * gaps_run replaces the case's gaps, gap_evidence, witness_flows and
 * coverage rows in one transaction: audit policy changes, log integrity
 * problems, connections no process creation explains, traffic one host's
 * log shows and the sending host's log does not (raw-socket scans), and,
 * given a network witness, SYN-only flows no log recorded. Then it prints
 * them. analyze calls it after detection; cmd-gaps.c is its command.
 */
#ifndef WFPSIFT_GAPS_H
#define WFPSIFT_GAPS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gaps_options {
	/* Network witnesses: Zeek conn.log files (TSV or JSON, may be gzipped), pcaps. */
	const char	**zeek_conn_paths;
	size_t		  zeek_conn_count;
	const char	**pcap_paths;
	size_t		  pcap_count;

	/*
	 * A silence in a host's channel is a time_gap when it is at least
	 * silence_factor times the channel's typical spacing (the median
	 * distance between minutes with events) and at least
	 * minimum_silence_us long.
	 */
	double		  silence_factor;
	int64_t		  minimum_silence_us;
	long		  minimum_events_for_silence;	/* channels with fewer are not judged */

	/* Two hosts' records of one connection may differ by this much. */
	int64_t		  clock_skew_us;

	/* raw_socket_suspected: targets reached only by UDP/ICMP from one process. */
	long		  discovery_targets;

	int		  verbose;	/* print the query of each gap */

	/*
	 * What is printed (the case always gets every gap): gaps below
	 * print_min_severity (0 info, 1 low, 2 medium, 3 high) are only
	 * counted per kind. brief, for analyze's summary, also prints low and
	 * info gaps in full only when they are few, and the coverage only of
	 * small cases.
	 */
	int		  print_min_severity;
	int		  brief;
};

/* The rank of a severity name (info 0 .. high 3), or -1 for another word. */
int	 gap_severity_rank(const char *);

/* The defaults documented in wfpsift(1). */
void	 gaps_options_init(struct gaps_options *);

/*
 * Analyse the case open on db, replace its gap rows, and (when out is not
 * NULL) print them and the detector coverage. Returns the number of gaps,
 * or -1 with a message in error.
 */
int	 gaps_run(sqlite3 *db, const struct gaps_options *, FILE *out,
	    char *error, size_t error_size);

/* Print the gaps and coverage already in the case. Returns 0, or -1 with error. */
int	 gaps_print(sqlite3 *db, const struct gaps_options *, FILE *out,
	    char *error, size_t error_size);

#endif
