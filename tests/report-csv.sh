#!/bin/sh
# report-csv.sh: wfpsift report --format csv, the timeline for Timesketch and
# spreadsheets, on the hand-built case of tests/report-case.sql (24 network
# events) with and without its findings and gaps, and on a fixture.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/report-lib.sh"

case_db=$TEST_TMP/case.db
out=$TEST_TMP/timeline.csv
report_case "$case_db" findings || { echo "Bail out! cannot build the case"; exit 1; }

$WFPSIFT report -d "$case_db" --format csv -o "$out"
ok $? "report --format csv -o FILE exits 0"

is "$(check csv "$out" '",".join(header)')" \
    "message,datetime,timestamp_desc,timestamp,kind,severity,rule,host,user,application,pid,local_ip,local_port,remote_ip,remote_port,source_ip,destination_ip,destination_port,protocol,direction,action,event_id,record_id,source_file,source_sha256,row_id" \
    "header: Timesketch's columns first, then the normalised fields"
is "$(check csv "$out" 'len(rows)')" 28 "28 rows: 24 network events, 2 findings, 2 gaps"
is "$(check csv "$out" 'sorted(set(len(r) for r in records))')" 26 "every record has the 26 columns"
is "$(check csv "$out" '" ".join("%s=%d" % (k, sum(r["kind"] == k for r in rows)) for k in ("network", "finding", "gap"))')" \
    "network=24 finding=2 gap=2" "kinds counted"
is "$(check csv "$out" 'all(int(a["timestamp"]) <= int(b["timestamp"]) for a, b in zip(rows, rows[1:]))')" \
    True "rows are in time order"
is "$(check csv "$out" '" ".join(r["kind"] + ":" + r["row_id"] for r in rows[:9])')" \
    "gap:2 network:21 finding:1 network:1 network:2 network:3 network:4 network:5 gap:1" \
    "markers come before the events of the same instant; the undated gap at its host's first record"
is "$(check csv "$out" '"|".join(records[4])')" \
    "WFP 5156 allowed outbound tcp 10.0.0.5:50020 -> 10.0.0.9:20 by nmap.exe (pid 4242), user CORP\\alice|2026-11-02T09:14:00.000000+00:00|Event Recorded|1793610840000000|network|||WS01|CORP\\alice|\\device\\harddiskvolume2\\tools\\nmap\\nmap.exe|4242|10.0.0.5|50020|10.0.0.9|20|10.0.0.5|10.0.0.9|20|tcp|outbound|allowed|5156|101|logs/WS01/Security.evtx|aa11111111111111111111111111111111111111111111111111111111111111|1" \
    "the first nmap connection, every column"
is "$(check csv "$out" '[ "%(local_ip)s:%(local_port)s %(remote_ip)s:%(remote_port)s %(source_ip)s -> %(destination_ip)s:%(destination_port)s" % r for r in rows if r["kind"] == "network" and r["host"] == "WS02"]')" \
    "10.0.0.9:445 10.0.0.5:50025 10.0.0.5 -> 10.0.0.9:445
10.0.0.9:3389 10.0.0.5:50026 10.0.0.5 -> 10.0.0.9:3389" \
    "inbound rows: the remote end is the source"
is "$(check csv "$out" '[ "|".join(r[c] for c in ("severity", "rule", "host", "user", "source_ip", "destination_ip", "destination_port", "datetime", "timestamp_desc")) for r in rows if r["kind"] == "finding"]')" \
    "high|port_sweep|WS01|CORP\\alice|10.0.0.5|10.0.0.9||2026-11-02T09:14:00.000000+00:00|Finding First Seen
medium|app_misuse|WS01|CORP\\bob|10.0.0.5|10.0.0.9|5985|2026-11-02T09:20:00.000000+00:00|Finding First Seen" \
    "finding rows: severity, detector, who, where, when"
is "$(check csv "$out" '"|".join(rows[0][c] for c in ("message", "datetime", "timestamp_desc"))')" \
    "[GAP MEDIUM] no_process_creation: 1 network event on WS01 has no process creation to explain it.|2026-11-02T09:13:50.000000+00:00|Coverage Gap (undated, placed at the first record of its host)" \
    "an undated gap says where it was placed"
