/*
 * report-text-test.c: the escaping every report relies on, one context at a
 * time, on the hostile inputs a log can hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report-internal.h"
#include "tap.h"

enum context { CSV, HTML, SCRIPT_JSON, REPAIRED, HTML_CAPPED, LABEL };

/* What one escaping function writes for input (length bytes). */
static char *
render(enum context context, const char *input, size_t length)
{
	char	*text = NULL;
	size_t	 size = 0;
	FILE	*out = open_memstream(&text, &size);

	if (out == NULL)
		abort();
	switch (context) {
	case CSV:
		report_put_csv_text(out, input, length);
		break;
	case HTML:
		report_put_html_text(out, input, length, 0);
		break;
	case HTML_CAPPED:
		report_put_html_text(out, input, length, 3);
		break;
	case LABEL:
		report_put_html_label(out, input, length, 5);
		break;
	case SCRIPT_JSON:
		report_put_script_json_string(out, input, length, 0);
		break;
	case REPAIRED:
		report_put_utf8_repaired(out, input, length);
		break;
	}
	fclose(out);
	return text;
}

static void
check(enum context context, const char *input, size_t length,
    const char *expected, const char *name)
{
	char	*got = render(context, input, length);

	tap_is_string(got, expected, name);
	free(got);
}

#define CHECK(context, input, expected, name) \
	check(context, input, sizeof(input) - 1, expected, name)

static void
test_csv(void)
{
	CHECK(CSV, "svchost.exe", "\"svchost.exe\"", "csv: plain text is quoted");
	CHECK(CSV, "say \"hi\", twice", "\"say \"\"hi\"\", twice\"",
	    "csv: quotes doubled, comma kept inside quotes");
	CHECK(CSV, "=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"",
	    "csv: = formula neutralised");
	CHECK(CSV, "+1+1", "\"'+1+1\"", "csv: + neutralised");
	CHECK(CSV, "-2+3", "\"'-2+3\"", "csv: - neutralised");
	CHECK(CSV, "@SUM(A1)", "\"'@SUM(A1)\"", "csv: @ neutralised");
	CHECK(CSV, "\t=1", "\"'\t=1\"", "csv: leading tab neutralised");
	CHECK(CSV, "\r=1", "\"'\r=1\"", "csv: leading CR neutralised");
	CHECK(CSV, "\xef\xbc\x9d" "1+1", "\"'\xef\xbc\x9d" "1+1\"",
	    "csv: full-width = neutralised");
	CHECK(CSV, "a=b", "\"a=b\"", "csv: = inside a cell is left alone");
	CHECK(CSV, "", "\"\"", "csv: empty text is an empty quoted cell");
	CHECK(CSV, "line1\r\nline2", "\"line1\r\nline2\"",
	    "csv: line breaks stay inside the quoted cell");
	CHECK(CSV, "a\x1b[31mb", "\"a\xe2\x90\x9b[31mb\"",
	    "csv: ESC shown as its control picture");
	tap_is_number(report_csv_is_formula("10.0.0.5", 8), 0,
	    "csv: an address is no formula");
}

