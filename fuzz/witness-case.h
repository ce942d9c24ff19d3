/*
 * witness-case.h: what fuzz-zeek.c and fuzz-pcap.c share: a case in
 * memory for the network witness readers to write their flows into.
 */
#ifndef WFPSIFT_FUZZ_WITNESS_CASE_H
#define WFPSIFT_FUZZ_WITNESS_CASE_H

#include "gap.h"

/*
 * The context of an in-memory case holding the whole schema, with a few
 * addresses that belong to one host each (temp.gap_unique_ip), so flows
 * from them are stored as gaps.c would store them. Made on the first call;
 * later calls empty witness_flows and return the same one. NULL when it
 * cannot be made.
 */
struct gap_context	*witness_case(void);

#endif
