/*
 * batch.h: decoded records on their way from a decoding thread to the
 * writing thread.
 *
 * A decoder's strings live only until its next call, so a batch copies each
 * event into blocks of its own that never move. Problems travel in the
 * same batch, in order, so the writer sees exactly what one thread would.
 */
#ifndef WFPSIFT_BATCH_H
#define WFPSIFT_BATCH_H

#include <stddef.h>

#include "decoder.h"
#include "event.h"

#define BATCH_RECORDS 256

enum batch_item_kind { BATCH_EVENT, BATCH_PROBLEM };

struct batch_item {
	enum batch_item_kind	 kind;
	struct event		 event;		/* BATCH_EVENT */
	struct decode_problem	 problem;	/* BATCH_PROBLEM */
};

struct batch_block;

struct batch {
	struct batch		*next;		/* in a queue or the free list */
	size_t			 count;
	struct batch_item	 items[BATCH_RECORDS];
	struct batch_block	*blocks;	/* string storage, reused */
	struct batch_block	*current;
};

struct batch	*batch_new(void);
void		 batch_free(struct batch *);
/* Empty a batch for reuse, keeping its storage. */
void		 batch_reset(struct batch *);
int		 batch_full(const struct batch *);
/* Copy an event (and every string it points at) in. Returns 0 or -1. */
int		 batch_add_event(struct batch *, const struct event *);
void		 batch_add_problem(struct batch *, const struct decode_problem *);

#endif
