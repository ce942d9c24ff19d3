#!/bin/sh
# detect-fixtures: the acceptance scenarios of testdata/ (see
# testdata/README.md): ingest each fixture, run detect, and compare the
# findings and the attribution with what the scenario describes. A fixture
# that is not in this tree is skipped, never passed.
. "${top_srcdir:-.}/tests/lib.sh"

# case_of NAME: ingest testdata/NAME.evtx into a fresh case; print its path.
case_of() {
	[ -f "$TESTDATA/$1.evtx" ] || return 1
	rm -f "$TEST_TMP/$1.db"
	"$WFPSIFT" ingest -q -d "$TEST_TMP/$1.db" "$TESTDATA/$1.evtx" > /dev/null 2>&1 ||
	    [ $? -eq 1 ] || return 1
	"$WFPSIFT" detect -q -d "$TEST_TMP/$1.db" > /dev/null 2>&1 || return 1
	echo "$TEST_TMP/$1.db"
}

# skip_fixture NAME COUNT: skip the COUNT assertions of a missing fixture.
skip_fixture() {
	i=0
	while [ $i -lt "$2" ]; do
		i=$((i + 1))
		skip "$1 assertion $i" "testdata/$1.evtx is not in this tree"
	done
}

# The findings of a case, one line each.
findings() {
	sql "$1" "SELECT detector, severity, coalesce(host, '-'), coalesce(source_ip, '-'),
	    coalesce(destination_ip, '-'), coalesce(user_name, '-'), coalesce(application, '-'),
	    distinct_count, coalesce(reference_rules, '-'), coalesce(seen_from, '-')
	    FROM findings ORDER BY id"
}

# connect-scan: CORP\bob runs nmap -sT (1000 ports) from WS05 against SRV-FILE01.
if CASE=$(case_of connect-scan); then
	is "$(findings "$CASE")" \
	    "port_sweep|high|WS05.corp.example|10.0.10.25|10.0.20.10|CORP\\bob|nmap.exe|1000|zeek,elastic|source" \
	    "connect-scan: one port sweep naming the workstation, the user and nmap"
	is "$(sql "$CASE" "SELECT DISTINCT p.pid, p.image_name, a.method FROM attribution a
	    JOIN processes p ON p.id = a.process_row JOIN network_events n ON n.id = a.network_event_id
	    WHERE n.application_name = 'nmap.exe'")" "6700|nmap.exe|pid_image_time" \
	    "connect-scan: nmap's 5156 (PID 6700) joins its 4688 (NewProcessId 0x1a2c)"
	is "$(sql "$CASE" "SELECT count(*) FROM finding_evidence e JOIN network_events n
	    ON n.id = e.network_event_id WHERE n.action = 'blocked'")" "7" \
	    "connect-scan: the seven blocked connects (5157) are evidence too"
else
	skip_fixture connect-scan 3
fi
# syn-scan: nmap -sS from WS05; WS05 logs nothing, SRV-FILE01 drops 997 probes.
if [ -f "$TESTDATA/syn-scan-ws05.evtx" ] && [ -f "$TESTDATA/syn-scan-srv-file01.evtx" ]; then
	CASE=$TEST_TMP/syn-scan.db
	"$WFPSIFT" ingest -q -d "$CASE" "$TESTDATA/syn-scan-ws05.evtx" \
	    "$TESTDATA/syn-scan-srv-file01.evtx" > /dev/null 2>&1
	"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
	is "$(findings "$CASE")" \
	    "port_sweep|high|SRV-FILE01.corp.example|10.0.10.25|10.0.20.10|-|-|1000|zeek,elastic|target" \
	    "syn-scan: one port sweep, seen only in the target's log"
else
	skip_fixture syn-scan 1
fi

# host-sweep: CORP\erin's PowerShell sweeps 445, then rdpchk.exe sweeps 3389.
if CASE=$(case_of host-sweep); then
	is "$(findings "$CASE")" \
	    "host_sweep|high|WS12.corp.example|10.0.10.32|-|CORP\erin|powershell.exe|60|zeek|source
