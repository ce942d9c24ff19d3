/*
 * util.c: time conversion, number parsing and terminal-safe output.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/*
 * Divided first, so that no FILETIME a hostile record carries (any 64-bit
 * value, negative once cast) can overflow. The epoch is a multiple of 10.
 */
int64_t
filetime_to_unix_us(int64_t filetime)
{
	return filetime / 10 - FILETIME_UNIX_EPOCH / 10;
}

/*
 * The proleptic Gregorian date of a count of days since 1970-01-01, by
 * arithmetic on 400-year eras (H. Hinnant's days_from_civil, inverted).
 */
static void
civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t	era, day_of_era, year_of_era, day_of_year, shifted_month;

	days += 719468;		/* from 1970-01-01 to 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	day_of_era = days - era * 146097;
	year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
	    day_of_era / 146096) / 365;
	day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 -
	    year_of_era / 100);
	shifted_month = (5 * day_of_year + 2) / 153;	/* 0 is March */
	*day = (int)(day_of_year - (153 * shifted_month + 2) / 5 + 1);
	*month = (int)(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
	*year = year_of_era + era * 400 + (*month <= 2);
}

/* Write value as width decimal digits, zero-padded, at out. */
static char *
put_digits(char *out, int64_t value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
	return out + width;
}

/*
 * Ingest formats one time per record: for years 0 to 9999 write the text
 * directly, without gmtime_r (which takes glibc's time zone lock) and
 * snprintf. Returns 0, or -1 to leave other years to format_ticks.
 */
static int
format_ticks_fast(int64_t seconds, int64_t fraction, int digits, char *buffer,
    size_t size)
{
	int64_t	 days = seconds / 86400, second_of_day = seconds % 86400, year;
	int	 month, day;
	char	*p = buffer;

	if (second_of_day < 0) {
		second_of_day += 86400;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > 9999 || size < (size_t)(22 + digits))
		return -1;
	p = put_digits(p, year, 4);
	*p++ = '-';
	p = put_digits(p, month, 2);
	*p++ = '-';
	p = put_digits(p, day, 2);
	*p++ = 'T';
	p = put_digits(p, second_of_day / 3600, 2);
	*p++ = ':';
	p = put_digits(p, second_of_day / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, second_of_day % 60, 2);
	*p++ = '.';
	p = put_digits(p, fraction, digits);
	*p++ = 'Z';
	*p = '\0';
	return 0;
}

/* Split a count of 100 ns ticks since 1970 into a UTC calendar time. */
static void
format_ticks(int64_t ticks_since_1970, int digits, char *buffer, size_t size)
{
	int64_t		 seconds, fraction, ticks_per_second = 10000000;
	struct tm	 tm;
	time_t		 t;

	seconds = ticks_since_1970 / ticks_per_second;
	fraction = ticks_since_1970 % ticks_per_second;
	if (fraction < 0) {
		fraction += ticks_per_second;
		seconds--;
	}
	if (format_ticks_fast(seconds, digits == 6 ? fraction / 10 : fraction,
	    digits, buffer, size) == 0)
		return;
	t = (time_t)seconds;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buffer, size, "invalid-time");
		return;
	}
	if (digits == 6)
		fraction /= 10;
	snprintf(buffer, size, "%04d-%02d-%02dT%02d:%02d:%02d.%0*lldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, digits, (long long)fraction);
}

/* A FILETIME is unsigned: one that is negative as int64_t is past year 30000. */
void
filetime_to_iso(int64_t filetime, char *buffer, size_t size)
{
	if (filetime < 0) {
		snprintf(buffer, size, "invalid-time");
		return;
	}
	format_ticks(filetime - FILETIME_UNIX_EPOCH, 7, buffer, size);
}

void
unix_us_to_iso(int64_t unix_us, char *buffer, size_t size)
{
	if (unix_us > INT64_MAX / 10 || unix_us < INT64_MIN / 10) {
		snprintf(buffer, size, "invalid-time");
		return;
	}
	format_ticks(unix_us * 10, 7, buffer, size);
}

