#!/usr/bin/env python3
"""score.py - precision and recall of a pii-scan JSON report against truth.json.

    score.py TRUTH.json REPORT.json [--check]

Counts are compared file by file and kind by kind: in a file where the
scanner found f identifiers of a kind and the truth says t, min(f, t) are
true positives, f - t (if positive) false positives, t - f (if positive)
false negatives.  Files hold 8 to 30 identifiers each, so a miss and a
false alarm of the same kind in one file rarely cancel out.

Prints one table per detector and one per format.  With --check, exits 1
when NIR, IBAN, card, e-mail or phone fall below precision 0.99 or recall
0.98 (the targets of issue 6).
"""
import json
import sys

KINDS = ["nir", "iban", "card", "siret", "email", "phone", "birthdate", "address"]
TARGETS = {"nir", "iban", "card", "email", "phone"}
PRECISION_MIN, RECALL_MIN = 0.99, 0.98


def ratio(a, b):
    return a / b if b else 1.0


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check = "--check" in sys.argv
    truth = json.load(open(args[0]))
    report = json.load(open(args[1]))
    found = {f["path"]: f["counts"] for f in report["files"]}
    if report["files_listed"] != report["files_with_pii"]:
        print("warning: the report lists %d of %d files" % (report["files_listed"], report["files_with_pii"]))
    per_kind = {k: [0, 0, 0] for k in KINDS}
    per_fmt = {}
    for path, t in sorted(truth["files"].items()):
        f = found.get(path, {})
        fmt = per_fmt.setdefault(t["format"], {k: [0, 0, 0] for k in KINDS})
        for k in KINDS:
            tv, fv = t["counts"].get(k, 0), f.get(k, 0)
            tp, fp, fn = min(tv, fv), max(0, fv - tv), max(0, tv - fv)
            for acc in (per_kind[k], fmt[k]):
                acc[0] += tp
                acc[1] += fp
                acc[2] += fn
    unknown = sorted(set(found) - set(truth["files"]))
    if unknown:
        print("warning: %d reported files are not in the truth, e.g. %s" % (len(unknown), unknown[0]))

    print("Per detector (all formats)")
    print("%-10s %7s %6s %6s %9s %7s %9s %9s" % ("kind", "true", "found", "FP", "precision", "recall",
                                              "distinct", "expected"))
    failed = []
    for k in KINDS:
        tp, fp, fn = per_kind[k]
        p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
        d = report["totals"][k]["distinct"]
        print("%-10s %7d %6d %6d %9.4f %7.4f %9s %9d" % (k, tp + fn, tp + fp, fp, p, r, d,
                                                      truth["distinct"].get(k, 0)))
        if k in TARGETS and (p < PRECISION_MIN or r < RECALL_MIN):
            failed.append(k)

    print("\nPer format: precision/recall over all kinds, and recall per kind (- when none)")
    print("%-8s %6s %9s %7s  %s" % ("format", "true", "precision", "recall",
                                   " ".join("%9s" % k for k in KINDS)))
    for fmt in sorted(per_fmt):
        acc = per_fmt[fmt]
        tp = sum(acc[k][0] for k in KINDS)
        fp = sum(acc[k][1] for k in KINDS)
        fn = sum(acc[k][2] for k in KINDS)
        cells = []
        for k in KINDS:
            a = acc[k]
            cells.append("%9s" % ("-" if a[0] + a[2] == 0 and a[1] == 0 else
                                  "%.3f" % ratio(a[0], a[0] + a[2]) + ("*" if a[1] else " ")))
        print("%-8s %6d %9.4f %7.4f  %s" % (fmt, tp + fn, ratio(tp, tp + fp), ratio(tp, tp + fn), " ".join(cells)))
    print("(* marks a kind with false positives in that format)")
    ns = report["not_scanned"]
    print("\nnot scanned: %d files, %d bytes" % (ns["files"], ns["bytes"]))
    if check and failed:
        print("below target (precision >= %.2f, recall >= %.2f): %s" % (PRECISION_MIN, RECALL_MIN,
                                                                        ", ".join(failed)))
        sys.exit(1)


if __name__ == "__main__":
    main()
