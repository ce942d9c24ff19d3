/*
 * detect-policy.c: the application policy file of 'wfpsift detect --policy'.
 *
 * A policy says which users (or groups of users) may use which
 * applications for which kinds of connection. Windows logs do not carry
 * group membership, so groups are declared in the file itself:
 *
 *   # comment
 *   group helpdesk = CORP\carol, CORP\dave
 *   allow helpdesk        mstsc.exe                    rdp
 *   allow CORP\admin      powershell.exe               winrm, smb, internal
 *   allow *               \windows\system32\svchost.exe any
 *   allow "CORP\phone op" "\program files\softphone\phone.exe" 5060
 *
 * 'allow WHO APPLICATION KINDS': WHO is a user (DOMAIN\name, or a bare name
 * for any domain, or a SID), a group, or * for everyone. APPLICATION is a
 * file name (powershell.exe), a path after its volume
 * (\windows\system32\...; a drive letter is ignored) or *. KINDS is a list
 * of: any; lateral (every lateral-movement port); internal (internal hosts
 * on other ports); a service name (ssh, rpc, smb, rdp, winrm, ...); or a
 * port number. Double quotes keep blanks inside a word. Matching ignores
 * case. A connection no allow line covers is a finding.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detector.h"

#define POLICY_MAX_WORDS 64

struct policy_group {
	char	 *name;
	char	**members;
	size_t	  member_count;
};

struct policy_rule {
	char	 *who;
	char	 *application;
	char	**kinds;
	size_t	  kind_count;
	long	  line;
};

struct policy {
	struct policy_group	*groups;
	size_t			 group_count;
	struct policy_rule	*rules;
	size_t			 rule_count;
};

/* Free a list of count strings. */
static void
free_words(char **words, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++)
		free(words[i]);
	free(words);
}

void
policy_free(struct policy *policy)
{
	size_t	i;

	if (policy == NULL)
		return;
	for (i = 0; i < policy->group_count; i++) {
		free(policy->groups[i].name);
		free_words(policy->groups[i].members, policy->groups[i].member_count);
	}
	for (i = 0; i < policy->rule_count; i++) {
		free(policy->rules[i].who);
		free(policy->rules[i].application);
		free_words(policy->rules[i].kinds, policy->rules[i].kind_count);
	}
	free(policy->groups);
	free(policy->rules);
	free(policy);
}

/*
 * Split a line into words at blanks, honouring double quotes; ',' and '='
 * are words of their own. '#' outside quotes ends the line. The words are
 * written, NUL-terminated, into buffer (at least twice the line's length
 * plus two bytes). Returns the number of words, or -1 for an unterminated
 * quote or too many words.
 */
static int
split_words(const char *line, char *buffer, char **words, int max)
{
	const char	*read = line;
	char		*write = buffer;
	int		 count = 0;

	for (;;) {
		while (*read == ' ' || *read == '\t' || *read == '\r' || *read == '\n')
			read++;
		if (*read == '\0' || *read == '#')
			return count;
		if (count == max)
			return -1;
		words[count++] = write;
		if (*read == ',' || *read == '=') {
			*write++ = *read++;
			*write++ = '\0';
			continue;
		}
		while (*read != '\0' && strchr(" \t\r\n,=#", *read) == NULL) {
			if (*read != '"') {
				*write++ = *read++;
				continue;
			}
			for (read++; *read != '\0' && *read != '"'; )
				*write++ = *read++;
			if (*read++ != '"')
				return -1;
		}
		*write++ = '\0';
	}
}

/* Copy words[first..count) that are not "," into a new list. */
static char **
copy_list(char **words, int first, int count, size_t *list_count)
{
	char	**list;
	int	  i;

	*list_count = 0;
	if ((list = calloc((size_t)(count > first ? count - first : 1),
	    sizeof(*list))) == NULL)
		return NULL;
	for (i = first; i < count; i++) {
		if (strcmp(words[i], ",") == 0)
			continue;
		if ((list[*list_count] = strdup(words[i])) == NULL) {
			free_words(list, *list_count);
			return NULL;
		}
		(*list_count)++;
	}
	return list;
}

/* A kind word is valid: any, lateral, internal, a service name, a port. */
static int
kind_is_valid(const char *kind)
{
	char	*end;
	long	 port;

	if (strcasecmp(kind, "any") == 0 || strcasecmp(kind, "lateral") == 0 ||
	    strcasecmp(kind, "internal") == 0)
		return 1;
	port = strtol(kind, &end, 10);
	if (end != kind && *end == '\0')
		return port >= 1 && port <= 65535;
	for (port = 1; port <= 65535; port++)
		if (port_service((int)port) != NULL &&
		    strcasecmp(port_service((int)port), kind) == 0)
			return 1;
	return 0;
}

