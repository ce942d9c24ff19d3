/*
 * detect-merge.c: one scan, one finding.
 *
 * The sweep detectors find sweeps per key: a port sweep per (source,
 * destination), a host sweep per (source, service). An nmap of a /24 on
 * its 1000 default ports is then hundreds of port sweeps and a thousand
 * host sweeps, all the same act by the same source at the same time. Here
 * the findings of one detector that share a source and overlap in time,
 * or follow each other within the detector's window (nmap -sT works
 * through ports and hosts in turn), merge into one: its evidence is the union, its destination or port or
 * service is kept only when all agree, its reference rules and severity
 * are the strongest of the parts. detect-store.c then counts its distinct
 * ports and hosts from the merged evidence.
 */
#include <stdlib.h>
#include <string.h>

#include "detector.h"
#include "util.h"

/* Order by source, then first time: overlapping sweeps of a source are neighbours. */
static int
compare_source_time(const void *left, const void *right)
{
	const struct finding	*a = left, *b = right;
	int			 order;

	if ((order = strcmp(a->source_ip, b->source_ip)) != 0)
		return order;
	if (a->first_us != b->first_us)
		return a->first_us < b->first_us ? -1 : 1;
	if (a->last_us != b->last_us)
		return a->last_us < b->last_us ? -1 : 1;
	return (a->evidence[0] > b->evidence[0]) - (a->evidence[0] < b->evidence[0]);
}

/* The rank of a severity word, so merging keeps the highest. */
static int
severity_rank(const char *severity)
{
	static const char	*levels[] = { "low", "medium", "high", "critical" };
	int			 i;

	for (i = 0; i < 4; i++)
		if (strcmp(severity, levels[i]) == 0)
			return i;
	return 0;
}

/* 1 when the ", " separated list holds item. */
static int
list_has(const char *list, const char *item)
{
	size_t		 length = strlen(item);
	const char	*at = list;

	while ((at = strstr(at, item)) != NULL) {
		if ((at == list || (at >= list + 2 && at[-2] == ',' && at[-1] == ' ')) &&
		    (at[length] == '\0' || at[length] == ','))
			return 1;
		at += length;
	}
	return 0;
}

/* The union of two reference_rules texts. */
static char *
merge_rules(const char *a, const char *b)
{
	int	zeek = strstr(a, "zeek") != NULL || strstr(b, "zeek") != NULL;
	int	elastic = strstr(a, "elastic") != NULL || strstr(b, "elastic") != NULL;

	return strdup(zeek && elastic ? "zeek,elastic" : zeek ? "zeek" :
	    elastic ? "elastic" : "");
}

/* Add item to a ", " separated list unless it is there. Returns 0 or -1. */
static int
merge_service(char **list, const char *item)
{
	char	*grown;
	size_t	 old;

	if (*list == NULL || item == NULL || list_has(*list, item))
		return 0;
	old = strlen(*list);
	if ((grown = realloc(*list, old + strlen(item) + 3)) == NULL)
		return -1;
	memcpy(grown + old, ", ", 2);
	strcpy(grown + old + 2, item);
	*list = grown;
	return 0;
}

/* Move part's evidence and facts into whole, and free part's. Returns 0 or -1. */
static int
merge_into(struct finding *whole, struct finding *part)
{
	int64_t	*grown;
	char	*rules;
	size_t	 count = whole->evidence_count + part->evidence_count;

	if ((grown = realloc(whole->evidence, count * sizeof(*grown))) == NULL)
		return -1;
	memcpy(grown + whole->evidence_count, part->evidence,
	    part->evidence_count * sizeof(*grown));
	whole->evidence = grown;
	whole->evidence_count = whole->evidence_alloc = count;
	if (part->last_us > whole->last_us)
		whole->last_us = part->last_us;
	if (whole->destination_ip != NULL && (part->destination_ip == NULL ||
	    strcmp(whole->destination_ip, part->destination_ip) != 0)) {
		free(whole->destination_ip);
		whole->destination_ip = NULL;
	}
	if (whole->destination_port != part->destination_port)
		whole->destination_port = -1;
	if (merge_service(&whole->service, part->service) == -1)
		return -1;
	if ((rules = merge_rules(whole->reference_rules, part->reference_rules)) == NULL)
		return -1;
	free(whole->reference_rules);
	whole->reference_rules = rules;
	if (severity_rank(part->severity) > severity_rank(whole->severity))
		whole->severity = part->severity;
	if (part->distinct_count > whole->distinct_count)
		whole->distinct_count = part->distinct_count;
	return 0;
}

/* Free what a merged-away finding still owns. */
static void
finding_release(struct finding *finding)
{
	free(finding->user_name);
	free(finding->application);
	free(finding->source_ip);
	free(finding->destination_ip);
	free(finding->service);
	free(finding->reference_rules);
	free(finding->detail);
	free(finding->evidence);
}

int
findings_merge_sweeps(struct finding_list *list, size_t first, int64_t gap_us)
{
	struct finding	*items = list->items + first, *whole;
	size_t		 count = list->count - first, i, kept = 0;
	int		 failed = 0;

	if (count < 2)
		return 0;
	sort_array(items, count, sizeof(*items), compare_source_time);
	for (i = 1; i < count; i++) {
		whole = &items[kept];
		if (!failed && strcmp(whole->source_ip, items[i].source_ip) == 0 &&
		    items[i].first_us <= whole->last_us + gap_us) {
			if (merge_into(whole, &items[i]) == -1)
				failed = 1;
			finding_release(&items[i]);
			continue;
		}
		items[++kept] = items[i];
	}
	list->count = first + kept + 1;
	return failed ? -1 : 0;
}
