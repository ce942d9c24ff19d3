#!/bin/sh
# detect-app-misuse: per-user application misuse on a hand-built two-day
# case: the learning day, what day two flags and what it does not, rarity,
# a reused PID, --learning-days, and the policy file.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/detect-lib.sh"

PS='\windows\system32\windowspowershell\v1.0\powershell.exe'
MSTSC='\windows\system32\mstsc.exe'
PSEXEC='\users\helpdesk\downloads\psexec.exe'
DAY=86400
CASE=$TEST_TMP/misuse.db
new_case "$CASE"
{
	logon 1 WS10 50 0x10 2 - admin CORP S-1-5-21-1-500
	logon 2 WS11 60 0x11 2 - helpdesk CORP S-1-5-21-1-1101
	# Day one, the learning period: the admin uses PowerShell remoting, the
	# help desk uses Remote Desktop.
	proc 1 WS10 100 start 2000 "$PS" admin CORP S-1-5-21-1-500 0x10 1
	net 1 WS10 100 outbound 6 10.0.0.50 50001 10.0.0.10 5985 2000 "$PS"
	net 2 WS10 7200 outbound 6 10.0.0.50 50002 10.0.0.10 5985 2000 "$PS"
	proc 2 WS11 200 start 3000 "$MSTSC" helpdesk CORP S-1-5-21-1-1101 0x11 0
	net 3 WS11 300 outbound 6 10.0.0.51 50003 10.0.0.30 3389 3000 "$MSTSC"
	# Day two: the admin again (baseline), and to the internet (not watched).
	net 4 WS10 $((DAY + 3600)) outbound 6 10.0.0.50 50004 10.0.0.10 5985 2000 "$PS"
	net 5 WS10 $((DAY + 3700)) outbound 6 10.0.0.50 50005 93.184.216.34 443 2000 "$PS"
	# The help desk starts PowerShell (PID 3100) and remotes to two servers.
	proc 3 WS11 $((DAY + 8000)) start 3100 "$PS" helpdesk CORP S-1-5-21-1-1101 0x11 0
	net 6 WS11 $((DAY + 8100)) outbound 6 10.0.0.51 50006 10.0.0.10 5985 3100 "$PS"
	net 7 WS11 $((DAY + 8200)) outbound 6 10.0.0.51 50007 10.0.0.11 5985 3100 "$PS"
	proc 4 WS11 $((DAY + 8300)) exit 3100 "$PS" helpdesk CORP S-1-5-21-1-1101 0x11 -
	# PID 3100 comes back as the admin's PowerShell on WS11 (a remote logon).
	logon 3 WS11 $((DAY + 8900)) 0x99 3 10.0.0.50 admin CORP S-1-5-21-1-500
	proc 5 WS11 $((DAY + 9000)) start 3100 "$PS" admin CORP S-1-5-21-1-500 0x99 1
	net 8 WS11 $((DAY + 9100)) outbound 6 10.0.0.51 50008 10.0.0.10 5985 3100 "$PS"
	# One PsExec connection is enough: SMB is a lateral-movement port.
	proc 6 WS11 $((DAY + 9500)) start 3200 "$PSEXEC" helpdesk CORP S-1-5-21-1-1101 0x11 0
	net 9 WS11 $((DAY + 9600)) outbound 6 10.0.0.51 50009 10.0.0.12 445 3200 "$PSEXEC"
	# New applications on ordinary ports: two internal hosts are not enough,
	# three are.
	proc 7 WS12 $((DAY + 100)) start 4000 '\x\inventory.exe' carol CORP S-1-5-21-1-1201 0x12 0
	net 10 WS12 $((DAY + 200)) outbound 6 10.0.0.52 50010 10.0.0.40 8080 4000 '\x\inventory.exe'
	net 11 WS12 $((DAY + 300)) outbound 6 10.0.0.52 50011 10.0.0.41 8080 4000 '\x\inventory.exe'
	proc 8 WS13 $((DAY + 10000)) start 5000 '\x\crawler.exe' dave CORP S-1-5-21-1-1301 0x13 0
	net 12 WS13 $((DAY + 10100)) outbound 6 10.0.0.53 50012 10.0.0.40 8080 5000 '\x\crawler.exe'
	net 13 WS13 $((DAY + 10200)) outbound 6 10.0.0.53 50013 10.0.0.41 8080 5000 '\x\crawler.exe'
	net 14 WS13 $((DAY + 10300)) outbound 6 10.0.0.53 50014 10.0.0.42 8080 5000 '\x\crawler.exe'
} > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"

