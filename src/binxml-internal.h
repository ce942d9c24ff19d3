/*
 * binxml-internal.h: what the token walk (binxml.c) and template plans
 * (binxml-plan.c) share: the per-chunk cache, one record's walk state, and
 * the strings a record makes.
 *
 * A record's strings are known by handle, an index into a string table
 * that says where each starts: in the record text, or (STRING_STATIC) in
 * the plans' own text. A handle, unlike a text offset, means the same
 * string in every record a plan replays, whatever the values' lengths.
 */
#ifndef WFPSIFT_BINXML_INTERNAL_H
#define WFPSIFT_BINXML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "binxml.h"

#define MAX_CHUNK		65536	/* bytes: offsets fit 16 bits */
#define NAME_KINDS		4	/* name, content and attribute text */
#define NAME_SLOTS		(MAX_CHUNK * NAME_KINDS)
#define NAME_TEXT_LIMIT		(1 << 24) /* bytes kept, flushed past it */
#define MAX_VALUES		4096	/* substitution values on the stack */
#define PLAN_SLOTS		1024	/* power of two */
#define PLAN_LIMIT		512	/* plans bound per chunk */
#define LIBRARY_SLOTS		4096	/* power of two */
#define LIBRARY_LIMIT		2048	/* plans kept across chunks */
#define PLAN_MAX_OPS		(1 << 20) /* steps kept, a bound on memory */
#define PLAN_MAX_TEXT		(1 << 22) /* static text kept */
#define MAX_SIGNATURES		(1 << 23) /* signature text kept */
#define STRING_STATIC		((uint64_t)1 << 63)	/* in the plans' text */
#define STRING_NUMBER		((uint64_t)1 << 62)	/* a number, no text */

/*
 * One decoded name (or literal value) of the chunk, found by its offset
 * and what it was read as: a table with a slot for each, so that what a
 * walk finds never depends on what earlier records read.
 */
struct name_entry {
	uint32_t	generation;	/* valid when equal to the cache's */
	uint32_t	text;		/* UTF-8 in the cache's text buffer */
	uint16_t	length;
	uint16_t	known;		/* enum known_name; literals: 1 if unsafe */
	uint32_t	size;		/* bytes of the name structure */
};

/* One substitution value of a template instance. */
struct value_slot {
	uint32_t	offset;
	uint16_t	size;
	uint8_t		type;
};

/* The event's strings picked from <System> and the data element. */
enum pending_string {
	PENDING_PROVIDER, PENDING_PROVIDER_GUID, PENDING_CHANNEL,
	PENDING_COMPUTER, PENDING_KEYWORDS, PENDING_USER_SID,
	PENDING_DATA_ELEMENT, PENDING_EVENT_ID, PENDING_VERSION,
	PENDING_LEVEL, PENDING_TASK, PENDING_OPCODE, PENDING_RECORD_ID,
	PENDING_PROCESS_ID, PENDING_THREAD_ID, PENDING_SYSTEM_TIME,
	PENDING_STRINGS
};

/* The string handles the event will point at, resolved at the end. */
struct pending {
	long	string[PENDING_STRINGS];	/* -1 when absent */
	int64_t	filetime;		/* from a FILETIME SystemTime */
	int	filetime_set;
	long	field_name[EVENT_MAX_FIELDS];
	long	field_value[EVENT_MAX_FIELDS];
};

/*
 * Where each string of a record starts: an offset in the record text, or
 * with STRING_STATIC in the plans' text; or with STRING_NUMBER, a <System>
 * number (below 2^62) a plan kept without rendering it, for number_or.
 */
struct string_table {
	uint64_t	*start;
	size_t		 count;
	size_t		 allocated;
};

/*
 * What a plan does, step by step; a and b are the operands. Handles are
 * the plan's own, numbered from 0 in the order its steps make them (MARK,
 * STATIC_STRING, STRING_VALUE); a replay maps them to the record's.
 */
