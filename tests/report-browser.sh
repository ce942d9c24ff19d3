#!/bin/sh
# report-browser.sh: the HTML report in a real browser (headless Chromium).
# The page's script must run without error under the page's own security
# policy, draw the timeline, filter it from the address (#filter=WORDS), show
# the findings and gaps, and run nothing a hostile log put in it. A
# screenshot goes to tests/out/ for a person to look at.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/report-lib.sh"

browser=$(command -v chromium || command -v chromium-browser)
[ -n "$browser" ] || plan_skip_all "Chromium is not installed (apt-get install chromium)"

out_dir=$(cd "$top_builddir" && pwd)/tests/out
mkdir -p "$out_dir" || exit 1
rm -f "$out_dir"/report-browser*	# no stale screenshot may pass for a new one

# browse PAGE-URL OUTPUT [chromium options]: run a fresh headless Chromium
# (its own profile, no network services) on the page; stderr holds the
# browser's console messages.
browse() {
	url=$1 output=$2
	shift 2
	profile=$(mktemp -d "$TEST_TMP/profile.XXXXXX")
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync --disable-extensions \
	    --user-data-dir="$profile" --enable-logging=stderr --v=0 \
	    "$@" "$url" > "$output" 2> "$output.console"
	status=$?
	rm -rf "$profile"
	return $status
}

# console_problems FILE: script errors and security-policy refusals logged.
console_problems() {
	grep -c -i -E 'Uncaught|Refused to|Content.Security.Policy' "$1.console"
}

case_db=$TEST_TMP/case.db
page=$TEST_TMP/report.html
report_case "$case_db" findings &&
    $WFPSIFT report -d "$case_db" --format html -o "$page"
ok $? "the HTML report of the hand-built case is written"

browse "file://$page" "$TEST_TMP/dom.html" --dump-dom
ok $? "Chromium loads the page"
is "$(check html "$TEST_TMP/dom.html" 'str([[a.get("data-report-ready"), a.get("data-report-error")] for t, a in tags if t == "html"][0])')" \
    "['1', None]" "the page's script ran to the end with no error"
is "$(console_problems "$TEST_TMP/dom.html")" 0 "no script error or policy refusal on the console"
is "$(check html "$TEST_TMP/dom.html" 'len(dom_rows)')" 28 "the timeline table holds all 28 rows"
is "$(check html "$TEST_TMP/dom.html" '["#1 port_sweep on WS01" in text, "#2 app_misuse on WS01" in text, "unlogged_traffic on WS01" in text, "no_process_creation on WS01" in text]')" \
    "True
True
True
True" "findings and gaps are in the rendered page"
is "$(check html "$TEST_TMP/dom.html" '["Evidence (20 events)" in text, "Evidence (2 events)" in text, "no finding on it does not mean it did not scan" in text, "Findings it affects: #1 port_sweep on WS01, #2 app_misuse on WS01" in text]')" \
    "True
True
True
True" "evidence of findings and gaps, what a gap means, which findings it touches"
is "$(check html "$TEST_TMP/dom.html" '[" ".join(r) for r in dom_rows[2:4]]')" \
    "2026-11-02 09:14:00.000 WS01 high port_sweep: 10.0.0.5 (WS01, CORP\\alice, nmap.exe) tried 20 ports on 10.0.0.9 in 19 seconds.
2026-11-02 09:14:00.000 WS01 CORP\\alice nmap.exe 4242 10.0.0.5:50020 10.0.0.9:20 tcp outbound allowed 5156 101" \
    "a finding row and an event row as drawn"

browse "file://$page#filter=nmap" "$TEST_TMP/nmap.html" --dump-dom
is "$(check html "$TEST_TMP/nmap.html" 'len(dom_rows), all("nmap" in " ".join(r) for r in dom_rows)')" "21
True" "#filter=nmap shows the 20 nmap events and the finding, nothing else"
browse "file://$page#filter=WS02%20445" "$TEST_TMP/ws02.html" --dump-dom
is "$(check html "$TEST_TMP/ws02.html" '[" ".join(r) for r in dom_rows]')" \
    "2026-11-02 09:14:05.000 WS02  System 4 10.0.0.9:445 10.0.0.5:50025 tcp inbound allowed 5156 123" \
    "#filter=WS02%20445: every word must match"
