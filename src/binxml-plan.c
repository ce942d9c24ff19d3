/*
 * binxml-plan.c: template plans, so that the records of a chunk need not
 * walk the same template's tokens again and again.
 *
 * A chunk declares each template definition once and its records use it,
 * often hundreds of times. The first record of a definition and a shape of
 * values (their count and each one's type) is walked token by token
 * (binxml.c) while the walk records what it does to the record: the
 * strings it starts, the template text it appends, the values it renders
 * and where they go, the checks that depend on a value's content (a lone
 * line feed, an attribute value libxml2 would change). Everything else the
 * walk decides -- roles, which elements and attributes are kept, NULL
 * values dropped, unnamed Data numbered, a template refused -- depends on
 * the template and the shape only, so later records of the same shape
 * replay the steps against their own values.
 *
 * An embedded BinXml value (a document of its own, Security's EventData)
 * is one step: its template has plans of its own, keyed also by what its
 * walk reads of the element it goes under (the context), and each says
 * what its walk does to that element (the effect); the step checks that
 * the effect is the one the recorded walk saw. Arrays (their item count
 * differs by record) and bare embedded elements are not planned: such a
 * shape is stored as unusable and its records walk. A replay that fails
 * (a value libevtx renders otherwise, another effect) makes the record
 * walk again from its start, without plans.
 *
 * Plans are kept per chunk, keyed by the definition's offset, and
 * forgotten with the chunk. Their steps and text live in arrays that grow
 * to the largest chunk and are reused: no allocation per record.
 */
#include <stdlib.h>
#include <string.h>

#include "binxml-internal.h"
#include "little-endian.h"


/* PLAN_STRING_VALUE's checks (flags), and what follows it. */
#define CHECK_LONE_LF	0x1
#define CHECK_ATTRIBUTE	0x2
#define THEN_SET	0x4	/* pending string b is this string */

/* How a plan's steps use one of its strings (see classify_uses). */
#define USE_TEXT	0x01	/* cut back to, or checked */
#define USE_FIELD	0x02	/* a field's name or value */
#define USE_STRING	0x04	/* a <System> string of the event */
#define USE_NUMBER	0x08	/* a <System> number: read by number_or */
#define USE_TIME	0x10	/* SystemTime, its FILETIME kept: not read */
#define USE_SHIFT	8	/* USE_TIME: the FILETIME's value above */

/* 1 when two effects are the same. */
static int
same_effect(const struct plan_effect *a, const struct plan_effect *b)
{
	return a->children == b->children && a->unnamed == b->unnamed &&
	    a->wrapper_seen == b->wrapper_seen;
}

/*
 * Start recording the walk of definition with these values in context,
 * unless the store has no room left (binxml-plan-store.c).
 */
void
plan_begin(struct walk *walk, uint32_t definition, const uint8_t *shape,
    uint32_t count, const struct plan_context *context)
{
	struct plan_store	*store = &walk->cache->plans;
	uint8_t			*types;

	if (!plan_store_has_room(store))
		return;
	types = plan_grow_array(store->types, &store->type_allocated,
	    store->type_count, count, 1);
	if (types == NULL)
		return;
	store->types = types;
	memcpy(types + store->type_count, shape, count);
	memset(&store->draft, 0, sizeof(store->draft));
	store->draft.definition = definition;
	store->draft.value_count = count;
	store->draft.types = (uint32_t)store->type_count;
	store->draft.ops = (uint32_t)store->op_count;
	store->draft.context = *context;
	store->draft_text = store->text.used;
	store->draft_embeds = store->embed_count;
	store->abandoned = 0;
	store->failed = 0;
	store->suspended = 0;
	store->note_count = 0;
	store->first_string = walk->cache->strings.count;
	walk->recording = store;
}

/*
 * Note the record's string number string, just made: the plan's next
 * string while recording, none of the plan's while suspended.
 */
void
plan_new_string(struct walk *walk, size_t string)
{
	struct plan_store	*store = walk->recording;
	uint32_t		*local;
	size_t			 index = string - store->first_string;

	local = plan_grow_array(store->local, &store->local_allocated, index, 1,
	    sizeof(*local));
	if (local == NULL) {
		store->failed = 1;
		return;
	}
	store->local = local;
	local[index] = store->suspended ? NO_PLAN : store->draft.string_count++;
}

