#!/bin/sh
# fuzz/seeds.sh SRCDIR CORPUS OUTDIR: seed corpora for the fuzz targets,
# made at fuzz time (no corpus bytes are committed):
#   OUTDIR/normalise  field values in the target's NUL-separated layout
#   OUTDIR/decoder    the fixtures, the corpus's one-chunk files, and the
#                     header plus first chunk of larger corpus files
srcdir=${1:?usage: seeds.sh SRCDIR CORPUS OUTDIR}
corpus=$2
out=${3:?usage: seeds.sh SRCDIR CORPUS OUTDIR}
mkdir -p "$out/normalise" "$out/decoder" || exit 1

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
