#!/bin/sh
# report-jsonl.sh: wfpsift report --format jsonl, Elastic Common Schema
# objects one per line, on the hand-built case of tests/report-case.sql with
# and without its findings and gaps, and on a fixture.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/report-lib.sh"

case_db=$TEST_TMP/case.db
out=$TEST_TMP/events.jsonl
report_case "$case_db" findings || { echo "Bail out! cannot build the case"; exit 1; }

$WFPSIFT report -d "$case_db" --format jsonl -o "$out"
ok $? "report --format jsonl -o FILE exits 0"
is "$(check jsonl "$out" 'len(objects)')" 28 "28 lines, each one valid JSON"
is "$(check jsonl "$out" '" ".join("%s=%d" % (k, sum(get(o, "wfpsift.kind") == k for o in objects)) for k in ("network", "finding", "gap"))')" \
    "network=24 finding=2 gap=2" "one object per network event, finding and gap"
is "$(check jsonl "$out" '" ".join("%s=%d" % (k, sum(get(o, "event.kind") == k for o in objects)) for k in ("event", "alert"))')" \
    "event=26 alert=2" "findings are event.kind alert, the rest event"

ecs_fields='("@timestamp", "message", "event.code", "event.action", "host.name", "process.pid", "process.executable", "source.ip", "source.port", "destination.ip", "destination.port", "network.transport", "network.direction", "winlog.record_id", "log.file.path")'
is "$(check jsonl "$out" "sum(all((o.get(f) if f[0] == '@' else get(o, f)) is not None for f in $ecs_fields) for o in objects if get(o, 'wfpsift.kind') == 'network')")" \
    24 "every network event carries the ECS fields"
is "$(check jsonl "$out" 'sum(get(o, "user.name") is not None for o in objects if get(o, "wfpsift.kind") == "network")')" \
    21 "user.name on the 21 attributed events"

nmap='[o for o in objects if get(o, "wfpsift.id") == 1 and get(o, "wfpsift.kind") == "network"][0]'
is "$(check jsonl "$out" "[str(get($nmap, f)) for f in ('event.code', 'event.action', 'event.outcome', 'user.name', 'user.domain', 'process.pid', 'process.name', 'source.ip', 'source.port', 'destination.ip', 'destination.port', 'network.transport', 'network.iana_number', 'network.direction', 'winlog.record_id', 'log.file.path', 'wfpsift.finding_ids')] + [$nmap['@timestamp']]")" \
    "5156
allowed
success
alice
CORP
4242
nmap.exe
10.0.0.5
50020
10.0.0.9
20
tcp
6
egress
101
logs/WS01/Security.evtx
[1]
2026-11-02T09:14:00.0000000Z" "the first nmap connection, field by field"
is "$(check jsonl "$out" '[type(get(o, "event.code")).__name__ + "/" + type(get(o, "destination.port")).__name__ for o in objects if get(o, "wfpsift.id") == 1 and get(o, "wfpsift.kind") == "network"]')" \
    "str/int" "event.code is a keyword string, ports are numbers"
is "$(check jsonl "$out" '["%s:%s -> %s:%s %s" % (get(o, "source.ip"), get(o, "source.port"), get(o, "destination.ip"), get(o, "destination.port"), get(o, "network.direction")) for o in objects if get(o, "host.name") == "WS02" and get(o, "wfpsift.kind") == "network"]')" \
    "10.0.0.5:50025 -> 10.0.0.9:445 ingress
10.0.0.5:50026 -> 10.0.0.9:3389 ingress" "inbound: source is the remote initiator, direction ingress"
is "$(check jsonl "$out" '["%s %s %s %s %s %s" % (get(o, "rule.name"), get(o, "event.severity"), get(o, "user.name"), get(o, "destination.port"), get(o, "wfpsift.evidence_count"), get(o, "event.end")) for o in objects if get(o, "event.kind") == "alert"]')" \
    "port_sweep 3 alice None 20 2026-11-02T09:14:19.0000000Z
app_misuse 2 bob 5985 1 2026-11-02T09:20:00.0000000Z" "findings: rule, severity, user, evidence"
is "$(check jsonl "$out" '["%s %s %s %s" % (get(o, "rule.name"), o["@timestamp"], get(o, "event.start"), get(o, "wfpsift.undated")) for o in objects if get(o, "wfpsift.kind") == "gap"]')" \
    "no_process_creation 2026-11-02T09:13:50.0000000Z None True