/*
 * The walk goes into an embedded template, which the plan records as one
 * step: stop recording until plan_resume.
 */
void
plan_suspend(struct walk *walk)
{
	struct plan_store	*store = walk->recording;

	if (store->suspended++ == 0)
		store->suspended_from = walk->cache->strings.count;
}

/*
 * Back from an embedded template: the strings made meanwhile (walked or
 * replayed) are none of the plan's.
 */
void
plan_resume(struct walk *walk)
{
	struct plan_store	*store = walk->recording;
	uint32_t		*local;
	size_t			 from, to, i;

	if (--store->suspended != 0)
		return;
	from = store->suspended_from - store->first_string;
	to = walk->cache->strings.count - store->first_string;
	local = plan_grow_array(store->local, &store->local_allocated, from, to - from,
	    sizeof(*local));
	if (local == NULL) {
		store->failed = 1;
		return;
	}
	store->local = local;
	for (i = from; i < to; i++)
		local[i] = NO_PLAN;
}

/*
 * The plan's number for the record's string number string (~0 stays ~0,
 * no string), or 0 with the plan abandoned when the string is not one the
 * plan made.
 */
static uint32_t
local_string(struct plan_store *store, uint32_t string, size_t strings)
{
	size_t	index = string - store->first_string;

	if (string == UINT32_MAX)
		return string;
	if (string < store->first_string || string >= strings ||
	    store->local[index] == NO_PLAN) {
		store->abandoned = 1;
		return 0;
	}
	return store->local[index];
}

/* Record one step of the walk, its strings numbered as the plan's. */
void
plan_emit(struct walk *walk, enum plan_code code, uint8_t type, uint32_t a,
    uint32_t b)
{
	struct plan_store	*store = walk->recording;
	struct plan_op		*ops;
	size_t			 strings = walk->cache->strings.count;

	if (store->abandoned || store->failed || store->suspended)
		return;
	if (code == PLAN_TRUNCATE || code == PLAN_LONE_LF ||
	    code == PLAN_NORMALISE || code == PLAN_FIELD)
		a = local_string(store, a, strings);
	if (code == PLAN_SET || code == PLAN_FIELD)
		b = local_string(store, b, strings);
	if (store->op_count == store->op_allocated) {
		ops = plan_grow_array(store->ops, &store->op_allocated,
		    store->op_count, 1, sizeof(*ops));
		if (ops == NULL) {
			store->failed = 1;
			return;
		}
		store->ops = ops;
	}
	ops = store->ops;
	ops[store->op_count].code = (uint8_t)code;
	ops[store->op_count].type = type;
	ops[store->op_count].flags = 0;
	ops[store->op_count].a = a;
	ops[store->op_count].b = b;
	store->op_count++;
}

/*
 * Record template text the walk appended (string 0), merged with the step
 * before when that appended the text just before; or a whole string the
 * walk made of template text (string 1), which a replay does not copy.
 */
void
plan_emit_static(struct walk *walk, const char *bytes, size_t length, int string)
{
	struct plan_store	*store = walk->recording;
	struct plan_op		*previous;
	size_t			 offset = store->text.used;

	if (store->abandoned || store->failed || store->suspended)
		return;
	if (length > PLAN_MAX_TEXT || offset > PLAN_MAX_TEXT - length ||
	    text_reserve(&store->text, length) == -1) {
		store->failed = 1;
		return;
	}
	memcpy(store->text.data + offset, bytes, length);
	store->text.used += length;
	if (string) {
		plan_emit(walk, PLAN_STATIC_STRING, 0, 0, (uint32_t)offset);
		return;
	}
	previous = store->op_count > store->draft.ops ?
	    &store->ops[store->op_count - 1] : NULL;
	if (previous != NULL && previous->code == PLAN_STATIC &&
	    previous->b + previous->a == offset)
		previous->a += (uint32_t)length;
	else
		plan_emit(walk, PLAN_STATIC, 0, (uint32_t)length, (uint32_t)offset);
}

/*
 * Record that value is an embedded document walked in context; returns
 * the number plan_embed_effect takes, or NO_PLAN.
 */
