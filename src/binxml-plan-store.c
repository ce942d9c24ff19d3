/*
 * binxml-plan-store.c: where template plans are kept and found.
 *
 * A chunk re-declares its templates, so a plan keyed by its definition's
 * offset would be walked and recorded again in every chunk. Plans are
 * kept instead in a library that outlives chunks, indexed by a key (the
 * definition's declared size, the values' shape, the context). The
 * current chunk binds a definition offset to the plans it uses: found
 * there, a plan costs a lookup; the first time in a chunk, a library plan
 * of the same key is used if the chunk's definition matches the plan's
 * signature, byte for byte where the walk would read it (see struct
 * plan_signature): then walking it would do exactly what the plan does.
 *
 * The library is emptied at the start of a record when it has grown past
 * three quarters of its bounds, so that memory stays bounded whatever the
 * file; nothing is allocated per record.
 */
#include <stdlib.h>
#include <string.h>

#include "binxml-internal.h"
#include "little-endian.h"

void *
plan_grow_array(void *items, size_t *allocated, size_t used, size_t more,
    size_t size)
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

/* Forget which plans the chunk uses: the next one's offsets mean others. */
void
plan_store_reset(struct plan_store *store)
{
	store->binding_count = 0;
	if (++store->generation == 0) {	/* wrapped: clear for real */
		memset(store->slots, 0, sizeof(store->slots));
		store->generation = 1;
	}
}

/* Empty the library, and so the chunk's bindings. */
static void
empty_library(struct plan_store *store)
{
	store->count = 0;
	store->op_count = 0;
	store->type_count = 0;
	store->embed_count = 0;
	store->text.used = 0;
	store->signature_count = 0;
	store->name_count = 0;
	store->signature_text.used = 0;
	if (++store->library_generation == 0) {
		memset(store->library, 0, sizeof(store->library));
		store->library_generation = 1;
	}
	plan_store_reset(store);
}

/*
 * At the start of a record: empty the library when it has grown past
 * three quarters of a bound, so that a recording always has room.
 */
void
plan_store_trim(struct plan_store *store)
{
	if (store->count > LIBRARY_LIMIT / 4 * 3 ||
	    store->op_count > PLAN_MAX_OPS / 4 * 3 ||
	    store->text.used > PLAN_MAX_TEXT / 4 * 3 ||
	    store->signature_text.used > MAX_SIGNATURES / 4 * 3 ||
	    store->binding_count > PLAN_LIMIT / 4 * 3)
		empty_library(store);
}

/* 1 when the store may take one more plan of op_count steps so far. */
int
plan_store_has_room(const struct plan_store *store)
{
	return store->count < LIBRARY_LIMIT && store->op_count < PLAN_MAX_OPS &&
	    store->text.used < PLAN_MAX_TEXT &&
	    store->signature_text.used < MAX_SIGNATURES &&
	    store->binding_count < PLAN_LIMIT;
}

void
plan_store_free(struct plan_store *store)
{
	free(store->plans);
	free(store->ops);
	free(store->types);
	free(store->embeds);
	free(store->signatures);
	free(store->names);
	free(store->bindings);
	free(store->local);
	free(store->references);
	free(store->uses);
	free(store->renumber);
	free(store->notes);
	text_free(&store->text);
	text_free(&store->signature_text);
}

/* The chunk slot of definition: its own, or the empty one it would take. */
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

/* The library slot of key: its own, or the empty one it would take. */
static struct library_slot *
library_slot(struct plan_store *store, uint32_t key)
{
	uint32_t		 i = key;
	struct library_slot	*slot;

	for (;; i++) {
		slot = &store->library[i & (LIBRARY_SLOTS - 1)];
		if (slot->generation != store->library_generation ||
		    slot->key == key)
			return slot;
	}
}

/* 1 when two contexts are the same. */
int
plan_same_context(const struct plan_context *a, const struct plan_context *b)
{
	return a->role == b->role && a->userdata_depth == b->userdata_depth &&
	    a->wrapper_seen == b->wrapper_seen && a->unnamed == b->unnamed &&
	    a->depth == b->depth;
}

/* 1 when plan is for values of these types in this context. */
static int
fits(const struct plan_store *store, const struct plan *plan,
    const uint8_t *types, uint32_t count, const struct plan_context *context)
{
	return plan->value_count == count &&
	    memcmp(store->types + plan->types, types, count) == 0 &&
	    plan_same_context(&plan->context, context);
}

/* Mix a word into an FNV-1a hash. */
static uint32_t
mix(uint32_t hash, uint32_t word)
{
	int	i;

	for (i = 0; i < 4; i++, word >>= 8)
		hash = (hash ^ (word & 0xff)) * 16777619U;
	return hash;
}

