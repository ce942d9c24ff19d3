/*
 * event.c: lookups on a decoded event.
 */
#include <stddef.h>
#include <string.h>

#include "event.h"

const char *
event_field(const struct event *event, const char *name)
{
	size_t	i;

	/* Normalising looks up some 20 names a record: test the first byte inline. */
	for (i = 0; i < event->field_count; i++)
		if (event->fields[i].name[0] == name[0] &&
		    strcmp(event->fields[i].name, name) == 0)
			return event->fields[i].value;
	return NULL;
}

void
event_clear(struct event *event)
{
	/* Not the field slots: only those below field_count are ever read. */
	memset(event, 0, offsetof(struct event, fields));
	event->fields_truncated = 0;
	event->version = -1;
	event->level = -1;
	event->task = -1;
	event->opcode = -1;
}
