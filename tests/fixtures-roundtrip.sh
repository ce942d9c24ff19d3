#!/bin/sh
# fixtures-roundtrip.sh: every fixture in testdata/ reads back, through two
# independent readers (libevtx's evtxexport and python-evtx, both driven by
# tests/evtx-dump.py), as exactly the records its scenario describes
# (tests/mkevtx --dump: same ids, event ids, times, System values and
# EventData/UserData pairs, in order), and regenerating it from its
# scenario reproduces the committed bytes.  Defects planted on purpose must
# show up as testdata/NAME.readers says, one rule a line (tab-separated):
#   python-evtx  stderr       LINE   evtx-dump.py reports LINE (in order)
#   python-evtx  no-id-check         EventRecordID is the source host's
#   libevtx      corrupted           evtxinfo says "Is corrupted"
#   libevtx      dirty               evtxinfo says "Is dirty"
#   libevtx      recovered    N      evtxinfo counts N recovered records
#   libevtx      lose-after   ID     libevtx loses record ID and the rest
#                                    of its chunk
#   all          lose-chunk   K      both readers lose chunk K's records
#   libevtx      renders      A  B   libevtx prints text A as B (a known
#                                    bug of the installed version)
# Run by hand: top_srcdir=. top_builddir=. sh tests/fixtures-roundtrip.sh
. "${top_srcdir:-.}/tests/lib.sh"

MKEVTX=${MKEVTX:-$top_builddir/tests/mkevtx}
PY=/usr/bin/python3
DUMP=$top_srcdir/tests/evtx-dump.py

[ -x "$MKEVTX" ] || plan_skip_all "$MKEVTX is not built"
command -v evtxexport >/dev/null 2>&1 ||
	plan_skip_all "evtxexport not installed (apt-get install libevtx-utils)"
$PY -c 'import Evtx' 2>/dev/null ||
	plan_skip_all "python-evtx not installed (apt-get install python3-evtx)"

set -- "$TESTDATA"/*.scenario
plan $(($# * 6))

# show FILE: the first lines of a diff or an error, as TAP comments.
show() { sed -n '1,12s/^/#   /p' "$1"; }

# drop LIST DUMP: DUMP without the records whose ids are in LIST.
drop() {
	awk -F'\t' 'FILENAME == ARGV[1] { gone["record=" $1] = 1; next }
		!($1 in gone)' "$1" "$2"
}

# renders RULES < dump: replace each rule's text A by B (literally).
renders() {
	awk -F'\t' 'FILENAME == ARGV[1] { from[++n] = $1; to[n] = $2; next }
		{ for (i = 1; i <= n; i++) {
			out = ""; rest = $0
			while ((k = index(rest, from[i])) > 0) {
				out = out substr(rest, 1, k - 1) to[i]
				rest = substr(rest, k + length(from[i]))
			}
			$0 = out rest
		  }
		  print }' "$1" -
}

for scenario; do
	name=$(basename "$scenario" .scenario)
	evtx=$TESTDATA/$name.evtx
	rules=$TESTDATA/$name.readers
	t=$TEST_TMP/$name

	"$MKEVTX" -o "$t.evtx" --layout "$t.layout" "$scenario" 2>"$t.err" &&
		cmp -s "$t.evtx" "$evtx"
	ok $? "$name: regenerating from the scenario reproduces the committed bytes"
	show "$t.err"
	"$MKEVTX" --dump "$scenario" >"$t.want" 2>>"$t.err"

	: >"$t.lose-all"
	: >"$t.lose-lib"
	: >"$t.py-expected"
	: >"$t.lib-renders"
	corrupted=no dirty=no recovered=0 idopt=
	if [ -f "$rules" ]; then
		while IFS='	' read -r reader what arg; do
			case $reader:$what in
			'':* | '#'*) ;;
			python-evtx:stderr) printf '%s\n' "$arg" >>"$t.py-expected" ;;
			python-evtx:no-id-check) idopt=--no-id-check ;;
			libevtx:corrupted) corrupted=yes ;;
			libevtx:dirty) dirty=yes ;;
			libevtx:recovered) recovered=$arg ;;
			libevtx:renders) printf '%s\n' "$arg" >>"$t.lib-renders" ;;
			all:lose-chunk)
				awk -F'\t' -v c="$arg" '$2 == c { print $1 }' \
					"$t.layout" >>"$t.lose-all" ;;
			libevtx:lose-after)
				awk -F'\t' -v id="$arg" '$1 == id { c = $2; on = 1 }
					on && $2 == c { print $1 }' "$t.layout" >>"$t.lose-lib" ;;
			*) echo "# $rules: unknown rule: $reader $what" ;;
			esac
		done <"$rules"
	fi
	cat "$t.lose-all" >>"$t.lose-lib"
	drop "$t.lose-all" "$t.want" >"$t.want-py"
	drop "$t.lose-lib" "$t.want" | renders "$t.lib-renders" >"$t.want-lib"

	# the two readers run side by side
	$PY "$DUMP" $idopt "$evtx" >"$t.py" 2>"$t.py-err" &
	py_pid=$!
	evtxexport -f xml "$evtx" >"$t.xml" 2>"$t.lib-err"
	rc=$?
	$PY "$DUMP" --xml <"$t.xml" >"$t.lib" 2>>"$t.lib-err"
	wait "$py_pid"

	diff "$t.want-py" "$t.py" >"$t.diff"
	ok $? "$name: python-evtx reads the $(wc -l <"$t.want-py" | tr -d ' ') records the scenario describes"
	show "$t.diff"
	diff "$t.py-expected" "$t.py-err" >"$t.diff"
	ok $? "$name: python-evtx reports exactly the planted defects"
	show "$t.diff"
	diff "$t.want-lib" "$t.lib" >"$t.diff"
	ok $? "$name: libevtx reads the $(wc -l <"$t.want-lib" | tr -d ' ') records the scenario describes"
	show "$t.diff"
	[ "$rc" -eq 0 ] && ! grep -q . "$t.lib-err"
	ok $? "$name: evtxexport exits 0 with nothing on stderr"
	show "$t.lib-err"

	evtxinfo "$evtx" >"$t.info" 2>&1
	got_rec=$(sed -n 's/^[[:space:]]*Number of recovered records[[:space:]]*: *//p' "$t.info")
	if grep -q 'Is corrupted' "$t.info"; then got_cor=yes; else got_cor=no; fi
	if grep -q 'Is dirty' "$t.info"; then got_dirty=yes; else got_dirty=no; fi
	is "corrupted=$got_cor dirty=$got_dirty recovered=$got_rec" \
		"corrupted=$corrupted dirty=$dirty recovered=$recovered" \
		"$name: evtxinfo's corrupted and dirty flags and recovered-record count"
done
