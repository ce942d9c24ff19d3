/*
 * slack-copies.c: the live records of one file, by EventRecordID and a
 * digest of their content, to know recovered copies of them (see
 * slack-copies.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "slack-copies.h"
#include "util.h"

#define DIGEST_SIZE 16

struct live_record {
	uint64_t	 record_id;
	unsigned char	 digest[DIGEST_SIZE];
};

struct live_records {
	EVP_MD_CTX		*context;
	struct live_record	*records;
	size_t			 count, allocated;
	int			 sorted;	/* records in record_id order */
	int			 incomplete;	/* one could not be added */
};

struct live_records *
live_records_new(void)
{
	struct live_records	*set;

	if ((set = calloc(1, sizeof(*set))) == NULL)
		return NULL;
	if ((set->context = EVP_MD_CTX_new()) == NULL) {
		free(set);
		return NULL;
	}
	set->sorted = 1;
	return set;
}

void
live_records_free(struct live_records *set)
{
	if (set == NULL)
		return;
	EVP_MD_CTX_free(set->context);
	free(set->records);
	free(set);
}

/* Add a number to the digest, as 8 bytes little-endian. */
static void
digest_number(EVP_MD_CTX *context, uint64_t value)
{
	unsigned char	bytes[8];
	int		i;

	for (i = 0; i < 8; i++)
		bytes[i] = (unsigned char)(value >> (8 * i));
	EVP_DigestUpdate(context, bytes, sizeof(bytes));
}

/*
 * Add a string to the digest: a marker for absent, or its length and
 * bytes, so that no two different sequences of values digest alike.
 */
static void
digest_text(EVP_MD_CTX *context, const char *text)
{
	size_t	length;

	if (text == NULL) {
		digest_number(context, UINT64_MAX);
		return;
	}
	length = strlen(text);
	digest_number(context, length);
	EVP_DigestUpdate(context, text, length);
}

/*
 * The digest of everything a record says, but where it was read from:
 * every <System> value and the EventData or UserData names and values in
 * their order. Returns 0, or -1 when OpenSSL fails.
 */
static int
event_digest(EVP_MD_CTX *context, const struct event *event,
    unsigned char digest[DIGEST_SIZE])
{
	unsigned char	full[EVP_MAX_MD_SIZE];
	unsigned int	length = 0;
	size_t		i;

	if (EVP_DigestInit_ex(context, EVP_sha256(), NULL) != 1)
		return -1;
	digest_number(context, event->record_number);
	digest_number(context, event->record_id);
	digest_text(context, event->provider);
	digest_text(context, event->provider_guid);
	digest_text(context, event->channel);
	digest_text(context, event->computer);
	digest_text(context, event->keywords);
	digest_text(context, event->user_sid);
	digest_number(context, event->event_id);
	digest_number(context, (uint64_t)(int64_t)event->version);
	digest_number(context, (uint64_t)(int64_t)event->level);
	digest_number(context, (uint64_t)(int64_t)event->task);
	digest_number(context, (uint64_t)(int64_t)event->opcode);
	digest_number(context, (uint64_t)event->filetime);
	digest_number(context, event->process_id);
	digest_number(context, event->thread_id);
	digest_text(context, event->data_element);
	digest_number(context, event->field_count);
	for (i = 0; i < event->field_count && i < EVENT_MAX_FIELDS; i++) {
		digest_text(context, event->fields[i].name);
		digest_text(context, event->fields[i].value);
	}
	digest_number(context, (uint64_t)event->fields_truncated);
	if (EVP_DigestFinal_ex(context, full, &length) != 1 || length < DIGEST_SIZE)
		return -1;
	memcpy(digest, full, DIGEST_SIZE);
	return 0;
}

void
live_records_add(struct live_records *set, const struct event *event)
{
	struct live_record	*record;

	if (set->incomplete)
		return;
	if (array_reserve(&set->records, set->count, &set->allocated,
	    sizeof(*set->records)) == -1) {
		set->incomplete = 1;
		return;
	}
	record = &set->records[set->count];
	record->record_id = event->record_id;
	if (event_digest(set->context, event, record->digest) == -1) {
		set->incomplete = 1;
		return;
	}
	if (set->count > 0 && record->record_id < record[-1].record_id)
		set->sorted = 0;
	set->count++;
}

static int
compare_records(const void *a, const void *b)
{
	const struct live_record *x = a, *y = b;

	return x->record_id < y->record_id ? -1 : x->record_id > y->record_id;
}

/* The index of the first record with this id or a greater one. */
static size_t
first_with_id(const struct live_records *set, uint64_t record_id)
{
	size_t	low = 0, high = set->count, middle;

	while (low < high) {
		middle = low + (high - low) / 2;
		if (set->records[middle].record_id < record_id)
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

int
live_records_has_copy(struct live_records *set, const struct event *event)
{
	unsigned char	digest[DIGEST_SIZE];
	size_t		i;

	if (set->incomplete || set->count == 0 ||
	    event_digest(set->context, event, digest) == -1)
		return 0;
	if (!set->sorted) {
		sort_array(set->records, set->count, sizeof(*set->records),
		    compare_records);
		set->sorted = 1;
	}
	/* A damaged file may hold two live records with one id: try each. */
	for (i = first_with_id(set, event->record_id); i < set->count &&
	    set->records[i].record_id == event->record_id; i++)
		if (memcmp(set->records[i].digest, digest, DIGEST_SIZE) == 0)
			return 1;
	return 0;
}
