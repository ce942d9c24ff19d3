#!/usr/bin/python3
"""report-check.py FORMAT FILE EXPRESSION

Parse a wfpsift report strictly and print the value of a Python EXPRESSION
over it, so that a shell test can compare it with what it expects:

  csv    header (list of names), rows (list of dicts), records (list of
         lists, header first), raw (bytes)
  jsonl  objects (list of dicts), raw (bytes)
  html   raw (bytes), text (str), tags (list of (tag, attrs dict) in order),
         data (the timeline JSON embedded in the page), dom_rows (the
         timeline table's rows as lists of cell texts, from a --dump-dom)

get(obj, "a.b.c") reads a nested key (None when missing). A list result is
printed one item per line; None prints as "None". If the file does not parse
(invalid UTF-8, bad CSV quoting, invalid JSON) the script prints
"PARSE ERROR: ..." and exits 1.
"""
import csv
import html.parser
import io
import json
import sys


def get(obj, path):
    for key in path.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def parse_csv(raw):
    text = raw.decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header = records[0] if records else []
    rows = [dict(zip(header, record)) for record in records[1:]]
    return {"header": header, "rows": rows, "records": records, "raw": raw}


def parse_jsonl(raw):
    text = raw.decode("utf-8")
    if text and not text.endswith("\n"):
        raise ValueError("last line has no newline")
    objects = [json.loads(line) for line in text.split("\n")[:-1]]
    return {"objects": objects, "raw": raw}


class Page(html.parser.HTMLParser):
    """Collects tags, the timeline data and the timeline table's rows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.texts, self.dom_rows = [], [], []
        self.data_text, self.in_data = None, False
        self.in_timeline, self.in_body, self.row = False, False, None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script" and attributes.get("id") == "timeline-data":
            self.in_data, self.data_text = True, ""
        if tag == "table" and attributes.get("id") == "timeline-table":
            self.in_timeline = True
        if self.in_timeline and tag == "tbody":
            self.in_body = True
        if self.in_body and tag == "tr":
            self.row = []
        if self.row is not None and tag == "td":
            self.row.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_data = False
        if tag == "table":
            self.in_timeline = self.in_body = False
        if tag == "tr" and self.row is not None:
            self.dom_rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        self.texts.append(data)
        if self.in_data:
            self.data_text += data
        elif self.row:
            self.row[-1] += data


def parse_html(raw):
    page = Page()
    page.feed(raw.decode("utf-8"))
    page.close()
    data = json.loads(page.data_text) if page.data_text is not None else None
    return {"raw": raw, "text": "".join(page.texts), "tags": page.tags,
            "data": data, "dom_rows": page.dom_rows}


def main():
    kind, path, expression = sys.argv[1:4]
    with open(path, "rb") as stream:
        raw = stream.read()
    try:
        names = {"csv": parse_csv, "jsonl": parse_jsonl, "html": parse_html}[kind](raw)
    except (ValueError, csv.Error) as error:
        print("PARSE ERROR: %s" % error)
        return 1
    names["get"] = get
    value = eval(expression, names)
    if isinstance(value, (list, tuple)):
        for item in value:
            print(item)
    else:
        print(value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
