#!/usr/bin/python3
"""The simulated figures quoted in docs/, regenerated from the commands the docs show.

Each quoted block in a doc follows a marker line

    <!-- figures of: NAME (checked by scripts/check_docs_figures.sh) -->

and is either the fenced block right after it or, for Markdown tables, everything up to the line
`<!-- end of figures -->`. BLOCKS below says, for each NAME, which commands produce the block;
each block shows those commands itself (in its table, or in the doc right above it).

    scripts/doc_figures.py [--binary build/talentsim] [--only NAME ...]             # check
    scripts/doc_figures.py [--binary build/talentsim] [--only NAME ...] --update    # rewrite

Check: every number in a block may differ from the quoted one by at most --tolerance (default 1 %)
of the quoted value, or by one unit of its last digit shown (so that a change shown as -6.6 % may
become -6.7 %); the text around the numbers must be the same. Exit 1 when a block drifted
(the differences are printed), 2 on bad usage. --update rewrites the blocks in place with the
figures of this build (after a change of the model: run it, read the diff, adjust the prose).
Run time on 2 cores: about 3 minutes for every block, most of it the two sweeps.
Needs /usr/bin/python3 with h5py, numpy and pandas (Debian), and PYTHONPATH=python (set here).
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
import talentsim  # noqa: E402

MARKER = "<!-- figures of: {} (checked by scripts/check_docs_figures.sh) -->"
END = "<!-- end of figures -->"
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")


class Runner:
    """Runs talentsim into a scratch directory; every run is made once and reused by the blocks."""

    def __init__(self, binary, work):
        self.binary, self.work, self.done = str(binary), Path(work), {}

    def __call__(self, *args):
        cmd = [self.binary, *args]
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"doc_figures: {' '.join(cmd)}: exit {out.returncode}\n{out.stderr}")
        return out.stdout

    def result(self, scenario, *settings, seed=None):
        """talentsim run scenarios/SCENARIO.toml [--seed S] [--set K=V ...], opened with the reader."""
        key = (scenario, settings, seed)
        if key not in self.done:
            out = self.work / f"run{len(self.done)}.h5"
            args = ["run", f"scenarios/{scenario}.toml", "--quiet", "--force", "--out", str(out)]
            args += ["--seed", str(seed)] if seed is not None else []
            for s in settings:
                args += ["--set", s]
            self(*args)
            self.done[key] = talentsim.open(out)
        return self.done[key]


def n(x):
    return f"{x:,.0f}"


def change(new, old):
    return f"{100.0 * (new / old - 1.0):+.1f} %" if old else "n/a"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


# ---- docs/scenarios.md ------------------------------------------------------------------------
def script(*argv):
    """A block printed by one of the project's figure scripts, run with this build."""
    def make(run):
        p = subprocess.run(["/usr/bin/python3", *argv, "--talentsim", run.binary], cwd=ROOT, capture_output=True,
                           text=True)
        if p.returncode != 0:
            raise SystemExit(f"doc_figures: {' '.join(argv)}: exit {p.returncode}\n{p.stderr}")
        return p.stdout.rstrip("\n")
    return make


# ---- docs/calibration.md ------------------------------------------------------------------------
CAL_SEEDS = [20240101, 1, 2, 3, 4, 5, 6, 7, 8, 9]


def fmt_value(x, unit):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return n(x) if unit.startswith("CNY") else f"{x:.3f}"


def calibration(run):
    files = [run.work / f"run_cal_{s}.h5" for s in CAL_SEEDS]
    for s, f in zip(CAL_SEEDS, files):
        if not f.exists():
            run("run", "scenarios/china_ai_2024.toml", "--quiet", "--seed", str(s), "--out", str(f), "--force")
    js = run.work / "cal.json"
    text = run("compare", *map(str, files), "--targets", "scenarios/targets/china_ai_2024.toml", "--json", str(js))
    j = json.loads(js.read_text())
    rows, each = [], [0] * len(CAL_SEEDS)
    for t in j["targets"]:
        u, lo, hi = t["unit"], t["reported_lo"], t["reported_hi"]
        lo = -math.inf if lo is None else lo
        hi = math.inf if hi is None else hi
        inside = [v is not None and lo <= v <= hi for v in t["per_file"]]
        each = [a + b for a, b in zip(each, inside)]
        rows.append([t["name"], u, f"{fmt_value(lo, u)} .. {fmt_value(hi, u)}"] +
                    [fmt_value(v, u) for v in t["per_file"]] + [f"{sum(inside)} of {len(inside)}"])
    summary = [line.strip() for line in text.splitlines()
               if re.search(r"targets inside their bands|^loss|KS \d", line.strip())]
    return (table(["target", "unit", "band"] + [str(s) for s in CAL_SEEDS] + ["inside"], rows) +
            f"\n\nEach seed alone: {', '.join(str(k) for k in each)} of {len(j['targets'])} targets inside."
            "\n`talentsim compare` over the 10 seeds:\n\n" + "\n".join(f"    {s}" for s in summary))


