#!/bin/sh
# Terminal injection: strings from logs and file names that hold escape
# sequences (OSC title, screen clear, colours, BEL, newline, C1 CSI) or a
# right-to-left override reach the terminal only escaped (\x1b, \u009b,
# \u202e) in everything ingest, analyze, detect and gaps print, and are
# stored in the case unchanged.
. "${top_srcdir:-.}/tests/lib.sh"

mkevtx="$top_builddir/tests/mkevtx"
hostile="$TEST_TMP/hostile.evtx"

# control_bytes FILE: how many bytes of FILE could drive a terminal: C0
# controls other than newline, DEL, and UTF-8 C1 controls (C2 80..C2 9F).
control_bytes() {
	LC_ALL=C tr -d '\n' <"$1" | od -An -v -tx1 | tr -s ' ' '\n' |
	    awk '/^$/ { next }
		{ b = strtonum("0x" $1) }
		b < 32 || b == 127 { n++ }
		previous == 194 && b >= 128 && b < 160 { n++ }
		{ previous = b }
		END { print n + 0 }'
}
command -v gawk >/dev/null && awk --version 2>/dev/null | grep -q GNU ||
control_bytes() {
	LC_ALL=C tr -d '\n' <"$1" | od -An -v -to1 | tr -s ' ' '\n' |
	    awk '/^$/ { next }
		{ b = 0; for (i = 1; i <= length($1); i++) b = b * 8 + substr($1, i, 1) }
		b < 32 || b == 127 { n++ }
		previous == 194 && b >= 128 && b < 160 { n++ }
		{ previous = b }
		END { print n + 0 }'
}

