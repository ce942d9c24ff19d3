#!/bin/sh
# gaps: traffic a host sent that its own log never recorded.
#
# WS01 (10.0.0.5) probes ports 1-100 of SRV01 (10.0.0.20) at 09:00:01,
# one a second. In the SYN scan WS01's log has only nmap.exe's DNS lookup
# and ICMP echo; SRV01 logs every probe (5152 drops, 5156 accepts for the
# open ports 22 and 80). In the connect scan WS01 also logs a 5156 for
# every probe. Witnesses of the same scans come from tests/mkpcap and
# tests/mkconnlog.sh.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/gaps-lib.sh"
MKPCAP="$top_builddir/tests/mkpcap"
MKCONNLOG="$top_srcdir/tests/mkconnlog.sh"
START=1793610001	# 2026-11-02 09:00:01 UTC

plan 33

# scan_case CASE syn|connect [no-srv01-log] [ws01-log-ends-early]
scan_case() {
	{
		background ws01.evtx WS01.corp.local
		[ "$3" = no-srv01-log ] || background srv01.evtx SRV01.corp.local
		cat <<'SQL'
INSERT INTO spec(source, host, t, event_id, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app) VALUES
 ('ws01.evtx', 'WS01.corp.local', '2026-11-02 08:10:00', 4688, NULL, NULL, NULL, NULL, NULL, NULL, 1200, 'chrome.exe'),
 ('ws01.evtx', 'WS01.corp.local', '2026-11-02 08:30:00', 5156, 'outbound', 6, '10.0.0.5', 50000, '10.0.0.20', 443, 1200, 'chrome.exe'),
 ('ws01.evtx', 'WS01.corp.local', '2026-11-02 08:59:00', 4688, NULL, NULL, NULL, NULL, NULL, NULL, 4242, 'nmap.exe'),
 ('ws01.evtx', 'WS01.corp.local', '2026-11-02 09:00:00', 5156, 'outbound', 17, '10.0.0.5', 53001, '10.0.0.2', 53, 4242, 'nmap.exe'),
 ('ws01.evtx', 'WS01.corp.local', '2026-11-02 09:00:00', 5156, 'outbound', 1, '10.0.0.5', 8, '10.0.0.20', 0, 4242, 'nmap.exe');
SQL
		[ "$3" = no-srv01-log ] || cat <<'SQL'
INSERT INTO spec(source, host, t, event_id, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app) VALUES
 ('srv01.evtx', 'SRV01.corp.local', '2026-11-02 08:30:00', 5156, 'inbound', 6, '10.0.0.20', 443, '10.0.0.5', 50000, 4, 'System'),
 ('srv01.evtx', 'SRV01.corp.local', '2026-11-02 09:00:00', 5156, 'inbound', 1, '10.0.0.20', 8, '10.0.0.5', 0, 0, NULL);
SQL
		sport="61000"
		[ "$2" = connect ] && sport="50000 + k"
		[ "$3" = no-srv01-log ] || cat <<SQL
INSERT INTO spec(source, host, t, event_id, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app)
  SELECT 'srv01.evtx', 'SRV01.corp.local',
    datetime('2026-11-02 09:00:01', '+' || k || ' seconds'),
    CASE WHEN k + 1 IN (22, 80) THEN 5156 ELSE 5152 END, 'inbound', 6,
    '10.0.0.20', k + 1, '10.0.0.5', $sport, 4, 'System'
  FROM series WHERE k < 100;
SQL
		[ "$2" = connect ] && cat <<'SQL'
INSERT INTO spec(source, host, t, event_id, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app)
  SELECT 'ws01.evtx', 'WS01.corp.local',
    datetime('2026-11-02 09:00:01', '+' || k || ' seconds'), 5156, 'outbound',
    6, '10.0.0.5', 50000 + k, '10.0.0.20', k + 1, 4242, 'nmap.exe'
  FROM series WHERE k < 100;
SQL
		[ "$4" = ws01-log-ends-early ] &&
		    echo "DELETE FROM spec WHERE host = 'WS01.corp.local' AND t > '2026-11-02 09:00:00';"
	} | make_case "$1"
}

SYN="$TEST_TMP/syn.db"
CONNECT="$TEST_TMP/connect.db"
scan_case "$SYN" syn
scan_case "$CONNECT" connect
"$MKPCAP" -o "$TEST_TMP/syn.pcap" --mode syn --src 10.0.0.5 --dst 10.0.0.20 \
    --start $START --step-ms 1000 --ports 1-100 --open 22,80 --filtered 90-100
