/*
 * binxml.c: walk one EVTX record's binary XML into struct event.
 *
 * The walk follows libevtx 20181227 (its bundled libfwevt) token by token,
 * with the same bounds and size checks, so that it accepts what libevtx
 * accepts and renders the same values; then it keeps only what the
 * reference decoder picks out of libevtx's XML (decoder-libevtx-xml.c):
 * the <System> fields, the <EventData> children, the leaves of the
 * <UserData> wrapper. Token layout (all offsets are within the chunk):
 *
 *   0x0f fragment header     0f 01 01 00
 *   0x0c template instance   0c ?? id[4] definition-offset[4]; when the
 *                            definition is inline: next[4] guid[16] size[4]
 *                            fragment; then count[4], count x (size[2]
 *                            type[1] 00), the values
 *   0x01/0x41 element        dependency[2] size[4] name-offset[4] (name)
 *                            (attribute-list-size[4] attributes) 02|03 ...
 *   0x06/0x46 attribute      name-offset[4] (name) value-token
 *   0x05/0x45 value          type[1] characters[2] UTF-16
 *   0x0d/0x0e substitution   index[2] type[1]
 *   0x09/0x49 entity ref     name-offset[4] (name)
 *   name                     next[4] hash[2] characters[2] UTF-16 NUL
 *
 * libevtx reads template definitions in place for every record; this walk
 * does too (they stay in cache), and keeps the decoded element and
 * attribute names of the chunk in a small table keyed by offset. While it
 * walks a record's template it can also record what it does, as a plan
 * (binxml-plan.c): the next records of the chunk whose values have the
 * same types replay the plan instead of walking the tokens again.
 *
 * Every case not known to render exactly as libevtx does returns
 * BINXML_FALLBACK with a reason; nothing is approximated.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "binxml-internal.h"
#include "util.h"
#include "little-endian.h"

#define MAX_DEPTH		48	/* element nesting */
#define USERDATA_MAX_DEPTH	8	/* as the reference decoder recurses */
#define MAX_LEAF_ATTRIBUTES	16	/* attributes kept on a UserData leaf */

/* The names the reference decoder looks for. */
enum known_name {
	NAME_OTHER = 0,
	NAME_EVENT, NAME_SYSTEM, NAME_EVENTDATA, NAME_USERDATA,
	NAME_PROVIDER, NAME_EVENTID, NAME_VERSION, NAME_LEVEL, NAME_TASK,
	NAME_OPCODE, NAME_KEYWORDS, NAME_TIMECREATED, NAME_EVENTRECORDID,
	NAME_EXECUTION, NAME_CHANNEL, NAME_COMPUTER, NAME_SECURITY,
	/* attributes */
	NAME_NAME, NAME_GUID, NAME_SYSTEMTIME, NAME_PROCESSID, NAME_THREADID,
	NAME_USERID
};

#define KNOWN(text, id)	{ text, sizeof(text) - 1, id }
static const struct {
	const char	*text;
	size_t		 length;
	enum known_name	 id;
} known_names[] = {
	KNOWN("Event", NAME_EVENT), KNOWN("System", NAME_SYSTEM),
	KNOWN("EventData", NAME_EVENTDATA), KNOWN("UserData", NAME_USERDATA),
	KNOWN("Provider", NAME_PROVIDER), KNOWN("EventID", NAME_EVENTID),
	KNOWN("Version", NAME_VERSION), KNOWN("Level", NAME_LEVEL),
	KNOWN("Task", NAME_TASK), KNOWN("Opcode", NAME_OPCODE),
	KNOWN("Keywords", NAME_KEYWORDS), KNOWN("TimeCreated", NAME_TIMECREATED),
	KNOWN("EventRecordID", NAME_EVENTRECORDID),
	KNOWN("Execution", NAME_EXECUTION), KNOWN("Channel", NAME_CHANNEL),
	KNOWN("Computer", NAME_COMPUTER), KNOWN("Security", NAME_SECURITY),
	KNOWN("Name", NAME_NAME), KNOWN("Guid", NAME_GUID),
	KNOWN("SystemTime", NAME_SYSTEMTIME), KNOWN("ProcessID", NAME_PROCESSID),
	KNOWN("ThreadID", NAME_THREADID), KNOWN("UserID", NAME_USERID),
};
#undef KNOWN

/* What an element is to the reference decoder. */
enum role {
	ROLE_IGNORED,		/* nothing below it is read */
	ROLE_ROOT,		/* <Event> */
	ROLE_SYSTEM,
	ROLE_SYSTEM_FIELD,	/* a child of <System> */
	ROLE_EVENTDATA,
	ROLE_DATA_FIELD,	/* a child of <EventData> */
	ROLE_USERDATA,
	ROLE_USERDATA_NODE	/* the wrapper's descendants */
};

/* An element being read. */
struct element {
	struct element		*parent;
	enum role		 role;
	const struct name_entry	*name;
	int			 userdata_depth; /* wrapper's children are 0 */
	int			 children;	/* kept child elements */
	int			 unnamed;	/* EventData: unnamed children */
	int			 wrapper_seen;	/* UserData: first child taken */
	int			 value_parts;	/* value-setting tokens read */
	int			 substituted;	/* one of them a substitution */
	uint8_t			 value_type;	/* the substituted value's type */
	long			 value;		/* string handle of its text */
	long			 name_attribute; /* Name="...", -1 when absent */
	long			 attribute[2];	/* the two a system field needs */
	int64_t			 filetime;	/* SystemTime as a FILETIME */
	int			 filetime_set;
	uint32_t		 filetime_index; /* the value it came from */
	int			 attribute_count; /* UserData leaves: all of them */
	/* Not cleared: valid up to attribute_count. */
	const struct name_entry	*attribute_name[MAX_LEAF_ATTRIBUTES];
	long			 attribute_value[MAX_LEAF_ATTRIBUTES];
};

/*
 * Clear an element frame, all but its attribute arrays. Field by field:
 * a memset of this size compiles to rep stos, which costs more here than
 * the whole rest of starting an element.
 */
static void
clear_element(struct element *e)
{
	e->parent = NULL;
	e->role = ROLE_IGNORED;
	e->name = NULL;
	e->userdata_depth = 0;
	e->children = 0;
	e->unnamed = 0;
	e->wrapper_seen = 0;
	e->value_parts = 0;
	e->substituted = 0;
	e->value_type = 0;
	e->value = -1;
	e->name_attribute = -1;
	e->attribute[0] = e->attribute[1] = -1;
	e->filetime = 0;
	e->filetime_set = 0;
	e->filetime_index = NO_PLAN;
	e->attribute_count = 0;
}

/* A substitution table in use: a window of walk.values. */
struct values {
	const struct value_slot	*slot;
	uint32_t		 count;
};

static int read_element(struct walk *, size_t offset, const struct values *,
	    int dependency, struct element *parent, size_t *size);
static int read_instance(struct walk *, size_t offset, struct element *parent,
	    size_t *size);

/* 1 when n bytes from offset lie inside the chunk. */
static int
inside(const struct walk *walk, size_t offset, size_t n)
{
	return offset <= walk->size && n <= walk->size - offset;
}

/* The token types libfwevt's token reader accepts. */
static int
token_is_valid(uint8_t token)
{
	return token <= 0x0f || token == 0x41 || (token >= 0x45 && token <= 0x49);
}

