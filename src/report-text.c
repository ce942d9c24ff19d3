/*
 * report-text.c: writing strings from logs safely into CSV, HTML, inline
 * script data and JSON Lines, and formatting times for reports.
 *
 * Everything here treats its input as hostile: any bytes, any length,
 * invalid UTF-8, NUL, terminal escapes, bidirectional overrides, markup and
 * spreadsheet formulas.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report-internal.h"

#define REPLACEMENT_CHARACTER 0xfffd

/* How one format writes one code point. */
typedef void (*emit_function)(FILE *, uint32_t);

/*
 * Decode the UTF-8 sequence at s (n bytes left, n >= 1). Returns how many
 * bytes it covers and sets *code_point. An invalid, overlong, surrogate or
 * truncated sequence covers one byte and decodes as U+FFFD, so every byte of
 * input is accounted for and decoding always moves forward.
 */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *code_point)
{
	uint32_t	c = s[0], minimum;
	size_t		length, i;

	if (c < 0x80) {
		*code_point = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		length = 2;
		c &= 0x1f;
		minimum = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		length = 3;
		c &= 0x0f;
		minimum = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		length = 4;
		c &= 0x07;
		minimum = 0x10000;
	} else
		goto invalid;
	if (n < length)
		goto invalid;
	for (i = 1; i < length; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto invalid;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < minimum || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto invalid;
	*code_point = c;
	return length;
invalid:
	*code_point = REPLACEMENT_CHARACTER;
	return 1;
}

/* Write a valid code point as UTF-8. */
static void
put_utf8(FILE *out, uint32_t c)
{
	if (c < 0x80)
		putc((int)c, out);
	else if (c < 0x800) {
		putc((int)(0xc0 | (c >> 6)), out);
		putc((int)(0x80 | (c & 0x3f)), out);
	} else if (c < 0x10000) {
		putc((int)(0xe0 | (c >> 12)), out);
		putc((int)(0x80 | ((c >> 6) & 0x3f)), out);
		putc((int)(0x80 | (c & 0x3f)), out);
	} else {
		putc((int)(0xf0 | (c >> 18)), out);
		putc((int)(0x80 | ((c >> 12) & 0x3f)), out);
		putc((int)(0x80 | ((c >> 6) & 0x3f)), out);
		putc((int)(0x80 | (c & 0x3f)), out);
	}
}

/*
 * 1 for the invisible characters that reorder the text around them (Unicode
 * bidirectional embeddings, overrides and isolates, and the marks): in a log
 * field they can make "exe.txt" read as "txt.exe".
 */
static int
is_bidi_control(uint32_t c)
{
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x200e || c == 0x200f || c == 0x061c;
}

/*
 * Emit the code point as the display formats show it: C0 controls other
 * than tab, newline and carriage return as their Unicode control pictures
 * (U+2400...), DEL as U+2421, C1 controls (which some terminals obey) as
 * U+FFFD, bidirectional controls as a visible "[U+202E]"; anything else as is.
 */
static void
emit_display(FILE *out, uint32_t c, emit_function emit)
{
	char	marker[16];
	size_t	i;

	if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
		emit(out, 0x2400 + c);
	else if (c == 0x7f)
		emit(out, 0x2421);
	else if (c >= 0x80 && c <= 0x9f)
		emit(out, REPLACEMENT_CHARACTER);
	else if (is_bidi_control(c)) {
		snprintf(marker, sizeof marker, "[U+%04" PRIX32 "]", c);
		for (i = 0; marker[i] != '\0'; i++)
			emit(out, (unsigned char)marker[i]);
	} else
		emit(out, c);
}

/* How a value cut at max_chars ends. */
enum cut_note {
	CUT_COUNTED,	/* "...[... 12 more characters]" */
	CUT_ELLIPSIS	/* a bare ellipsis, for short labels */
};

/*
 * Walk text, emitting each code point (through the display mapping when
 * display is set), at most max_chars of them when max_chars is not 0; then
 * mark the cut, saying how many characters were left out unless the note is
 * a bare ellipsis.
 */
static void
put_text_cut(FILE *out, const char *text, size_t length, size_t max_chars,
    int display, emit_function emit, enum cut_note cut)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 used, written = 0, left_out = 0;
	uint32_t		 c;
	char			 note[64];
	size_t			 i;

	while (length > 0) {
		used = utf8_decode(s, length, &c);
		if (max_chars != 0 && written == max_chars)
			left_out++;
		else {
			if (display)
				emit_display(out, c, emit);
			else
				emit(out, c);
			written++;
		}
		s += used;
		length -= used;
	}
	if (left_out == 0)
		return;
	emit(out, 0x2026);
	if (cut == CUT_ELLIPSIS)
		return;
	snprintf(note, sizeof note, "[... %zu more characters]", left_out);
	for (i = 0; note[i] != '\0'; i++)
		emit(out, (unsigned char)note[i]);
}