enum plan_code {
	PLAN_MARK,		/* a string starts at the end of the text */
	PLAN_STATIC_STRING,	/* a string in the plans' text at b */
	PLAN_STATIC,		/* append a bytes of the plans' text at b */
	PLAN_VALUE,		/* append value a, of type (the shape's) */
	PLAN_TRUNCATE,		/* cut the text back to where string a starts */
	PLAN_LONE_LF,		/* string a is a lone line feed: empty it */
	PLAN_NORMALISE,		/* string a is an attribute value */
	PLAN_SET,		/* pending string a is handle b (~0: none) */
	PLAN_FIELD,		/* a field named by handle a, valued by b */
	PLAN_FILETIME,		/* pending FILETIME from value a (~0: 0), set: type */
	PLAN_STRING_VALUE,	/* MARK, VALUE a, the checks in flags, NUL */
	PLAN_EMBED,		/* value a is a document: embeds[b] says how */
	PLAN_DATA_FIELD,	/* STATIC_STRING b, STRING_VALUE a, FIELD */
	PLAN_NUMBER_VALUE,	/* STRING_VALUE a, only ever read as a number */
	PLAN_CHECK_FILETIME	/* STRING_VALUE a, a FILETIME never read as text */
};

struct plan_op {
	uint8_t		code;		/* enum plan_code */
	uint8_t		type;		/* of the value, where there is one */
	uint8_t		flags;		/* STRING_VALUE's checks */
	uint32_t	a;
	uint32_t	b;
};

/*
 * What a template's walk reads of the element its root goes under (none
 * for a record's own template: role -1), and of the walk.
 */
struct plan_context {
	int	role;			/* the parent's role, -1 for none */
	int	userdata_depth;
	int	wrapper_seen;
	int	unnamed;
	int	depth;			/* of element nesting */
};

/* What a template's walk does to that parent element. */
struct plan_effect {
	int	children;		/* added */
	int	unnamed;		/* afterwards */
	int	wrapper_seen;		/* afterwards */
};

/* An embedded document met by a plan: its context, the effect expected. */
struct plan_embed {
	struct plan_context	context;
	struct plan_effect	effect;
};

/*
 * A template definition walked once for one shape of values (their count
 * and types) in one context: the steps its walk took, to replay on a
 * record whose values have the same shape. Plans live in their store's
 * arrays, by index, and outlive their chunk: another chunk whose
 * definition matches the plan's signature uses it too.
 */
struct plan {
	uint32_t	definition;	/* offset where it was recorded */
	uint32_t	key;		/* in the library (see library_key) */
	uint32_t	next;		/* another plan of the key, or NO_PLAN */
	uint32_t	signature;	/* in signatures, NO_PLAN: this chunk only */
	uint32_t	value_count;
	uint32_t	types;		/* value_count types in the store's */
	uint32_t	ops;		/* op_count steps in the store's */
	uint32_t	op_count;
	uint32_t	string_count;	/* handles the steps make */
	uint32_t	definition_length; /* bytes, with its end token */
	int		usable;		/* 0: walk (arrays, bare elements) */
	struct plan_context context;
	struct plan_effect effect;
};

#define NO_PLAN	UINT32_MAX

/*
 * What a plan's walk read of the chunk, so that another chunk can tell
 * whether its definition would be walked alike: the definition's bytes
 * from its declared size on, less the name offsets in them; for each name
 * offset, whether it pointed just past itself (a name written inline,
 * compared with the bytes) or before (the name read there, compared).
 */
struct plan_signature {
	uint32_t	definition_size; /* as declared, in the key */
	uint32_t	bytes;		/* definition bytes in the signature text */
	uint32_t	names;		/* first plan_name */
	uint32_t	name_count;
};

/* A name offset in a signed definition. */
struct plan_name {
	uint32_t	at;		/* of the offset, from the definition */
	uint32_t	bytes;		/* the name's count and text, NO_PLAN: inline */
	uint32_t	length;
};