misuse() {
	sql "$CASE" "SELECT severity, host, user_name, application, service,
	    coalesce(destination_port, '-'), distinct_count, event_count
	    FROM findings WHERE detector = 'app_misuse' ORDER BY id"
}

"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
ok $? "detect runs"
is "$(misuse)" "medium|WS11|CORP\\helpdesk|powershell.exe|winrm|5985|2|2
high|WS11|CORP\\helpdesk|psexec.exe|smb|445|1|1
medium|WS13|CORP\\dave|crawler.exe|internal|8080|3|3" \
    "day two flags the help desk's PowerShell and PsExec and dave's crawler; not the admin, not carol's two hosts"
is "$(sql "$CASE" "SELECT user_name, logon_type, logon_source_ip FROM attribution WHERE network_event_id IN (7, 8) ORDER BY network_event_id")" \
    "CORP\\helpdesk|2|
CORP\\admin|3|10.0.0.50" "the reused PID 3100 is the help desk's before its exit and the admin's after"
is "$(sql "$CASE" "SELECT group_concat(network_event_id) FROM finding_evidence WHERE finding_id = 1")" \
    "6,7" "the help desk finding's evidence excludes the admin's connection on the reused PID"
is "$(sql "$CASE" "SELECT summary FROM findings WHERE id = 1")" \
    "CORP\\helpdesk used powershell.exe (\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe) for winrm, a lateral-movement service, for the first time after the learning period (which ended 2026-11-03 00:01:40 UTC); 1 other user in the case uses it this way: 2 connections to 2 hosts from 2026-11-03 02:15:00 to 2026-11-03 02:16:40 UTC (seen on WS11)." \
    "the summary says who, what, why it stands out, and how much"
is "$(sql "$CASE" "SELECT substr(summary, instr(summary, ': ')) FROM findings WHERE id = 2")" \
    ": 1 connection to 1 host at 2026-11-03 02:40:00 UTC (seen on WS11)." \
    "a single connection is enough on a lateral-movement port"

"$WFPSIFT" detect -q -d "$CASE" --learning-days 2 > /dev/null 2>&1
is "$(misuse)" "" "with two learning days there is nothing after the baseline"
"$WFPSIFT" detect -q -d "$CASE" --learning-days 0 > /dev/null 2>&1
is "$(sql "$CASE" "SELECT count(*) FROM findings WHERE user_name = 'CORP\\admin'")" "1" \
    "with no learning period the admin's PowerShell is new too"
"$WFPSIFT" detect -q -d "$CASE" --app-misuse-internal-hosts 2 > /dev/null 2>&1
is "$(sql "$CASE" "SELECT group_concat(application) FROM findings WHERE service = 'internal'")" \
    "inventory.exe,crawler.exe" "--app-misuse-internal-hosts 2 flags carol's two-host application too"

# The policy file replaces the history as the source of truth.
cat > "$TEST_TMP/policy" <<'POLICY'
# Who may use what for which connections.
group admins = CORP\admin
group "help desk" = helpdesk, CORP\someone else
allow admins        powershell.exe   winrm, smb
allow "help desk"   C:\Windows\System32\mstsc.exe rdp
allow *             \x\inventory.exe internal
allow S-1-5-21-1-1301 crawler.exe    8080
POLICY
"$WFPSIFT" detect -q -d "$CASE" --policy "$TEST_TMP/policy" > /dev/null 2>&1
is "$(misuse)" "high|WS11|CORP\\helpdesk|powershell.exe|winrm|5985|2|2
critical|WS11|CORP\\helpdesk|psexec.exe|smb|445|1|1" \
    "the policy flags what no allow line covers, on every day; rarity raises PsExec to critical"
printf 'allow admins powershell.exe\n' > "$TEST_TMP/bad-policy"
"$WFPSIFT" detect -q -d "$CASE" --policy "$TEST_TMP/bad-policy" > /dev/null 2> "$TEST_TMP/err"
is "$?" "1" "a malformed policy is an error"
is "$(cat "$TEST_TMP/err")" "wfpsift detect: $CASE: $TEST_TMP/bad-policy:1: expected 'group NAME = USER, ...' or 'allow WHO APPLICATION KINDS'" \
    "naming the file and line"
printf '\n\nallow admins powershell.exe telnetz\n' > "$TEST_TMP/bad-policy"
"$WFPSIFT" detect -q -d "$CASE" --policy "$TEST_TMP/bad-policy" > /dev/null 2> "$TEST_TMP/err"
is "$(cat "$TEST_TMP/err")" "wfpsift detect: $CASE: $TEST_TMP/bad-policy:3: unknown connection kind (any, lateral, internal, a service or a port)" \
    "an unknown connection kind is named too"

