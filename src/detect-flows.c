/*
 * detect-flows.c: the connection records both sweep detectors read,
 * gathered in two plain passes over network_events instead of two sorts.
 *
 * The sweeps used to ask SQLite for every flow sorted by its key (source
 * and destination, or source and service), one sort of nearly every
 * network event per detector: half of detect's time on a large case. Most
 * keys can never fire: a source that reaches one destination on six ports
 * in the whole case cannot sweep fifteen. So the records are read from
 * SQLite once (in attribution's pass over network_events, attribute.c),
 * into a scratch file of fixed-size flows (in TMPDIR, gone
 * when detect ends), and that file is read twice: the first pass counts,
 * per key, the distinct values (ports, or destinations) it ever has, and
 * stops counting at the threshold; the second keeps the flows of the keys
 * that reached it, and only those are sorted, in memory. A key that
 * reaches the threshold over the whole case may still never reach it
 * within a window: the detector's own window walk decides, as before.
 * The same read collects the hosts' own addresses (below), which the
 * flows need before either pass, and fills temp.detect_host_addresses
 * for the finding descriptions.
 *
 * A flow is what temp.detect_flows (detect.c) makes of a record, worked
 * out here in C: an outbound record's source is its host's local address;
 * an inbound record's source is the remote peer, unless its sides are
 * stored the wrong way round (its local address is not one of the host's
 * own and its remote address is). The groups reach the detectors in the
 * order the old query gave them -- keys in SQLite's binary text order,
 * events by time and then id -- so the findings are exactly the same.
 *
 * Texts (hosts, addresses, services) are interned: each distinct text is
 * stored once and known by a number, so keys and the host address set are
 * pairs of numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector.h"
#include "text-table.h"
#include "util.h"

/* What an address is good for in a sweep, worked out once per text. */
enum text_scope {
	SCOPE_UNKNOWN = 0,	/* not yet asked */
	SCOPE_NONE,		/* not an address, or one sweeps ignore */
	SCOPE_PUBLIC,
	SCOPE_INTERNAL,		/* private or link-local */
};

/* A flow as the sweeps see it. */
struct flow {
	int64_t		 id, time_us;
	uint32_t	 source, destination;	/* text numbers */
	int64_t		 port;			/* the destination's port, -1 for none */
	int		 port_known;
	int		 protocol;
	int		 outbound;
};

/*
 * A record as the read from SQLite leaves it in the scratch file: which
 * side is the source waits until every host's own addresses are known.
 */
struct raw_flow {
	int64_t		 id, time_us;
	int64_t		 local_port, remote_port;
	uint32_t	 host, local, remote;	/* text numbers */
	int32_t		 protocol;		/* -1 for none */
	uint8_t		 outbound, local_known, remote_known, unused;
};

/* A kept flow of one key, until its group is handed to the detector. */
struct kept_flow {
	int64_t		 id, time_us;
	uint32_t	 key;		/* index into keys */
	uint32_t	 value;		/* the port, or the destination's number */
	int32_t		 port;
	int32_t		 outbound;
};

/*
 * A key of a sweep and how many distinct values it has (up to the
 * threshold). Most keys have one to three values (a workstation reaches a
 * server on one or two ports): those are kept here, and only further
 * values go to the collector's seen map, a random access fewer per flow.
 */
#define KEY_VALUES	3
struct sweep_key {
	uint64_t	 pair;		/* (key1, key2) */
	uint32_t	 distinct;
	uint32_t	 values[KEY_VALUES];	/* the first distinct values */
};

/* One sweep detector's keys, counts and kept flows. */
struct sweep_collector {
	int		 enabled;
	int64_t		 threshold;
	struct pair_map	 key_numbers;	/* (key1, key2) -> key index */
	struct sweep_key *keys;
	size_t		 key_count, key_allocated;
	struct pair_map	 seen;		/* (key index, value) counted past KEY_VALUES */
	struct kept_flow *kept;
	size_t		 kept_count, kept_allocated;
};