/* Why token_at refused; kept out of line, it is rare. */
static int
token_refused(struct walk *walk, size_t offset)
{
	if (offset >= walk->size)
		return give_up(walk, "token past the chunk");
	return give_up(walk, "unsupported binary XML token");
}

/* The token at offset, or -1 when there is none or libfwevt rejects it. */
static inline int
token_at(struct walk *walk, size_t offset)
{
	if (offset < walk->size && token_is_valid(walk->chunk[offset]))
		return walk->chunk[offset];
	return token_refused(walk, offset);
}

int	binxml_plans = 1;

struct binxml_chunk_cache *
binxml_chunk_cache_new(void)
{
	struct binxml_chunk_cache	*cache = calloc(1, sizeof(*cache));

	if (cache == NULL)
		return NULL;
	if ((cache->slots = calloc(NAME_SLOTS, sizeof(*cache->slots))) == NULL) {
		free(cache);
		return NULL;
	}
	cache->generation = 1;
	cache->plans.generation = 1;
	cache->plans.library_generation = 1;	/* zeroed slots are empty */
	return cache;
}

void
binxml_chunk_cache_free(struct binxml_chunk_cache *cache)
{
	if (cache == NULL)
		return;
	text_free(&cache->names);
	free(cache->slots);
	free(cache->strings.start);
	plan_store_free(&cache->plans);
	free(cache);
}

/* Forget the decoded names: a chunk whose names fill much reads them again. */
static void
flush_names(struct binxml_chunk_cache *cache)
{
	cache->generation++;
	cache->names.used = 0;
	if (cache->generation == 0) {	/* wrapped: clear for real */
		memset(cache->slots, 0, NAME_SLOTS * sizeof(*cache->slots));
		cache->generation = 1;
	}
}

/* What a name table slot holds. */
enum name_kind {
	KIND_NAME,		/* a name structure */
	KIND_CONTENT,		/* a value token's text in an element */
	KIND_ATTRIBUTE		/* the same in an attribute, normalised */
};

/* The slot of what is at offset, read as kind (offset < MAX_CHUNK). */
static struct name_entry *
name_slot(struct binxml_chunk_cache *cache, size_t offset, enum name_kind kind)
{
	return &cache->slots[offset * NAME_KINDS + kind];
}

/* Forget the chunk's names and plans: they are keyed by chunk offsets. */
void
binxml_chunk_cache_reset(struct binxml_chunk_cache *cache)
{
	flush_names(cache);
	plan_store_reset(&cache->plans);
}

/*
 * Grow the string table for more handles; doubling, so that it stops
 * growing after the largest record.
 */
int
string_table_grow(struct string_table *strings, size_t more)
{
	size_t		 size = strings->allocated ? strings->allocated : 256;
	uint64_t	*grown;

	while (size < strings->count + more)
		size *= 2;
	if (size == strings->allocated)
		return 0;
	if ((grown = reallocarray(strings->start, size, sizeof(*grown))) == NULL)
		return -1;
	strings->start = grown;
	strings->allocated = size;
	return 0;
}

/* Which known name the UTF-8 text is. */
static enum known_name
classify_name(const char *text, size_t length)
{
	size_t	i;

	for (i = 0; i < sizeof(known_names) / sizeof(known_names[0]); i++)
		if (known_names[i].length == length &&
		    memcmp(known_names[i].text, text, length) == 0)
			return known_names[i].id;
	return NAME_OTHER;
}

/*
 * The name structure at offset, decoded once per chunk. libfwevt checks
 * that the characters and their NUL fit in the chunk and converts them
 * with libuna (so a NUL inside ends the name).
 */
static const struct name_entry *
read_name(struct walk *walk, uint32_t offset)
{
	struct binxml_chunk_cache	*cache = walk->cache;
	struct name_entry		*entry;
	size_t				 bytes, start;

	if (offset >= walk->size) {
		give_up(walk, "name past the chunk");
		return NULL;
	}
	entry = name_slot(cache, offset, KIND_NAME);
	if (entry->generation == cache->generation)
		return entry;
	if (!inside(walk, offset, 8)) {
		give_up(walk, "name past the chunk");
		return NULL;
	}
	bytes = ((size_t)le16(walk->chunk + offset + 6) + 1) * 2;
	if (bytes > walk->size - offset - 8) {
		give_up(walk, "name past the chunk");
		return NULL;
	}
	start = cache->names.used;
	switch (binxml_render_utf16(&cache->names, walk->chunk + offset + 8, bytes)) {
	case BINXML_OK:
		break;
	case BINXML_NO_MEMORY:
		no_memory(walk);
		return NULL;
	default:
		give_up(walk, "name not convertible");
		return NULL;
	}
	if (cache->names.used - start > 0xffff) {
		give_up(walk, "name too long");
		return NULL;
	}
	entry->generation = cache->generation;
	entry->text = (uint32_t)start;
	entry->length = (uint16_t)(cache->names.used - start);
	entry->known = (uint16_t)classify_name(cache->names.data + start,
	    entry->length);
	entry->size = (uint32_t)(8 + bytes);
	return entry;
}

/*
 * Start a string at the end of the record text; returns its handle, or -1
 * when out of memory.
 */
static long
new_string(struct walk *walk)
{
	struct string_table	*strings = &walk->cache->strings;

	if (strings->count == strings->allocated &&
	    string_table_grow(strings, 1) == -1)
		return no_memory(walk);
	strings->start[strings->count] = walk->text->used;
	if (walk->recording != NULL)
		plan_new_string(walk, strings->count);
	record(walk, PLAN_MARK, 0, 0, 0);
	return (long)strings->count++;
}

/* Where the string of handle string starts in the record text. */
static size_t
string_start(const struct walk *walk, long string)
{
	return (size_t)walk->cache->strings.start[string];
}

/* Cut the record text back to where string starts (it is dropped). */
static void
truncate_to(struct walk *walk, long string)
{
	walk->text->used = string_start(walk, string);
	record(walk, PLAN_TRUNCATE, 0, (uint32_t)string, 0);
}

/*
 * Copy a cached name, and suffix, into the record text as a new
 * NUL-terminated string; returns its handle or -1. A plan keeps the copy.
 */
static long
copy_name(struct walk *walk, const struct name_entry *name, const char *suffix)
{
	struct string_table	*strings = &walk->cache->strings;
	size_t			 start = walk->text->used;
	size_t			 extra = suffix ? strlen(suffix) : 0;
	size_t			 length = name->length + extra + 1;

	if ((strings->count == strings->allocated &&
	    string_table_grow(strings, 1) == -1) ||
	    text_reserve(walk->text, length) == -1)
		return no_memory(walk);
	memcpy(walk->text->data + start, walk->cache->names.data + name->text,
	    name->length);
	memcpy(walk->text->data + start + name->length, suffix ? suffix : "", extra);
	walk->text->data[start + length - 1] = '\0';
	walk->text->used = start + length;
	strings->start[strings->count] = start;
	if (walk->recording != NULL)
		plan_new_string(walk, strings->count);
	if (recording(walk))
		plan_emit_static(walk, walk->text->data + start, length, 1);
	return (long)strings->count++;
}

/* Append text that is the same in every record of the template. */
static int
append_static(struct walk *walk, const char *bytes, size_t length)
{
	if (text_reserve(walk->text, length) == -1)
		return no_memory(walk);
	memcpy(walk->text->data + walk->text->used, bytes, length);
	walk->text->used += length;
	if (recording(walk))
		plan_emit_static(walk, bytes, length, 0);
	return 0;
}

