/*
 * evtx-reader.c: map an EVTX file and walk its records as libevtx does.
 *
 * The rules below are libevtx 20181227's (libevtx_file_open_read,
 * libevtx_chunk_read, libevtx_record_values_read_header), restated:
 *  - chunks follow the header block, one every 64 KiB while a whole chunk
 *    fits in the file; an all-zero chunk is skipped;
 *  - a chunk without the ElfChnk signature has no live records; its whole
 *    data is scanned for recovered records;
 *  - a chunk whose header size is not 128 or whose free-space offset is out
 *    of range makes libevtx fail the whole file (here: that chunk is
 *    skipped and reported);
 *  - live records start at 512 and follow each other while the offset is at
 *    most the header's last-record offset and each record header is sound;
 *  - after them, every 4 bytes, a sound record header whose data starts
 *    with a fragment header (or 0x0a) is a recovered record;
 *  - records of chunks past the header's chunk count are recovered ones,
 *    unless the file is dirty;
 *  - CRC32 mismatches only mark the file corrupted; records are still read.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "evtx-reader.h"
#include "little-endian.h"

#define FILE_HEADER_MIN		128
#define RECORD_HEADER_SIZE	24
/* How much of the mapping a walk leaves behind before giving it back. */
#define RELEASE_STEP		(64 * EVTX_CHUNK_SIZE)

static void
set_problem(struct decode_problem *problem, const char *kind, long chunk,
    const char *message)
{
	problem->kind = kind;
	problem->record_index = -1;
	problem->record_id = -1;
	problem->chunk = chunk;
	snprintf(problem->message, sizeof(problem->message), "%s", message);
}

/* 1 when size bytes at data are all zero. */
static int
all_zero(const uint8_t *data, size_t size)
{
	return size == 0 || (data[0] == 0 && memcmp(data, data + 1, size - 1) == 0);
}

/*
 * The record header at offset, as libevtx_record_values_read_header judges
 * it: 1 sound (*size set), 0 zero-filled, -1 unsound. 2 for a sound record
 * that ends exactly at the chunk's end, which libevtx rejects.
 */
static int
record_header(const uint8_t *chunk, uint32_t offset, uint32_t *size)
{
	size_t		remaining = EVTX_CHUNK_SIZE - (size_t)offset;
	uint32_t	record_size;

	if (offset >= EVTX_CHUNK_SIZE || remaining < RECORD_HEADER_SIZE)
		return -1;
	/* The signature first: nearly every header has it. */
	if (memcmp(chunk + offset, "**\0\0", 4) != 0)
		return all_zero(chunk + offset, RECORD_HEADER_SIZE) ? 0 : -1;
	record_size = le32(chunk + offset + 4);
	if (record_size < RECORD_HEADER_SIZE || record_size > remaining)
		return -1;
	if (le32(chunk + offset + record_size - 4) != record_size)
		return -1;
	*size = record_size;
	if (remaining < RECORD_HEADER_SIZE + 4 || record_size > remaining - 4)
		return 2;
	return 1;
}

/*
 * libevtx's slack scan from *offset: the next recovered record, or 0 when
 * the chunk has no more. Leaves *offset after it.
 */
static int
next_slack_record(const uint8_t *chunk, uint32_t *offset, uint32_t *found,
    uint32_t *size)
{
	uint32_t	at = *offset, record_size, xml;
	const uint8_t	*data;

	for (; at < EVTX_CHUNK_SIZE; at += 4) {
		if (EVTX_CHUNK_SIZE - at < 4 || memcmp(chunk + at, "**\0\0", 4) != 0)
			continue;
		if (record_header(chunk, at, &record_size) != 1)
			continue;
		xml = record_size > RECORD_HEADER_SIZE + 4 ?
		    record_size - RECORD_HEADER_SIZE - 4 : 0;
		data = chunk + at + RECORD_HEADER_SIZE;
		if ((xml >= 5 && data[0] == 0x0a) ||
		    (xml >= 4 && memcmp(data, "\x0f\x01\x01\x00", 4) == 0)) {
			*found = at;
			*size = record_size;
			*offset = at + record_size - 4 + 4;
			return 1;
		}
	}
	*offset = at;
	return 0;
}