uint32_t
plan_emit_embed(struct walk *walk, uint32_t value,
    const struct plan_context *context)
{
	struct plan_store	*store = walk->recording;
	struct plan_embed	*embeds;

	if (store->abandoned || store->failed || store->suspended)
		return NO_PLAN;
	embeds = plan_grow_array(store->embeds, &store->embed_allocated,
	    store->embed_count, 1, sizeof(*embeds));
	if (embeds == NULL) {
		store->failed = 1;
		return NO_PLAN;
	}
	store->embeds = embeds;
	memset(&embeds[store->embed_count], 0, sizeof(*embeds));
	embeds[store->embed_count].context = *context;
	plan_emit(walk, PLAN_EMBED, 0, value, (uint32_t)store->embed_count);
	return (uint32_t)store->embed_count++;
}

/* What the embedded document of plan_emit_embed did to its element. */
void
plan_embed_effect(struct walk *walk, uint32_t embed,
    const struct plan_effect *effect)
{
	struct plan_store	*store = walk->recording;

	if (store != NULL && embed < store->embed_count)
		store->embeds[embed].effect = *effect;
}

/* What the walk meets cannot be planned for this shape. */
void
plan_abandon(struct walk *walk)
{
	walk->recording->abandoned = 1;
}

/*
 * How many steps refer to each of the plan's strings as text (to cut it
 * back, or check it), into store->references; -1 when out of memory.
 */
static int
count_references(struct plan_store *store)
{
	const struct plan_op	*op = store->ops + store->draft.ops;
	const struct plan_op	*end = store->ops + store->op_count;
	uint8_t			*references;
	size_t			 strings = store->draft.string_count;

	references = plan_grow_array(store->references, &store->reference_allocated,
	    0, strings, 1);
	if (references == NULL)
		return -1;
	store->references = references;
	memset(references, 0, strings);
	for (; op < end; op++)
		if ((op->code == PLAN_TRUNCATE || op->code == PLAN_LONE_LF ||
		    op->code == PLAN_NORMALISE) && op->a < strings &&
		    references[op->a] < 255)
			references[op->a]++;
	return 0;
}

/* 1 when the static text of op is one string: its only NUL ends it. */
static int
is_one_string(const struct plan_store *store, const struct plan_op *op)
{
	const char	*text = store->text.data + op->b;

	return op->code == PLAN_STATIC && op->a > 0 &&
	    memchr(text, '\0', op->a) == text + op->a - 1;
}

/*
 * Fold the steps of a string into one, at ops[*read] which makes the
 * plan's string number string; returns the folded step and moves *read
 * past what it replaces, or copies the step as it is.
 *  - MARK, VALUE, [LONE_LF | NORMALISE of it], NUL: one STRING_VALUE;
 *  - MARK, template text ending in its only NUL, the string never cut
 *    or checked: one STATIC_STRING, which a replay does not copy.
 */
static struct plan_op
fold(const struct plan_store *store, size_t *read, size_t end, uint32_t string)
{
	const struct plan_op	*op = store->ops + *read;
	struct plan_op		 folded = *op;
	size_t			 n = end - *read, at = 2;

	if (op->code != PLAN_MARK || n < 2) {
		(*read)++;
		return folded;
	}
	if (op[1].code == PLAN_VALUE) {
		folded.code = PLAN_STRING_VALUE;
		folded.type = op[1].type;
		folded.a = op[1].a;
		folded.b = 0;
		if (n > 2 && op[2].a == string && (op[2].code == PLAN_LONE_LF ||
		    op[2].code == PLAN_NORMALISE)) {
			folded.flags = op[2].code == PLAN_LONE_LF ? CHECK_LONE_LF :
			    CHECK_ATTRIBUTE;
			at = 3;
		}
		if (n > at && op[at].code == PLAN_STATIC && op[at].a == 1 &&
		    store->text.data[op[at].b] == '\0') {
			*read += at + 1;
			return folded;
		}
	} else if (is_one_string(store, &op[1]) &&
	    store->references[string] == 0) {
		folded.code = PLAN_STATIC_STRING;
		folded.flags = 0;
		folded.a = 0;
		folded.b = op[1].b;
		*read += 2;
		return folded;
	}
	folded = *op;
	(*read)++;
	return folded;
}

