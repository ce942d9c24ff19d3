#!/bin/sh
# man-page: the manual says what the program does. Every long option a
# command's --help lists is documented in wfpsift(1); no placeholder of
# the build is left in it; its footer names the version the program
# reports; each command of the SYNOPSIS starts on its own line.
. "${top_srcdir:-.}/tests/lib.sh"

PAGE=$top_builddir/man/wfpsift.1
[ -f "$PAGE" ] || plan_skip_all "man/wfpsift.1 is not built"

! grep -n '@[A-Z_]*@' "$PAGE" > "$TEST_TMP/placeholders"
ok $? "no @PLACEHOLDER@ is left in the page"
version=$("$WFPSIFT" --version | sed 's/^wfpsift //')
grep -q "^\\.TH WFPSIFT 1 \"[^\"]*\" \"wfpsift $version\"" "$PAGE"
ok $? "the footer names version $version, as wfpsift --version does"

# In the SYNOPSIS, a command line not preceded by .br runs on from the last.
is "$(awk '/^\.SH SYNOPSIS/ { on = 1; previous = ""; next }
    /^\.SH/ { on = 0 }
    on && /^\.B wfpsift / && previous != ".br" && previous != "" { print $3 }
    on { previous = $0 }' "$PAGE")" "" "each command of the SYNOPSIS starts a line"

for command in analyze ingest detect gaps report; do
	missing=""
	for option in $("$WFPSIFT" $command --help 2>&1 |
	    grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' | sed 's/.*--//'); do
		[ "$option" = help ] && continue
		# as roff (\-\-name) or in a block of preformatted text (--name)
		grep -q -- "\\\\-\\\\-$(echo "$option" | sed 's/-/\\\\-/g')" "$PAGE" ||
		    grep -q -e "--$option\\>" "$PAGE" ||
		    missing="$missing --$option"
	done
	is "$missing" "" "every option of 'wfpsift $command --help' is in the manual"
done
done_testing