/* End string with a NUL; returns string or -1. */
static long
finish_string(struct walk *walk, long string)
{
	if (append_static(walk, "", 1) == -1)
		return -1;
	return string;
}

/*
 * The next item of an array substitution, as libfwevt takes them: one
 * NUL-terminated string, or one fixed-size value, from *array_offset on;
 * *array_offset returns to 0 after the last item.
 */
static int
render_array_item(struct walk *walk, const struct value_slot *slot,
    size_t *array_offset)
{
	static const uint8_t	 widths[0x16] = { 0, 0, 0, 1, 1, 2, 2, 4, 4, 8, 8,
				    4, 8, 4, 0, 16, 0, 8, 16, 0, 4, 8 };
	uint8_t			 type = slot->type & 0x7f;
	const uint8_t		*data;
	size_t			 remaining, item;

	if (slot->size == 0)
		return give_up(walk, "empty array");
	if (type > 0x15 || type == 0x0d || type == 0x0e || type == 0x10 ||
	    type == 0x13)
		return give_up(walk, "unsupported array type");
	if (*array_offset >= slot->size)
		return give_up(walk, "array offset past its value");
	data = walk->chunk + slot->offset + *array_offset;
	remaining = slot->size - *array_offset;
	if (type == 0x01) {
		if (remaining < 2)
			return give_up(walk, "array string too short");
		for (item = 0; item + 2 <= remaining; item += 2)
			if (data[item] == 0 && data[item + 1] == 0) {
				item += 2;
				break;
			}
	} else if (type == 0x02) {
		for (item = 0; item < remaining; item++)
			if (data[item] == 0) {
				item++;
				break;
			}
	} else {
		item = widths[type];
		if (item == 0 || item > remaining)
			return give_up(walk, "array item past its value");
	}
	if (binxml_render(walk, type, data, item) == -1)
		return -1;
	*array_offset += item;
	if (*array_offset == slot->size)
		*array_offset = 0;
	else if (type == 0x01 && slot->size - *array_offset < 2)
		return give_up(walk, "array string too short");
	return 0;
}

/*
 * A BinXml (0x21) substitution: an embedded fragment or template instance
 * whose elements become children of element; or a bare element, which
 * libfwevt reads with the enclosing template's values and without
 * dependency identifiers.
 */
static int
read_embedded(struct walk *walk, const struct value_slot *slot,
    const struct values *values, struct element *element)
{
	size_t	offset = slot->offset, size;
	int	token;

	if ((token = token_at(walk, offset)) == -1)
		return -1;
	switch (token & 0xbf) {
	case 0x0f:
		if (token != 0x0f || !inside(walk, offset, 4))
			return give_up(walk, "embedded fragment header");
		offset += 4;
		if ((token = token_at(walk, offset)) == -1)
			return -1;
		if ((token & 0xbf) == 0x0c)
			return read_instance(walk, offset, element, &size);
		return give_up(walk, "embedded fragment without template");
	case 0x0c:
		return read_instance(walk, offset, element, &size);
	case 0x01:
		/* A replay has no enclosing values to give it. */
		if (values == NULL)
			return give_up(walk, "bare embedded element in a replay");
		if (recording(walk))
			plan_abandon(walk);
		return read_element(walk, offset, values, 0, element, &size);
	default:
		return give_up(walk, "embedded BinXml token");
	}
}

/* What the walk of a template below parent reads of it (see plan_context). */
static void
context_of(const struct walk *walk, const struct element *parent,
    struct plan_context *context)
{
	memset(context, 0, sizeof(*context));
	context->role = parent != NULL ? (int)parent->role : -1;
	if (parent != NULL) {
		context->userdata_depth = parent->userdata_depth;
		context->wrapper_seen = parent->wrapper_seen;
		context->unnamed = parent->unnamed;
	}
	context->depth = walk->depth;
}

/* What a template's walk did to parent, which had children before. */
static void
effect_on(const struct element *parent, int children, struct plan_effect *effect)
{
	memset(effect, 0, sizeof(*effect));
	if (parent == NULL)
		return;
	effect->children = parent->children - children;
	effect->unnamed = parent->unnamed;
	effect->wrapper_seen = parent->wrapper_seen;
}

/* Do to parent what the replayed template's walk did to its own. */
static void
apply_effect(struct element *parent, const struct plan_effect *effect)
{
	if (parent == NULL)
		return;
	parent->children += effect->children;
	parent->unnamed = effect->unnamed;
	parent->wrapper_seen = effect->wrapper_seen;
}

/*
 * A BinXml (0x21) value, substitution index, below element. A plan being
 * recorded takes it as one step, with the context it is read in and what
 * it did to element, which its replays check.
 */
static int
embed(struct walk *walk, const struct value_slot *slot, uint16_t index,
    const struct values *values, struct element *element)
{
	struct plan_context	context;
	struct plan_effect	effect;
	uint32_t		embedded = NO_PLAN;
	int			children = element->children;

	if (recording(walk)) {
		context_of(walk, element, &context);
		embedded = plan_emit_embed(walk, index, &context);
	}
	if (read_embedded(walk, slot, values, element) == -1)
		return -1;
	if (embedded != NO_PLAN) {
		effect_on(element, children, &effect);
		plan_embed_effect(walk, embedded, &effect);
	}
	return 1;
}

int
binxml_replay_embed(struct walk *walk, const struct value_slot *slot,
    const struct plan_context *context, struct plan_effect *effect)
{
	struct element	parent;
	int		depth = walk->depth, status;

	clear_element(&parent);
	parent.role = (enum role)context->role;
	parent.userdata_depth = context->userdata_depth;
	parent.wrapper_seen = context->wrapper_seen;
	parent.unnamed = context->unnamed;
	walk->depth = context->depth;
	status = read_embedded(walk, slot, NULL, &parent);
	walk->depth = depth;
	effect_on(&parent, 0, effect);
	return status;
}

/*
 * A substitution token in an element's content or an attribute. Returns 1
 * when the value was substituted, 0 when an optional substitution is NULL
 * (libevtx then drops the element or attribute), -1 to give up.
 */
static int
substitute(struct walk *walk, size_t offset, const struct values *values,
    struct element *element, size_t *array_offset, int in_attribute)
{
	const struct value_slot	*slot;
	uint16_t		 index;

	if (!inside(walk, offset, 4))
		return give_up(walk, "substitution past the chunk");
	index = le16(walk->chunk + offset + 1);
	if (values == NULL || index >= values->count)
		return give_up(walk, "substitution without its value");
	slot = &values->slot[index];
	if (slot->type == 0x00) {
		if (walk->chunk[offset] == 0x0d)
			return give_up(walk, "NULL normal substitution");
		return 0;
	}
	if (slot->type == 0x21) {
		if (in_attribute)
			return give_up(walk, "BinXml in an attribute");
		if (element->value_parts != 0)
			return give_up(walk, "mixed element content");
		return embed(walk, slot, index, values, element);
	}
	if (element->value_parts != 0 || element->children != 0)
		return give_up(walk, "mixed element content");
	element->value_parts++;
	element->substituted = 1;
	element->value_type = slot->type;
	walk->last_type = slot->type;
	if (slot->type & 0x80) {
		if (in_attribute)
			return give_up(walk, "array in an attribute");
		/* How many times an array repeats its element differs by record. */
		if (recording(walk))
			plan_abandon(walk);
		return render_array_item(walk, slot, array_offset) == -1 ? -1 : 1;
	}
	if (slot->type == 0x11 && slot->size == 8) {
		element->filetime = (int64_t)le64(walk->chunk + slot->offset);
		element->filetime_set = 1;
		element->filetime_index = index;
	}
	record(walk, PLAN_VALUE, slot->type, index, 0);
	return binxml_render(walk, slot->type, walk->chunk + slot->offset,
	    slot->size) == -1 ? -1 : 1;
}

