#!/bin/sh
# detect-sweeps: port and host sweeps on hand-built cases: what fires, what
# stays silent, thresholds from flags and config, one finding per sweep,
# both ends of a sweep merged, and the same answer every run.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/detect-lib.sh"

NMAP='\program files (x86)\nmap\nmap.exe'

# 1. nmap -sT from WS01 (10.0.0.5, alice) to 10.0.0.20: 20 ports in 38 s.
CASE=$TEST_TMP/connect.db
new_case "$CASE"
{
	logon 1 WS01 10 0x1f2e3 2 - alice CORP S-1-5-21-1-1001
	proc 1 WS01 900 start 4444 "$NMAP" alice CORP S-1-5-21-1-1001 0x1f2e3 1
	net_series 1 20 WS01 1000 2 outbound 6 "'10.0.0.5'" "40000 + n" "'10.0.0.20'" "1 + n" 4444 "$NMAP"
} > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
"$WFPSIFT" detect -d "$CASE" > "$TEST_TMP/out" 2>&1
ok $? "detect runs"
is "$(findings "$CASE")" "port_sweep|medium|WS01|10.0.0.5|10.0.0.20|-|20|20|-|zeek|source" \
    "20 ports in 38 s: one port sweep; Zeek's rule fires, Elastic's (50 a minute) does not"
is "$(sql "$CASE" "SELECT user_name, application, first_time, last_time FROM findings")" \
    "CORP\\alice|nmap.exe|2026-11-02T00:16:40.0000000Z|2026-11-02T00:17:18.0000000Z" \
    "the sweep names the user and application through attribution, and its span"
is "$(sql "$CASE" "SELECT count(*) FROM finding_evidence WHERE finding_id = 1")" "20" \
    "every probe is evidence"
is "$(sqlite3 -batch "$CASE" "$(sql "$CASE" "SELECT query FROM findings WHERE id = 1")" | wc -l | tr -d ' ')" \
    "20" "the stored query lists the evidence rows"
is "$(sql "$CASE" "SELECT summary FROM findings")" \
    "10.0.0.5 probed 20 distinct ports on 10.0.0.20 within 38 s (2026-11-02 00:16:40 to 00:17:18 UTC), by CORP\\alice with nmap.exe; seen in the source's own log (WS01). Zeek's reference rule would also fire; Elastic's would not." \
    "the summary is one plain sentence"
is "$(head -1 "$TEST_TMP/out" | cut -c1-40)" "#1 medium port_sweep WS01: 10.0.0.5 prob" \
    "detect prints one line per finding"

# 1b. The target's log (SRV20) also shows the probes: still one sweep.
net_series 101 20 SRV20 1000 2 inbound 6 "'10.0.0.20'" "1 + n" "'10.0.0.5'" "40000 + n" 4 - blocked > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
is "$(findings "$CASE")" "port_sweep|medium|WS01|10.0.0.5|10.0.0.20|-|20|40|-|zeek|both" \
    "seen from both ends: one finding with both logs' records"
is "$(sql "$CASE" "SELECT seen_by, user_name FROM findings")" "SRV20, WS01|CORP\\alice" \
    "it names both logs, and the user from the source's side"

# 2. An nmap -sS the source never logged: the target drops 100 probes.
CASE=$TEST_TMP/syn.db
new_case "$CASE"
net_series 1 100 SRV20 2000 0.5 inbound 6 "'10.0.0.20'" "1 + n" "'10.0.0.66'" "55555" 4 - dropped > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
is "$(findings "$CASE")" "port_sweep|high|SRV20|10.0.0.66|10.0.0.20|-|100|100|-|zeek,elastic|target" \
    "a sweep seen only in the target's drops, 100 ports in 50 s: both rule sets fire"
is "$(sql "$CASE" "SELECT coalesce(user_name, '-'), coalesce(application, '-') FROM findings")" "-|-" \
    "the target's listener is not named as the scanner's application"

