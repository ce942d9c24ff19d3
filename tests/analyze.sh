#!/bin/sh
# analyze does the whole job in one command: on the connect-scan and
# syn-scan fixtures it finds both scans, says the SYN scan never reached the
# scanner's own log, and writes the three reports.
. "${top_srcdir:-.}/tests/lib.sh"

case_file="$TEST_TMP/case.db"
"$WFPSIFT" analyze -d "$case_file" "$TESTDATA/connect-scan.evtx" \
    "$TESTDATA/syn-scan-ws05.evtx" "$TESTDATA/syn-scan-srv-file01.evtx" \
    >"$TEST_TMP/out" 2>"$TEST_TMP/err"
is $? 0 "analyze exits 0"
is "$(cat "$TEST_TMP/err")" "" "analyze prints nothing on stderr"
is "$(sql "$case_file" "SELECT detector, host, source_ip, destination_ip, distinct_count
    FROM findings ORDER BY id")" "port_sweep|WS05.corp.example|10.0.10.25|10.0.20.10|1000
port_sweep|SRV-FILE01.corp.example|10.0.10.25|10.0.20.10|1000" \
    "both scans are port sweeps: from the scanner's log and from the target's"
is "$(sql "$case_file" "SELECT user_name, application FROM findings WHERE id = 1")" \
    'CORP\bob|nmap.exe' "the connect scan is bob's nmap"
is "$(sql "$case_file" "SELECT kind, host FROM gaps WHERE kind IN
    ('unlogged_traffic', 'raw_socket_suspected') ORDER BY id")" \
    "unlogged_traffic|WS05.corp.example
raw_socket_suspected|WS05.corp.example" \
    "the SYN scan is traffic WS05's own log never recorded"
for file in report.html timeline.csv events.jsonl; do
	ok $([ -s "$TEST_TMP/case-report/$file" ] && echo 0 || echo 1) \
	    "analyze wrote $file into the default folder"
done
grep -q "^case: $case_file" "$TEST_TMP/out"
ok $? "analyze names the case it wrote"

# The host table lines up whatever the names: a 45-character host name and
# events with no host widen the column instead of shifting the numbers.
sql "$case_file" "UPDATE events SET host = 'ws05-finance-floor3.branch-office.corp.example'
    WHERE host = 'WS05.corp.example'; UPDATE events SET host = NULL
    WHERE host = 'SRV-FILE01.corp.example'"
"$WFPSIFT" analyze -d "$case_file" "$TESTDATA/connect-scan.evtx" >"$TEST_TMP/out2" 2>&1
sed -n '/^host /,/^$/p' "$TEST_TMP/out2" | sed '$d' >"$TEST_TMP/hosts"
is "$(cut -c1-7 "$TEST_TMP/hosts" | tr '\n' ' ')" "host    (none)  ws05-fi " \
    "the host table names (none) and the long host"
is "$(awk '{ print index($0, " 2024-") }' "$TEST_TMP/hosts" | sed 1d | sort -u)" \
    "$(awk 'NR == 1 { print index($0, " first") }' "$TEST_TMP/hosts")" \
    "every host row's times start under the header's 'first'"

# Columns, not bytes: a Cyrillic name takes one column a letter, a hostile
# name's escape sequence and newline as many as their printed escapes.
sql "$case_file" "UPDATE events SET host = 'ПК-БУХ01.corp.example'
    WHERE host IS NULL; UPDATE events SET host = 'WS66' || char(10) ||
    'x' || char(27) || '[2J' WHERE host LIKE 'ws05-%'"
"$WFPSIFT" analyze -d "$case_file" "$TESTDATA/connect-scan.evtx" >"$TEST_TMP/out3" 2>&1
sed -n '/^host /,/^$/p' "$TEST_TMP/out3" | sed '$d' >"$TEST_TMP/hosts3"
is "$(awk '{ print $1 }' "$TEST_TMP/hosts3" | tr '\n' ' ')" \
    'host WS66\x0ax\x1b[2J ПК-БУХ01.corp.example ' \
    "the hostile name is printed escaped, the Cyrillic one as it is"
is "$(python3 -c 'import sys
for line in open(sys.argv[1], encoding="utf-8"):
    print(line.find(" first") if line.startswith("host ") else line.find(" 2024-"))' \
    "$TEST_TMP/hosts3" | sort -u | wc -l | tr -d ' ')" 1 \
    "the times of both start under 'first', counted in characters"
done_testing
