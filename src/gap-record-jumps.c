/*
 * gap-record-jumps.c: where each file's record numbers jump, found in one
 * pass in storage order instead of a sort of every record.
 *
 * A log's records carry consecutive numbers; a jump (record 500, then
 * 541) is records deleted, damaged or never written. The question is per
 * file: each file's live records ordered by number (by EventRecordID, and
 * per host and channel, where a decoder gave no header number), and every
 * neighbour more than one apart. Asked in SQL that is a window over every
 * record of the case, sorted: the largest single cost of gaps on a big
 * case. But ingest stores a file's records in the order the file holds
 * them, which is nearly always number order, so one pass in id order
 * (the log sums' pass, gap-log-sums.c) finds the jumps directly, as long
 * as each file's numbers never go down. A file whose numbers do go down (chunks out of order, a case built some
 * other way) is read again on its own, through its source index, and its
 * records sorted in memory: one file at a time, so memory stays bounded
 * by the largest file. A row ingest would never write (a source id or
 * number that is not an integer) leaves the whole case to SQL's window.
 *
 * The result is temp.gap_record_jump(id, number, next_number, next_id,
 * source_id): the record before each jump and the record after it, which
 * gap-log-integrity.c joins back to their rows. Jumps go to the table as
 * they are found (a hostile file may hold millions), and those of a file
 * found out of order are deleted before it is read again.
 */
#include <stdlib.h>
#include <string.h>

#include "gap.h"
#include "text-table.h"
#include "util.h"

/* Where one partition (a file, or a file's host and channel) has got to. */
struct partition {
	int64_t		last_number, last_id;
	uint32_t	source;		/* the file's source_id */
	int		started;	/* last_number and last_id are set */
	int		unordered;	/* its numbers went down: read again */
};

/* A record of a file read on its own, to be sorted. */
struct numbered {
	int64_t		number, id;
	uint32_t	host_channel;
};

struct record_jumps {
	struct gap_context	*context;
	struct pair_map		 unordered;	/* (source, 0): files read again */
	uint32_t		*unordered_sources;
	size_t			 unordered_count, unordered_allocated;
	struct text_table	 texts;
	struct pair_map		 host_channels;	/* (host, channel) -> number */
	struct pair_map		 partition_index; /* (source, host_channel) -> index */
	struct partition	*partitions;
	size_t			 partition_count, partition_allocated;
	uint32_t		 host_channel_count;
	sqlite3_stmt		*insert_jump;
	int			 failed;	/* out of memory */
	int			 left_to_sql;	/* a row ingest never writes was met */
};

static const char create_sql[] =
    "DROP TABLE IF EXISTS temp.gap_record_jump;"
    "DROP TABLE IF EXISTS temp.gap_reread_source;"
    "CREATE TEMP TABLE gap_record_jump(id INTEGER, number INTEGER,"
    "  next_number INTEGER, next_id INTEGER, source_id INTEGER);"
    "CREATE TEMP TABLE gap_reread_source(source_id INTEGER PRIMARY KEY);";

/*
 * The columns read of every record in the log sums' pass; JUMP_* count
 * from the first. The rows that count are those of "recovered = 0 AND
 * coalesce(record_number, record_id) IS NOT NULL", judged in C
 * (is_live_numbered).
 */
static const char jump_columns[] =
    "id, source_id, record_number, coalesce(record_number, record_id),"
    " host, channel, recovered";

enum {
	JUMP_ID, JUMP_SOURCE, JUMP_RECORD_NUMBER, JUMP_NUMBER, JUMP_HOST,
	JUMP_CHANNEL, JUMP_RECOVERED, JUMP_COLUMNS
};

/* One file's records, for a file whose numbers are not in storage order. */
static const char source_records_sql[] =
    "SELECT id, record_number, coalesce(record_number, record_id), host,"
    " channel FROM events WHERE source_id = ?1 AND recovered = 0"
    " AND coalesce(record_number, record_id) IS NOT NULL";