/*
 * The text of the value token at offset (UTF-16 only, as in libfwevt),
 * converted once per chunk: template text such as <Data Name="..."> comes
 * back in every record. In an attribute the text is normalised as libxml2
 * does (see normalise_attribute) and flagged when it holds & < or ".
 */
static const struct name_entry *
read_literal(struct walk *walk, size_t offset, int in_attribute)
{
	struct binxml_chunk_cache	*cache = walk->cache;
	struct name_entry		*entry;
	size_t				 bytes, start, i;
	char				*p;

	if (offset >= walk->size) {
		give_up(walk, "value past the chunk");
		return NULL;
	}
	entry = name_slot(cache, offset, in_attribute ? KIND_ATTRIBUTE :
	    KIND_CONTENT);
	if (entry->generation == cache->generation)
		return entry;
	if (!inside(walk, offset, 4)) {
		give_up(walk, "value past the chunk");
		return NULL;
	}
	if (walk->chunk[offset + 1] != 0x01) {
		give_up(walk, "value token not UTF-16");
		return NULL;
	}
	bytes = (size_t)le16(walk->chunk + offset + 2) * 2;
	if (!inside(walk, offset + 4, bytes)) {
		give_up(walk, "value past the chunk");
		return NULL;
	}
	start = cache->names.used;
	if (binxml_render_utf16(&cache->names, walk->chunk + offset + 4, bytes) ==
	    BINXML_NO_MEMORY) {
		no_memory(walk);
		return NULL;
	}
	if (cache->names.used - start > 0xffff) {
		give_up(walk, "value too long");
		return NULL;
	}
	entry->generation = cache->generation;
	entry->text = (uint32_t)start;
	entry->length = (uint16_t)(cache->names.used - start);
	entry->known = 0;
	entry->size = (uint32_t)(4 + bytes);
	if (in_attribute)
		for (i = 0, p = cache->names.data + start; i < entry->length; i++) {
			if (p[i] == '&' || p[i] == '<' || p[i] == '"')
				entry->known = 1;
			else if (p[i] == '\t' || p[i] == '\n')
				p[i] = ' ';
		}
	return entry;
}

/* A value token: append its text to the element's value. Sets *size. */
static int
read_value(struct walk *walk, size_t offset, struct element *element,
    int in_attribute, size_t *size)
{
	const struct name_entry	*literal;

	if ((literal = read_literal(walk, offset, in_attribute)) == NULL)
		return -1;
	if (element->substituted || element->children != 0)
		return give_up(walk, "mixed element content");
	if (in_attribute && literal->known)
		return give_up(walk, "attribute value XML would misread");
	element->value_parts++;
	*size = literal->size;
	return append_static(walk, walk->cache->names.data + literal->text,
	    literal->length);
}

/* An entity reference: one of XML's five, as libfwevt allows. */
static int
read_entity(struct walk *walk, size_t offset, struct element *element,
    size_t *size)
{
	const struct name_entry	*name;
	const char		*text;
	uint32_t		 name_offset;
	char			 c;

	if (!inside(walk, offset, 5))
		return give_up(walk, "entity past the chunk");
	name_offset = le32(walk->chunk + offset + 1);
	if (name_offset > offset + 5)
		return give_up(walk, "entity name offset");
	if ((name = read_name(walk, name_offset)) == NULL)
		return -1;
	if (recording(walk))
		plan_note_name(walk, offset + 1, name_offset);
	*size = 5 + (name_offset == offset + 5 ? name->size : 0);
	text = walk->cache->names.data + name->text;
	if (name->length == 2 && memcmp(text, "lt", 2) == 0)
		c = '<';
	else if (name->length == 2 && memcmp(text, "gt", 2) == 0)
		c = '>';
	else if (name->length == 3 && memcmp(text, "amp", 3) == 0)
		c = '&';
	else if (name->length == 4 && memcmp(text, "apos", 4) == 0)
		c = '\'';
	else if (name->length == 4 && memcmp(text, "quot", 4) == 0)
		c = '"';
	else
		return give_up(walk, "unknown entity");
	if (element->substituted || element->children != 0)
		return give_up(walk, "mixed element content");
	element->value_parts++;
	return append_static(walk, &c, 1);
}

/*
 * An attribute value as the reference decoder reads it. libevtx writes
 * attribute values without escaping them, so a value holding &, < or "
 * parses differently or not at all: those go to libevtx. libxml2 turns
 * tabs and line feeds into spaces; the reference decoder keeps carriage
 * returns (it hides them from libxml2).
 */
int
binxml_normalise_attribute(struct walk *walk, long string)
{
	/* 1: libxml2 reads a space; 2: the XML would misread. */
	static const uint8_t	 special[256] = {
		['\t'] = 1, ['\n'] = 1, ['&'] = 2, ['<'] = 2, ['"'] = 2
	};
	char			*p = walk->text->data + string_start(walk, string);
	char			*end = walk->text->data + walk->text->used;
#ifdef __SSE2__
	__m128i			 block, hits;

	/* Sixteen bytes at a time past those holding none of the five. */
	for (; end - p >= 16; p += 16) {
		block = _mm_loadu_si128((const __m128i *)p);
		hits = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('\t')),
		    _mm_cmpeq_epi8(block, _mm_set1_epi8('\n'))),
		    _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('&')),
		    _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('<')),
		    _mm_cmpeq_epi8(block, _mm_set1_epi8('"')))));
		if (_mm_movemask_epi8(hits) != 0)
			break;
	}
#endif

	for (; p < end; p++) {
		if (special[(uint8_t)*p] == 0)
			continue;
		if (special[(uint8_t)*p] == 2)
			return give_up(walk, "attribute value XML would misread");
		*p = ' ';
	}
	return 0;
}

/* Keep an attribute value the element's role needs. */
static int
keep_attribute(struct walk *walk, struct element *element,
    const struct name_entry *name, long value)
{
	int	which = -1;

	if (name->known == NAME_NAME && element->role == ROLE_DATA_FIELD) {
		element->name_attribute = value;
		return 0;
	}
	if (element->role == ROLE_USERDATA_NODE && element->userdata_depth >= 0) {
		if (element->attribute_count == MAX_LEAF_ATTRIBUTES)
			return give_up(walk, "too many attributes on a UserData element");
		element->attribute_name[element->attribute_count] = name;
		element->attribute_value[element->attribute_count++] = value;
		return 0;
	}
	if (element->role != ROLE_SYSTEM_FIELD)
		return 0;
	switch (element->name->known) {
	case NAME_PROVIDER:
		which = name->known == NAME_NAME ? 0 : name->known == NAME_GUID ? 1 : -1;
		break;
	case NAME_TIMECREATED:
		which = name->known == NAME_SYSTEMTIME ? 0 : -1;
		break;
	case NAME_EXECUTION:
		which = name->known == NAME_PROCESSID ? 0 :
		    name->known == NAME_THREADID ? 1 : -1;
		break;
	case NAME_SECURITY:
		which = name->known == NAME_USERID ? 0 : -1;
		break;
	}
	if (which >= 0)
		element->attribute[which] = value;
	return 0;
}