/* How many of the plan's strings a step makes. */
static uint32_t
strings_made(const struct plan_op *op)
{
	switch (op->code) {
	case PLAN_MARK:
	case PLAN_STATIC_STRING:
	case PLAN_STRING_VALUE:
	case PLAN_NUMBER_VALUE:
	case PLAN_CHECK_FILETIME:
		return 1;
	case PLAN_DATA_FIELD:
		return 2;
	default:
		return 0;
	}
}

/* 1 for the <System> strings the event has only as numbers. */
static int
is_number(uint32_t which)
{
	switch (which) {
	case PENDING_EVENT_ID: case PENDING_VERSION: case PENDING_LEVEL:
	case PENDING_TASK: case PENDING_OPCODE: case PENDING_RECORD_ID:
	case PENDING_PROCESS_ID: case PENDING_THREAD_ID:
		return 1;
	default:
		return 0;
	}
}

/*
 * How the (folded) steps use each of the plan's strings, into
 * store->uses: USE_ flags, and for USE_TIME the value whose FILETIME the
 * event keeps. A SystemTime string is read only when no FILETIME is kept,
 * and each TimeCreated sets both. Returns 0, or -1 when out of memory.
 */
static int
classify_uses(struct plan_store *store)
{
	const struct plan_op	*op = store->ops + store->draft.ops;
	const struct plan_op	*end = store->ops + store->op_count;
	uint32_t		*uses, strings = store->draft.string_count;

	uses = plan_grow_array(store->uses, &store->use_allocated, 0, strings,
	    sizeof(*uses));
	if (uses == NULL)
		return -1;
	store->uses = uses;
	memset(uses, 0, strings * sizeof(*uses));
	for (; op < end; op++) {
		if ((op->code == PLAN_TRUNCATE || op->code == PLAN_LONE_LF ||
		    op->code == PLAN_NORMALISE) && op->a < strings)
			uses[op->a] |= USE_TEXT;
		if (op->code == PLAN_FIELD && op->a < strings && op->b < strings) {
			uses[op->a] |= USE_FIELD;
			uses[op->b] |= USE_FIELD;
		}
		if (op->code != PLAN_SET || op->b >= strings)
			continue;
		if (is_number(op->a))
			uses[op->b] |= USE_NUMBER;
		else if (op->a == PENDING_SYSTEM_TIME && op + 1 < end &&
		    op[1].code == PLAN_FILETIME && op[1].type == 1 &&
		    (uses[op->b] & ~USE_TIME) == 0)
			uses[op->b] = USE_TIME | op[1].a << USE_SHIFT;
		else
			uses[op->b] |= USE_STRING;
	}
	return 0;
}

/* 1 for the unsigned integer types libfvalue renders as plain decimals. */
static int
is_unsigned(uint8_t type)
{
	return type == 0x04 || type == 0x06 || type == 0x08 || type == 0x0a;
}

/*
 * Fuse the folded steps at ops[*read], string being the number of the
 * first string they make, into the step returned; moves *read past them.
 *  - a Data field (name, value, field) becomes one DATA_FIELD;
 *  - an unsigned value only ever read as a <System> number is kept as
 *    the number, not rendered (NUMBER_VALUE);
 *  - a SystemTime FILETIME whose text is never read is only checked;
 *  - a value set as a <System> string or number at once does so itself.
 */
static struct plan_op
fuse(const struct plan_store *store, size_t *read, size_t end, uint32_t string)
{
	const struct plan_op	*op = store->ops + *read;
	struct plan_op		 fused = *op;
	uint32_t		 use;

	(*read)++;
	if (op->code == PLAN_STATIC_STRING && end - *read >= 2 &&
	    op[1].code == PLAN_STRING_VALUE && op[2].code == PLAN_FIELD &&
	    op[2].a == string && op[2].b == string + 1) {
		fused = op[1];
		fused.code = PLAN_DATA_FIELD;
		fused.b = op->b;
		*read += 2;
		return fused;
	}
	if (op->code != PLAN_STRING_VALUE)
		return fused;
	use = store->uses[string];
	if (use == USE_NUMBER && is_unsigned(op->type))
		fused.code = PLAN_NUMBER_VALUE;
	else if (op->type == 0x11 && (use & 0xff) == USE_TIME &&
	    use >> USE_SHIFT == op->a)
		fused.code = PLAN_CHECK_FILETIME;
	if (fused.code != PLAN_CHECK_FILETIME && end - *read >= 1 &&
	    op[1].code == PLAN_SET && op[1].b == string) {
		fused.flags |= THEN_SET;
		fused.b = op[1].a;
		(*read)++;
	}
	return fused;
}

