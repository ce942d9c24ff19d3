#!/bin/sh
# report-readonly.sh: wfpsift report only reads the case. It opens it
# read-only: the case file is byte for byte what it was (no case_info row,
# no journal mode change, no view added to an older case), a write
# transaction another process holds open is neither waited for nor seen,
# and a user who may only read the case can report on it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/report-lib.sh"

[ -x "$PYTHON" ] || plan_skip_all "no $PYTHON"

# sha CASE: the SHA-256 of the case file.
sha() { sha256sum "$1" | cut -d ' ' -f 1; }

# A case in WAL mode, as every case wfpsift writes is.
case_db=$TEST_TMP/case.db
report_case "$case_db" findings &&
    [ "$(sql "$case_db" 'PRAGMA journal_mode = WAL')" = wal ] ||
    { echo "Bail out! cannot build the case"; exit 1; }
before=$(sha "$case_db")
info_before=$(sql "$case_db" 'SELECT count(*) FROM case_info')
for format in csv jsonl html; do
	$WFPSIFT report -d "$case_db" --format $format -o "$TEST_TMP/report.$format"
	is "$?" 0 "report --format $format exits 0"
done
is "$(sha "$case_db")" "$before" "the case file is unchanged (same SHA-256) after three reports"
is "$(sql "$case_db" 'SELECT count(*) FROM case_info')" "$info_before" \
    "no case_info row added"

# An older case: no host_summary view and no gaps tables. The reports work,
# and nothing is added to the case (what is missing is read as empty).
old_db=$TEST_TMP/old.db
report_case "$old_db" &&
    sql "$old_db" 'DROP VIEW host_summary; DROP TABLE gap_evidence;
      DROP TABLE witness_flows; DROP TABLE gaps; DROP TABLE coverage;' ||
    { echo "Bail out! cannot build the older case"; exit 1; }
schema_before=$(sql "$old_db" 'SELECT count(*) FROM sqlite_master')
before=$(sha "$old_db")
$WFPSIFT report -d "$old_db" --format html -o "$TEST_TMP/old.html" 2> "$TEST_TMP/old.err"
is "$?:$(cat "$TEST_TMP/old.err")" "0:" "an older case without host_summary or gaps reports"
grep -q 'id="gaps"' "$TEST_TMP/old.html"
ok $? "... with its (empty) gaps section"
is "$(sha "$old_db"):$(sql "$old_db" 'SELECT count(*) FROM sqlite_master')" \
    "$before:$schema_before" "... and the older case is left as it was"

# hold CASE: another process (Python's sqlite3) opens a write transaction
# on the case, inserts a network event and keeps the transaction open for
# up to 40 s ($holder); returns once the transaction is open.
hold() {
	rm -f "$TEST_TMP/held"
	"$PYTHON" -c '
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO events (id, source_id, host) VALUES (99, 1, ?)", ("WS99",))
db.execute("INSERT INTO network_events (id, event_row, source_id, record_id,"
    " host, event_id) VALUES (99, 99, 1, 199, ?, 5156)", ("WS99",))
open(sys.argv[2], "w").close()
time.sleep(40)
' "$1" "$TEST_TMP/held" &
	holder=$!
	wait_until -e "$TEST_TMP/held"
}

# A write transaction open in another process, in WAL and in rollback
# journal mode: report runs at once and reads the last commit.
for mode in wal delete; do
	held_db=$TEST_TMP/held-$mode.db
	report_case "$held_db" findings &&
	    [ "$(sql "$held_db" "PRAGMA journal_mode = $mode")" = $mode ] ||
	    { echo "Bail out! cannot build the $mode case"; exit 1; }
	hold "$held_db"
	held=$([ -e "$TEST_TMP/held" ] && echo held || echo "not held")
	start=$(date +%s)
	timeout 20 $WFPSIFT report -d "$held_db" --format csv -o "$TEST_TMP/held.csv" \
	    2> "$TEST_TMP/held.err"
	status=$?
	elapsed=$(($(date +%s) - start))
	kill $holder 2>/dev/null
	wait $holder 2>/dev/null
	is "$held:$status:$(cat "$TEST_TMP/held.err")" "held:0:" \
	    "$mode mode, BEGIN IMMEDIATE held by another process: report exits 0"
	[ $elapsed -lt 10 ]
	ok $? "$mode mode: ... at once, without waiting for the writer (${elapsed} s)"
	is "$(check csv "$TEST_TMP/held.csv" 'sum(r["kind"] == "network" for r in rows), sum(r["host"] == "WS99" for r in rows)')" \
	    "24
0" "$mode mode: ... with the 24 committed network events, not the uncommitted one"
done

# A user who may only read the case (file 444, folder 555): needs a
# non-root user to be meaningful, since root ignores file permissions.
ro_dir=$TEST_TMP/readonly
nobody_run() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null &&
    nobody_run true 2> /dev/null; then
	chmod 755 "$TEST_TMP"
	mkdir "$ro_dir" "$TEST_TMP/out"
	chmod 777 "$TEST_TMP/out"
	cp "$case_db" "$ro_dir/case.db"
	chmod 444 "$ro_dir/case.db"
	chmod 555 "$ro_dir"
	nobody_run $WFPSIFT report -d "$ro_dir/case.db" --format csv \
	    -o "$TEST_TMP/out/readonly.csv" 2> "$TEST_TMP/readonly.err"
	is "$?:$(cat "$TEST_TMP/readonly.err")" "1:wfpsift report: $ro_dir/case.db: cannot be read here: SQLite reads it through its -wal and -shm files, which are not both there and cannot be created (a folder without write access, or a read-only file system); copy the case, with its -wal file if any, to a folder you can write" \
	    "read-only WAL case in a folder the user cannot write, no -shm: exit 1, saying why"
	# Once a process that can write the folder has read it, -shm is there.
	$WFPSIFT report -d "$ro_dir/case.db" --format csv > /dev/null
	nobody_run $WFPSIFT report -d "$ro_dir/case.db" --format csv \
	    -o "$TEST_TMP/out/readonly.csv" 2> "$TEST_TMP/readonly.err"
	is "$?:$(cat "$TEST_TMP/readonly.err")" "0:" \
	    "read-only case whose -wal and -shm are there: a user who may only read it reports"
	chmod 777 "$ro_dir"
	rm -f "$ro_dir/case.db-wal" "$ro_dir/case.db-shm"
	nobody_run $WFPSIFT report -d "$ro_dir/case.db" --format csv \
	    -o "$TEST_TMP/out/readonly.csv" 2> "$TEST_TMP/readonly.err"
	is "$?:$(cat "$TEST_TMP/readonly.err")" "0:" \
	    "read-only case file in a folder the user can write: the user reports"
	is "$(sha "$ro_dir/case.db")" "$(sha "$case_db")" "... and the case is unchanged"
else
	for name in "read-only WAL case in a folder the user cannot write, no -shm" \
	    "read-only case whose -wal and -shm are there" \
	    "read-only case file in a folder the user can write" \
	    "... and the case is unchanged"; do
		skip "$name" "needs root and setpriv to run as another user"
	done
fi

done_testing
