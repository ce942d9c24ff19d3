#!/bin/sh
# Whole-file mutation: damaged copies of a real multi-chunk file (bit flips,
# truncation, a zeroed or duplicated chunk, swapped records, a giant size
# field, template definitions pointing at themselves or out of the chunk, a
# template value count that overflows libevtx 20181227 (it crashes: the
# sandbox must keep the run alive),
# BinXml nested 5000 deep, 30000-character and overrunning strings, element
# names claiming 65535 characters), made by tests/evtx-mutate, each ingested
# under 'timeout 20'. For each: no crash, hang or sanitizer report; the case
# is intact and the source is complete or failed with its errors counted;
# every record outside the damaged chunk is still read; and when records are
# lost, the loss is counted in ingest_errors and named on stderr.
#
# ROBUST_MUTATE_SEEDS (default 1) seeds per kind; ROBUST_MUTATE_FILE the
# file to damage; ROBUST_MUTATE_DECODERS the decoders that read each damaged
# file (default: libevtx-xml fast). 'make soak' runs many more seeds.
. "${top_srcdir:-.}/tests/lib.sh"

seeds=${ROBUST_MUTATE_SEEDS:-1}
seed_base=${ROBUST_SEED:-1}
mutate="$top_builddir/tests/evtx-mutate"
base=${ROBUST_MUTATE_FILE:-}
if [ -z "$base" ] && have_corpus; then
	base="$CORPUS/omerbenamram+evtx/samples/Security_with_size_t.evtx"
fi
if [ -z "$base" ] || [ ! -f "$base" ]; then
	# The largest fixture, when there is no corpus.
	base=$(ls -S "$TESTDATA"/*.evtx 2>/dev/null | head -n 1)
fi
[ -n "$base" ] && [ -f "$base" ] || plan_skip_all "no corpus and no fixtures to damage"
echo "# damaging $base, $seeds seeds per kind from $seed_base"

kinds="bitflip truncate zero-chunk dup-chunk swap-records giant-size template-self
template-out template-loop template-values deep-nesting long-string string-overrun bad-name"

# The damaged copies, made once.
for kind in $kinds; do
	seed=$seed_base
	while [ $seed -lt $((seed_base + seeds)) ]; do
		"$mutate" "$kind" "$seed" "$base" "$TEST_TMP/$kind-$seed.evtx" \
		    >"$TEST_TMP/$kind-$seed.line"
		echo $? >"$TEST_TMP/$kind-$seed.status"
		seed=$((seed + 1))
	done
done

files=0 lost_total=0
for decoder in ${ROBUST_MUTATE_DECODERS:-libevtx-xml fast}; do
# The undamaged file's records (live record numbers) and errors.
"$WFPSIFT" ingest -q --decoder "$decoder" -d "$TEST_TMP/base-$decoder.db" "$base" >/dev/null 2>&1
sql "$TEST_TMP/base-$decoder.db" "SELECT DISTINCT record_number FROM events
    WHERE recovered = 0" | LC_ALL=C sort >"$TEST_TMP/base.numbers"
base_errors=$(sql "$TEST_TMP/base-$decoder.db" "SELECT error_count FROM sources")
ok $([ -s "$TEST_TMP/base.numbers" ] && echo 0 || echo 1) \
    "$decoder: the undamaged file is read ($(wc -l <"$TEST_TMP/base.numbers" | tr -d ' ') live records)"

for kind in $kinds; do
	seed=$seed_base
	while [ $seed -lt $((seed_base + seeds)) ]; do
		damaged="$TEST_TMP/$kind-$seed.evtx"
		line=$(cat "$TEST_TMP/$kind-$seed.line")
		status=$(cat "$TEST_TMP/$kind-$seed.status")
		seed=$((seed + 1))
		if [ $status -eq 3 ]; then
			skip "$decoder: $kind: $line" "not applicable"
			continue
		fi
		set -- $line
		chunk=$2 first=$3 last=$4
		label="$decoder: $kind (seed $((seed - 1))): $(echo "$line" | cut -d' ' -f5-)"
		files=$((files + 1))
		case_file="$TEST_TMP/$decoder-$kind-$seed.db"
		timeout 20 "$WFPSIFT" ingest --decoder "$decoder" -d "$case_file" "$damaged" \
		    >/dev/null 2>"$TEST_TMP/err"
		status=$?

		# 1. Survived, in time, with a consistent case and counted errors.
		problem=""
		[ $status -le 1 ] || problem="exit $status"
		grep -qi 'sanitizer:\|runtime error' "$TEST_TMP/err" && problem="$problem sanitizer report"
		[ "$(sql "$case_file" "PRAGMA integrity_check")" = ok ] || problem="$problem integrity"
		state=$(sql "$case_file" "SELECT status, error_count = (SELECT count(*)
		    FROM ingest_errors e WHERE e.source_id = s.id) FROM sources s")
		case "$state" in
		"complete|1"|"failed|1") ;;
		*) problem="$problem source row '$state'" ;;
		esac
		is "$problem" "" "$label: no crash or hang, case intact, errors counted"
		[ -z "$problem" ] || { head -n 3 "$TEST_TMP/err" | sed 's/^/#   /'; continue; }

		# 2. Every record the damage did not touch is still read.
		# Lists are sorted as text, for comm.
		sql "$case_file" "SELECT DISTINCT record_number FROM events" |
		    LC_ALL=C sort >"$TEST_TMP/numbers"
		case $kind in
		bitflip) keep=none ;;	# damage anywhere: nothing to promise
		truncate)
			# Records of the chunks wholly before the cut.
			keep=before
			[ "$chunk" -ge 1 ] || keep=none ;;
		*) keep=outside ;;
		esac
		case $keep in
		none) missing="" ;;
		outside)
			missing=$(awk -v f="$first" -v l="$last" '$1 < f || $1 > l' "$TEST_TMP/base.numbers" |
			    comm -23 - "$TEST_TMP/numbers" | head -n 3) ;;
		*)
			# Every record up to the last one of the chunk before the cut.
			last_kept=$(od -An -tu8 -j $((4096 + (chunk - 1) * 65536 + 32)) -N 8 "$base" | tr -d ' ')
			missing=$(awk -v l="$last_kept" '$1 <= l' "$TEST_TMP/base.numbers" |
			    comm -23 - "$TEST_TMP/numbers" | head -n 3) ;;
		esac
		if [ "$keep" = none ]; then
			skip "$label: records outside the damage are read" "damage is not confined to a chunk"
		else
			is "$missing" "" "$label: every record outside the damage is still read"
		fi

		# 3. A loss is counted and named.
		lost=$(comm -23 "$TEST_TMP/base.numbers" "$TEST_TMP/numbers" | wc -l | tr -d ' ')
		errors=$(sql "$case_file" "SELECT error_count FROM sources")
		lost_total=$((lost_total + lost))
		if [ "$lost" -gt 0 ]; then
			ok $([ "$errors" -gt "$base_errors" ] && grep -qF "$damaged" "$TEST_TMP/err" && echo 0 || echo 1) \
			    "$label: $lost lost records are counted ($errors errors, $base_errors before) and named on stderr"
		else
			ok 0 "$label: no record lost"
		fi
	done
done
done
echo "# $files damaged files ingested, $lost_total records lost to the damage, all counted"
done_testing
