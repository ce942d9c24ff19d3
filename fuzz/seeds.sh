#!/bin/sh
# fuzz/seeds.sh SRCDIR CORPUS OUTDIR: seed corpora for the fuzz targets,
# made at fuzz time (no corpus bytes are committed):
#   OUTDIR/normalise  field values in the target's NUL-separated layout
#   OUTDIR/decoder    the fixtures, the corpus's one-chunk files, and the
#                     header plus first chunk of larger corpus files
#   OUTDIR/rendering  records of the fixtures as libevtx renders them
#                     (evtxexport -f xml), one per file, when evtxexport
#                     is installed
#   OUTDIR/zeek       conn.logs from tests/mkconnlog.sh: TSV, JSON, gzipped,
#                     IPv6, a cut line, a header with another separator
#   OUTDIR/pcap       captures from tests/mkpcap ($MKPCAP, default
#                     tests/mkpcap in the build): pcap and pcapng, Ethernet,
#                     VLAN, raw IP, Linux cooked, IPv6, packets cut short
#                     by a small snap length, a file cut mid-packet
srcdir=${1:?usage: seeds.sh SRCDIR CORPUS OUTDIR}
corpus=$2
out=${3:?usage: seeds.sh SRCDIR CORPUS OUTDIR}
MKPCAP=${MKPCAP:-tests/mkpcap}
mkdir -p "$out/normalise" "$out/decoder" "$out/rendering" "$out/zeek" "$out/pcap" || exit 1

# seed NAME STRING...: one normalise seed, the strings joined by NUL.
seed() {
	name=$1; shift
	for s in "$@"; do printf '%s\0' "$s"; done >"$out/normalise/$name"
}
# The first string's first byte picks the event id (index into the
# target's list: 23 wraps to 5156, 1 is 5157, 9 is 4688, 11 is 4624,
# 17 is Sysmon 3), its second byte the provider (5 wraps to Security-Auditing,
# 1 is Sysmon). Field names are written out: a name whose first byte is past
# the target's list of known names is used as it stands.
b() { printf "\\$(printf '%03o' "$1")"; }
seed wfp-outbound "$(b 23)$(b 5)10.0.0.5" Application '\device\harddiskvolume2\windows\system32\svchost.exe' \
    Direction '%%14593' SourceAddress '10.0.0.5' SourcePort '49152' DestAddress '::ffff:10.0.0.9' \
    DestPort '445' Protocol '6' LayerName '%%14611' ProcessID '4242'
seed wfp-inbound "$(b 1)$(b 5)fe80::1%12" Direction '%%14592' SourceAddress 'fe80::1%12' \
    DestAddress '0.0.0.0' Protocol '17' LayerName '%%14610'
seed process "$(b 9)$(b 5)2026-11-02T09:14:03.1234567Z" NewProcessId '0x0000000000001a2c' \
    NewProcessName 'C:\Windows\System32\cmd.exe' SubjectLogonId '0x3e7' TokenElevationType '%%1937'
seed sysmon "$(b 17)$(b 1)2026-11-02 09:14:03.123" SourceIp '::1' DestinationIp '192.168.1.1' \
    User 'DOMAIN\user' ProcessGuid '{00000000-0000-0000-0000-000000000000}'
seed logon "$(b 11)$(b 5)18446744073709551615" IpAddress '-' LogonType '10' TargetLogonId '0XFFFFFFFFFFFFFFFFFF'
seed hostile "$(b 23)$(b 5)$(printf '\033]0;x\007\302\233')" Application "$(printf '\033[2J\\\\?\\UNC\\host\\share\\a.exe')"