# 2b. An inbound record stored with its sides the other way round (Source
# as the remote peer) is turned back by the host's own address, which its
# outbound records show.
CASE=$TEST_TMP/swapped.db
new_case "$CASE"
{
	net 1 SRV20 1000 outbound 17 10.0.0.20 50000 10.0.0.2 53 1884 '\windows\system32\svchost.exe'
	net_series 2 20 SRV20 2000 1 inbound 6 "'10.0.0.66'" "55555" "'10.0.0.20'" "1 + n" 4 - blocked
} > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
is "$(findings "$CASE")" "port_sweep|medium|SRV20|10.0.0.66|10.0.0.20|-|20|20|-|zeek|target" \
    "inbound records with local and remote swapped: the sweep still has the right source and target"

# 3. What stays silent, and thresholds from flags and the config file.
CASE=$TEST_TMP/quiet.db
new_case "$CASE"
{
	net_series 1 14 WS02 1000 2 outbound 6 "'10.0.0.6'" "40000 + n" "'10.0.0.21'" "1 + n" 100 '\x\a.exe'
	net_series 101 15 WS03 1000 80 outbound 6 "'10.0.0.7'" "40000 + n" "'10.0.0.22'" "1 + n" 100 '\x\a.exe'
	net_series 201 30 WS04 1000 1 outbound 6 "'127.0.0.1'" "40000 + n" "'127.0.0.1'" "1 + n" 100 '\x\a.exe'
	net_series 301 30 WS04 1000 1 outbound 6 "'10.0.0.8'" "40000 + n" "'0.0.0.0'" "1 + n" 100 '\x\a.exe'
	net_series 401 30 WS04 1000 1 outbound 17 "'10.0.0.8'" "40000 + n" "'239.255.255.250'" "1 + n" 100 '\x\a.exe'
	net_series 501 30 WS04 1000 1 outbound 6 "'::1'" "40000 + n" "'::1'" "1 + n" 100 '\x\a.exe'
	net_series 601 30 WS04 1000 1 outbound 1 "'10.0.0.8'" "n" "'10.0.0.23'" "n" 100 '\x\a.exe'
} > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
is "$(sql "$CASE" "SELECT count(*) FROM findings")" "0" \
    "14 ports, a slow 15 over 19 min, loopback, 0.0.0.0, multicast, ::1 and ICMP: no sweep"
"$WFPSIFT" detect -q -d "$CASE" --port-sweep-ports 10 > /dev/null 2>&1
is "$(findings "$CASE")" "port_sweep|medium|WS02|10.0.0.6|10.0.0.21|-|14|14|-||source" \
    "--port-sweep-ports 10 catches the 14; no reference rule would"
printf '# slow sweeps\nport-sweep-window = 1200   # 20 minutes\n\nport-sweep-ports=15\n' > "$TEST_TMP/slow.conf"
"$WFPSIFT" detect -q -d "$CASE" --config "$TEST_TMP/slow.conf" > /dev/null 2>&1
is "$(findings "$CASE")" "port_sweep|medium|WS03|10.0.0.7|10.0.0.22|-|15|15|-||source" \
    "a config file with a 20-minute window catches the slow sweep"
"$WFPSIFT" detect -q -d "$CASE" --config "$TEST_TMP/slow.conf" --port-sweep-window 300 > /dev/null 2>&1
is "$(sql "$CASE" "SELECT count(*) FROM findings")" "0" "a flag overrides the config file"

