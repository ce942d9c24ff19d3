#!/bin/sh
# gaps on the scenario fixtures (testdata/*.md say what each one holds).
# A fixture not yet in testdata/ is skipped, assertion by assertion.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/gaps-lib.sh"
MKPCAP="$top_builddir/tests/mkpcap"
MKCONNLOG="$top_srcdir/tests/mkconnlog.sh"

# fixture_case NAME...: a new case of those fixtures in $case_path;
# false (and the assertions skipped) when one is missing.
fixture_case() {
	case_path="$TEST_TMP/$(echo "$@" | tr ' ' '+').db"
	rm -f "$case_path"
	for name in "$@"; do
		[ -f "$TESTDATA/$name.evtx" ] || return 1
	done
	files=""
	for name in "$@"; do files="$files $TESTDATA/$name.evtx"; done
	# shellcheck disable=SC2086
	"$WFPSIFT" ingest -q -d "$case_path" $files
}

# --- connect-scan: WS05 (10.0.10.25) nmap -sT of SRV-FILE01 (10.0.20.10),
# ports 1-1000 from 09:42:16, every probe in WS05's own log.
START=1710150136	# 2024-03-11T09:42:16Z
if fixture_case connect-scan; then
	CASE="$case_path"
	"$WFPSIFT" gaps -d "$CASE" > "$TEST_TMP/out"
	ok $? "connect-scan: gaps runs"
	is "$(sql "$CASE" "SELECT count(*) FROM gaps")" 0 \
	    "connect-scan: no gap at all (the scanner logged every connect())"
	is "$(sql "$CASE" "SELECT detector, record_count, finding_count FROM coverage ORDER BY id")" \
"port_sweep|1137|0
host_sweep|1137|0
app_misuse|1133|0" "connect-scan: coverage: the 1137 outbound records the sweep detectors read, 1133 not System's"
	"$MKPCAP" -o "$TEST_TMP/connect.pcap" --mode connect --src 10.0.10.25 \
	    --dst 10.0.20.10 --start $START --step-ms 45 --ports 1-1000 \
	    --open 135,139,445,1433
	sh "$MKCONNLOG" tsv connect 10.0.10.25 10.0.20.10 $START 45 1-1000 \
	    135,139,445,1433 > "$TEST_TMP/connect.log"
	"$WFPSIFT" gaps -d "$CASE" -q --pcap "$TEST_TMP/connect.pcap" \
	    --zeek-conn "$TEST_TMP/connect.log" > /dev/null
	is "$(sql "$CASE" "SELECT count(*) FROM gaps WHERE kind = 'unlogged_traffic'")" 0 \
	    "connect-scan with a pcap and a conn.log: still no unlogged traffic"
	is "$(sql "$CASE" "SELECT witness, count(*), sum(logged) FROM witness_flows GROUP BY witness ORDER BY witness")" \
"pcap|997|997
zeek|997|997" "connect-scan: every rejected flow the witnesses saw is in WS05's log"

	# The same host scanning with raw sockets: its TCP records gone, only
	# the witnesses see the probes.
	sql "$CASE" "DELETE FROM network_events WHERE host = 'WS05.corp.example'
	    AND remote_ip = '10.0.20.10' AND protocol = 6 AND pid = 6700"
	"$MKPCAP" -o "$TEST_TMP/syn.pcap" --mode syn --src 10.0.10.25 \
	    --dst 10.0.20.10 --start $START --step-ms 45 --ports 1-1000 \
	    --open 135,139,445,1433
	sh "$MKCONNLOG" json syn 10.0.10.25 10.0.20.10 $START 45 1-1000 \
	    135,139,445,1433 > "$TEST_TMP/syn.json"
	"$WFPSIFT" gaps -d "$CASE" -q --pcap "$TEST_TMP/syn.pcap" > /dev/null
	is "$(sql "$CASE" "SELECT kind, host, coalesce(related_host, '-'), related_ip,
	      substr(first_time, 1, 19), substr(last_time, 1, 19), event_count,
	      distinct_count, witness_count, severity FROM gaps WHERE kind = 'unlogged_traffic'")" \
	    "unlogged_traffic|WS05.corp.example|-|10.0.20.10|2024-03-11T09:42:16|2024-03-11T09:43:00|0|1000|1000|high" \
	    "raw-socket scan from the connect-scan host: the pcap's 1000 half-open and rejected flows are counted"
	"$WFPSIFT" gaps -d "$CASE" -q --zeek-conn "$TEST_TMP/syn.json" > /dev/null
	is "$(sql "$CASE" "SELECT witness_count FROM gaps WHERE kind = 'unlogged_traffic'")" 1000 \
	    "the same with a Zeek conn.log"
else
	for i in 1 2 3 4 5 6 7; do skip "connect-scan fixture" "testdata/connect-scan.evtx missing"; done
fi

