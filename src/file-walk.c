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
#include "util.h"

#define MAX_DEPTH 64

static const char evtx_signature[8] = { 'E', 'l', 'f', 'F', 'i', 'l', 'e', '\0' };

/* A folder, as the file system knows it whatever path leads to it. */
struct folder_id {
	dev_t	 device;
	ino_t	 inode;
	int	 used;		/* in a hash table: the slot holds one */
};

/* One file_walk call: where found files go, and the folders seen. */
struct walk {
	struct file_list	*list;
	walk_problem_fn		 report;
	void			*context;
	int			 problems;
	/* Every folder walked (a hash table), and those above this one. */
	struct folder_id	*walked;
	size_t			 walked_count, walked_size;
	struct folder_id	 above[MAX_DEPTH + 2];
};

int
file_is_evtx(const char *path)
{
	char	header[8];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
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

	if (array_reserve(&list->paths, list->count, &list->allocated,
	    sizeof(*grown)) == -1)
		return -1;
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

/* Say a problem (counted) or a notice. */
static void
say(struct walk *walk, const char *path, const char *message,
    enum walk_severity severity)
{
	if (severity == WALK_PROBLEM)
		walk->problems++;
	walk->report(walk->context, path, message, severity);
}

/*
 * A folder's path as written below it: runs of '/' made one, and no '/'
 * at the end (but for the root itself), so that "logs/" and "logs//"
 * give logs/Security.evtx. NULL when out of memory.
 */
static char *
folder_path(const char *path)
{
	char	*copy, *out;
	size_t	 length;

	if ((copy = strdup(path)) == NULL)
		return NULL;
	for (out = copy; *path != '\0'; path++)
		if (*path != '/' || out == copy || out[-1] != '/')
			*out++ = *path;
	*out = '\0';
	length = strlen(copy);
	if (length > 1 && copy[length - 1] == '/')
		copy[length - 1] = '\0';
	return copy;
}

/* folder/name, without doubling the root's '/'. NULL when out of memory. */
static char *
child_path(const char *folder, const char *name)
{
	char	*child;

	if (asprintf(&child, "%s%s%s", folder,
	    strcmp(folder, "/") == 0 ? "" : "/", name) == -1)
		return NULL;
	return child;
}

static void
free_names(char **names, long count)
{
	for (long i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/*
 * The names in a folder but . and .., sorted, in a malloc'd array of
 * malloc'd strings. Returns the count, or -1 with errno set.
 */
static long
read_names(const char *path, char ***out)
{
	DIR		*directory;
	struct dirent	*entry;
	char		**names = NULL;
	size_t		 count = 0, allocated = 0;
	int		 failed = 0;

	*out = NULL;
	if ((directory = opendir(path)) == NULL)
		return -1;
	while ((entry = readdir(directory)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		if (array_reserve(&names, count, &allocated,
		    sizeof(*names)) == -1 ||
		    (names[count] = strdup(entry->d_name)) == NULL) {
			failed = 1;
			break;
		}
		count++;
	}
	closedir(directory);
	/* A folder listed in part would skip files without a word. */
	if (failed) {
		free_names(names, (long)count);
		errno = ENOMEM;
		return -1;
	}
	sort_array(names, count, sizeof(*names), compare_names);
	*out = names;
	return (long)count;
}

static int
same_folder(const struct folder_id *a, const struct folder_id *b)
{
	return a->device == b->device && a->inode == b->inode;
}

/* 1 when id is one of the folders above the one at depth. */
static int
folder_above(const struct walk *walk, int depth, const struct folder_id *id)
{
	for (int i = 0; i < depth; i++)
		if (same_folder(&walk->above[i], id))
			return 1;
	return 0;
}

/* The slot of id in a hash table of size slots (a power of two). */
static size_t
folder_slot(const struct folder_id *table, size_t size, const struct folder_id *id)
{
	size_t	slot = ((size_t)id->inode * 0x9e3779b97f4a7c15ULL ^
		    (size_t)id->device) & (size - 1);

	while (table[slot].used && !same_folder(&table[slot], id))
		slot = (slot + 1) & (size - 1);
	return slot;
}

/* Double the table of walked folders. Returns 0, or -1 out of memory. */
static int
grow_walked(struct walk *walk)
{
	size_t			 size = walk->walked_size ? walk->walked_size * 2 : 64;
	struct folder_id	*table;

	if ((table = calloc(size, sizeof(*table))) == NULL)
		return -1;
	for (size_t i = 0; i < walk->walked_size; i++)
		if (walk->walked[i].used)
			table[folder_slot(table, size, &walk->walked[i])] =
			    walk->walked[i];
	free(walk->walked);
	walk->walked = table;
	walk->walked_size = size;
	return 0;
}

/*
 * Remember a folder as walked. Returns 1 when it was new, 0 when it had
 * been walked already, -1 out of memory.
 */
static int
add_walked(struct walk *walk, const struct folder_id *id)
{
	size_t	slot;

	if ((walk->walked_count + 1) * 2 > walk->walked_size &&
	    grow_walked(walk) == -1)
		return -1;
	slot = folder_slot(walk->walked, walk->walked_size, id);
	if (walk->walked[slot].used)
		return 0;
	walk->walked[slot] = *id;
	walk->walked[slot].used = 1;
	walk->walked_count++;
	return 1;
}

/*
 * Whether to walk the folder at depth: not when a link led back to a
 * folder above it (a loop) or to one already walked; each gets a notice.
 * Remembers the folder when it is to be walked. Returns 1 to walk it.
 */
static int
first_visit(struct walk *walk, const char *path, const struct stat *st, int depth)
{
	struct folder_id	id = { st->st_dev, st->st_ino, 1 };
	int			added;

	if (folder_above(walk, depth, &id)) {
		say(walk, path, "symbolic link loop (it leads back to a folder "
		    "above it); not followed", WALK_NOTICE);
		return 0;
	}
	if ((added = add_walked(walk, &id)) == -1) {
		say(walk, path, strerror(ENOMEM), WALK_PROBLEM);
		return 0;
	}
	if (added == 0) {
		say(walk, path, "a folder already walked through another path; "
		    "not followed again", WALK_NOTICE);
		return 0;
	}
	walk->above[depth] = id;
	return 1;
}

/* Why stat failed for path: a link that leads nowhere, or errno's word. */
static void
say_stat_failed(struct walk *walk, const char *path, int error)
{
	struct stat	st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (error == ENOENT) {
			say(walk, path, "dangling symbolic link (what it points "
			    "to does not exist)", WALK_PROBLEM);
			return;
		}
		if (error == ELOOP) {
			say(walk, path, "symbolic link loop (it never reaches a "
			    "file)", WALK_PROBLEM);
			return;
		}
	}
	say(walk, path, strerror(error), WALK_PROBLEM);
}

static void	walk_folder(struct walk *, const char *path, const struct stat *,
		    int depth);

/*
 * One entry of a folder, links followed: a folder is walked, an EVTX file
 * listed, any other file counted as not EVTX.
 */
static void
walk_entry(struct walk *walk, const char *path, int depth)
{
	struct stat	st;
	int		is_evtx;

	if (stat(path, &st) == -1) {
		say_stat_failed(walk, path, errno);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		walk_folder(walk, path, &st, depth + 1);
		return;
	}
	/* A pipe or device: never opened, since reading it could block. */
	if (!S_ISREG(st.st_mode)) {
		walk->list->not_evtx++;
		return;
	}
	if ((is_evtx = file_is_evtx(path)) == -1)
		say(walk, path, strerror(errno), WALK_PROBLEM);
	else if (is_evtx == 0)
		walk->list->not_evtx++;
	else if (list_add(walk->list, path) == -1)
		say(walk, path, strerror(ENOMEM), WALK_PROBLEM);
}

/* Walk one folder: its entries in name order, recursing into folders. */
static void
walk_folder(struct walk *walk, const char *path, const struct stat *st, int depth)
{
	char	**names, *child;
	long	  count, i;

	if (depth > MAX_DEPTH) {
		say(walk, path, "directory tree deeper than 64 levels; not "
		    "followed", WALK_PROBLEM);
		return;
	}
	if (!first_visit(walk, path, st, depth))
		return;
	if ((count = read_names(path, &names)) == -1) {
		say(walk, path, strerror(errno), WALK_PROBLEM);
		return;
	}
	for (i = 0; i < count; i++) {
		if ((child = child_path(path, names[i])) == NULL) {
			say(walk, path, strerror(ENOMEM), WALK_PROBLEM);
			break;
		}
		walk_entry(walk, child, depth);
		free(child);
	}
	free_names(names, count);
}

/*
 * A folder named by the user: walked from its normalised path, and a
 * notice, naming it as the user wrote it, when nothing in it was EVTX and
 * nothing was unreadable (then the problems already said why, and what
 * could not be read may have been EVTX).
 */
static void
walk_named_folder(struct walk *walk, const char *path, const struct stat *st)
{
	size_t	 before = walk->list->count;
	int	 problems = walk->problems;
	char	*folder;

	if ((folder = folder_path(path)) == NULL) {
		say(walk, path, strerror(ENOMEM), WALK_PROBLEM);
		return;
	}
	walk_folder(walk, folder, st, 0);
	free(folder);
	if (walk->list->count == before && walk->problems == problems)
		say(walk, path, "no EVTX files found", WALK_NOTICE);
}

int
file_walk(const char *path, struct file_list *list, walk_problem_fn problem,
    void *context)
{
	struct walk	walk = { .list = list, .report = problem, .context = context };
	struct stat	st;
	int		is_evtx;

	if (stat(path, &st) == -1)
		say_stat_failed(&walk, path, errno);
	else if (S_ISDIR(st.st_mode))
		walk_named_folder(&walk, path, &st);
	else if (!S_ISREG(st.st_mode))
		say(&walk, path, "not a regular file or directory", WALK_PROBLEM);
	else if ((is_evtx = file_is_evtx(path)) == -1)
		say(&walk, path, strerror(errno), WALK_PROBLEM);
	else if (is_evtx == 0)
		say(&walk, path, st.st_size == 0 ? "empty file, not an EVTX log" :
		    "not an EVTX file (no ElfFile signature)", WALK_PROBLEM);
	else if (list_add(list, path) == -1)
		say(&walk, path, strerror(ENOMEM), WALK_PROBLEM);
	free(walk.walked);
	return walk.problems;
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