/*
 * Rewrite the steps from read on through step, which folds or fuses
 * them; every string keeps its number. Returns 0, or -1 when the count
 * of strings came out otherwise (a bug: the plan is dropped).
 */
static int
rewrite(struct plan_store *store,
    struct plan_op (*step)(const struct plan_store *, size_t *, size_t, uint32_t))
{
	size_t		read = store->draft.ops, write = read, end = store->op_count;
	uint32_t	string = 0;
	struct plan_op	op;

	while (read < end) {
		op = step(store, &read, end, string);
		string += strings_made(&op);
		store->ops[write++] = op;
	}
	store->op_count = write;
	return string == store->draft.string_count ? 0 : -1;
}

/*
 * 1 when the steps at op make string (the plan's number) and nothing
 * else, for nothing: an empty string nobody reads (the value of a
 * container element), or one cut back at once (a NULL attribute).
 */
static int
is_unread(const struct plan_store *store, const struct plan_op *op, size_t n,
    uint32_t string)
{
	if (n < 2 || op->code != PLAN_MARK)
		return 0;
	if (op[1].code == PLAN_STATIC && op[1].a == 1 &&
	    store->text.data[op[1].b] == '\0')
		return store->uses[string] == 0;
	if (op[1].code == PLAN_TRUNCATE && op[1].a == string)
		return store->uses[string] == USE_TEXT &&
		    store->references[string] == 1;
	return 0;
}

/* Renumber the plan's strings a step refers to, after prune. */
static void
renumber_references(const uint32_t *renumber, struct plan_op *op)
{
	switch (op->code) {
	case PLAN_TRUNCATE:
	case PLAN_LONE_LF:
	case PLAN_NORMALISE:
		op->a = renumber[op->a];
		break;
	case PLAN_FIELD:
		op->a = renumber[op->a];
		op->b = renumber[op->b];
		break;
	case PLAN_SET:
		if (op->b != UINT32_MAX)
			op->b = renumber[op->b];
		break;
	default:
		break;
	}
}

/*
 * Drop the steps of strings nobody reads (see is_unread) and number the
 * others again. Their text was appended after every string still read
 * or cut back to before it, so no string read changes. Returns 0, or -1
 * when out of memory.
 */
static int
prune(struct plan_store *store)
{
	size_t		read = store->draft.ops, write = read, end = store->op_count;
	uint32_t	*renumber, old = 0, new = 0, made, i;
	struct plan_op	op;

	renumber = plan_grow_array(store->renumber, &store->renumber_allocated, 0,
	    store->draft.string_count, sizeof(*renumber));
	if (renumber == NULL)
		return -1;
	store->renumber = renumber;
	while (read < end) {
		if (is_unread(store, store->ops + read, end - read, old)) {
			renumber[old++] = NO_PLAN;
			read += 2;
			continue;
		}
		op = store->ops[read++];
		renumber_references(renumber, &op);
		for (made = strings_made(&op), i = 0; i < made; i++)
			renumber[old++] = new++;
		store->ops[write++] = op;
	}
	store->op_count = write;
	store->draft.string_count = new;
	return 0;
}

/*
 * Make the recorded steps shorter to replay: fold each string's steps
 * into one, fuse what the event uses alike, drop what it does not use.
 * Returns 0, or -1.
 */
static int
finish_plan(struct plan_store *store)
{
	if (count_references(store) == -1 || rewrite(store, fold) == -1 ||
	    classify_uses(store) == -1 || rewrite(store, fuse) == -1 ||
	    prune(store) == -1)
		return -1;
	return 0;
}

/* Drop what the draft recorded. */
static void
discard_draft(struct plan_store *store)
{
	store->op_count = store->draft.ops;
	store->text.used = store->draft_text;
	store->embed_count = store->draft_embeds;
}

/*
 * The walk the plan recorded is over: keep the plan when it succeeded
 * (definition_length bytes of definition; effect on its parent), as
 * unusable when it met what cannot be planned; drop it when the walk gave
 * up or memory ran out.
 */
