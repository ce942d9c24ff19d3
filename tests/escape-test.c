/*
 * escape-test.c: escape_text (src/util.c), which every line wfpsift prints
 * to a terminal goes through, on exact inputs: what a hostile log field
 * could use to drive a terminal or disguise what it says comes out as
 * \xNN or \uNNNN, and everything else unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util.h"

/* Append a piece to the memory stream the test renders into. */
static void
emit_to_stream(void *stream, const char *piece, size_t length)
{
	fwrite(piece, 1, length, stream);
}

/* What escape_text makes of input, malloc'd. */
static char *
render(const char *input)
{
	char	*text = NULL;
	size_t	 size = 0;
	FILE	*out = open_memstream(&text, &size);

	if (out == NULL)
		abort();
	escape_text(input, emit_to_stream, out);
	fclose(out);
	return text;
}

static void
check(const char *input, const char *expected, const char *name)
{
	char	*got = render(input);

	tap_is_string(got, expected, name);
	free(got);
}

int
main(void)
{
	/* Left alone: text, and characters that change nothing. */
	check("", "", "empty text stays empty");
	check("WS01.corp.local C:\\Windows\\cmd.exe 100%",
	    "WS01.corp.local C:\\Windows\\cmd.exe 100%", "ASCII text unchanged");
	check("Jos\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
	    "Jos\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
	    "UTF-8 of two, three and four bytes unchanged");
	check("\xc2\xa0\xe2\x80\x8d\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xef\xbb\xbe",
	    "\xc2\xa0\xe2\x80\x8d\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xef\xbb\xbe",
	    "neighbours of the escaped ranges unchanged (U+00A0 U+200D U+2027 "
	    "U+202F U+2065 U+206A U+FEFE)");

	/* C0 controls and DEL: \xNN. */
	check("\x1b]0;pwned\x07\x1b[2J", "\\x1b]0;pwned\\x07\\x1b[2J",
	    "OSC title and screen clear: ESC and BEL escaped");
	check("a\nb\rc\td\x7f" "e\x01", "a\\x0ab\\x0dc\\x09d\\x7fe\\x01",
	    "newline, carriage return, tab, DEL, SOH escaped");

	/* C1 controls: \u0080 to \u009f. */
	check("a\xc2\x9b" "31mb", "a\\u009b31mb", "C1 CSI (U+009B) escaped");
	check("\xc2\x80\xc2\x9f", "\\u0080\\u009f", "C1 range ends escaped");

	/* Bidirectional marks, embeddings, overrides and isolates. */
	check("invoice\xe2\x80\xaegpj.exe", "invoice\\u202egpj.exe",
	    "right-to-left override (U+202E) escaped");
	check("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    "\\u202a\\u202b\\u202c\\u202d", "U+202A to U+202D escaped");
	check("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	    "\\u2066\\u2067\\u2068\\u2069", "isolates U+2066 to U+2069 escaped");
	check("\xe2\x80\x8e\xe2\x80\x8f", "\\u200e\\u200f",
	    "left-to-right and right-to-left marks escaped");

	/* Line and paragraph separators, byte order mark. */
	check("one\xe2\x80\xa8two\xe2\x80\xa9three", "one\\u2028two\\u2029three",
	    "line and paragraph separators escaped");
	check("\xef\xbb\xbfWS01", "\\ufeffWS01", "byte order mark escaped");

	/* Invalid UTF-8: each byte that is not part of a valid sequence. */
	check("a\x80z", "a\\x80z", "a lone continuation byte escaped");
	check("\xc0\xaf\xc1\xbf", "\\xc0\\xaf\\xc1\\xbf", "two-byte overlong forms escaped");
	check("\xe0\x80\xaf", "\\xe0\\x80\\xaf", "a three-byte overlong form escaped");
	check("\xe0\x82\x9b", "\\xe0\\x82\\x9b",
	    "an overlong C1 CSI escaped byte by byte, not decoded");
	check("\xed\xa0\x80", "\\xed\\xa0\\x80", "a UTF-16 surrogate escaped");
	check("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf", "a four-byte overlong form escaped");
	check("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "a code point past U+10FFFF escaped");
	check("\xf5\xff", "\\xf5\\xff", "bytes never in UTF-8 escaped");
	check("end\xe2\x80", "end\\xe2\\x80", "a sequence cut by the end of the text escaped");
	check("\xe2\x80\x1b[2J", "\\xe2\\x80\\x1b[2J",
	    "a cut sequence does not swallow the ESC after it");

	/* Nothing is lost or added around what is escaped. */
	{
		char	*got = render("\xe2\x80\xae" "A\x1b" "B");

		tap_is_number((long long)strlen(got), 12,
		    "U+202E, A, ESC, B: 6 + 1 + 4 + 1 bytes, nothing else");
		free(got);
	}
	return TAP_DONE();
}