"$MKPCAP" -o "$TEST_TMP/connect.pcap" --mode connect --src 10.0.0.5 \
    --dst 10.0.0.20 --start $START --step-ms 1000 --ports 1-100 --open 22,80 \
    --filtered 90-100 --link raw
sh "$MKCONNLOG" tsv syn 10.0.0.5 10.0.0.20 $START 1000 1-100 22,80 90-100 > "$TEST_TMP/syn.log"
sh "$MKCONNLOG" json syn 10.0.0.5 10.0.0.20 $START 1000 1-100 22,80 90-100 > "$TEST_TMP/syn.json"
sh "$MKCONNLOG" tsv connect 10.0.0.5 10.0.0.20 $START 1000 1-100 22,80 90-100 > "$TEST_TMP/connect.log"
gzip -c "$TEST_TMP/syn.log" > "$TEST_TMP/syn.log.gz"

# --- the SYN scan, from the target's log alone
"$WFPSIFT" gaps -d "$SYN" > "$TEST_TMP/out" 2>&1
ok $? "gaps runs on the SYN scan case"
is "$(gap_rows "$SYN")" \
"unlogged_traffic|WS01.corp.local|SRV01.corp.local|2026-11-02T09:00:01|2026-11-02T09:01:40|100|100||
raw_socket_suspected|WS01.corp.local||2026-11-02T09:00:00|2026-11-02T09:00:00|1|1||" \
    "SYN scan: one unlogged_traffic gap on the scanner naming the target, and nmap.exe's ICMP-only discovery"
is "$(sql "$SYN" "SELECT related_ip, severity FROM gaps WHERE kind = 'unlogged_traffic'")" \
    "10.0.0.20|high" "the gap names the target's address, severity high"
is "$(sql "$SYN" "SELECT count(*), count(DISTINCT n.remote_ip), min(n.host), max(n.host),
    sum(n.event_id = 5156), min(n.local_port), max(n.local_port)
    FROM gap_evidence g JOIN network_events n ON n.id = g.network_event_id WHERE g.gap_id = 1")" \
    "100|1|SRV01.corp.local|SRV01.corp.local|2|1|100" \
    "its evidence is SRV01's 100 records of the probes (2 accepts), none of the matched ones"
query=$(sql "$SYN" "SELECT query FROM gaps WHERE id = 1")
is "$(sql "$SYN" "SELECT count(*) FROM ($query)")" 100 "the gap's query lists the 100 records"
grep -q "raw-socket SYN scan" "$TEST_TMP/out"
ok $? "the printed summary names the raw-socket SYN scan signature"
is "$(sql "$SYN" "SELECT count(*) FROM gap_evidence WHERE gap_id = 2")" 1 \
    "raw_socket_suspected evidence: nmap.exe's ICMP record, once per gap"
grep -q "Process nmap.exe (PID 4242) on WS01.corp.local sent 1 ICMP" "$TEST_TMP/out"
ok $? "raw_socket_suspected names the process"

# --- witnesses of the SYN scan
"$WFPSIFT" gaps -d "$SYN" -q --pcap "$TEST_TMP/syn.pcap" >/dev/null
ok $? "gaps --pcap runs"
is "$(sql "$SYN" "SELECT event_count, distinct_count, witness_count FROM gaps WHERE kind = 'unlogged_traffic'")" \
    "100|100|100" "pcap: the 100 SYN-only, rejected or half-open flows are counted"
is "$(sql "$SYN" "SELECT state, count(*), sum(logged), count(gap_id) FROM witness_flows GROUP BY state ORDER BY state")" \
"half_open|2|0|2
rejected|87|0|87
syn_only|11|0|11" "pcap: open ports half open, filtered ones SYN only, the rest rejected; none logged"
is "$(sql "$SYN" "SELECT host, orig_ip, orig_port, resp_ip, resp_port, time, line FROM witness_flows ORDER BY id LIMIT 1")" \
    "WS01.corp.local|10.0.0.5|61000|10.0.0.20|1|2026-11-02T09:00:01.0000000Z|1" \
    "pcap: a flow's addresses, ports, time and first packet"
