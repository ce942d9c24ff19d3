/*
 * gap-unlogged-traffic.c: traffic a host sent that its own log never
 * recorded (kind unlogged_traffic).
 *
 * WFP audits connections at the ALE layers. A raw-socket TCP SYN scan
 * (nmap -sS as administrator) never makes a connection there, so the
 * scanning host logs nothing for its probes, while the target logs them
 * as inbound accepts (5156), blocks (5157) or drops (5152). Two kinds of
 * witness show such traffic:
 *
 *   - the target's own log, when it is in the case: inbound records from an
 *     address of another host in the case with no outbound record of the
 *     same traffic on that host;
 *   - a network witness (Zeek conn.log, pcap): TCP flows from such an
 *     address that never completed a handshake, with no outbound record.
 *
 * Only traffic inside the time the sending host's Security log covers,
 * from a host whose log records permitted connections at all (some 5156),
 * counts: otherwise the missing record proves nothing. Both witnesses are
 * gathered in temp.gap_probe and summed into one gap per sender and target.
 */
#include <stdio.h>
#include <string.h>

#include "gap.h"
#include "util.h"

static const char create_probe_sql[] =
    "CREATE TEMP TABLE gap_probe(source_host TEXT NOT NULL, source_ip TEXT,"
    "  source_port INTEGER,"
    "  target_host TEXT, target_ip TEXT NOT NULL, protocol INTEGER,"
    "  port INTEGER, time TEXT, time_unix_us INTEGER,"
    "  network_event_id INTEGER, witness_flow_id INTEGER)";

/*
 * Inbound connection records on one host from another host's address,
 * with no outbound record on that host of the same protocol to the same
 * address and port (any port for ICMP) within the clock skew.
 */
static const char target_log_probes_sql[] =
    "INSERT INTO temp.gap_probe "
    "SELECT u.host, n.remote_ip, n.remote_port, n.host, n.local_ip, n.protocol,"
    "  n.local_port,"
    "  n.time, n.time_unix_us, n.id, NULL "
    "FROM network_events n "
    "JOIN temp.gap_unique_ip u ON u.ip = n.remote_ip AND u.host <> n.host "
    "JOIN temp.gap_host_span s ON s.host = u.host "
    "WHERE n.direction = 'inbound' AND n.local_ip IS NOT NULL "
    "  AND n.event_id IN (5156, 5157, 5152, 5153, 3) "
    "  AND s.wfp_success = 1 "
    "  AND n.time_unix_us BETWEEN s.first_unix_us AND s.last_unix_us "
    "  AND NOT EXISTS (SELECT 1 FROM network_events o "
    "    WHERE o.remote_ip = n.local_ip "
    "    AND o.time_unix_us BETWEEN n.time_unix_us - ?1 AND n.time_unix_us + ?1 "
    "    AND o.host = u.host AND o.direction = 'outbound' "
    "    AND o.protocol IS n.protocol "
    "    AND (o.remote_port IS n.local_port OR n.protocol NOT IN (6, 17))) "
    "ORDER BY n.id";

/* Whether the sending host's log holds an outbound record of each witness flow. */
static const char mark_logged_sql[] =
    "UPDATE witness_flows SET logged = EXISTS (SELECT 1 FROM network_events o "
    "  WHERE o.remote_ip = witness_flows.resp_ip "
    "  AND o.time_unix_us BETWEEN witness_flows.time_unix_us - ?1 "
    "    AND witness_flows.time_unix_us + ?1 "
    "  AND o.host = witness_flows.host AND o.direction = 'outbound' "
    "  AND o.protocol = 6 AND o.remote_port = witness_flows.resp_port)";

/* Witness flows no log recorded, while the sender's log covered their time. */
static const char witness_probes_sql[] =
    "INSERT INTO temp.gap_probe "
    "SELECT w.host, w.orig_ip, w.orig_port, (SELECT host FROM temp.gap_unique_ip t "
    "  WHERE t.ip = w.resp_ip), w.resp_ip, 6, w.resp_port, w.time,"
    "  w.time_unix_us, NULL, w.id "
    "FROM witness_flows w JOIN temp.gap_host_span s ON s.host = w.host "
    "WHERE w.logged = 0 AND s.wfp_success = 1 "
    "  AND w.time_unix_us BETWEEN s.first_unix_us AND s.last_unix_us "
    "ORDER BY w.id";