/* One attribute of element, starting at offset. Sets *size. */
static int
read_attribute(struct walk *walk, size_t offset, const struct values *values,
    struct element *element, size_t *size)
{
	const struct name_entry	*name;
	struct element		 holder;
	uint32_t		 name_offset;
	size_t			 at = 5, value_size = 4, array_offset = 0;
	int			 token, result = 1;
	long			 value;

	if ((walk->chunk[offset] & 0xbf) != 0x06)
		return give_up(walk, "attribute expected");
	if (!inside(walk, offset, 5))
		return give_up(walk, "attribute past the chunk");
	name_offset = le32(walk->chunk + offset + 1);
	if (name_offset > offset + at)
		return give_up(walk, "attribute name offset");
	if ((name = read_name(walk, name_offset)) == NULL)
		return -1;
	if (recording(walk))
		plan_note_name(walk, offset + 1, name_offset);
	if (name_offset == offset + at)
		at += name->size;
	if ((token = token_at(walk, offset + at)) == -1)
		return -1;
	clear_element(&holder);
	if ((value = new_string(walk)) == -1)
		return -1;
	switch (token & 0xbf) {
	case 0x05:
		if (read_value(walk, offset + at, &holder, 1, &value_size) == -1)
			return -1;
		break;
	case 0x0d:
	case 0x0e:
		walk->last_type = 0;
		if ((result = substitute(walk, offset + at, values, &holder,
		    &array_offset, 1)) == -1)
			return -1;
		/* Only strings can hold what libxml2 would change. */
		if (result == 1 && (walk->last_type == 0x01 || walk->last_type == 0x02)) {
			record(walk, PLAN_NORMALISE, 0, (uint32_t)value, 0);
			if (binxml_normalise_attribute(walk, value) == -1)
				return -1;
		}
		break;
	default:
		return give_up(walk, "attribute value token");
	}
	*size = at + value_size;
	if (result == 0) {
		truncate_to(walk, value);
		return 0;
	}
	if (finish_string(walk, value) == -1 ||
	    keep_attribute(walk, element, name, value) == -1)
		return -1;
	if (holder.filetime_set && name->known == NAME_SYSTEMTIME) {
		element->filetime = holder.filetime;
		element->filetime_set = 1;
		element->filetime_index = holder.filetime_index;
	}
	return 0;
}

/* The role of a new child element of parent, called name. */
static enum role
child_role(struct element *parent, const struct name_entry *name, int *userdata_depth)
{
	*userdata_depth = 0;
	if (parent == NULL)
		return ROLE_ROOT;
	switch (parent->role) {
	case ROLE_ROOT:
		if (name->known == NAME_SYSTEM)
			return ROLE_SYSTEM;
		if (name->known == NAME_EVENTDATA)
			return ROLE_EVENTDATA;
		if (name->known == NAME_USERDATA)
			return ROLE_USERDATA;
		return ROLE_IGNORED;
	case ROLE_SYSTEM:
		return ROLE_SYSTEM_FIELD;
	case ROLE_EVENTDATA:
		return ROLE_DATA_FIELD;
	case ROLE_USERDATA:
		return ROLE_USERDATA_NODE;	/* the wrapper, depth -1 */
	case ROLE_USERDATA_NODE:
		*userdata_depth = parent->userdata_depth + 1;
		return ROLE_USERDATA_NODE;
	default:
		return ROLE_IGNORED;
	}
}

/* Give the event a field named by handle name, valued by handle value. */
static void
keep_field(struct walk *walk, long name, long value)
{
	record(walk, PLAN_FIELD, 0, (uint32_t)name, (uint32_t)value);
	add_field(walk, name, value);
}

/* Set one of the event's <System> strings to handle string (-1: none). */
static void
set_pending(struct walk *walk, enum pending_string which, long string)
{
	walk->pending->string[which] = string;
	record(walk, PLAN_SET, 0, which, (uint32_t)string);
}

/* A finished child of <System>: what the reference decoder reads of it. */
static void
commit_system_field(struct walk *walk, struct element *element, long value)
{
	struct pending	*p = walk->pending;

	switch (element->name->known) {
	case NAME_PROVIDER:
		set_pending(walk, PENDING_PROVIDER, element->attribute[0]);
		set_pending(walk, PENDING_PROVIDER_GUID, element->attribute[1]);
		break;
	case NAME_EVENTID: set_pending(walk, PENDING_EVENT_ID, value); break;
	case NAME_VERSION: set_pending(walk, PENDING_VERSION, value); break;
	case NAME_LEVEL: set_pending(walk, PENDING_LEVEL, value); break;
	case NAME_TASK: set_pending(walk, PENDING_TASK, value); break;
	case NAME_OPCODE: set_pending(walk, PENDING_OPCODE, value); break;
	case NAME_KEYWORDS: set_pending(walk, PENDING_KEYWORDS, value); break;
	case NAME_EVENTRECORDID: set_pending(walk, PENDING_RECORD_ID, value); break;
	case NAME_CHANNEL: set_pending(walk, PENDING_CHANNEL, value); break;
	case NAME_COMPUTER: set_pending(walk, PENDING_COMPUTER, value); break;
	case NAME_TIMECREATED:
		set_pending(walk, PENDING_SYSTEM_TIME, element->attribute[0]);
		p->filetime_set = element->filetime_set && element->attribute[0] >= 0;
		p->filetime = element->filetime;
		record(walk, PLAN_FILETIME, (uint8_t)p->filetime_set,
		    element->filetime_set ? element->filetime_index : NO_PLAN, 0);
		break;
	case NAME_EXECUTION:
		set_pending(walk, PENDING_PROCESS_ID, element->attribute[0]);
		set_pending(walk, PENDING_THREAD_ID, element->attribute[1]);
		break;
	case NAME_SECURITY:
		set_pending(walk, PENDING_USER_SID, element->attribute[0]);
		break;
	}
}

/*
 * The attributes of a UserData leaf, as the reference decoder adds them
 * after the leaf: one field each, named Element.Attribute (cut at 255
 * bytes there, so longer names go to libevtx).
 */
static int
add_leaf_attributes(struct walk *walk, struct element *element)
{
	const struct name_entry	*attribute;
	char			 dot[258];
	long			 name;
	int			 i;

	for (i = 0; i < element->attribute_count; i++) {
		attribute = element->attribute_name[i];
		if (element->name->length + 1 + attribute->length > 255)
			return give_up(walk, "UserData attribute name too long");
		dot[0] = '.';
		memcpy(dot + 1, walk->cache->names.data + attribute->text,
		    attribute->length);
		dot[1 + attribute->length] = '\0';
		if ((name = copy_name(walk, element->name, dot)) == -1)
			return -1;
		keep_field(walk, name, element->attribute_value[i]);
	}
	return 0;
}

/*
 * An element has been read and libevtx keeps it: give the reference
 * decoder's view of it to the event. value is its text (NUL-terminated).
 */