struct sweep_flows {
	struct text_table	 texts;
	struct pair_map		 host_addresses;	/* (host, ip) */
	struct sweep_collector	 sweeps[SWEEP_KINDS];
	int			 internal_only;
	FILE			*scratch;		/* the raw flows, in id order */
	size_t			 scratch_count;
	sqlite3_stmt		*insert_address;	/* into temp.detect_host_addresses */
	int			 failed;		/* out of memory */
};

/* The sweep scope of a text (kept in its mark), as wfpsift_address_scope() would say it. */
static enum text_scope
text_scope(struct text_table *table, uint32_t number)
{
	struct text	*text;
	const char	*scope;

	if (number == NO_TEXT)
		return SCOPE_NONE;
	text = &table->texts[number];
	if (text->mark == SCOPE_UNKNOWN) {
		scope = address_scope(text->bytes);
		if (scope != NULL && strcmp(scope, "public") == 0)
			text->mark = SCOPE_PUBLIC;
		else if (scope != NULL && (strcmp(scope, "private") == 0 ||
		    strcmp(scope, "link_local") == 0))
			text->mark = SCOPE_INTERNAL;
		else
			text->mark = SCOPE_NONE;
	}
	return (enum text_scope)text->mark;
}

/* 1 when ip is one of host's own addresses (NULLs never are). */
static int
host_has_address(const struct sweep_flows *flows, uint32_t host, uint32_t ip)
{
	if (host == NO_TEXT || ip == NO_TEXT)
		return 0;
	return pair_map_get(&flows->host_addresses, pair(host, ip)) != NULL;
}

/*
 * The columns the sweeps read of every network event, in attribution's
 * pass; COLUMN_* count from the first. Which rows are flows, and which
 * name a host's own address, is decided in C (row_is_flow,
 * row_names_own_address): asked in SQL, the tests cost more than the read
 * itself.
 */
static const char flow_columns[] =
    "id, time_unix_us, protocol, host, local_ip, local_port,"
    " remote_ip, remote_port, direction, action";

enum flow_column {
	COLUMN_ID, COLUMN_TIME, COLUMN_PROTOCOL, COLUMN_HOST, COLUMN_LOCAL_IP,
	COLUMN_LOCAL_PORT, COLUMN_REMOTE_IP, COLUMN_REMOTE_PORT,
	COLUMN_DIRECTION, COLUMN_ACTION, FLOW_COLUMNS
};

static const char *const flow_actions[] = { "allowed", "blocked", "dropped",
    "connection", NULL };
static const char *const own_address_actions[] = { "listen", "listen_blocked",
    "bind", "bind_blocked", NULL };

/*
 * A flow, as temp.detect_flows (detect.c) takes rows: direction IN
 * ('inbound', 'outbound') AND action IN ('allowed', 'blocked', 'dropped',
 * 'connection') AND time_unix_us IS NOT NULL.
 */
static int
row_is_flow(sqlite3_stmt *statement, int first, int outbound)
{
	return (outbound ||
	    pass_column_is(statement, first + COLUMN_DIRECTION, "inbound")) &&
	    pass_column_in(statement, first + COLUMN_ACTION, flow_actions) &&
	    sqlite3_column_type(statement, first + COLUMN_TIME) != SQLITE_NULL;
}

/*
 * The local address is one of the host's own: host IS NOT NULL AND
 * local_ip IS NOT NULL AND local_ip <> '' AND (direction = 'outbound' OR
 * action IN ('listen', 'listen_blocked', 'bind', 'bind_blocked')). A
 * blob is never equal to the empty text.
 */
static int
row_names_own_address(sqlite3_stmt *statement, int first, int outbound)
{
	int	type = sqlite3_column_type(statement, first + COLUMN_LOCAL_IP);

	return sqlite3_column_type(statement, first + COLUMN_HOST) != SQLITE_NULL &&
	    type != SQLITE_NULL && !(type == SQLITE_TEXT &&
	    sqlite3_column_bytes(statement, first + COLUMN_LOCAL_IP) == 0) &&
	    (outbound ||
	    pass_column_in(statement, first + COLUMN_ACTION, own_address_actions));
}

