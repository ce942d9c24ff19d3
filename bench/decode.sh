#!/bin/sh
# bench/decode.sh: decode-only throughput of each decoder, beside evtxexport.
#
#   bench/decode.sh [FILE...]
#
# For each file: tests/decode-dump --bench with the binxml, fast and
# libevtx (reference) decoders -- open, walk, decode every record into
# struct event, nothing stored -- and 'evtxexport -f xml > /dev/null'.
# One row per run: decoder, file, MB, records, CPU seconds per pass, MB/s
# and records/s on CPU time (the machine is shared: wall time lies), and
# peak RSS from /usr/bin/time. binxml and fast decode each file REPEAT
# times (default 5) for a measurable time. With no FILE: the three largest
# corpus files, and a generated Security log of BENCH_RECORDS records
# (default 1,000,000) when tests/mkevtx exists. DECODERS picks decoders;
# EVTXEXPORT=no leaves evtxexport out (it takes minutes on big files).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here}
dump=${DECODE_DUMP:-$build/tests/decode-dump}
mkevtx=${MKEVTX:-$build/tests/mkevtx}
corpus=${CORPUS:-$here/../shared/corpus}
out=${BENCH_OUT:-$here/bench/out}
decoders=${DECODERS:-binxml fast libevtx}
mkdir -p "$out"
[ -x "$dump" ] || { echo "bench: build tests/decode-dump first (make check)" >&2; exit 1; }

if [ $# -eq 0 ]; then
	[ -d "$corpus" ] &&
	    set -- $(find "$corpus" -type f -name '*.evtx' -size +2M -print0 |
	    xargs -0 ls -S | head -3)
	if [ -x "$mkevtx" ]; then
		big="$out/security-${BENCH_RECORDS:-1000000}.evtx"
		[ -f "$big" ] || "$mkevtx" --bench-security "${BENCH_RECORDS:-1000000}" \
		    -o "$big" || echo "bench: could not generate $big" >&2
		[ -f "$big" ] && set -- "$@" "$big"
	fi
fi

# row DECODER FILE: decode FILE REPEAT times (binxml, fast) or once; one
# row from decode-dump's own CPU-time figures and /usr/bin/time's RSS.
row() {
	decoder=$1 file=$2 n=1
	[ "$decoder" = libevtx ] || n=${REPEAT:-5}
	set --
	i=0; while [ $i -lt $n ]; do set -- "$@" "$file"; i=$((i + 1)); done
	/usr/bin/time -f '%M' -o "$out/time" "$dump" --bench --decoder "$decoder" "$@" \
	    > "$out/run" 2>/dev/null
	awk -v l="$decoder" -v f="$(basename "$file")" -v m="$(cat "$out/time")" '
	    { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	    END { printf "%-8s %-34.34s %7.1f %8d %7.3f %8.1f %9.0f %7.1f\n", l, f,
		v["bytes"] / v["files"] / 1e6, v["records"] / v["files"],
		v["cpu"] / v["files"], v["MB/s"], v["records/s"], m / 1024 }' "$out/run"
}

printf "%-8s %-34s %7s %8s %7s %8s %9s %7s\n" decoder file MB records cpu-s MB/s records/s RSS-MB
for file in "$@"; do
	for decoder in $decoders; do
		row "$decoder" "$file"
	done
	if [ "${EVTXEXPORT:-yes}" = yes ] && command -v evtxexport > /dev/null; then
		# evtxexport prints the XML: count its records from the output.
		/usr/bin/time -f '%U %S %M' -o "$out/time" evtxexport -f xml "$file" \
		    > "$out/export.xml" 2>/dev/null
		set -- $(cat "$out/time")
		bytes=$(stat -c %s "$file")
		records=$(grep -c '^<Event ' "$out/export.xml")
		awk -v f="$(basename "$file")" -v b="$bytes" -v r="$records" -v u="$1" \
		    -v s="$2" -v m="$3" 'BEGIN { t = u + s; if (t < 0.001) t = 0.001
		    printf "%-8s %-34.34s %7.1f %8s %7.2f %8.1f %9.0f %7.1f\n", "evtxexp",
		    f, b / 1e6, r, t, b / 1e6 / t, r / t, m / 1024 }'
		rm -f "$out/export.xml"
	fi
done
