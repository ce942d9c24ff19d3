/*
 * file-walk.c: recursive discovery of EVTX files by content signature.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-walk.h"

static const char evtx_signature[8] = { 'E', 'l', 'f', 'F', 'i', 'l', 'e', '\0' };

int
file_is_evtx(const char *path)
{
	char	header[8];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, header, sizeof(header));
	close(fd);
	if (n < 0)
		return -1;
	return n == (ssize_t)sizeof(header) &&
	    memcmp(header, evtx_signature, sizeof(header)) == 0;
}

static int
list_add(struct file_list *list, const char *path)
{
	char	**grown;

	if (list->count == list->allocated) {
		list->allocated = list->allocated ? list->allocated * 2 : 64;
		grown = realloc(list->paths, list->allocated * sizeof(*grown));
		if (grown == NULL)
			return -1;
		list->paths = grown;
	}
	if ((list->paths[list->count] = strdup(path)) == NULL)
		return -1;
	list->count++;
	return 0;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk one directory: its entries in name order, recursing into folders. */
static int
walk_directory(const char *path, struct file_list *list, walk_problem_fn problem,
    void *context, int depth)
{
	DIR		*directory;
	struct dirent	*entry;
	char		**names = NULL, *child;
	size_t		 count = 0, allocated = 0, i;
	int		 problems = 0;

	if (depth > 64) {
		problem(context, path, "directory tree deeper than 64 levels; not followed");
		return 1;
	}
	if ((directory = opendir(path)) == NULL) {
		problem(context, path, strerror(errno));
		return 1;
	}
	while ((entry = readdir(directory)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		if (count == allocated) {
			allocated = allocated ? allocated * 2 : 32;
			names = realloc(names, allocated * sizeof(*names));
			if (names == NULL)
				break;
		}
		names[count++] = strdup(entry->d_name);
	}
	closedir(directory);
	if (names == NULL)
		return problems;
	qsort(names, count, sizeof(*names), compare_names);
	for (i = 0; i < count; i++) {
		struct stat	st;

		if (names[i] == NULL ||
		    asprintf(&child, "%s/%s", path, names[i]) == -1)
			continue;
		if (lstat(child, &st) == -1) {
			problem(context, child, strerror(errno));
			problems++;
		} else if (S_ISDIR(st.st_mode)) {
			problems += walk_directory(child, list, problem, context,
			    depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			int	is_evtx = file_is_evtx(child);

			if (is_evtx == -1) {
				problem(context, child, strerror(errno));
				problems++;
			} else if (is_evtx == 1)
				list_add(list, child);
		}
		free(child);
		free(names[i]);
	}
	free(names);
	return problems;
}

int
file_walk(const char *path, struct file_list *list, walk_problem_fn problem,
    void *context)
{
	struct stat	st;
	int		is_evtx;

	if (stat(path, &st) == -1) {
		problem(context, path, strerror(errno));
		return 1;
	}
	if (S_ISDIR(st.st_mode))
		return walk_directory(path, list, problem, context, 0);
	if (!S_ISREG(st.st_mode)) {
		problem(context, path, "not a regular file or directory");
		return 1;
	}
	is_evtx = file_is_evtx(path);
	if (is_evtx == -1) {
		problem(context, path, strerror(errno));
		return 1;
	}
	if (is_evtx == 0) {
		problem(context, path, st.st_size == 0 ? "empty file, not an EVTX log" :
		    "not an EVTX file (no ElfFile signature)");
		return 1;
	}
	list_add(list, path);
	return 0;
}

void
file_list_free(struct file_list *list)
{
	size_t	i;

	for (i = 0; i < list->count; i++)
		free(list->paths[i]);
	free(list->paths);
	memset(list, 0, sizeof(*list));
}
