/*
 * batch.c: copying decoded events into self-contained batches.
 */
#include <stdlib.h>
#include <string.h>

#include "batch.h"

#define BLOCK_SIZE (256 * 1024)

struct batch_block {
	struct batch_block	*next;
	size_t			 size;
	size_t			 used;
	char			 data[];
};

struct batch *
batch_new(void)
{
	return calloc(1, sizeof(struct batch));
}

void
batch_free(struct batch *batch)
{
	struct batch_block	*block, *next;

	if (batch == NULL)
		return;
	for (block = batch->blocks; block != NULL; block = next) {
		next = block->next;
		free(block);
	}
	free(batch);
}

void
batch_reset(struct batch *batch)
{
	struct batch_block	*block;

	batch->count = 0;
	batch->next = NULL;
	for (block = batch->blocks; block != NULL; block = block->next)
		block->used = 0;
	batch->current = batch->blocks;
}

int
batch_full(const struct batch *batch)
{
	return batch->count == BATCH_RECORDS;
}

/* Room for size bytes: the current block, the next free one, or a new one. */
static char *
allocate(struct batch *batch, size_t size)
{
	struct batch_block	*block = batch->current, *fresh;
	char			*p;

	while (block != NULL && block->size - block->used < size)
		block = block->next;
	if (block == NULL) {
		size_t	capacity = size > BLOCK_SIZE ? size : BLOCK_SIZE;

		if ((fresh = malloc(sizeof(*fresh) + capacity)) == NULL)
			return NULL;
		fresh->size = capacity;
		fresh->used = 0;
		fresh->next = NULL;
		/* Append, so blocks are reused in order after a reset. */
		if (batch->blocks == NULL)
			batch->blocks = fresh;
		else {
			struct batch_block *last = batch->blocks;

			while (last->next != NULL)
				last = last->next;
			last->next = fresh;
		}
		block = fresh;
	}
	batch->current = block;
	p = block->data + block->used;
	block->used += size;
	return p;
}

static const char *
copy_string(struct batch *batch, const char *text, int *failed)
{
	size_t	 length;
	char	*copy;

	if (text == NULL)
		return NULL;
	length = strlen(text) + 1;
	if ((copy = allocate(batch, length)) == NULL) {
		*failed = 1;
		return NULL;
	}
	memcpy(copy, text, length);
	return copy;
}

int
batch_add_event(struct batch *batch, const struct event *event)
{
	struct batch_item	*item = &batch->items[batch->count];
	struct event		*copy = &item->event;
	int			 failed = 0;
	size_t			 i;

	item->kind = BATCH_EVENT;
	memcpy(copy, event, offsetof(struct event, fields));
	copy->fields_truncated = event->fields_truncated;
	copy->provider = copy_string(batch, event->provider, &failed);
	copy->provider_guid = copy_string(batch, event->provider_guid, &failed);
	copy->channel = copy_string(batch, event->channel, &failed);
	copy->computer = copy_string(batch, event->computer, &failed);
	copy->keywords = copy_string(batch, event->keywords, &failed);
	copy->user_sid = copy_string(batch, event->user_sid, &failed);
	copy->data_element = copy_string(batch, event->data_element, &failed);
	for (i = 0; i < event->field_count; i++) {
		copy->fields[i].name = copy_string(batch, event->fields[i].name, &failed);
		copy->fields[i].value = copy_string(batch, event->fields[i].value, &failed);
	}
	if (failed)
		return -1;
	batch->count++;
	return 0;
}

void
batch_add_problem(struct batch *batch, const struct decode_problem *problem)
{
	struct batch_item	*item = &batch->items[batch->count++];

	item->kind = BATCH_PROBLEM;
	item->problem = *problem;
}