int64_t
iso_to_filetime(const char *text)
{
	struct tm	 tm;
	int		 year, month, day, hour, minute, second, consumed = 0;
	int64_t		 ticks = 0, scale = 1000000;
	time_t		 t;
	const char	*p;

	if (text == NULL || sscanf(text, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n",
	    &year, &month, &day, &hour, &minute, &second, &consumed) != 6)
		return 0;
	p = text + consumed;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (scale > 0) {
				ticks += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = second;
	t = timegm(&tm);
	return ((int64_t)t * 10000000) + ticks + FILETIME_UNIX_EPOCH;
}

void
now_iso(char *buffer, size_t size)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	format_ticks((int64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100, 7,
	    buffer, size);
}

/*
 * Length of the valid UTF-8 sequence at p, or 0 when it is not one. Valid
 * as RFC 3629 says: no overlong forms (an overlong U+009B would otherwise
 * pass as a C1 control in disguise), no UTF-16 surrogates, nothing past
 * U+10FFFF; the second byte's range depends on the first.
 */
static size_t
utf8_sequence_length(const unsigned char *p)
{
	unsigned char	low = 0x80, high = 0xbf;
	size_t		length, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		length = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		length = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		length = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		low = 0xa0;
	else if (p[0] == 0xed)
		high = 0x9f;
	else if (p[0] == 0xf0)
		low = 0x90;
	else if (p[0] == 0xf4)
		high = 0x8f;
	if (p[1] < low || p[1] > high)
		return 0;
	for (i = 2; i < length; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return length;
}

/* The code point of a valid UTF-8 sequence of the given length. */
static unsigned long
utf8_code_point(const unsigned char *p, size_t length)
{
	unsigned long	value;
	size_t		i;

	if (length == 1)
		return p[0];
	value = p[0] & (0xff >> (length + 1));
	for (i = 1; i < length; i++)
		value = (value << 6) | (p[i] & 0x3f);
	return value;
}

/*
 * Characters that change how the text around them reads: C1 controls,
 * bidirectional marks and overrides, line and paragraph separators, BOM.
 */
static int
is_deceptive(unsigned long c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x200e || c == 0x200f ||
	    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0xfeff;
}

void
escape_text(const char *text, escape_sink emit, void *context)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 length;
	unsigned long		 c;
	char			 escaped[16];

	while (*p != '\0') {
		length = *p < 0x20 || *p == 0x7f ? 0 : utf8_sequence_length(p);
		if (length == 0) {
			snprintf(escaped, sizeof(escaped), "\\x%02x", *p++);
			emit(context, escaped, strlen(escaped));
			continue;
		}
		c = utf8_code_point(p, length);
		if (is_deceptive(c)) {
			snprintf(escaped, sizeof(escaped), "\\u%04lx", c);
			emit(context, escaped, strlen(escaped));
		} else
			emit(context, (const char *)p, length);
		p += length;
	}
}

/*
 * Terminal columns of one character: two for the East Asian wide and
 * emoji blocks, none for combining marks, one for the rest. Close enough
 * to line up a table of host names without depending on the locale.
 */
static int
column_count(unsigned long c)
{
	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200d))
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/* Add the columns of one piece escape_text emits: an escape or a character. */
static void
add_columns(void *width, const char *piece, size_t length)
{
	const unsigned char	*p = (const unsigned char *)piece;

	if (*p == '\\' || length == 1)
		*(int *)width += (int)length;
	else
		*(int *)width += column_count(utf8_code_point(p, length));
}

int
display_width(const char *text)
{
	int	width = 0;

	if (text == NULL)
		return 1;
	escape_text(text, add_columns, &width);
	return width;
}

static void
emit_to_file(void *out, const char *piece, size_t length)
{
	fwrite(piece, 1, length, out);
}

void
fputs_safe(const char *text, FILE *out)
{
	if (text == NULL) {
		fputs("-", out);
		return;
	}
	escape_text(text, emit_to_file, out);
}

int64_t
parse_number(const char *text)
{
	char			*end;
	unsigned long long	 value;

	if (text == NULL)
		return -1;
	while (isspace((unsigned char)*text))
		text++;
	if (*text == '\0' || *text == '-')
		return -1;
	errno = 0;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		value = strtoull(text + 2, &end, 16);
	else
		value = strtoull(text, &end, 10);
	if (errno != 0 || end == text || value > INT64_MAX)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	return (int64_t)value;
}

void
lowercase_copy(char *buffer, size_t size, const char *text)
{
	size_t	i;

	if (size == 0)
		return;
	for (i = 0; text != NULL && text[i] != '\0' && i + 1 < size; i++)
		buffer[i] = (char)tolower((unsigned char)text[i]);
	buffer[i] = '\0';
}

int
progress_wanted(void)
{
	return isatty(STDERR_FILENO);
}

int
array_reserve(void *array, size_t count, size_t *allocated, size_t item_size)
{
	void	*grown, *items;
	size_t	 size;

	if (count < *allocated)
		return 0;
	size = *allocated == 0 ? 64 : *allocated * 2;
	memcpy(&items, array, sizeof(items));
	if ((grown = realloc(items, size * item_size)) == NULL)
		return -1;
	memcpy(array, &grown, sizeof(grown));
	*allocated = size;
	return 0;
}

void
sort_array(void *items, size_t count, size_t item_size,
    int (*compare)(const void *, const void *))
{
	if (count > 1)
		qsort(items, count, item_size, compare);
}