/* An integer column, with known cleared for SQL NULL. */
static int64_t
integer_column(sqlite3_stmt *statement, int column, int *known)
{
	*known = sqlite3_column_type(statement, column) != SQLITE_NULL;
	return sqlite3_column_int64(statement, column);
}

/* The number of a text column's text. */
static uint32_t
text_column(struct sweep_flows *flows, sqlite3_stmt *statement, int column)
{
	return text_intern(&flows->texts, sqlite3_column_text(statement, column),
	    sqlite3_column_bytes(statement, column), &flows->failed);
}

/* The current row as a raw flow. */
static void
read_raw_flow(struct sweep_flows *flows, sqlite3_stmt *statement, int first,
    int outbound, struct raw_flow *raw)
{
	int	known;

	memset(raw, 0, sizeof(*raw));
	raw->id = sqlite3_column_int64(statement, first + COLUMN_ID);
	raw->time_us = sqlite3_column_int64(statement, first + COLUMN_TIME);
	raw->protocol = (int32_t)integer_column(statement,
	    first + COLUMN_PROTOCOL, &known);
	if (!known)
		raw->protocol = -1;
	raw->outbound = (uint8_t)outbound;
	raw->host = text_column(flows, statement, first + COLUMN_HOST);
	raw->local = text_column(flows, statement, first + COLUMN_LOCAL_IP);
	raw->local_port = integer_column(statement, first + COLUMN_LOCAL_PORT,
	    &known);
	raw->local_known = (uint8_t)known;
	raw->remote = text_column(flows, statement, first + COLUMN_REMOTE_IP);
	raw->remote_port = integer_column(statement, first + COLUMN_REMOTE_PORT,
	    &known);
	raw->remote_known = (uint8_t)known;
}

/*
 * Note the host's own address of the current row, in the set and, the
 * first time, in temp.detect_host_addresses (bound as read, so the table
 * holds what an INSERT ... SELECT would). 0, or -1 on an SQL error.
 */
static int
note_own_address(struct sweep_flows *flows, sqlite3_stmt *statement, int first,
    const struct raw_flow *raw)
{
	sqlite3_stmt	*insert;
	int		 added;

	if (flows->failed || pair_map_put(&flows->host_addresses,
	    pair(raw->host, raw->local), 0, &added) == NULL) {
		flows->failed = 1;
		return 0;
	}
	if (!added)
		return 0;
	insert = flows->insert_address;
	sqlite3_bind_value(insert, 1, sqlite3_column_value(statement,
	    first + COLUMN_HOST));
	sqlite3_bind_value(insert, 2, sqlite3_column_value(statement,
	    first + COLUMN_LOCAL_IP));
	if (sqlite3_step(insert) != SQLITE_DONE) {
		sqlite3_reset(insert);
		return -1;
	}
	sqlite3_reset(insert);
	return 0;
}

/* Make a flow of a raw one: which side is the source, which port. */
static void
flow_of(const struct sweep_flows *flows, const struct raw_flow *raw,
    struct flow *flow)
{
	int	forward;

	flow->id = raw->id;
	flow->time_us = raw->time_us;
	flow->protocol = raw->protocol;
	flow->outbound = raw->outbound;
	forward = raw->outbound || (!host_has_address(flows, raw->host,
	    raw->local) && host_has_address(flows, raw->host, raw->remote));
	flow->source = forward ? raw->local : raw->remote;
	flow->destination = forward ? raw->remote : raw->local;
	flow->port = forward ? raw->remote_port : raw->local_port;
	flow->port_known = forward ? raw->remote_known : raw->local_known;
}

/*
 * Whether a flow counts for the port sweep, and its key's second half
 * (the destination) and value (the port). Loopback, unspecified,
 * multicast and broadcast peers never count.
 */
