#!/bin/sh
# detect-attribution: which process and user made each network event.
# Hand-built cases, one per rule of attribute.c: PIDs compared as numbers
# (4688 logs hex), PID reuse, exit before the event, image mismatch,
# ambiguous creations, other hosts, Sysmon's ProcessGuid and User, PID 4.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/detect-lib.sh"

CASE=$TEST_TMP/attribution.db
SQL=$TEST_TMP/rows.sql
new_case "$CASE"
ALICE="CORP alice S-1-5-21-1-1001"
BOB="CORP bob S-1-5-21-1-1002"
{
	logon 1 WS01 10 0x1f2e3 10 10.0.0.99 alice CORP S-1-5-21-1-1001
	logon 2 WS01 20 0x2222 3 10.0.0.98 bob CORP S-1-5-21-1-1002
	# 4688 logs NewProcessId 0x1a2c; the store holds the number 6700, as 5156 does.
	proc 1 WS01 100 start 0x1a2c '\windows\system32\curl.exe' alice CORP S-1-5-21-1-1001 0x1f2e3 1
	net 1 WS01 150 outbound 6 10.0.0.5 50001 10.0.0.20 443 6700 '\windows\system32\curl.exe'
	# PID 500 is alice's app, exits, and is reused by bob's.
	proc 2 WS01 100 start 500 '\program files\app\app.exe' alice CORP S-1-5-21-1-1001 0x1f2e3 0
	proc 3 WS01 200 exit 500 '\program files\app\app.exe' alice CORP S-1-5-21-1-1001 0x1f2e3 -
	proc 4 WS01 300 start 500 '\program files\app\app.exe' bob CORP S-1-5-21-1-1002 0x2222 0
	net 2 WS01 150 outbound 6 10.0.0.5 50002 10.0.0.20 443 500 '\program files\app\app.exe'
	net 3 WS01 350 outbound 6 10.0.0.5 50003 10.0.0.20 443 500 '\program files\app\app.exe'
	net 4 WS01 250 outbound 6 10.0.0.5 50004 10.0.0.20 443 500 '\program files\app\app.exe'
	# The image differs: the PID belongs to a process we never saw start.
	proc 5 WS01 100 start 700 '\windows\notepad.exe' alice CORP S-1-5-21-1-1001 0x1f2e3 0
	net 5 WS01 150 outbound 6 10.0.0.5 50005 10.0.0.20 22 700 '\tools\putty.exe'
	# Two creations claim PID 800 at once for different accounts.
	proc 6 WS01 100 start 800 '\windows\system32\cmd.exe' alice CORP S-1-5-21-1-1001 0x1f2e3 0
	proc 7 WS01 100 start 800 '\windows\system32\cmd.exe' bob CORP S-1-5-21-1-1002 0x2222 0
	net 6 WS01 150 outbound 6 10.0.0.5 50006 10.0.0.20 445 800 '\windows\system32\cmd.exe'
	# No creation at all; a creation only after the event; one on another host.
	net 7 WS01 150 outbound 6 10.0.0.5 50007 10.0.0.20 445 900 '\x\y.exe'
	proc 8 WS01 200 start 1000 '\x\z.exe' alice CORP S-1-5-21-1-1001 0x1f2e3 0
	net 8 WS01 150 outbound 6 10.0.0.5 50008 10.0.0.20 445 1000 '\x\z.exe'
	proc 9 WS02 100 start 1100 '\x\w.exe' alice CORP S-1-5-21-1-1001 0x1f2e3 0
	net 9 WS01 150 outbound 6 10.0.0.5 50009 10.0.0.20 445 1100 '\x\w.exe'
	# 4688 (machine account, SID S-1-5-18) and Sysmon 1 (NT AUTHORITY\SYSTEM)
	# log the same process: not a rival, and the 4688 row names the account.
	proc 10 WS01 100 start 1200 '\windows\system32\svchost.exe' 'WS01$' CORP S-1-5-18 0x3e7 1
	proc 11 WS01 100 start 1200 '\windows\system32\svchost.exe' SYSTEM 'NT AUTHORITY' - 0x3e7 1 1 '{aaaa-1200}'
	net 10 WS01 150 outbound 6 10.0.0.5 50010 10.0.0.20 135 1200 '\windows\system32\svchost.exe'
	# Sysmon 3 joins Sysmon 1 by ProcessGuid; without a process it keeps its User.
	net 11 WS01 150 outbound 6 10.0.0.5 50011 10.0.0.20 135 1200 '\windows\system32\svchost.exe' connection 3 'NT AUTHORITY\SYSTEM' '{aaaa-1200}'
	net 12 WS01 150 outbound 6 10.0.0.5 50012 10.0.0.20 135 1300 '\x\v.exe' connection 3 'CORP\carol' '{bbbb-1300}'
	# PID 4 is the kernel: no creation event will ever explain it.
	net 13 WS01 150 inbound 6 10.0.0.5 445 10.0.0.30 50013 4 -
	# An exit logged at the very instant of the event does not undo it.
	proc 12 WS01 100 start 1400 '\x\a.exe' alice CORP S-1-5-21-1-1001 0x1f2e3 0
	proc 13 WS01 150 exit 1400 '\x\a.exe' alice CORP S-1-5-21-1-1001 0x1f2e3 -
	net 14 WS01 150 outbound 6 10.0.0.5 50014 10.0.0.20 80 1400 '\x\a.exe'
	net 15 WS01 150 outbound 6 10.0.0.5 50015 10.0.0.20 80 NULL '\x\a.exe'
} > "$SQL"
load "$CASE" "$SQL"

