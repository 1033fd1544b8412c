#!/usr/bin/python3
"""Sorting of workers over firms in a talentsim result file (docs/model.md, section 3.7).

At the last panel snapshot, among candidates employed by a domestic employer (status employed) and,
separately, staff of overseas employers (status abroad with an employer):
  - the correlation of log worker productivity and log firm productivity p_e (Pearson, and
    Spearman's rank correlation). Worker productivity is the productivity at entry stored in
    /candidates/initial (experience adds to it later, in the same way for everyone of the same
    experience), so the figure measures sorting on the fixed part of productivity;
  - the degree mix (bachelor / master / PhD shares) of each employer type's staff, beside the
    mix of the whole population in the field at that step.

Usage: /usr/bin/python3 scripts/sorting.py RESULT.h5 [RESULT.h5 ...]
"""
import sys

import h5py
import numpy as np


def names(f, key):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f["categories"][key][:]]


def rank(x):
    r = np.empty(len(x))
    r[np.argsort(x, kind="stable")] = np.arange(len(x))
    return r


def report(path):
    with h5py.File(path, "r") as f:
        cand = f["candidates/initial"][:]
        emp = f["employers"][:]
        status = f["panel/status"][-1]
        employer = f["panel/employer"][-1]
        step = int(f["panel/step"][-1])
        degrees, types = names(f, "degrees"), names(f, "employer_types")
        statuses = names(f, "statuses")
    employed = statuses.index("employed")
    abroad = statuses.index("abroad")
    inactive = statuses.index("inactive")
    has_job = (employer != 0xFFFFFFFF) & ((status == employed) | (status == abroad))
    print(f"{path}: panel step {step}, {has_job.sum()} staff")
    no_p = "productivity" not in (emp.dtype.names or ())
    for label, sel in (() if no_p else (("employed (domestic)", has_job & (status == employed)), ("all staff", has_job))):
        lw = np.log(cand["productivity"][sel])
        lf = np.log(emp["productivity"][employer[sel]])
        pearson = np.corrcoef(lw, lf)[0, 1]
        spearman = np.corrcoef(rank(lw), rank(lf))[0, 1]
        print(f"  corr(log worker productivity, log firm productivity), {label}: "
              f"Pearson {pearson:.3f}, Spearman {spearman:.3f} (n = {sel.sum()})")
    in_field = (status != inactive) & (cand["entry_step"] <= step)
    header = "  degree mix of staff" + "".join(f" {d:>9}" for d in degrees) + "      staff"
    print(header)
    etype = emp["type"][employer[has_job]]
    deg = cand["degree"][has_job]
    for k, name in enumerate(types):
        d = deg[etype == k]
        if len(d) == 0:
            continue
        shares = [np.mean(d == j) for j in range(len(degrees))]
        print(f"  {name:<20}" + "".join(f" {s:9.3f}" for s in shares) + f" {len(d):10d}")
    d = cand["degree"][in_field]
    print(f"  {'population in field':<20}" + "".join(f" {np.mean(d == j):9.3f}" for j in range(len(degrees)))
          + f" {len(d):10d}")


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    for path in argv[1:]:
        report(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