static int
commit_element(struct walk *walk, struct element *element, long value)
{
	struct element	*parent = element->parent;
	char		 number[16];
	long		 name;

	if (element->children != 0 && element->value_parts != 0)
		return give_up(walk, "element with text and children");
	if (parent != NULL)
		parent->children++;
	switch (element->role) {
	case ROLE_ROOT:
		if (element->name->known != NAME_EVENT)
			return give_up(walk, "root is not <Event>");
		break;
	case ROLE_SYSTEM_FIELD:
		if (element->children != 0 && element->name->known != NAME_OTHER)
			return give_up(walk, "system field with children");
		commit_system_field(walk, element, value);
		break;
	case ROLE_DATA_FIELD:
		if (element->children != 0)
			return give_up(walk, "data field with children");
		if ((name = element->name_attribute) < 0) {
			snprintf(number, sizeof(number), "%d", ++parent->unnamed);
			if ((name = copy_name(walk, element->name, number)) == -1)
				return -1;
		}
		keep_field(walk, name, value);
		break;
	case ROLE_USERDATA_NODE:
		if (element->userdata_depth < 0 || element->children != 0)
			break;
		if ((name = copy_name(walk, element->name, NULL)) == -1)
			return -1;
		keep_field(walk, name, value);
		return add_leaf_attributes(walk, element);
	default:
		break;
	}
	return 0;
}

/* The event's data_element is called name. */
static int
name_data_element(struct walk *walk, const struct name_entry *name)
{
	long	string;

	if ((string = copy_name(walk, name, NULL)) == -1)
		return -1;
	set_pending(walk, PENDING_DATA_ELEMENT, string);
	return 0;
}

/*
 * Start the frame of a new element called name below parent: its role, and
 * for the UserData wrapper and EventData, the event's data_element.
 */
static int
start_element(struct walk *walk, struct element *element, struct element *parent,
    const struct name_entry *name)
{
	clear_element(element);
	element->parent = parent;
	element->name = name;
	element->role = child_role(parent, name, &element->userdata_depth);
	if (element->role == ROLE_USERDATA_NODE && parent->role == ROLE_USERDATA) {
		if (parent->wrapper_seen)
			element->role = ROLE_IGNORED;
		else {
			parent->wrapper_seen = 1;
			element->userdata_depth = -1;
			return name_data_element(walk, name);
		}
	}
	if (element->role == ROLE_USERDATA_NODE &&
	    element->userdata_depth >= USERDATA_MAX_DEPTH)
		return give_up(walk, "UserData nested too deep");
	if (element->role == ROLE_EVENTDATA)
		return name_data_element(walk, name);
	return 0;
}

/*
 * The content of an element after its start tag, up to and including its
 * end tag: values, substitutions, child elements. *element_size is what
 * remains of the element's declared size and must end at 0. Returns the
 * substitution result libfwevt keeps (0 drops the element) or -1.
 */
static int
read_content(struct walk *walk, size_t *offset, const struct values *values,
    int dependency, struct element *element, int64_t *element_size,
    size_t *array_offset)
{
	size_t	size;
	int	token, result = 1, status;

	while (*element_size > 0) {
		if ((token = token_at(walk, *offset)) == -1)
			return -1;
		switch (token & 0xbf) {
		case 0x01:
			if (element->value_parts != 0)
				return give_up(walk, "mixed element content");
			if (read_element(walk, *offset, values, dependency, element,
			    &size) == -1)
				return -1;
			break;
		case 0x03:
		case 0x04:
			size = 1;
			break;
		case 0x05:
			if (*array_offset != 0)
				return give_up(walk, "value inside an array element");
			if (read_value(walk, *offset, element, 0, &size) == -1)
				return -1;
			break;
		case 0x09:
			if (*array_offset != 0)
				return give_up(walk, "entity inside an array element");
			if (read_entity(walk, *offset, element, &size) == -1)
				return -1;
			break;
		case 0x0d:
		case 0x0e:
			if ((status = substitute(walk, *offset, values, element,
			    array_offset, 0)) == -1)
				return -1;
			result = status;
			size = 4;
			break;
		case 0x07:
			return give_up(walk, "CDATA section");
		case 0x08:
			return give_up(walk, "character reference");
		case 0x0a:
		case 0x0b:
			return give_up(walk, "processing instruction");
		default:
			return give_up(walk, "unexpected token in element");
		}
		*offset += size;
		if (*element_size < (int64_t)size)
			return give_up(walk, "element size too small");
		*element_size -= (int64_t)size;
		if (token == 0x03 || token == 0x04)
			break;
	}
	return result;
}

/*
 * The start tag of an element at offset: size, name, attributes, and the
 * closing 02 or 03. Leaves *at after it and returns that token, or -1.
 */
static int
read_start_tag(struct walk *walk, size_t offset, const struct values *values,
    int dependency, struct element *parent, struct element *element,
    size_t *at, int64_t *element_size)
{
	const struct name_entry	*name;
	size_t			 size_at = dependency ? 3 : 1, size;
	uint32_t		 name_offset, attributes;
	int			 token;

	if (!inside(walk, offset, size_at + 8))
		return give_up(walk, "element past the chunk");
	*element_size = le32(walk->chunk + offset + size_at);
	*at = size_at + 4;
	name_offset = le32(walk->chunk + offset + *at);
	*at += 4;
	*element_size -= 4;
	if (name_offset > offset + *at)
		return give_up(walk, "element name offset");
	if ((name = read_name(walk, name_offset)) == NULL)
		return -1;
	if (recording(walk))
		plan_note_name(walk, offset + *at - 4, name_offset);
	if (name_offset == offset + *at) {
		*at += name->size;
		*element_size -= name->size;
	}
	if (start_element(walk, element, parent, name) == -1)
		return -1;
	if (walk->chunk[offset] & 0x40) {
		if (!inside(walk, offset + *at, 4))
			return give_up(walk, "attributes past the chunk");
		attributes = le32(walk->chunk + offset + *at);
		*at += 4;
		*element_size -= 4;
		while (attributes > 0) {
			if (token_at(walk, offset + *at) == -1 ||
			    read_attribute(walk, offset + *at, values, element, &size) == -1)
				return -1;
			*at += size;
			*element_size -= (int64_t)size;
			if (attributes < size)
				return give_up(walk, "attribute list size");
			attributes -= (uint32_t)size;
		}
	}
	if ((token = token_at(walk, offset + *at)) == -1)
		return -1;
	if (token != 0x02 && token != 0x03)
		return give_up(walk, "start tag not closed");
	*at += 1;
	*element_size -= 1;
	return token;
}

/*
 * A lone line feed renders as an empty element. A plan checks again only
 * where a string value may hold it; elsewhere the text is the template's
 * own, the same in every record.
 */
static void
drop_lone_line_feed(struct walk *walk, const struct element *element)
{
	size_t	start = string_start(walk, element->value);
	int	from_value = element->substituted &&
		    (element->value_type == 0x01 || element->value_type == 0x02);

	if (from_value)
		record(walk, PLAN_LONE_LF, 0, (uint32_t)element->value, 0);
	if (walk->text->used - start == 1 && walk->text->data[start] == '\n') {
		walk->text->used = start;
		if (!from_value)
			record(walk, PLAN_TRUNCATE, 0, (uint32_t)element->value, 0);
	}
}

/*
 * An element at offset (token 0x01 or 0x41) below parent. An array
 * substitution inside repeats the whole element once per item, as libfwevt
 * does. Sets *size to the bytes read.
 */