"$WFPSIFT" detect -q -d "$CASE" > "$TEST_TMP/out" 2>&1
ok $? "detect runs on a hand-built case"

row() {
	sql "$CASE" "SELECT coalesce(process_row, '-'), coalesce(method, '-'),
	    coalesce(reason, '-'), coalesce(user_name, '-')
	    FROM attribution WHERE network_event_id = $1"
}
is "$(row 1)" "1|pid_image_time|-|CORP\\alice" "hex 4688 PID 0x1a2c matches decimal 5156 PID 6700"
is "$(sql "$CASE" "SELECT logon_row, logon_type, logon_source_ip, user_sid, elevated
    FROM attribution WHERE network_event_id = 1")" "1|10|10.0.0.99|S-1-5-21-1-1001|1" \
    "the logon id leads to the 4624: type, source address; elevation from the token"
is "$(row 2)" "2|pid_image_time|-|CORP\\alice" "reused PID: before the exit, the first owner"
is "$(row 3)" "4|pid_image_time|-|CORP\\bob" "reused PID: after the new creation, the new owner"
is "$(sql "$CASE" "SELECT logon_type, logon_source_ip FROM attribution WHERE network_event_id = 3")" \
    "3|10.0.0.98" "the new owner's own logon"
is "$(row 4)" "-|-|process_exited|-" "between exit and reuse: nobody, because the process had exited"
is "$(row 5)" "-|-|image_mismatch|-" "a live PID whose image is not the application: not attributed"
is "$(row 6)" "-|-|pid_ambiguous|-" "two creations of one PID for different users: ambiguous"
is "$(row 7)" "-|-|no_process_creation|-" "no creation for the PID"
is "$(row 8)" "-|-|no_process_creation|-" "a creation after the event does not explain it"
is "$(row 9)" "-|-|no_process_creation|-" "a creation on another host does not explain it"
is "$(row 10)" "10|pid_image_time|-|CORP\\WS01\$" "4688 and Sysmon 1 of one process agree; 4688's account wins"
is "$(row 11)" "11|process_guid|-|NT AUTHORITY\\SYSTEM" "Sysmon 3 joins Sysmon 1 by ProcessGuid"
is "$(row 12)" "-|sysmon_user|-|CORP\\carol" "Sysmon 3 without a process keeps its own User"
is "$(row 13)" "-|-|system_process|-" "PID 4 is the kernel"
is "$(row 14)" "12|pid_image_time|-|CORP\\alice" "an exit at the event's instant does not undo it"
is "$(row 15)" "-|-|no_pid|-" "no PID, no attribution"
is "$(sql "$CASE" "SELECT count(*) FROM attribution")" "15" "one attribution row per network event"
is "$(sql "$CASE" "SELECT group_concat(network_event_id) FROM unattributed_connections")" \
    "5,6,7,8,9,13,15,4" "the unattributed_connections view lists the rest, in time order"

"$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
is "$(sql "$CASE" "SELECT count(*), count(DISTINCT network_event_id) FROM attribution")" \
    "15|15" "a second run replaces the rows, it does not add to them"
done_testing
