#!/usr/bin/env python3
"""Scores one scenario run and prints the benchmark table.

  score.py row SCENARIO_DIR       one JSON line: verdicts, per-file precision/recall, cost
  score.py table ROWS_FILE        the Markdown table of those lines

SCENARIO_DIR holds what scenarios.py made (meta.json, truth-K.tsv) and what
run.sh's analyze_pair wrote for each snapshot K: res-K.out ("verdict NAME",
"evidence JSON", "timing key=value...") and res-K.judgements ("0|1<TAB>path").
Recall is split by how much of each attacked file was encrypted: full
(>= 99%), partial (25% to 99%), light (< 25%).
"""
import json
import os
import sys


def load_truth(path):
    t = {}
    with open(path) as f:
        for line in f:
            tag, p = line.rstrip("\n").split("\t", 1)
            t[p] = tag
    return t


def load_run(prefix):
    verdict, evidence, timing = None, {}, {}
    with open(prefix + ".out") as f:
        for line in f:
            key, _, rest = line.rstrip("\n").partition(" ")
            if key == "verdict":
                verdict = rest
            elif key == "evidence":
                evidence = json.loads(rest)
            elif key == "timing":
                timing = {k: float(v) for k, v in (x.split("=") for x in rest.split())}
    flagged = set()
    with open(prefix + ".judgements") as f:
        for line in f:
            j, p = line.rstrip("\n").split("\t", 1)
            if j == "1":
                flagged.add(p)
    return verdict, evidence, timing, flagged


def row(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    n = meta["snapshots"]
    verdicts, first_alarm, tp, fp = [], None, 0, 0
    cats = {"full": [0, 0], "partial": [0, 0], "light": [0, 0]}
    changed = 0
    cost = {"scan": 0.0, "analyze": 0.0, "pipeline": 0.0}
    summaries = []
    for k in range(1, n + 1):
        truth = load_truth(os.path.join(d, "truth-%d.tsv" % k))
        verdict, ev, timing, flagged = load_run(os.path.join(d, "res-%d" % k))
        verdicts.append(verdict)
        summaries.append(ev.get("summary", ""))
        if verdict != "clean" and first_alarm is None:
            first_alarm = (k, len(truth))
        content = {p: float(t) for p, t in truth.items() if t not in ("R", "D")}
        for p in flagged:
            if p in content:
                tp += 1
            else:
                fp += 1
        for p, frac in content.items():
            c = "full" if frac >= 0.99 else "partial" if frac >= 0.25 else "light"
            cats[c][1] += 1
            cats[c][0] += p in flagged
        files = ev.get("files", {})
        changed += files.get("new", 0) + files.get("changed", 0)
        cost["scan"] += timing.get("scan_ms", 0)
        cost["analyze"] += timing.get("analyze_ms", 0)
        cost["pipeline"] += timing.get("read_ms", 0) + timing.get("chunk_hash_ms", 0)
    attack = meta["kind"] == "attack"
    if attack:
        latest_clean_ok = all(v != "clean" for v in verdicts)
    else:
        latest_clean_ok = all(v == "clean" for v in verdicts)
    return {
        "name": meta["name"], "kind": meta["kind"], "description": meta["description"],
        "verdicts": verdicts, "first_alarm": first_alarm, "tp": tp, "fp": fp,
        "recall": cats, "changed": changed, "latest_clean_ok": latest_clean_ok, "cost": cost,
        "summary": summaries[-1] if summaries else "",
    }


def pct(a, b):
    return "-" if b == 0 else "%.1f%%" % (100.0 * a / b)


def table(path):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    out = ["| scenario | kind | verdict(s) | first alarm: attacked files | per-file precision | recall full | "
           "recall 25-99% | recall <25% | flagged / changed | latest-clean | scan+analyze ms (vs read+chunk+hash) |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    ok = True
    for r in rows:
        attack = r["kind"] == "attack"
        fa = r["first_alarm"]
        first = ("snap %d: %d" % (fa[0], fa[1])) if fa else ("MISSED" if attack else "-")
        rc = r["recall"]
        prec = pct(r["tp"], r["tp"] + r["fp"]) if attack else "-"
        fpr = "%d / %d (%s)" % (r["fp"] if not attack else r["tp"] + r["fp"], r["changed"],
                                 pct(r["fp"] if not attack else r["tp"] + r["fp"], r["changed"]))
        c = r["cost"]
        cost = "%.0f + %.1f (%s)" % (c["scan"], c["analyze"], pct(c["scan"] + c["analyze"], c["pipeline"]))
        ok &= r["latest_clean_ok"]
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], r["kind"], ", ".join(r["verdicts"]), first, prec,
            pct(*rc["full"]), pct(*rc["partial"]), pct(*rc["light"]), fpr,
            "ok" if r["latest_clean_ok"] else "WRONG", cost))
    print("\n".join(out))
    print()
    for r in rows:
        print("- **%s**: %s. Evidence: %s" % (r["name"], r["description"], r["summary"]))
    return ok


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "row":
        print(json.dumps(row(sys.argv[2])))
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        sys.exit(0 if table(sys.argv[2]) else 1)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
