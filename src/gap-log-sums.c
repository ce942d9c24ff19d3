/*
 * gap-log-sums.c: every log's records summed up in one pass over events.
 *
 * Several analyses need a few figures per file, per host or per log --
 * when each file's records start and end, which host a file mostly
 * holds, whether a file mixes hosts (forwarded events), when each host's
 * own Security log runs, each log's oldest EventRecordID -- and each used
 * to read the whole events table for them, grouped its own way: four
 * passes and four sorts over every record of the case. Here one pass in
 * storage order sums the records by (file, host, channel, recovered), a
 * few hundred groups even on a large case, into temp.gap_log_sums; the
 * analyses' queries group those rows instead of the records:
 *
 *   temp.gap_log_sums(source_id, host, channel, recovered,
 *     records            how many records
 *     first_us, last_us  their first and last time (records with one)
 *     wfp_success        max over the timed records of "event 5156 from
 *                        Microsoft-Windows-Security-Auditing", with SQL's
 *                        NULLs (NULL when no record could say)
 *     first_record_id    the smallest EventRecordID
 *     eventlog_full      1 when one is an event log service 1104 (full))
 *
 * Every figure is what the SQL aggregate over the records gave. The file
 * and the recovered flag are read as the integers ingest writes. Other
 * analyses that read every record in storage order read in this pass too
 * (struct events_reader): the record-number jumps, gap-record-jumps.c.
 */
#include <stdlib.h>
#include <string.h>

#include "gap.h"
#include "text-table.h"
#include "util.h"

#define WFP_PROVIDER	"Microsoft-Windows-Security-Auditing"

/* One group's sums; the key is (source_id, host, channel, recovered). */
struct log_sum {
	int64_t		 source_id, recovered;
	uint32_t	 host, channel;		/* text numbers */
	int64_t		 records, first_us, last_us, first_record_id;
	int		 timed;			/* first_us and last_us are set */
	int		 has_record_id;
	int		 wfp_success;		/* -1 for SQL NULL */
	int		 eventlog_full;
};

struct sums_pass {
	struct text_table	 texts;
	struct log_sum		*sums;
	size_t			 count, allocated;
	uint32_t		*slots;		/* index + 1 into sums; 0 empty */
	size_t			 mask;
	size_t			 last;		/* the last row's group */
	int			 failed;
};

/* The pass's own columns; the readers' follow (pass_select). */
static const char events_columns[] =
    "source_id, host, channel, recovered, time_unix_us, event_id,"
    " provider, record_id";

enum {
	COLUMN_SOURCE, COLUMN_HOST, COLUMN_CHANNEL, COLUMN_RECOVERED,
	COLUMN_TIME_US, COLUMN_EVENT_ID, COLUMN_PROVIDER, COLUMN_RECORD_ID,
	SUMS_COLUMNS
};

static uint64_t
sum_hash(int64_t source_id, int64_t recovered, uint32_t host, uint32_t channel)
{
	uint64_t	h = (uint64_t)source_id * 0x9e3779b97f4a7c15ULL;

	h ^= ((uint64_t)host << 32 | channel) * 0xc2b2ae3d27d4eb4fULL;
	h ^= (uint64_t)recovered * 0x165667b19e3779f9ULL;
	return h ^ (h >> 29);
}

static int
same_key(const struct log_sum *sum, int64_t source_id, int64_t recovered,
    uint32_t host, uint32_t channel)
{
	return sum->source_id == source_id && sum->recovered == recovered &&
	    sum->host == host && sum->channel == channel;
}