/* SQL's window over the whole case, when a row is not what ingest writes. */
static const char window_sql[] =
    "INSERT INTO temp.gap_record_jump SELECT id, number, next_number, next_id,"
    " source_id FROM (SELECT id, source_id, number, lead(number) OVER w AS next_number,"
    "  lead(id) OVER w AS next_id FROM (SELECT e.id, e.source_id,"
    "   CASE WHEN e.record_number IS NULL THEN e.host END AS host_key,"
    "   CASE WHEN e.record_number IS NULL THEN e.channel END AS channel_key,"
    "   coalesce(e.record_number, e.record_id) AS number"
    "   FROM events e WHERE e.recovered = 0"
    "   AND coalesce(e.record_number, e.record_id) IS NOT NULL)"
    "  WINDOW w AS (PARTITION BY source_id, host_key, channel_key"
    "   ORDER BY number, id))"
    " WHERE next_number > number + 1";

/* The text number of a column (NO_TEXT for NULL). */
static uint32_t
column_text(struct record_jumps *pass, sqlite3_stmt *row, int column)
{
	return text_intern(&pass->texts, sqlite3_column_text(row, column),
	    sqlite3_column_bytes(row, column), &pass->failed);
}

/*
 * The number of a row's (host, channel), for a row with no header number
 * (column number_column NULL); 0 for one with a header number, or with
 * neither host nor channel. Returns 0, or -1 when out of memory.
 */
static int
host_channel_of_row(struct record_jumps *pass, sqlite3_stmt *row,
    int number_column, int host_column, uint32_t *host_channel)
{
	uint32_t	host, channel, *index;
	int		added;

	*host_channel = 0;
	if (sqlite3_column_type(row, number_column) != SQLITE_NULL)
		return 0;
	host = column_text(pass, row, host_column);
	channel = column_text(pass, row, host_column + 1);
	if (pass->failed)
		return -1;
	if (host == NO_TEXT && channel == NO_TEXT)
		return 0;
	index = pair_map_put(&pass->host_channels, pair(host, channel),
	    pass->host_channel_count + 1, &added);
	if (index == NULL)
		return -1;
	pass->host_channel_count += added;
	*host_channel = *index;
	return 0;
}

/*
 * The partition of the current row, added when new; NULL when out of
 * memory. Records with a header number are partitioned by file alone;
 * without one, by file, host and channel (NULL host and channel, like
 * SQL's PARTITION BY, fall in with the file's numbered records).
 */
static struct partition *
partition_of_row(struct record_jumps *pass, sqlite3_stmt *row, int first,
    uint32_t source)
{
	struct partition	*partition;
	uint32_t		 host_channel, *index;
	int			 added;

	if (host_channel_of_row(pass, row, first + JUMP_RECORD_NUMBER,
	    first + JUMP_HOST, &host_channel) == -1)
		return NULL;
	index = pair_map_put(&pass->partition_index, pair(source, host_channel),
	    (uint32_t)pass->partition_count, &added);
	if (index == NULL)
		return NULL;
	if (!added)
		return &pass->partitions[*index];
	if (array_reserve(&pass->partitions, pass->partition_count,
	    &pass->partition_allocated, sizeof(*pass->partitions)) == -1)
		return NULL;
	partition = &pass->partitions[pass->partition_count++];
	memset(partition, 0, sizeof(*partition));
	partition->source = source;
	return partition;
}

/* Note a file whose numbers go down, to be read again on its own. */
static int
mark_unordered(struct record_jumps *pass, uint32_t source)
{
	int	added;

	if (pair_map_put(&pass->unordered, pair(source, 0), 0, &added) == NULL)
		return -1;
	if (!added)
		return 0;
	if (array_reserve(&pass->unordered_sources, pass->unordered_count,
	    &pass->unordered_allocated, sizeof(*pass->unordered_sources)) == -1)
		return -1;
	pass->unordered_sources[pass->unordered_count++] = source;
	return 0;
}

/* Store a jump from (id, number) to (next_id, next_number). 0, or -2 on an SQL error. */
static int
add_jump(struct record_jumps *pass, uint32_t source, int64_t id, int64_t number,
    int64_t next_number, int64_t next_id)
{
	int	step;

	sqlite3_bind_int64(pass->insert_jump, 1, id);
	sqlite3_bind_int64(pass->insert_jump, 2, number);
	sqlite3_bind_int64(pass->insert_jump, 3, next_number);
	sqlite3_bind_int64(pass->insert_jump, 4, next_id);
	sqlite3_bind_int64(pass->insert_jump, 5, source);
	step = sqlite3_step(pass->insert_jump);
	sqlite3_reset(pass->insert_jump);
	return step == SQLITE_DONE ? 0 : -2;
}