static int
port_sweep_counts(struct sweep_flows *flows, const struct flow *flow,
    uint32_t *key2, uint32_t *value, int32_t *port)
{
	if ((flow->protocol != 6 && flow->protocol != 17) || !flow->port_known ||
	    flow->port <= 0 || flow->port > INT32_MAX ||
	    flow->source == flow->destination ||
	    text_scope(&flows->texts, flow->source) == SCOPE_NONE ||
	    text_scope(&flows->texts, flow->destination) == SCOPE_NONE)
		return 0;
	*key2 = flow->destination;
	*value = (uint32_t)flow->port;
	*port = (int32_t)flow->port;
	return 1;
}

/* The service text of a flow: "icmp", a port's service, or "port N". */
static uint32_t
flow_service(struct sweep_flows *flows, const struct flow *flow)
{
	const char	*service;
	char		 text[32];
	int		 length;

	if (flow->protocol == 1 || flow->protocol == 58)
		service = "icmp";
	else if ((service = port_service((int)flow->port)) == NULL) {
		length = snprintf(text, sizeof(text), "port %d", (int)flow->port);
		return text_intern(&flows->texts, (const unsigned char *)text,
		    length, &flows->failed);
	}
	return text_intern(&flows->texts, (const unsigned char *)service,
	    (int)strlen(service), &flows->failed);
}

/*
 * Whether a flow counts for the host sweep, its key's second half (the
 * service) and value (the destination). Destinations are internal ones
 * only unless the options say otherwise.
 */
static int
host_sweep_counts(struct sweep_flows *flows, const struct flow *flow,
    uint32_t *key2, uint32_t *value, int32_t *port)
{
	int			icmp = flow->protocol == 1 || flow->protocol == 58;
	enum text_scope		scope;

	if (!icmp && ((flow->protocol != 6 && flow->protocol != 17) ||
	    !flow->port_known || flow->port <= 0 || flow->port > INT32_MAX))
		return 0;
	scope = text_scope(&flows->texts, flow->destination);
	if (flow->source == flow->destination ||
	    text_scope(&flows->texts, flow->source) == SCOPE_NONE ||
	    scope == SCOPE_NONE || (scope == SCOPE_PUBLIC && flows->internal_only))
		return 0;
	if ((*key2 = flow_service(flows, flow)) == NO_TEXT)
		return 0;
	*value = flow->destination;
	*port = icmp ? -1 : (int32_t)flow->port;
	return 1;
}

/* The key index of (key1, key2), adding the key when new; -1 when out of memory. */
static long
collector_key(struct sweep_collector *collector, uint32_t key1, uint32_t key2)
{
	uint32_t	*index;
	int		 added;

	index = pair_map_put(&collector->key_numbers, pair(key1, key2),
	    (uint32_t)collector->key_count, &added);
	if (index == NULL)
		return -1;
	if (!added)
		return (long)*index;
	if (array_reserve(&collector->keys, collector->key_count,
	    &collector->key_allocated, sizeof(*collector->keys)) == -1)
		return -1;
	collector->keys[collector->key_count].pair = pair(key1, key2);
	collector->keys[collector->key_count].distinct = 0;
	return (long)collector->key_count++;
}

/* First pass: count one more value of a key, up to the threshold. */
static int
collector_count(struct sweep_collector *collector, uint32_t key1,
    uint32_t key2, uint32_t value)
{
	long		 key = collector_key(collector, key1, key2);
	struct sweep_key *k;
	uint32_t	 i;
	int		 added;

	if (key < 0)
		return -1;
	k = &collector->keys[key];
	if (k->distinct >= collector->threshold)
		return 0;
	for (i = 0; i < k->distinct && i < KEY_VALUES; i++)
		if (k->values[i] == value)
			return 0;
	if (k->distinct < KEY_VALUES) {
		k->values[k->distinct++] = value;
		return 0;
	}
	if (pair_map_put(&collector->seen, pair((uint32_t)key, value), 0,
	    &added) == NULL)
		return -1;
	k->distinct += added;
	return 0;
}

