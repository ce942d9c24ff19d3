#!/bin/sh
# Crash consistency of detect and gaps: each replaces its tables
# (attribution, findings, finding_evidence; gaps, gap_evidence,
# witness_flows, coverage) inside one transaction, so 'wfpsift detect' or
# 'wfpsift gaps' killed with SIGKILL at any moment leaves a case that passes
# integrity_check and foreign_key_check and holds exactly the previous
# complete run's rows or exactly the new run's, never a mix or a part; and
# a re-run gives the rows of an uninterrupted run.
#
# The case: a 100,000-record Security log from tests/mkevtx. Two settings
# per command give different rows, so a part of either would show:
#   detect  A: sweeps of 4 ports or hosts in 10 minutes (22 findings)
#           B: the defaults (none); both attribute every connection
#   gaps    A: with a Zeek conn.log of a SYN scan from the host (1 gap,
#              300 witness flows)  B: without it (coverage only)
# Each kill runs the settings the case does not hold yet. ROBUST_DETECT_KILLS
# (default 8) kills per command, ROBUST_SEED the seed; 'make soak' runs more.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/robust-lib.sh"

kills=${ROBUST_DETECT_KILLS:-8}
seed=${ROBUST_SEED:-$(date +%s)}
records=100000
mkevtx="$top_builddir/tests/mkevtx"
[ -x "$mkevtx" ] || plan_skip_all "tests/mkevtx is not built"
"$mkevtx" --bench-security "$records" -o "$TEST_TMP/security.evtx" >/dev/null ||
    plan_skip_all "tests/mkevtx cannot write the log"
"$WFPSIFT" ingest -q -d "$TEST_TMP/base.db" "$TEST_TMP/security.evtx" >/dev/null 2>&1
is "$(sql "$TEST_TMP/base.db" "SELECT count(*) FROM events")" "$records" \
    "the case holds the $records records"
host_ip=$(sql "$TEST_TMP/base.db" "SELECT ip FROM host_addresses LIMIT 1")
start=$(sql "$TEST_TMP/base.db" "SELECT min(time_unix_us) / 1000000 + 3600 FROM events")
sh "$top_srcdir/tests/mkconnlog.sh" tsv syn "$host_ip" 10.0.99.9 "$start" 200 1-300 \
    22,80 250-260 >"$TEST_TMP/scan.log"
echo "# seed $seed, $kills kills per command, host $host_ip"

# The runs, each exec'd in a subshell so that $! is wfpsift itself.
detect_a() { exec "$WFPSIFT" detect -q -d "$1" --port-sweep-ports 4 \
    --host-sweep-hosts 4 --port-sweep-window 600 >/dev/null 2>>"$TEST_TMP/run.err"; }
detect_b() { exec "$WFPSIFT" detect -q -d "$1" >/dev/null 2>>"$TEST_TMP/run.err"; }
gaps_a() { exec "$WFPSIFT" gaps -q -d "$1" --zeek-conn "$TEST_TMP/scan.log" \
    >/dev/null 2>>"$TEST_TMP/run.err"; }
gaps_b() { exec "$WFPSIFT" gaps -q -d "$1" >/dev/null 2>>"$TEST_TMP/run.err"; }

# results_dump CASE: every row of the tables detect and gaps replace, sorted
# by every column (ids included: an uninterrupted run numbers them the same
# way; the evidence tables have no rowid). An SQL error shows in the dump.
results_dump() {
	for table in attribution findings finding_evidence gaps gap_evidence \
	    witness_flows coverage; do
		echo "== $table"
		columns=$(sql "$1" "SELECT count(*) FROM pragma_table_info('$table')")
		sql "$1" "SELECT * FROM $table ORDER BY $(seq -s, 1 "$columns")" 2>&1
	done
}

