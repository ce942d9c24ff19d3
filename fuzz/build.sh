#!/bin/sh
# fuzz/build.sh SRCDIR OUTDIR: build the libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined) into OUTDIR. Exits 77 (skip) when
# clang or its libFuzzer runtime is missing, 1 when a build fails.
srcdir=${1:?usage: build.sh SRCDIR OUTDIR}
out=${2:?usage: build.sh SRCDIR OUTDIR}
CLANG=${CLANG:-clang}
mkdir -p "$out" || exit 1

command -v "$CLANG" >/dev/null 2>&1 || { echo "no $CLANG" >&2; exit 77; }
probe="$out/probe.c"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)n & 0; }' >"$probe"
"$CLANG" -fsanitize=fuzzer "$probe" -o "$out/probe" 2>/dev/null ||
    { echo "$CLANG has no libFuzzer runtime (apt-get install libclang-rt-14-dev)" >&2; exit 77; }
rm -f "$probe" "$out/probe"

flags="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I$srcdir/src"
libs="$(pkg-config --cflags --libs libevtx libxml-2.0 zlib) -lpthread"

# shellcheck disable=SC2086
"$CLANG" $flags -o "$out/fuzz-normalise" "$srcdir/fuzz/fuzz-normalise.c" \
    "$srcdir/src/normalise.c" "$srcdir/src/util.c" "$srcdir/src/event.c" || exit 1
decoder_sources="$srcdir/src/decoder-libevtx-xml.c $srcdir/src/decoder-sandbox.c \
    $srcdir/src/normalise.c $srcdir/src/util.c $srcdir/src/event.c"
for f in binxml.c binxml-value.c binxml-plan.c binxml-plan-store.c evtx-reader.c \
    decoder-binxml.c decoder-fast.c; do
	[ -f "$srcdir/src/$f" ] && decoder_sources="$decoder_sources $srcdir/src/$f"
done
# The reference decoder's reading of libevtx's XML (libevtx itself runs in a
# child process, out of a fuzzer's sight), then one binary per direct decoder.
# shellcheck disable=SC2086
"$CLANG" $flags -DFUZZ_RENDERING -o "$out/fuzz-rendering" \
    "$srcdir/fuzz/fuzz-decoder.c" $decoder_sources $libs || exit 1
for target in binxml:binxml_decoder fast:fast_decoder; do
	name=${target%%:*} ops=${target#*:}
	# The binxml target also checks plans against the walk (see fuzz-decoder.c).
	extra=
	[ "$name" = binxml ] && extra=-DFUZZ_PLANS
	# shellcheck disable=SC2086
	"$CLANG" $flags -DFUZZ_DECODER="$ops" $extra -o "$out/fuzz-$name" \
	    "$srcdir/fuzz/fuzz-decoder.c" $decoder_sources $libs || exit 1
done

# The network witness readers: each with an in-memory case made from the
# schema, embedded here as the build embeds it (src/schema-sql.c).
{
	echo 'const char wfpsift_schema_sql[] ='
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$srcdir/src/schema.sql"
	echo ';'
} >"$out/schema-sql.c" || exit 1
witness_sources="$srcdir/fuzz/witness-case.c $out/schema-sql.c $srcdir/src/gaps.c \
    $srcdir/src/gaps-print.c $srcdir/src/normalise.c $srcdir/src/util.c $srcdir/src/event.c \
    $srcdir/src/text-table.c $srcdir/src/table-pass.c"
for f in "$srcdir"/src/gap-*.c; do
	witness_sources="$witness_sources $f"
done
witness_libs="$(pkg-config --cflags --libs sqlite3 zlib libpcap)"
for name in zeek pcap; do
	# shellcheck disable=SC2086
	"$CLANG" $flags -I"$srcdir/fuzz" -o "$out/fuzz-$name" "$srcdir/fuzz/fuzz-$name.c" \
	    $witness_sources $witness_libs || exit 1
done