/* 1 when next is more than one past number (no overflow on the way). */
static int
is_jump(int64_t number, int64_t next)
{
	return next > number && next - 1 > number;
}

/*
 * One record in storage order. 0, -1 when out of memory, -2 on an SQL
 * error, -3 for a row ingest never writes.
 */
static int
add_record(struct record_jumps *pass, sqlite3_stmt *row, int first)
{
	struct partition	*partition;
	int64_t			 id = sqlite3_column_int64(row, first + JUMP_ID);
	int64_t			 source, number;
	int			 status = 0;

	if (sqlite3_column_type(row, first + JUMP_SOURCE) != SQLITE_INTEGER ||
	    sqlite3_column_type(row, first + JUMP_NUMBER) != SQLITE_INTEGER)
		return -3;	/* not what ingest writes: SQL must judge the case */
	source = sqlite3_column_int64(row, first + JUMP_SOURCE);
	number = sqlite3_column_int64(row, first + JUMP_NUMBER);
	if (source < 0 || source > UINT32_MAX - 1)
		return -3;
	if ((partition = partition_of_row(pass, row, first,
	    (uint32_t)source)) == NULL)
		return -1;
	if (partition->unordered)
		return 0;
	if (partition->started && number < partition->last_number) {
		partition->unordered = 1;
		return mark_unordered(pass, partition->source);
	}
	if (partition->started && is_jump(partition->last_number, number))
		status = add_jump(pass, partition->source, partition->last_id,
		    partition->last_number, number, id);
	partition->started = 1;
	partition->last_number = number;
	partition->last_id = id;
	return status;
}

/* Order a file's records by partition, then number, then id. */
static int
compare_numbered(const void *left, const void *right)
{
	const struct numbered	*a = left, *b = right;

	if (a->host_channel != b->host_channel)
		return a->host_channel < b->host_channel ? -1 : 1;
	if (a->number != b->number)
		return a->number < b->number ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/*
 * Read one file whose numbers go down in storage order, sort its records
 * and keep its jumps. records is a buffer reused from file to file.
 * Returns 0, -1 when out of memory, -2 on an SQL error.
 */
static int
read_unordered_source(struct record_jumps *pass, sqlite3_stmt *statement,
    uint32_t source, struct numbered **records, size_t *allocated)
{
	struct numbered	*r;
	size_t		 count = 0, i;
	int		 step;

	sqlite3_bind_int64(statement, 1, source);
	while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
		if (array_reserve(records, count, allocated, sizeof(**records)) == -1)
			break;
		r = &(*records)[count++];
		r->id = sqlite3_column_int64(statement, 0);
		r->number = sqlite3_column_int64(statement, 2);
		if (host_channel_of_row(pass, statement, 1, 3, &r->host_channel) == -1)
			break;
	}
	sqlite3_reset(statement);
	if (step != SQLITE_DONE)
		return step == SQLITE_ROW ? -1 : -2;
	sort_array(*records, count, sizeof(**records), compare_numbered);
	for (i = 1; i < count; i++) {
		r = &(*records)[i];
		if (r->host_channel == r[-1].host_channel &&
		    is_jump(r[-1].number, r->number) &&
		    add_jump(pass, source, r[-1].id, r[-1].number, r->number,
		    r->id) == -2)
			return -2;
	}
	return 0;
}

/*
 * Drop what the pass stored for the files whose numbers went down, in one
 * sweep of the jumps found. Returns 0 or -2.
 */
static int
forget_unordered_sources(struct record_jumps *pass)
{
	sqlite3_stmt	*note;
	size_t		 i;
	int		 step = SQLITE_DONE;

	if (gap_prepare(pass->context, "INSERT OR IGNORE INTO"
	    " temp.gap_reread_source VALUES (?1)", &note) == -1)
		return -2;
	for (i = 0; i < pass->unordered_count && step == SQLITE_DONE; i++) {
		sqlite3_bind_int64(note, 1, pass->unordered_sources[i]);
		step = sqlite3_step(note);
		sqlite3_reset(note);
	}
	sqlite3_finalize(note);
	if (step != SQLITE_DONE || gap_exec(pass->context, "DELETE FROM"
	    " temp.gap_record_jump WHERE source_id IN"
	    " (SELECT source_id FROM temp.gap_reread_source)") == -1)
		return -2;
	return 0;
}