# ---- docs/sweeps.md, docs/calibrate.md ----------------------------------------------------------
def sweep_figures(run):
    out = run.work / "ncr"
    run("sweep", "run", "scenarios/sweeps/noncompete_relocation.toml", "--out", str(out), "--jobs", "2", "--quiet")
    p = subprocess.run(["/usr/bin/python3", "scripts/sweep_figures.py", str(out / "sweep.h5")], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    return p.stdout.rstrip("\n")


MORRIS_METRICS = ["move_rate", "wage.posted.mean"]


def morris(run):
    out = run.work / "morris_minimal"
    run("sweep", "run", "scenarios/sweeps/morris_minimal.toml", "--out", str(out), "--jobs", "2", "--quiet")
    text = run("sweep", "analyze", str(out), *sum((["--metric", m] for m in MORRIS_METRICS), []))
    return "\n".join(line for line in text.rstrip("\n").splitlines() if str(out) not in line)


# NAME -> (doc, generator, fenced). The doc shows the commands: in the table itself or right above.
BLOCKS = {
    "scripts/sweep_figures.py": ("docs/sweeps.md", sweep_figures, True),
    "scripts/scenario_figures.py cv_boom_2017": ("docs/scenarios.md", script("scripts/scenario_figures.py", "cv_boom_2017"), True),
    "scripts/scenario_figures.py returnee_wave": ("docs/scenarios.md", script("scripts/scenario_figures.py", "returnee_wave"), True),
    "scripts/noncompete_effects.py": ("docs/scenarios.md", script("scripts/noncompete_effects.py"), True),
    "scripts/scenario_figures.py enrollment_expansion": ("docs/scenarios.md", script("scripts/scenario_figures.py", "enrollment_expansion"), True),
    "calibration seeds": ("docs/calibration.md", calibration, False),
    "sweep analyze morris_minimal": ("docs/calibrate.md", morris, True),
}


def locate(lines, name, fenced):
    """(first, end) line indices of the quoted block of NAME in a doc's lines."""
    marker = MARKER.format(name)
    at = [i for i, line in enumerate(lines) if line.strip() == marker]
    if len(at) != 1:
        raise LookupError(f"{len(at)} marker lines '{marker}'")
    i = at[0] + 1
    if fenced:
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if j >= len(lines):
            raise LookupError(f"no fenced block after '{marker}'")
        return i + 1, j
    j = i
    while j < len(lines) and lines[j].strip() != END:
        j += 1
    if j >= len(lines):
        raise LookupError(f"no '{END}' after '{marker}'")
    return i, j


def drift(quoted, now, tolerance):
    """Differences between the quoted block and the new one (empty when they agree)."""
    if NUMBER.sub("#", quoted) != NUMBER.sub("#", now):
        return ["the text around the figures differs"]
    out = []
    for a, b in zip(NUMBER.findall(quoted), NUMBER.findall(now)):
        x, y = float(a.replace(",", "")), float(b.replace(",", ""))
        if abs(y - x) > max(tolerance * abs(x), last_digit(a)) * (1 + 1e-9):
            out.append(f"{a} -> {b}")
    return out


def last_digit(text):
    """One unit of the last digit shown: 0.001 for "0.125", 1 for "4,455", 1e3 for "5.08e+05"."""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/talentsim")
    ap.add_argument("--only", nargs="*", choices=sorted(BLOCKS), help="these blocks only")
    ap.add_argument("--update", action="store_true", help="rewrite the blocks with the figures of this build")
    ap.add_argument("--tolerance", type=float, default=0.01, help="largest relative drift of a figure (0.01 = 1 %%)")
    a = ap.parse_args()
    binary = Path(a.binary).resolve()
    if not os.access(binary, os.X_OK):
        print(f"doc_figures: {a.binary} not built", file=sys.stderr)
        return 2
    failed = False
    with tempfile.TemporaryDirectory(prefix="doc_figures_") as work:
        run = Runner(binary, work)
        for name in a.only or BLOCKS:
            doc, make, fenced = BLOCKS[name]
            path = ROOT / doc
            lines = path.read_text().split("\n")
            try:
                first, end = locate(lines, name, fenced)
            except LookupError as e:
                print(f"doc_figures: {doc}: {e}", file=sys.stderr)
                failed = True
                continue
            now = make(run).strip("\n")
            quoted = "\n".join(lines[first:end]).strip("\n")
            if a.update:
                block = now.split("\n") if fenced else [""] + now.split("\n") + [""]
                path.write_text("\n".join(lines[:first] + block + lines[end:]))
                print(f"doc_figures: {doc}: '{name}' {'unchanged' if now == quoted else 'rewritten'}")
                continue
            diffs = drift(quoted, now, a.tolerance)
            if diffs:
                failed = True
                print(f"doc_figures: {doc}: figures of '{name}' drifted beyond {a.tolerance:.0%}: " + "; ".join(diffs))
                print("--- quoted\n" + quoted + "\n--- now\n" + now + "\n---")
            else:
                print(f"doc_figures: {doc}: figures of '{name}' match")
    if failed and not a.update:
        print("doc_figures: run scripts/check_docs_figures.sh --update to rewrite the blocks, then reread the prose")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