/*
 * Check one chunk as libevtx_chunk_read does and count its records.
 * Returns the chunk's state.
 */
static struct evtx_chunk_state
check_chunk(const uint8_t *chunk)
{
	struct evtx_chunk_state	state = { 0, 0, 0, 0, 0 };
	uint32_t		offset, size, last, free_space, found;
	uint64_t		first_number, last_number;
	uLong			crc;
	int			status = 0;

	if (all_zero(chunk, EVTX_CHUNK_SIZE)) {
		state.flags = EVTX_CHUNK_ZERO;
		return state;
	}
	offset = 0;
	if (memcmp(chunk, "ElfChnk\0", 8) != 0)
		state.flags |= EVTX_CHUNK_BAD_SIGNATURE;
	else {
		first_number = le64(chunk + 8);
		last_number = le64(chunk + 16);
		last = le32(chunk + 44);
		free_space = le32(chunk + 48);
		if (le32(chunk + 40) != 128 || free_space < EVTX_CHUNK_HEADER_SIZE ||
		    free_space > EVTX_CHUNK_SIZE) {
			state.flags |= EVTX_CHUNK_UNREADABLE;
			return state;
		}
		crc = crc32(0, chunk, 120);
		crc = crc32(crc, chunk + 128, 384);
		if (crc != le32(chunk + 124))
			state.flags |= EVTX_CHUNK_BAD_HEADER_CRC;
		crc = crc32(0, chunk + EVTX_CHUNK_HEADER_SIZE,
		    free_space - EVTX_CHUNK_HEADER_SIZE);
		if (crc != le32(chunk + 52))
			state.flags |= EVTX_CHUNK_BAD_DATA_CRC;
		for (offset = EVTX_CHUNK_HEADER_SIZE; offset <= last; offset += size) {
			status = record_header(chunk, offset, &size);
			if (status == 2)
				state.extra_offset = offset;
			if (status != 1)
				break;
			state.live_count++;
		}
		if (first_number > last_number)
			state.flags |= EVTX_CHUNK_BAD_COUNT;
		else if (status == 1 &&
		    state.live_count != last_number - first_number + 1)
			state.flags |= EVTX_CHUNK_BAD_COUNT;
	}
	state.live_end = offset;
	while (next_slack_record(chunk, &offset, &found, &size))
		state.recovered_count++;
	return state;
}

/* Read the file header and decide where chunks start. */
static int
read_file_header(struct evtx_reader *reader, struct decode_problem *problem)
{
	const uint8_t	*h = reader->data;
	uint64_t	 first_chunk, last_chunk;

	if (reader->size < FILE_HEADER_MIN || memcmp(h, "ElfFile\0", 8) != 0) {
		set_problem(problem, "file", -1, "not an EVTX file (no ElfFile header)");
		return -1;
	}
	first_chunk = le64(h + 8);
	last_chunk = le64(h + 16);
	reader->info.next_record_id = le64(h + 24);
	reader->info.minor_version = le16(h + 36);
	reader->info.major_version = le16(h + 38);
	reader->chunks_offset = le16(h + 40);
	reader->info.chunk_count = le16(h + 42);
	reader->info.header_flags = le32(h + 120);
	if (crc32(0, h, 120) != le32(h + 124))
		reader->info.corrupted = 1;
	if (first_chunk > last_chunk ||
	    reader->info.chunk_count != last_chunk - first_chunk + 1)
		reader->info.corrupted = 1;
	return 0;
}

/*
 * Give back the mapped pages from where the last release ended up to end
 * (rounded down to a page), once there are RELEASE_STEP bytes of them.
 * The mapping is private and read-only, so MADV_DONTNEED only drops the
 * pages from this process: reading them again (the slack pass, a decoder
 * looking back) faults them in from the page cache. Without this a file of
 * several GB would count whole in the resident set.
 */
static void
release_behind(struct evtx_reader *reader, size_t end)
{
	size_t	page = (size_t)sysconf(_SC_PAGESIZE);

	if (end > reader->size)
		end = reader->size;
	end -= end % page;
	if (end < reader->released + RELEASE_STEP)
		return;
	madvise((uint8_t *)reader->data + reader->released, end - reader->released,
	    MADV_DONTNEED);
	reader->released = end;
}