/*
 * Every file whose numbers went down: drop what the pass stored for it,
 * then read it again in order, one file at a time.
 */
static int
read_unordered_sources(struct record_jumps *pass)
{
	sqlite3_stmt	*statement;
	struct numbered	*records = NULL;
	size_t		 allocated = 0, i;
	int		 status;

	if (pass->unordered_count == 0)
		return 0;
	if ((status = forget_unordered_sources(pass)) != 0 ||
	    gap_prepare(pass->context, source_records_sql, &statement) == -1)
		return -2;
	for (i = 0; i < pass->unordered_count && status == 0; i++)
		status = read_unordered_source(pass, statement,
		    pass->unordered_sources[i], &records, &allocated);
	free(records);
	sqlite3_finalize(statement);
	return status;
}

/*
 * SQL's "recovered = 0 AND coalesce(record_number, record_id) IS NOT
 * NULL": a live record with a number. recovered = 0 holds only for a
 * stored integer zero: the column is INTEGER, so SQLite stores a real
 * zero (or -0.0) as the integer, and a text or blob is never equal.
 */
static int
is_live_numbered(sqlite3_stmt *row, int first)
{
	return sqlite3_column_type(row, first + JUMP_NUMBER) != SQLITE_NULL &&
	    sqlite3_column_type(row, first + JUMP_RECOVERED) == SQLITE_INTEGER &&
	    sqlite3_column_int64(row, first + JUMP_RECOVERED) == 0;
}

/*
 * One record of the log sums' pass (an events_reader's row). After a row
 * ingest never writes, the rest is left to SQL's window (finish).
 */
static int
jumps_row(void *state, sqlite3_stmt *row, int first)
{
	struct record_jumps	*pass = state;
	int			 status;

	if (pass->left_to_sql || !is_live_numbered(row, first))
		return 0;
	status = add_record(pass, row, first);
	if (status == -3)
		pass->left_to_sql = 1;
	else if (status == -1)
		return gap_error(pass->context,
		    "looking for record id gaps: out of memory");
	else if (status == -2)
		return gap_sql_error(pass->context, "looking for record id gaps");
	return 0;
}

void
gap_record_jumps_free(struct record_jumps *pass)
{
	if (pass == NULL)
		return;
	text_table_free(&pass->texts);
	pair_map_free(&pass->host_channels);
	pair_map_free(&pass->partition_index);
	pair_map_free(&pass->unordered);
	free(pass->partitions);
	free(pass->unordered_sources);
	sqlite3_finalize(pass->insert_jump);
	free(pass);
}

int
gap_record_jumps_begin(struct gap_context *context, struct record_jumps **out)
{
	struct record_jumps	*pass;

	if ((*out = pass = calloc(1, sizeof(*pass))) == NULL)
		return gap_error(context, "looking for record id gaps: out of memory");
	pass->context = context;
	if (gap_exec(context, create_sql) == -1 ||
	    gap_prepare(context, "INSERT INTO temp.gap_record_jump VALUES"
	    " (?1, ?2, ?3, ?4, ?5)", &pass->insert_jump) == -1)
		return -1;
	return 0;
}

void
gap_record_jumps_reader(struct record_jumps *pass, struct events_reader *reader)
{
	reader->columns.names = jump_columns;
	reader->columns.count = JUMP_COLUMNS;
	reader->row = jumps_row;
	reader->state = pass;
}

/*
 * After the pass: the files it found out of order, read again; or, when
 * it met a row ingest never writes, the whole case judged by SQL.
 */
int
gap_record_jumps_finish(struct record_jumps *pass)
{
	struct gap_context	*context = pass->context;
	int			 status;

	if (pass->left_to_sql)
		return gap_exec(context, "DELETE FROM temp.gap_record_jump") == -1 ?
		    -1 : gap_exec(context, window_sql);
	status = read_unordered_sources(pass);
	if (status == -1)
		return gap_error(context, "looking for record id gaps: out of memory");
	if (status == -2)
		return gap_sql_error(context, "looking for record id gaps");
	return 0;
}