static int
read_element(struct walk *walk, size_t offset, const struct values *values,
    int dependency, struct element *parent, size_t *size)
{
	struct element	 element;
	size_t		 at, array_offset = 0;
	int64_t		 element_size;
	int		 token, result;
	long		 value;

	if (++walk->depth > MAX_DEPTH)
		return give_up(walk, "elements nested too deep");
	do {
		token = read_start_tag(walk, offset, values, dependency, parent,
		    &element, &at, &element_size);
		if (token == -1)
			return -1;
		if ((element.value = new_string(walk)) == -1)
			return -1;
		result = 1;
		if (token == 0x02) {
			at += offset;
			result = read_content(walk, &at, values, dependency,
			    &element, &element_size, &array_offset);
			if (result == -1)
				return -1;
			at -= offset;
		}
		if (element_size != 0)
			return give_up(walk, "element size mismatch");
		if (result == 0) {
			if (element.children != 0 || element.role == ROLE_ROOT ||
			    element.role == ROLE_SYSTEM ||
			    element.role == ROLE_EVENTDATA ||
			    element.role == ROLE_USERDATA ||
			    (element.role == ROLE_USERDATA_NODE &&
			    element.userdata_depth < 0))
				return give_up(walk, "dropped element with children");
			truncate_to(walk, element.value);
			continue;
		}
		if (element.value_parts == 1)
			drop_lone_line_feed(walk, &element);
		if ((value = finish_string(walk, element.value)) == -1 ||
		    commit_element(walk, &element, value) == -1)
			return -1;
	} while (array_offset > 0);
	walk->depth--;
	*size = at;
	return 0;
}

/*
 * The values of a template instance at offset: count, descriptors, data.
 * Pushes them on walk->values; sets *size to the bytes they take.
 */
static int
read_instance_values(struct walk *walk, size_t offset, struct values *values,
    size_t *size)
{
	uint64_t	count, i, total = 0;
	size_t		data;

	if (offset + 4 >= walk->size)
		return give_up(walk, "template values past the chunk");
	count = le32(walk->chunk + offset);
	if (offset + 4 + count * 4 >= walk->size)
		return give_up(walk, "template values past the chunk");
	if (count > MAX_VALUES - walk->values_used)
		return give_up(walk, "too many template values");
	values->slot = &walk->values[walk->values_used];
	values->count = (uint32_t)count;
	data = offset + 4 + (size_t)count * 4;
	for (i = 0; i < count; i++) {
		const uint8_t	*descriptor = walk->chunk + offset + 4 + i * 4;
		struct value_slot *slot = &walk->values[walk->values_used + i];

		slot->size = le16(descriptor);
		slot->type = descriptor[2];
		walk->cache->types[walk->values_used + i] = descriptor[2];
		slot->offset = (uint32_t)(data + total);
		total += slot->size;
	}
	if (data + total >= walk->size)
		return give_up(walk, "template values past the chunk");
	walk->values_used += (uint32_t)count;
	*size = 4 + (size_t)count * 4 + (size_t)total;
	return 0;
}

/* A template instance's header, and its values pushed on walk->values. */
struct instance {
	uint32_t	definition;	/* offset of the definition */
	uint32_t	definition_size; /* as it declares */
	int		inline_definition; /* first use: inside the instance */
	size_t		values_size;	/* bytes of count, descriptors, data */
	struct values	values;
};

/* Read the header and values of the template instance at offset. */
static int
read_instance_header(struct walk *walk, size_t offset, struct instance *instance)
{
	size_t	values_at = 0;

	if (offset + 10 >= walk->size)
		return give_up(walk, "template instance past the chunk");
	instance->definition = le32(walk->chunk + offset + 6);
	if (instance->definition > offset + 10)
		return give_up(walk, "template definition offset");
	instance->inline_definition = instance->definition == offset + 10;
	if ((size_t)instance->definition + 24 >= walk->size)
		return give_up(walk, "template definition past the chunk");
	instance->definition_size = le32(walk->chunk + instance->definition + 20);
	if (instance->inline_definition) {
		values_at = 24 + (size_t)instance->definition_size;
		if (values_at >= walk->size - offset)
			return give_up(walk, "template values past the chunk");
	}
	return read_instance_values(walk, offset + 10 + values_at,
	    &instance->values, &instance->values_size);
}

/*
 * Walk an instance's template definition with its values; its root element
 * becomes a child of parent. Sets *length to the definition's bytes, from
 * its header to its end token.
 */
static int
walk_definition(struct walk *walk, const struct instance *instance,
    struct element *parent, size_t *length)
{
	size_t	at = instance->definition + 24, element_size;

	if (!inside(walk, at, 4) || walk->chunk[at] != 0x0f)
		return give_up(walk, "template without fragment header");
	at += 4;
	if (token_at(walk, at) == -1)
		return -1;
	if ((walk->chunk[at] & 0xbf) != 0x01)
		return give_up(walk, "template without element");
	if (read_element(walk, at, &instance->values, 1, parent, &element_size) == -1)
		return -1;
	at += element_size;
	if (token_at(walk, at) == -1)
		return -1;
	if (walk->chunk[at] != 0x00)
		return give_up(walk, "template not ended");
	*length = at + 1 - instance->definition;
	return 0;
}

/*
 * The bytes of an instance whose definition is length bytes long: an
 * inline definition counts, and must fit the size it declares.
 */
static int
instance_size(struct walk *walk, const struct instance *instance, size_t length,
    size_t *size)
{
	*size = 10 + instance->values_size;
	if (instance->inline_definition) {
		*size += length;
		if (instance->definition_size < length - 24)
			return give_up(walk, "template definition size");
	}
	return 0;
}

/*
 * Replay plan (usable) on the instance below parent; values_used is what
 * to restore after. A failed replay marks the record to walk again.
 */
static int
replay_instance(struct walk *walk, const struct instance *instance, long plan,
    struct element *parent, uint32_t values_used, size_t *size)
{
	const struct plan	*replayed;

	if (plan_replay(walk, plan, instance->values.slot) == -1) {
		walk->replay_failed = 1;
		return -1;
	}
	replayed = &walk->cache->plans.plans[plan];
	apply_effect(parent, &replayed->effect);
	walk->values_used = values_used;
	return instance_size(walk, instance, replayed->definition_length, size);
}

/*
 * A template instance at offset: its definition (inline at first use, or
 * earlier in the chunk) read with its own values. Its root element becomes
 * a child of parent (NULL for the record's own). Sets *size to the bytes
 * of the instance.
 *
 * With plans, the chunk's plan for the definition, its values' shape and
 * parent's context is replayed; without one, the definition is walked,
 * and recorded as a plan unless another is being recorded (which then
 * waits: to it, this instance is one step).
 */
static int
read_instance(struct walk *walk, size_t offset, struct element *parent,
    size_t *size)
{
	struct instance		instance;
	struct plan_context	context;
	struct plan_effect	effect;
	uint32_t		values_used = walk->values_used;
	size_t			length = 0;
	long			plan;
	int			children = parent ? parent->children : 0;
	int			status, suspended = 0, began = 0;

	if (read_instance_header(walk, offset, &instance) == -1)
		return -1;
	if (!walk->plans_off) {
		context_of(walk, parent, &context);
		plan = plan_find(walk, instance.definition,
		    walk->cache->types + values_used, instance.values.count,
		    &context);
		if (walk->recording != NULL) {
			plan_suspend(walk);
			suspended = 1;
		}
		if (plan >= 0 && walk->cache->plans.plans[plan].usable) {
			status = replay_instance(walk, &instance, plan, parent,
			    values_used, size);
			if (suspended)
				plan_resume(walk);
			return status;
		}
		if (plan < 0 && !suspended) {
			plan_begin(walk, instance.definition,
			    walk->cache->types + values_used, instance.values.count,
			    &context);
			began = walk->recording != NULL;
		}
	}
	status = walk_definition(walk, &instance, parent, &length);
	if (suspended)
		plan_resume(walk);
	if (status == 0)
		status = instance_size(walk, &instance, length, size);
	if (began) {
		effect_on(parent, children, &effect);
		plan_end(walk, status == 0, (uint32_t)length, &effect);
	}
	if (status == -1)
		return -1;
	walk->values_used = values_used;
	return 0;
}

