/*
 * gap-audit-policy.c: times when WFP auditing was off (kinds
 * audit_policy_change, no_wfp_auditing, wfp_failures_only).
 *
 * A missing connection record means nothing while the Filtering Platform
 * Connection or Packet Drop subcategory is not audited. 4719 records say
 * when someone turned them off or on; a host whose Security log has events
 * but no WFP record at all, or only failures, evidently had them off for
 * the whole time its log covers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gap.h"

/* AuditPolicyChanges flags (%%8448 .. %%8451). */
#define SUCCESS_REMOVED	0x1
#define SUCCESS_ADDED	0x2
#define FAILURE_REMOVED	0x4
#define FAILURE_ADDED	0x8

#define SUBCATEGORY_CONNECTION	1
#define SUBCATEGORY_PACKET_DROP	2

/* One 4719 record about a WFP subcategory. */
struct policy_change {
	int64_t		 audit_id;
	char		*host;
	char		*time;
	int64_t		 time_us;
	char		*user;		/* DOMAIN\name, or NULL */
	int		 subcategory;
	int		 flags;
};

struct policy_changes {
	struct policy_change	*items;
	size_t			 count;
};

/*
 * 4719s about the two WFP subcategories, by GUID ({0CCE9226-...}
 * connection, {0CCE9225-...} packet drop) or by code (%%12810, %%12809).
 */
static const char changes_sql[] =
    "SELECT id, host, time, time_unix_us,"
    "  CASE WHEN subject_user_name IS NULL THEN NULL"
    "    WHEN coalesce(subject_domain, '') IN ('', '-') THEN subject_user_name"
    "    ELSE subject_domain || '\\' || subject_user_name END,"
    "  CASE WHEN upper(subcategory_guid) LIKE '%0CCE9226%'"
    "    OR subcategory_id = '%%12810' THEN 1 ELSE 2 END,"
    "  changes "
    "FROM audit_events WHERE event_id = 4719 AND host IS NOT NULL"
    "  AND time_unix_us IS NOT NULL"
    "  AND (upper(subcategory_guid) LIKE '%0CCE9226%'"
    "    OR upper(subcategory_guid) LIKE '%0CCE9225%'"
    "    OR subcategory_id IN ('%%12810', '%%12809')) "
    "ORDER BY host, time_unix_us, id";

/* The flags an AuditPolicyChanges value holds: codes or English words. */
static int
parse_changes(const char *text)
{
	int	flags = 0;

	if (text == NULL)
		return 0;
	if (strstr(text, "8448") || strcasestr(text, "success removed"))
		flags |= SUCCESS_REMOVED;
	if (strstr(text, "8449") || strcasestr(text, "success added"))
		flags |= SUCCESS_ADDED;
	if (strstr(text, "8450") || strcasestr(text, "failure removed"))
		flags |= FAILURE_REMOVED;
	if (strstr(text, "8451") || strcasestr(text, "failure added"))
		flags |= FAILURE_ADDED;
	return flags;
}

static void
free_changes(struct policy_changes *changes)
{
	size_t	i;

	for (i = 0; i < changes->count; i++) {
		free(changes->items[i].host);
		free(changes->items[i].time);
		free(changes->items[i].user);
	}
	free(changes->items);
}

/* strdup that keeps NULL. */
static char *
copy_or_null(const char *text)
{
	return text ? strdup(text) : NULL;
}

/* Read every WFP 4719 into memory: a case holds few of them. */
static int
load_changes(struct gap_context *context, struct policy_changes *changes)
{
	sqlite3_stmt		*s;
	struct policy_change	*c, *grown;
	size_t			 allocated = 0;
	int			 step;

	memset(changes, 0, sizeof(*changes));
	if (gap_prepare(context, changes_sql, &s) == -1)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (changes->count == allocated) {
			allocated = allocated ? allocated * 2 : 16;
			grown = realloc(changes->items, allocated * sizeof(*grown));
			if (grown == NULL)
				break;
			changes->items = grown;
		}
		c = &changes->items[changes->count++];
		c->audit_id = sqlite3_column_int64(s, 0);
		c->host = copy_or_null(gap_column_text(s, 1));
		c->time = copy_or_null(gap_column_text(s, 2));
		c->time_us = sqlite3_column_int64(s, 3);
		c->user = copy_or_null(gap_column_text(s, 4));
		c->subcategory = sqlite3_column_int(s, 5);
		c->flags = parse_changes(gap_column_text(s, 6));
	}
	sqlite3_finalize(s);
	if (step != SQLITE_DONE)
		return gap_error(context, "reading 4719 records: %s",
		    step == SQLITE_ROW ? "out of memory" : sqlite3_errmsg(context->db));
	return 0;
}

