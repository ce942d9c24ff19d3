# tests/detect-lib.sh: hand-built cases for the detect tests.
#
# A test writes rows as shell calls into a SQL script and loads it once:
#   new_case "$CASE"
#   net 1 WS01 100 outbound 6 10.0.0.5 50000 10.0.0.20 445 4242 \\windows\\x.exe >> "$SQL"
#   load "$CASE" "$SQL"
# Times are seconds after T0 (2026-11-02T00:00:00Z); the helpers store both
# the ISO text and the microseconds, as ingest does.

T0=1793577600

# new_case FILE: an empty case with the schema, one source and one event.
new_case() {
	rm -f "$1"
	"$WFPSIFT" schema | sqlite3 -batch "$1" >/dev/null
	sqlite3 -batch "$1" "INSERT INTO sources (id, path, size, sha256, ingested_at, status)
	    VALUES (1, 'hand-built', 0, 'hand-built', '2026-11-02T00:00:00Z', 'complete');
	    INSERT INTO events (id, source_id) VALUES (1, 1);"
}

# load CASE SCRIPT: run a SQL script of inserts in one transaction.
load() {
	{ echo "BEGIN;"; cat "$2"; echo "COMMIT;"; } | sqlite3 -batch "$1"
}

# q TEXT: TEXT as a SQL string literal, or NULL for '-'.
q() {
	if [ "$1" = "-" ]; then echo NULL; else printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; fi
}

# tsql SECONDS: the ISO text and microseconds of T0 + SECONDS, as SQL.
tsql() {
	echo "strftime('%Y-%m-%dT%H:%M:%S.0000000Z', $T0 + $1, 'unixepoch'), ($T0 + $1) * 1000000"
}

# net ID HOST SECONDS DIRECTION PROTOCOL LOCAL_IP LOCAL_PORT REMOTE_IP REMOTE_PORT
#     PID APP_PATH [ACTION [EVENT_ID [USER [GUID]]]]
# One network event; APP_PATH is the path after the volume or '-'.
net() {
	app_path=${11}
	app_name=${app_path##*\\}
	[ "$app_path" = "-" ] && app_name=-
	printf "%s\n" "INSERT INTO network_events (id, event_row, source_id, record_id, host,
	    time, time_unix_us, event_id, provider, action, direction, protocol,
	    protocol_name, local_ip, local_port, remote_ip, remote_port, pid,
	    application, application_path, application_name, user_name, process_guid)
	    VALUES ($1, 1, 1, $1, $(q "$2"), $(tsql "$3"), ${13:-5156},
	    'Microsoft-Windows-Security-Auditing', '${12:-allowed}', '$4', $5,
	    CASE $5 WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' END,
	    '$6', $7, '$8', $9, ${10}, $(q "$app_path"), $(q "$app_path"),
	    $(q "$app_name"), $(q "${14:--}"), $(q "${15:--}"));"
}

# proc ID HOST SECONDS KIND PID IMAGE_PATH USER DOMAIN SID LOGON_ID ELEVATED
#      [EVENT_ID [GUID]]
# One process start or exit (4688/4689, or Sysmon 1/5 with EVENT_ID 1/5).
proc() {
	image_name=${6##*\\}
	[ "$6" = "-" ] && image_name=-
	printf "%s\n" "INSERT INTO processes (id, event_row, source_id, record_id, host, time,
	    time_unix_us, event_id, kind, pid, image, image_path, image_name,
	    user_sid, user_name, user_domain, logon_id, elevated, process_guid)
	    VALUES ($1, 1, 1, $1, $(q "$2"), $(tsql "$3"),
	    ${12:-$([ "$4" = start ] && echo 4688 || echo 4689)}, '$4', $5,
	    $(q "C:$6"), $(q "$6"), $(q "$image_name"), $(q "$9"), $(q "$7"),
	    $(q "$8"), $(q "${10}"), $([ "${11}" = - ] && echo NULL || echo "${11}"),
	    $(q "${13:--}"));"
}

# logon ID HOST SECONDS LOGON_ID TYPE SOURCE_IP USER DOMAIN SID: one 4624.
logon() {
	printf "%s\n" "INSERT INTO logons (id, event_row, source_id, record_id, host, time,
	    time_unix_us, event_id, user_sid, user_name, user_domain, logon_id,
	    logon_type, source_ip) VALUES ($1, 1, 1, $1, $(q "$2"), $(tsql "$3"),
	    4624, $(q "$9"), $(q "$7"), $(q "$8"), $(q "$4"), $5, $(q "$6"));"
}

# net_series FIRST_ID COUNT HOST START STEP DIRECTION PROTOCOL LOCAL_IP
#            LOCAL_PORT REMOTE_IP REMOTE_PORT PID APP_PATH [ACTION]
# COUNT network events, ids FIRST_ID.., at START + n * STEP seconds. The
# address and port arguments are SQL expressions in n (0, 1, ...), e.g.
# "'10.0.1.' || (n + 1)" or "1 + n % 9". APP_PATH is a plain path or '-'.
net_series() {
	app_path=${13}
	app_name=${app_path##*\\}
	[ "$app_path" = "-" ] && app_name=-
	printf "%s\n" "INSERT INTO network_events (id, event_row, source_id,
	    record_id, host, time, time_unix_us, event_id, provider, action,
	    direction, protocol, protocol_name, local_ip, local_port, remote_ip,
	    remote_port, pid, application, application_path, application_name)
	    WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq
	      WHERE n < $2 - 1)
	    SELECT $1 + n, 1, 1, $1 + n, $(q "$3"),
	    strftime('%Y-%m-%dT%H:%M:%S.0000000Z', $T0 + $4 + n * $5, 'unixepoch'),
	    CAST(($T0 + $4 + n * $5) * 1000000 AS INTEGER), 5156,
	    'Microsoft-Windows-Security-Auditing', '${14:-allowed}', '$6', $7,
	    CASE $7 WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' END,
	    $8, $9, ${10}, ${11}, ${12}, $(q "$app_path"), $(q "$app_path"),
	    $(q "$app_name") FROM seq;"
}

# findings CASE: the findings as 'detector|severity|host|source|destination|port|distinct|events|service|rules|seen_from'.
findings() {
	sql "$1" "SELECT detector, severity, coalesce(host, '-'), coalesce(source_ip, '-'),
	    coalesce(destination_ip, '-'), coalesce(destination_port, '-'), distinct_count,
	    event_count, coalesce(service, '-'), coalesce(reference_rules, '-'),
	    coalesce(seen_from, '-') FROM findings ORDER BY id"
}