/* Double the slots and place every group again. Returns 0 or -1. */
static int
grow_slots(struct sums_pass *pass)
{
	size_t		 size = pass->slots == NULL ? 256 : (pass->mask + 1) * 2, i, slot;
	uint32_t	*slots;
	struct log_sum	*sum;

	if ((slots = calloc(size, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < pass->count; i++) {
		sum = &pass->sums[i];
		slot = sum_hash(sum->source_id, sum->recovered, sum->host,
		    sum->channel) & (size - 1);
		while (slots[slot] != 0)
			slot = (slot + 1) & (size - 1);
		slots[slot] = (uint32_t)i + 1;
	}
	free(pass->slots);
	pass->slots = slots;
	pass->mask = size - 1;
	return 0;
}

/* A new, empty group at the end of sums; NULL when out of memory. */
static struct log_sum *
append_sum(struct sums_pass *pass)
{
	if (array_reserve(&pass->sums, pass->count, &pass->allocated,
	    sizeof(*pass->sums)) == -1)
		return NULL;
	memset(&pass->sums[pass->count], 0, sizeof(pass->sums[0]));
	pass->sums[pass->count].wfp_success = -1;
	return &pass->sums[pass->count++];
}

/*
 * The group of the current row, added when new; NULL when out of memory.
 * A file's records are stored together, so the last row's group is tried
 * first.
 */
static struct log_sum *
sum_of_row(struct sums_pass *pass, sqlite3_stmt *row)
{
	int64_t		 source_id = sqlite3_column_int64(row, COLUMN_SOURCE);
	int64_t		 recovered = sqlite3_column_int64(row, COLUMN_RECOVERED);
	uint32_t	 host, channel;
	size_t		 slot;
	struct log_sum	*sum;

	host = text_intern(&pass->texts, sqlite3_column_text(row, COLUMN_HOST),
	    sqlite3_column_bytes(row, COLUMN_HOST), &pass->failed);
	channel = text_intern(&pass->texts, sqlite3_column_text(row, COLUMN_CHANNEL),
	    sqlite3_column_bytes(row, COLUMN_CHANNEL), &pass->failed);
	if (pass->failed)
		return NULL;
	if (pass->count > 0 && same_key(&pass->sums[pass->last], source_id,
	    recovered, host, channel))
		return &pass->sums[pass->last];
	if ((pass->slots == NULL || pass->count * 2 >= pass->mask) &&
	    grow_slots(pass) == -1)
		return NULL;
	slot = sum_hash(source_id, recovered, host, channel) & pass->mask;
	while (pass->slots[slot] != 0) {
		pass->last = pass->slots[slot] - 1;
		if (same_key(&pass->sums[pass->last], source_id, recovered, host,
		    channel))
			return &pass->sums[pass->last];
		slot = (slot + 1) & pass->mask;
	}
	if ((sum = append_sum(pass)) == NULL)
		return NULL;
	sum->source_id = source_id;
	sum->recovered = recovered;
	sum->host = host;
	sum->channel = channel;
	pass->slots[slot] = (uint32_t)pass->count;
	pass->last = pass->count - 1;
	return sum;
}

/* SQL's text = for a column (NULL: -1, unknown). */
static int
column_equals(sqlite3_stmt *row, int column, const char *text)
{
	const unsigned char	*value = sqlite3_column_text(row, column);

	if (value == NULL)
		return -1;
	return (size_t)sqlite3_column_bytes(row, column) == strlen(text) &&
	    memcmp(value, text, strlen(text)) == 0;
}

/* SQL's "column LIKE '%word%'" for a lower-case ASCII word. */
static int
column_contains(sqlite3_stmt *row, int column, const char *word)
{
	const unsigned char	*value = sqlite3_column_text(row, column);
	int			 length = sqlite3_column_bytes(row, column);
	int			 size = (int)strlen(word), i, j;

	if (value == NULL)
		return 0;
	for (i = 0; i + size <= length; i++) {
		for (j = 0; j < size; j++) {
			unsigned char c = value[i + j];

			if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char)word[j])
				break;
		}
		if (j == size)
			return 1;
	}
	return 0;
}

/*
 * "event_id = 5156 AND provider = WFP_PROVIDER" with SQL's three values:
 * 0 when either side is false, -1 (NULL) when one is unknown, else 1.
 */
static int
is_wfp_success(sqlite3_stmt *row)
{
	int	event = sqlite3_column_type(row, COLUMN_EVENT_ID) == SQLITE_NULL ?
		    -1 : sqlite3_column_int64(row, COLUMN_EVENT_ID) == 5156;
	int	provider = column_equals(row, COLUMN_PROVIDER, WFP_PROVIDER);

	if (event == 0 || provider == 0)
		return 0;
	return event == -1 || provider == -1 ? -1 : 1;
}

/* Add one record to its group. 0, or -1 when out of memory. */
static int
add_record(struct sums_pass *pass, sqlite3_stmt *row)
{
	struct log_sum	*sum;
	int64_t		 value;
	int		 wfp;

	if ((sum = sum_of_row(pass, row)) == NULL)
		return -1;
	sum->records++;
	if (sqlite3_column_type(row, COLUMN_TIME_US) != SQLITE_NULL) {
		value = sqlite3_column_int64(row, COLUMN_TIME_US);
		if (!sum->timed || value < sum->first_us)
			sum->first_us = value;
		if (!sum->timed || value > sum->last_us)
			sum->last_us = value;
		sum->timed = 1;
		if ((wfp = is_wfp_success(row)) > sum->wfp_success)
			sum->wfp_success = wfp;
	}
	if (sqlite3_column_type(row, COLUMN_RECORD_ID) != SQLITE_NULL) {
		value = sqlite3_column_int64(row, COLUMN_RECORD_ID);
		if (!sum->has_record_id || value < sum->first_record_id)
			sum->first_record_id = value;
		sum->has_record_id = 1;
	}
	if (!sum->eventlog_full &&
	    sqlite3_column_type(row, COLUMN_EVENT_ID) != SQLITE_NULL &&
	    sqlite3_column_int64(row, COLUMN_EVENT_ID) == 1104 &&
	    column_contains(row, COLUMN_PROVIDER, "eventlog"))
		sum->eventlog_full = 1;
	return 0;
}

