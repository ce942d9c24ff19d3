/*
 * gap-witness.h: the network witness readers on input that is already
 * open, so a fuzz target can hand them bytes from memory. gaps.c calls
 * gap_witness_zeek and gap_witness_pcap (gap.h), which open a path and
 * call these.
 */
#ifndef WFPSIFT_GAP_WITNESS_H
#define WFPSIFT_GAP_WITNESS_H

#include <pcap/pcap.h>
#include <zlib.h>

#include "gap.h"

/*
 * Read a Zeek conn.log (TSV or JSON lines, plain or gzipped) from file;
 * path names it in the witness_flows rows and in errors. The caller closes
 * file. Returns 0, or -1 with the context's error set.
 */
int	 gap_witness_zeek_read(struct gap_context *, const char *path, gzFile file);

/*
 * Read an open capture (pcap or pcapng); path names it as above. The
 * caller closes capture. Returns 0, or -1 with the context's error set.
 */
int	 gap_witness_pcap_read(struct gap_context *, const char *path, pcap_t *capture);

#endif