/* Give back the whole mapping, before a walk starts again from the top. */
static void
release_all(struct evtx_reader *reader)
{
	reader->released = 0;
	madvise((void *)reader->data, reader->size, MADV_DONTNEED);
}

/* Check every chunk; count records and reach libevtx's corruption verdict. */
static int
check_chunks(struct evtx_reader *reader, struct decode_problem *problem)
{
	struct evtx_chunk_state	*state;
	long			 i, counted = 0, declared = reader->info.chunk_count;
	int			 dirty = reader->info.header_flags & 1;

	if (reader->size >= reader->chunks_offset)
		reader->chunk_count = (long)((reader->size - reader->chunks_offset) /
		    EVTX_CHUNK_SIZE);
	reader->chunks = calloc((size_t)reader->chunk_count + 1, sizeof(*reader->chunks));
	if (reader->chunks == NULL) {
		set_problem(problem, "file", -1, "out of memory");
		return -1;
	}
	for (i = 0; i < reader->chunk_count; i++) {
		state = &reader->chunks[i];
		*state = check_chunk(reader->data + reader->chunks_offset +
		    (size_t)i * EVTX_CHUNK_SIZE);
		release_behind(reader, reader->chunks_offset +
		    (size_t)(i + 1) * EVTX_CHUNK_SIZE);
		if (state->flags & (EVTX_CHUNK_ZERO | EVTX_CHUNK_UNREADABLE)) {
			if (i < declared)
				reader->info.corrupted = 1;
			continue;
		}
		/* libevtx counts the chunks in range, and sound ones past it. */
		if (state->flags & (EVTX_CHUNK_BAD_SIGNATURE |
		    EVTX_CHUNK_BAD_HEADER_CRC | EVTX_CHUNK_BAD_DATA_CRC |
		    EVTX_CHUNK_BAD_COUNT)) {
			if (i < declared) {
				reader->info.corrupted = 1;
				counted++;
			}
		} else
			counted++;
		if (i < declared || dirty) {
			state->flags |= EVTX_CHUNK_IN_LIVE_LIST;
			reader->info.live_records += state->live_count;
		} else
			reader->info.recovered_records += state->live_count;
		reader->info.recovered_records += state->recovered_count;
		if (state->extra_offset != 0) {
			reader->extra_records++;
			if (state->flags & EVTX_CHUNK_IN_LIVE_LIST)
				reader->info.live_records++;
			else
				reader->info.recovered_records++;
		}
	}
	if (counted != declared)
		reader->info.corrupted = 1;
	return 0;
}

int
evtx_reader_open(struct evtx_reader *reader, const char *path,
    struct decode_problem *problem)
{
	struct stat	 st;
	void		*map;
	int		 fd;