/* Second pass: keep a flow when its key reached the threshold. */
static int
collector_keep(struct sweep_collector *collector, const struct flow *flow,
    uint32_t key1, uint32_t key2, uint32_t value, int32_t port)
{
	const uint32_t	*key;
	struct kept_flow *kept;

	key = pair_map_get(&collector->key_numbers, pair(key1, key2));
	if (key == NULL || collector->keys[*key].distinct < collector->threshold)
		return 0;
	if (array_reserve(&collector->kept, collector->kept_count,
	    &collector->kept_allocated, sizeof(*collector->kept)) == -1)
		return -1;
	kept = &collector->kept[collector->kept_count++];
	kept->id = flow->id;
	kept->time_us = flow->time_us;
	kept->key = *key;
	kept->value = value;
	kept->port = port;
	kept->outbound = flow->outbound;
	return 0;
}

/* Hand one flow to each sweep: count it (pass 1) or keep it (pass 2). */
static int
offer_flow(struct sweep_flows *flows, const struct flow *flow, int pass)
{
	struct sweep_collector	*collector;
	uint32_t		 key2, value;
	int32_t			 port;
	int			 kind, counts;

	for (kind = 0; kind < SWEEP_KINDS; kind++) {
		collector = &flows->sweeps[kind];
		if (!collector->enabled)
			continue;
		counts = kind == SWEEP_PORT ?
		    port_sweep_counts(flows, flow, &key2, &value, &port) :
		    host_sweep_counts(flows, flow, &key2, &value, &port);
		if (!counts)
			continue;
		if ((pass == 1 ? collector_count(collector, flow->source, key2, value) :
		    collector_keep(collector, flow, flow->source, key2, value,
		    port)) == -1)
			return -1;
	}
	return 0;
}

/* A scratch file in TMPDIR (or /tmp), unlinked at once; NULL on failure. */
static FILE *
scratch_open(void)
{
	const char	*directory = getenv("TMPDIR");
	char		 path[4096];
	FILE		*file;
	int		 fd;

	if (directory == NULL || *directory == '\0')
		directory = "/tmp";
	if (snprintf(path, sizeof(path), "%s/wfpsift-flows-XXXXXX", directory) >=
	    (int)sizeof(path) || (fd = mkstemp(path)) == -1)
		return NULL;
	unlink(path);
	if ((file = fdopen(fd, "w+")) == NULL) {
		close(fd);
		return NULL;
	}
	setvbuf(file, NULL, _IOFBF, 1 << 20);
	return file;
}

/*
 * Why the flows could not be gathered, for status -1 (an SQL error), -2
 * (out of memory) or -3 (the scratch file).
 */
static void
flows_error(sqlite3 *db, int status, char *error, size_t error_size)
{
	detect_error(error, error_size, "sweeps: %s", status == -2 ?
	    "out of memory" : status == -3 ? "the scratch file of flows "
	    "(in TMPDIR, or /tmp) could not be written or read" :
	    sqlite3_errmsg(db));
}

/*
 * One network event of attribution's pass (a network_reader's row): a
 * host's own address into the set and temp.detect_host_addresses, a flow
 * into the scratch file. The user is not the sweeps' concern.
 */
static int
flows_row(void *state, sqlite3_stmt *statement, int first,
    const char *user_name, const char *user_sid, char *error,
    size_t error_size)
{
	struct sweep_flows	*flows = state;
	struct raw_flow		 raw;
	int			 outbound, is_flow, own, status = 0;

	(void)user_name;
	(void)user_sid;
	/* Types first: reading a column as text may convert it. */
	outbound = pass_column_is(statement, first + COLUMN_DIRECTION, "outbound");
	is_flow = row_is_flow(statement, first, outbound);
	own = row_names_own_address(statement, first, outbound);
	if (!is_flow && !own)
		return 0;
	read_raw_flow(flows, statement, first, outbound, &raw);
	if (own && note_own_address(flows, statement, first, &raw) == -1)
		status = -1;
	else if (flows->failed)
		status = -2;
	else if (is_flow) {
		if (fwrite(&raw, sizeof(raw), 1, flows->scratch) == 1)
			flows->scratch_count++;
		else
			status = -3;
	}
	if (status != 0)
		flows_error(sqlite3_db_handle(statement), status, error,
		    error_size);
	return status == 0 ? 0 : -1;
}