void
plan_end(struct walk *walk, int success, uint32_t definition_length,
    const struct plan_effect *effect)
{
	struct plan_store	*store = walk->recording;

	walk->recording = NULL;
	if (!success || store->failed) {
		discard_draft(store);
		return;
	}
	if (store->abandoned) {
		discard_draft(store);
		store->draft.usable = 0;
	} else if (finish_plan(store) == -1) {
		discard_draft(store);
		return;
	} else
		store->draft.usable = 1;
	store->draft.op_count = (uint32_t)(store->op_count - store->draft.ops);
	store->draft.definition_length = definition_length;
	store->draft.effect = *effect;
	if (plan_store_add(walk, &store->draft) == -1) {
		discard_draft(store);
		return;
	}
	store->type_count += store->draft.value_count;
}

/* Render value of the window into the record text: 0, or -1 to give up. */
static inline int
replay_value(struct walk *walk, const struct value_slot *value)
{
	return binxml_render(walk, value->type, walk->chunk + value->offset,
	    value->size);
}

/*
 * Make string (the record's number) of a value, as the walk makes an
 * element's or an attribute's: rendered, checked, NUL-terminated.
 */
static int
replay_string_value(struct walk *walk, int checks,
    const struct value_slot *value, size_t string)
{
	struct text_buffer	*text = walk->text;
	size_t			 start = text->used;

	walk->cache->strings.start[string] = start;
	if (replay_value(walk, value) == -1)
		return -1;
	if ((checks & CHECK_LONE_LF) && text->used - start == 1 &&
	    text->data[start] == '\n')
		text->used = start;
	if ((checks & CHECK_ATTRIBUTE) &&
	    binxml_normalise_attribute(walk, (long)string) == -1)
		return -1;
	if (text_reserve(text, 1) == -1)
		return no_memory(walk);
	text->data[text->used++] = '\0';
	return 0;
}

/*
 * An unsigned value of a <System> number (a NUMBER_VALUE step) as string:
 * the number itself when number_or would read it back from the decimal
 * text; the text when larger. A size its type does not have gives up, as
 * rendering would.
 */
static int
replay_number(struct walk *walk, const struct value_slot *value, size_t string)
{
	const uint8_t	*data = walk->chunk + value->offset;
	uint64_t	 number;

	switch (value->size) {
	case 1: number = data[0]; break;
	case 2: number = le16(data); break;
	case 4: number = le32(data); break;
	case 8: number = le64(data); break;
	default: return give_up(walk, "value libevtx renders otherwise");
	}
	if ((value->type == 0x04 && value->size != 1) ||
	    (value->type == 0x06 && value->size != 2) ||
	    (value->type == 0x08 && value->size != 4) ||
	    (value->type == 0x0a && value->size != 8))
		return give_up(walk, "value libevtx renders otherwise");
	if (number >= STRING_NUMBER)
		return replay_string_value(walk, 0, value, string);
	walk->cache->strings.start[string] = STRING_NUMBER | number;
	return 0;
}

/*
 * A SystemTime FILETIME whose text nobody reads (a CHECK_FILETIME step):
 * only what would make rendering it give up; string is left empty.
 */
static int
replay_filetime(struct walk *walk, const struct value_slot *value, size_t string)
{
	struct text_buffer	*text = walk->text;

	if (value->size != 8 ||
	    le64(walk->chunk + value->offset) >= BINXML_FILETIME_LIMIT)
		return give_up(walk, "value libevtx renders otherwise");
	if (text_reserve(text, 1) == -1)
		return no_memory(walk);
	walk->cache->strings.start[string] = text->used;
	text->data[text->used++] = '\0';
	return 0;
}

/*
 * A Data field (a DATA_FIELD step): its name from the plans' text as
 * string, its value as the string after, both given to the event.
 */
static int
replay_data_field(struct walk *walk, const struct plan_op *op,
    const struct value_slot *window, size_t string)
{
	walk->cache->strings.start[string] = STRING_STATIC | op->b;
	if (replay_string_value(walk, op->flags, &window[op->a], string + 1) == -1)
		return -1;
	add_field(walk, (long)string, (long)string + 1);
	return 0;
}

/* Append op's template text to the record text. */
static int
replay_static(struct walk *walk, const struct plan_op *op)
{
	struct text_buffer	*text = walk->text;

	if (text_reserve(text, op->a) == -1)
		return no_memory(walk);
	memcpy(text->data + text->used, walk->cache->plans.text.data + op->b, op->a);
	text->used += op->a;
	return 0;
}