unlogged_traffic 2026-11-02T09:14:05.0000000Z 2026-11-02T09:14:05.0000000Z None" \
    "gaps: an undated one is placed at its host's first record and says so"
is "$(check jsonl "$out" 'all(a["@timestamp"] <= b["@timestamp"] for a, b in zip(objects, objects[1:]))')" \
    True "lines are in time order"
is "$(check jsonl "$out" 'str(objects).count("None")')" 0 "null members are left out"

bare_db=$TEST_TMP/bare.db
report_case "$bare_db"
$WFPSIFT report -d "$bare_db" --format jsonl -o "$TEST_TMP/bare.jsonl"
ok $? "a case without findings or gaps reports"
is "$(check jsonl "$TEST_TMP/bare.jsonl" 'len(objects), sum(get(o, "event.kind") == "alert" for o in objects)')" \
    "24
0" "... 24 events, no alerts"

if have_fixture connect-scan; then
	fixture_db=$TEST_TMP/fixture.db
	$WFPSIFT ingest -q -d "$fixture_db" "$TESTDATA/connect-scan.evtx"
	$WFPSIFT report -d "$fixture_db" --format jsonl -o "$TEST_TMP/fixture.jsonl"
	ok $? "report on the connect-scan fixture"
	is "$(check jsonl "$TEST_TMP/fixture.jsonl" 'sum(get(o, "wfpsift.kind") == "network" for o in objects)')" \
	    "$(sql "$fixture_db" 'SELECT count(*) FROM network_events')" \
	    "... one object per network event"
	is "$(check jsonl "$TEST_TMP/fixture.jsonl" '[len(n), len(set(get(o, "destination.port") for o in n)), sorted(set("%s %s %s %s %s" % (get(o, "source.ip"), get(o, "destination.ip"), get(o, "network.direction"), get(o, "process.pid"), get(o, "host.name")) for o in n))] if (n := [o for o in objects if get(o, "process.name") == "nmap.exe" and get(o, "network.transport") == "tcp"]) else 0')" \
	    "1000
1000
['10.0.10.25 10.0.20.10 egress 6700 WS05.corp.example']" \
	    "... the nmap -sT scan: 1000 egress objects from pid 6700 on WS05, one per port"
	is "$(check jsonl "$TEST_TMP/fixture.jsonl" 'sorted((get(o, "event.code"), get(o, "event.outcome")) for o in objects if get(o, "event.action") == "blocked")[:1], sum(get(o, "event.action") == "blocked" for o in objects)')" \
	    "[('5157', 'failure')]
7" "... its 7 blocked attempts are 5157 with outcome failure"
else
	for name in "report on the connect-scan fixture" "... one object per network event" \
	    "... the nmap -sT scan: 1000 egress objects from pid 6700 on WS05, one per port" \
	    "... its 7 blocked attempts are 5157 with outcome failure"; do
		skip "$name" "testdata/connect-scan.evtx not there"
	done
fi

# Sysmon 3 records: the user comes from Sysmon itself, before any attribution.
if have_fixture sysmon; then
	sysmon_db=$TEST_TMP/sysmon.db
	$WFPSIFT ingest -q -d "$sysmon_db" "$TESTDATA/sysmon.evtx"
	$WFPSIFT report -d "$sysmon_db" --format jsonl -o "$TEST_TMP/sysmon.jsonl"
	is "$(check jsonl "$TEST_TMP/sysmon.jsonl" '[len(n), len(set(get(o, "destination.ip") for o in n)), sorted(set((get(o, "user.name"), get(o, "user.domain"), get(o, "event.code"), str(get(o, "event.type")), get(o, "destination.port"), get(o, "network.direction"), get(o, "process.pid"), get(o, "host.name"), get(o, "process.entity_id")) for o in n))] if (n := [o for o in objects if get(o, "process.name") == "python.exe"]) else 0')" \
	    "60
60
[('frank', 'CORP', '3', \"['connection', 'start']\", 22, 'egress', 9384, 'WS09.corp.example', '{7D2C1A9B-7118-65F2-A202-000000001E00}')]" \
	    "sysmon fixture: the ssh sweep as 60 Sysmon 3 objects, user frank of CORP, ProcessGuid as process.entity_id"
else
	skip "sysmon fixture: the ssh sweep as 60 Sysmon 3 objects" "testdata/sysmon.evtx not there"
fi

done_testing
