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

#define PLAN_MAX_OPS	(1 << 20)	/* steps per chunk, a bound on memory */
#define PLAN_MAX_TEXT	(1 << 22)	/* static text per chunk */

/* PLAN_STRING_VALUE's checks (operand b). */
#define CHECK_LONE_LF	0x1
#define CHECK_ATTRIBUTE	0x2

/*
 * Make room in array items (of size bytes each, *allocated of them) for
 * more past used. Returns the array, moved maybe, or NULL when out of
 * memory (items is then still valid).
 */
static void *
grow_array(void *items, size_t *allocated, size_t used, size_t more, size_t size)
{
	size_t	 n = *allocated ? *allocated : 64;
	void	*grown;

	while (n < used + more)
		n *= 2;
	if (n == *allocated)
		return items;
	if ((grown = reallocarray(items, n, size)) == NULL)
		return NULL;
	*allocated = n;
	return grown;
}

/* Forget every plan: the next chunk's offsets mean other templates. */
void
plan_store_reset(struct plan_store *store)
{
	store->count = 0;
	store->op_count = 0;
	store->type_count = 0;
	store->embed_count = 0;
	store->text.used = 0;
	if (++store->generation == 0) {	/* wrapped: clear for real */
		memset(store->slots, 0, sizeof(store->slots));
		store->generation = 1;
	}
}

void
plan_store_free(struct plan_store *store)
{
	free(store->plans);
	free(store->ops);
	free(store->types);
	free(store->embeds);
	free(store->local);
	free(store->references);
	text_free(&store->text);
}

/* The slot of definition: its own, or the empty one it would take. */
static struct plan_slot *
slot_of(struct plan_store *store, uint32_t definition)
{
	uint32_t		 i = (definition * 2654435761U) >> 22;
	struct plan_slot	*slot;

	for (;; i++) {
		slot = &store->slots[i & (PLAN_SLOTS - 1)];
		if (slot->generation != store->generation ||
		    slot->definition == definition)
			return slot;
	}
}

/* 1 when two contexts are the same. */
static int
same_context(const struct plan_context *a, const struct plan_context *b)
{
	return a->role == b->role && a->userdata_depth == b->userdata_depth &&
	    a->wrapper_seen == b->wrapper_seen && a->unnamed == b->unnamed &&
	    a->depth == b->depth;
}

/* 1 when two effects are the same. */
static int
same_effect(const struct plan_effect *a, const struct plan_effect *b)
{
	return a->children == b->children && a->unnamed == b->unnamed &&
	    a->wrapper_seen == b->wrapper_seen;
}

/*
 * The plan of definition for values of this shape in this context, or -1
 * when there is none yet. An unusable plan is returned too: its records
 * walk without recording again.
 */
long
plan_find(struct plan_store *store, uint32_t definition,
    const struct value_slot *values, uint32_t count,
    const struct plan_context *context)
{
	const struct plan_slot	*slot = slot_of(store, definition);
	const struct plan	*plan;
	const uint8_t		*types;
	uint32_t		 index, i;

	if (slot->generation != store->generation)
		return -1;
	for (index = slot->first; index != NO_PLAN; index = plan->next) {
		plan = &store->plans[index];
		if (plan->value_count != count ||
		    !same_context(&plan->context, context))
			continue;
		types = store->types + plan->types;
		for (i = 0; i < count && values[i].type == types[i]; i++)
			continue;
		if (i == count)
			return (long)index;
	}
	return -1;
}

/*
 * Start recording the walk of definition with these values in context,
 * unless the chunk has as many plans or steps as it may keep.
 */
void
plan_begin(struct walk *walk, uint32_t definition,
    const struct value_slot *values, uint32_t count,
    const struct plan_context *context)
{
	struct plan_store	*store = &walk->cache->plans;
	uint8_t			*types;
	uint32_t		 i;

	if (store->count >= PLAN_LIMIT || store->op_count >= PLAN_MAX_OPS)
		return;
	types = grow_array(store->types, &store->type_allocated,
	    store->type_count, count, 1);
	if (types == NULL)
		return;
	store->types = types;
	for (i = 0; i < count; i++)
		types[store->type_count + i] = values[i].type;
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

	local = grow_array(store->local, &store->local_allocated, index, 1,
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
	local = grow_array(store->local, &store->local_allocated, from, to - from,
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
	if (store->op_count >= PLAN_MAX_OPS) {
		store->failed = 1;
		return;
	}
	ops = grow_array(store->ops, &store->op_allocated, store->op_count, 1,
	    sizeof(*ops));
	if (ops == NULL) {
		store->failed = 1;
		return;
	}
	store->ops = ops;
	ops[store->op_count].code = (uint8_t)code;
	ops[store->op_count].type = type;
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
	if (length > PLAN_MAX_TEXT - offset ||
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
	embeds = grow_array(store->embeds, &store->embed_allocated,
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

	references = grow_array(store->references, &store->reference_allocated,
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
			folded.b = op[2].code == PLAN_LONE_LF ? CHECK_LONE_LF :
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
		folded.a = 0;
		folded.b = op[1].b;
		*read += 2;
		return folded;
	}
	folded = *op;
	(*read)++;
	return folded;
}

/*
 * Make the recorded steps shorter to replay (see fold); every string
 * keeps its number. Returns 0, or -1 when out of memory.
 */
static int
finish_plan(struct plan_store *store)
{
	size_t		read = store->draft.ops, write = read, end = store->op_count;
	uint32_t	string = 0;
	struct plan_op	op;

	if (count_references(store) == -1)
		return -1;
	while (read < end) {
		op = fold(store, &read, end, string);
		if (op.code == PLAN_MARK || op.code == PLAN_STATIC_STRING ||
		    op.code == PLAN_STRING_VALUE)
			string++;
		store->ops[write++] = op;
	}
	store->op_count = write;
	return string == store->draft.string_count ? 0 : -1;
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
	struct plan_slot	*slot;
	struct plan		*plans;

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
	plans = grow_array(store->plans, &store->allocated, store->count, 1,
	    sizeof(*plans));
	if (plans == NULL) {
		discard_draft(store);
		return;
	}
	store->plans = plans;
	store->draft.op_count = (uint32_t)(store->op_count - store->draft.ops);
	store->draft.definition_length = definition_length;
	store->draft.effect = *effect;
	slot = slot_of(store, store->draft.definition);
	if (slot->generation != store->generation) {
		slot->generation = store->generation;
		slot->definition = store->draft.definition;
		slot->first = NO_PLAN;
	}
	store->draft.next = slot->first;
	slot->first = (uint32_t)store->count;
	plans[store->count++] = store->draft;
	store->type_count += store->draft.value_count;
}

/* Render value of the window into the record text: 0, or -1 to give up. */
static int
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
replay_string_value(struct walk *walk, const struct plan_op *op,
    const struct value_slot *value, size_t string)
{
	struct text_buffer	*text = walk->text;
	size_t			 start = text->used;

	walk->cache->strings.start[string] = start;
	if (replay_value(walk, value) == -1)
		return -1;
	if ((op->b & CHECK_LONE_LF) && text->used - start == 1 &&
	    text->data[start] == '\n')
		text->used = start;
	if ((op->b & CHECK_ATTRIBUTE) &&
	    binxml_normalise_attribute(walk, (long)string) == -1)
		return -1;
	if (text_reserve(text, 1) == -1)
		return no_memory(walk);
	text->data[text->used++] = '\0';
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
		case PLAN_STRING_VALUE:
			if (replay_string_value(walk, op, &window[op->a],
			    string++) == -1)
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
