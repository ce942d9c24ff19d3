#!/bin/sh
# Bulk loading: ingest into an empty (or small) case drops the secondary
# indexes of the tables it fills and builds them again at its end. After a
# run the case has exactly its indexes back, the schema's and any an
# analyst added; a run killed in the middle leaves every index either in
# place or recorded in case_info, and the next command that opens the case
# builds the recorded ones. The EventData JSON that ingest writes itself is
# byte for byte what SQLite's own JSON encoder writes.
. "${top_srcdir:-.}/tests/lib.sh"

MKEVTX=$top_builddir/tests/mkevtx
[ -x "$MKEVTX" ] || plan_skip_all "tests/mkevtx is not built"
ls "$TESTDATA"/*.evtx >/dev/null 2>&1 || plan_skip_all "no fixtures"
# The fixture writer's own allocations at exit are not what this tests.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    "$MKEVTX" --bench-security 20000 "$TEST_TMP/big.evtx" >/dev/null ||
    plan_skip_all "mkevtx --bench-security failed"

# indexes CASE: every index of the case, name and definition, sorted.
indexes() {
	sql "$1" "SELECT name, sql FROM sqlite_master WHERE type = 'index'
	    AND sql IS NOT NULL ORDER BY name"
}

# deferred CASE: how many index definitions case_info holds for a rebuild.
deferred() {
	sql "$1" "SELECT count(*) FROM case_info WHERE key LIKE 'deferred\_index:%' ESCAPE '\'"
}

"$WFPSIFT" schema | sqlite3 "$TEST_TMP/schema.db"
indexes "$TEST_TMP/schema.db" >"$TEST_TMP/schema.indexes"
ok $([ "$(wc -l <"$TEST_TMP/schema.indexes")" -gt 5 ] && echo 0 || echo 1) \
    "the schema declares secondary indexes"

# A bulk load into a new case ends with the schema's indexes, no more, no less.
"$WFPSIFT" ingest -q --all-data -d "$TEST_TMP/fixtures.db" "$TESTDATA"/*.evtx
indexes "$TEST_TMP/fixtures.db" >"$TEST_TMP/fixtures.indexes"
diff "$TEST_TMP/schema.indexes" "$TEST_TMP/fixtures.indexes" >&2
ok $? "after ingest into a new case the case has the schema's indexes"
is "$(deferred "$TEST_TMP/fixtures.db")" 0 "no index is left recorded for a rebuild"

# EventData: SQLite's encoder, from the decoded values, writes the same text.
is "$(sql "$TEST_TMP/fixtures.db" "SELECT count(*) FROM events e WHERE
    e.data IS NOT NULL AND e.data IS NOT (SELECT json_group_object(key, value)
    FROM json_each(e.data))")" 0 \
    "every events.data is what SQLite's json_object writes"
is "$(sql "$TEST_TMP/fixtures.db" "SELECT count(*) FROM events WHERE data = '{}'")" 0 \
    "a record without fields has NULL data, not {}"
# The escapes that test is about: each one occurs in the fixtures.
for escape in 'backslash \\' 'quote \"' 'newline \n' 'tab \t' 'control \u00'; do
	found=$(sql "$TEST_TMP/fixtures.db" "SELECT count(*) FROM events
	    WHERE instr(data, '${escape#* }') > 0")
	ok $([ "$found" -gt 0 ] && echo 0 || echo 1) \
	    "the fixtures hold values written with the ${escape% *} escape ($found records)"
done

# A small case that an analyst added indexes to, then a larger input: bulk.
"$WFPSIFT" ingest -q -d "$TEST_TMP/added.db" "$TESTDATA/connect-scan.evtx"
sql "$TEST_TMP/added.db" "CREATE INDEX analyst_by_app ON
    network_events(application_name, remote_port);
    CREATE INDEX \"analyst \"\"odd\"\" name\" ON events(provider)"
indexes "$TEST_TMP/added.db" >"$TEST_TMP/added.before"
"$WFPSIFT" ingest -q -d "$TEST_TMP/added.db" "$TEST_TMP/big.evtx"
indexes "$TEST_TMP/added.db" >"$TEST_TMP/added.after"
diff "$TEST_TMP/added.before" "$TEST_TMP/added.after" >&2
ok $? "indexes an analyst added survive a bulk load"
is "$(sql "$TEST_TMP/added.db" "PRAGMA integrity_check")" ok \
    "the rebuilt indexes agree with their tables"

# The state a killed run leaves, made by hand: the next open rebuilds it.
cp "$TEST_TMP/added.db" "$TEST_TMP/repair.db"
sql "$TEST_TMP/repair.db" "BEGIN;
    INSERT INTO case_info SELECT 'deferred_index:' || name, sql FROM sqlite_master
    WHERE name IN ('analyst_by_app', 'network_by_remote', 'events_by_event_id');
    DROP INDEX analyst_by_app; DROP INDEX network_by_remote;
    DROP INDEX events_by_event_id; COMMIT"
"$WFPSIFT" ingest -q -d "$TEST_TMP/repair.db" "$TESTDATA/connect-scan.evtx"
indexes "$TEST_TMP/repair.db" >"$TEST_TMP/repair.after"
diff "$TEST_TMP/added.before" "$TEST_TMP/repair.after" >&2
ok $? "the next run rebuilds the indexes a killed run had dropped"
is "$(deferred "$TEST_TMP/repair.db")" 0 "and forgets their records"

# Only CREATE INDEX statements are run from case_info.
sql "$TEST_TMP/repair.db" "INSERT INTO case_info VALUES
    ('deferred_index:evil', 'CREATE TABLE evil(x)')"
"$WFPSIFT" ingest -q -d "$TEST_TMP/repair.db" "$TESTDATA/connect-scan.evtx"
is "$(sql "$TEST_TMP/repair.db" "SELECT count(*) FROM sqlite_master WHERE name = 'evil'")" 0 \
    "a recorded statement that is not CREATE INDEX is not run"

# A real kill while the indexes are dropped: none is lost.
export WFPSIFT_RECORDS_PER_TRANSACTION=200
"$WFPSIFT" ingest -q -j1 -d "$TEST_TMP/killed.db" "$TEST_TMP/big.evtx" &
pid=$!
seen=0 tries=0
while [ "$seen" = 0 ] && [ $tries -lt 400 ] && kill -0 $pid 2>/dev/null; do
	seen=$(deferred "$TEST_TMP/killed.db" 2>/dev/null)
	: "${seen:=0}"
	tries=$((tries + 1))
	sleep 0.01
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
ok $([ "$seen" -gt 0 ] && echo 0 || echo 1) \
    "during a bulk load the dropped indexes are recorded ($seen)"
lost=$(sqlite3 -batch -noheader "$TEST_TMP/schema.db" "SELECT name FROM sqlite_master
    WHERE type = 'index' AND sql IS NOT NULL" | while read -r name; do
	n=$(sql "$TEST_TMP/killed.db" "SELECT (SELECT count(*) FROM sqlite_master
	    WHERE type = 'index' AND name = '$name') + (SELECT count(*) FROM
	    case_info WHERE key = 'deferred_index:$name')")
	[ "$n" = 1 ] || echo "$name"
done)
is "$lost" "" "after the kill each index is in place or recorded, once"
unset WFPSIFT_RECORDS_PER_TRANSACTION
"$WFPSIFT" ingest -q -d "$TEST_TMP/killed.db" "$TEST_TMP/big.evtx"
indexes "$TEST_TMP/killed.db" >"$TEST_TMP/killed.indexes"
diff "$TEST_TMP/schema.indexes" "$TEST_TMP/killed.indexes" >&2
ok $? "the run after the kill ends with every index"
is "$(sql "$TEST_TMP/killed.db" "SELECT status || ' ' || record_count FROM sources")" \
    "complete 20000" "and completes the file"
done_testing
