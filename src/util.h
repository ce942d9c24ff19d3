/*
 * util.h: small helpers every stage needs: time conversion, strings,
 * and printing log-derived text safely to a terminal.
 */
#ifndef WFPSIFT_UTIL_H
#define WFPSIFT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* 100 ns ticks between 1601-01-01 and 1970-01-01. */
#define FILETIME_UNIX_EPOCH 116444736000000000LL

/* FILETIME to microseconds since the Unix epoch. */
int64_t	 filetime_to_unix_us(int64_t filetime);

/*
 * FILETIME to ISO-8601 UTC with 7 fractional digits:
 * 2026-11-02T09:14:03.1234567Z. buffer must hold 32 bytes.
 */
void	 filetime_to_iso(int64_t filetime, char *buffer, size_t size);

/* Unix microseconds to the same ISO-8601 form (fraction from microseconds). */
void	 unix_us_to_iso(int64_t unix_us, char *buffer, size_t size);

/* Parse ISO-8601 UTC (as libevtx and Sysmon print it) into a FILETIME; 0 on failure. */
int64_t	 iso_to_filetime(const char *text);

/*
 * Room for one more item in a growing array: when count has reached
 * *allocated, double it (from 64) and realloc *array, passed as the
 * address of the array's pointer. Returns 0, or -1 when out of memory
 * (the array is left as it was).
 */
int	 array_reserve(void *array, size_t count, size_t *allocated,
	    size_t item_size);

/*
 * qsort for any array, empty ones included: C leaves qsort undefined for
 * a NULL array even with no items (UBSan reports it), and an array that
 * grew from nothing is NULL until its first item.
 */
void	 sort_array(void *items, size_t count, size_t item_size,
	    int (*compare)(const void *, const void *));

/* The current time as ISO-8601 UTC. */
void	 now_iso(char *buffer, size_t size);

/*
 * Hand text to emit in pieces, with control characters and invalid UTF-8
 * shown as \xNN, and characters that change how text reads (C1 controls,
 * bidirectional overrides, line separators) as \uNNNN: a hostile log
 * field can then neither drive a terminal nor disguise what it says.
 */
typedef void (*escape_sink)(void *context, const char *piece, size_t length);
void	 escape_text(const char *text, escape_sink emit, void *context);

/* escape_text to a stream; NULL prints as "-". */
void	 fputs_safe(const char *text, FILE *out);

/*
 * How many terminal columns fputs_safe(text) takes: escapes count their
 * characters, wide East Asian characters two, combining marks none.
 */
int	 display_width(const char *text);

/* Parse a decimal or 0x-prefixed hexadecimal unsigned number; -1 if not one. */
int64_t	 parse_number(const char *text);

/* Lower-case ASCII copy into buffer (always NUL-terminated). */
void	 lowercase_copy(char *buffer, size_t size, const char *text);

/* 1 when stderr is a terminal and progress should be shown. */
int	 progress_wanted(void);

#endif