# 4. Two sweeps an hour apart are two findings; a pause inside one is not.
CASE=$TEST_TMP/two.db
new_case "$CASE"
{
	net_series 1 20 WS01 1000 1 outbound 6 "'10.0.0.5'" "40000 + n" "'10.0.0.20'" "1 + n" 100 '\x\a.exe'
	net_series 101 20 WS01 4600 1 outbound 6 "'10.0.0.5'" "41000 + n" "'10.0.0.20'" "101 + n" 100 '\x\a.exe'
	net_series 201 20 WS01 8000 1 outbound 6 "'10.0.0.5'" "42000 + n" "'10.0.0.20'" "201 + n" 100 '\x\a.exe'
	net_series 301 20 WS01 8260 1 outbound 6 "'10.0.0.5'" "43000 + n" "'10.0.0.20'" "301 + n" 100 '\x\a.exe'
} > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
is "$(sql "$CASE" "SELECT id, distinct_count, substr(first_time, 12, 8), substr(last_time, 12, 8) FROM findings ORDER BY id")" \
    "1|20|00:16:40|00:16:59
2|20|01:16:40|01:16:59
3|40|02:13:20|02:17:59" \
    "one finding per sweep: apart an hour, two; a 4-minute pause inside one, merged"

# 5. Host sweeps.
CASE=$TEST_TMP/hosts.db
new_case "$CASE"
{
	net_series 1 30 WS01 1000 2 outbound 6 "'10.0.0.5'" "40000 + n" "'10.0.1.' || (n + 1)" 445 100 '\x\a.exe'
	net_series 101 30 WS01 5000 2 outbound 6 "'10.0.0.5'" "40000 + n" "'10.0.2.' || (n + 1)" "CASE WHEN n % 2 = 0 THEN 139 ELSE 445 END" 100 '\x\a.exe'
	net_series 201 40 WS01 9000 2 outbound 6 "'10.0.0.5'" "40000 + n" "'93.184.216.' || (n + 1)" 443 100 '\x\browser.exe'
} > "$TEST_TMP/rows.sql"
i=0
while [ $i -lt 30 ]; do
	i=$((i + 1))
	net $((1000 + i)) "T$i" $((13000 + i)) inbound 6 "10.0.3.$i" 3389 10.0.0.66 50000 4 -
