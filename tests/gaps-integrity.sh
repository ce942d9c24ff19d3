#!/bin/sh
# gaps: audit policy and log integrity, one planted problem per host.
#
# Every host has a steady log from 08:00 to 18:00 on 2026-11-02 (an event
# every 10 minutes, WFP and process auditing on: tests/gaps-lib.sh steady)
# and then one problem, so the whole list of gaps can be asserted: each
# problem once, with its times and account, and nothing else.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/gaps-lib.sh"

plan 24

CASE="$TEST_TMP/integrity.db"
{
	steady ok.evtx OK01 10.0.1.1
	# cleared at 12:00 by CORP\mallory: the log starts with the 1102, id 5000
	steady clear.evtx CLEAR01 10.0.1.2
	cat <<'SQL'
UPDATE spec SET t = '2026-11-02 12:05:00' WHERE host = 'CLEAR01' AND event_id = 5156;
DELETE FROM spec WHERE host = 'CLEAR01' AND t <= '2026-11-02 12:00:00';
INSERT INTO spec(source, host, t, event_id, user_name, user_domain) VALUES
  ('clear.evtx', 'CLEAR01', '2026-11-02 12:00:00', 1102, 'mallory', 'CORP');
INSERT INTO spec(source, host, t, event_id, pid, app) VALUES
  ('clear.evtx', 'CLEAR01', '2026-11-02 12:00:01', 4688, 900, 'svc.exe');
SQL
	# the event log service stopped at 12:00, nothing again until 14:00
	steady stop.evtx STOP01 10.0.1.3
	cat <<'SQL'
DELETE FROM spec WHERE host = 'STOP01' AND t >= '2026-11-02 12:00:00' AND t < '2026-11-02 14:00:00';
INSERT INTO spec(source, host, t, event_id) VALUES
  ('stop.evtx', 'STOP01', '2026-11-02 12:00:00', 1100);
SQL
	# full at 15:00, the last record
	steady full.evtx FULL01 10.0.1.4
	cat <<'SQL'
DELETE FROM spec WHERE host = 'FULL01' AND t >= '2026-11-02 15:00:00';
INSERT INTO spec(source, host, t, event_id) VALUES
  ('full.evtx', 'FULL01', '2026-11-02 15:00:00', 1104);
SQL
	# ten records deleted: ids 31-40
	steady gap.evtx GAP01 10.0.1.5
	# silent from 10:00 to 15:00
	steady silent.evtx SILENT01 10.0.1.6
	echo "DELETE FROM spec WHERE host = 'SILENT01' AND t > '2026-11-02 10:00:00' AND t < '2026-11-02 15:00:00';"
	# wrapped: the oldest record is 501
	steady wrap.evtx WRAP01 10.0.1.7
	# WFP connection success auditing off from 11:00 (mallory) to 13:00 (alice)
	steady policy.evtx POLICY01 10.0.1.8
	cat <<'SQL'
INSERT INTO spec(source, host, t, event_id, user_name, user_domain, subcategory_guid, changes) VALUES
  ('policy.evtx', 'POLICY01', '2026-11-02 11:00:00', 4719, 'mallory', 'CORP',
   '{0CCE9226-69AE-11D9-BED3-505054503030}', '%%8448'),
  ('policy.evtx', 'POLICY01', '2026-11-02 13:00:00', 4719, 'alice', 'CORP',
   '{0CCE9226-69AE-11D9-BED3-505054503030}', '%%8449'),
  ('policy.evtx', 'POLICY01', '2026-11-02 16:00:00', 4719, 'mallory', 'CORP',
   '{0CCE9225-69AE-11D9-BED3-505054503030}', '%%8450'),
  ('policy.evtx', 'POLICY01', '2026-11-02 16:30:00', 4719, 'alice', 'CORP',
   '{0CCE9233-69AE-11D9-BED3-505054503030}', '%%8448');
SQL
	# connection success auditing first turned on at 09:00
	steady on.evtx ON01 10.0.1.9
	cat <<'SQL'
INSERT INTO spec(source, host, t, event_id, user_name, user_domain, subcategory_guid, changes) VALUES
  ('on.evtx', 'ON01', '2026-11-02 09:00:00', 4719, 'alice', 'CORP',
   '{0CCE9226-69AE-11D9-BED3-505054503030}', '%%8449');
SQL
	# no WFP record at all
	background nowfp.evtx NOWFP01
	# a damaged file whose records all still parse: libevtx says corrupted
	steady corrupt.evtx CORRUPT01 10.0.1.10
	# five records (21-25) that could not be decoded
	steady unread.evtx UNREAD01 10.0.1.16
	# two stale records recovered from slack
	steady recovered.evtx RECOV01 10.0.1.11
	cat <<'SQL'
INSERT INTO spec(source, host, t, event_id, record_id, recovered) VALUES
  ('recovered.evtx', 'RECOV01', '2026-11-01 07:00:00', 4672, 3, 1),
  ('recovered.evtx', 'RECOV01', '2026-11-01 07:01:00', 4672, 4, 1);
SQL
	# ids 31-40 are missing from one file and present in a shadow copy
	steady filled.evtx FILLED01 10.0.1.12
	# a dirty copy
	steady dirty.evtx DIRTY01 10.0.1.13
	# an event processing error
	steady error.evtx ERROR01 10.0.1.14
	echo "INSERT INTO spec(source, host, t, event_id) VALUES ('error.evtx', 'ERROR01', '2026-11-02 09:30:00', 1108);"
	# shut down at 12:00 (one straggling record after the 1100), booted at 16:00
	steady boot.evtx BOOT01 10.0.1.15
	cat <<'SQL'
DELETE FROM spec WHERE host = 'BOOT01' AND t >= '2026-11-02 12:00:00' AND t < '2026-11-02 16:00:00';
INSERT INTO spec(source, host, t, event_id, pid, app) VALUES
  ('boot.evtx', 'BOOT01', '2026-11-02 12:00:00', 1100, NULL, NULL),
  ('boot.evtx', 'BOOT01', '2026-11-02 12:02:00', 4672, NULL, NULL),
  ('boot.evtx', 'BOOT01', '2026-11-02 16:00:00', 4688, 700, 'lsass.exe');
SQL
	# record ids by file, counting on from 1 unless said otherwise
	cat <<'SQL'
CREATE TEMP TABLE ids AS SELECT n, row_number() OVER (PARTITION BY source ORDER BY t, n) AS r
  FROM spec WHERE recovered IS NULL;
UPDATE spec SET record_id = (SELECT r FROM ids WHERE ids.n = spec.n) WHERE recovered IS NULL;
UPDATE spec SET record_id = record_id + 4999 WHERE host = 'CLEAR01';
UPDATE spec SET record_id = record_id + 500 WHERE host = 'WRAP01';
INSERT INTO spec(source, host, t, event_id, record_id)
  SELECT 'filled-shadow.evtx', host, t, event_id, record_id FROM spec
  WHERE host = 'FILLED01' AND record_id BETWEEN 31 AND 40;
DELETE FROM spec WHERE host IN ('GAP01', 'FILLED01') AND source NOT LIKE '%shadow%'
  AND record_id BETWEEN 31 AND 40;
DELETE FROM spec WHERE host = 'UNREAD01' AND record_id BETWEEN 21 AND 25;
SQL
} | make_case "$CASE"
sql "$CASE" "UPDATE sources SET dirty = 1, header_flags = 1 WHERE path = 'dirty.evtx';
    UPDATE sources SET corrupted = 1 WHERE path = 'corrupt.evtx';
    INSERT INTO ingest_errors(source_id, path, record_id, kind, message)
      SELECT id, path, 20 + k, 'record', 'unsupported binary XML token'
      FROM sources, (SELECT 1 AS k UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5)
      WHERE path = 'unread.evtx'"