host_sweep|high|WS12.corp.example|10.0.10.32|-|CORP\erin|rdpchk.exe|43|zeek|source" \
	    "host-sweep: the 445 and 3389 sweeps, each with its user and application"
	is "$(sql "$CASE" "SELECT service, destination_port FROM findings ORDER BY id")" "smb|445
rdp|3389" "host-sweep: on SMB, then RDP"
else
	skip_fixture host-sweep 2
fi

# app-misuse: a week; phone599's first PowerShell remoting on Friday, on a
# PID alice's PowerShell had that morning.
if [ -f "$TESTDATA/app-misuse-ws01.evtx" ] && [ -f "$TESTDATA/app-misuse-ws07.evtx" ]; then
	CASE=$TEST_TMP/app-misuse.db
	"$WFPSIFT" ingest -q -d "$CASE" "$TESTDATA/app-misuse-ws01.evtx" \
	    "$TESTDATA/app-misuse-ws07.evtx" > /dev/null 2>&1
	"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
	is "$(sql "$CASE" "SELECT detector, user_name, application, service, distinct_count
	    FROM findings ORDER BY id")" "app_misuse|CORP\phone599|powershell.exe|winrm|3
app_misuse|CORP\phone599|powershell.exe|smb|1" \
	    "app-misuse: the help-desk operator's PowerShell is flagged, the admin's is not"
	is "$(sql "$CASE" "SELECT a.user_name, count(*) FROM network_events n
	    JOIN attribution a ON a.network_event_id = n.id
	    WHERE n.host = 'WS07.corp.example' AND n.pid = 8012 GROUP BY 1 ORDER BY 1")" \
	    "CORP\alice|3
CORP\phone599|7" "app-misuse: the reused PID 8012 is alice's in the morning and phone599's after"
else
	skip_fixture app-misuse 2
fi

# baseline: a quiet day on a workstation and a server; nothing to flag.
if CASE=$(case_of baseline-ws02); then
	is "$(sql "$CASE" "SELECT count(*) FROM findings")" "0" \
	    "baseline-ws02: a day of ordinary workstation traffic yields no finding"
	is "$(sql "$CASE" "SELECT DISTINCT reason FROM unattributed_connections")" "system_process" \
	    "baseline-ws02: every connection but the kernel's (PID 4) is attributed"
else
	skip_fixture baseline-ws02 2
fi
if CASE=$(case_of baseline-srv-app01); then
	is "$(sql "$CASE" "SELECT count(*) FROM findings")" "0" \
	    "baseline-srv-app01: 330 inbound HTTPS clients of one server are not a sweep"
	is "$(sql "$CASE" "SELECT count(*) FROM attribution a JOIN processes p ON p.id = a.process_row
	    WHERE p.image_name = 'w3wp.exe'")" "$(sql "$CASE" "SELECT count(*) FROM network_events
	    WHERE application_name = 'w3wp.exe'")" \
	    "baseline-srv-app01: every w3wp.exe connection is attributed to its process"
else
	skip_fixture baseline-srv-app01 2
fi
if [ -f "$TESTDATA/baseline-ws02.evtx" ] && [ -f "$TESTDATA/baseline-srv-app01.evtx" ]; then
	CASE=$TEST_TMP/baseline.db
	"$WFPSIFT" ingest -q -d "$CASE" "$TESTDATA/baseline-ws02.evtx" \
	    "$TESTDATA/baseline-srv-app01.evtx" > /dev/null 2>&1
	"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
	is "$(sql "$CASE" "SELECT count(*) FROM findings")" "0" \
	    "baseline: both logs in one case (the day is the learning period) yield no finding at all"
else
	skip "baseline: both logs in one case" "baseline fixtures are not in this tree"
fi
done_testing
