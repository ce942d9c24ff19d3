#!/bin/sh
# gaps on the scenario fixtures (testdata/*.md say what each one holds).
# A fixture not yet in testdata/ is skipped, assertion by assertion.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/gaps-lib.sh"
MKPCAP="$top_builddir/tests/mkpcap"
MKCONNLOG="$top_srcdir/tests/mkconnlog.sh"

# fixture_case NAME...: a case of those fixtures in $TEST_TMP/NAME.db;
# false (and the assertions skipped) when one is missing.
fixture_case() {
	case_path="$TEST_TMP/$1.db"
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
