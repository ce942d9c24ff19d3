#!/bin/sh
# mkconnlog: write a Zeek conn.log of one host scanning another, for the
# gaps tests' network witness (wfpsift gaps --zeek-conn).
#
# usage: mkconnlog.sh tsv|json syn|connect SRC DST START STEP_MS PORTS [OPEN] [FILTERED]
#
# One flow per port in PORTS (22,80,100-200), STEP_MS apart from START
# (epoch seconds). What Zeek writes for each:
#   syn      open: RSTO, history ShR (half open); filtered: S0, S;
#            otherwise REJ, Sr
#   connect  open: RSTO, history ShAR (completed, then reset);
#            filtered: S0, S; otherwise REJ, Sr
# TSV has Zeek's header lines; JSON is one object a line.
[ $# -ge 7 ] || { echo "usage: mkconnlog.sh tsv|json syn|connect SRC DST START STEP_MS PORTS [OPEN] [FILTERED]" >&2; exit 2; }
exec awk -v format="$1" -v mode="$2" -v src="$3" -v dst="$4" -v start="$5" \
    -v step="$6" -v ports="$7" -v open="${8:-}" -v filtered="${9:-}" '
function expand(list, set,    n, i, item, range, p) {
	n = split(list, item, ",")
	for (i = 1; i <= n; i++) {
		if (item[i] == "") continue
		if (split(item[i], range, "-") == 2)
			for (p = range[1] + 0; p <= range[2] + 0; p++) set[p] = 1
		else set[item[i] + 0] = 1
	}
}
BEGIN {
	expand(ports, want); expand(open, is_open); expand(filtered, is_filtered)
	if (format == "tsv") {
		print "#separator \\x09"
		print "#set_separator\t,"
		print "#empty_field\t(empty)"
		print "#unset_field\t-"
		print "#path\tconn"
		print "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents"
		print "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]"
	}
	probe = 0
	for (port = 1; port <= 65535; port++) {
		if (!(port in want)) continue
		if (port in is_filtered) { state = "S0"; history = "S" }
		else if (port in is_open) { state = "RSTO"; history = mode == "connect" ? "ShAR" : "ShR" }
		else { state = "REJ"; history = "Sr" }
		sport = mode == "connect" ? 50000 + probe % 10000 : 61000
		us = probe * step * 1000
		ts = sprintf("%d.%06d", start + int(us / 1000000), us % 1000000)
		uid = sprintf("C%08d", probe)
		if (format == "tsv")
			printf "%s\t%s\t%s\t%d\t%s\t%d\ttcp\t-\t-\t-\t-\t%s\tT\tT\t0\t%s\t1\t44\t1\t40\t-\n", ts, uid, src, sport, dst, port, state, history
		else
			printf "{\"ts\":%s,\"uid\":\"%s\",\"id.orig_h\":\"%s\",\"id.orig_p\":%d,\"id.resp_h\":\"%s\",\"id.resp_p\":%d,\"proto\":\"tcp\",\"conn_state\":\"%s\",\"local_orig\":true,\"local_resp\":true,\"missed_bytes\":0,\"history\":\"%s\",\"orig_pkts\":1,\"orig_ip_bytes\":44,\"resp_pkts\":1,\"resp_ip_bytes\":40}\n", ts, uid, src, sport, dst, port, state, history
		probe++
	}
	if (format == "tsv") print "#close\t2026-01-01-00-00-00"
}'