"$WFPSIFT" gaps -d "$CASE" > "$TEST_TMP/out" 2>&1
ok $? "gaps runs"
is "$(sql "$CASE" "SELECT kind, host, substr(first_time, 1, 19), substr(last_time, 1, 19),
      coalesce(event_count, '-'), coalesce(user_name, '-'), severity FROM gaps ORDER BY host, first_time, kind")" \
"log_service_stopped|BOOT01|2026-11-02T12:00:00|2026-11-02T16:00:00|-|-|info
log_cleared|CLEAR01|2026-11-02T12:00:00|2026-11-02T12:00:00|-|CORP\\mallory|high
corrupt_chunk|CORRUPT01|2026-11-02T08:00:00|2026-11-02T18:00:00|-|-|medium
dirty_file|DIRTY01|2026-11-02T08:00:00|2026-11-02T18:00:00|-|-|low
log_service_error|ERROR01|2026-11-02T09:30:00|2026-11-02T09:30:00|-|-|medium
log_full|FULL01|2026-11-02T15:00:00|2026-11-02T15:00:00|-|-|high
record_id_gap|GAP01|2026-11-02T12:30:00|2026-11-02T14:20:00|10|-|high
no_wfp_auditing|NOWFP01|2026-11-02T08:00:00|2026-11-02T18:00:00|61|-|medium
audit_policy_change|ON01|2026-11-02T08:00:00|2026-11-02T09:00:00|-|CORP\\alice|low
audit_policy_change|POLICY01|2026-11-02T11:00:00|2026-11-02T13:00:00|-|CORP\\mallory|high
audit_policy_change|POLICY01|2026-11-02T16:00:00|2026-11-02T18:00:00|-|CORP\\mallory|medium
recovered_records|RECOV01|2026-11-01T07:00:00|2026-11-01T07:01:00|2|-|low
time_gap|SILENT01|2026-11-02T10:00:00|2026-11-02T15:00:00|-|-|low
log_service_stopped|STOP01|2026-11-02T12:00:00|2026-11-02T14:00:00|-|-|medium
unreadable_records|UNREAD01|2026-11-02T08:00:00|2026-11-02T18:00:00|5|-|medium
log_wrapped|WRAP01|2026-11-02T08:00:00|2026-11-02T08:00:00|500|-|medium" \
    "each planted problem once, with its times, count and account; a shutdown until the boot, not a silence; undecodable records not a record-id gap; nothing on OK01 or FILLED01"