# The order the records are stored in changes nothing: the same case with
# its network events stored latest first (the day-two connections before
# the learning day's, so a usage is met flagged before it is known to be
# in the baseline) gives the same findings, named after each usage's
# earliest connection.
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
misuse > "$TEST_TMP/in-order"
sql "$CASE" "SELECT substr(summary, 1, instr(summary, ' used ')) FROM findings
    WHERE detector = 'app_misuse' ORDER BY id" > "$TEST_TMP/in-order-names"
sqlite3 "$CASE" ".backup '$TEST_TMP/reversed.db'"
sql "$TEST_TMP/reversed.db" "DELETE FROM attribution; DELETE FROM finding_evidence;
    UPDATE network_events SET id = -id; UPDATE network_events SET id = 1000 + id"
CASE=$TEST_TMP/reversed.db
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
ok $? "detect runs on the case stored latest first"
is "$(misuse)" "$(cat "$TEST_TMP/in-order")" "the same findings, whatever the storage order"
is "$(sql "$CASE" "SELECT substr(summary, 1, instr(summary, ' used ')) FROM findings
    WHERE detector = 'app_misuse' ORDER BY id")" "$(cat "$TEST_TMP/in-order-names")" \
    "each told with the same user"
# Values of the wrong type, as a hostile or hand-made case may hold, are
# judged as SQL judges them: a port that is text or out of range, a
# direction stored as a blob, an action in other letters, a protocol
# that is text are no watched connection. User names are grouped as
# SQL's lower() groups them, ASCII letters only: 'Ädmin' and 'ÄDMIN' are
# one user, 'ädmin' another.
CASE=$TEST_TMP/types.db
new_case "$CASE"
TOOL='\x\tool.exe'
{
	proc 1 WS20 50 start 100 "$TOOL" 'Ädmin' CORP S-1-5-21-1-2001 0x20 0
	proc 2 WS21 50 start 100 "$TOOL" 'ÄDMIN' CORP S-1-5-21-1-2001 0x21 0
	proc 3 WS22 50 start 100 "$TOOL" 'ädmin' CORP S-1-5-21-1-2002 0x22 0
	net 1 WS20 100 outbound 6 10.0.0.20 50000 10.0.0.99 80 999 '\x\other.exe'
	net 101 WS20 $((DAY + 100)) outbound 6 10.0.0.20 50101 8.8.8.8 445 100 "$TOOL"
	net 102 WS20 $((DAY + 200)) outbound 6 10.0.0.20 50102 8.8.4.4 445 100 "$TOOL"
	net 103 WS20 $((DAY + 300)) outbound 6 10.0.0.20 50103 8.8.4.5 445 100 "$TOOL"
	net 104 WS20 $((DAY + 400)) outbound 6 10.0.0.20 50104 8.8.4.6 445 100 "$TOOL"
	net 105 WS20 $((DAY + 500)) outbound 6 10.0.0.20 50105 8.8.4.7 445 100 "$TOOL"
	net 106 WS20 $((DAY + 600)) outbound 6 10.0.0.20 50106 8.8.4.8 445 100 "$TOOL"
	net 201 WS21 $((DAY + 700)) outbound 6 10.0.0.21 50201 8.8.8.9 445 100 "$TOOL"
	net 301 WS22 $((DAY + 800)) outbound 6 10.0.0.22 50301 8.8.8.10 445 100 "$TOOL"
	echo "UPDATE network_events SET remote_port = 'smb' WHERE id = 102;"
	echo "UPDATE network_events SET remote_port = 4294967741 WHERE id = 103;"
	echo "UPDATE network_events SET direction = CAST('outbound' AS BLOB) WHERE id = 104;"
	echo "UPDATE network_events SET action = 'Allowed' WHERE id = 105;"
	echo "UPDATE network_events SET protocol = 'tcp' WHERE id = 106;"
} > "$TEST_TMP/types.sql"
load "$CASE" "$TEST_TMP/types.sql"
"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
ok $? "detect runs on values of the wrong type"
is "$(sql "$CASE" "SELECT f.user_name, group_concat(e.network_event_id, ' ')
    FROM findings f JOIN (SELECT * FROM finding_evidence ORDER BY network_event_id) e
    ON e.finding_id = f.id WHERE f.detector = 'app_misuse' GROUP BY f.id ORDER BY f.id")" \
    "CORP\\Ädmin|101 201
CORP\\ädmin|301" "only well-typed connections count, and users are grouped by ASCII case"
done_testing