/*
 * One pass over the scratch file's flows: count them (pass 1) or keep
 * them (pass 2). Returns 0, -2 when out of memory, -3 when the file cannot
 * be read.
 */
static int
replay_flows(struct sweep_flows *flows, int pass)
{
	struct raw_flow	 batch[1024];
	struct flow	 flow;
	size_t		 left = flows->scratch_count, count, i;

	if (fseek(flows->scratch, 0, SEEK_SET) != 0)
		return -3;
	while (left > 0) {
		count = left < 1024 ? left : 1024;
		if (fread(batch, sizeof(*batch), count, flows->scratch) != count)
			return -3;
		for (i = 0; i < count; i++) {
			flow_of(flows, &batch[i], &flow);
			if (flows->failed || offer_flow(flows, &flow, pass) == -1) {
				flows->failed = 1;
				return -2;
			}
		}
		left -= count;
	}
	return 0;
}

/* The counting sets are not needed once the flows are kept. */
static void
collectors_drop_counts(struct sweep_flows *flows)
{
	int	kind;

	for (kind = 0; kind < SWEEP_KINDS; kind++)
		pair_map_free(&flows->sweeps[kind].seen);
}

int
sweep_flows_begin(sqlite3 *db, const struct detect_options *options,
    struct sweep_flows **out, char *error, size_t error_size)
{
	struct sweep_flows	*flows;
	int			 status = 0;

	if ((*out = flows = calloc(1, sizeof(*flows))) == NULL) {
		detect_error(error, error_size, "sweeps: out of memory");
		return -1;
	}
	flows->sweeps[SWEEP_PORT].enabled = options->port_sweep;
	flows->sweeps[SWEEP_PORT].threshold = options->port_sweep_ports;
	flows->sweeps[SWEEP_HOST].enabled = options->host_sweep;
	flows->sweeps[SWEEP_HOST].threshold = options->host_sweep_hosts;
	flows->internal_only = options->host_sweep_internal_only;
	if ((flows->scratch = scratch_open()) == NULL)
		status = -3;
	else if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO"
	    " temp.detect_host_addresses VALUES (?1, ?2)", -1,
	    &flows->insert_address, NULL) != SQLITE_OK)
		status = -1;
	if (status != 0)
		flows_error(db, status, error, error_size);
	return status == 0 ? 0 : -1;
}

void
sweep_flows_reader(struct sweep_flows *flows, struct network_reader *reader)
{
	reader->columns.names = flow_columns;
	reader->columns.count = FLOW_COLUMNS;
	reader->row = flows_row;
	reader->state = flows;
}

int
sweep_flows_finish(sqlite3 *db, struct sweep_flows *flows, char *error,
    size_t error_size)
{
	int	status = 0;

	if (fflush(flows->scratch) != 0)
		status = -3;
	if (status == 0)
		status = replay_flows(flows, 1);
	collectors_drop_counts(flows);
	if (status == 0)
		status = replay_flows(flows, 2);
	if (status != 0)
		flows_error(db, status, error, error_size);
	return status == 0 ? 0 : -1;
}

/* The context of the sorts below (qsort passes none). */
static const struct sweep_flows		*sort_flows;
static const struct sweep_collector	*sort_collector;

/* Order key indexes as the old query did: key1, then key2, as SQL texts. */
static int
compare_keys(const void *left, const void *right)
{
	uint64_t	a = sort_collector->keys[*(const uint32_t *)left].pair;
	uint64_t	b = sort_collector->keys[*(const uint32_t *)right].pair;
	int		order;

	order = text_compare(&sort_flows->texts, (uint32_t)(a >> 32), (uint32_t)(b >> 32));
	if (order == 0)
		order = text_compare(&sort_flows->texts, (uint32_t)a, (uint32_t)b);
	return order;
}

