#!/bin/sh
# detect-noise: a day of a busy file server's log, 21,000 records written by
# tests/mkevtx (clients' SMB and RPC sessions, its own DNS, Kerberos and
# LDAP), with one port sweep of it by WS07 hidden inside: detect must find
# exactly that sweep, from the target's side, and nothing else.
. "${top_srcdir:-.}/tests/lib.sh"

MKEVTX=$top_builddir/tests/mkevtx
[ -x "$MKEVTX" ] || plan_skip_all "tests/mkevtx is not built"
TESTDATA_ABS=$(cd "$TESTDATA" && pwd)
cat > "$TEST_TMP/noise.scenario" <<SCENARIO
include $TESTDATA_ABS/corp.inc
option seed=4242
default computer=SRV-FILE01.corp.example
let HOST=SRV-FILE01 IP=\${FILE01_IP} LINKLOCAL=fe80::20:10
let BOOT=2024-03-13T06:00:00.0000000Z
include $TESTDATA_ABS/ws-boot.inc
# 15 workstations open SMB (System) and RPC (svchost) sessions all day.
repeat 12000 time=2024-03-13T08:00:00.0000000Z step=1s jitter=900ms
let c=\${rand(15)}
let rpc=\${rand(4) == 0}
event 5156 ProcessID=\${rpc ? 1192 : 4} Application=\${rpc ? APP_SVCHOST : "System"}
    Direction=%%14592 SourceAddress=\${IP} SourcePort=\${rpc ? 135 : 445}
    DestAddress=\${"10.0.10." + (21 + c)} DestPort=\${49152 + rand(16000)} LayerName=%%14610 LayerRTID=44
end
# Its own name lookups, Kerberos and LDAP.
repeat 6000 time=2024-03-13T06:30:00.0000000Z step=4s jitter=3s
event 5156 ProcessID=1884 Application=\${APP_SVCHOST} SourceAddress=\${IP}
    SourcePort=\${49152 + rand(16000)} DestAddress=\${DC01_IP} DestPort=53 Protocol=17
end
repeat 3000 time=2024-03-13T06:30:00.0000000Z step=8s jitter=7s
event 5156 ProcessID=712 Application=\${APP_LSASS} SourceAddress=\${IP}
    SourcePort=\${49152 + rand(16000)} DestAddress=\${DC01_IP} DestPort=\${pick(rand(3), 88, 389, 464)}
end
# 12:00 WS07 probes 30 ports; the server accepts the open ones and blocks the rest.
repeat 30 time=2024-03-13T12:00:00.0000000Z step=150ms
let port=\${i * 7 + 20}
event \${in(port, 20, 139, 447) ? "5156" : "5157"} ProcessID=4 Application=System
    Direction=%%14592 SourceAddress=\${IP} SourcePort=\${port}
    DestAddress=\${WS07_IP} DestPort=\${51000 + i} LayerName=%%14610 LayerRTID=44
end
SCENARIO
"$MKEVTX" -o "$TEST_TMP/noise.evtx" "$TEST_TMP/noise.scenario" > "$TEST_TMP/mkevtx.out" 2>&1
ok $? "mkevtx writes the noisy file server log"
"$WFPSIFT" ingest -q -d "$TEST_TMP/noise.db" "$TEST_TMP/noise.evtx" > /dev/null 2>&1
is "$(sql "$TEST_TMP/noise.db" "SELECT count(*) > 20000 FROM network_events")" "1" \
    "the case holds over 20,000 network events"
"$WFPSIFT" detect -q -d "$TEST_TMP/noise.db" > /dev/null 2>&1
ok $? "detect runs"
is "$(sql "$TEST_TMP/noise.db" "SELECT detector, host, source_ip, destination_ip, seen_from FROM findings")" \
    "port_sweep|SRV-FILE01.corp.example|10.0.10.27|10.0.20.10|target" \
    "exactly one finding: WS07's sweep, seen in the target's log"
is "$(sql "$TEST_TMP/noise.db" "SELECT count(*) FROM finding_evidence e JOIN network_events n
    ON n.id = e.network_event_id WHERE n.raw_source_port NOT IN ('135', '445')")" "30" \
    "its evidence holds the 30 probes (and WS07's own SMB and RPC sessions meanwhile)"
done_testing
