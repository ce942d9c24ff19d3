/*
 * evtx-mutate.c: damage an EVTX file in one named way, for robustness tests.
 *
 *   evtx-mutate KIND SEED IN OUT
 *
 * writes a damaged copy of IN to OUT and prints one line:
 *   KIND CHUNK FIRST LAST description
 * where CHUNK is the damaged chunk (-1 when the damage is not confined to
 * one) and FIRST..LAST the record identifiers (what record headers carry,
 * events.record_number in a case) that chunk held before: every record outside that range must still be read.
 * For truncate, CHUNK is the first chunk the cut reaches and every record
 * of the chunks before it must still be read.
 *
 * Kinds: bitflip, truncate, zero-chunk, dup-chunk, swap-records,
 * giant-size, template-self, template-out, template-loop, deep-nesting,
 * template-values, long-string, string-overrun, bad-name. The structural kinds recompute
 * the checksums so the damage reaches the record parser instead of stopping
 * at a CRC check. SEED makes the choice of chunk, record and bits repeatable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define FILE_HEADER_SIZE	4096
#define CHUNK_SIZE		65536
#define CHUNK_HEADER_SIZE	512

static uint8_t	*image;
static size_t	 image_size;
static uint64_t	 random_state;

/* A small repeatable generator (xorshift64*), seeded from the command line. */
static uint64_t
next_random(void)
{
	random_state ^= random_state >> 12;
	random_state ^= random_state << 25;
	random_state ^= random_state >> 27;
	return random_state * 2685821657736338717ULL;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Chunks present in the image (whole ones with the ElfChnk signature or not). */
static size_t
chunk_count(void)
{
	return image_size > FILE_HEADER_SIZE ?
	    (image_size - FILE_HEADER_SIZE) / CHUNK_SIZE : 0;
}

static uint8_t *
chunk_at(size_t index)
{
	return image + FILE_HEADER_SIZE + index * CHUNK_SIZE;
}

static int
is_chunk(size_t index)
{
	return index < chunk_count() && memcmp(chunk_at(index), "ElfChnk", 8) == 0;
}

/* A random chunk that has records, or -1. */
static long
pick_chunk(void)
{
	size_t	count = chunk_count(), start, i;

	if (count == 0)
		return -1;
	start = next_random() % count;
	for (i = 0; i < count; i++) {
		size_t	index = (start + i) % count;

		if (is_chunk(index) && get32(chunk_at(index) + 48) > CHUNK_HEADER_SIZE + 24)
			return (long)index;
	}
	return -1;
}

/* Offsets of the records of a chunk, in order, walking the size fields. */
static size_t
chunk_records(size_t index, uint32_t *offsets, size_t max)
{
	uint8_t	*chunk = chunk_at(index);
	uint32_t offset = CHUNK_HEADER_SIZE, free_offset = get32(chunk + 48), size;
	size_t	 count = 0;

	if (free_offset > CHUNK_SIZE)
		free_offset = CHUNK_SIZE;
	while (count < max && offset + 28 <= free_offset &&
	    memcmp(chunk + offset, "\x2a\x2a\x00\x00", 4) == 0) {
		size = get32(chunk + offset + 4);
		if (size < 28 || offset + size > free_offset)
			break;
		offsets[count++] = offset;
		offset += size;
	}
	return count;
}

/* Recompute the file header's and every chunk's CRC32s. */
static void
fix_checksums(void)
{
	size_t	i;

	if (image_size >= 128)
		put32(image + 124, (uint32_t)crc32(0, image, 120));
	for (i = 0; i < chunk_count(); i++) {
		uint8_t	*chunk = chunk_at(i);
		uint32_t free_offset = get32(chunk + 48), crc;

		if (!is_chunk(i))
			continue;
		if (free_offset < CHUNK_HEADER_SIZE || free_offset > CHUNK_SIZE)
			free_offset = CHUNK_HEADER_SIZE;
		put32(chunk + 52, (uint32_t)crc32(0, chunk + CHUNK_HEADER_SIZE,
		    free_offset - CHUNK_HEADER_SIZE));
		crc = (uint32_t)crc32(0, chunk, 120);
		crc = (uint32_t)crc32(crc, chunk + 128, CHUNK_HEADER_SIZE - 128);
		put32(chunk + 124, crc);
	}
}

/*
 * Replace chunk index's records by one record whose BinXml body is body
 * (after the fragment header), keeping the chunk's first record number.
 */
static void
one_record_chunk(size_t index, const uint8_t *body, size_t body_size)
{
	uint8_t	*chunk = chunk_at(index), *record = chunk + CHUNK_HEADER_SIZE;
	uint64_t number = get64(chunk + 8), id = get64(chunk + 24);
	size_t	 size = 24 + 4 + body_size + 4;

	size = (size + 7) & ~(size_t)7;
	if (size > CHUNK_SIZE - CHUNK_HEADER_SIZE - 8)
		size = CHUNK_SIZE - CHUNK_HEADER_SIZE - 8;
	memset(record, 0, CHUNK_SIZE - CHUNK_HEADER_SIZE);
	memcpy(record, "\x2a\x2a\x00\x00", 4);
	put32(record + 4, (uint32_t)size);
	put64(record + 8, id);
	put64(record + 16, 132000000000000000ULL);	/* 2019 */
	memcpy(record + 24, "\x0f\x01\x01\x00", 4);
	memcpy(record + 28, body, body_size < size - 32 ? body_size : size - 32);
	put32(record + size - 4, (uint32_t)size);
	put64(chunk + 8, number);
	put64(chunk + 16, number);
	put64(chunk + 24, id);
	put64(chunk + 32, id);
	put32(chunk + 44, CHUNK_HEADER_SIZE);
	put32(chunk + 48, (uint32_t)(CHUNK_HEADER_SIZE + size));
	memset(chunk + 128, 0, CHUNK_HEADER_SIZE - 128);	/* string and template tables */
}

/* An element name structure (next, hash, length, UTF-16, NUL) at p; its size. */
static size_t
put_name(uint8_t *p, const char *name, uint16_t declared_length)
{
	size_t	length = strlen(name), i;

	put32(p, 0);
	put16(p + 4, 0);
	put16(p + 6, declared_length);
	for (i = 0; i < length; i++)
		put16(p + 8 + 2 * i, (uint8_t)name[i]);
	put16(p + 8 + 2 * length, 0);
	return 8 + 2 * length + 2;
}

/*
 * A BinXml body for one_record_chunk: depth nested elements named "E"
 * (the first defines the name inline, the others point at it), text_chars
 * characters of text in the innermost one, the text's length field set to
 * declared_text, the name's to declared_name, then the end tags.
 */
static size_t
build_body(uint8_t *body, size_t max, int depth, size_t text_chars,
    uint16_t declared_text, uint16_t declared_name)
{
	size_t	p = 0, name_offset = 0, i;
	int	level;

	for (level = 0; level < depth && p + 64 < max; level++) {
		/* Offsets inside BinXml are from the chunk start: record body at 512 + 28. */
		uint32_t here = (uint32_t)(CHUNK_HEADER_SIZE + 28 + p);

		body[p] = 0x01;
		put16(body + p + 1, 0xffff);		/* dependency id */
		put32(body + p + 3, 0);			/* data size, unchecked here */
		if (level == 0) {
			name_offset = here + 11;
			put32(body + p + 7, (uint32_t)name_offset);
			p += 11;
			p += put_name(body + p, "E", declared_name);
		} else {
			put32(body + p + 7, (uint32_t)name_offset);
			p += 11;
		}
		body[p++] = 0x02;			/* close start element */
	}
	if (text_chars > 0 && p + 3 + 2 * text_chars + 2 <= max) {
		body[p++] = 0x05;			/* value text */
		body[p++] = 0x01;			/* string */
		put16(body + p, declared_text);
		p += 2;
		for (i = 0; i < text_chars; i++, p += 2)
			put16(body + p, 'A');
	}
	for (; level > 0 && p + 1 < max; level--)
		body[p++] = 0x04;			/* end element */
	if (p < max)
		body[p++] = 0x00;			/* end of fragment */
	return p;
}

static int
load(const char *path)
{
	FILE	*file = fopen(path, "rb");
	long	 size;

	if (file == NULL || fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 ||
	    fseek(file, 0, SEEK_SET) != 0)
		return -1;
	image_size = (size_t)size;
	if ((image = malloc(image_size + 1)) == NULL ||
	    fread(image, 1, image_size, file) != image_size) {
		fclose(file);
		return -1;
	}
	fclose(file);
	return 0;
}

static int
save(const char *path)
{
	FILE	*file = fopen(path, "wb");

	if (file == NULL || fwrite(image, 1, image_size, file) != image_size) {
		if (file != NULL)
			fclose(file);
		return -1;
	}
	return fclose(file);
}

/* Print the result line for a chunk (its record numbers before damage). */
static void
report(const char *kind, long chunk, uint64_t first, uint64_t last,
    const char *what)
{
	printf("%s %ld %llu %llu %s\n", kind, chunk, (unsigned long long)first,
	    (unsigned long long)last, what);
}

/* Apply one kind of damage. Returns 0, or -1 when the file has no room for it. */
static int
mutate(const char *kind)
{
	uint32_t offsets[4096];
	long	 chunk = pick_chunk();
	uint64_t first = chunk >= 0 ? get64(chunk_at((size_t)chunk) + 24) : 0;
	uint64_t last = chunk >= 0 ? get64(chunk_at((size_t)chunk) + 32) : 0;
	static uint8_t body[CHUNK_SIZE];
	char	 what[200];
	size_t	 records, i, size;

	if (strcmp(kind, "bitflip") == 0) {
		int flips = 1 + (int)(next_random() % 16);

		for (i = 0; i < (size_t)flips && image_size > 0; i++) {
			size_t at = next_random() % image_size;

			image[at] ^= (uint8_t)(1u << (next_random() % 8));
		}
		snprintf(what, sizeof(what), "%d bits flipped anywhere", flips);
		report(kind, -1, 0, 0, what);
		return 0;
	}
	if (strcmp(kind, "truncate") == 0) {
		size = FILE_HEADER_SIZE + (size_t)(next_random() % (image_size - FILE_HEADER_SIZE + 1));
		chunk = (long)((size - FILE_HEADER_SIZE) / CHUNK_SIZE);
		image_size = size;
		snprintf(what, sizeof(what), "cut at byte %zu", size);
		report(kind, chunk, 0, 0, what);
		return 0;
	}
	if (chunk < 0)
		return -1;
	records = chunk_records((size_t)chunk, offsets, 4096);
	if (strcmp(kind, "zero-chunk") == 0) {
		memset(chunk_at((size_t)chunk), 0, CHUNK_SIZE);
		snprintf(what, sizeof(what), "chunk %ld zeroed", chunk);
	} else if (strcmp(kind, "dup-chunk") == 0) {
		size_t other = ((size_t)chunk + 1) % chunk_count();

		if (other == (size_t)chunk)
			return -1;
		/* The overwritten chunk is the damaged one: its records are lost. */
		first = get64(chunk_at(other) + 24);
		last = get64(chunk_at(other) + 32);
		if (!is_chunk(other))
			first = last = 0;
		memcpy(chunk_at(other), chunk_at((size_t)chunk), CHUNK_SIZE);
		snprintf(what, sizeof(what), "chunk %ld copied over chunk %zu", chunk, other);
		report(kind, (long)other, first, last, what);
		fix_checksums();
		return 0;
	} else if (strcmp(kind, "swap-records") == 0) {
		uint8_t	*chunk_data = chunk_at((size_t)chunk), *copy;
		uint32_t a, b, size_a, size_b;

		if (records < 2)
			return -1;
		i = next_random() % (records - 1);
		a = offsets[i];
		b = offsets[i + 1];
		size_a = b - a;
		size_b = get32(chunk_data + b + 4);
		if ((copy = malloc(size_a)) == NULL)
			return -1;
		memcpy(copy, chunk_data + a, size_a);
		memmove(chunk_data + a, chunk_data + b, size_b);
		memcpy(chunk_data + a + size_b, copy, size_a);
		free(copy);
		snprintf(what, sizeof(what), "records %zu and %zu of chunk %ld swapped",
		    i, i + 1, chunk);
	} else if (strcmp(kind, "giant-size") == 0) {
		if (records == 0)
			return -1;
		i = next_random() % records;
		put32(chunk_at((size_t)chunk) + offsets[i] + 4, 0xfffffff0u);
		snprintf(what, sizeof(what), "record %zu of chunk %ld: size 0xfffffff0", i, chunk);
	} else if (strncmp(kind, "template-", 9) == 0) {
		uint8_t	*chunk_data = chunk_at((size_t)chunk), *token;

		if (records == 0)
			return -1;
		i = next_random() % records;
		token = chunk_data + offsets[i] + 28;
		if (token[0] != 0x0c)
			return -1;
		if (strcmp(kind, "template-self") == 0)
			put32(token + 6, offsets[i] + 28);
		else if (strcmp(kind, "template-values") == 0) {
			/*
			 * 0x40000010 values: times four it wraps to 64 in 32 bits,
			 * the overflow libevtx 20181227 does not check for.
			 */
			uint32_t definition = get32(token + 6), at = offsets[i] + 28 + 10;

			if (definition == at)	/* defined inline: values after it */
				at += 24 + get32(chunk_data + definition + 20);
			if (at + 4 > CHUNK_SIZE)
				return -1;
			put32(chunk_data + at, 0x40000010u);
		} else if (strcmp(kind, "template-out") == 0)
			put32(token + 6, 0xfffff000u);
		else if (strcmp(kind, "template-loop") == 0) {
			uint32_t definition = get32(token + 6);

			if (definition + 4 > CHUNK_SIZE)
				return -1;
			put32(chunk_data + definition, definition);
		} else
			return -1;
		snprintf(what, sizeof(what), "record %zu of chunk %ld: %s", i, chunk, kind);
	} else if (strcmp(kind, "deep-nesting") == 0) {
		size = build_body(body, CHUNK_SIZE - CHUNK_HEADER_SIZE - 64, 5000, 0, 0, 1);
		one_record_chunk((size_t)chunk, body, size);
		snprintf(what, sizeof(what), "chunk %ld: one record, elements nested 5000 deep", chunk);
	} else if (strcmp(kind, "long-string") == 0) {
		size = build_body(body, sizeof(body), 2, 30000, 30000, 1);
		one_record_chunk((size_t)chunk, body, size);
		snprintf(what, sizeof(what), "chunk %ld: one record with a 30000-character string", chunk);
	} else if (strcmp(kind, "string-overrun") == 0) {
		size = build_body(body, sizeof(body), 2, 100, 0xffff, 1);
		one_record_chunk((size_t)chunk, body, size);
		snprintf(what, sizeof(what), "chunk %ld: a string claiming 65535 characters", chunk);
	} else if (strcmp(kind, "bad-name") == 0) {
		size = build_body(body, sizeof(body), 3, 10, 10, 0xffff);
		one_record_chunk((size_t)chunk, body, size);
		snprintf(what, sizeof(what), "chunk %ld: an element name claiming 65535 characters", chunk);
	} else {
		fprintf(stderr, "evtx-mutate: unknown kind %s\n", kind);
		exit(2);
	}
	fix_checksums();
	report(kind, chunk, first, last, what);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: evtx-mutate KIND SEED IN OUT\n");
		return 2;
	}
	random_state = strtoull(argv[2], NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
	if (load(argv[3]) == -1 || image_size < FILE_HEADER_SIZE) {
		fprintf(stderr, "evtx-mutate: %s: cannot read an EVTX file\n", argv[3]);
		return 1;
	}
	if (mutate(argv[1]) == -1) {
		printf("%s -1 0 0 not applicable to this file\n", argv[1]);
		return 3;
	}
	if (save(argv[4]) == -1) {
		fprintf(stderr, "evtx-mutate: %s: cannot write\n", argv[4]);
		return 1;
	}
	return 0;
}
