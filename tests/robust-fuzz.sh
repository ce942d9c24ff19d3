#!/bin/sh
# Fuzzing, briefly: every committed crash input under fuzz/regressions/
# replays without a crash (plain programs, no clang needed; the sanitizer
# build is what catches a regression), then each libFuzzer target runs for
# ROBUST_FUZZ_SECONDS (default 4) from seeds made out of the fixtures and
# the corpus, and must find nothing. 'make fuzz' runs them for longer.
# The libFuzzer part is skipped when clang or its runtime is missing.
. "${top_srcdir:-.}/tests/lib.sh"

seconds=${ROBUST_FUZZ_SECONDS:-4}
targets="normalise rendering binxml fast zeek pcap"

# 1. Replays of committed crash inputs, one assertion per input.
for target in $targets; do
	# The decoder targets share one replay program that runs every decoder.
	case $target in
	rendering) continue ;;	# XML inputs: none committed yet
	binxml|fast) replay="$top_builddir/fuzz/replay-decoder" ;;
	*) replay="$top_builddir/fuzz/replay-$target" ;;
	esac
	for input in "$top_srcdir/fuzz/regressions/$target"/*; do
		[ -f "$input" ] || continue
		name=${input#"$top_srcdir"/}
		"$replay" "$input" >"$TEST_TMP/replay.out" 2>"$TEST_TMP/replay.err"
		status=$?
		grep -q '^ok 1 ' "$TEST_TMP/replay.out" && [ $status -eq 0 ]
		ok $? "$name replays without a crash"
		[ $status -eq 0 ] || grep -m 3 'ERROR\|runtime error' "$TEST_TMP/replay.err" | sed 's/^/# /'
	done
done

# 2. The libFuzzer targets, built with clang beside the build (reused
# while newer than their sources).
bin="$top_builddir/fuzz/bin"
newest=$(ls -t "$top_srcdir"/fuzz/*.c "$top_srcdir"/fuzz/*.h "$top_srcdir"/fuzz/build.sh "$top_srcdir"/src/*.c \
    "$top_srcdir"/src/*.h | head -n 1)
status=0
for target in $targets; do
	[ -x "$bin/fuzz-$target" ] && [ "$bin/fuzz-$target" -nt "$newest" ] || status=1
done
if [ $status -ne 0 ]; then
	sh "$top_srcdir/fuzz/build.sh" "$top_srcdir" "$bin" >"$TEST_TMP/build.log" 2>&1
	status=$?
fi
if [ $status -eq 77 ]; then
	for target in $targets; do
		skip "fuzz-$target: ${seconds}s without a crash" "$(tail -n 1 "$TEST_TMP/build.log")"
	done
	done_testing
	exit 0
fi
ok $status "the fuzz targets build with clang -fsanitize=fuzzer,address,undefined"
[ $status -eq 0 ] || { sed 's/^/# /' "$TEST_TMP/build.log" | tail -n 5; done_testing; exit 0; }

# A small seed set: the short run must get past loading its seeds.
MKPCAP="$top_builddir/tests/mkpcap" sh "$top_srcdir/fuzz/seeds.sh" "$top_srcdir" \
    "$CORPUS" "$TEST_TMP/seeds"
ls "$TEST_TMP/seeds/decoder" | sed -n '13,$p' | while IFS= read -r f; do
	rm -f "$TEST_TMP/seeds/decoder/$f"
done
for target in $targets; do
	mkdir -p "$TEST_TMP/corpus-$target" "$TEST_TMP/artifacts-$target"
	case $target in
	normalise|zeek|pcap|rendering) seeds="$TEST_TMP/seeds/$target" ;;
	*) seeds="$TEST_TMP/seeds/decoder" ;;
	esac
	ASAN_OPTIONS=detect_leaks=0 "$bin/fuzz-$target" -max_total_time="$seconds" \
	    -max_len=70000 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$TEST_TMP/artifacts-$target/" \
	    "$TEST_TMP/corpus-$target" "$seeds" \
	    >"$TEST_TMP/fuzz-$target.log" 2>&1
	status=$?
	stats=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|INITED|NEW|REDUCE)' "$TEST_TMP/fuzz-$target.log" | tail -n 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TEST_TMP/fuzz-$target.log")
	echo "# fuzz-$target: $runs executions in ${seconds}s; last: $stats"
	found=$(ls "$TEST_TMP/artifacts-$target")
	is "$status:$found" "0:" "fuzz-$target: ${seconds}s without a crash, leak or timeout"
	if [ -n "$found" ]; then
		# Keep what was found beside the build, to commit under fuzz/regressions/.
		mkdir -p "$top_builddir/fuzz/new-crashes/$target"
		cp "$TEST_TMP/artifacts-$target"/* "$top_builddir/fuzz/new-crashes/$target/"
		echo "# saved in $top_builddir/fuzz/new-crashes/$target/"
		grep -m 5 'ERROR\|runtime error\|SUMMARY' "$TEST_TMP/fuzz-$target.log" | sed 's/^/# /'
	fi
done
done_testing