static const char *
subcategory_name(int subcategory)
{
	return subcategory == SUBCATEGORY_CONNECTION ?
	    "Filtering Platform Connection" : "Filtering Platform Packet Drop";
}

/* "success", "failure" or "success and failure" for removed or added flags. */
static const char *
outcome_words(int success, int failure)
{
	if (success && failure)
		return "success and failure";
	return success ? "success" : "failure";
}

/* The later change on the same host and subcategory that adds back what c removed. */
static const struct policy_change *
find_restore(const struct policy_changes *changes, size_t index)
{
	const struct policy_change	*c = &changes->items[index], *later;
	int				 wanted = 0;
	size_t				 i;

	if (c->flags & SUCCESS_REMOVED)
		wanted |= SUCCESS_ADDED;
	if (c->flags & FAILURE_REMOVED)
		wanted |= FAILURE_ADDED;
	for (i = index + 1; i < changes->count; i++) {
		later = &changes->items[i];
		if (strcmp(later->host, c->host) == 0 &&
		    later->subcategory == c->subcategory && (later->flags & wanted))
			return later;
	}
	return NULL;
}

/* An earlier change on the same host and subcategory that removed what c adds. */
static int
has_earlier_removal(const struct policy_changes *changes, size_t index)
{
	const struct policy_change	*c = &changes->items[index], *earlier;
	int				 removed = 0;
	size_t				 i;

	if (c->flags & SUCCESS_ADDED)
		removed |= SUCCESS_REMOVED;
	if (c->flags & FAILURE_ADDED)
		removed |= FAILURE_REMOVED;
	for (i = 0; i < index; i++) {
		earlier = &changes->items[i];
		if (strcmp(earlier->host, c->host) == 0 &&
		    earlier->subcategory == c->subcategory && (earlier->flags & removed))
			return 1;
	}
	return 0;
}

