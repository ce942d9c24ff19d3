/*
 * decoder-binxml.h: what the fast decoder needs to know about the binxml
 * decoder's last answer, to ask libevtx for the same record.
 */
#ifndef WFPSIFT_DECODER_BINXML_H
#define WFPSIFT_DECODER_BINXML_H

#include "decoder.h"

/* Where the record of the last next() call sits in libevtx's lists. */
struct binxml_position {
	long		 record_index;	/* in the binxml walk */
	long		 libevtx_index;	/* in libevtx's list, -1 if absent */
	int		 recovered;	/* which list */
	uint64_t	 record_id;	/* from the record header */
	long		 chunk;
};

void	 binxml_decoder_position(struct decoder *, struct binxml_position *);

#endif