# --- syn-scan: WS05 nmap -sS of SRV-FILE01 (syn-scan.md), both logs
SYN_START=1710324904	# 2024-03-13T10:15:04Z, the first SYN
if fixture_case syn-scan-ws05 syn-scan-srv-file01; then
	CASE="$case_path"
	"$WFPSIFT" gaps -d "$CASE" > "$TEST_TMP/out"
	ok $? "syn-scan: gaps runs"
	is "$(gap_rows "$CASE")" \
"unlogged_traffic|WS05.corp.example|SRV-FILE01.corp.example|2024-03-13T10:15:04|2024-03-13T10:15:34|1000|1000||
raw_socket_suspected|WS05.corp.example||2024-03-13T10:15:03|2024-03-13T10:15:03|2|1||CORP\\bob
unattributed_connections|SRV-FILE01.corp.example||2024-03-13T09:30:32|2024-03-13T10:51:27|79|||" \
	    "syn-scan: the 1000 probes WS05 never logged, nmap.exe's ICMP-only discovery by bob, SRV-FILE01's unattributable connections; nothing else"
	is "$(sql "$CASE" "SELECT related_ip, severity FROM gaps WHERE id = 1")" "10.0.20.10|high" \
	    "syn-scan: the gap names the target's address"
	is "$(sql "$CASE" "SELECT count(*), sum(n.event_id = 5156), sum(n.event_id = 5152),
	      count(DISTINCT n.local_port), min(n.remote_ip), max(n.remote_port)
	      FROM gap_evidence g JOIN network_events n ON n.id = g.network_event_id WHERE g.gap_id = 1")" \
	    "1000|3|997|1000|10.0.10.25|48213" \
	    "syn-scan: evidence is SRV-FILE01's 3 accepts and 997 drops from 10.0.10.25:48213"
	grep -q "signature of a raw-socket SYN scan" "$TEST_TMP/out"
	ok $? "syn-scan: named as the raw-socket SYN scan signature"
	grep -q "started by CORP\\\\bob with an elevated token" "$TEST_TMP/out"
	ok $? "syn-scan: the raw socket suspect is bob's elevated nmap.exe"
	"$MKPCAP" -o "$TEST_TMP/synscan.pcap" --mode syn --src 10.0.10.25 \
	    --dst 10.0.20.10 --start $SYN_START --step-ms 30 --ports 1-1000 \
	    --open 135,139,445
	sh "$MKCONNLOG" tsv syn 10.0.10.25 10.0.20.10 $SYN_START 30 1-1000 \
	    135,139,445 > "$TEST_TMP/synscan.log"
	"$WFPSIFT" gaps -d "$CASE" -q --pcap "$TEST_TMP/synscan.pcap" > /dev/null
	is "$(sql "$CASE" "SELECT event_count, distinct_count, witness_count FROM gaps WHERE kind = 'unlogged_traffic'")" \
	    "1000|1000|1000" "syn-scan with a pcap: the 1000 SYN-only flows are counted in the same gap"
	is "$(sql "$CASE" "SELECT state, count(*) FROM witness_flows GROUP BY state ORDER BY state")" \
"half_open|3
rejected|997" "syn-scan pcap: three half open, the rest rejected"
	"$WFPSIFT" gaps -d "$CASE" -q --zeek-conn "$TEST_TMP/synscan.log" > /dev/null
	is "$(sql "$CASE" "SELECT count(*), sum(witness_count) FROM gaps WHERE kind = 'unlogged_traffic'")" \
	    "1|1000" "syn-scan with a conn.log: one gap, 1000 flows"
else
	for i in 1 2 3 4 5 6 7 8 9; do skip "syn-scan fixture" "testdata/syn-scan-*.evtx missing"; done
fi
if fixture_case syn-scan-ws05; then
	"$WFPSIFT" gaps -d "$case_path" -q > /dev/null
	is "$(sql "$case_path" "SELECT kind FROM gaps ORDER BY id")" "raw_socket_suspected" \
	    "syn-scan, the scanner's log alone: only the raw socket suspicion"
else
	skip "syn-scan scanner alone" "testdata/syn-scan-ws05.evtx missing"
fi

# --- forwarded: five hosts in one WEF file (forwarded.md)
if fixture_case forwarded; then
	"$WFPSIFT" gaps -d "$case_path" -q > /dev/null
	is "$(sql "$case_path" "SELECT kind, host, event_count FROM gaps ORDER BY id")" \
"unattributed_connections|DC01.corp.example|40
unattributed_connections|WS01.corp.example|49
unattributed_connections|WS02.corp.example|49
unattributed_connections|WS04.corp.example|49" \
	    "forwarded: unattributed connections per Computer; no record-id gap; no traffic claimed unlogged from forwarded copies"
else
	skip "forwarded fixture" "testdata/forwarded.evtx missing"
fi

