#!/usr/bin/env python3
"""summarize.py - the table of a `make bench` run.

    python3 bench/summarize.py bench/results/bench-2048M.tsv [--no-write]

Reads the per-run rows written by run.sh (and, beside them, limits-<SIZE>M.tsv
from limits.sh and pipeline-<SIZE>M.tsv from build/pipeline-bench) and prints
one Markdown report: per step and tool the median over runs of wall seconds,
MB/s, CPU seconds, peak RSS and repository size, with each tool's ratio to
rempart; the repository growth (day two, attack, near-duplicates); the restore
verification; the issue's targets with their status; and the machine's limits
with how far each rempart step is from them; and rempart over `rempart serve`
(tool rempart-rest) against the local repository.  Unless --no-write, the report is
also written to <name>.md and the medians to <name>-summary.tsv.

MB = 10^6 bytes.  MB/s = bytes of the tree the step works on / wall seconds.
"""
import csv
import os
import re
import statistics
import sys

STEPS = ["init", "full", "noop", "day2", "ransom", "restore", "restore-sync", "check", "check-data",
         "dedup-video-A", "dedup-video-B", "dedup-sql-A", "dedup-sql-B"]
STEP_TEXT = {
    "init": "init", "full": "first backup", "noop": "unchanged re-backup", "day2": "day-two backup",
    "ransom": "attack backup", "restore": "restore day two", "restore-sync": "sync after restore",
    "check": "check", "check-data": "check --read-data", "dedup-video-A": "near-dup: video A",
    "dedup-video-B": "near-dup: video B", "dedup-sql-A": "near-dup: SQL A", "dedup-sql-B": "near-dup: SQL B +100 B",
}
REF = "rempart"
DEFAULT_CHUNK_AVG_BYTES = 65536
NEAR_DUP_BUDGET_CHUNKS = 5


def load_tsv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")]


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, digits=1):
    if v is None:
        return ""
    if abs(v) >= 100:
        return "%.0f" % v
    return ("%." + str(digits) + "f") % v


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


