/*
 * event.h: one decoded event record.
 *
 * This is what every decoder produces and every later stage reads. Strings
 * point into storage owned by the decoder and stay valid until its next call;
 * a stage that keeps a value copies it. Values are UTF-8 exactly as the
 * record renders them (libevtx's XML text), with control characters kept.
 */
#ifndef WFPSIFT_EVENT_H
#define WFPSIFT_EVENT_H

#include <stddef.h>
#include <stdint.h>

#define EVENT_MAX_FIELDS 256

/* One EventData <Data Name="..."> value, or one leaf element of UserData. */
struct event_field {
	const char *name;
	const char *value;
};

struct event {
	/* Where the record came from. */
	long		 record_index;	/* position in the decoder's walk */
	int		 recovered;	/* 1 when read from chunk slack */
	uint64_t	 record_number;	/* the record header's identifier */

	/* <System> */
	const char	*provider;
	const char	*provider_guid;	/* {...} upper case as logged, or NULL */
	const char	*channel;
	const char	*computer;
	const char	*keywords;	/* as logged: 0x8020000000000000 */
	const char	*user_sid;	/* <Security UserID>, or NULL */
	uint64_t	 record_id;	/* <EventRecordID>; the header's when absent */
	uint32_t	 event_id;
	int		 version;	/* -1 when absent */
	int		 level;
	int		 task;
	int		 opcode;
	int64_t		 filetime;	/* TimeCreated, 100 ns since 1601; 0 if absent */
	uint32_t	 process_id;	/* <Execution>, the logging process */
	uint32_t	 thread_id;

	/*
	 * <EventData>: data_element is "EventData"; or <UserData>: the name of
	 * the wrapper element, e.g. "LogFileCleared". NULL when neither.
	 * Unnamed <Data> values are named Data1, Data2, ...; UserData leaves
	 * below the wrapper are named by their path, e.g. "SubjectUserName".
	 */
	const char	*data_element;
	size_t		 field_count;
	struct event_field fields[EVENT_MAX_FIELDS];
	int		 fields_truncated; /* 1 when more than EVENT_MAX_FIELDS */
};

/* The value of the field called name, or NULL when the record has none. */
const char	*event_field(const struct event *, const char *name);

/* Reset an event to empty before decoding into it (field slots are left as they are). */
void		 event_clear(struct event *);

#endif
