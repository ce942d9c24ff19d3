/*
 * slack-copies.h: know a recovered record that is a copy of a live one.
 *
 * Chunk slack often still holds the bytes of records that are live in the
 * same file. Stored as recovered events, such copies would count every
 * one of those events twice in timelines and detectors. A recovered record
 * is a copy when a live record of the same file has its EventRecordID and
 * the same content: every <System> value (time, event id, provider,
 * channel, computer, ...) and every EventData or UserData value. A
 * recovered record that differs in anything is evidence of change and is
 * kept.
 *
 * Content is compared through a SHA-256 digest (cut to 128 bits) of every
 * value, so a record crafted to look like a copy of another cannot be.
 */
#ifndef WFPSIFT_SLACK_COPIES_H
#define WFPSIFT_SLACK_COPIES_H

#include "event.h"

struct live_records;

/* An empty set for one file, or NULL when out of memory. */
struct live_records	*live_records_new(void);
void			 live_records_free(struct live_records *);

/*
 * Remember a live record. When memory runs out the set is marked
 * incomplete, and live_records_has_copy answers 0 from then on: the file's
 * recovered records are all kept, as if nothing were known.
 */
void	 live_records_add(struct live_records *, const struct event *);

/* 1 when a remembered live record has this record's id and content, else 0. */
int	 live_records_has_copy(struct live_records *, const struct event *);

#endif