# Decoder seeds: fixtures and one-chunk corpus files whole; larger files cut
# after their first chunk (4096 + 65536 bytes).
n=0
for f in "$srcdir"/testdata/*.evtx; do
	[ -f "$f" ] || continue
	n=$((n + 1)); head -c 200000 "$f" >"$out/decoder/fixture-$n.evtx"
done
if [ -d "$corpus" ]; then
	find "$corpus" -type f -name '*.evtx' | LC_ALL=C sort | head -n 400 |
	while IFS= read -r f; do
		n=$((n + 1))
		head -c 69632 "$f" >"$out/decoder/corpus-$n.evtx"
	done
fi

# Rendering seeds: the first 40 records of each fixture as libevtx's XML.
if command -v evtxexport >/dev/null 2>&1; then
	for f in "$srcdir"/testdata/*.evtx; do
		[ -f "$f" ] || continue
		base=$(basename "$f" .evtx)
		evtxexport -f xml "$f" 2>/dev/null | awk -v out="$out/rendering/$base" '
			/^<Event / { n++; inside = 1; if (n > 40) exit }
			inside { print > (out "-" n ".xml") }
			/^<\/Event>/ { close(out "-" n ".xml"); inside = 0 }'
	done
else
	echo "seeds.sh: no evtxexport (libevtx-utils): no rendering seeds" >&2
fi

# Zeek seeds: a few probes each, so the fuzzer mutates every line kind.
conn() { sh "$srcdir/tests/mkconnlog.sh" "$@"; }
conn tsv syn 10.1.0.5 10.1.0.9 1793620800 100 20-26 22 25 >"$out/zeek/tsv-syn.log"
conn tsv connect 10.1.0.5 10.1.0.9 1793620800 100 20-26 22 25 >"$out/zeek/tsv-connect.log"
conn json syn 2001:db8::5 2001:db8::9 1793620800 100 20-26 22 25 >"$out/zeek/json-v6.log"
conn json connect 10.1.0.6 10.1.0.9 1793620800 100 440-446 445 >"$out/zeek/json-connect.log"
gzip -c "$out/zeek/tsv-syn.log" >"$out/zeek/tsv-syn.log.gz"
head -c 900 "$out/zeek/tsv-syn.log" >"$out/zeek/tsv-cut.log"
sed -e 's/\t/,/g' -e 's/^#separator .*/#separator ,/' "$out/zeek/tsv-syn.log" >"$out/zeek/comma.log"
printf '{"ts":"2026-11-02T12:00:00.5Z","id.orig_h":"192.168.1.10","id.orig_p":1,"id.resp_h":"::ffff:10.0.0.1","id.resp_p":65535,"proto":"tcp","conn_state":"SH"}\n' \
    >"$out/zeek/json-iso.log"

# Pcap seeds, when tests/mkpcap is built.
if [ -x "$MKPCAP" ]; then
	probe() { "$MKPCAP" --src 10.1.0.5 --dst 10.1.0.9 --start 1793620800.25 \
	    --step-ms 10 --ports 20-26 --open 22 --filtered 25 "$@"; }
	probe -o "$out/pcap/syn-ether.pcap" --mode syn
	probe -o "$out/pcap/connect-raw.pcap" --mode connect --link raw
	probe -o "$out/pcap/syn-vlan.pcapng" --mode syn --link vlan --format pcapng
	probe -o "$out/pcap/syn-sll-cut.pcap" --mode syn --link sll --snaplen 40
	probe -o "$out/pcap/connect-vlan-cut.pcapng" --mode connect --link vlan \
	    --snaplen 50 --format pcapng
	"$MKPCAP" -o "$out/pcap/v6.pcap" --src 2001:db8::5 --dst 2001:db8::9 \
	    --start 1793620800 --ports 440-446 --open 445 --mode syn
	"$MKPCAP" -o "$out/pcap/v6-vlan.pcapng" --src 2001:db8::5 --dst 2001:db8::9 \
	    --start 1793620800 --ports 440-446 --open 445 --mode connect \
	    --link vlan --format pcapng
	head -c 300 "$out/pcap/syn-ether.pcap" >"$out/pcap/syn-file-cut.pcap"
else
	echo "seeds.sh: no $MKPCAP (make check builds it): no pcap seeds" >&2
fi
