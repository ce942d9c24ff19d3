#!/bin/sh
# Crash consistency: 'wfpsift ingest' killed with SIGKILL at many moments
# leaves a case that opens, passes PRAGMA integrity_check and
# foreign_key_check, marks no source complete that was not read in full, and
# that the next ingest completes with exactly the rows of an uninterrupted run
# (compared as a canonical dump without row ids or ingest timestamps).
#
# ROBUST_KILLS (default 20) sets the number of kills, ROBUST_SEED the random
# seed (printed, so a failure can be replayed); 'make soak' runs more kills
# on larger files. Ingest commits every WFPSIFT_RECORDS_PER_TRANSACTION
# records (300 here), so kills land between committed batches of a file.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/robust-lib.sh"

kills=${ROBUST_KILLS:-20}
seed=${ROBUST_SEED:-$(date +%s)}
WFPSIFT_RECORDS_PER_TRANSACTION=${WFPSIFT_RECORDS_PER_TRANSACTION:-300}
export WFPSIFT_RECORDS_PER_TRANSACTION

# Inputs: ROBUST_KILL_FILES (newline-separated) or a few real files that take
# about a second together, or the fixtures.
inputs="$TEST_TMP/inputs"
if [ -n "$ROBUST_KILL_FILES" ]; then
	printf '%s\n' "$ROBUST_KILL_FILES" >"$inputs"
elif have_corpus; then
	for f in omerbenamram+evtx/samples/security.evtx \
	    omerbenamram+evtx/samples/Security_with_size_t.evtx \
	    omerbenamram+evtx/samples/Application_no_crc32.evtx; do
		[ -f "$CORPUS/$f" ] && echo "$CORPUS/$f"
	done >"$inputs"
