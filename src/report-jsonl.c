/*
 * report-jsonl.c: JSON Lines in Elastic Common Schema (ECS) names, for
 * Elasticsearch, OpenSearch and Splunk.
 *
 * One object per network event, finding and gap, in time order, nested the
 * ECS way ({"source":{"ip":...}}). SQLite builds each object with
 * json_object, which escapes quotes, backslashes and control characters;
 * json_patch against {} then drops the null members. Two things SQLite does
 * not do are done here: invalid UTF-8 (copied through by SQLite's JSON
 * functions) is replaced by U+FFFD, and fields ECS types strictly (ip, port,
 * pid) are left out when the log's value is not one, so a hostile value
 * cannot make Elasticsearch reject the document; the value as logged stays
 * under wfpsift.local / wfpsift.remote.
 *
 * The query joins each table once (the findings of an event come from one
 * grouped pass over finding_evidence), so its cost grows with the case, not
 * with events times evidence.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "report-internal.h"

/* ECS transport direction as seen from the host that logged the event. */
#define SQL_NETWORK_DIRECTION(direction) \
	"CASE " direction " WHEN 'inbound' THEN 'ingress'" \
	" WHEN 'outbound' THEN 'egress' ELSE 'unknown' END"

/* An address ECS's ip type accepts, or NULL. */
#define SQL_IP(column) "CASE WHEN wfpsift_valid_ip(" column ") THEN " column " END"

/* A port or pid ECS's long type accepts, or NULL. */
#define SQL_PORT(column) \
	"CASE WHEN typeof(" column ")='integer' AND " column \
	" BETWEEN 0 AND 65535 THEN " column " END"
#define SQL_PID(column) \
	"CASE WHEN typeof(" column ")='integer' AND " column " >= 0 THEN " \
	column " END"

/* user.name and user.domain from DOMAIN\name. */
#define SQL_USER_OBJECT(user, sid) \
	"CASE WHEN " user " IS NOT NULL THEN json_object(" \
	"'name', CASE WHEN instr(" user ",'\\') > 0" \
	" THEN substr(" user ", instr(" user ",'\\') + 1) ELSE " user " END," \
	"'domain', CASE WHEN instr(" user ",'\\') > 0" \
	" THEN substr(" user ", 1, instr(" user ",'\\') - 1) END," \
	"'id', " sid ") END"

/* ECS event.severity as a number: info 0, low 1 ... critical 4. */
#define SQL_SEVERITY_NUMBER(severity) \
	"CASE " severity " WHEN 'info' THEN 0 WHEN 'low' THEN 1" \
	" WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 END"

#define SQL_DENIED "n.action IN ('blocked','dropped','listen_blocked','bind_blocked')"

#define SQL_NETWORK_EVENT \
"SELECT n.time_unix_us AS time_us, 1 AS kind_order, n.id AS row_id," \
" json_patch('{}', json_object(" \
"  '@timestamp', n.time," \
"  'message', " REPORT_SQL_NETWORK_MESSAGE "," \
"  'ecs', json_object('version', '8.11.0')," \
"  'event', json_object('kind', 'event', 'category', json_array('network')," \
"   'type', CASE WHEN " SQL_DENIED " THEN json_array('connection','denied')" \
"    WHEN n.action IN ('listen','bind') THEN json_array('info','allowed')" \
"    WHEN n.action = 'connection' THEN json_array('connection','start')" \
"    ELSE json_array('connection','allowed') END," \
"   'outcome', CASE WHEN " SQL_DENIED " THEN 'failure' ELSE 'success' END," \
"   'code', CAST(n.event_id AS TEXT), 'action', n.action," \
"   'provider', n.provider, 'module', 'wfpsift'," \
"   'dataset', 'wfpsift.network', 'sequence', n.id)," \
"  'host', json_object('name', n.host)," \
"  'user', " SQL_USER_OBJECT("coalesce(a.user_name, n.user_name)", "a.user_sid") "," \
"  'process', json_object('pid', " SQL_PID("n.pid") "," \
"   'executable', n.application, 'name', n.application_name," \
"   'entity_id', n.process_guid)," \
"  'source', CASE WHEN n.direction = 'inbound'" \
"   THEN json_object('ip', " SQL_IP("n.remote_ip") ", 'port', " SQL_PORT("n.remote_port") ")" \
"   ELSE json_object('ip', " SQL_IP("n.local_ip") ", 'port', " SQL_PORT("n.local_port") ") END," \
"  'destination', CASE WHEN n.direction = 'inbound'" \
"   THEN json_object('ip', " SQL_IP("n.local_ip") ", 'port', " SQL_PORT("n.local_port") ")" \
"   ELSE json_object('ip', " SQL_IP("n.remote_ip") ", 'port', " SQL_PORT("n.remote_port") ") END," \
"  'network', json_object('transport', n.protocol_name," \
"   'iana_number', CAST(n.protocol AS TEXT)," \
"   'direction', " SQL_NETWORK_DIRECTION("n.direction") ")," \
"  'log', json_object('file', json_object('path', s.path))," \
"  'winlog', json_object('record_id', n.record_id," \
"   'event_id', CAST(n.event_id AS TEXT), 'computer_name', n.host," \
"   'provider_name', n.provider)," \
"  'wfpsift', json_object('kind', 'network', 'id', n.id," \
"   'source_sha256', s.sha256, 'recovered', n.recovered," \
"   'direction', n.direction, 'layer', n.layer," \
"   'local', json_object('ip', n.local_ip, 'port', n.local_port)," \
"   'remote', json_object('ip', n.remote_ip, 'port', n.remote_port)," \
"   'attribution', json_object('method', a.method, 'reason', a.reason," \
"    'process_row', a.process_row, 'logon_row', a.logon_row)," \
"   'finding_ids', json(fe.finding_ids))" \
" )) AS line" \
" FROM network_events n" \
" JOIN sources s ON s.id = n.source_id" \
" LEFT JOIN attribution a ON a.network_event_id = n.id" \
" LEFT JOIN (SELECT network_event_id, json_group_array(finding_id)" \
"  AS finding_ids FROM finding_evidence GROUP BY network_event_id) fe" \
"  ON fe.network_event_id = n.id"