is "$(check csv "$out" 'raw.count(b"\r\n"), raw.count(b"\n")')" "29
29" "RFC 4180: every line ends in CRLF"
is "$(check csv "$out" '(b",4242," in raw, b"\"4242\"" in raw)')" "True
False" "numbers are written bare, text quoted"

$WFPSIFT report -d "$case_db" --format csv > "$TEST_TMP/stdout.csv"
cmp -s "$out" "$TEST_TMP/stdout.csv"
ok $? "without -o the same report goes to standard output"
$WFPSIFT report -d "$case_db" --format csv -o - > "$TEST_TMP/dash.csv"
cmp -s "$out" "$TEST_TMP/dash.csv"
ok $? "-o - is standard output too"

# Before detect and gaps: only the network events.
bare_db=$TEST_TMP/bare.db
report_case "$bare_db"
$WFPSIFT report -d "$bare_db" --format csv -o "$TEST_TMP/bare.csv"
ok $? "a case without findings or gaps reports"
is "$(check csv "$TEST_TMP/bare.csv" 'len(rows), sorted(set(r["kind"] for r in rows))')" "24
['network']" "... with its 24 network events only"

# Formula injection: text cells are neutralised, numbers are not.
sqlite3 "$bare_db" "INSERT INTO events (id, source_id, host, time, time_unix_us)
  VALUES (25, 1, '@WS03', '2026-11-02T10:00:00.0000000Z', 1793613600000000);
  INSERT INTO network_events (id, event_row, source_id, record_id, host, time,
    time_unix_us, event_id, action, direction, protocol_name, local_ip,
    local_port, remote_ip, remote_port, pid, application, application_name)
  VALUES (25, 25, 1, 125, '@WS03', '2026-11-02T10:00:00.0000000Z',
    1793613600000000, 5156, 'allowed', 'outbound', '+tcp', '10.0.0.5', 50100,
    '-10.0.0.9', 445, 77, '=HYPERLINK(\"http://x\",\"y\")', '=1+1');
  INSERT INTO attribution (network_event_id, user_name) VALUES (25, '-alice');"
$WFPSIFT report -d "$bare_db" --format csv -o "$TEST_TMP/formula.csv"
is "$(check csv "$TEST_TMP/formula.csv" '"|".join(rows[-1][c] for c in ("host", "user", "application", "protocol", "remote_ip", "pid", "remote_port", "local_port"))')" \
    "'@WS03|'-alice|'=HYPERLINK(\"http://x\",\"y\")|'+tcp|'-10.0.0.9|77|445|50100" \
    "cells starting with = + - @ get a leading quote; numbers do not"
is "$(check csv "$TEST_TMP/formula.csv" 'sum(1 for r in records[1:] for v in r if v and v[0] in "=+-@")')" 0 \
    "no cell anywhere starts a formula"

# Errors: exit 1 for an unreadable case, 2 for usage.
$WFPSIFT report -d "$TEST_TMP/missing.db" --format csv > /dev/null 2> "$TEST_TMP/err"
is "$?" 1 "a missing case is an error (exit 1)"
$WFPSIFT report -d "$case_db" > /dev/null 2>&1
is "$?" 2 "no --format is a usage error (exit 2)"
$WFPSIFT report -d "$case_db" --format xml > /dev/null 2>&1
is "$?" 2 "an unknown format is a usage error"
$WFPSIFT report -d "$case_db" --format csv -o "$case_db" > /dev/null 2>&1
is "$?:$(sql "$case_db" 'SELECT count(*) FROM network_events')" "2:24" \
    "-o naming the case file is refused and the case is untouched"

# An empty case, and a disk that fills up.
empty_db=$TEST_TMP/empty.db
sqlite3 "$empty_db" < "$top_srcdir/src/schema.sql"
$WFPSIFT report -d "$empty_db" --format csv -o "$TEST_TMP/empty.csv"
is "$?:$(check csv "$TEST_TMP/empty.csv" 'len(records)')" "0:1" \
    "an empty case: exit 0 and the header line only"
