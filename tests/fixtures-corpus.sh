#!/bin/sh
# fixtures-corpus.sh: the fixture writer builds records the way Windows
# does.  For each kind of record the fixtures use, the structure of a real
# record from the corpus (outer template, dependency ids, substitution
# indexes, declared and written value types per EventData field, in order)
# equals the structure of the writer's; and the chunk conventions seen in
# real files (string and template hash tables, 8-byte records, chunk flags,
# chunks never filled to the last byte) hold in real files and in every
# fixture.  Skips when the corpus ($CORPUS) is absent.
. "${top_srcdir:-.}/tests/lib.sh"

PY=/usr/bin/python3
DUMP=$top_srcdir/tests/evtx-dump.py

have_corpus || plan_skip_all "no EVTX corpus at $CORPUS"
$PY -c 'import Evtx' 2>/dev/null ||
	plan_skip_all "python-evtx not installed (apt-get install python3-evtx)"

# kind, a real file that has it, a fixture that has it
KINDS='5156 v1	sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/DE_RDP_Tunnel_5156.evtx	connect-scan
5157 v1	omerbenamram+evtx/samples/Security_short_selected.evtx	connect-scan
5152 v0	omerbenamram+evtx/samples/Security_short_selected.evtx	syn-scan-srv-file01
4688 v2	sans-blue-team+DeepBlueCLI/evtx/sliver-security.evtx	connect-scan
4689 v0	sans-blue-team+DeepBlueCLI/evtx/sliver-security.evtx	connect-scan
4624 v2	sans-blue-team+DeepBlueCLI/evtx/sliver-security.evtx	connect-scan
4719 v0	Velocidex+evtx/testdata/Security.evtx	integrity
1102 v0	sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/DE_RDP_Tunnel_5156.evtx	integrity
1100 v0	omerbenamram+evtx/samples/Security_with_size_t.evtx	integrity
1 v5	sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/DE_sysmon-3-rdp-tun.evtx	sysmon
3 v5	sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/DE_sysmon-3-rdp-tun.evtx	sysmon'
REAL='sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/DE_RDP_Tunnel_5156.evtx
sans-blue-team+DeepBlueCLI/evtx/sliver-security.evtx
Velocidex+velociraptor/artifacts/testdata/files/RDPAuth_Security.evtx'

nkinds=$(printf '%s\n' "$KINDS" | wc -l)
nreal=$(printf '%s\n' "$REAL" | wc -l)
nfix=$(ls "$TESTDATA"/*.evtx | grep -cv '/damaged\.evtx$')
plan $((nkinds + nreal + nfix))

# signature FILE KIND: the structure of FILE's first KIND record
signature() { $PY "$DUMP" --signature "$1" "$2" | awk -F'\t' -v k="$2" 'index($1, " " k) { print $2 }'; }

printf '%s\n' "$KINDS" | while IFS='	' read -r kind real fixture; do
	want=$(signature "$CORPUS/$real" "$kind")
	got=$(signature "$TESTDATA/$fixture.evtx" "$kind")
	[ -n "$want" ] && [ "$want" = "$got" ]
	ok $? "$kind records are built as in $(basename "$real") (checked in $fixture.evtx)"
	if [ -z "$want" ] || [ "$want" != "$got" ]; then
		printf '%s\n' "$want" | tr ' ' '\n' >"$TEST_TMP/want"
		printf '%s\n' "$got" | tr ' ' '\n' >"$TEST_TMP/got"
		diff "$TEST_TMP/want" "$TEST_TMP/got" | sed -n '1,10s/^/#   /p'
	fi
done
tap_count=$nkinds

# facts FILE: ok when every chunk convention holds for every entry
facts() {
	$PY "$DUMP" --chunk-facts "$1" >"$TEST_TMP/facts"
	awk -F'\t' '$2 != $3 { bad = 1 } END { exit bad || NR < 8 }' "$TEST_TMP/facts"
	ok $? "$2 follows Windows' chunk conventions"
	awk -F'\t' '$2 != $3 { print "#   " $1 ": " $2 " of " $3 }' "$TEST_TMP/facts"
}
printf '%s\n' "$REAL" | while read -r real; do
	facts "$CORPUS/$real" "$(basename "$real") (real)"
done
tap_count=$((nkinds + nreal))
for f in "$TESTDATA"/*.evtx; do
	case $f in */damaged.evtx) continue ;; esac
	facts "$f" "$(basename "$f")"
done