is "$(sql "$CASE" "SELECT count(*) FROM gaps WHERE host IN ('OK01', 'FILLED01')")" 0 \
    "a clean log, and a gap another file fills, give no gap"
grep -q "CORP\\\\mallory cleared the Security log on CLEAR01 at 2026-11-02 12:00:00 UTC" "$TEST_TMP/out"
ok $? "the clear's summary names who and when"
grep -q "turned off success auditing of Filtering Platform Connection on POLICY01 at 2026-11-02 11:00:00 UTC; until 2026-11-02 13:00:00 UTC (when it was turned back on)" "$TEST_TMP/out"
ok $? "the policy change's summary says what was turned off and until when"
is "$(sql "$CASE" "SELECT source_id IS NOT NULL FROM gaps WHERE kind IN ('log_cleared', 'record_id_gap', 'dirty_file', 'corrupt_chunk', 'log_wrapped') GROUP BY 1")" 1 \
    "integrity gaps name the file they are about"
query=$(sql "$CASE" "SELECT query FROM gaps WHERE kind = 'record_id_gap' AND host = 'GAP01'")
is "$(sql "$CASE" "SELECT group_concat(record_id) FROM ($query)")" "30,41" \
    "the record gap's query shows the records on both sides"
query=$(sql "$CASE" "SELECT query FROM gaps WHERE kind = 'audit_policy_change' AND first_time LIKE '%T11:%'")
is "$(sql "$CASE" "SELECT group_concat(changes, ' ') FROM ($query)")" "%%8448 %%8449" \
    "the policy gap's query shows the removal and the restore"
is "$(sql "$CASE" "SELECT count(*) FROM coverage")" "$(( 17 * 3 ))" "a coverage row per host and detector"

# --- record gaps do not depend on the order records are stored in
record_gaps() {
	sql "$1" "SELECT host, substr(first_time, 1, 19), substr(last_time, 1, 19),
	    event_count FROM gaps WHERE kind = 'record_id_gap' ORDER BY id"
}
sqlite3 "$CASE" ".backup '$TEST_TMP/backwards.db'"
sql "$TEST_TMP/backwards.db" "UPDATE events SET id = -id
    WHERE source_id = (SELECT id FROM sources WHERE path = 'gap.evtx')"