/* Order the kept flows of one key by time, then id. */
static int
compare_kept(const void *left, const void *right)
{
	const struct kept_flow	*a = left, *b = right;

	if (a->time_us != b->time_us)
		return a->time_us < b->time_us ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/*
 * Put the kept flows in key order: each key's flows together (a counting
 * sort on the key's rank), then each key's flows by time and id. Fills
 * *first with each rank's first flow (rank_count + 1 entries). Returns the
 * number of ranks, or -1 when out of memory.
 */
static long
order_kept(const struct sweep_flows *flows, struct sweep_collector *collector,
    size_t **first)
{
	uint32_t		*order = NULL, *rank = NULL, key, ranks = 0, r;
	size_t			*start = NULL, i;
	struct kept_flow	*sorted = NULL;

	*first = NULL;
	order = malloc((collector->key_count + 1) * sizeof(*order));
	rank = malloc((collector->key_count + 1) * sizeof(*rank));
	if (order == NULL || rank == NULL)
		goto fail;
	for (key = 0; key < collector->key_count; key++)
		if (collector->keys[key].distinct >= collector->threshold)
			order[ranks++] = key;
	sort_flows = flows;
	sort_collector = collector;
	sort_array(order, ranks, sizeof(*order), compare_keys);
	for (r = 0; r < ranks; r++)
		rank[order[r]] = r;
	if ((start = calloc((size_t)ranks + 1, sizeof(*start))) == NULL ||
	    (sorted = malloc((collector->kept_count + 1) * sizeof(*sorted))) == NULL)
		goto fail;
	for (i = 0; i < collector->kept_count; i++)
		start[rank[collector->kept[i].key] + 1]++;
	for (r = 0; r < ranks; r++)
		start[r + 1] += start[r];
	for (i = 0; i < collector->kept_count; i++)
		sorted[start[rank[collector->kept[i].key]]++] = collector->kept[i];
	for (r = ranks; r > 0; r--)	/* back to each rank's first */
		start[r] = start[r - 1];
	start[0] = 0;
	for (r = 0; r < ranks; r++)
		sort_array(sorted + start[r], start[r + 1] - start[r],
		    sizeof(*sorted), compare_kept);
	free(collector->kept);
	collector->kept = sorted;
	free(order);
	free(rank);
	*first = start;
	return (long)ranks;
fail:
	free(order);
	free(rank);
	free(start);
	free(sorted);
	return -1;
}

int
sweep_flows_each_group(struct sweep_flows *flows, enum sweep_kind kind,
    window_group_function *function, void *context)
{
	struct sweep_collector	*collector = &flows->sweeps[kind];
	struct window_event	*events = NULL, *event;
	struct kept_flow	*kept;
	size_t			*first, count, i;
	long			 ranks, r;
	uint64_t		 key;
	int			 status = 0;

	if (!collector->enabled || collector->kept_count == 0)
		return 0;
	if ((ranks = order_kept(flows, collector, &first)) < 0)
		return -1;
	for (r = 0; r < ranks && status == 0; r++) {
		count = first[r + 1] - first[r];
		free(events);
		if ((events = malloc(count * sizeof(*events))) == NULL) {
			status = -1;
			break;
		}
		for (i = 0; i < count; i++) {
			kept = &collector->kept[first[r] + i];
			event = &events[i];
			event->id = kept->id;
			event->time_us = kept->time_us;
			event->value = kept->value;
			event->port = kept->port;
			event->outbound = kept->outbound;
		}
		key = collector->keys[collector->kept[first[r]].key].pair;
		status = function(context, flows->texts.texts[key >> 32].bytes,
		    flows->texts.texts[(uint32_t)key].bytes, events, count);
	}
	free(events);
	free(first);
	return status;
}

void
sweep_flows_free(struct sweep_flows *flows)
{
	int	kind;

	if (flows == NULL)
		return;
	for (kind = 0; kind < SWEEP_KINDS; kind++) {
		pair_map_free(&flows->sweeps[kind].key_numbers);
		pair_map_free(&flows->sweeps[kind].seen);
		free(flows->sweeps[kind].keys);
		free(flows->sweeps[kind].kept);
	}
	pair_map_free(&flows->host_addresses);
	text_table_free(&flows->texts);
	sqlite3_finalize(flows->insert_address);
	if (flows->scratch != NULL)
		fclose(flows->scratch);
	free(flows);
}
