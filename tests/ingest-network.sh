#!/bin/sh
# ingest-network: how each kind of WFP record becomes a network_events row,
# seen from the host that logged it. Connection records (5156, 5157) and
# socket records (5154 listen, 5158 bind) name this host as the Source
# whatever their direction; a packet drop (5152) names the packet's
# sender, so an inbound one has this host as its Destination. A listen is
# inbound; a bind has no direction (programs bind before connecting out).
. "${top_srcdir:-.}/tests/lib.sh"

MKEVTX=$top_builddir/tests/mkevtx
[ -x "$MKEVTX" ] || plan_skip_all "tests/mkevtx is not built"
TESTDATA_ABS=$(cd "$TESTDATA" && pwd)
cat > "$TEST_TMP/network.scenario" <<SCENARIO
include $TESTDATA_ABS/corp.inc
option seed=5158
default computer=SRV-FILE01.corp.example
event 5154 time=2024-03-13T08:00:00.0000000Z ProcessId=4 Application=System
    SourceAddress=0.0.0.0 SourcePort=445
event 5158 time=+1s ProcessId=1884 Application=\${APP_SVCHOST}
    SourceAddress=0.0.0.0 SourcePort=55355 Protocol=17
event 5156 time=+1s ProcessID=1884 Application=\${APP_SVCHOST} Direction=%%14593
    SourceAddress=10.0.20.10 SourcePort=55355 DestAddress=10.0.20.5 DestPort=53 Protocol=17
event 5156 time=+1s ProcessID=4 Application=System Direction=%%14592
    SourceAddress=10.0.20.10 SourcePort=445 DestAddress=10.0.10.27 DestPort=51000
    LayerName=%%14610 LayerRTID=44
event 5157 time=+1s ProcessID=4 Application=System Direction=%%14592
    SourceAddress=10.0.20.10 SourcePort=3389 DestAddress=10.0.10.27 DestPort=51001
    LayerName=%%14610 LayerRTID=44
event 5152 time=+1s Direction=%%14592 SourceAddress=10.0.10.27 SourcePort=51002
    DestAddress=10.0.20.10 DestPort=22
SCENARIO
"$MKEVTX" -o "$TEST_TMP/network.evtx" "$TEST_TMP/network.scenario" > "$TEST_TMP/mkevtx.out" 2>&1
ok $? "mkevtx writes one record of each kind"
"$WFPSIFT" ingest -q -d "$TEST_TMP/network.db" "$TEST_TMP/network.evtx" > /dev/null 2>&1
ok $? "ingest reads them"
is "$(sql "$TEST_TMP/network.db" "SELECT event_id, action, coalesce(direction, 'NULL'),
    protocol_name, local_ip, local_port, coalesce(remote_ip, '-'),
    coalesce(remote_port, '-'), layer FROM network_events ORDER BY id")" \
"5154|listen|inbound|tcp|0.0.0.0|445|-|-|listen
5158|bind|NULL|udp|0.0.0.0|55355|-|-|resource_assignment
5156|allowed|outbound|udp|10.0.20.10|55355|10.0.20.5|53|connect
5156|allowed|inbound|tcp|10.0.20.10|445|10.0.10.27|51000|receive_accept
5157|blocked|inbound|tcp|10.0.20.10|3389|10.0.10.27|51001|receive_accept
5152|dropped|inbound|tcp|10.0.20.10|22|10.0.10.27|51002|transport" \
    "each row as seen from SRV-FILE01: a bind has no direction, a listen is inbound, an inbound drop's sender is remote"
done_testing
