#!/usr/bin/env python3
"""exposure_dom.py DOM.html REPORT.json [--expect-sorted] [--expect-injection] - check a
rendered HTML exposure report against the JSON report of the same data (prints
ok / not ok lines); the options add the checks of a page opened with #sort=files:1:asc
and of a corpus holding a file named like an HTML tag."""
import json
import re
import sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    """Collects the rendered totals, counters and tables."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.totals = {}
        self.kind = None
        self.cell = None
        self.spans = {}
        self.span = None
        self.body = {}
        self.tables = {}
        self.table = None
        self.row = None
        self.injected = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if a.get("id") == "inject":
            self.injected = True
        if tag == "table":
            self.table = a.get("id")
            self.tables[self.table] = {"attrs": a, "rows": []}
        if tag == "tr":
            self.kind = a.get("data-kind")
            self.row = []
        if tag == "td":
            self.cell = [a.get("class", ""), ""]
        if tag == "span" and a.get("id"):
            self.span = a["id"]
            self.spans[self.span] = ""

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append(self.cell)
            if self.kind:
                self.totals.setdefault(self.kind, {})[self.cell[0]] = self.cell[1]
            self.cell = None
        if tag == "tr" and self.row is not None and self.table and self.row:
            self.tables[self.table]["rows"].append(self.row)
            self.row = None
        if tag == "span":
            self.span = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data
        if self.span:
            self.spans[self.span] += data


def number(text):
    digits = re.sub(r"[^0-9]", "", text)
    return int(digits) if digits else None


dom = Dom()
dom.feed(open(sys.argv[1], encoding="utf-8").read())
report = json.load(open(sys.argv[2]))
results = []


def check(ok, what):
    results.append(ok)
    print(("ok - " if ok else "not ok - ") + what)


kinds = list(report["totals"])
check(len(kinds) == 8 and sorted(dom.totals) == sorted(kinds),
      "the page shows a total for each of the 8 kinds")
for k in kinds:
    shown = dom.totals.get(k, {})
    occ = number(shown.get("num occ", ""))
    dist = number(shown.get("num dist", ""))
    want = report["totals"][k]
    check(occ == want["occurrences"] and dist == want["distinct"],
          "%s: page shows %s occurrences, %s distinct; JSON says %d, %d"
          % (k, occ, dist, want["occurrences"], want["distinct"]))
check(sum(report["totals"][k]["occurrences"] for k in kinds) > 100,
      "the corpus gives a meaningful number of identifiers")
check(number(dom.spans.get("ns-files", "")) == report["not_scanned"]["files"]
      and report["not_scanned"]["files"] > 0,
      "not-scanned files on the page (%s) match the JSON (%d)"
      % (dom.spans.get("ns-files"), report["not_scanned"]["files"]))
check(number(dom.spans.get("pii-files", "")) == report["files_with_pii"],
      "files with personal data on the page match the JSON")
check(dom.body.get("data-js") == "ready", "the page's script ran")
files = dom.tables.get("files", {"attrs": {}, "rows": []})
totals = [number(r[1][1]) for r in files["rows"]]
if "--expect-sorted" in sys.argv:
    check(files["attrs"].get("data-sorted") == "1:asc" and totals == sorted(totals) and totals[0] < totals[-1],
          "the file table was sorted by the script (ascending totals)")
check(len(files["rows"]) == report["files_listed"], "one row per listed file")
paths = [r[0][1] for r in files["rows"]]
if "--expect-injection" in sys.argv:
    check(not dom.injected and any('<img id="inject" src=x' in p for p in paths),
          "a file name made of markup shows as text")
sys.exit(0 if all(results) else 1)
