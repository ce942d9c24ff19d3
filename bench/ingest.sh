#!/bin/sh
# bench/ingest.sh: how fast wfpsift reads EVTX, against evtxexport.
#
#   bench/ingest.sh [FILE...]
#
# For each file, and each decoder (DECODERS, default: every one wfpsift
# knows), measure 'wfpsift ingest --decode-only' (read + decode + normalise)
# and 'wfpsift ingest' (the same, stored in a fresh case), and
# 'evtxexport -f xml > /dev/null' on the same file. Prints one table: file,
# size, records, wall time, MB/s, records/s and peak RSS. With no FILE, it
# uses the largest files of ../shared/corpus and a generated 1 GB Security
# log (BENCH_RECORDS records, default 2,000,000) written by tests/mkevtx.
# THREADS sets -j (default 1: per-core numbers).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
wfpsift=${WFPSIFT:-$build/wfpsift}
mkevtx=${MKEVTX:-$build/tests/mkevtx}
corpus=${CORPUS:-$here/../shared/corpus}
out=${BENCH_OUT:-$here/bench/out}
threads=${THREADS:-1}
mkdir -p "$out"

[ -x "$wfpsift" ] || { echo "bench: build first (./quickstart or make)" >&2; exit 1; }
decoders=${DECODERS:-$("$wfpsift" ingest --help |
    sed -n 's/.*--decoder NAME *\([a-z|-]*\).*/\1/p' | tr '|' ' ')}

if [ $# -eq 0 ]; then
	if [ -d "$corpus" ]; then
		set -- $(find "$corpus" -type f -size +2M -print0 | xargs -0 ls -S | head -3)
	fi
	if [ -x "$mkevtx" ]; then
		big="$out/security-bench.evtx"
		[ -f "$big" ] || "$mkevtx" --bench-security "${BENCH_RECORDS:-2000000}" "$big" ||
		    echo "bench: could not generate $big" >&2
		[ -f "$big" ] && set -- "$@" "$big"
	fi
fi

# measure LABEL FILE COMMAND...: one table row from /usr/bin/time.
measure() {
	label=$1 file=$2; shift 2
	/usr/bin/time -f '%e %M' -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr"
	read -r seconds rss_kb <"$out/time"
	size=$(stat -c %s "$file")
	records=$(sed -n 's/.*: \([0-9]*\) records.*/\1/p' "$out/stdout" | tail -1)
	[ -n "$records" ] || records=$(grep -c '<Event ' "$out/stdout" 2>/dev/null || echo -)
	awk -v l="$label" -v f="$(basename "$file")" -v s="$size" -v r="$records" \
	    -v t="$seconds" -v m="$rss_kb" 'BEGIN {
		mb = s / 1e6; tt = (t > 0 ? t : 0.001)
		printf "%-34s %-26s %9.1f %10s %8.2f %9.1f %11s %8.1f\n", f, l, mb, r, t,
		    mb / tt, (r ~ /^[0-9]+$/ ? sprintf("%.0f", r / tt) : "-"), m / 1024 }'
}

printf '%-34s %-26s %9s %10s %8s %9s %11s %8s\n' file stage MB records seconds MB/s records/s RSS_MB
for file in "$@"; do
	for decoder in $decoders; do
		measure "decode $decoder" "$file" "$wfpsift" ingest --decode-only \
		    --decoder "$decoder" -j "$threads" -d "$out/scratch.db" "$file"
		rm -f "$out"/case.db*
		measure "decode+store $decoder" "$file" "$wfpsift" ingest \
		    --decoder "$decoder" -j "$threads" -d "$out/case.db" "$file"
	done
	if command -v evtxexport >/dev/null; then
		# evtxexport's record count: its XML, counted by measure.
		/usr/bin/time -f '%e %M' -o "$out/time" evtxexport -f xml "$file" 2>/dev/null |
		    grep -c '<Event ' >"$out/count"
		read -r seconds rss_kb <"$out/time"
		awk -v f="$(basename "$file")" -v s="$(stat -c %s "$file")" \
		    -v r="$(cat "$out/count")" -v t="$seconds" -v m="$rss_kb" 'BEGIN {
			mb = s / 1e6; tt = (t > 0 ? t : 0.001)
			printf "%-34s %-26s %9.1f %10s %8.2f %9.1f %11.0f %8.1f\n", f,
			    "evtxexport -f xml", mb, r, t, mb / tt, r / tt, m / 1024 }'
	fi
done
rm -f "$out"/scratch.db* "$out"/case.db*
