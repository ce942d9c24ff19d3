/*
 * gap-attribution-coverage.c: connections no process creation explains
 * (kind unattributed_connections).
 *
 * WFP records carry a process id but no user; only a process creation
 * record (4688, Sysmon 1) ties them to a program run by an account. Where
 * wfpsift detect has filled the attribution table its verdict is used;
 * for records it has not judged, a record counts as explained when its
 * host logged the creation of a process with that id at or before it (or
 * when Sysmon named the user). Packet drops and the System process (PID 0
 * and 4) are never a user's, and are not counted.
 */
#include <stdio.h>

#include "gap.h"

#define CONNECTION_RECORDS \
    "n.event_id IN (5156, 5157, 3) AND coalesce(n.pid, 0) NOT IN (0, 4)"

#define UNATTRIBUTED \
    "CASE WHEN a.network_event_id IS NOT NULL" \
    " THEN a.process_row IS NULL AND a.user_name IS NULL" \
    " ELSE n.user_name IS NULL AND NOT EXISTS (SELECT 1 FROM processes p" \
    "  WHERE p.host = n.host AND p.pid = n.pid AND p.kind = 'start'" \
    "  AND p.time_unix_us <= n.time_unix_us) END"

/* Hosts with unexplained records, from temp.gap_host_traffic (gap-host-traffic.c). */
static const char coverage_sql[] =
    "SELECT host, connections, connections - attributed,"
    "  unattributed_first_us, unattributed_last_us,"
    "  unattributed_first, unattributed_last,"
    "  (SELECT count(*) FROM processes p WHERE p.host = t.host AND p.kind = 'start'),"
    "  (SELECT min(time_unix_us) FROM processes p WHERE p.host = t.host"
    "   AND p.kind = 'start') "
    "FROM temp.gap_host_traffic t WHERE connections > attributed ORDER BY host";

/* One row of coverage_sql. */
struct host_attribution {
	const char	*host, *first_time, *last_time;
	int64_t		 records, unattributed, first_us, last_us;
	int64_t		 process_starts, first_start_us;
};

static char *
attribution_summary(const struct host_attribution *h)
{
	char	from[40], to[40], starts[40];
	double	percent = 100.0 * (double)h->unattributed / (double)h->records;

	gap_short_time(h->first_us, from, sizeof(from));
	gap_short_time(h->last_us, to, sizeof(to));
	if (h->process_starts == 0)
		return gap_sentence("%lld of %lld connection records on %s "
		    "(%.0f%%), from %s to %s, have no process creation event to "
		    "explain them, and the case holds no process creation "
		    "record (4688 or Sysmon 1) of %s at all: process creation "
		    "auditing was evidently off, so which program and which user "
		    "made these connections cannot be established.",
		    (long long)h->unattributed, (long long)h->records, h->host,
		    percent, from, to, h->host);
	gap_short_time(h->first_start_us, starts, sizeof(starts));
	return gap_sentence("%lld of %lld connection records on %s (%.0f%%), "
	    "from %s to %s, have no process creation event to explain them "
	    "(%s's process creation records start at %s): programs started "
	    "before that, or while process auditing was off, cannot be tied to "
	    "a user, so per-user findings miss them.", (long long)h->unattributed,
	    (long long)h->records, h->host, percent, from, to, h->host, starts);
}

static int
add_attribution_gap(struct gap_context *context, const struct host_attribution *h)
{
	struct gap	gap;

	gap_init(&gap, "unattributed_connections", h->process_starts == 0 ||
	    2 * h->unattributed >= h->records ? GAP_MEDIUM : GAP_LOW);
	gap.host = h->host;
	gap.first_unix_us = h->first_us;
	gap.last_unix_us = h->last_us;
	gap.first_time = h->first_time;
	gap.last_time = h->last_time;
	gap.event_count = h->unattributed;
	gap.summary = attribution_summary(h);
	gap.query = sqlite3_mprintf("SELECT n.* FROM network_events n LEFT JOIN "
	    "attribution a ON a.network_event_id = n.id WHERE n.host = %Q AND "
	    CONNECTION_RECORDS " AND " UNATTRIBUTED " ORDER BY n.time_unix_us, n.id",
	    h->host);
	return gap_insert(context, &gap, NULL);
}

int
gap_attribution_coverage(struct gap_context *context)
{
	sqlite3_stmt		*s;
	struct host_attribution	 h;
	int			 step, status = 0;

	if (gap_prepare(context, coverage_sql, &s) == -1)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		h.host = gap_column_text(s, 0);
		h.records = sqlite3_column_int64(s, 1);
		h.unattributed = sqlite3_column_int64(s, 2);
		h.first_us = sqlite3_column_int64(s, 3);
		h.last_us = sqlite3_column_int64(s, 4);
		h.first_time = gap_column_text(s, 5);
		h.last_time = gap_column_text(s, 6);
		h.process_starts = sqlite3_column_int64(s, 7);
		h.first_start_us = gap_column_int(s, 8, GAP_NO_TIME);
		if ((status = add_attribution_gap(context, &h)) == -1)
			break;
	}
	if (status == 0 && step != SQLITE_DONE)
		status = gap_sql_error(context, "measuring attribution coverage");
	sqlite3_finalize(s);
	return status;
}