/* Parse 'group NAME = A, B' into policy. */
static int
parse_group(struct policy *policy, char **words, int count)
{
	struct policy_group	*grown, *group;

	if (count < 4 || strcmp(words[2], "=") != 0)
		return -1;
	grown = realloc(policy->groups, (policy->group_count + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	policy->groups = grown;
	group = &policy->groups[policy->group_count];
	if ((group->name = strdup(words[1])) == NULL)
		return -1;
	if ((group->members = copy_list(words, 3, count, &group->member_count)) == NULL) {
		free(group->name);
		return -1;
	}
	policy->group_count++;
	return 0;
}

/* Parse 'allow WHO APPLICATION KINDS...' into policy. */
static int
parse_allow(struct policy *policy, char **words, int count, long line)
{
	struct policy_rule	*grown, *rule;
	size_t			 i;

	if (count < 4)
		return -1;
	grown = realloc(policy->rules, (policy->rule_count + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	policy->rules = grown;
	rule = &policy->rules[policy->rule_count];
	memset(rule, 0, sizeof(*rule));
	rule->line = line;
	rule->who = strdup(words[1]);
	rule->application = strdup(words[2]);
	rule->kinds = copy_list(words, 3, count, &rule->kind_count);
	if (rule->who == NULL || rule->application == NULL || rule->kinds == NULL) {
		free(rule->who);
		free(rule->application);
		if (rule->kinds != NULL)
			free_words(rule->kinds, rule->kind_count);
		return -1;
	}
	policy->rule_count++;
	for (i = 0; i < rule->kind_count; i++)
		if (!kind_is_valid(rule->kinds[i]))
			return -2;
	return 0;
}

int
policy_load(const char *path, struct policy **out, char *error,
    size_t error_size)
{
	struct policy	*policy;
	FILE		*file;
	char		 line[4096], buffer[2 * sizeof(line) + 2];
	char		*words[POLICY_MAX_WORDS];
	long		 number = 0;
	int		 count, status = 0;

	*out = NULL;
	if ((file = fopen(path, "r")) == NULL) {
		detect_error(error, error_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((policy = calloc(1, sizeof(*policy))) == NULL) {
		fclose(file);
		detect_error(error, error_size, "out of memory");
		return -1;
	}
	while (status == 0 && fgets(line, sizeof(line), file) != NULL) {
		number++;
		count = split_words(line, buffer, words, POLICY_MAX_WORDS);
		if (count == 0)
			continue;
		if (count > 0 && strcmp(words[0], "group") == 0)
			status = parse_group(policy, words, count);
		else if (count > 0 && strcmp(words[0], "allow") == 0)
			status = parse_allow(policy, words, count, number);
		else
			status = -1;
		if (status == -2)
			detect_error(error, error_size, "%s:%ld: unknown connection"
			    " kind (any, lateral, internal, a service or a port)",
			    path, number);
		else if (status == -1)
			detect_error(error, error_size, "%s:%ld: expected 'group NAME ="
			    " USER, ...' or 'allow WHO APPLICATION KINDS'", path, number);
	}
	fclose(file);
	if (status != 0) {
		policy_free(policy);
		return -1;
	}
	*out = policy;
	return 0;
}

/* The part of DOMAIN\name after the backslash. */
static const char *
bare_name(const char *user)
{
	const char	*backslash = strrchr(user, '\\');

	return backslash == NULL ? user : backslash + 1;
}

/* A policy user word names this user: a SID, DOMAIN\name, or a bare name. */
static int
user_matches(const char *word, const char *user_name, const char *user_sid)
{
	if (strncasecmp(word, "S-1-", 4) == 0)
		return user_sid != NULL && strcasecmp(word, user_sid) == 0;
	if (strchr(word, '\\') != NULL)
		return strcasecmp(word, user_name) == 0;
	return strcasecmp(word, bare_name(user_name)) == 0;
}

/* The rule's WHO covers this user, directly, through a group, or as '*'. */
static int
who_matches(const struct policy *policy, const char *who,
    const char *user_name, const char *user_sid)
{
	size_t	i, j;

	if (strcmp(who, "*") == 0)
		return 1;
	for (i = 0; i < policy->group_count; i++) {
		if (strcasecmp(policy->groups[i].name, who) != 0)
			continue;
		for (j = 0; j < policy->groups[i].member_count; j++)
			if (user_matches(policy->groups[i].members[j], user_name,
			    user_sid))
				return 1;
		return 0;
	}
	return user_matches(who, user_name, user_sid);
}

/* The rule's APPLICATION covers this application (name or path, any case). */
static int
application_matches(const char *word, const char *path, const char *name)
{
	if (strcmp(word, "*") == 0)
		return 1;
	if (strchr(word, '\\') == NULL)
		return name != NULL && strcasecmp(word, name) == 0;
	/* C:\Windows\x.exe and \windows\x.exe are the same path after the volume. */
	if (isalpha((unsigned char)word[0]) && word[1] == ':')
		word += 2;
	return path != NULL && strcasecmp(word, path) == 0;
}

/* One of the rule's KINDS covers this connection. */
static int
kind_matches(char **kinds, size_t count, const char *kind, const char *service,
    int lateral, int port)
{
	size_t	 i;
	char	*end;
	long	 number;

	for (i = 0; i < count; i++) {
		if (strcasecmp(kinds[i], "any") == 0 ||
		    (lateral && strcasecmp(kinds[i], "lateral") == 0) ||
		    (!lateral && strcasecmp(kinds[i], "internal") == 0) ||
		    strcasecmp(kinds[i], kind) == 0 ||
		    (service != NULL && strcasecmp(kinds[i], service) == 0))
			return 1;
		number = strtol(kinds[i], &end, 10);
		if (end != kinds[i] && *end == '\0' && number == port)
			return 1;
	}
	return 0;
}

int
policy_allows(const struct policy *policy, const char *user_name,
    const char *user_sid, const char *application_path,
    const char *application_name, const char *kind, int lateral, int port)
{
	size_t			 i;
	const struct policy_rule *rule;

	for (i = 0; i < policy->rule_count; i++) {
		rule = &policy->rules[i];
		if (who_matches(policy, rule->who, user_name, user_sid) &&
		    application_matches(rule->application, application_path,
		    application_name) &&
		    kind_matches(rule->kinds, rule->kind_count, kind,
		    port_service(port), lateral, port))
			return 1;
	}
	return 0;
}