$WFPSIFT report -d "$empty_db" --format jsonl -o "$TEST_TMP/empty.jsonl"
is "$?:$(wc -c < "$TEST_TMP/empty.jsonl" | tr -d ' ')" "0:0" "... and no JSON line"
if [ -w /dev/full ]; then
	$WFPSIFT report -d "$case_db" --format csv > /dev/full 2> "$TEST_TMP/full.err"
	is "$?:$(grep -c 'No space left' "$TEST_TMP/full.err")" "1:1" \
	    "a full disk is an error (exit 1) that says so, not a short report"
else
	skip "a full disk is an error (exit 1) that says so, not a short report" "no /dev/full"
fi

# On a fixture, once ingested: one row per network event, finding and gap.
if have_fixture connect-scan; then
	fixture_db=$TEST_TMP/fixture.db
	$WFPSIFT ingest -q -d "$fixture_db" "$TESTDATA/connect-scan.evtx"
	$WFPSIFT report -d "$fixture_db" --format csv -o "$TEST_TMP/fixture.csv"
	ok $? "report on the connect-scan fixture"
	is "$(check csv "$TEST_TMP/fixture.csv" 'len(rows)')" \
	    "$(sql "$fixture_db" 'SELECT (SELECT count(*) FROM network_events) + (SELECT count(*) FROM findings) + (SELECT count(*) FROM gaps)')" \
	    "... one row per network event, finding and gap"
	is "$(check csv "$TEST_TMP/fixture.csv" '[len(n), len(set(r["destination_port"] for r in n)), sorted(set(r["source_ip"] + " -> " + r["destination_ip"] for r in n))] if (n := [r for r in rows if r["kind"] == "network" and r["protocol"] == "tcp" and r["application"].endswith("nmap.exe")]) else 0')" \
	    "1000
1000
['10.0.10.25 -> 10.0.20.10']" "... the nmap -sT scan: 1000 TCP rows, 1000 ports, WS05 to 10.0.20.10"
	is "$(check csv "$TEST_TMP/fixture.csv" '",".join(r["destination_port"] for r in sorted(rows, key=lambda r: int(r["destination_port"] or 0)) if r["action"] == "blocked")')" \
	    "21,23,69,111,512,513,514" "... its 7 blocked attempts, by port"
	is "$(check csv "$TEST_TMP/fixture.csv" 'sorted(set(r["remote_ip"] for r in rows if "10.0.20.11" in r["remote_ip"]))')" \
	    "10.0.20.11" "... the dual-stack ::ffff:10.0.20.11 shown in its canonical form"
else
	for name in "report on the connect-scan fixture" \
	    "... one row per network event, finding and gap" \
	    "... the nmap -sT scan: 1000 TCP rows, 1000 ports, WS05 to 10.0.20.10" \
	    "... its 7 blocked attempts, by port" \
	    "... the dual-stack ::ffff:10.0.20.11 shown in its canonical form"; do
		skip "$name" "testdata/connect-scan.evtx not there"
	done
fi

# A forwarded log: each row's host is its record's <Computer>, not the collector.
if have_fixture forwarded; then
	forwarded_db=$TEST_TMP/forwarded.db
	$WFPSIFT ingest -q -d "$forwarded_db" "$TESTDATA/forwarded.evtx"
	$WFPSIFT report -d "$forwarded_db" --format csv -o "$TEST_TMP/forwarded.csv"
	is "$(check csv "$TEST_TMP/forwarded.csv" 'sorted(set(r["host"] for r in rows))')" \
	    "DC01.corp.example
SRV-FILE01.corp.example
WS01.corp.example
WS02.corp.example
WS04.corp.example" "forwarded fixture: rows carry the five source computers, never WEC01"
else
	skip "forwarded fixture: rows carry the five source computers" "testdata/forwarded.evtx not there"
fi

done_testing