# --- sysmon: WS09's Sysmon log only (sysmon.md)
if fixture_case sysmon; then
	"$WFPSIFT" gaps -d "$case_path" -q > /dev/null
	is "$(sql "$case_path" "SELECT count(*) FROM gaps")|$(sql "$case_path" "SELECT record_count FROM coverage WHERE detector = 'host_sweep'")" \
	    "0|$(sql "$case_path" "SELECT count(*) FROM network_events WHERE direction = 'outbound'")" \
	    "sysmon: no gap; the sweep detectors' coverage is the Sysmon 3 records"
	is "$(sql "$case_path" "SELECT count(*) FROM coverage WHERE detector = 'host_sweep'
	      AND summary LIKE '%All of them are Sysmon''s: the case holds no WFP record%'")" 1 \
	    "sysmon: coverage says no WFP record saw WS09's traffic"
else
	skip "sysmon fixture" "testdata/sysmon.evtx missing"
fi

# --- app-misuse: a week of two workstations, shut down every evening
for name in app-misuse-ws01 app-misuse-ws07; do
	if fixture_case $name; then
		"$WFPSIFT" gaps -d "$case_path" -q > /dev/null
		is "$(sql "$case_path" "SELECT kind, severity, count(*) FROM gaps
		      WHERE kind IN ('log_service_stopped', 'time_gap') GROUP BY 1, 2 ORDER BY 1, 2")" \
"log_service_stopped|info|4
log_service_stopped|medium|1" \
		    "$name: four nights are shutdowns until the next boot, the last 1100 ends the log; no silence besides"
	else
		skip "$name" "testdata/$name.evtx missing"
	fi
done

# --- integrity: WS04's tampered, damaged log (integrity.md): each planted
# problem once, with its times and account, and nothing else
if fixture_case integrity; then
	"$WFPSIFT" gaps -d "$case_path" > "$TEST_TMP/out"
	ok $? "integrity: gaps runs"
	is "$(sql "$case_path" "SELECT kind, substr(first_time, 1, 19), substr(last_time, 1, 19),
	      coalesce(event_count, '-'), coalesce(user_name, '-'), severity FROM gaps ORDER BY id")" \
"audit_policy_change|2024-03-14T09:25:41|2024-03-14T11:58:03|-|CORP\\mallory|high
log_cleared|2024-03-14T09:20:00|2024-03-14T09:20:00|-|CORP\\mallory|high
log_service_stopped|2024-03-14T17:31:15|2024-03-15T07:58:12|-|-|info
record_id_gap|2024-03-14T12:30:50|2024-03-14T12:31:07|57|-|high
time_gap|2024-03-14T12:57:43|2024-03-14T15:47:49|-|-|low
corrupt_chunk|2024-03-14T09:20:00|2024-03-15T08:17:33|-|-|medium
dirty_file|2024-03-14T09:20:00|2024-03-15T08:17:33|-|-|low
unattributed_connections|2024-03-14T09:20:52|2024-03-14T17:27:03|239|-|medium" \
	    "integrity: clear, policy off and on, the night's shutdown, 57 missing ids, the silence, bad CRC, dirty header, unattributed connections; no wrap, no silence while WFP auditing was off"
	grep -q "between record 48282 (2024-03-14 12:30:50 UTC) and record 48340" "$TEST_TMP/out"
	ok $? "integrity: the record gap names the records around it"
else
	for i in 1 2 3; do skip "integrity fixture" "testdata/integrity.evtx missing"; done
fi

# --- hostile: host names that are markup, formulas and terminal escapes
if fixture_case hostile; then
	"$WFPSIFT" gaps -d "$case_path" > "$TEST_TMP/out"
	ok $? "hostile: gaps runs"
	is "$(sql "$case_path" "SELECT kind, count(*) FROM gaps GROUP BY kind")" \
	    "unattributed_connections|5" "hostile: one unattributed_connections gap per hostile computer"
	LC_ALL=C grep -c "$(printf '\033')" "$TEST_TMP/out" > "$TEST_TMP/count"
	is "$(cat "$TEST_TMP/count")" 0 "hostile: no escape character reaches the terminal"
	grep -q 'WS66\\x0aInjected: fake line\\x1b\[2J' "$TEST_TMP/out"
	ok $? "hostile: the injected line is shown escaped on the gap's own line"
else
	for i in 1 2 3 4; do skip "hostile fixture" "testdata/hostile.evtx missing"; done
fi

# --- baseline: a quiet day on WS02 and on SRV-APP01, nothing to flag
for name in baseline-ws02 baseline-srv-app01; do
	if fixture_case $name; then
		"$WFPSIFT" gaps -d "$case_path" -q > /dev/null
		is "$(sql "$case_path" "SELECT count(*) FROM gaps")" 0 "$name: no gap"
	else
		skip "$name: no gap" "testdata/$name.evtx missing"
	fi
done

done_testing