/*
 * One row per sender and target (a host, or an address outside the case).
 * Two witnesses of one flow (a conn.log and a pcap) count it once.
 */
static const char group_sql[] =
    "SELECT source_host, target_host, min(target_ip), count(DISTINCT target_ip),"
    "  min(source_ip), count(DISTINCT source_ip),"
    "  sum(network_event_id IS NOT NULL),"
    "  count(DISTINCT CASE WHEN witness_flow_id IS NOT NULL THEN source_ip || ' ' ||"
    "    source_port || ' ' || target_ip || ' ' || port END),"
    "  count(DISTINCT CASE WHEN protocol IN (6, 17) THEN protocol * 65536 + port END),"
    "  min(time_unix_us), max(time_unix_us), min(time), max(time),"
    "  sum(protocol = 6), sum(protocol = 17), sum(protocol NOT IN (6, 17)),"
    "  coalesce(target_host, target_ip) "
    "FROM temp.gap_probe "
    "GROUP BY source_host, coalesce(target_host, target_ip) "
    "ORDER BY source_host, coalesce(target_host, target_ip)";

static const char evidence_sql[] =
    "INSERT INTO gap_evidence(gap_id, network_event_id) "
    "SELECT DISTINCT ?1, network_event_id FROM temp.gap_probe "
    "WHERE source_host = ?2 AND coalesce(target_host, target_ip) = ?3 "
    "AND network_event_id IS NOT NULL";

static const char witness_link_sql[] =
    "UPDATE witness_flows SET gap_id = ?1 WHERE id IN (SELECT witness_flow_id "
    "FROM temp.gap_probe WHERE source_host = ?2 "
    "AND coalesce(target_host, target_ip) = ?3 AND witness_flow_id IS NOT NULL)";

/* One sender-target group as group_sql returns it. */
struct probe_group {
	const char	*source_host, *target_host, *target_ip, *source_ip, *key;
	int64_t		 target_ips, source_ips;
	int64_t		 log_records, witness_flows, ports;
	int64_t		 first_us, last_us;
	const char	*first_time, *last_time;
	int64_t		 tcp, udp, other;
};

int
gap_witness_begin(struct gap_context *context, sqlite3_stmt **statement)
{
	return gap_prepare(context, "INSERT INTO witness_flows(witness, path, "
	    "line, time, time_unix_us, host, orig_ip, orig_port, resp_ip, "
	    "resp_port, state, conn_state, history, logged) "
	    "SELECT ?1, ?2, ?3, ?4, ?5, u.host, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0 "
	    "FROM temp.gap_unique_ip u WHERE u.ip = ?6", statement);
}

int
gap_witness_add(struct gap_context *context, sqlite3_stmt *s,
    const struct witness_flow *flow)
{
	char	iso[40];

	unix_us_to_iso(flow->time_unix_us, iso, sizeof(iso));
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, flow->witness, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, flow->path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, flow->line);
	sqlite3_bind_text(s, 4, iso, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, flow->time_unix_us);
	sqlite3_bind_text(s, 6, flow->orig_ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 7, flow->orig_port);
	sqlite3_bind_text(s, 8, flow->resp_ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 9, flow->resp_port);
	sqlite3_bind_text(s, 10, flow->state, -1, SQLITE_STATIC);
	if (flow->conn_state != NULL)
		sqlite3_bind_text(s, 11, flow->conn_state, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 11);
	if (flow->history != NULL)
		sqlite3_bind_text(s, 12, flow->history, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 12);
	if (sqlite3_step(s) != SQLITE_DONE)
		return gap_sql_error(context, "storing a witness flow");
	return 0;
}

void
gap_witness_end(sqlite3_stmt *statement)
{
	sqlite3_finalize(statement);
}

