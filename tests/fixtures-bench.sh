#!/bin/sh
# fixtures-bench.sh: mkevtx --bench-security writes the large Windows-like
# Security logs benchmarks use.  A small one must read back identically
# through libevtx and python-evtx, hold the number of records asked for,
# attribute every application connection to a live 4688, and depend only
# on its seed.
. "${top_srcdir:-.}/tests/lib.sh"

MKEVTX=${MKEVTX:-$top_builddir/tests/mkevtx}
PY=/usr/bin/python3
DUMP=$top_srcdir/tests/evtx-dump.py

[ -x "$MKEVTX" ] || plan_skip_all "$MKEVTX is not built"
command -v evtxexport >/dev/null 2>&1 ||
	plan_skip_all "evtxexport not installed (apt-get install libevtx-utils)"
$PY -c 'import Evtx' 2>/dev/null ||
	plan_skip_all "python-evtx not installed (apt-get install python3-evtx)"
plan 5

t=$TEST_TMP
"$MKEVTX" --bench-security 1500 "$t/a.evtx" && "$MKEVTX" --bench-security 1500 -o "$t/b.evtx" &&
	cmp -s "$t/a.evtx" "$t/b.evtx"
ok $? "the same seed writes the same bytes"
"$MKEVTX" --bench-security 1500 --seed 2 -o "$t/c.evtx" && ! cmp -s "$t/a.evtx" "$t/c.evtx"
ok $? "another seed writes another log"

evtxexport -f xml "$t/a.evtx" 2>"$t/err" | $PY "$DUMP" --xml >"$t/lib" 2>>"$t/err"
$PY "$DUMP" "$t/a.evtx" >"$t/py" 2>>"$t/err"
cmp -s "$t/lib" "$t/py" && ! grep -q . "$t/err"
ok $? "libevtx and python-evtx read the same records, without complaint"
is "$(wc -l <"$t/py" | tr -d ' ')" 1500 "it holds the 1500 records asked for"

# every 5156/5157 from a process other than System has a 4688 for its PID
# earlier in the log and no 4689 for it in between
awk -F'\t' '
	{ delete f; for (i = 1; i <= NF; i++) { k = substr($i, 1, index($i, "=") - 1); f[k] = substr($i, index($i, "=") + 1) } }
	function num(s) { gsub(/"/, "", s); return s ~ /^0x/ ? strtonum_(s) : s + 0 }
	function strtonum_(s,  n, i, c) { n = 0; for (i = 3; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c } return n }
	f["eid"] == 4688 { live[num(f["NewProcessId"])] = 1 }
	f["eid"] == 4689 { delete live[num(f["ProcessId"])] }
	f["eid"] == 5156 || f["eid"] == 5157 { p = num(f["ProcessID"]); if (p != 4 && !(p in live)) bad++ }
	END { exit bad > 0 }' "$t/py"
ok $? "every application connection is attributable to a live process creation"