/* A name offset the walk being recorded read (recording only). */
struct plan_note {
	uint32_t	at;		/* in the chunk */
	uint32_t	name;		/* the offset read there */
};

/* A definition offset of the current chunk and its first binding. */
struct plan_slot {
	uint32_t	definition;
	uint32_t	generation;
	uint32_t	first;
};

/* A plan bound to a definition offset of the current chunk. */
struct plan_binding {
	uint32_t	plan;
	uint32_t	next;
};

/* The library's index: plans by key. */
struct library_slot {
	uint32_t	key;
	uint32_t	generation;
	uint32_t	first;
};

/* The plans of every chunk so far, and which the current chunk uses. */
struct plan_store {
	struct plan		*plans;
	size_t			 count, allocated;
	struct plan_op		*ops;
	size_t			 op_count, op_allocated;
	uint8_t			*types;
	size_t			 type_count, type_allocated;
	struct plan_embed	*embeds;
	size_t			 embed_count, embed_allocated;
	struct text_buffer	 text;		/* static strings */
	struct plan_signature	*signatures;
	size_t			 signature_count, signature_allocated;
	struct plan_name	*names;
	size_t			 name_count, name_allocated;
	struct text_buffer	 signature_text;
	uint32_t		 library_generation;
	struct library_slot	 library[LIBRARY_SLOTS];

	/* The current chunk. */
	uint32_t		 generation;
	struct plan_slot	 slots[PLAN_SLOTS];
	struct plan_binding	*bindings;
	size_t			 binding_count, binding_allocated;

	/* The plan being recorded. */
	struct plan		 draft;
	size_t			 draft_text;	/* where its text starts */
	size_t			 draft_embeds;
	int			 abandoned;	/* not plannable: store unusable */
	int			 failed;	/* out of memory: store nothing */
	int			 suspended;	/* walking an embedded template */
	size_t			 suspended_from; /* the record's strings then */
	size_t			 first_string;	/* the record's, when it began */
	uint32_t		*local;		/* record's string -> the plan's */
	size_t			 local_allocated;
	uint8_t			*references;	/* per string, while finishing */
	size_t			 reference_allocated;
	uint32_t		*uses;		/* likewise */
	size_t			 use_allocated;
	uint32_t		*renumber;	/* likewise */
	size_t			 renumber_allocated;
	struct plan_note	*notes;		/* name offsets the walk read */
	size_t			 note_count, note_allocated;
};

/*
 * The per-decoder state: the chunk's names and plans, and scratch space
 * for one record, kept here so that decoding allocates nothing per record.
 */
struct binxml_chunk_cache {
	uint32_t		generation;
	struct name_entry	*slots;		/* NAME_SLOTS of them */
	struct text_buffer	names;
	struct value_slot	values[MAX_VALUES];
	uint8_t			types[MAX_VALUES];	/* the values' types */
	struct pending		pending;
	struct string_table	strings;
	struct plan_store	plans;
};

/* One record's walk. */
struct walk {
	const uint8_t			*chunk;
	size_t				 size;
	struct binxml_chunk_cache	*cache;
	struct text_buffer		*text;
	struct event			*event;
	struct pending			*pending;
	struct value_slot		*values;	/* MAX_VALUES of them */
	uint32_t			 values_used;
	int				 depth;
	const char			*reason;
	int				 no_memory;
	uint8_t				 last_type;	/* of the last substitution */
	struct plan_store		*recording;	/* when recording a plan */
	int				 plans_off;	/* walk only */
	int				 replay_failed;	/* walk again, plans_off */
};

/* Give up on the record; returns -1 for the caller to pass up. */
static inline int
give_up(struct walk *walk, const char *reason)
{
	if (walk->reason == NULL)
		walk->reason = reason;
	return -1;
}

/* Out of memory: also -1, told apart by the flag. */
static inline int
no_memory(struct walk *walk)
{
	walk->no_memory = 1;
	return give_up(walk, "out of memory");
}

