/*
 * gap-raw-socket.c: a process whose log shows only the UDP and ICMP side of
 * a scan (kind raw_socket_suspected).
 *
 * A scanner run with raw sockets leaves a few records on its own host:
 * the ICMP echo and timestamp requests and UDP probes of host discovery,
 * which WFP still audits, but none for its TCP SYN probes. So a process
 * that reached hosts by UDP or ICMP and never by TCP, either many of them
 * (a discovery sweep) or as a non-ping program that makes no TCP
 * connection at all, is reported: its TCP probing, if any, is invisible.
 * This needs only the scanning host's log, unlike gap-unlogged-traffic.c.
 */
#include <stdio.h>
#include <string.h>

#include "gap.h"

/*
 * Outbound UDP and ICMP records to a unicast address the same process
 * never reached by TCP. Name-service, DHCP, time and discovery protocols
 * (53, 67, 68, 123, 137, 138, 1900, 3702, 5353, 5355) and the System
 * process are not probes.
 */
static const char candidates_sql[] =
    "DROP TABLE IF EXISTS temp.gap_raw_candidate;"
    "CREATE TEMP TABLE gap_raw_candidate AS "
    "SELECT n.id, n.host, n.pid, coalesce(n.application_name, '') AS app,"
    "  n.application, n.remote_ip, n.protocol, n.time, n.time_unix_us "
    "FROM network_events n "
    "WHERE n.direction = 'outbound' AND n.protocol IN (1, 17, 58) "
    "  AND n.host IS NOT NULL AND n.remote_ip IS NOT NULL AND n.remote_ip <> '' "
    "  AND n.remote_ip NOT IN ('0.0.0.0', '::', '::1', '255.255.255.255') "
    "  AND n.remote_ip NOT LIKE '127.%' AND n.remote_ip NOT LIKE 'ff%' "
    "  AND n.remote_ip NOT LIKE '%.255' "
    "  AND NOT (instr(n.remote_ip, '.') > 0 AND CAST(substr(n.remote_ip, 1,"
    "    instr(n.remote_ip, '.') - 1) AS INTEGER) BETWEEN 224 AND 239) "
    "  AND NOT (n.protocol = 17 AND n.remote_port IN (53, 67, 68, 123, 137,"
    "    138, 1900, 3702, 5353, 5355)) "
    "  AND coalesce(n.pid, -1) NOT IN (0, 4) "
    "  AND NOT EXISTS (SELECT 1 FROM network_events t WHERE t.host = n.host "
    "    AND t.pid IS n.pid AND t.protocol = 6 AND t.direction = 'outbound' "
    "    AND t.remote_ip = n.remote_ip "
    "    AND coalesce(t.application_name, '') = coalesce(n.application_name, ''))"
    "ORDER BY n.id;";

/*
 * One row per process whose candidates look like host discovery: at least
 * ?1 targets, or ICMP from a program other than ping and tracert that
 * made no TCP connection at all.
 */
static const char process_sql[] =
    "SELECT host, pid, app, min(application), count(DISTINCT remote_ip),"
    "  min(remote_ip), sum(protocol IN (1, 58)), sum(protocol = 17), count(*),"
    "  min(time_unix_us), max(time_unix_us), min(time), max(time),"
    "  (SELECT count(*) FROM network_events t WHERE t.host = c.host"
    "   AND t.pid IS c.pid AND t.protocol = 6 AND t.direction = 'outbound'"
    "   AND coalesce(t.application_name, '') = c.app) "
    "FROM temp.gap_raw_candidate c GROUP BY host, pid, app "
    "HAVING count(DISTINCT remote_ip) >= ?1 OR (sum(protocol IN (1, 58)) > 0 "
    "  AND app NOT IN ('ping.exe', 'tracert.exe', 'pathping.exe') "
    "  AND (SELECT count(*) FROM network_events t WHERE t.host = c.host"
    "   AND t.pid IS c.pid AND t.protocol = 6 AND t.direction = 'outbound'"
    "   AND coalesce(t.application_name, '') = c.app) = 0) "
    "ORDER BY host, min(time_unix_us), pid, app";

static const char evidence_sql[] =
    "INSERT INTO gap_evidence(gap_id, network_event_id) "
    "SELECT ?1, id FROM temp.gap_raw_candidate "
    "WHERE host = ?2 AND pid IS ?3 AND app = ?4";

