/*
 * text-table.c: interned texts and maps of number pairs, the small hash
 * tables detect's and gaps' passes over a case keep in memory.
 */
#include <stdlib.h>
#include <string.h>

#include "text-table.h"

/* FNV-1a: texts are short, and this is plenty for a table of them. */
static uint64_t
text_hash(const char *bytes, int length)
{
	uint64_t	hash = 0xcbf29ce484222325ULL;
	int		i;

	for (i = 0; i < length; i++)
		hash = (hash ^ (unsigned char)bytes[i]) * 0x100000001b3ULL;
	return hash;
}

/* Double the table's slots and place every text again. Returns 0 or -1. */
static int
text_table_grow(struct text_table *table)
{
	size_t		 size = table->slots == NULL ? 1024 : (table->mask + 1) * 2;
	uint32_t	*slots, i;
	size_t		 slot;

	if ((slots = calloc(size, sizeof(*slots))) == NULL)
		return -1;
	for (i = 1; i < table->count; i++) {
		slot = table->texts[i].hash & (size - 1);
		while (slots[slot] != 0)
			slot = (slot + 1) & (size - 1);
		slots[slot] = i;
	}
	free(table->slots);
	table->slots = slots;
	table->mask = size - 1;
	return 0;
}

/* Append a copy of a new text; its number, or NO_TEXT when out of memory. */
static uint32_t
text_table_append(struct text_table *table, const char *bytes, int length,
    uint64_t hash)
{
	struct text	*grown;
	uint32_t	 size;

	if (table->count == table->allocated) {
		size = table->allocated == 0 ? 1024 : table->allocated * 2;
		if ((grown = realloc(table->texts, size * sizeof(*grown))) == NULL)
			return NO_TEXT;
		table->texts = grown;
		table->allocated = size;
		if (table->count == 0) {
			memset(&table->texts[0], 0, sizeof(table->texts[0]));
			table->count = 1;	/* texts[0] is NULL's */
		}
	}
	if ((table->texts[table->count].bytes = malloc((size_t)length + 1)) == NULL)
		return NO_TEXT;
	memcpy(table->texts[table->count].bytes, bytes, (size_t)length);
	table->texts[table->count].bytes[length] = '\0';
	table->texts[table->count].length = length;
	table->texts[table->count].hash = hash;
	table->texts[table->count].mark = 0;
	return table->count++;
}

/*
 * The number of a text (NULL is NO_TEXT), adding it when new. Sets
 * *failed and returns NO_TEXT when memory runs out.
 */
uint32_t
text_intern(struct text_table *table, const unsigned char *bytes, int length,
    int *failed)
{
	uint64_t	hash;
	size_t		slot;
	uint32_t	number;
	struct text	*text;

	if (bytes == NULL)
		return NO_TEXT;
	if ((table->slots == NULL || table->count * 2 >= table->mask) &&
	    text_table_grow(table) == -1) {
		*failed = 1;
		return NO_TEXT;
	}
	hash = text_hash((const char *)bytes, length);
	for (slot = hash & table->mask; (number = table->slots[slot]) != 0;
	    slot = (slot + 1) & table->mask) {
		text = &table->texts[number];
		if (text->hash == hash && text->length == length &&
		    memcmp(text->bytes, bytes, (size_t)length) == 0)
			return number;
	}
	if ((number = text_table_append(table, (const char *)bytes, length,
	    hash)) == NO_TEXT) {
		*failed = 1;
		return NO_TEXT;
	}
	table->slots[slot] = number;
	return number;
}

void
text_table_free(struct text_table *table)
{
	uint32_t	i;

	for (i = 1; i < table->count; i++)
		free(table->texts[i].bytes);
	free(table->texts);
	free(table->slots);
}

/*
 * Compare two texts as SQLite's BINARY collation does: bytes, then the
 * shorter first. NULL (NO_TEXT) sorts before every text.
 */
int
text_compare(const struct text_table *table, uint32_t a, uint32_t b)
{
	const struct text	*left, *right;
	int			 order;

	if (a == b)
		return 0;
	if (a == NO_TEXT || b == NO_TEXT)
		return a == NO_TEXT ? -1 : 1;
	left = &table->texts[a];
	right = &table->texts[b];
	order = memcmp(left->bytes, right->bytes, (size_t)(left->length <
	    right->length ? left->length : right->length));
	if (order != 0)
		return order;
	return (left->length > right->length) - (left->length < right->length);
}

/*
 * The first slot of a pair: both halves folded together before the
 * multiply, so pairs that differ only in their first number (a file and
 * 0, a source and many destinations) still spread over the table.
 */
static size_t
pair_slot(uint64_t key, size_t mask)
{
	return (size_t)(((key ^ key >> 32) * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
}

/* Double a pair map's room and place every pair again. Returns 0 or -1. */
static int
pair_map_grow(struct pair_map *map)
{
	size_t		 size = map->keys == NULL ? 1024 : (map->mask + 1) * 2, i, slot;
	uint64_t	*keys;
	uint32_t	*values;

	keys = malloc(size * sizeof(*keys));
	values = malloc(size * sizeof(*values));
	if (keys == NULL || values == NULL) {
		free(keys);
		free(values);
		return -1;
	}
	memset(keys, 0xff, size * sizeof(*keys));
	for (i = 0; map->keys != NULL && i <= map->mask; i++) {
		if (map->keys[i] == EMPTY_SLOT)
			continue;
		slot = pair_slot(map->keys[i], size - 1);
		while (keys[slot] != EMPTY_SLOT)
			slot = (slot + 1) & (size - 1);
		keys[slot] = map->keys[i];
		values[slot] = map->values[i];
	}
	free(map->keys);
	free(map->values);
	map->keys = keys;
	map->values = values;
	map->mask = size - 1;
	return 0;
}

/*
 * Find key, or add it with value: returns a pointer to its value, with
 * *added set when it was new; NULL when memory ran out.
 */
uint32_t *
pair_map_put(struct pair_map *map, uint64_t key, uint32_t value, int *added)
{
	size_t	slot;

	*added = 0;
	if ((map->keys == NULL || map->count * 2 >= map->mask) &&
	    pair_map_grow(map) == -1)
		return NULL;
	slot = pair_slot(key, map->mask);
	while (map->keys[slot] != EMPTY_SLOT && map->keys[slot] != key)
		slot = (slot + 1) & map->mask;
	if (map->keys[slot] == EMPTY_SLOT) {
		map->keys[slot] = key;
		map->values[slot] = value;
		map->count++;
		*added = 1;
	}
	return &map->values[slot];
}

/* The value of key, or NULL when it is not in the map. */
const uint32_t *
pair_map_get(const struct pair_map *map, uint64_t key)
{
	size_t	slot;

	if (map->keys == NULL)
		return NULL;
	slot = pair_slot(key, map->mask);
	while (map->keys[slot] != EMPTY_SLOT) {
		if (map->keys[slot] == key)
			return &map->values[slot];
		slot = (slot + 1) & map->mask;
	}
	return NULL;
}

void
pair_map_free(struct pair_map *map)
{
	free(map->keys);
	free(map->values);
	memset(map, 0, sizeof(*map));
}