/* Run a statement whose only parameter ?1 is the clock skew. */
static int
run_with_skew(struct gap_context *context, const char *sql)
{
	sqlite3_stmt	*s;
	int		 status = 0;

	if (gap_prepare(context, sql, &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, context->options->clock_skew_us);
	if (sqlite3_step(s) != SQLITE_DONE)
		status = gap_sql_error(context, "looking for unlogged traffic");
	sqlite3_finalize(s);
	return status;
}

/* Read one row of group_sql. */
static void
read_group(sqlite3_stmt *s, struct probe_group *g)
{
	g->source_host = gap_column_text(s, 0);
	g->target_host = gap_column_text(s, 1);
	g->target_ip = gap_column_text(s, 2);
	g->target_ips = sqlite3_column_int64(s, 3);
	g->source_ip = gap_column_text(s, 4);
	g->source_ips = sqlite3_column_int64(s, 5);
	g->log_records = sqlite3_column_int64(s, 6);
	g->witness_flows = sqlite3_column_int64(s, 7);
	g->ports = sqlite3_column_int64(s, 8);
	g->first_us = sqlite3_column_int64(s, 9);
	g->last_us = sqlite3_column_int64(s, 10);
	g->first_time = gap_column_text(s, 11);
	g->last_time = gap_column_text(s, 12);
	g->tcp = sqlite3_column_int64(s, 13);
	g->udp = sqlite3_column_int64(s, 14);
	g->other = sqlite3_column_int64(s, 15);
	g->key = gap_column_text(s, 16);
}

/* "TCP", "UDP", "TCP and UDP", ... for the protocols a group holds. */
static const char *
protocol_words(const struct probe_group *g)
{
	if (g->tcp > 0 && g->udp == 0 && g->other == 0)
		return "TCP";
	if (g->udp > 0 && g->tcp == 0 && g->other == 0)
		return "UDP";
	if (g->other > 0 && g->tcp == 0 && g->udp == 0)
		return "ICMP or other";
	return "mixed-protocol";
}

/*
 * Whether a group reads as a port scan rather than a few unmatched
 * connections: TCP to at least SCAN_PORTS distinct ports, or TCP flows a
 * network witness saw never complete.
 */
#define SCAN_PORTS 5

static int
looks_like_scan(const struct probe_group *g)
{
	return g->tcp > 0 && (g->ports >= SCAN_PORTS || g->witness_flows > 0);
}

/* The plain sentence for one group: what was seen, by whom, what it means. */
static char *
group_summary(const struct probe_group *g)
{
	sqlite3_str	*s = sqlite3_str_new(NULL);
	char		 first[40], last[40];
	const char	*target = g->target_host ? g->target_host : g->target_ip;

	gap_short_time(g->first_us, first, sizeof(first));
	gap_short_time(g->last_us, last, sizeof(last));
	sqlite3_str_appendf(s, "%s sent %s traffic to %s (%s", g->source_host,
	    protocol_words(g), target, g->target_ip);
	if (g->target_ips > 1)
		sqlite3_str_appendf(s, " and %lld other addresses",
		    (long long)(g->target_ips - 1));
	sqlite3_str_appendf(s, ") from %s between %s and %s that %s's own log "
	    "never recorded, although it covers that time and records "
	    "connections:", g->source_ip, first, last, g->source_host);
	if (g->log_records > 0)
		sqlite3_str_appendf(s, " %s's log holds %lld inbound records of it",
		    g->target_host, (long long)g->log_records);
	if (g->log_records > 0 && g->witness_flows > 0)
		sqlite3_str_appendf(s, " and");
	if (g->witness_flows > 0)
		sqlite3_str_appendf(s, " a network witness saw %lld TCP flows "
		    "that never completed a handshake (SYN only, rejected or "
		    "half open)", (long long)g->witness_flows);
	if (g->ports > 0)
		sqlite3_str_appendf(s, ", to %lld distinct port%s", (long long)g->ports,
		    g->ports == 1 ? "" : "s");
	sqlite3_str_appendf(s, ".");
	if (looks_like_scan(g))
		sqlite3_str_appendf(s, " This is the signature of a raw-socket "
		    "SYN scan (nmap -sS run as administrator): half-open probes "
		    "never make a connection at the WFP ALE layer, so no 5156 is "
		    "written on the scanning host.");
	else
		sqlite3_str_appendf(s, " Few ports, so not a scan's pattern: a "
		    "tool using raw sockets, records the sender's log lost, or "
		    "another machine using %s's address at the time.",
		    g->source_host);
	sqlite3_str_appendf(s, " Detectors reading %s's log cannot see this "
	    "traffic; its absence there proves nothing.", g->source_host);
	return gap_sentence_finish(s);
}

/* SQL listing a group's evidence: the target's records and the witness flows. */
static char *
group_query(const struct probe_group *g, int64_t gap_id)
{
	if (g->log_records > 0 && g->witness_flows > 0)
		return sqlite3_mprintf("SELECT n.* FROM gap_evidence g JOIN "
		    "network_events n ON n.id = g.network_event_id WHERE "
		    "g.gap_id = %lld ORDER BY n.time_unix_us, n.id; SELECT * FROM "
		    "witness_flows WHERE gap_id = %lld ORDER BY time_unix_us, id",
		    (long long)gap_id, (long long)gap_id);
	if (g->log_records > 0)
		return sqlite3_mprintf("SELECT n.* FROM gap_evidence g JOIN "
		    "network_events n ON n.id = g.network_event_id WHERE "
		    "g.gap_id = %lld ORDER BY n.time_unix_us, n.id",
		    (long long)gap_id);
	return sqlite3_mprintf("SELECT * FROM witness_flows WHERE gap_id = %lld "
	    "ORDER BY time_unix_us, id", (long long)gap_id);
}

/* Tie a group's evidence rows and witness flows to its gap. */
static int
link_evidence(struct gap_context *context, const struct probe_group *g,
    int64_t gap_id)
{
	const char	*sql[2] = { evidence_sql, witness_link_sql };
	sqlite3_stmt	*s;
	int		 i;

	for (i = 0; i < 2; i++) {
		if (gap_prepare(context, sql[i], &s) == -1)
			return -1;
		sqlite3_bind_int64(s, 1, gap_id);
		sqlite3_bind_text(s, 2, g->source_host, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, g->key, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return gap_sql_error(context, "linking gap evidence");
		}
		sqlite3_finalize(s);
	}
	return 0;
}

/* One unlogged_traffic gap from one group, with its evidence. */
static int
add_group_gap(struct gap_context *context, const struct probe_group *g)
{
	struct gap	gap;
	int64_t		id;

	gap_init(&gap, "unlogged_traffic", looks_like_scan(g) ? GAP_HIGH : GAP_MEDIUM);
	gap.host = g->source_host;
	gap.related_host = g->target_host;
	gap.related_ip = g->target_ip;
	gap.first_unix_us = g->first_us;
	gap.last_unix_us = g->last_us;
	gap.first_time = g->first_time;
	gap.last_time = g->last_time;
	gap.event_count = g->log_records;
	if (context->options->zeek_conn_count + context->options->pcap_count > 0)
		gap.witness_count = g->witness_flows;
	gap.distinct_count = g->ports;
	gap.summary = group_summary(g);
	if (gap_insert(context, &gap, &id) == -1 ||
	    link_evidence(context, g, id) == -1)
		return -1;
	/* The query names the gap's id, known only now. */
	return gap_set_query(context, id, group_query(g, id));
}

int
gap_unlogged_traffic(struct gap_context *context)
{
	sqlite3_stmt		*s;
	struct probe_group	 g;
	int			 step, status = 0;

	if (gap_exec(context, create_probe_sql) == -1 ||
	    run_with_skew(context, target_log_probes_sql) == -1 ||
	    run_with_skew(context, mark_logged_sql) == -1 ||
	    gap_exec(context, witness_probes_sql) == -1)
		return -1;
	if (gap_prepare(context, group_sql, &s) == -1)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		read_group(s, &g);
		if ((status = add_group_gap(context, &g)) == -1)
			break;
	}
	if (status == 0 && step != SQLITE_DONE)
		status = gap_sql_error(context, "grouping unlogged traffic");
	sqlite3_finalize(s);
	return status;
}