browse "file://$page#filter=no-such-thing" "$TEST_TMP/none.html" --dump-dom
is "$(check html "$TEST_TMP/none.html" 'len(dom_rows), [a.get("data-timeline-shown") for t, a in tags if t == "html"][0]')" "0
0" "a filter that matches nothing empties the table"

browse "file://$page" "$TEST_TMP/shot.log" --window-size=1280,4200 \
    --hide-scrollbars --screenshot="$out_dir/report-browser.png"
is "$(od -An -tx1 -N4 "$out_dir/report-browser.png" 2>/dev/null | tr -d ' ')" \
    "89504e47" "a screenshot is saved in tests/out/report-browser.png"

# Hostile values: nothing they carry may run (each would set data-pwned).
hostile_db=$TEST_TMP/hostile.db
hostile_page=$TEST_TMP/hostile.html
hostile_case "$hostile_db" &&
    $WFPSIFT report -d "$hostile_db" --format html -o "$hostile_page"
browse "file://$hostile_page" "$TEST_TMP/hostile-dom.html" --dump-dom
is "$(check html "$TEST_TMP/hostile-dom.html" 'str([[a.get("data-report-ready"), a.get("data-pwned"), a.get("data-report-error")] for t, a in tags if t == "html"][0])')" \
    "['1', None, None]" "hostile page: the script ran and no injected payload did"
is "$(check html "$TEST_TMP/hostile-dom.html" 'len(dom_rows)')" 33 "hostile page: all 33 rows drawn"
browse "file://$hostile_page" "$TEST_TMP/hostile-shot.log" --window-size=1280,2400 \
    --hide-scrollbars --screenshot="$out_dir/report-browser-hostile.png"
ok $? "hostile page screenshot in tests/out/report-browser-hostile.png"

# A fixture case, when the fixtures are in: the page works on real ingest.
if have_fixture connect-scan; then
	fixture_db=$TEST_TMP/fixture.db
	$WFPSIFT ingest -q -d "$fixture_db" "$TESTDATA/connect-scan.evtx"
	for stage in detect gaps; do
		if $WFPSIFT $stage --help > /dev/null 2>&1; then
			$WFPSIFT $stage -d "$fixture_db" > /dev/null 2>&1
		fi
	done
	$WFPSIFT report -d "$fixture_db" --format html -o "$out_dir/report-browser-fixture.html"
	browse "file://$out_dir/report-browser-fixture.html" "$TEST_TMP/fixture-dom.html" --dump-dom
	is "$(check html "$TEST_TMP/fixture-dom.html" 'str([[a.get("data-report-ready"), a.get("data-report-error")] for t, a in tags if t == "html"][0]), len(dom_rows)')" \
	    "['1', None]
$(sql "$fixture_db" 'SELECT min(5000, (SELECT count(*) FROM network_events) + (SELECT count(*) FROM findings) + (SELECT count(*) FROM gaps))')" \
	    "connect-scan fixture: the page runs and draws its timeline"
	browse "file://$out_dir/report-browser-fixture.html#filter=nmap.exe%2010.0.20.10" \
	    "$TEST_TMP/fixture-nmap.html" --dump-dom
	is "$(check html "$TEST_TMP/fixture-nmap.html" 'sum(len(r) == 12 for r in dom_rows), sorted(set(r[3] for r in dom_rows if len(r) == 12))')" \
	    "1000
['nmap.exe']" "connect-scan fixture: #filter=nmap.exe%2010.0.20.10 leaves the 1000 scan events"
	is "$(check html "$out_dir/report-browser-fixture.html" '"1000 distinct ports" in raw.decode()')" True \
	    "connect-scan fixture: the fan-out chart shows 1000 distinct ports"
	browse "file://$out_dir/report-browser-fixture.html" "$TEST_TMP/fixture-shot.log" \
	    --window-size=1280,4200 --hide-scrollbars \
	    --screenshot="$out_dir/report-browser-fixture.png"
	ok $? "connect-scan fixture: screenshot in tests/out/report-browser-fixture.png"
else
	skip "connect-scan fixture: the page runs and draws its timeline" "testdata/connect-scan.evtx not there yet"
	skip "connect-scan fixture: #filter=nmap.exe%2010.0.20.10 leaves the 1000 scan events" "no fixture"
	skip "connect-scan fixture: the fan-out chart shows 1000 distinct ports" "no fixture"
	skip "connect-scan fixture: screenshot" "no fixture"
fi

done_testing