static void
test_utf8(void)
{
	check(HTML, "A\xff" "B", 3, "A\xef\xbf\xbd" "B",
	    "utf8: stray byte becomes U+FFFD");
	check(HTML, "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd",
	    "utf8: overlong / is two U+FFFD, not a slash");
	check(HTML, "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "utf8: encoded surrogate rejected");
	check(HTML, "x\xe2\x82", 3, "x\xef\xbf\xbd\xef\xbf\xbd",
	    "utf8: truncated sequence at the end rejected");
	check(HTML, "\xf4\x90\x80\x80", 4,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "utf8: beyond U+10FFFF rejected");
	CHECK(HTML, "caf\xc3\xa9 \xf0\x9f\x94\x92", "caf\xc3\xa9 \xf0\x9f\x94\x92",
	    "utf8: valid two- and four-byte characters kept");
	check(HTML, "a\0b", 3, "a\xe2\x90\x80" "b", "utf8: NUL shown as U+2400");
	CHECK(HTML, "\xc2\x9b" "2J", "\xef\xbf\xbd" "2J",
	    "display: C1 CSI becomes U+FFFD");
	CHECK(HTML, "evil\xe2\x80\xaetxt.exe", "evil[U+202E]txt.exe",
	    "display: right-to-left override made visible");
	CHECK(HTML, "\x7f", "\xe2\x90\xa1", "display: DEL shown as U+2421");
}

static void
test_html(void)
{
	CHECK(HTML, "<script>alert('x')</script>&\"",
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;",
	    "html: the five markup characters escaped");
	CHECK(HTML, "\" onmouseover=\"x", "&quot; onmouseover=&quot;x",
	    "html: cannot leave a quoted attribute");
	CHECK(HTML_CAPPED, "abcdef", "abc\xe2\x80\xa6[... 3 more characters]",
	    "html: long value capped with a count of what was left out");
	CHECK(HTML_CAPPED, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6[... 1 more characters]",
	    "html: the cap counts characters, not bytes");
	CHECK(LABEL, "fe80::5c1e", "fe80\xe2\x80\xa6",
	    "label: a long label ends in an ellipsis within its width");
	CHECK(LABEL, "<a&b>", "&lt;a&amp;b&gt;", "label: a short one is whole, escaped");
}

static void
test_script_json(void)
{
	CHECK(SCRIPT_JSON, "</script><!--x", "\"\\u003c/script\\u003e\\u003c!--x\"",
	    "script json: < and > escaped, no end tag or comment can form");
	CHECK(SCRIPT_JSON, "a\"b\\c\nd", "\"a\\\"b\\\\c\\nd\"",
	    "script json: quote, backslash, newline escaped");
	CHECK(SCRIPT_JSON, "x\xe2\x80\xa8y&", "\"x\\u2028y\\u0026\"",
	    "script json: U+2028 and & escaped");
	check(SCRIPT_JSON, "\x01\xff", 2, "\"\xe2\x90\x81\xef\xbf\xbd\"",
	    "script json: control and invalid byte made visible");
}

static void
test_repaired(void)
{
	CHECK(REPAIRED, "{\"a\":\"\xef\xbf\xbd ok \xe2\x82\xac\"}",
	    "{\"a\":\"\xef\xbf\xbd ok \xe2\x82\xac\"}",
	    "repaired: valid text, including U+FFFD itself, untouched");
	CHECK(REPAIRED, "{\"a\":\"A\xff" "B\xc3\"}",
	    "{\"a\":\"A\xef\xbf\xbd" "B\xef\xbf\xbd\"}",
	    "repaired: invalid bytes replaced, the closing quote kept");
}

static void
test_times(void)
{
	char	buffer[REPORT_TIME_SIZE];

	report_time_iso(1793610843123456LL, buffer, sizeof buffer);
	tap_is_string(buffer, "2026-11-02T09:14:03.123456+00:00",
	    "time: ISO form Timesketch reads");
	report_time_iso(-1, buffer, sizeof buffer);
	tap_is_string(buffer, "1969-12-31T23:59:59.999999+00:00",
	    "time: before 1970 rounds down, not toward zero");
	report_time_display(1793610843123456LL, buffer, sizeof buffer);
	tap_is_string(buffer, "2026-11-02 09:14:03.123", "time: display form");
}

static void
test_assets_and_formats(void)
{
	enum report_format	format;

	tap_ok(strstr(report_js, "</") == NULL && strstr(report_js, "<!--") == NULL,
	    "assets: the script cannot end its own <script> element");
	tap_ok(strstr(report_css, "</") == NULL,
	    "assets: the stylesheet cannot end its own <style> element");
	tap_ok(report_format_parse("jsonl", &format) == 0 && format == REPORT_JSONL,
	    "formats: jsonl parsed");
	tap_ok(report_format_parse("xml", &format) == -1, "formats: xml refused");
	tap_is_string(report_format_file_name(REPORT_HTML), "report.html",
	    "formats: the html file name analyze uses");
}

int
main(void)
{
	test_csv();
	test_utf8();
	test_html();
	test_script_json();
	test_repaired();
	test_times();
	test_assets_and_formats();
	return TAP_DONE();
}