else
	ls "$TESTDATA"/*.evtx 2>/dev/null >"$inputs"
fi
[ -s "$inputs" ] || plan_skip_all "no corpus and no fixtures to ingest"
echo "# seed $seed, $kills kills, inputs:"
sed 's/^/#   /' "$inputs"

# The inputs as positional parameters (names may hold spaces).
set -f
IFS='
'
set -- $(cat "$inputs")
unset IFS
set +f

# ingest CASE FILE...: ingest the files into CASE (in the foreground).
ingest() {
	into=$1; shift
	"$WFPSIFT" ingest -q -d "$into" "$@" >/dev/null 2>>"$TEST_TMP/ingest.err"
}

# Reference: one uninterrupted run, and how long it takes.
start=$(date +%s%N)
ingest "$TEST_TMP/reference.db" "$@"
duration_ms=$(( ($(date +%s%N) - start) / 1000000 ))
canonical_dump "$TEST_TMP/reference.db" >"$TEST_TMP/reference.dump"
reference_rows=$(grep -vc '^==' "$TEST_TMP/reference.dump")
echo "# reference ingest: ${duration_ms} ms, $reference_rows rows"
ok $([ "$reference_rows" -gt 100 ] && echo 0 || echo 1) "the reference run stores rows ($reference_rows)"

# check_case CASE: after a kill, the case is consistent. Prints problems.
check_case() {
	# Killed before the schema was written: an empty database is fine.
	tables=$(sql "$1" "SELECT count(*) FROM sqlite_master WHERE name = 'sources'")
	[ "$tables" = 1 ] || return 0
	integrity=$(sql "$1" "PRAGMA integrity_check" 2>&1)
	[ "$integrity" = ok ] || echo "integrity_check: $integrity"
	foreign=$(sql "$1" "PRAGMA foreign_key_check" 2>&1)
	[ -z "$foreign" ] || echo "foreign_key_check: $foreign"
	# A source marked complete holds exactly the reference's rows.
	sql "$1" "SELECT sha256, record_count, (SELECT count(*) FROM events e
	    WHERE e.source_id = s.id) FROM sources s WHERE status = 'complete'" |
	while IFS='|' read -r hash recorded stored; do
		expected=$(sql "$TEST_TMP/reference.db" "SELECT record_count
		    FROM sources WHERE sha256 = '$hash' AND status = 'complete'")
		[ "$recorded" = "$expected" ] && [ "$stored" = "$expected" ] ||
		    echo "complete source $hash: $recorded recorded, $stored stored, $expected expected"
	done
	# Rows belong to a source row.
	orphans=$(sql "$1" "SELECT count(*) FROM events WHERE source_id NOT IN (SELECT id FROM sources)")
	[ "$orphans" = 0 ] || echo "$orphans events without a source"
}

# compare_with_reference CASE: the finished case equals the reference.
compare_with_reference() {
	canonical_dump "$1" >"$TEST_TMP/case.dump"
	diff "$TEST_TMP/reference.dump" "$TEST_TMP/case.dump" | head -n 5
}

problems=0 partial_batches=0 finished_early=0 completions=0
case_file="$TEST_TMP/killed.db"
i=0
while [ $i -lt "$kills" ]; do
	i=$((i + 1))
	# Kill moments spread over the run, with jitter, from 20 ms on.
	delay=$(awk -v seed="$seed" -v i="$i" -v n="$kills" -v ms="$duration_ms" 'BEGIN {
	    srand(seed + i); d = (ms * (((i - 1) % 10) + rand()) / 10) / 1000;
	    if (d < 0.02) d = 0.02; printf "%.3f", d }')
	"$WFPSIFT" ingest -q -d "$case_file" "$@" >/dev/null 2>>"$TEST_TMP/ingest.err" &
	pid=$!
	sleep "$delay"
	kill -KILL $pid 2>/dev/null || finished_early=$((finished_early + 1))
	wait $pid 2>/dev/null
	found=$(check_case "$case_file")
	if [ -n "$found" ]; then
		problems=$((problems + 1))
		printf '# after kill %d at %ss:\n%s\n' "$i" "$delay" "$found" | sed '2,$s/^/#   /'
	fi
	n=$(sql "$case_file" "SELECT count(*) FROM events e JOIN sources s
	    ON s.id = e.source_id WHERE s.status = 'ingesting'" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] && partial_batches=$((partial_batches + 1))
	# Every fifth kill (and the last): finish the case, compare, start over.
	if [ $((i % 5)) -eq 0 ] || [ $i -eq "$kills" ]; then
		ingest "$case_file" "$@"
		difference=$(compare_with_reference "$case_file")
		if [ -n "$difference" ]; then
			problems=$((problems + 1))
			printf '# after kill %d, the finished case differs from the reference:\n%s\n' \
			    "$i" "$difference" | sed '2,$s/^/#   /'
		fi
		completions=$((completions + 1))
		rm -f "$case_file" "$case_file-wal" "$case_file-shm"
	fi
done
echo "# $kills kills ($finished_early after the run had ended), $partial_batches left committed batches of an unfinished file, $completions finished and compared"
is "$problems" 0 "$kills SIGKILLs: the case is always consistent and always finishes equal to an uninterrupted run"
if [ "$kills" -ge 5 ]; then
	ok $([ "$partial_batches" -gt 0 ] && echo 0 || echo 1) \
	    "some kills landed after a file's first batches were committed ($partial_batches)"
else
	skip "some kills landed after a file's first batches were committed" "fewer than 5 kills"
fi

# A rerun after a kill must also undo what a detect run on the partial case
# derived from it: another source's connection attributed to a process of
# the unfinished file (a foreign key that used to block the redo).
first=$(head -n 1 "$inputs")
ingest "$TEST_TMP/attributed.db" "$@"
sql "$TEST_TMP/attributed.db" "
    PRAGMA foreign_keys = ON;
    INSERT INTO sources(path, size, sha256, ingested_at, status)
        VALUES ('other', 0, 'other', '2026-01-01T00:00:00Z', 'complete');
    INSERT INTO events(source_id, event_id) VALUES
        ((SELECT id FROM sources WHERE sha256 = 'other'), 5156);
    INSERT INTO network_events(event_row, source_id, event_id) VALUES
        (last_insert_rowid(), (SELECT id FROM sources WHERE sha256 = 'other'), 5156);
    INSERT INTO processes(event_row, source_id, kind, pid)
        SELECT min(id), source_id, 'start', 4 FROM events
        WHERE source_id = (SELECT id FROM sources WHERE path = '$(printf '%s' "$first" | sed "s/'/''/g")');
    INSERT INTO attribution(network_event_id, process_row, method)
        VALUES ((SELECT max(id) FROM network_events), last_insert_rowid(), 'pid_time');
    UPDATE sources SET status = 'ingesting' WHERE path = '$(printf '%s' "$first" | sed "s/'/''/g")';"
"$WFPSIFT" ingest -q -d "$TEST_TMP/attributed.db" "$first" >/dev/null 2>"$TEST_TMP/attributed.err"
is "$?" 0 "an unfinished source whose process rows were used by attribution is redone"
is "$(sql "$TEST_TMP/attributed.db" "SELECT status FROM sources WHERE path = '$(printf '%s' "$first" | sed "s/'/''/g")'")" \
    complete "... and is complete afterwards"
is "$(sql "$TEST_TMP/attributed.db" "SELECT count(*) FROM attribution")" 0 \
    "... and the attribution that pointed into it is gone"

grep -i 'sanitizer:\|runtime error' "$TEST_TMP/ingest.err" | head -n 3 | sed 's/^/# /'
grep -qi 'sanitizer:\|runtime error' "$TEST_TMP/ingest.err"
ok $([ $? -ne 0 ] && echo 0 || echo 1) "no sanitizer report"
done_testing