/* Append a field; past EVENT_MAX_FIELDS only note the truncation. */
static inline void
add_field(struct walk *walk, long name, long value)
{
	struct event	*event = walk->event;

	if (event->field_count == EVENT_MAX_FIELDS) {
		event->fields_truncated = 1;
		return;
	}
	walk->pending->field_name[event->field_count] = name;
	walk->pending->field_value[event->field_count] = value;
	event->field_count++;
}

/* Make room for one more string handle: 0, or -1 when out of memory. */
int	 string_table_grow(struct string_table *, size_t more);

/*
 * Render one value into the record text, mapping the result to 0 / -1.
 * UTF-16 strings, most values, go straight to their converter.
 */
static inline int
binxml_render(struct walk *walk, uint8_t type, const uint8_t *data, size_t size)
{
	enum binxml_result	result;

	if (type == 0x01)
		result = binxml_render_utf16(walk->text, data, size);
	else
		result = binxml_render_value(walk->text, type, data, size);
	switch (result) {
	case BINXML_OK:
		return 0;
	case BINXML_NO_MEMORY:
		return no_memory(walk);
	default:
		return give_up(walk, type == 0x0b || type == 0x0c ?
		    "floating-point value" : "value libevtx renders otherwise");
	}
}

/* libxml2's view of an attribute value (string handle): 0 or -1. */
int	 binxml_normalise_attribute(struct walk *, long string);

/*
 * Walk the embedded document in slot below a parent element described by
 * context (a replay has no element frames); say what it did to that
 * parent in *effect. Returns 0 or -1.
 */
int	 binxml_replay_embed(struct walk *, const struct value_slot *,
	    const struct plan_context *, struct plan_effect *);

void	 plan_store_reset(struct plan_store *);
void	 plan_store_trim(struct plan_store *);
void	 plan_store_free(struct plan_store *);
long	 plan_find(struct walk *, uint32_t definition, const uint8_t *types,
	    uint32_t count, const struct plan_context *);
void	 plan_note_name(struct walk *, size_t at, uint32_t name);
int	 plan_store_has_room(const struct plan_store *);
long	 plan_store_add(struct walk *, const struct plan *);
int	 plan_same_context(const struct plan_context *, const struct plan_context *);

/*
 * Make room in array items (of size bytes each, *allocated of them) for
 * more past used. Returns the array, moved maybe, or NULL when out of
 * memory (items is then still valid).
 */
void	*plan_grow_array(void *items, size_t *allocated, size_t used,
	    size_t more, size_t size);
void	 plan_begin(struct walk *, uint32_t definition,
	    const uint8_t *types, uint32_t count, const struct plan_context *);
void	 plan_end(struct walk *, int success, uint32_t definition_length,
	    const struct plan_effect *);
void	 plan_suspend(struct walk *);
void	 plan_resume(struct walk *);
void	 plan_emit(struct walk *, enum plan_code, uint8_t type, uint32_t a,
	    uint32_t b);
void	 plan_emit_static(struct walk *, const char *, size_t, int string);
void	 plan_new_string(struct walk *, size_t string);
uint32_t plan_emit_embed(struct walk *, uint32_t value, const struct plan_context *);
void	 plan_embed_effect(struct walk *, uint32_t embed, const struct plan_effect *);
void	 plan_abandon(struct walk *);
int	 plan_replay(struct walk *, long plan, const struct value_slot *window);

/* 1 when the walk is recording its steps into a plan now. */
static inline int
recording(const struct walk *walk)
{
	return walk->recording != NULL && !walk->recording->suspended;
}

/* Record one step when a plan is being recorded. */
static inline void
record(struct walk *walk, enum plan_code code, uint8_t type, uint32_t a,
    uint32_t b)
{
	if (recording(walk))
		plan_emit(walk, code, type, a, b);
}

#endif