/* put_text_cut with the counted note: what every report cell uses. */
static void
put_text(FILE *out, const char *text, size_t length, size_t max_chars,
    int display, emit_function emit)
{
	put_text_cut(out, text, length, max_chars, display, emit, CUT_COUNTED);
}

/* HTML text and attribute values: the five markup characters as references. */
static void
emit_html(FILE *out, uint32_t c)
{
	switch (c) {
	case '&':
		fputs("&amp;", out);
		break;
	case '<':
		fputs("&lt;", out);
		break;
	case '>':
		fputs("&gt;", out);
		break;
	case '"':
		fputs("&quot;", out);
		break;
	case '\'':
		fputs("&#39;", out);
		break;
	default:
		put_utf8(out, c);
	}
}

/* Inside a quoted CSV cell only the quote is special: it is doubled. */
static void
emit_csv(FILE *out, uint32_t c)
{
	if (c == '"')
		putc('"', out);
	put_utf8(out, c);
}

/*
 * A JSON string inside an HTML <script> element: JSON's own escapes plus
 * < > & as \u003c \u003e \u0026 (so no "</script>" or "<!--" can appear)
 * and U+2028/U+2029 (line terminators to older JavaScript parsers).
 */
static void
emit_script_json(FILE *out, uint32_t c)
{
	switch (c) {
	case '"':
		fputs("\\\"", out);
		break;
	case '\\':
		fputs("\\\\", out);
		break;
	case '\n':
		fputs("\\n", out);
		break;
	case '\r':
		fputs("\\r", out);
		break;
	case '\t':
		fputs("\\t", out);
		break;
	default:
		if (c < 0x20 || c == '<' || c == '>' || c == '&' ||
		    c == 0x2028 || c == 0x2029)
			fprintf(out, "\\u%04" PRIx32, c);
		else
			put_utf8(out, c);
	}
}

/*
 * 1 when the cell's first character makes a spreadsheet read it as a
 * formula: = + - @ tab or carriage return (OWASP's list), or the full-width
 * forms of the first four, which some spreadsheets also accept.
 */
int
report_csv_is_formula(const char *text, size_t length)
{
	uint32_t	c;

	if (length == 0)
		return 0;
	utf8_decode((const unsigned char *)text, length, &c);
	switch (c) {
	case '=': case '+': case '-': case '@': case '\t': case '\r':
	case 0xff1d: case 0xff0b: case 0xff0d: case 0xff20:
		return 1;
	default:
		return 0;
	}
}

/*
 * One CSV text cell, always quoted (RFC 4180): a formula is neutralised by a
 * leading single quote, which spreadsheets show as text and do not run.
 */
void
report_put_csv_text(FILE *out, const char *text, size_t length)
{
	putc('"', out);
	if (report_csv_is_formula(text, length))
		putc('\'', out);
	put_text(out, text, length, REPORT_CSV_MAX_CHARS, 1, emit_csv);
	putc('"', out);
}

/* Log text for HTML element content or a quoted attribute value. */
void
report_put_html_text(FILE *out, const char *text, size_t length,
    size_t max_chars)
{
	put_text(out, text, length, max_chars, 1, emit_html);
}

/*
 * A chart label: like report_put_html_text, but a label longer than
 * max_chars (at least 2) ends in a bare ellipsis within max_chars.
 */