/* The library key of a definition's declared size, a shape and a context. */
static uint32_t
library_key(uint32_t definition_size, const uint8_t *types, uint32_t count,
    const struct plan_context *context)
{
	uint32_t	hash = 2166136261U, i;

	hash = mix(hash, definition_size);
	hash = mix(hash, count);
	for (i = 0; i < count; i++)
		hash = (hash ^ types[i]) * 16777619U;
	hash = mix(hash, (uint32_t)context->role);
	hash = mix(hash, (uint32_t)context->userdata_depth);
	hash = mix(hash, (uint32_t)context->wrapper_seen);
	hash = mix(hash, (uint32_t)context->unnamed);
	return mix(hash, (uint32_t)context->depth);
}

/* Bind plan index to definition in the current chunk; 0, or -1. */
static int
bind(struct plan_store *store, uint32_t definition, uint32_t index)
{
	struct plan_slot	*slot = slot_of(store, definition);
	struct plan_binding	*bindings;

	if (store->binding_count >= PLAN_LIMIT)
		return -1;
	bindings = plan_grow_array(store->bindings, &store->binding_allocated,
	    store->binding_count, 1, sizeof(*bindings));
	if (bindings == NULL)
		return -1;
	store->bindings = bindings;
	if (slot->generation != store->generation) {
		slot->generation = store->generation;
		slot->definition = definition;
		slot->first = NO_PLAN;
	}
	bindings[store->binding_count].plan = index;
	bindings[store->binding_count].next = slot->first;
	slot->first = (uint32_t)store->binding_count++;
	return 0;
}

/*
 * 1 when the name at offset name of chunk (size bytes) is the one signed
 * as name: the same character count and characters, where the walk
 * reads them.
 */
static int
same_name(const struct plan_store *store, const struct plan_name *signed_name,
    const uint8_t *chunk, size_t size, size_t name)
{
	const uint8_t	*text = (const uint8_t *)store->signature_text.data +
			    signed_name->bytes;

	if (name + 8 > size || signed_name->length < 2 ||
	    le16(chunk + name + 6) != le16(text) ||
	    signed_name->length - 2 > size - name - 8)
		return 0;
	return memcmp(chunk + name + 8, text + 2, signed_name->length - 2) == 0;
}

/*
 * 1 when the definition at offset definition of chunk (size bytes) would
 * be walked as plan's was: the same bytes but for name offsets, each
 * pointing inline as the plan's did, or before itself at the same name.
 */
static int
signature_matches(const struct plan_store *store, const struct plan *plan,
    const uint8_t *chunk, size_t size, size_t definition)
{
	const struct plan_signature	*signature = &store->signatures[plan->signature];
	const struct plan_name		*name = &store->names[signature->names];
	const uint8_t			*bytes;
	size_t				 at = 20, end = plan->definition_length, name_at;
	uint32_t			 i, offset;

	if (definition > size || end > size - definition)
		return 0;
	bytes = (const uint8_t *)store->signature_text.data + signature->bytes;
	for (i = 0; i < signature->name_count; i++, name++) {
		if (memcmp(chunk + definition + at, bytes + at - 20, name->at - at) != 0)
			return 0;
		name_at = definition + name->at;
		offset = le32(chunk + name_at);
		if (name->bytes == NO_PLAN ? offset != name_at + 4 :
		    offset >= name_at + 4 ||
		    !same_name(store, name, chunk, size, offset))
			return 0;
		at = name->at + 4;
	}
	return memcmp(chunk + definition + at, bytes + at - 20, end - at) == 0;
}

/*
 * A library plan for the definition at offset definition of the walk's
 * chunk, values of these types, in this context: its index, or -1.
 */
static long
adopt(struct walk *walk, uint32_t definition, const uint8_t *types,
    uint32_t count, const struct plan_context *context)
{
	struct plan_store	*store = &walk->cache->plans;
	const struct plan	*plan;
	uint32_t		 size, key, index;
	struct library_slot	*slot;

	size = le32(walk->chunk + definition + 20);
	key = library_key(size, types, count, context);
	slot = library_slot(store, key);
	if (slot->generation != store->library_generation)
		return -1;
	for (index = slot->first; index != NO_PLAN; index = plan->next) {
		plan = &store->plans[index];
		if (store->signatures[plan->signature].definition_size == size &&
		    fits(store, plan, types, count, context) &&
		    signature_matches(store, plan, walk->chunk, walk->size,
		    definition))
			return (long)index;
	}
	return -1;
}

/*
 * The plan of definition (in the walk's chunk) for values of this shape
 * in this context, or -1 when there is none yet. An unusable plan is
 * returned too: its records walk without recording again.
 */
