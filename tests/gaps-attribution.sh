#!/bin/sh
# gaps: connections no process creation explains, and detector coverage.
#
# NOPROC01 has connection records and no process creation record at all;
# LATE01's process creation records start at 12:00, so its earlier
# connections are unexplained; FULL01 explains every connection. System
# (PID 4) and packet drops are never counted.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/gaps-lib.sh"

plan 9

CASE="$TEST_TMP/attribution.db"
{
	background noproc.evtx NOPROC01
	background late.evtx LATE01
	steady full.evtx FULL01 10.0.2.3
	cat <<'SQL'
INSERT INTO spec(source, host, t, event_id, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app)
  SELECT 'noproc.evtx', 'NOPROC01', datetime('2026-11-02 09:00:00', '+' || k || ' minutes'),
    5156, 'outbound', 6, '10.0.2.1', 50000 + k, '10.0.0.9', 443, 1000 + k % 3, 'app.exe'
  FROM series WHERE k < 30;
INSERT INTO spec(source, host, t, event_id, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app) VALUES
  ('noproc.evtx', 'NOPROC01', '2026-11-02 09:30:00', 5156, 'inbound', 6, '10.0.2.1', 445, '10.0.0.9', 50999, 4, 'System'),
  ('noproc.evtx', 'NOPROC01', '2026-11-02 09:31:00', 5152, 'inbound', 6, '10.0.2.1', 23, '10.0.0.9', 50998, 0, NULL);
INSERT INTO spec(source, host, t, event_id, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app)
  SELECT 'late.evtx', 'LATE01', datetime('2026-11-02 10:00:00', '+' || (k * 15) || ' minutes'),
    5156, 'outbound', 6, '10.0.2.2', 50000 + k, '10.0.0.9', 443, 2000, 'edge.exe'
  FROM series WHERE k < 20;
INSERT INTO spec(source, host, t, event_id, pid, app) VALUES
  ('late.evtx', 'LATE01', '2026-11-02 12:00:00', 4688, 2000, 'edge.exe');
SQL
} | make_case "$CASE"

"$WFPSIFT" gaps -d "$CASE" > "$TEST_TMP/out" 2>&1
ok $? "gaps runs"
is "$(sql "$CASE" "SELECT host, substr(first_time, 1, 19), substr(last_time, 1, 19), event_count, severity
      FROM gaps WHERE kind = 'unattributed_connections' ORDER BY host")" \
"LATE01|2026-11-02T10:00:00|2026-11-02T11:45:00|8|low
NOPROC01|2026-11-02T09:00:00|2026-11-02T09:29:00|30|medium" \
    "unattributed connections per host, with their span; none on FULL01; System and drops not counted"
grep -q "the case holds no process creation record (4688 or Sysmon 1) of NOPROC01 at all" "$TEST_TMP/out"
ok $? "a host without process creation records is said to have had process auditing off"
grep -q "8 of 20 connection records on LATE01 (40%)" "$TEST_TMP/out"
ok $? "the share of unexplained connections is given"
query=$(sql "$CASE" "SELECT query FROM gaps WHERE kind = 'unattributed_connections' AND host = 'LATE01'")
is "$(sql "$CASE" "SELECT count(*), min(time), max(time) FROM ($query)")" \
    "8|2026-11-02T10:00:00.0000000Z|2026-11-02T11:45:00.0000000Z" "the gap's query lists those 8 records"

# attribution from wfpsift detect is used where it exists
sql "$CASE" "INSERT INTO attribution(network_event_id, process_row, method)
    SELECT id, NULL, NULL FROM network_events WHERE host = 'FULL01';
    INSERT INTO attribution(network_event_id, process_row, user_name, method)
    SELECT id, NULL, 'CORP\\bob', 'sysmon_user' FROM network_events
    WHERE host = 'NOPROC01' AND pid = 1000"
"$WFPSIFT" gaps -d "$CASE" -q > /dev/null
is "$(sql "$CASE" "SELECT host, event_count FROM gaps WHERE kind = 'unattributed_connections' ORDER BY host")" \
"FULL01|1
LATE01|8
NOPROC01|20" "the attribution table's verdicts win over the simple PID check"

# coverage: what each detector could see on each host
is "$(sql "$CASE" "SELECT detector, record_count, coalesce(attributed_count, '-'), finding_count
      FROM coverage WHERE host = 'LATE01' ORDER BY id")" \
"port_sweep|20|-|0
host_sweep|20|-|0
app_misuse|20|12|0" "coverage of LATE01: 20 outbound records, 12 of them attributed"
sql "$CASE" "INSERT INTO findings(detector, severity, host, summary) VALUES ('port_sweep', 'high', 'NOPROC01', 'x')"
"$WFPSIFT" gaps -d "$CASE" -q > /dev/null
is "$(sql "$CASE" "SELECT finding_count FROM coverage WHERE host = 'NOPROC01' AND detector = 'port_sweep'")" 1 \
    "coverage counts the detector's findings on the host"
grep -q "port_sweep on NOPROC01: 0 findings; 30 outbound connection records from 2026-11-02T09:00:00 to 2026-11-02T09:29:00 (30 TCP, 0 UDP, 0 other) to 1 distinct port. TCP probes sent through raw sockets (nmap -sS) never appear in them" "$TEST_TMP/out"
ok $? "the printed coverage says what a port sweep detector could and could not see"