/*
 * An embedded document: walk or replay it below its element, and check
 * that it does to the element what the recorded walk's did.
 */
static int
replay_embed(struct walk *walk, const struct plan_op *op,
    const struct value_slot *window)
{
	struct plan_embed	embed = walk->cache->plans.embeds[op->b];
	struct plan_effect	effect;

	if (binxml_replay_embed(walk, &window[op->a], &embed.context, &effect) == -1)
		return -1;
	if (!same_effect(&effect, &embed.effect))
		return give_up(walk, "embedded document unlike the plan's");
	return 0;
}

/*
 * A step that neither makes a string nor appends text; base is the
 * record's number of the plan's string 0.
 */
static int
replay_other(struct walk *walk, const struct plan_op *op,
    const struct value_slot *window, size_t base)
{
	struct text_buffer	*text = walk->text;
	struct pending		*pending = walk->pending;
	size_t			 start;

	switch (op->code) {
	case PLAN_VALUE:
		return replay_value(walk, &window[op->a]);
	case PLAN_TRUNCATE:
		text->used = walk->cache->strings.start[base + op->a];
		return 0;
	case PLAN_LONE_LF:
		start = walk->cache->strings.start[base + op->a];
		if (text->used - start == 1 && text->data[start] == '\n')
			text->used = start;
		return 0;
	case PLAN_NORMALISE:
		return binxml_normalise_attribute(walk, (long)(base + op->a));
	case PLAN_SET:
		pending->string[op->a] = op->b == UINT32_MAX ? -1 :
		    (long)(base + op->b);
		return 0;
	case PLAN_FILETIME:
		pending->filetime = op->a == NO_PLAN ? 0 :
		    (int64_t)le64(walk->chunk + window[op->a].offset);
		pending->filetime_set = op->type;
		return 0;
	case PLAN_EMBED:
		return replay_embed(walk, op, window);
	default:
		return give_up(walk, "unknown plan step");
	}
}

/*
 * Replay plan number index on a template instance whose values (of the
 * plan's shape) are window: the same strings, text and fields the walk of
 * its template would make. Returns 0, or -1 to give up.
 *
 * An embedded document may walk and record another plan meanwhile, which
 * moves the store's arrays: steps are read by index.
 */
int
plan_replay(struct walk *walk, long index, const struct value_slot *window)
{
	struct plan_store	*store = &walk->cache->plans;
	struct string_table	*strings = &walk->cache->strings;
	const struct plan	 plan = store->plans[index];
	const struct plan_op	*op;
	size_t			 base = strings->count, string = base, i;

	if (strings->allocated - strings->count < plan.string_count &&
	    string_table_grow(strings, plan.string_count) == -1)
		return no_memory(walk);
	strings->count += plan.string_count;
	for (i = 0; i < plan.op_count; i++) {
		op = &store->ops[plan.ops + i];
		switch (op->code) {
		case PLAN_DATA_FIELD:
			if (replay_data_field(walk, op, window, string) == -1)
				return -1;
			string += 2;
			break;
		case PLAN_STRING_VALUE:
			if (replay_string_value(walk, op->flags, &window[op->a],
			    string) == -1)
				return -1;
			if (op->flags & THEN_SET)
				walk->pending->string[op->b] = (long)string;
			string++;
			break;
		case PLAN_NUMBER_VALUE:
			if (replay_number(walk, &window[op->a], string) == -1)
				return -1;
			if (op->flags & THEN_SET)
				walk->pending->string[op->b] = (long)string;
			string++;
			break;
		case PLAN_CHECK_FILETIME:
			if (replay_filetime(walk, &window[op->a], string++) == -1)
				return -1;
			break;
		case PLAN_FIELD:
			add_field(walk, (long)(base + op->a), (long)(base + op->b));
			break;
		case PLAN_STATIC_STRING:
			strings->start[string++] = STRING_STATIC | op->b;
			break;
		case PLAN_MARK:
			strings->start[string++] = walk->text->used;
			break;
		case PLAN_STATIC:
			if (replay_static(walk, op) == -1)
				return -1;
			break;
		default:
			if (replay_other(walk, op, window, base) == -1)
				return -1;
			break;
		}
	}
	return 0;
}