# 1. Hostile file names: a damaged file, an empty one and a missing one.
name=$(printf 'evil\033]0;pwned\007\n\302\233[2J')
dir="$TEST_TMP/in"
mkdir -p "$dir"
good=$(ls "$TESTDATA"/*.evtx 2>/dev/null | head -n 1)
if [ -n "$good" ]; then
	head -c 70000 "$good" >"$dir/$name-truncated.evtx"
fi
: >"$dir/$name-empty.evtx"
"$WFPSIFT" ingest -d "$TEST_TMP/names.db" "$dir" "$dir/$name-empty.evtx" "$dir/$name-missing.evtx" \
    >"$TEST_TMP/names.out" 2>"$TEST_TMP/names.err"
is "$?" 1 "hostile file names: exit 1 (an empty and a missing file)"
is "$(control_bytes "$TEST_TMP/names.err")" 0 "hostile file names: no control byte on stderr"
is "$(control_bytes "$TEST_TMP/names.out")" 0 "hostile file names: no control byte on stdout"
grep -qF 'evil\x1b]0;pwned\x07\x0a\u009b[2J-empty.evtx' "$TEST_TMP/names.err"
ok $? "hostile file names: the name is shown escaped"
is "$(grep -c . "$TEST_TMP/names.err")" "$(grep -c 'wfpsift: ' "$TEST_TMP/names.err")" \
    "hostile file names: a newline in a name does not start a line of its own"

"$WFPSIFT" frobnicate"$(printf '\033[2J')" >/dev/null 2>"$TEST_TMP/command.err"
is "$(control_bytes "$TEST_TMP/command.err")" 0 "an unknown command with escapes: shown escaped"

# 2. Hostile strings inside a record, through ingest and analyze.
if [ ! -x "$mkevtx" ]; then
	for what in "written" "exit 0" "no control byte on stdout" "no control byte on stderr" \
	    "host shown escaped" "stored unchanged" "RLO written" "RLO detect exits 0" \
	    "RLO detect escaped" "RLO finding names host" "RLO gaps exits 0" \
	    "RLO gaps escaped" "RLO coverage names host" "RLO stored unchanged"; do
		skip "hostile record: $what" "tests/mkevtx is not built"
	done
	done_testing
	exit 0
fi
"$mkevtx" -o "$hostile" "$top_srcdir/tests/robust-hostile.scenario" 2>"$TEST_TMP/mkevtx.err"
ok $? "hostile record: written by tests/mkevtx"
"$WFPSIFT" analyze -d "$TEST_TMP/hostile.db" -o "$TEST_TMP/report" "$hostile" \
    >"$TEST_TMP/analyze.out" 2>"$TEST_TMP/analyze.err"
is "$?" 0 "hostile record: analyze exits 0"
is "$(control_bytes "$TEST_TMP/analyze.out")" 0 "hostile record: no control byte on stdout"
is "$(control_bytes "$TEST_TMP/analyze.err")" 0 "hostile record: no control byte on stderr"
grep -qF 'WS\x1b]0;pwned\x07\x1b[2J' "$TEST_TMP/analyze.out"
ok $? "hostile record: the host is shown escaped"
is "$(sql "$TEST_TMP/hostile.db" "SELECT hex(host) || ' ' || hex(command_line) FROM processes")" \
    "57531B5D303B70776E6564071B5B324A 61C29B62" "hostile record: stored unchanged"

# 2b. A host name with a right-to-left override (U+202E): raw, "WS<RLO>exe.txt"
# reads "WStxt.exe". detect and gaps print it as \u202e, wherever it appears.
bidi="$TEST_TMP/bidi.evtx"
"$mkevtx" -o "$bidi" "$top_srcdir/tests/robust-bidi.scenario" 2>"$TEST_TMP/mkevtx-bidi.err"
ok $? "right-to-left override: written by tests/mkevtx"
"$WFPSIFT" ingest -q -d "$TEST_TMP/bidi.db" "$bidi" >/dev/null 2>"$TEST_TMP/bidi-ingest.err"
"$WFPSIFT" detect -d "$TEST_TMP/bidi.db" >"$TEST_TMP/bidi-detect.out" 2>"$TEST_TMP/bidi-detect.err"
is "$?" 0 "right-to-left override: detect exits 0"
rlo=$(printf '\342\200\256')
is "$(grep -c "$rlo" "$TEST_TMP/bidi-detect.out" "$TEST_TMP/bidi-detect.err" | sed 's/.*://' | tr '\n' ' ')" \
    "0 0 " "right-to-left override: no raw U+202E in what detect prints"
is "$(grep -F 'port_sweep WS\u202eexe.txt: ' "$TEST_TMP/bidi-detect.out" | grep -oF '(WS\u202eexe.txt)')" \
    '(WS\u202eexe.txt)' "right-to-left override: detect's finding names the host escaped, in its line and its sentence"
"$WFPSIFT" gaps -d "$TEST_TMP/bidi.db" >"$TEST_TMP/bidi-gaps.out" 2>"$TEST_TMP/bidi-gaps.err"
is "$?" 0 "right-to-left override: gaps exits 0"
is "$(grep -c "$rlo" "$TEST_TMP/bidi-gaps.out" "$TEST_TMP/bidi-gaps.err" | sed 's/.*://' | tr '\n' ' ')" \
    "0 0 " "right-to-left override: no raw U+202E in what gaps prints"
is "$(grep -oF ' on WS\u202eexe.txt: ' "$TEST_TMP/bidi-gaps.out" | wc -l | tr -d ' ')" 3 \
    "right-to-left override: the three coverage lines of gaps name the host escaped"
is "$(sql "$TEST_TMP/bidi.db" "SELECT DISTINCT hex(host) FROM network_events")" \
    "5753E280AE6578652E747874" "right-to-left override: stored unchanged"

# 3. The fixtures' hostile.evtx (markup, formulas, newlines, escapes, DEL,
# C1, U+2028 in hosts, paths and users) through analyze and report.
fixture="$TESTDATA/hostile.evtx"
if [ -f "$fixture" ]; then
	"$WFPSIFT" analyze -d "$TEST_TMP/fixture.db" -o "$TEST_TMP/fixture-report" "$fixture" \
	    >"$TEST_TMP/fixture.out" 2>"$TEST_TMP/fixture.err"
	is "$?" 0 "hostile.evtx: analyze exits 0"
	is "$(control_bytes "$TEST_TMP/fixture.out") $(control_bytes "$TEST_TMP/fixture.err")" "0 0" \
	    "hostile.evtx: no control byte in what analyze prints"
	"$WFPSIFT" report -d "$TEST_TMP/fixture.db" --format jsonl >"$TEST_TMP/fixture.jsonl" \
	    2>"$TEST_TMP/report.err"
	is "$?" 0 "hostile.evtx: report --format jsonl to stdout exits 0"
	# JSON requires C0 controls escaped; DEL and C1 it allows raw, but a
	# terminal obeys them, so the writer escapes those too.
	c0=$(LC_ALL=C tr -d '\n' <"$TEST_TMP/fixture.jsonl" | LC_ALL=C tr -cd '\000-\037' | wc -c | tr -d ' ')
	is "$c0" 0 "hostile.evtx: JSONL on stdout holds no raw C0 control"
	is "$(control_bytes "$TEST_TMP/fixture.jsonl")" 0 \
	    "hostile.evtx: JSONL on stdout holds no raw DEL or C1 control"
	/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]' \
	    "$TEST_TMP/fixture.jsonl"
	ok $? "hostile.evtx: the escaped JSONL still parses"
else
	for what in "analyze exits 0" "no control byte" "report exits 0" "no raw C0" "no raw DEL or C1" "escaped JSONL parses"; do
		skip "hostile.evtx: $what" "no testdata/hostile.evtx"
	done
fi
done_testing