/* One process as process_sql returns it. */
struct suspect {
	const char	*host, *app, *application, *first_target;
	int64_t		 pid, targets, icmp, udp, records, tcp_records;
	int64_t		 first_us, last_us;
	const char	*first_time, *last_time;
};

static void
read_suspect(sqlite3_stmt *s, struct suspect *p)
{
	p->host = gap_column_text(s, 0);
	p->pid = gap_column_int(s, 1, -1);
	p->app = gap_column_text(s, 2);
	p->application = gap_column_text(s, 3);
	p->targets = sqlite3_column_int64(s, 4);
	p->first_target = gap_column_text(s, 5);
	p->icmp = sqlite3_column_int64(s, 6);
	p->udp = sqlite3_column_int64(s, 7);
	p->records = sqlite3_column_int64(s, 8);
	p->first_us = sqlite3_column_int64(s, 9);
	p->last_us = sqlite3_column_int64(s, 10);
	p->first_time = gap_column_text(s, 11);
	p->last_time = gap_column_text(s, 12);
	p->tcp_records = sqlite3_column_int64(s, 13);
}

/* What the process did and what the log therefore cannot show. */
static char *
suspect_summary(const struct suspect *p)
{
	sqlite3_str	*s = sqlite3_str_new(NULL);
	char		 first[40], last[40];

	gap_short_time(p->first_us, first, sizeof(first));
	gap_short_time(p->last_us, last, sizeof(last));
	sqlite3_str_appendf(s, "Process %s", p->app[0] ? p->app : "(unnamed)");
	if (p->pid >= 0)
		sqlite3_str_appendf(s, " (PID %lld)", (long long)p->pid);
	sqlite3_str_appendf(s, " on %s sent %lld ICMP and %lld UDP records to "
	    "%lld host%s (%s%s) between %s and %s and never made a TCP "
	    "connection to any of them", p->host, (long long)p->icmp,
	    (long long)p->udp, (long long)p->targets, p->targets == 1 ? "" : "s",
	    p->first_target, p->targets > 1 ? " and others" : "", first, last);
	if (p->tcp_records == 0)
		sqlite3_str_appendf(s, " (nor to anywhere else)");
	sqlite3_str_appendf(s, ". That is how scanner host discovery looks "
	    "when its TCP probes go through raw sockets, which WFP does not "
	    "audit: which TCP ports this process probed, if any, cannot be "
	    "read from this log.");
	return gap_sentence_finish(s);
}

/* One raw_socket_suspected gap with its UDP/ICMP records as evidence. */
static int
add_suspect(struct gap_context *context, const struct suspect *p)
{
	struct gap	 gap;
	sqlite3_stmt	*s;
	int64_t		 id;
	int		 status = 0;

	gap_init(&gap, "raw_socket_suspected", GAP_MEDIUM);
	gap.host = p->host;
	gap.related_ip = p->first_target;
	gap.first_unix_us = p->first_us;
	gap.last_unix_us = p->last_us;
	gap.first_time = p->first_time;
	gap.last_time = p->last_time;
	gap.event_count = p->records;
	gap.distinct_count = p->targets;
	gap.summary = suspect_summary(p);
	if (gap_insert(context, &gap, &id) == -1)
		return -1;
	if (gap_prepare(context, evidence_sql, &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, p->host, -1, SQLITE_TRANSIENT);
	if (p->pid >= 0)
		sqlite3_bind_int64(s, 3, p->pid);
	sqlite3_bind_text(s, 4, p->app, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		status = gap_sql_error(context, "linking raw socket evidence");
	sqlite3_finalize(s);
	if (status == -1)
		return -1;
	return gap_set_query(context, id, sqlite3_mprintf("SELECT n.* FROM "
	    "gap_evidence g JOIN network_events n ON n.id = g.network_event_id "
	    "WHERE g.gap_id = %lld ORDER BY n.time_unix_us, n.id", (long long)id));
}

int
gap_raw_socket(struct gap_context *context)
{
	sqlite3_stmt	*s;
	struct suspect	 p;
	int		 step, status = 0;

	if (gap_exec(context, candidates_sql) == -1 ||
	    gap_prepare(context, process_sql, &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, context->options->discovery_targets);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		read_suspect(s, &p);
		if ((status = add_suspect(context, &p)) == -1)
			break;
	}
	if (status == 0 && step != SQLITE_DONE)
		status = gap_sql_error(context, "looking for raw socket scans");
	sqlite3_finalize(s);
	if (status == -1)
		return -1;
	return gap_exec(context, "DROP TABLE temp.gap_raw_candidate");
}