"$WFPSIFT" gaps -q -d "$TEST_TMP/backwards.db" > /dev/null 2>&1
is "$(record_gaps "$TEST_TMP/backwards.db")" "GAP01|2026-11-02T12:30:00|2026-11-02T14:20:00|10" \
    "a file stored back to front: the same record gap (the file is sorted on its own)"
query=$(sql "$TEST_TMP/backwards.db" "SELECT query FROM gaps WHERE kind = 'record_id_gap'")
is "$(sql "$TEST_TMP/backwards.db" "SELECT group_concat(record_id) FROM ($query)")" "30,41" \
    "and its query shows the records on both sides"
for order in forward backwards; do
	from=$CASE
	[ $order = forward ] || from=$TEST_TMP/backwards.db
	sqlite3 "$from" ".backup '$TEST_TMP/unnumbered-$order.db'"
	sql "$TEST_TMP/unnumbered-$order.db" "UPDATE events SET record_number = NULL
	    WHERE source_id = (SELECT id FROM sources WHERE path = 'gap.evtx')"
	"$WFPSIFT" gaps -q -d "$TEST_TMP/unnumbered-$order.db" > /dev/null 2>&1
	is "$(record_gaps "$TEST_TMP/unnumbered-$order.db")" \
	    "GAP01|2026-11-02T12:30:00|2026-11-02T14:20:00|10" \
	    "no header numbers, stored $order: the jump in EventRecordID of GAP01's Security log"
done
sqlite3 "$CASE" ".backup '$TEST_TMP/odd.db'"
sql "$TEST_TMP/odd.db" "UPDATE events SET source_id = 'gap'
    WHERE source_id = (SELECT id FROM sources WHERE path = 'gap.evtx')"
"$WFPSIFT" gaps -q -d "$TEST_TMP/odd.db" > /dev/null 2>&1
is "$(record_gaps "$TEST_TMP/odd.db")" "GAP01|2026-11-02T12:30:00|2026-11-02T14:20:00|10" \
    "a source id ingest never writes ('gap'): SQL's window judges the case, the same gap"
sqlite3 "$CASE" ".backup '$TEST_TMP/odd-recovered.db'"
sql "$TEST_TMP/odd-recovered.db" "UPDATE events SET recovered = 'no'
    WHERE source_id = (SELECT id FROM sources WHERE path = 'gap.evtx') AND record_number = 30"
"$WFPSIFT" gaps -q -d "$TEST_TMP/odd-recovered.db" > /dev/null 2>&1
is "$(sql "$TEST_TMP/odd-recovered.db" "SELECT summary FROM gaps WHERE kind = 'record_id_gap'" |
    grep -o 'between record [0-9]* ')" "between record 29 " \
    "a recovered flag that is text ('no') is not recovered = 0: that record is not counted live"

# A file whose EventRecordIDs are out of step with its record numbers (a
# VSS copy in the corpus has record 352135 carry EventRecordID 462725):
# the jump is told, and queried, in the numbers it was found in.
sqlite3 "$CASE" ".backup '$TEST_TMP/out-of-step.db'"
sql "$TEST_TMP/out-of-step.db" "UPDATE events SET record_id = 462725
    WHERE source_id = (SELECT id FROM sources WHERE path = 'gap.evtx') AND record_number = 30"
"$WFPSIFT" gaps -q -d "$TEST_TMP/out-of-step.db" > /dev/null 2>&1
is "$(sql "$TEST_TMP/out-of-step.db" "SELECT summary FROM gaps WHERE kind = 'record_id_gap'" |
    grep -o 'between record .* are missing')" \
    "between record 30 (EventRecordID 462725, 2026-11-02 12:30:00 UTC) and record 41 (2026-11-02 14:20:00 UTC) are missing" \
    "ids out of step with the numbers: the record numbers, and the odd EventRecordID beside its number"