/* Empty the record's strings and event fields, to decode from the start. */
static void
start_record(struct walk *walk, size_t text_start)
{
	struct pending	*p = walk->pending;
	int		 i;

	for (i = 0; i < PENDING_STRINGS; i++)
		p->string[i] = -1;
	p->filetime = -1;
	p->filetime_set = 0;
	walk->cache->strings.count = 0;
	walk->text->used = text_start;
	walk->event->field_count = 0;
	walk->event->fields_truncated = 0;
	walk->values_used = 0;
	walk->depth = 0;
	walk->reason = NULL;
}

/* The record's document: one fragment, then end of file. */
static int
read_document(struct walk *walk, size_t offset)
{
	size_t	size;
	int	token;

	if ((token = token_at(walk, offset)) == -1)
		return -1;
	if ((token & 0xbf) != 0x0f)
		return give_up(walk, "record does not start with a fragment");
	if (!inside(walk, offset, 4) || token != 0x0f)
		return give_up(walk, "fragment header");
	offset += 4;
	if ((token = token_at(walk, offset)) == -1)
		return -1;
	switch (token & 0xbf) {
	case 0x0c:
		if (read_instance(walk, offset, NULL, &size) == -1)
			return -1;
		break;
	case 0x01:
		return give_up(walk, "record without template");
	default:
		return give_up(walk, "fragment content");
	}
	offset += size;
	if ((token = token_at(walk, offset)) == -1)
		return -1;
	if (token != 0x00)
		return give_up(walk, "more than one fragment");
	return 0;
}

/* The text of the string with handle string, or NULL for -1. */
static const char *
string_text(const struct walk *walk, long string)
{
	uint64_t	start;

	if (string < 0)
		return NULL;
	start = walk->cache->strings.start[string];
	if (start & STRING_STATIC)
		return walk->cache->plans.text.data + (start & ~STRING_STATIC);
	return walk->text->data + start;
}

/*
 * Number from rendered text, as the reference decoder reads it with
 * parse_number; plain short decimals, the usual case, without strtoull.
 */
static long
number_or(const struct walk *walk, long string, long fallback)
{
	const char	*text, *p;
	int64_t		 value = 0;
	int		 digits = 0;

	if (string >= 0 && (walk->cache->strings.start[string] & STRING_NUMBER))
		return (long)(walk->cache->strings.start[string] & ~STRING_NUMBER);
	if ((text = string_text(walk, string)) == NULL)
		return fallback;
	for (p = text; *p >= '0' && *p <= '9' && digits < 18; p++, digits++)
		value = value * 10 + (*p - '0');
	if (*p != '\0' || digits == 0 || (digits > 1 && text[0] == '0'))
		value = parse_number(text);
	return value < 0 ? fallback : (long)value;
}

/* Point the event at its strings now that the text will not move. */
static void
resolve(struct walk *walk, int64_t header_time)
{
	struct event	*event = walk->event;
	struct pending	*p = walk->pending;
	const char	*system_time;
	size_t		 i;

	event->provider = string_text(walk, p->string[PENDING_PROVIDER]);
	event->provider_guid = string_text(walk, p->string[PENDING_PROVIDER_GUID]);
	event->channel = string_text(walk, p->string[PENDING_CHANNEL]);
	event->computer = string_text(walk, p->string[PENDING_COMPUTER]);
	event->keywords = string_text(walk, p->string[PENDING_KEYWORDS]);
	event->user_sid = string_text(walk, p->string[PENDING_USER_SID]);
	event->data_element = string_text(walk, p->string[PENDING_DATA_ELEMENT]);
	for (i = 0; i < event->field_count; i++) {
		event->fields[i].name = string_text(walk, p->field_name[i]);
		event->fields[i].value = string_text(walk, p->field_value[i]);
	}
	event->event_id = (uint32_t)number_or(walk, p->string[PENDING_EVENT_ID], 0);
	event->version = (int)number_or(walk, p->string[PENDING_VERSION], -1);
	event->level = (int)number_or(walk, p->string[PENDING_LEVEL], -1);
	event->task = (int)number_or(walk, p->string[PENDING_TASK], -1);
	event->opcode = (int)number_or(walk, p->string[PENDING_OPCODE], -1);
	event->process_id = (uint32_t)number_or(walk,
	    p->string[PENDING_PROCESS_ID], 0);
	event->thread_id = (uint32_t)number_or(walk, p->string[PENDING_THREAD_ID], 0);
	system_time = string_text(walk, p->string[PENDING_SYSTEM_TIME]);
	if (p->filetime_set)
		event->filetime = p->filetime;
	else if (system_time != NULL)
		event->filetime = iso_to_filetime(system_time);
	if (event->filetime == 0)
		event->filetime = header_time;
	event->record_id = (uint64_t)number_or(walk, p->string[PENDING_RECORD_ID],
	    (long)event->record_number);
}

enum binxml_result
binxml_decode_record(struct binxml_chunk_cache *cache, const uint8_t *chunk,
    size_t chunk_size, size_t record_offset, size_t record_size,
    struct event *event, struct text_buffer *text, const char **reason)
{
	struct walk	 walk;
	const uint8_t	*header = chunk + record_offset;
	size_t		 text_start = text->used;
	int		 status;

	*reason = NULL;
	if (record_size < 28 || record_offset + record_size > chunk_size)
		return (*reason = "record too small", BINXML_FALLBACK);
	if (chunk_size > MAX_CHUNK)
		return (*reason = "chunk too large", BINXML_FALLBACK);
	/*
	 * Names are flushed between records only: a record's open elements
	 * point at table entries. A flushed chunk reads its names again.
	 */
	if (cache->names.used > NAME_TEXT_LIMIT)
		flush_names(cache);
	plan_store_trim(&cache->plans);
	memset(&walk, 0, sizeof(walk));
	walk.chunk = chunk;
	walk.size = chunk_size;
	walk.cache = cache;
	walk.text = text;
	walk.event = event;
	walk.pending = &cache->pending;
	walk.values = cache->values;
	walk.plans_off = !binxml_plans;
	start_record(&walk, text->used);
	event->record_number = (uint64_t)le32(header + 8) |
	    (uint64_t)le32(header + 12) << 32;
	status = read_document(&walk, record_offset + 24);
	if (status == -1 && walk.replay_failed && !walk.no_memory) {
		/* The walk's own answer, and its reason. */
		walk.plans_off = 1;
		start_record(&walk, text_start);
		status = read_document(&walk, record_offset + 24);
	}
	if (status == -1) {
		*reason = walk.reason;
		return walk.no_memory ? BINXML_NO_MEMORY : BINXML_FALLBACK;
	}
	resolve(&walk, (int64_t)((uint64_t)le32(header + 16) |
	    (uint64_t)le32(header + 20) << 32));
	return BINXML_OK;
}
