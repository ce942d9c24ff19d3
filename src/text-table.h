/*
 * text-table.h: interned texts and maps of number pairs.
 *
 * A pass over ten million records meets the same few thousand hosts and
 * addresses again and again. Interning stores each distinct text once and
 * gives it a number, so that keys become pairs of numbers, and a pair map
 * (open addressing over 64-bit keys) counts or finds them without
 * comparing strings. Nothing here touches SQLite.
 */
#ifndef WFPSIFT_TEXT_TABLE_H
#define WFPSIFT_TEXT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define NO_TEXT		0		/* the number of SQL NULL */
#define EMPTY_SLOT	UINT64_MAX	/* no pair has both halves at UINT32_MAX */

struct text {
	char		*bytes;		/* NUL-terminated copy */
	int		 length;
	uint64_t	 hash;
	unsigned char	 mark;		/* the caller's, 0 when interned */
};

/* Distinct texts, numbered from 1; zero it to start. */
struct text_table {
	struct text	*texts;		/* texts[0] stands for NULL */
	uint32_t	 count, allocated;
	uint32_t	*slots;		/* text numbers, 0 for empty */
	size_t		 mask;
};

/*
 * The number of a text of length bytes (NULL is NO_TEXT), adding it when
 * new. Sets *failed and returns NO_TEXT when memory runs out.
 */
uint32_t	 text_intern(struct text_table *, const unsigned char *bytes,
		    int length, int *failed);

/*
 * Compare two texts as SQLite's BINARY collation does: bytes, then the
 * shorter first; NO_TEXT sorts first.
 */
int		 text_compare(const struct text_table *, uint32_t, uint32_t);
void		 text_table_free(struct text_table *);

/* A set of, or a map from, pairs of 32-bit numbers; zero it to start. */
struct pair_map {
	uint64_t	*keys;
	uint32_t	*values;
	size_t		 mask, count;
};

static inline uint64_t
pair(uint32_t first, uint32_t second)
{
	return (uint64_t)first << 32 | second;
}

/*
 * Find key, or add it with value: a pointer to its value, with *added set
 * when it was new; NULL when memory ran out.
 */
uint32_t	*pair_map_put(struct pair_map *, uint64_t key, uint32_t value,
		    int *added);

/* The value of key, or NULL when it is not in the map. */
const uint32_t	*pair_map_get(const struct pair_map *, uint64_t key);
void		 pair_map_free(struct pair_map *);

#endif
