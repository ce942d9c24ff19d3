/*
 * file-walk.h: find the EVTX files under the paths a user names.
 *
 * Files are recognised by their signature ("ElfFile\0"), not their name,
 * so renamed files and collection trees (KAPE, Velociraptor) work.
 */
#ifndef WFPSIFT_FILE_WALK_H
#define WFPSIFT_FILE_WALK_H

#include <stddef.h>

struct file_list {
	char	**paths;
	size_t	  count;
	size_t	  allocated;
};

/*
 * Called for each problem met while walking (missing path, unreadable
 * directory or file, a named file that is not EVTX). The walk goes on.
 */
typedef void (*walk_problem_fn)(void *context, const char *path, const char *message);

/*
 * Add the EVTX files found at path (a file, or a directory walked
 * recursively) to list, sorted by path within each directory.
 * Returns the number of problems reported.
 */
int	 file_walk(const char *path, struct file_list *list,
	    walk_problem_fn problem, void *context);

/* 1 when the file starts with the EVTX signature, 0 when not, -1 on error. */
int	 file_is_evtx(const char *path);

void	 file_list_free(struct file_list *);

#endif
