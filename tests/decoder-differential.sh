#!/bin/sh
# decoder-differential.sh: the fast decoder reads what the reference reads.
#
# For every fixture in testdata/ and every file of the real corpus,
# tests/decode-dump --compare walks the reference decoder (libevtx's XML
# read by libxml2) and the fast decoder (direct BinXml, libevtx where
# unsure) side by side and compares every event: record numbers and ids,
# event ids, levels, times, hosts, provider, channel, keywords, user SID,
# and every EventData / UserData name and value. The only differences
# allowed are the documented exceptions (see src/decoder-binxml.c and
# doc in decode-dump.c), counted here exactly:
#   recovered  a recovered record libevtx 20181227 cannot return or render
#              (it shares one record cache between its two lists);
#   xml        a record whose libevtx XML is not well-formed, which the
#              reference decoder therefore skips.
# The binxml decoder also reads every file alike with and without template
# plans (decode-dump --no-plans), messages included.
. "${top_srcdir:-.}/tests/lib.sh"
DUMP=${DECODE_DUMP:-$top_builddir/tests/decode-dump}

# field NAME LINE: the value of NAME=... in a summary line.
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# One compare run over the files given; sets summary and keeps the output.
compare() {
	"$DUMP" --compare "$@" > "$TEST_TMP/compare.out" 2>&1
	summary=$(tail -n 1 "$TEST_TMP/compare.out")
}

# Fixtures: written by tests/mkevtx, clean, so no exception at all.
fixtures=$(ls "$TESTDATA"/*.evtx 2>/dev/null)
if [ -n "$fixtures" ]; then
	for f in $fixtures; do
		compare "$f"
		is "$(field differences "$summary") $(field exception-xml "$summary") $(field exception-recovered "$summary")" \
		    "0 0 0" "fixture $(basename "$f"): fast = reference, no exception"
		[ "$(field differences "$summary")" = 0 ] || grep -A3 '^D' "$TEST_TMP/compare.out" | head -20 | sed 's/^/# /'
	done
else
	skip "fixtures: fast = reference" "no testdata/*.evtx yet"
fi

# End to end: the case ingest writes is the same whichever decoder read.
if [ -n "$fixtures" ]; then
	"$WFPSIFT" ingest -q -d "$TEST_TMP/reference.db" --decoder libevtx-xml $fixtures
	"$WFPSIFT" ingest -q -d "$TEST_TMP/fast.db" --decoder fast $fixtures
	for table in events network_events processes logons audit_events ingest_errors; do
		is "$(sql "$TEST_TMP/fast.db" "select * from $table order by 1" | cksum)" \
		    "$(sql "$TEST_TMP/reference.db" "select * from $table order by 1" | cksum)" \
		    "ingest --decoder fast: table $table as with libevtx-xml"
	done
	is "$(sql "$TEST_TMP/fast.db" "select count(*) from events")" \
	    "$(sql "$TEST_TMP/reference.db" "select count(*) from events")" \
	    "ingest --decoder fast: as many events"
fi

# Plans: a record that replays its template's plan (binxml-plan.c) reads
# exactly what walking its tokens reads, problems and reasons included,
# on the fixtures, a generated Security log and the corpus.
MKEVTX=$top_builddir/tests/mkevtx
: > "$TEST_TMP/plan.list"
for f in $fixtures; do echo "$f"; done >> "$TEST_TMP/plan.list"
if [ -x "$MKEVTX" ] && "$MKEVTX" --bench-security 20000 --seed 11 \
    -o "$TEST_TMP/security.evtx" > /dev/null 2>&1; then
	echo "$TEST_TMP/security.evtx" >> "$TEST_TMP/plan.list"
	"$DUMP" --compare "$TEST_TMP/security.evtx" > "$TEST_TMP/compare.out" 2>&1
	summary=$(tail -n 1 "$TEST_TMP/compare.out")
	is "$(field differences "$summary") $(field identical "$summary")" "0 20000" \
	    "generated Security log: fast = reference on its 20,000 records"
fi
have_corpus && find "$CORPUS" -name '*.evtx' | sort >> "$TEST_TMP/plan.list"
if [ -s "$TEST_TMP/plan.list" ]; then
	tr '\n' '\0' < "$TEST_TMP/plan.list" | xargs -0 "$DUMP" --decoder binxml \
	    --messages > "$TEST_TMP/plans.out" 2>&1
	tr '\n' '\0' < "$TEST_TMP/plan.list" | xargs -0 "$DUMP" --decoder binxml \
	    --messages --no-plans > "$TEST_TMP/walk.out" 2>&1
	cmp -s "$TEST_TMP/plans.out" "$TEST_TMP/walk.out"
	ok $? "plans: binxml reads with plans what it reads walking every record"
	grep -q '^R ' "$TEST_TMP/plans.out"
	ok $? "plans: and read records"
	cmp "$TEST_TMP/plans.out" "$TEST_TMP/walk.out" | sed 's/^/# /'
fi

# The real corpus, all of it, in one run (about 30 s of CPU).
if have_corpus; then
	find "$CORPUS" -name '*.evtx' | sort > "$TEST_TMP/corpus.list"
	tr '\n' '\0' < "$TEST_TMP/corpus.list" | xargs -0 "$DUMP" --compare \
	    > "$TEST_TMP/compare.out" 2>&1
	summary=$(tail -n 1 "$TEST_TMP/compare.out")
	echo "# $summary"
	is "$(field differences "$summary")" 0 "corpus: no difference between fast and reference"
	[ "$(field differences "$summary")" = 0 ] || grep -B1 -A3 '^D' "$TEST_TMP/compare.out" | head -40 | sed 's/^/# /'
	is "$(field compared "$summary")" 144637 "corpus: 144,637 records compared"
	is "$(field identical "$summary")" 130223 "corpus: 130,223 records identical"
	is "$(field both-skipped "$summary")" 13611 "corpus: 13,611 records neither decoder reads (damaged slack)"
	is "$(field exception-recovered "$summary")" 803 \
	    "corpus: 803 recovered records read where libevtx cannot"
	is "$(field exception-xml "$summary")" 0 "corpus: no live record with XML libxml2 rejects"
	is "$(field fast-skipped "$summary")" 0 "corpus: the fast decoder skips nothing the reference reads"
	# One file, named: libevtx renders the stale copy of record 3910 left in
	# slack against another record's data (its XML then does not parse);
	# fast reads it from its own chunk, the same as the live 3910.
	gp="$CORPUS/AndrewRathbun+DFIRArtifactMuseum/Win2012R2/StolenSzechuan/Microsoft-Windows-GroupPolicy%4Operational.evtx"
	"$DUMP" --decoder fast "$gp" > "$TEST_TMP/gp.out"
	is "$(grep -A3 'number=3910 .*recovered=1' "$TEST_TMP/gp.out" | sed -n 's/^F //p' | tr '\n' ' ')" \
	    "NotificationType=1 SessionId=1 " \
	    "GroupPolicy: the recovered copy of record 3910 decoded from its own chunk"
else
	skip "corpus: fast = reference" "no corpus at $CORPUS"
fi
done_testing