done >> "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
is "$(findings "$CASE")" "host_sweep|high|WS01|10.0.0.5|-|445|30|30|smb|zeek|source
host_sweep|high|WS01|10.0.0.5|-|-|30|30|smb||source
host_sweep|high|-|10.0.0.66|-|3389|30|30|rdp|zeek|target" \
    "30 hosts on 445; 30 on 139 and 445 (one service, not Zeek's one port); 30 targets each logging one RDP probe; browsing 40 internet hosts is silent"
is "$(sql "$CASE" "SELECT length(seen_by) - length(replace(seen_by, ',', '')) + 1 FROM findings WHERE id = 3")" \
    "30" "the inbound-only sweep names the 30 logs it was seen in"
is "$(sql "$CASE" "SELECT substr(summary, instr(summary, '; seen')) FROM findings WHERE id = 3")" \
    "; seen only in the targets' logs (T1, T10, T11 and 27 more). Zeek's reference rule would also fire; Elastic's would not." \
    "its summary names a few of them"
"$WFPSIFT" detect -q -d "$CASE" --host-sweep-internal-only no > /dev/null 2>&1
is "$(sql "$CASE" "SELECT detector, service, distinct_count, severity FROM findings WHERE id = 3")" \
    "host_sweep|https|40|medium" "--host-sweep-internal-only no counts internet hosts too"

# 5b. A subnet scanned on many ports is one port sweep and one host sweep,
# not one per host and one per port.
CASE=$TEST_TMP/subnet.db
new_case "$CASE"
net_series 1 600 WS01 1000 0.1 outbound 6 "'10.0.0.5'" "40000 + n" "'10.0.4.' || (1 + n % 30)" "1 + n / 30" 100 '\x\a.exe' > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
is "$(findings "$CASE")" "host_sweep|medium|WS01|10.0.0.5|-|-|30|600|port 1, port 2, port 3, port 4, port 5, port 6, port 7, port 8, port 9, port 10, port 11, port 12, port 13, port 14, port 15, port 16, port 17, port 18, port 19, port 20|zeek|source
port_sweep|medium|WS01|10.0.0.5|-|-|20|600|-|zeek|source" \
    "30 hosts x 20 ports in a minute, port by port: one host sweep over 20 services, one port sweep over 30 hosts"
is "$(sql "$CASE" "SELECT substr(summary, 1, instr(summary, ' within') - 1) FROM findings ORDER BY id")" \
    "10.0.0.5 reached 30 distinct internal hosts on 20 services (port 1, port 2, port 3 and 17 more)
10.0.0.5 probed 20 distinct ports on 30 hosts" \
    "their sentences count the hosts and services"

# 6. Tens of thousands of ordinary events and one sweep: exactly one finding.
CASE=$TEST_TMP/background.db
new_case "$CASE"
{
	# 20 workstations talk to the DC on 9 ports, every 5 s for 2 hours.
	net_series 1 28800 WS "0" 0.25 outbound 6 "'10.0.1.' || (1 + n % 20)" "49152 + n % 16000" "'10.0.0.2'" \
	    "CASE n % 9 WHEN 0 THEN 53 WHEN 1 THEN 88 WHEN 2 THEN 135 WHEN 3 THEN 389 WHEN 4 THEN 445 WHEN 5 THEN 464 WHEN 6 THEN 3268 WHEN 7 THEN 49667 ELSE 49668 END" 800 '\windows\system32\lsass.exe'
	# ... browse 200 internet hosts, and reach 10 peers on 7680 ...
	net_series 30001 7200 WS "0" 1 outbound 6 "'10.0.1.' || (1 + n % 20)" "50000 + n % 10000" "'151.101.' || (n % 200) || '.1'" 443 900 '\x\browser.exe'
	net_series 40001 3600 WS "0" 2 outbound 6 "'10.0.1.' || (1 + n % 20)" "50000 + n % 10000" "'10.0.1.' || (21 + n % 10)" 7680 1000 '\windows\system32\svchost.exe'
	# ... and the file server logs their SMB and RPC sessions.
	net_series 50001 3600 FS01 "0" 2 inbound 6 "'10.0.0.10'" "CASE n % 2 WHEN 0 THEN 445 ELSE 135 END" "'10.0.1.' || (1 + n % 20)" "50000 + n" 4 -
	# One workstation sweeps 25 ports of the file server in a minute.
	net_series 60001 25 WS07 3000 2 outbound 6 "'10.0.1.7'" "60000 + n" "'10.0.0.10'" "1000 + n" 1234 '\users\bob\scan.exe'
} > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
is "$(sql "$CASE" "SELECT count(*) FROM network_events")" "43225" "the background case holds 43,225 events"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
is "$(sql "$CASE" "SELECT detector, host, source_ip, destination_ip FROM findings")" \
    "port_sweep|WS07|10.0.1.7|10.0.0.10" "exactly one finding: the sweep"
is "$(sql "$CASE" "SELECT count(*) FROM finding_evidence WHERE network_event_id BETWEEN 60001 AND 60025")" \
    "25" "with every probe as evidence (and the file server's own records of that source meanwhile)"

# 7. The same case gives the same findings, ids and evidence every run.
CASE=$TEST_TMP/hosts.db
dump() { sql "$CASE" "SELECT * FROM findings ORDER BY id; SELECT * FROM finding_evidence ORDER BY 1, 2"; }
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
dump > "$TEST_TMP/first"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
dump > "$TEST_TMP/second"
cmp -s "$TEST_TMP/first" "$TEST_TMP/second"
ok $? "two runs store identical findings and evidence"

# 8. A failed run leaves the last run's results in place.
"$WFPSIFT" detect -q -d "$CASE" --policy "$TEST_TMP/no-such-policy" > /dev/null 2> "$TEST_TMP/err"
is "$?" "1" "an unreadable policy file is an error (exit 1)"
dump > "$TEST_TMP/third"
cmp -s "$TEST_TMP/first" "$TEST_TMP/third"
ok $? "and the case keeps the previous findings"
done_testing
