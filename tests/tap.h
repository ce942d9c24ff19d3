/*
 * tap.h: the smallest TAP producer, for C unit tests.
 * Each check prints "ok N - name" or "not ok N - name" with what differed.
 */
#ifndef WFPSIFT_TAP_H
#define WFPSIFT_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_number, tap_failures;

#define TAP_PLAN(n)	printf("1..%d\n", (n))
#define TAP_DONE()	(printf("1..%d\n", tap_number), tap_failures != 0)

static void
tap_ok(int passed, const char *name)
{
	printf("%sok %d - %s\n", passed ? "" : "not ", ++tap_number, name);
	if (!passed)
		tap_failures++;
}

static void
tap_is_string(const char *got, const char *expected, const char *name)
{
	int	same = (got == NULL && expected == NULL) ||
	    (got != NULL && expected != NULL && strcmp(got, expected) == 0);

	tap_ok(same, name);
	if (!same)
		printf("# expected: %s\n#      got: %s\n",
		    expected ? expected : "(null)", got ? got : "(null)");
}

static void
tap_is_number(long long got, long long expected, const char *name)
{
	tap_ok(got == expected, name);
	if (got != expected)
		printf("# expected: %lld\n#      got: %lld\n", expected, got);
}

#endif
