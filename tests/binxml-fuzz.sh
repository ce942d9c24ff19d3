#!/bin/sh
# binxml-fuzz.sh: run tests/binxml-fuzz on a fixture (see binxml-fuzz.c).
. "${top_srcdir:-.}/tests/lib.sh"
fixture="$TESTDATA/connect-scan.evtx"
[ -f "$fixture" ] || plan_skip_all "no fixture $fixture"
exec "$top_builddir/tests/binxml-fuzz" "$fixture"
