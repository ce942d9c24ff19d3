/*
 * file-walk.h: find the EVTX files under the paths a user names.
 *
 * Files are recognised by their signature ("ElfFile\0"), not their name,
 * so renamed files and collection trees (KAPE, Velociraptor) work.
 * Symbolic links are followed, to files and to folders; a folder is
 * walked once, however many links lead to it, so a link loop ends.
 */
#ifndef WFPSIFT_FILE_WALK_H
#define WFPSIFT_FILE_WALK_H

#include <stddef.h>

struct file_list {
	char	**paths;
	size_t	  count;
	size_t	  allocated;
	long	  not_evtx;	/* files inside folders skipped: not EVTX */
};

/*
 * Called for each thing worth saying met while walking. A problem (a
 * missing path, an unreadable folder or file, a dangling link, a named
 * file that is not EVTX) means something could not be read; a notice (a
 * link loop not followed, a named folder without any EVTX file) does not.
 * The walk goes on after either.
 */
enum walk_severity {
	WALK_PROBLEM,
	WALK_NOTICE
};
typedef void (*walk_problem_fn)(void *context, const char *path,
    const char *message, enum walk_severity);

/*
 * Add the EVTX files found at path (a file, or a directory walked
 * recursively) to list, sorted by path within each directory. Paths under
 * a folder are the folder's path, one '/', and the names below it, however
 * many slashes the folder was named with. Returns the number of problems
 * reported (not notices).
 */
int	 file_walk(const char *path, struct file_list *list,
	    walk_problem_fn problem, void *context);

/* 1 when the file starts with the EVTX signature, 0 when not, -1 on error. */
int	 file_is_evtx(const char *path);

void	 file_list_free(struct file_list *);

#endif
