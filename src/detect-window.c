/*
 * detect-window.c: sliding time windows that count distinct values, the
 * arithmetic under both sweep detectors.
 *
 * A sweep is "at least N distinct ports (or hosts) within W seconds". The
 * events of one key (a source and a destination, or a source and a service)
 * arrive sorted by time; a window slides over them keeping a count per
 * value, and every position where the distinct count reaches N marks the
 * window's events as part of a sweep. Overlapping marked windows merge, so
 * one long scan is one run and one finding, not one per window.
 */
#include <stdlib.h>
#include <string.h>

#include "detector.h"

/* Occurrences of each value in the current window: open addressing on int64. */
struct value_counter {
	int64_t		*keys;
	uint32_t	*counts;
	unsigned char	*used;
	size_t		 mask;
	int64_t		 distinct;
};

/* Room for count different values at most half full. Returns 0 or -1. */
static int
counter_init(struct value_counter *counter, size_t count)
{
	size_t	size = 16;

	while (size < count * 2)
		size *= 2;
	memset(counter, 0, sizeof(*counter));
	counter->keys = malloc(size * sizeof(*counter->keys));
	counter->counts = calloc(size, sizeof(*counter->counts));
	counter->used = calloc(size, 1);
	counter->mask = size - 1;
	if (counter->keys == NULL || counter->counts == NULL ||
	    counter->used == NULL) {
		free(counter->keys);
		free(counter->counts);
		free(counter->used);
		return -1;
	}
	return 0;
}

static void
counter_free(struct value_counter *counter)
{
	free(counter->keys);
	free(counter->counts);
	free(counter->used);
}

/* The slot of value: where it is, or the empty slot where it goes. */
static size_t
counter_slot(struct value_counter *counter, int64_t value)
{
	uint64_t	hash = (uint64_t)value * 0x9e3779b97f4a7c15ULL;
	size_t		slot = (size_t)(hash >> 20) & counter->mask;

	while (counter->used[slot] && counter->keys[slot] != value)
		slot = (slot + 1) & counter->mask;
	return slot;
}

static void
counter_add(struct value_counter *counter, int64_t value)
{
	size_t	slot = counter_slot(counter, value);

	if (!counter->used[slot]) {
		counter->used[slot] = 1;
		counter->keys[slot] = value;
	}
	if (counter->counts[slot]++ == 0)
		counter->distinct++;
}

static void
counter_remove(struct value_counter *counter, int64_t value)
{
	size_t	slot = counter_slot(counter, value);

	if (counter->used[slot] && counter->counts[slot] > 0 &&
	    --counter->counts[slot] == 0)
		counter->distinct--;
}

/* Append run [first, last] to *runs. Returns 0 or -1. */
static int
push_run(struct window_run **runs, size_t *count, size_t *alloc,
    size_t first, size_t last)
{
	struct window_run	*grown;

	if (*count == *alloc) {
		*alloc = *alloc == 0 ? 4 : *alloc * 2;
		grown = realloc(*runs, *alloc * sizeof(**runs));
		if (grown == NULL)
			return -1;
		*runs = grown;
	}
	(*runs)[*count].first = first;
	(*runs)[(*count)++].last = last;
	return 0;
}

long
window_find_runs(const struct window_event *events, size_t count,
    int64_t window_us, int64_t threshold, struct window_run **runs)
{
	struct value_counter	 counter;
	size_t			 left = 0, right, run_count = 0, run_alloc = 0;
	size_t			 run_first = 0, run_last = 0;
	int			 in_run = 0, failed = 0;

	*runs = NULL;
	if (count == 0 || (int64_t)count < threshold)
		return 0;
	if (counter_init(&counter, count) == -1)
		return -1;
	for (right = 0; right < count && !failed; right++) {
		counter_add(&counter, events[right].value);
		while (events[right].time_us - events[left].time_us > window_us)
			counter_remove(&counter, events[left++].value);
		if (counter.distinct < threshold)
			continue;
		if (in_run && left <= run_last) {
			run_last = right;
			continue;
		}
		if (in_run && push_run(runs, &run_count, &run_alloc,
		    run_first, run_last) == -1)
			failed = 1;
		in_run = 1;
		run_first = left;
		run_last = right;
	}
	if (!failed && in_run &&
	    push_run(runs, &run_count, &run_alloc, run_first, run_last) == -1)
		failed = 1;
	counter_free(&counter);
	if (failed) {
		free(*runs);
		*runs = NULL;
		return -1;
	}
	return (long)run_count;
}

int64_t
window_max_distinct(const struct window_event *events, size_t count,
    int64_t window_us)
{
	struct value_counter	 counter;
	size_t			 left = 0, right;
	int64_t			 best = 0;

	if (count == 0)
		return 0;
	if (counter_init(&counter, count) == -1)
		return -1;
	for (right = 0; right < count; right++) {
		counter_add(&counter, events[right].value);
		while (events[right].time_us - events[left].time_us > window_us)
			counter_remove(&counter, events[left++].value);
		if (counter.distinct > best)
			best = counter.distinct;
	}
	counter_free(&counter);
	return best;
}

int64_t
window_distinct(const struct window_event *events, size_t count)
{
	struct value_counter	 counter;
	size_t			 i;
	int64_t			 distinct;

	if (count == 0)
		return 0;
	if (counter_init(&counter, count) == -1)
		return -1;
	for (i = 0; i < count; i++)
		counter_add(&counter, events[i].value);
	distinct = counter.distinct;
	counter_free(&counter);
	return distinct;
}

size_t
window_lower_bound(const struct window_event *events, size_t count,
    int64_t time_us)
{
	size_t	low = 0, high = count, middle;

	while (low < high) {
		middle = low + (high - low) / 2;
		if (events[middle].time_us < time_us)
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}