"$WFPSIFT" gaps -d "$SYN" -q --zeek-conn "$TEST_TMP/syn.log" >/dev/null
is "$(sql "$SYN" "SELECT witness_count FROM gaps WHERE kind = 'unlogged_traffic'")|$(sql "$SYN" "SELECT count(*) FROM witness_flows WHERE witness = 'zeek' AND conn_state = 'REJ' AND history = 'Sr'")" \
    "100|87" "Zeek TSV conn.log: 100 flows counted, REJ kept as logged"
"$WFPSIFT" gaps -d "$SYN" -q --zeek-conn "$TEST_TMP/syn.json" >/dev/null
is "$(sql "$SYN" "SELECT witness_count FROM gaps WHERE kind = 'unlogged_traffic'")" 100 "Zeek JSON conn.log: 100 flows"
"$WFPSIFT" gaps -d "$SYN" -q --zeek-conn "$TEST_TMP/syn.log.gz" --pcap "$TEST_TMP/syn.pcap" >/dev/null
is "$(sql "$SYN" "SELECT witness_count FROM gaps WHERE kind = 'unlogged_traffic'")|$(sql "$SYN" "SELECT count(*) FROM witness_flows")" \
    "100|200" "gzipped conn.log and pcap together: each flow counted once"
query=$(sql "$SYN" "SELECT query FROM gaps WHERE id = 1")
is "$(sql "$SYN" "$query" | wc -l | tr -d ' ')" 300 "with witnesses the query lists the 100 records and both witnesses' 100 flows"

# --- determinism: the same case gives the same gaps
"$WFPSIFT" gaps -d "$SYN" -q >/dev/null
first=$(sql "$SYN" "SELECT * FROM gaps ORDER BY id")
"$WFPSIFT" gaps -d "$SYN" -q >/dev/null
is "$(sql "$SYN" "SELECT * FROM gaps ORDER BY id")" "$first" "a second run replaces the gaps with the same rows"
is "$(sql "$SYN" "SELECT count(*) FROM witness_flows")" 0 "a run without witnesses leaves no witness flows"

# --- the connect scan: everything was logged
"$WFPSIFT" gaps -d "$CONNECT" -q >/dev/null
ok $? "gaps runs on the connect scan case"
is "$(sql "$CONNECT" "SELECT count(*) FROM gaps")" 0 "connect scan: no gap at all"
"$WFPSIFT" gaps -d "$CONNECT" -q --pcap "$TEST_TMP/connect.pcap" --zeek-conn "$TEST_TMP/connect.log" >/dev/null
is "$(sql "$CONNECT" "SELECT count(*) FROM gaps")" 0 "connect scan with witnesses: still no gap"
is "$(sql "$CONNECT" "SELECT witness, count(*), sum(logged) FROM witness_flows GROUP BY witness ORDER BY witness")" \
"pcap|98|98
zeek|98|98" "connect scan: the rejected and unanswered flows are all in WS01's log (the completed ones are not kept)"

# --- when the scanner's log proves nothing, nothing is claimed
ENDS="$TEST_TMP/ends.db"
scan_case "$ENDS" syn "" ws01-log-ends-early
"$WFPSIFT" gaps -d "$ENDS" -q >/dev/null
is "$(sql "$ENDS" "SELECT count(*) FROM gaps WHERE kind = 'unlogged_traffic'")" 0 \
    "no unlogged_traffic when the scanner's log ends before the probes"
NOSUCCESS="$TEST_TMP/nosuccess.db"
scan_case "$NOSUCCESS" syn
sql "$NOSUCCESS" "UPDATE events SET event_id = 5157 WHERE host = 'WS01.corp.local' AND event_id = 5156;
    UPDATE network_events SET event_id = 5157, action = 'blocked' WHERE host = 'WS01.corp.local'"
"$WFPSIFT" gaps -d "$NOSUCCESS" -q >/dev/null
is "$(sql "$NOSUCCESS" "SELECT kind FROM gaps WHERE host = 'WS01.corp.local' AND kind IN ('unlogged_traffic', 'wfp_failures_only')")" \
    "wfp_failures_only" "a scanner whose log records no permitted connection: wfp_failures_only, not unlogged_traffic"
