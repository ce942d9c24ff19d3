#!/bin/sh
# bench/ingest.sh: how fast wfpsift reads EVTX, against evtxexport.
#
#   bench/ingest.sh [FILE...]
#
# For each file, and each decoder (DECODERS, default: fast, the default
# one; "fast libevtx-xml binxml" for all), measure 'wfpsift ingest
# --decode-only' (read + decode + normalise) and 'wfpsift ingest' (the
# same, stored in a fresh case), and 'evtxexport -f xml > /dev/null' on the
# same file (EVTXEXPORT=0 skips it: about 4 MB/s). Prints one table: file,
# size, records, wall time, CPU time (user + sys, the number to trust on a
# loaded machine), MB/s of wall time and of CPU time, records/s and peak
# RSS, and the load average before and after. With no FILE, it uses the
# largest files of ../shared/corpus and a generated 1.3 GB Security log
# (BENCH_RECORDS records, default 2,000,000) written by tests/mkevtx.
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
decoders=${DECODERS:-fast}

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

# row FILE LABEL RECORDS WALL USER SYS RSS_KB: one table row.
row() {
	awk -v f="$(basename "$1")" -v l="$2" -v s="$(stat -c %s "$1")" -v r="$3" \
	    -v t="$4" -v u="$5" -v y="$6" -v m="$7" 'BEGIN {
		mb = s / 1e6; c = u + y
		tt = (t > 0 ? t : 0.001); cc = (c > 0 ? c : 0.001)
		printf "%-30s %-20s %8.1f %9s %7.2f %7.2f %8.1f %8.1f %10s %7.1f\n",
		    substr(f, 1, 30), l, mb, r, t, c, mb / tt, mb / cc,
		    (r ~ /^[0-9]+$/ ? sprintf("%.0f", r / tt) : "-"), m / 1024 }'
}

# measure LABEL FILE COMMAND...: run the command under /usr/bin/time.
measure() {
	label=$1 file=$2; shift 2
	/usr/bin/time -f '%e %U %S %M' -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr"
	read -r seconds user sys rss_kb <"$out/time"
	records=$(sed -n 's/.*: \([0-9]*\) records.*/\1/p' "$out/stdout" | tail -1)
	row "$file" "$label" "${records:--}" "$seconds" "$user" "$sys" "$rss_kb"
}

echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-30s %-20s %8s %9s %7s %7s %8s %8s %10s %7s\n' file stage MB records wall_s cpu_s MB/s MB/cpu_s records/s RSS_MB
for file in "$@"; do
	for decoder in $decoders; do
		measure "decode $decoder" "$file" "$wfpsift" ingest --decode-only \
		    --decoder "$decoder" -j "$threads" -d "$out/scratch.db" "$file"
		rm -f "$out"/case.db*
		measure "decode+store $decoder" "$file" "$wfpsift" ingest \
		    --decoder "$decoder" -j "$threads" -d "$out/case.db" "$file"
	done
	if [ "${EVTXEXPORT:-1}" != 0 ] && command -v evtxexport >/dev/null; then
		# evtxexport's record count: its XML, counted.
		/usr/bin/time -f '%e %U %S %M' -o "$out/time" evtxexport -f xml "$file" 2>/dev/null |
		    grep -c '<Event ' >"$out/count"
		read -r seconds user sys rss_kb <"$out/time"
		row "$file" "evtxexport -f xml" "$(cat "$out/count")" "$seconds" \
		    "$user" "$sys" "$rss_kb"
	fi
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$out"/scratch.db* "$out"/case.db*