static const char create_sql[] =
    "DROP TABLE IF EXISTS temp.gap_log_sums;"
    "CREATE TEMP TABLE gap_log_sums(source_id INTEGER, host TEXT,"
    "  channel TEXT, recovered INTEGER, records INTEGER, first_us INTEGER,"
    "  last_us INTEGER, wfp_success INTEGER, first_record_id INTEGER,"
    "  eventlog_full INTEGER)";

/* Bind a text number as text, or NULL. */
static void
bind_text_number(sqlite3_stmt *statement, int index, const struct text_table *texts,
    uint32_t number)
{
	if (number == NO_TEXT)
		sqlite3_bind_null(statement, index);
	else
		sqlite3_bind_text(statement, index, texts->texts[number].bytes,
		    texts->texts[number].length, SQLITE_STATIC);
}

/* Bind a number, or NULL when known is 0. */
static void
bind_known(sqlite3_stmt *statement, int index, int known, int64_t value)
{
	if (known)
		sqlite3_bind_int64(statement, index, value);
	else
		sqlite3_bind_null(statement, index);
}

/* Write every group into temp.gap_log_sums. */
static int
store_sums(struct gap_context *context, struct sums_pass *pass)
{
	struct log_sum	*sum;
	sqlite3_stmt	*insert;
	size_t		 i;
	int		 step = SQLITE_DONE;

	if (gap_exec(context, create_sql) == -1 ||
	    gap_prepare(context, "INSERT INTO temp.gap_log_sums VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &insert) == -1)
		return -1;
	for (i = 0; i < pass->count && step == SQLITE_DONE; i++) {
		sum = &pass->sums[i];
		sqlite3_bind_int64(insert, 1, sum->source_id);
		bind_text_number(insert, 2, &pass->texts, sum->host);
		bind_text_number(insert, 3, &pass->texts, sum->channel);
		sqlite3_bind_int64(insert, 4, sum->recovered);
		sqlite3_bind_int64(insert, 5, sum->records);
		bind_known(insert, 6, sum->timed, sum->first_us);
		bind_known(insert, 7, sum->timed, sum->last_us);
		bind_known(insert, 8, sum->wfp_success >= 0, sum->wfp_success);
		bind_known(insert, 9, sum->has_record_id, sum->first_record_id);
		sqlite3_bind_int(insert, 10, sum->eventlog_full);
		step = sqlite3_step(insert);
		sqlite3_reset(insert);
	}
	sqlite3_finalize(insert);
	return step == SQLITE_DONE ? 0 : gap_sql_error(context, "summing the logs");
}

/*
 * Sum every row and hand it to the readers. 0, -1 when out of memory, -2
 * when the error is already set (a reader failed, or the SELECT could not
 * be prepared), -3 on an SQL error while reading.
 */
static int
sum_all(struct gap_context *context, struct sums_pass *pass,
    const struct events_reader *readers, size_t reader_count)
{
	sqlite3_stmt	*row;
	int		*first_columns;
	char		*sql;
	size_t		 i;
	int		 step = SQLITE_DONE, status = 0;

	if ((first_columns = calloc(reader_count + 1, sizeof(int))) == NULL ||
	    (sql = pass_select(events_columns, SUMS_COLUMNS, "events", readers,
	    sizeof(*readers), reader_count, first_columns)) == NULL) {
		free(first_columns);
		return -1;
	}
	status = gap_prepare(context, sql, &row);
	sqlite3_free(sql);
	if (status == 0 &&
	    !pass_columns_match(row, first_columns, reader_count)) {
		status = gap_error(context, "summing the logs: a reader's"
		    " columns do not match its count");
		sqlite3_finalize(row);
	}
	if (status == -1) {
		free(first_columns);
		return -2;
	}
	while (status == 0 && (step = sqlite3_step(row)) == SQLITE_ROW) {
		status = add_record(pass, row);
		for (i = 0; status == 0 && i < reader_count; i++)
			if (readers[i].row(readers[i].state, row,
			    first_columns[i]) == -1)
				status = -2;
	}
	sqlite3_finalize(row);
	free(first_columns);
	if (status == 0 && step != SQLITE_DONE)
		status = -3;
	return status;
}

int
gap_log_sums(struct gap_context *context, const struct events_reader *readers,
    size_t reader_count)
{
	struct sums_pass	 pass;
	int			 status;

	memset(&pass, 0, sizeof(pass));
	status = sum_all(context, &pass, readers, reader_count);
	if (status == -1)
		status = gap_error(context, "summing the logs: out of memory");
	else if (status == -3)
		status = gap_sql_error(context, "summing the logs");
	else if (status == 0)
		status = store_sums(context, &pass);
	else
		status = -1;
	text_table_free(&pass.texts);
	free(pass.sums);
	free(pass.slots);
	return status;
}