void
report_put_html_label(FILE *out, const char *text, size_t length,
    size_t max_chars)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 left = length, characters = 0;
	uint32_t		 c;

	while (left > 0 && characters <= max_chars) {
		characters++;
		left -= utf8_decode(s + (length - left), left, &c);
	}
	put_text_cut(out, text, length, characters > max_chars ?
	    max_chars - 1 : 0, 1, emit_html, CUT_ELLIPSIS);
}

/* A NUL-terminated string, escaped for HTML, never cut. */
void
report_put_html(FILE *out, const char *text)
{
	if (text != NULL)
		put_text(out, text, strlen(text), 0, 1, emit_html);
}

/* A quoted JSON string safe to embed in an HTML <script> element. */
void
report_put_script_json_string(FILE *out, const char *text, size_t length,
    size_t max_chars)
{
	putc('"', out);
	put_text(out, text, length, max_chars, 1, emit_script_json);
	putc('"', out);
}

/* The inside of such a string, for callers that join several values in one. */
void
report_put_script_json_part(FILE *out, const char *text, size_t length,
    size_t max_chars)
{
	put_text(out, text, length, max_chars, 1, emit_script_json);
}

/*
 * Text that is already in its final form (a JSON line SQLite built), with
 * only invalid UTF-8 repaired: SQLite's JSON functions copy such bytes as
 * they are, which would make the line invalid JSON.
 */
/*
 * Copy text with invalid UTF-8 replaced by U+FFFD. In JSON mode DEL and
 * the C1 controls, which JSON allows raw but a terminal obeys, become \u
 * escapes: they can only stand inside strings, so the JSON stays valid.
 */
static void
put_repaired(FILE *out, const char *text, size_t length, int json)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 run = 0, used;
	uint32_t		 c;

	/* Copy runs of valid bytes at once; most lines are one run. */
	while (run < length) {
		used = utf8_decode(s + run, length - run, &c);
		if (c == REPLACEMENT_CHARACTER && used == 1) {
			fwrite(s, 1, run, out);
			put_utf8(out, REPLACEMENT_CHARACTER);
		} else if (json && (c == 0x7f || (c >= 0x80 && c <= 0x9f))) {
			fwrite(s, 1, run, out);
			fprintf(out, "\\u%04x", (unsigned)c);
		} else {
			run += used;
			continue;
		}
		s += run + used;
		length -= run + used;
		run = 0;
	}
	fwrite(s, 1, run, out);
}

void
report_put_utf8_repaired(FILE *out, const char *text, size_t length)
{
	put_repaired(out, text, length, 0);
}

void
report_put_json_repaired(FILE *out, const char *text, size_t length)
{
	put_repaired(out, text, length, 1);
}

/* Split microseconds into a UTC calendar time and the microseconds left. */
static int
split_time(int64_t unix_us, struct tm *tm, long *micro)
{
	int64_t	seconds = unix_us / 1000000;
	int64_t	rest = unix_us % 1000000;
	time_t	t;

	if (rest < 0) {
		rest += 1000000;
		seconds--;
	}
	t = (time_t)seconds;
	if (gmtime_r(&t, tm) == NULL)
		return -1;
	*micro = (long)rest;
	return 0;
}

/* 2026-11-02T09:14:03.123456+00:00, the form Timesketch documents. */
void
report_time_iso(int64_t unix_us, char *buffer, size_t size)
{
	struct tm	tm;
	long		micro;
	char		seconds[32];

	if (split_time(unix_us, &tm, &micro) == -1 ||
	    strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buffer, size, "%s", "");
		return;
	}
	snprintf(buffer, size, "%s.%06ld+00:00", seconds, micro);
}

/* 2026-11-02 09:14:03.123, for people. */
void
report_time_display(int64_t unix_us, char *buffer, size_t size)
{
	struct tm	tm;
	long		micro;
	char		seconds[32];

	if (split_time(unix_us, &tm, &micro) == -1 ||
	    strftime(seconds, sizeof seconds, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(buffer, size, "%s", "");
		return;
	}
	snprintf(buffer, size, "%s.%03ld", seconds, micro / 1000);
}