	memset(reader, 0, sizeof(*reader));
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		set_problem(problem, "file", -1, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (st.st_size < FILE_HEADER_MIN) {
		close(fd);
		set_problem(problem, "file", -1, "file too small for an EVTX header");
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		set_problem(problem, "file", -1, strerror(errno));
		return -1;
	}
	reader->data = map;
	reader->size = (size_t)st.st_size;
	madvise(map, reader->size, MADV_SEQUENTIAL);
	if (read_file_header(reader, problem) == -1 ||
	    check_chunks(reader, problem) == -1) {
		evtx_reader_close(reader);
		return -1;
	}
	release_all(reader);
	return 0;
}

void
evtx_reader_close(struct evtx_reader *reader)
{
	if (reader->data != NULL)
		munmap((void *)reader->data, reader->size);
	free(reader->chunks);
	memset(reader, 0, sizeof(*reader));
}

const char *
evtx_reader_chunk_problem(const struct evtx_reader *reader, long chunk)
{
	uint8_t	flags;

	if (chunk < 0 || chunk >= reader->chunk_count)
		return NULL;
	flags = reader->chunks[chunk].flags;
	if (flags & EVTX_CHUNK_UNREADABLE)
		return "chunk header unreadable (bad header size or free-space offset)";
	if (flags & EVTX_CHUNK_BAD_SIGNATURE)
		return "chunk signature missing: only recovered records";
	if (flags & EVTX_CHUNK_BAD_HEADER_CRC)
		return "chunk header CRC32 mismatch";
	if (flags & EVTX_CHUNK_BAD_DATA_CRC)
		return "chunk records CRC32 mismatch";
	if (flags & EVTX_CHUNK_BAD_COUNT)
		return "chunk record count differs from its header";
	return NULL;
}

/* Move the walk to the start of the next chunk (or the next pass). */
static void
next_chunk(struct evtx_reader *reader)
{
	reader->chunk++;
	reader->stage = 0;
	if (reader->chunk >= reader->chunk_count && reader->pass == 0) {
		reader->pass = 1;
		reader->chunk = 0;
		release_all(reader);
		return;
	}
	release_behind(reader, reader->chunks_offset +
	    (size_t)reader->chunk * EVTX_CHUNK_SIZE);
}

/* Fill ref for the record at offset of the current chunk. */
static void
fill_ref(struct evtx_reader *reader, struct evtx_record_ref *ref,
    uint32_t offset, uint32_t size, long libevtx_index)
{
	const uint8_t	*chunk = reader->data + reader->chunks_offset +
			    (size_t)reader->chunk * EVTX_CHUNK_SIZE;

	ref->chunk = reader->chunk;
	ref->chunk_data = chunk;
	ref->chunk_flags = reader->chunks[reader->chunk].flags;
	ref->offset = offset;
	ref->size = size;
	ref->recovered = reader->pass == 1;
	ref->record_index = reader->walk_index++;
	ref->libevtx_index = libevtx_index;
	ref->record_id = le64(chunk + offset + 8);
}

/*
 * The live walk of the current chunk (stage 0): its records in order,
 * then the one that ends at the chunk's end, if any (stage 1).
 */
static int
next_live(struct evtx_reader *reader, struct evtx_record_ref *ref,
    const struct evtx_chunk_state *state, long *list_index)
{
	const uint8_t	*chunk = reader->data + reader->chunks_offset +
			    (size_t)reader->chunk * EVTX_CHUNK_SIZE;
	uint32_t	 size;

	if (reader->stage == 0) {
		reader->stage = 1;
		reader->offset = EVTX_CHUNK_HEADER_SIZE;
		reader->stage_left = state->live_count;
	}
	if (reader->stage == 1 && reader->stage_left > 0) {
		record_header(chunk, reader->offset, &size);
		fill_ref(reader, ref, reader->offset, size, (*list_index)++);
		reader->offset += size;
		reader->stage_left--;
		return 1;
	}
	if (reader->stage == 1) {
		reader->stage = 2;
		if (state->extra_offset != 0) {
			record_header(chunk, state->extra_offset, &size);
			fill_ref(reader, ref, state->extra_offset, size, -1);
			return 1;
		}
	}
	return 0;
}

int
evtx_reader_next(struct evtx_reader *reader, struct evtx_record_ref *ref)
{
	const struct evtx_chunk_state	*state;
	const uint8_t			*chunk;
	uint32_t			 found, size;

	while (reader->chunk < reader->chunk_count) {
		state = &reader->chunks[reader->chunk];
		chunk = reader->data + reader->chunks_offset +
		    (size_t)reader->chunk * EVTX_CHUNK_SIZE;
		if (state->flags & (EVTX_CHUNK_ZERO | EVTX_CHUNK_UNREADABLE)) {
			next_chunk(reader);
			continue;
		}
		if (reader->pass == 0) {
			if ((state->flags & EVTX_CHUNK_IN_LIVE_LIST) &&
			    next_live(reader, ref, state, &reader->live_index))
				return 1;
			next_chunk(reader);
			continue;
		}
		if (!(state->flags & EVTX_CHUNK_IN_LIVE_LIST) && reader->stage < 3 &&
		    next_live(reader, ref, state, &reader->recovered_index))
			return 1;
		/*
		 * Opening scanned the same slack from the same offset: when
		 * it found nothing, do not read (and fault in) it again.
		 */
		if (state->recovered_count == 0) {
			next_chunk(reader);
			continue;
		}
		if (reader->stage < 3) {
			reader->stage = 3;
			reader->offset = state->live_end;
		}
		if (next_slack_record(chunk, &reader->offset, &found, &size)) {
			fill_ref(reader, ref, found, size, reader->recovered_index++);
			return 1;
		}
		next_chunk(reader);
	}
	return 0;
}