long
plan_find(struct walk *walk, uint32_t definition, const uint8_t *types,
    uint32_t count, const struct plan_context *context)
{
	struct plan_store		*store = &walk->cache->plans;
	const struct plan_slot		*slot = slot_of(store, definition);
	const struct plan_binding	*binding;
	uint32_t			 next;
	long				 index;

	if (slot->generation == store->generation)
		for (next = slot->first; next != NO_PLAN; next = binding->next) {
			binding = &store->bindings[next];
			if (fits(store, &store->plans[binding->plan], types,
			    count, context))
				return (long)binding->plan;
		}
	if ((index = adopt(walk, definition, types, count, context)) >= 0)
		bind(store, definition, (uint32_t)index);
	return index;
}

/*
 * Sign plan (just recorded in the walk's chunk) from the name offsets its
 * walk read, in store->notes. Returns 0, or -1 when it cannot be (names
 * not in order, out of memory): the plan then stays the chunk's own.
 */
static int
sign(struct walk *walk, struct plan *plan)
{
	struct plan_store	*store = &walk->cache->plans;
	const struct plan_note	*note = store->notes;
	struct plan_signature	*signatures, *signature;
	struct plan_name	*names;
	size_t			 definition = plan->definition, i, at = 20;
	size_t			 text = store->signature_text.used, name;
	size_t			 names_used = store->name_count, length;

	signatures = plan_grow_array(store->signatures, &store->signature_allocated,
	    store->signature_count, 1, sizeof(*signatures));
	if (signatures == NULL)
		return -1;
	store->signatures = signatures;
	names = plan_grow_array(store->names, &store->name_allocated,
	    store->name_count, store->note_count, sizeof(*names));
	if (names == NULL)
		return -1;
	store->names = names;
	if (text_reserve(&store->signature_text, plan->definition_length) == -1)
		return -1;
	memcpy(store->signature_text.data + text, walk->chunk + definition + 20,
	    plan->definition_length - 20);
	store->signature_text.used += plan->definition_length - 20;
	for (i = 0; i < store->note_count; i++, note++) {
		if (note->at < definition + at ||
		    note->at + 4 > definition + plan->definition_length)
			goto fail;
		names[names_used].at = note->at - (uint32_t)definition;
		names[names_used].bytes = NO_PLAN;
		names[names_used].length = 0;
		at = note->at - definition + 4;
		if ((name = note->name) != note->at + 4) {
			length = 2 + ((size_t)le16(walk->chunk + name + 6) + 1) * 2;
			if (text_reserve(&store->signature_text, length) == -1)
				goto fail;
			memcpy(store->signature_text.data +
			    store->signature_text.used, walk->chunk + name + 6,
			    length);
			names[names_used].bytes =
			    (uint32_t)store->signature_text.used;
			names[names_used].length = (uint32_t)length;
			store->signature_text.used += length;
		}
		names_used++;
	}
	signature = &signatures[store->signature_count];
	signature->definition_size = le32(walk->chunk + definition + 20);
	signature->bytes = (uint32_t)text;
	signature->names = (uint32_t)store->name_count;
	signature->name_count = (uint32_t)(names_used - store->name_count);
	store->name_count = names_used;
	plan->signature = (uint32_t)store->signature_count++;
	plan->key = library_key(signature->definition_size,
	    store->types + plan->types, plan->value_count, &plan->context);
	return 0;
fail:
	store->signature_text.used = text;
	return -1;
}

/*
 * Keep plan, just recorded at its definition in the walk's chunk: bound
 * to it there, and, signed, in the library for the chunks after. Returns
 * its index, or -1 when out of memory.
 */
long
plan_store_add(struct walk *walk, const struct plan *draft)
{
	struct plan_store	*store = &walk->cache->plans;
	struct plan		*plans, *plan;
	struct library_slot	*slot;
	uint32_t		 index = (uint32_t)store->count;

	plans = plan_grow_array(store->plans, &store->allocated, store->count, 1,
	    sizeof(*plans));
	if (plans == NULL)
		return -1;
	store->plans = plans;
	if (bind(store, draft->definition, index) == -1)
		return -1;
	plan = &plans[store->count++];
	*plan = *draft;
	plan->signature = NO_PLAN;
	plan->next = NO_PLAN;
	if (!plan->usable || sign(walk, plan) == -1)
		return (long)index;
	slot = library_slot(store, plan->key);
	if (slot->generation != store->library_generation) {
		slot->generation = store->library_generation;
		slot->key = plan->key;
		slot->first = NO_PLAN;
	}
	plan->next = slot->first;
	slot->first = index;
	return (long)index;
}

/* Note that the walk being recorded read name offset name at offset at. */
void
plan_note_name(struct walk *walk, size_t at, uint32_t name)
{
	struct plan_store	*store = walk->recording;
	struct plan_note	*notes;

	if (store->abandoned || store->failed || store->suspended)
		return;
	notes = plan_grow_array(store->notes, &store->note_allocated,
	    store->note_count, 1, sizeof(*notes));
	if (notes == NULL) {
		store->failed = 1;
		return;
	}
	store->notes = notes;
	notes[store->note_count].at = (uint32_t)at;
	notes[store->note_count].name = name;
	store->note_count++;
}