class Report:
    def __init__(self, path):
        self.path = path
        self.rows = load_tsv(path)
        self.tools = []
        for r in self.rows:
            if r["tool"] not in self.tools:
                self.tools.append(r["tool"])
        if REF in self.tools:
            self.tools.remove(REF)
            self.tools.insert(0, REF)
        self.runs = sorted({r["run"] for r in self.rows}, key=int)
        self.by = {}
        for r in self.rows:
            self.by.setdefault((r["tool"], r["step"]), []).append(r)
        base = os.path.splitext(path)[0]
        self.dir = os.path.dirname(path) or "."
        m = re.search(r"-(\d+M)$", base)
        size = m.group(1) if m else ""
        self.env_path = base + ".env"
        self.limits_path = os.path.join(self.dir, "limits-%s.tsv" % size)
        self.pipeline_path = os.path.join(self.dir, "pipeline-%s.tsv" % size)
        self.out = []

    def p(self, s=""):
        self.out.append(s)

    def m(self, tool, step, col):
        return med([num(r[col]) for r in self.by.get((tool, step), [])])

    def failed(self, tool, step):
        return [r for r in self.by.get((tool, step), []) if r["rc"] not in ("0", "-", "")]

    def growth(self, tool, step, prev):
        """Median over runs of the repository growth of step over prev."""
        vals = []
        for run in self.runs:
            a = [r for r in self.by.get((tool, prev), []) if r["run"] == run]
            b = [r for r in self.by.get((tool, step), []) if r["run"] == run]
            if a and b:
                vals.append(num(b[0]["repo_bytes"]) - num(a[0]["repo_bytes"]))
        return med(vals)

    # ---- sections ---------------------------------------------------------
    def header(self):
        self.p("# rempart benchmark: %s" % os.path.basename(self.path))
        self.p()
        if os.path.exists(self.env_path):
            self.p("```")
            self.p(open(self.env_path, encoding="utf-8").read().rstrip())
            self.p("```")
            self.p()
        self.p("Medians over %d run(s). MB = 10^6 bytes; MB/s = bytes of the tree the step works on / wall s "
               "(day-1 tree: full, noop; day-2 tree: day2, restore, checks; attacked tree: ransom). "
               "`tool/rempart` = the tool's median / rempart's (time: 3.1x means rempart is 3.1 times faster; "
               "RSS: > 1 means rempart uses less memory). Load = 1-minute load average when the step started "
               "(2 CPUs: above 2, other work competed for the CPUs)." % len(self.runs))
        self.p()

    def table(self):
        self.p("| step | tool | wall s | MB/s | CPU s | peak RSS MB | repo MB | tool/rempart time | tool/rempart RSS | load | notes |")
        self.p("|---|---|---|---|---|---|---|---|---|---|---|")
        summary = []
        for step in STEPS:
            if not any((t, step) in self.by for t in self.tools):
                continue
            ref_wall = self.m(REF, step, "wall_s")
            ref_rss = self.m(REF, step, "peak_rss_mb")
            for t in self.tools:
                if (t, step) not in self.by:
                    continue
                wall = self.m(t, step, "wall_s")
                mbps = self.m(t, step, "mb_per_s")
                cpu = self.m(t, step, "cpu_s")
                rss = self.m(t, step, "peak_rss_mb")
                repo = self.m(t, step, "repo_bytes")
                load = self.m(t, step, "load")
                notes = "; ".join("run %s: %s" % (r["run"], r["note"] or "exit " + r["rc"]) for r in self.failed(t, step))
                sync = step == "restore-sync"
                tr = "" if t == REF else fmt(ratio(wall, ref_wall), 2) + "x" if ratio(wall, ref_wall) else ""
                rr = "" if t == REF or sync else fmt(ratio(rss, ref_rss), 2) + "x" if ratio(rss, ref_rss) else ""
                self.p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    STEP_TEXT.get(step, step), t, fmt(wall, 2), fmt(mbps), "" if sync else fmt(cpu, 2),
                    "" if sync else fmt(rss), fmt(repo / 1e6 if repo is not None else None), tr, rr, fmt(load),
                    notes.replace("|", "/")[:160]))
                summary.append((step, t, wall, mbps, cpu, rss, repo, ratio(wall, ref_wall), ratio(rss, ref_rss), load))
        self.summary = summary
        self.p()
        # restore including the sync that makes it durable
        self.p("Restore including its sync: " + ", ".join(
            "%s %s s" % (t, fmt(self.restore_total(t), 2)) for t in self.tools if self.restore_total(t) is not None))
        self.p()

    def restore_total(self, tool):
        vals = []
        for run in self.runs:
            a = [r for r in self.by.get((tool, "restore"), []) if r["run"] == run]
            b = [r for r in self.by.get((tool, "restore-sync"), []) if r["run"] == run]
            if a and b:
                vals.append(num(a[0]["wall_s"]) + num(b[0]["wall_s"]))
        return med(vals)

    def storage(self):
        self.p("## Repository size and growth")
        self.p()
        self.p("| tool | repo after first backup MB | / day-1 bytes | + unchanged MB | + day two MB | day two x restic "
               "| + attack MB | near-dup video B KB | near-dup SQL B KB |")
        self.p("|---|---|---|---|---|---|---|---|---|")
        ref_d2 = self.growth("restic", "day2", "noop")
        for t in self.tools:
            full = self.m(t, "full", "repo_bytes")
            inp = self.m(t, "full", "input_bytes")
            d2 = self.growth(t, "day2", "noop")
            self.p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                t, fmt(full / 1e6 if full else None), fmt(ratio(full, inp), 3),
                fmt(self.mb(self.growth(t, "noop", "full")), 2), fmt(self.mb(d2)),
                fmt(ratio(d2, ref_d2), 2) + "x" if ratio(d2, ref_d2) else "",
                fmt(self.mb(self.growth(t, "ransom", "day2"))),
                fmt(self.kb(self.growth(t, "dedup-video-B", "dedup-video-A"))),
                fmt(self.kb(self.growth(t, "dedup-sql-B", "dedup-sql-A")))))
        self.p()
        self.p("Near-duplicates, in a fresh repository: video B is video A with 16 bytes changed at 1/2 and 3 bytes "
               "at 3/4 (incompressible); SQL B is the SQL dump with 100 bytes inserted in the middle. "
               "The growth is what the copy cost.")
        self.p()

    @staticmethod
    def mb(v):
        return v / 1e6 if v is not None else None

    @staticmethod
    def kb(v):
        return v / 1e3 if v is not None else None

    def verify(self):
        self.p("## Restore verification (day-two snapshot against the day-two tree, untimed)")
        self.p()
        hashes = set()
        for t in self.tools:
            for r in self.by.get((t, "verify"), []):
                self.p("- %s run %s: %s" % (t, r["run"], r["note"]))
                m = re.search(r"manifest sha256 ([0-9a-f]+)", r["note"])
                if m:
                    hashes.add(m.group(1))
        if hashes:
            self.p("- day-two manifests: %s" % ("identical for every tool and run" if len(hashes) == 1
                                                 else "DIFFER between runs (%s)" % ", ".join(sorted(hashes))))
        self.p()

    def targets(self):
        if REF not in self.tools:
            return
        self.p("## Issue 3 targets (ratios of medians in this run)")
        self.p()
        self.p("| target | measured | status |")
        self.p("|---|---|---|")
        lim = self.limits_by_key()
        par = num(lim["tree-parallel-cold"]["mb_per_s"]) if "tree-parallel-cold" in lim else None

        def speed(step, others, want, label, tot=False):
            ref = self.restore_total(REF) if tot else self.m(REF, step, "wall_s")
            parts, ok = [], True
            for o in others:
                w = self.restore_total(o) if tot else self.m(o, step, "wall_s")
                r = ratio(w, ref)
                if r is None:
                    continue
                parts.append("%s/rempart time = %.2fx" % (o, r))
                ok = ok and r >= want
            if not parts:
                return
            extra = ""
            if step == "full" and par:
                mbps = self.m(REF, "full", "mb_per_s")
                near = mbps is not None and mbps >= 0.9 * par
                extra = "; rempart %s MB/s = %.0f%% of the parallel cold read (%.0f MB/s)" % (
                    fmt(mbps), 100 * mbps / par, par) if mbps else ""
                ok = ok or near
            self.p("| %s | %s%s | %s |" % (label, ", ".join(parts), extra, "met" if ok else "NOT met"))

        borgs = [t for t in self.tools if t.startswith("borg")]
        speed("full", ["restic"] + borgs, 3, "first backup >= 3x restic and borg (or within 10% of the cold read limit)")
        speed("noop", ["restic"], 4, "unchanged re-backup >= 4x faster than restic")
        speed("day2", ["restic"], 3, "day-two backup >= 3x faster than restic")
        speed("restore", ["restic"], 3, "full restore + sync >= 3x restic", tot=True)
        speed("check-data", ["restic"], 3, "check --read-data >= 3x restic")
        if "restic" in self.tools:
            worst = []
            for step in ["full", "noop", "day2", "ransom", "restore", "check", "check-data"]:
                a, b = self.m(REF, step, "peak_rss_mb"), self.m("restic", step, "peak_rss_mb")
                if a is not None and b:
                    worst.append((a / b, step, a, b))
            if worst:
                worst.sort(reverse=True)
                w = worst[0]
                self.p("| peak RSS <= 1/2 of restic's in every step | worst: %s rempart %s MB vs restic %s MB (%.2f of restic's) "
                       "| %s |" % (w[1], fmt(w[2]), fmt(w[3]), w[0], "met" if w[0] <= 0.5 else "NOT met"))
            d2r, d2 = self.growth("restic", "day2", "noop"), self.growth(REF, "day2", "noop")
            if d2r and d2 is not None:
                self.p("| day-two growth <= 0.6x restic's | rempart %s MB, restic %s MB (%.2fx) | %s |" % (
                    fmt(d2 / 1e6), fmt(d2r / 1e6), d2 / d2r, "met" if d2 / d2r <= 0.6 else "NOT met"))
            for step, label in (("full", "after the first backup"), ("day2", "after day two")):
                a, b = self.m(REF, step, "repo_bytes"), self.m("restic", step, "repo_bytes")
                if a and b:
                    self.p("| repository size <= restic's + 2%% (%s) | rempart %s MB, restic %s MB (%+.1f%%) | %s |" % (
                        label, fmt(a / 1e6), fmt(b / 1e6), 100 * (a / b - 1), "met" if a <= 1.02 * b else "NOT met"))
        vb = self.growth(REF, "dedup-video-B", "dedup-video-A")
        va = self.m(REF, "dedup-video-A", "input_bytes")
        if vb is not None and va:
            # 2 places changed: each may touch 2 chunks of 64 KiB; plus a tree and a snapshot
            budget = NEAR_DUP_BUDGET_CHUNKS * DEFAULT_CHUNK_AVG_BYTES
            self.p("| near-duplicate video costs only its changed chunks (<= %d x 64 KiB) | video B added %s KB "
                   "(%.2f%% of its %s MB) | %s |" % (NEAR_DUP_BUDGET_CHUNKS, fmt(vb / 1e3), 100 * vb / va, fmt(va / 1e6),
                                                    "met" if vb <= budget else "NOT met"))
        sb = self.growth(REF, "dedup-sql-B", "dedup-sql-A")
        if sb is not None:
            self.p("| near-duplicate SQL dump (100 B inserted) | SQL B added %s KB | see the growth table |" % fmt(sb / 1e3))
        pl = self.pipeline_rows()
        for r in pl:
            if r["set"] == "compressible" and r["stage"] == "chain":
                v = num(r["mb_per_s_cpu"])
                self.p("| in-memory pipeline >= 300 MB/s per core (compressible files) | %s MB/s per core (CPU time) | %s |" % (
                    fmt(v), "met" if v and v >= 300 else "NOT met"))
        self.p()

    def rest_targets(self):
        """Issue 4: rempart through `rempart serve` on loopback against the local repository."""
        rest = "rempart-rest"
        if REF not in self.tools or rest not in self.tools:
            return
        self.p("## Issue 4 target: rest: on loopback (ratios of medians in this run)")
        self.p()
        self.p("| target | measured | status |")
        self.p("|---|---|---|")
        for step, label, tot in (("full", "first backup", False), ("day2", "day-two backup", False),
                                 ("restore", "restore + sync", True), ("check-data", "check --read-data", False)):
            loc = self.restore_total(REF) if tot else self.m(REF, step, "wall_s")
            rem = self.restore_total(rest) if tot else self.m(rest, step, "wall_s")
            share = ratio(loc, rem)
            if share is None:
                continue
            target = step in ("full", "restore")
            status = ("met" if share >= 0.8 else "NOT met") if target else "(no target)"
            self.p("| %s over rest: %s of the local throughput | local %s s, rest: %s s: %.0f%% | %s |" % (
                label, ">= 80%" if target else "share", fmt(loc, 2), fmt(rem, 2), 100 * share, status))
        self.p()

    def limits_by_key(self):
        if not os.path.exists(self.limits_path):
            return {}
        groups = {}
        for r in load_tsv(self.limits_path):
            groups.setdefault(r["what"], []).append(r)
        d = {}
        for k, rs in groups.items():  # the median over runs
            m = dict(rs[0])
            for col in ("wall_s", "mb_per_s", "load"):
                v = med([num(r[col]) for r in rs])
                m[col] = "" if v is None else "%.3f" % v if col == "wall_s" else "%.1f" % v
            d[k] = m
        return d

    def pipeline_rows(self):
        if not os.path.exists(self.pipeline_path):
            return []
        return load_tsv(self.pipeline_path)

    def limits(self):
        lim = self.limits_by_key()
        if not lim:
            self.p("(no limits file %s: run bench/limits.sh)" % os.path.basename(self.limits_path))
            self.p()
            return
        self.p("## Machine limits (%s) and rempart's distance from them" % os.path.basename(self.limits_path))
        self.p()
        self.p("| limit | MB/s | wall s | load | note |")
        self.p("|---|---|---|---|---|")
        for k, r in lim.items():
            self.p("| %s (%s) | %s | %s | %s | %s |" % (k, r["cache"], r["mb_per_s"], r["wall_s"], r["load"],
                                                    r["note"].replace("|", "\\|")))
        self.p()
        if REF not in self.tools:
            return
        rows = []

        def lim_mbps(k):
            return num(lim[k]["mb_per_s"]) if k in lim else None

        def add(step, what, limit_s, actual_s):
            if limit_s and actual_s:
                rows.append("| %s | %s | %s | %s | %.0f%% |" % (STEP_TEXT[step], what, fmt(limit_s, 2), fmt(actual_s, 2),
                                                            100 * limit_s / actual_s))

        par, tar, stat_s = lim_mbps("tree-parallel-cold"), lim_mbps("tree-tar-cold"), num(lim.get("tree-stat-cold", {}).get("wall_s"))
        big, dd = lim_mbps("bigfile-read-cold"), lim_mbps("disk-write-direct")
        for step in ("full", "ransom"):
            b, w = self.m(REF, step, "input_bytes"), self.m(REF, step, "wall_s")
            if par and b:
                add(step, "read the tree cold with %s readers (%s MB/s)" % (lim["tree-parallel-cold"]["note"].split("-P ")[-1].split()[0], fmt(par)), b / 1e6 / par, w)
            if tar and b:
                add(step, "read the tree cold with tar, one reader (%s MB/s)" % fmt(tar), b / 1e6 / tar, w)
        for step in ("noop", "day2"):
            add(step, "stat every entry, cold (find)", stat_s, self.m(REF, step, "wall_s"))
        b = self.m(REF, "restore", "input_bytes")
        if dd and b:
            add("restore", "write the day-two bytes with O_DIRECT (%s MB/s), restore + sync" % fmt(dd), b / 1e6 / dd,
                self.restore_total(REF))
        repo = self.m(REF, "check-data", "repo_bytes")
        if big and repo:
            add("check-data", "read the repository (%s MB) at the big-file cold read rate (%s MB/s)" % (fmt(repo / 1e6), fmt(big)),
                repo / 1e6 / big, self.m(REF, "check-data", "wall_s"))
        if rows:
            self.p("| rempart step | limit | limit s | rempart s | rempart at % of the limit |")
            self.p("|---|---|---|---|---|")
            for r in rows:
                self.p(r)
            self.p()

    def pipeline(self):
        rows = self.pipeline_rows()
        if not rows:
            return
        self.p("## In-memory pipeline, one thread (%s)" % os.path.basename(self.pipeline_path))
        self.p()
        self.p("| set | stage | MB/s (CPU time) | MB/s (wall) | output / input | CPU % of the chain |")
        self.p("|---|---|---|---|---|---|")
        for r in rows:
            self.p("| %s | %s | %s | %s | %s | %s |" % (r["set"], r["stage"], r["mb_per_s_cpu"], r["mb_per_s_wall"],
                                                    r["out_ratio"], r["pct_of_chain"]))
        with open(self.pipeline_path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("# "):
                    self.p()
                    self.p(line[2:].rstrip())
        self.p()

    def write_summary_tsv(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write("step\ttool\twall_s\tmb_per_s\tcpu_s\tpeak_rss_mb\trepo_bytes\ttime_x_rempart\trss_x_rempart\tload\n")
            for s in self.summary:
                f.write("\t".join("" if v is None else ("%.3f" % v if isinstance(v, float) else str(v)) for v in s) + "\n")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    rep = Report(args[0])
    rep.header()
    rep.table()
    rep.storage()
    rep.verify()
    rep.targets()
    rep.rest_targets()
    rep.limits()
    rep.pipeline()
    text = "\n".join(rep.out) + "\n"
    sys.stdout.write(text)
    if "--no-write" not in sys.argv:
        base = os.path.splitext(args[0])[0]
        with open(base + ".md", "w", encoding="utf-8") as f:
            f.write(text)
        rep.write_summary_tsv(base + "-summary.tsv")
        sys.stderr.write("summarize: wrote %s.md and %s-summary.tsv\n" % (base, base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
