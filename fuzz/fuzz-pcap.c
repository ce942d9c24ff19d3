/*
 * fuzz-pcap.c: libFuzzer target for the packet capture reader
 * (src/gap-witness-pcap.c).
 *
 * The input is a capture file (pcap or pcapng) as wfpsift gaps --pcap
 * would read it; libpcap reads it from memory (fmemopen) and the reader
 * stores its incomplete TCP flows in an in-memory case. libpcap checks the
 * file's own framing; every header inside a packet (link, VLAN, IPv4,
 * IPv6 and its extension headers, TCP) is the reader's to check, and none
 * of it may crash or hang it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gap-witness.h"
#include "witness-case.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gap_context	*context = witness_case();
	char			 message[PCAP_ERRBUF_SIZE];
	pcap_t			*capture;
	FILE			*file;

	if (context == NULL)
		abort();	/* the harness itself is broken */
	if (size == 0 || (file = fmemopen((void *)data, size, "rb")) == NULL)
		return 0;
	capture = pcap_fopen_offline_with_tstamp_precision(file,
	    PCAP_TSTAMP_PRECISION_MICRO, message);
	if (capture == NULL) {
		fclose(file);
		return 0;
	}
	(void)gap_witness_pcap_read(context, "fuzz.pcap", capture);
	pcap_close(capture);	/* closes file too */
	return 0;
}