query=$(sql "$TEST_TMP/out-of-step.db" "SELECT query FROM gaps WHERE kind = 'record_id_gap'")
is "$(sql "$TEST_TMP/out-of-step.db" "SELECT group_concat(record_number) FROM ($query)")" "30,41" \
    "and its query still shows the records on both sides"

# --- each log of a host keeps its own silences, however its records
# interleave with the host's other logs: TWO01's Security log is silent
# from 10:00 to 15:00 while its System log goes on every 10 minutes, and
# TWO02's System log is silent while its Security log goes on, and while
# another log (System2) has events in the silence: two logs, not one.
TWO="$TEST_TMP/two-logs.db"
{
	steady two1.evtx TWO01 10.0.1.30
	echo "DELETE FROM spec WHERE host = 'TWO01' AND t > '2026-11-02 10:00:00' AND t < '2026-11-02 15:00:00';"
	steady two2.evtx TWO02 10.0.1.31
	cat <<'SQL'
INSERT INTO spec(source, host, t, event_id, channel, provider)
  SELECT 'system1.evtx', 'TWO01', datetime('2026-11-02 08:03:00', '+' || (k * 10) || ' minutes'),
    7036, 'System', 'Service Control Manager' FROM series WHERE k <= 60;
INSERT INTO spec(source, host, t, event_id, channel, provider)
  SELECT CASE WHEN k BETWEEN 12 AND 41 THEN 'other.evtx' ELSE 'system2.evtx' END,
    'TWO02', datetime('2026-11-02 08:03:00', '+' || (k * 10) || ' minutes'),
    7036, CASE WHEN k BETWEEN 12 AND 41 THEN 'System2' ELSE 'System' END,
    'Service Control Manager' FROM series WHERE k <= 60 AND NOT (k BETWEEN 12 AND 19)
    AND NOT (k BETWEEN 31 AND 41);
SQL
	# a log of one event, and no WFP record in it
	echo "INSERT INTO spec(source, host, t, event_id) VALUES ('one.evtx', 'ONE01', '2026-11-02 09:00:00', 4672);"
} | make_case "$TWO"
"$WFPSIFT" gaps -q -d "$TWO" > /dev/null 2>&1
is "$(sql "$TWO" "SELECT host, substr(first_time, 1, 19), substr(last_time, 1, 19)
    FROM gaps WHERE kind = 'time_gap' ORDER BY id")" \
    "TWO01|2026-11-02T10:00:00|2026-11-02T15:00:00
TWO02|2026-11-02T09:53:00|2026-11-02T15:03:00" \
    "a silent log is found while the host's other log goes on"
is "$(sql "$TWO" "SELECT substr(summary, 1, 24) FROM gaps WHERE kind = 'time_gap' ORDER BY id")" \
    "The Security log on TWO0
The System log on TWO02 " \
    "and each names its own channel"
is "$(sql "$TWO" "SELECT summary FROM gaps WHERE kind = 'no_wfp_auditing' AND host = 'ONE01'" |
    cut -c1-75)" "ONE01's Security log holds 1 event at 2026-11-02 09:00:00 UTC but not one W" \
    "a log of one event: one event, at one time"
is "$(sql "$TWO" "SELECT summary FROM gaps WHERE kind = 'no_wfp_auditing' AND host = 'TWO01'")" "" \
    "(TWO01 has WFP records)"

# --- thresholds are options
"$WFPSIFT" gaps -d "$CASE" -q --min-silence 600 > /dev/null
is "$(sql "$CASE" "SELECT count(*) FROM gaps WHERE kind = 'time_gap'")" 0 "--min-silence 600: the five-hour silence is not a gap"
"$WFPSIFT" gaps -d "$CASE" -q --silence-factor 2 --min-silence 0 > /dev/null
is "$(sql "$CASE" "SELECT host, count(*) FROM gaps WHERE kind = 'time_gap' GROUP BY host")" "SILENT01|1" \
    "twice the typical spacing: still only SILENT01 (the silences around a stop, a jump in ids and damage are theirs)"
"$WFPSIFT" gaps -d "$CASE" -q --silence-factor 0.5 > /dev/null 2> "$TEST_TMP/err"
is "$?" 2 "--silence-factor below 1: usage error"
