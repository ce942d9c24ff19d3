/*
 * event.c: lookups on a decoded event.
 */
#include <string.h>

#include "event.h"

const char *
event_field(const struct event *event, const char *name)
{
	size_t	i;

	for (i = 0; i < event->field_count; i++)
		if (strcmp(event->fields[i].name, name) == 0)
			return event->fields[i].value;
	return NULL;
}

void
event_clear(struct event *event)
{
	memset(event, 0, sizeof(*event));
	event->version = -1;
	event->level = -1;
	event->task = -1;
	event->opcode = -1;
}