SHARED="$TEST_TMP/shared.db"
scan_case "$SHARED" syn
sql "$SHARED" "UPDATE network_events SET local_ip = '10.0.0.5' WHERE host = 'SRV01.corp.local' AND id = (SELECT min(id) FROM network_events WHERE host = 'SRV01.corp.local' AND direction = 'inbound' AND protocol = 6)"
"$WFPSIFT" gaps -d "$SHARED" -q >/dev/null
is "$(sql "$SHARED" "SELECT count(*) FROM gaps WHERE kind = 'unlogged_traffic'")" 0 \
    "an address two hosts claim names neither: no unlogged_traffic"

# --- the target's log is not in the case: the witness alone shows the scan
ALONE="$TEST_TMP/alone.db"
scan_case "$ALONE" syn no-srv01-log
"$WFPSIFT" gaps -d "$ALONE" -q >/dev/null
is "$(sql "$ALONE" "SELECT count(*) FROM gaps WHERE kind = 'unlogged_traffic'")" 0 \
    "without the target's log or a witness, no unlogged_traffic"
"$WFPSIFT" gaps -d "$ALONE" -q --pcap "$TEST_TMP/syn.pcap" >/dev/null
is "$(sql "$ALONE" "SELECT kind, host, coalesce(related_host, '-'), related_ip, substr(first_time, 1, 19), substr(last_time, 1, 19), event_count, witness_count FROM gaps WHERE kind = 'unlogged_traffic'")" \
    "unlogged_traffic|WS01.corp.local|-|10.0.0.20|2026-11-02T09:00:01|2026-11-02T09:01:40|0|100" \
    "with a pcap, the unlogged flows of a target outside the case are a gap"
# The same scan as pcapng, with an 802.1Q tag and only 58 bytes of each
# packet kept (the TCP header up to its flags): the same witness flows.
"$MKPCAP" -o "$TEST_TMP/syn.pcapng" --format pcapng --link vlan --snaplen 52 \
    --mode syn --src 10.0.0.5 --dst 10.0.0.20 --start $START --step-ms 1000 \
    --ports 1-100 --open 22,80 --filtered 90-100
witness_dump() {
	sql "$1" "SELECT line, time, host, orig_ip, orig_port, resp_ip, resp_port, state FROM witness_flows ORDER BY id"
}
witness_dump "$ALONE" > "$TEST_TMP/flows-pcap"
"$WFPSIFT" gaps -d "$ALONE" -q --pcap "$TEST_TMP/syn.pcapng" >/dev/null
ok $? "gaps --pcap reads pcapng"
witness_dump "$ALONE" > "$TEST_TMP/flows-pcapng"
is "$(wc -l < "$TEST_TMP/flows-pcapng" | tr -d ' ')|$(diff "$TEST_TMP/flows-pcap" "$TEST_TMP/flows-pcapng" | head -n 3)" "100|" \
    "pcapng, VLAN-tagged, cut to 52 bytes a packet: the same 100 flows as the pcap"

# --- IPv6, and link types other than Ethernet
V6="$TEST_TMP/v6.db"
scan_case "$V6" syn no-srv01-log
sql "$V6" "UPDATE network_events SET local_ip = 'fd00::5' WHERE local_ip = '10.0.0.5'"
"$MKPCAP" -o "$TEST_TMP/v6.pcap" --mode syn --src fd00::5 --dst fd00::20 \
    --start $START --step-ms 500 --ports 1-10 --link sll
"$WFPSIFT" gaps -d "$V6" -q --pcap "$TEST_TMP/v6.pcap" >/dev/null
is "$(sql "$V6" "SELECT related_ip, witness_count, distinct_count FROM gaps WHERE kind = 'unlogged_traffic'")" \
    "fd00::20|10|10" "IPv6 over Linux cooked capture: 10 flows"

# --- a witness that cannot be read fails the run and changes nothing
before=$(sql "$SYN" "SELECT count(*) FROM gaps")
printf 'not a conn.log\n' > "$TEST_TMP/junk.log"
"$WFPSIFT" gaps -d "$SYN" -q --zeek-conn "$TEST_TMP/junk.log" > /dev/null 2> "$TEST_TMP/err"
is $? 1 "an unreadable conn.log: exit status 1"
grep -q "junk.log: not a Zeek conn.log" "$TEST_TMP/err"
ok $? "the error names the file"
"$WFPSIFT" gaps -d "$SYN" -q --pcap "$TEST_TMP/junk.log" > /dev/null 2>&1
is "$?|$(sql "$SYN" "SELECT count(*) FROM gaps")" "1|$before" "an unreadable pcap: exit 1, the case's gaps untouched"
