#!/usr/bin/env python3
"""How posted large-model salaries move in one run, and who fills large-model vacancies.

For each result file: the median posted salary of all postings in the last month; the median posted
salary of large-model postings every 8 months (is there a level, or a trend?); and the large-model
hires of the second half of the run by how they were paid: at the posted salary (offers of kind
`posted`, to candidates without a job) or by an individual bid (`poaching`, job to job), with the
median productivity at entry (/candidates/initial) of those hired at the posted salary.
Used by docs/calibration.md ("What does not fit"). Usage: posted_pay_paths.py RESULT.h5 [...]
"""
import sys

import h5py
import numpy as np

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/python")
import talentsim  # noqa: E402


def describe(path):
    f = talentsim.open(path)
    p, o = f.postings, f.offers
    last = p[p["step"] == p["step"].max()]
    llm = p[p["role"] == "llm_algorithm"].groupby("step")["salary"].median()
    half = int(p["step"].max()) // 2 + 1
    hires = o[(o["step"] >= half) & o["accepted"] & (o["role"] == "llm_algorithm") & (o["kind"] != "counteroffer")]
    by_kind = hires.groupby("kind", observed=True).size()
    with h5py.File(path, "r") as h:
        productivity = h["candidates/initial"]["productivity"][:]
    at_posted = hires[hires["kind"] == "posted"]["candidate"].to_numpy()
    print(path)
    print(f"  median posting, last month: {last['salary'].median():,.0f}")
    print("  large-model median posting by step: " +
          ", ".join(f"{int(t)}: {llm.loc[t]:,.0f}" for t in llm.index[::8]))
    print(f"  large-model hires from step {half}: at the posted salary {int(by_kind.get('posted', 0)):,}, "
          f"by a bid {int(by_kind.get('poaching', 0)):,}; median productivity of those at the posted salary "
          f"{np.median(productivity[at_posted]):.2f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for a in sys.argv[1:]:
        describe(a)
