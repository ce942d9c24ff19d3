/*
 * report-timeline.c: the one timeline the CSV report and the HTML page's
 * table share: network events, findings and coverage gaps in time order.
 */
#include <stdio.h>

#include "report-internal.h"

/*
 * Every row in the column order of enum timeline_column, plus priority (0
 * finding or gap, 1 evidence of a finding, 2 any other event, for choosing
 * what a capped timeline keeps) and kind_order (markers before the events of
 * the same instant). Findings carry their initiator and target in source_* and
 * destination_*; network events get them from their direction: inbound
 * traffic was initiated by the remote end, anything else by the local end.
 * A gap without a time is placed at the first record of its host (or of the
 * case), and its timestamp_desc says so.
 */
#define TIMELINE_ROWS_SQL \
"WITH timeline_rows AS (" \
" SELECT 'network' AS kind, n.id AS row_id, n.time_unix_us AS time_us," \
"  'Event Recorded' AS time_desc," \
"  " REPORT_SQL_NETWORK_MESSAGE " AS message," \
"  NULL AS severity, NULL AS rule, n.host AS host," \
"  coalesce(a.user_name, n.user_name) AS user_name," \
"  coalesce(n.application, n.application_name) AS application, n.pid AS pid," \
"  n.local_ip AS local_ip, n.local_port AS local_port," \
"  n.remote_ip AS remote_ip, n.remote_port AS remote_port," \
"  CASE WHEN n.direction = 'inbound' THEN n.remote_ip ELSE n.local_ip END" \
"   AS source_ip," \
"  CASE WHEN n.direction = 'inbound' THEN n.local_ip ELSE n.remote_ip END" \
"   AS destination_ip," \
"  CASE WHEN n.direction = 'inbound' THEN n.local_port ELSE n.remote_port END" \
"   AS destination_port," \
"  n.protocol_name AS protocol, n.direction AS direction, n.action AS action," \
"  n.event_id AS event_id, n.record_id AS record_id," \
"  s.path AS source_file, s.sha256 AS source_sha256," \
"  CASE WHEN n.id IN (SELECT network_event_id FROM finding_evidence)" \
"   THEN 1 ELSE 2 END AS priority, 1 AS kind_order" \
" FROM network_events n" \
" JOIN sources s ON s.id = n.source_id" \
" LEFT JOIN attribution a ON a.network_event_id = n.id" \
" UNION ALL" \
" SELECT 'finding', f.id, " REPORT_SQL_TIME_US("f.first_time") "," \
"  'Finding First Seen'," \
"  '['||upper(f.severity)||'] '||f.detector||': '||coalesce(f.summary,'')," \
"  f.severity, f.detector, f.host, f.user_name, f.application, NULL," \
"  NULL, NULL, NULL, NULL, f.source_ip, f.destination_ip, f.destination_port," \
"  NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0" \
" FROM findings f" \
" UNION ALL" \
" SELECT 'gap', g.id, coalesce(" REPORT_SQL_TIME_US("g.first_time") "," \
"   (SELECT min(time_unix_us) FROM network_events WHERE host IS g.host)," \
"   (SELECT min(time_unix_us) FROM events WHERE host IS g.host)," \
"   (SELECT min(time_unix_us) FROM events))," \
"  CASE WHEN " REPORT_SQL_TIME_US("g.first_time") " IS NULL" \
"   THEN 'Coverage Gap (undated, placed at the first record of its host)'" \
"   ELSE 'Coverage Gap Start' END," \
"  '[GAP '||upper(g.severity)||'] '||g.kind||': '||coalesce(g.summary,'')," \
"  g.severity, g.kind, g.host, NULL, NULL, NULL," \
"  NULL, NULL, NULL, NULL, NULL, NULL, NULL," \
"  NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0" \
" FROM gaps g" \
") "

#define TIMELINE_COLUMNS \
"kind, row_id, time_us, time_desc, message, severity, rule, host, user_name," \
" application, pid, local_ip, local_port, remote_ip, remote_port, source_ip," \
" destination_ip, destination_port, protocol, direction, action, event_id," \
" record_id, source_file, source_sha256"

#define TIMELINE_ORDER "time_us IS NULL, time_us, kind_order, row_id"

static const char timeline_all_sql[] =
    TIMELINE_ROWS_SQL
    "SELECT " TIMELINE_COLUMNS " FROM timeline_rows ORDER BY " TIMELINE_ORDER;

static const char timeline_capped_sql[] =
    TIMELINE_ROWS_SQL
    "SELECT " TIMELINE_COLUMNS " FROM (SELECT * FROM timeline_rows"
    " ORDER BY priority, " TIMELINE_ORDER " LIMIT ?1)"
    " ORDER BY " TIMELINE_ORDER;

/* Prepare the timeline query; the caller steps and finalizes it. */
int
report_timeline_prepare(sqlite3 *db, int limit, sqlite3_stmt **statement,
    char *error, size_t error_size)
{
	const char	*sql = limit > 0 ? timeline_capped_sql : timeline_all_sql;

	if (sqlite3_prepare_v2(db, sql, -1, statement, NULL) != SQLITE_OK)
		return report_sqlite_error(db, error, error_size,
		    "preparing the timeline query");
	if (limit > 0 && sqlite3_bind_int(*statement, 1, limit) != SQLITE_OK) {
		sqlite3_finalize(*statement);
		*statement = NULL;
		return report_sqlite_error(db, error, error_size,
		    "binding the timeline limit");
	}
	return 0;
}