# elapsed_ms COMMAND CASE: run to completion, print its time in ms.
elapsed_ms() {
	t0=$(date +%s%N)
	( "$1" "$2" )
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

# kill_runs COMMAND: the kill loop for detect or gaps on $TEST_TMP/killed.db,
# which holds the state of the B run; references in $TEST_TMP/COMMAND-[ab].dump.
kill_runs() {
	command=$1
	problems=0 old=0 new=0 early=0 reruns=0
	i=0
	while [ $i -lt "$kills" ]; do
		i=$((i + 1))
		# Run the settings the case does not hold yet.
		if cmp -s "$TEST_TMP/state.dump" "$TEST_TMP/$command-a.dump"; then
			from=a to=b
		else
			from=b to=a
		fi
		ms=$(cat "$TEST_TMP/$command-$to.ms")
		delay=$(awk -v seed="$seed" -v i="$i" -v ms="$ms" 'BEGIN {
		    srand(seed + i); d = (ms * (((i - 1) % 10) + rand()) / 10) / 1000;
		    if (d < 0.02) d = 0.02; printf "%.3f", d }')
		( "${command}_$to" "$TEST_TMP/killed.db" ) &
		pid=$!
		sleep "$delay"
		kill -KILL $pid 2>/dev/null || early=$((early + 1))
		wait $pid 2>/dev/null
		found=""
		integrity=$(sql "$TEST_TMP/killed.db" "PRAGMA integrity_check" 2>&1)
		[ "$integrity" = ok ] || found="integrity_check: $integrity"
		foreign=$(sql "$TEST_TMP/killed.db" "PRAGMA foreign_key_check" 2>&1)
		[ -z "$foreign" ] || found="$found foreign_key_check: $foreign"
		results_dump "$TEST_TMP/killed.db" >"$TEST_TMP/state.dump"
		if cmp -s "$TEST_TMP/state.dump" "$TEST_TMP/$command-$from.dump"; then
			old=$((old + 1))
		elif cmp -s "$TEST_TMP/state.dump" "$TEST_TMP/$command-$to.dump"; then
			new=$((new + 1))
		else
			found="$found rows are neither the previous run's nor the new run's:
$(diff "$TEST_TMP/$command-$to.dump" "$TEST_TMP/state.dump" | head -n 4)"
		fi
		# Every fifth kill and the last: a re-run of the killed settings
		# equals an uninterrupted run.
		if [ -z "$found" ] && { [ $((i % 5)) -eq 0 ] || [ $i -eq "$kills" ]; }; then
			( "${command}_$to" "$TEST_TMP/killed.db" )
			results_dump "$TEST_TMP/killed.db" >"$TEST_TMP/state.dump"
			cmp -s "$TEST_TMP/state.dump" "$TEST_TMP/$command-$to.dump" ||
			    found="the re-run differs from an uninterrupted run"
			reruns=$((reruns + 1))
		fi
		if [ -n "$found" ]; then
			problems=$((problems + 1))
			printf '# %s killed after %ss:\n%s\n' "$command" "$delay" "$found" |
			    sed '2,$s/^/#   /'
			# Start again from a known state.
			cp "$TEST_TMP/$command-b.db" "$TEST_TMP/killed.db"
			rm -f "$TEST_TMP/killed.db-wal" "$TEST_TMP/killed.db-shm"
			cp "$TEST_TMP/$command-b.dump" "$TEST_TMP/state.dump"
		fi
	done
	echo "# $command: $kills kills, $old left the previous run's rows, $new the new run's ($early after it had ended), $reruns re-runs compared"
	is "$problems" 0 "$command killed $kills times: integrity ok, and always exactly the previous or the new run's rows"
	ok $([ "$old" -gt 0 ] && echo 0 || echo 1) "$command: some kills came before the commit ($old)"
}

# make_references COMMAND: the A and B states from uninterrupted runs on a
# copy of the case, their timings, and killed.db in the B state.
make_references() {
	cp "$TEST_TMP/base.db" "$TEST_TMP/$1-ref.db"
	elapsed_ms "${1}_a" "$TEST_TMP/$1-ref.db" >"$TEST_TMP/$1-a.ms"
	results_dump "$TEST_TMP/$1-ref.db" >"$TEST_TMP/$1-a.dump"
	elapsed_ms "${1}_b" "$TEST_TMP/$1-ref.db" >"$TEST_TMP/$1-b.ms"
	results_dump "$TEST_TMP/$1-ref.db" >"$TEST_TMP/$1-b.dump"
	sqlite3 "$TEST_TMP/$1-ref.db" "VACUUM INTO '$TEST_TMP/$1-b.db'"
	cp "$TEST_TMP/$1-b.db" "$TEST_TMP/killed.db"
	rm -f "$TEST_TMP/killed.db-wal" "$TEST_TMP/killed.db-shm"
	cp "$TEST_TMP/$1-b.dump" "$TEST_TMP/state.dump"
	echo "# $1: uninterrupted runs take $(cat "$TEST_TMP/$1-a.ms") ms (A) and $(cat "$TEST_TMP/$1-b.ms") ms (B)"
}

# detect, with the gaps tables holding gaps' B rows throughout.
( gaps_b "$TEST_TMP/base.db" )
make_references detect
# section_rows DUMP TABLE: the number of TABLE's rows in a results_dump.
section_rows() {
	awk -v table="$2" '/^== / { inside = ($2 == table); next } inside { n++ }
	    END { print n + 0 }' "$1"
}
is "$(section_rows "$TEST_TMP/detect-a.dump" findings)|$(section_rows "$TEST_TMP/detect-a.dump" finding_evidence)|$(section_rows "$TEST_TMP/detect-b.dump" findings)|$(section_rows "$TEST_TMP/detect-b.dump" finding_evidence)|$(section_rows "$TEST_TMP/detect-b.dump" attribution)" \
    "22|1796|0|0|$(sql "$TEST_TMP/base.db" "SELECT count(*) FROM network_events")" \
    "detect references: A finds 22 sweeps with 1,796 evidence rows, B none; both attribute every connection"
kill_runs detect

# gaps, with the detect tables holding detect's B rows throughout.
( detect_b "$TEST_TMP/base.db" )
make_references gaps
is "$(section_rows "$TEST_TMP/gaps-a.dump" gaps)|$(section_rows "$TEST_TMP/gaps-a.dump" witness_flows)|$(section_rows "$TEST_TMP/gaps-b.dump" gaps)|$(section_rows "$TEST_TMP/gaps-b.dump" witness_flows)|$(section_rows "$TEST_TMP/gaps-b.dump" coverage)" \
    "1|300|0|0|3" "gaps references: A has one gap and 300 witness flows, B neither; both 3 coverage rows"
! grep -qi 'error' "$TEST_TMP/detect-a.dump" "$TEST_TMP/detect-b.dump" "$TEST_TMP/gaps-a.dump" "$TEST_TMP/gaps-b.dump"
ok $? "the reference dumps hold no SQL error"
kill_runs gaps

! grep -qi 'sanitizer:\|runtime error' "$TEST_TMP/run.err"
ok $? "no sanitizer report"
done_testing