#define SQL_FINDING \
"SELECT " REPORT_SQL_TIME_US("f.first_time") ", 0, f.id," \
" json_patch('{}', json_object(" \
"  '@timestamp', f.first_time," \
"  'message', f.summary," \
"  'ecs', json_object('version', '8.11.0')," \
"  'event', json_object('kind', 'alert'," \
"   'category', json_array('network', 'intrusion_detection')," \
"   'type', json_array('info'), 'action', f.detector," \
"   'severity', " SQL_SEVERITY_NUMBER("f.severity") "," \
"   'start', f.first_time, 'end', f.last_time," \
"   'module', 'wfpsift', 'dataset', 'wfpsift.finding')," \
"  'rule', json_object('name', f.detector, 'ruleset', 'wfpsift')," \
"  'host', json_object('name', f.host)," \
"  'user', " SQL_USER_OBJECT("f.user_name", "NULL") "," \
"  'process', json_object('name', f.application)," \
"  'source', json_object('ip', " SQL_IP("f.source_ip") ")," \
"  'destination', json_object('ip', " SQL_IP("f.destination_ip") "," \
"   'port', " SQL_PORT("f.destination_port") ")," \
"  'wfpsift', json_object('kind', 'finding', 'id', f.id," \
"   'severity', f.severity, 'distinct_count', f.distinct_count," \
"   'event_count', f.event_count, 'query', f.query," \
"   'source_ip', f.source_ip, 'destination_ip', f.destination_ip," \
"   'evidence_count', (SELECT count(*) FROM finding_evidence fe" \
"    WHERE fe.finding_id = f.id))" \
" ))" \
" FROM findings f"

/* A gap without a time is placed at the first record of its host. */
#define SQL_GAP_TIME \
"coalesce(g.first_time," \
" (SELECT min(time) FROM network_events WHERE host IS g.host)," \
" (SELECT min(time) FROM events WHERE host IS g.host)," \
" (SELECT min(time) FROM events))"

#define SQL_GAP \
"SELECT " REPORT_SQL_TIME_US(SQL_GAP_TIME) ", 0, g.id," \
" json_patch('{}', json_object(" \
"  '@timestamp', " SQL_GAP_TIME "," \
"  'message', g.summary," \
"  'ecs', json_object('version', '8.11.0')," \
"  'event', json_object('kind', 'event', 'category', json_array('configuration')," \
"   'type', json_array('info'), 'action', g.kind," \
"   'severity', " SQL_SEVERITY_NUMBER("g.severity") "," \
"   'start', g.first_time, 'end', g.last_time," \
"   'module', 'wfpsift', 'dataset', 'wfpsift.gap')," \
"  'rule', json_object('name', g.kind, 'ruleset', 'wfpsift')," \
"  'host', json_object('name', g.host)," \
"  'wfpsift', json_object('kind', 'gap', 'id', g.id, 'severity', g.severity," \
"   'query', g.query, 'undated', CASE WHEN g.first_time IS NULL" \
"    THEN json('true') END)" \
" ))" \
" FROM gaps g"

static const char jsonl_sql[] =
    "SELECT line FROM (" SQL_NETWORK_EVENT " UNION ALL " SQL_FINDING
    " UNION ALL " SQL_GAP ") ORDER BY time_us IS NULL, time_us, kind_order, row_id";

/*
 * SQL function wfpsift_valid_ip(text): 1 when text is an IPv4 or IPv6
 * address as inet_pton reads it (and holds no NUL), else 0.
 */
static void
valid_ip_function(sqlite3_context *context, int argc, sqlite3_value **argv)
{
	const char	*text;
	unsigned char	 address[sizeof(struct in6_addr)];
	int		 valid = 0;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_TEXT) {
		text = (const char *)sqlite3_value_text(argv[0]);
		if (text != NULL &&
		    strlen(text) == (size_t)sqlite3_value_bytes(argv[0]))
			valid = inet_pton(AF_INET, text, address) == 1 ||
			    inet_pton(AF_INET6, text, address) == 1;
	}
	sqlite3_result_int(context, valid);
}

int
report_write_jsonl(sqlite3 *db, FILE *out, char *error, size_t error_size)
{
	sqlite3_stmt	*statement;
	int		 status;

	if (sqlite3_create_function(db, "wfpsift_valid_ip", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
	    valid_ip_function, NULL, NULL) != SQLITE_OK)
		return report_sqlite_error(db, error, error_size,
		    "registering wfpsift_valid_ip");
	if (sqlite3_prepare_v2(db, jsonl_sql, -1, &statement, NULL) != SQLITE_OK)
		return report_sqlite_error(db, error, error_size,
		    "preparing the JSON Lines query");
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		report_put_json_repaired(out,
		    (const char *)sqlite3_column_text(statement, 0),
		    (size_t)sqlite3_column_bytes(statement, 0));
		putc('\n', out);
	}
	if (status != SQLITE_DONE)
		report_sqlite_error(db, error, error_size,
		    "reading events for JSON Lines");
	sqlite3_finalize(statement);
	return status == SQLITE_DONE ? 0 : -1;
}