/* The first or last time of a host's Security log from temp.gap_host_span. */
static int64_t
host_span_edge(struct gap_context *context, const char *host, int last)
{
	sqlite3_stmt	*s;
	int64_t		 value = GAP_NO_TIME;

	if (gap_prepare(context, last ? "SELECT last_unix_us FROM temp.gap_host_span "
	    "WHERE host = ?1" : "SELECT first_unix_us FROM temp.gap_host_span "
	    "WHERE host = ?1", &s) == -1)
		return GAP_NO_TIME;
	sqlite3_bind_text(s, 1, host, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		value = gap_column_int(s, 0, GAP_NO_TIME);
	sqlite3_finalize(s);
	return value;
}

/* A removal: auditing off from this change until it was restored or the log ends. */
static int
add_removal(struct gap_context *context, const struct policy_changes *changes,
    size_t index)
{
	const struct policy_change	*c = &changes->items[index];
	const struct policy_change	*restore = find_restore(changes, index);
	struct gap			 gap;
	char				 when[40], until[40];
	int				 success = (c->flags & SUCCESS_REMOVED) != 0;

	gap_init(&gap, "audit_policy_change",
	    success && c->subcategory == SUBCATEGORY_CONNECTION ? GAP_HIGH : GAP_MEDIUM);
	gap.host = c->host;
	gap.user_name = c->user;
	gap.first_unix_us = c->time_us;
	gap.first_time = c->time;
	if (restore != NULL) {
		gap.last_unix_us = restore->time_us;
		gap.last_time = restore->time;
	} else
		gap.last_unix_us = host_span_edge(context, c->host, 1);
	gap_short_time(gap.first_unix_us, when, sizeof(when));
	gap_short_time(gap.last_unix_us, until, sizeof(until));
	gap.summary = gap_sentence("%s turned off %s auditing of %s on %s at %s; "
	    "until %s (%s) %s records are not written, so the absence of "
	    "%s in that time proves nothing.", c->user ? c->user : "An unknown account",
	    outcome_words(success, c->flags & FAILURE_REMOVED),
	    subcategory_name(c->subcategory), c->host, when, until,
	    restore ? "when it was turned back on" : "the end of the host's log",
	    c->subcategory == SUBCATEGORY_CONNECTION ? "5156/5157" : "5152/5153",
	    c->subcategory == SUBCATEGORY_CONNECTION ?
	    "connections (and of port sweeps, host sweeps or application use)" :
	    "dropped packets");
	/* With most of its records not written, the log's silence is this gap's. */
	if (gap_quiet_span(context, c->host, "Security", gap.first_unix_us,
	    gap.last_unix_us == GAP_NO_TIME ? INT64_MAX : gap.last_unix_us) == -1)
		return -1;
	gap.query = restore ? sqlite3_mprintf("SELECT * FROM audit_events WHERE "
	    "id IN (%lld, %lld) ORDER BY time_unix_us", (long long)c->audit_id,
	    (long long)restore->audit_id) : sqlite3_mprintf("SELECT * FROM "
	    "audit_events WHERE id = %lld", (long long)c->audit_id);
	return gap_insert(context, &gap, NULL);
}

/* An addition with no earlier removal: before it, the records were not written. */
static int
add_addition(struct gap_context *context, const struct policy_change *c)
{
	struct gap	gap;
	char		when[40], since[40];

	gap_init(&gap, "audit_policy_change", GAP_LOW);
	gap.host = c->host;
	gap.user_name = c->user;
	gap.first_unix_us = host_span_edge(context, c->host, 0);
	gap.last_unix_us = c->time_us;
	gap.last_time = c->time;
	gap_short_time(gap.first_unix_us, since, sizeof(since));
	gap_short_time(c->time_us, when, sizeof(when));
	gap.summary = gap_sentence("%s turned on %s auditing of %s on %s at %s: "
	    "before that (the log starts at %s) such records were probably not "
	    "written, so their absence before %s proves nothing.",
	    c->user ? c->user : "An unknown account",
	    outcome_words(c->flags & SUCCESS_ADDED, c->flags & FAILURE_ADDED),
	    subcategory_name(c->subcategory), c->host, when, since, when);
	gap.query = sqlite3_mprintf("SELECT * FROM audit_events WHERE id = %lld",
	    (long long)c->audit_id);
	return gap_insert(context, &gap, NULL);
}

/* One gap per 4719 that removed WFP auditing, or added it without an earlier removal. */
static int
policy_change_gaps(struct gap_context *context)
{
	struct policy_changes	 changes;
	const struct policy_change *c;
	size_t			 i;
	int			 status = 0;

	if (load_changes(context, &changes) == -1) {
		free_changes(&changes);
		return -1;
	}
	for (i = 0; i < changes.count && status == 0; i++) {
		c = &changes.items[i];
		if (c->host == NULL)
			continue;
		if (c->flags & (SUCCESS_REMOVED | FAILURE_REMOVED))
			status = add_removal(context, &changes, i);
		else if ((c->flags & (SUCCESS_ADDED | FAILURE_ADDED)) &&
		    !has_earlier_removal(&changes, i))
			status = add_addition(context, c);
	}
	free_changes(&changes);
	return status;
}

#define WFP_EVENT_IDS "(5031, 5150, 5151, 5152, 5153, 5154, 5155, 5156, 5157, 5158, 5159)"

/* Hosts whose Security log holds events but not one WFP record. */
static const char no_wfp_sql[] =
    "SELECT s.host, s.first_unix_us, s.last_unix_us,"
    "  (SELECT count(*) FROM events e WHERE e.host = s.host"
    "   AND e.channel = 'Security' COLLATE NOCASE AND e.recovered = 0) "
    "FROM temp.gap_host_span s "
    "WHERE NOT EXISTS (SELECT 1 FROM events w WHERE w.host = s.host"
    "  AND w.provider = 'Microsoft-Windows-Security-Auditing'"
    "  AND w.event_id IN " WFP_EVENT_IDS ") "
    "ORDER BY s.host";

/* Hosts with WFP records of blocked or dropped traffic but no 5156 at all. */
static const char failures_only_sql[] =
    "SELECT s.host, s.first_unix_us, s.last_unix_us,"
    "  (SELECT count(*) FROM events w WHERE w.host = s.host"
    "   AND w.provider = 'Microsoft-Windows-Security-Auditing'"
    "   AND w.event_id IN " WFP_EVENT_IDS ") "
    "FROM temp.gap_host_span s WHERE s.wfp_success = 0 "
    "AND EXISTS (SELECT 1 FROM events w WHERE w.host = s.host"
    "  AND w.provider = 'Microsoft-Windows-Security-Auditing'"
    "  AND w.event_id IN " WFP_EVENT_IDS ") "
    "ORDER BY s.host";

/* "from A to B", or "at A" when the log's first and last events are one time. */
static void
span_words(const char *first, const char *last, char *words, size_t size)
{
	if (strcmp(first, last) == 0)
		snprintf(words, size, "at %s", first);
	else
		snprintf(words, size, "from %s to %s", first, last);
}

/* One gap per host row of a whole-log query (no_wfp_sql, failures_only_sql). */
static int
whole_log_gaps(struct gap_context *context, const char *sql, const char *kind)
{
	sqlite3_stmt	*s;
	struct gap	 gap;
	char		 first[40], last[40], span[100];
	int		 step, status = 0;
	int		 none = strcmp(kind, "no_wfp_auditing") == 0;

	if (gap_prepare(context, sql, &s) == -1)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		gap_init(&gap, kind, none ? GAP_MEDIUM : GAP_LOW);
		gap.host = gap_column_text(s, 0);
		gap.first_unix_us = sqlite3_column_int64(s, 1);
		gap.last_unix_us = sqlite3_column_int64(s, 2);
		gap.event_count = sqlite3_column_int64(s, 3);
		gap_short_time(gap.first_unix_us, first, sizeof(first));
		gap_short_time(gap.last_unix_us, last, sizeof(last));
		span_words(first, last, span, sizeof(span));
		if (none)
			gap.summary = gap_sentence("%s's Security log holds %lld "
			    "event%s %s but not one Windows Filtering "
			    "Platform record: WFP auditing was evidently off, so "
			    "no connection of this host in that time can be seen "
			    "in its log.", gap.host, (long long)gap.event_count,
			    gap.event_count == 1 ? "" : "s", span);
		else
			gap.summary = gap_sentence("%s's Security log holds %lld "
			    "WFP record%s %s, all of blocked or dropped "
			    "traffic, and not one permitted connection (5156): "
			    "Filtering Platform Connection success was evidently "
			    "not audited, so permitted connections (connect "
			    "scans to open ports, lateral movement) are not in "
			    "this log.", gap.host, (long long)gap.event_count,
			    gap.event_count == 1 ? "" : "s", span);
		gap.query = sqlite3_mprintf("SELECT event_id, count(*), min(time), "
		    "max(time) FROM events WHERE host = %Q AND channel = 'Security' "
		    "GROUP BY event_id ORDER BY event_id", gap.host);
		if ((status = gap_insert(context, &gap, NULL)) == -1)
			break;
	}
	if (status == 0 && step != SQLITE_DONE)
		status = gap_sql_error(context, "looking for hosts without WFP auditing");
	sqlite3_finalize(s);
	return status;
}

int
gap_audit_policy(struct gap_context *context)
{
	if (policy_change_gaps(context) == -1 ||
	    whole_log_gaps(context, no_wfp_sql, "no_wfp_auditing") == -1 ||
	    whole_log_gaps(context, failures_only_sql, "wfp_failures_only") == -1)
		return -1;
	return 0;
}
