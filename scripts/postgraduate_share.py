#!/usr/bin/python3
"""Share of postings that require a master's or a PhD, year by year (target A3 is its Jan-Feb 2025 value).

For each result file: the postings of domestic employers (big_tech, ai_unicorn, startup,
research_institute: the employers on Chinese recruiting platforms, as in the targets), per calendar
year, with the share requiring at least a master's (the degree is read by name from
/categories/degrees, so the associate level changes nothing), the share per role, the number of
postings, and the Jan-Feb value of each year (A3 reads Jan-Feb 2025). With several files the mean
over the files is printed, with the lowest and highest file beside it.

Usage: /usr/bin/python3 scripts/postgraduate_share.py RESULT.h5 [RESULT.h5 ...]
"""
import sys

import h5py
import numpy as np

DOMESTIC = ("big_tech", "ai_unicorn", "startup", "research_institute")


def names(f, key):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f["categories"][key][:]]


def shares(path):
    """{year: (share, jan_feb_share, postings, {role: share})} of one result file."""
    with h5py.File(path, "r") as f:
        p = f["postings"][:]
        degrees, types, roles = names(f, "degrees"), names(f, "employer_types"), names(f, "roles")
    master = degrees.index("master")
    domestic = np.isin(p["employer_type"], [types.index(t) for t in DOMESTIC if t in types])
    p = p[domestic]
    year, month = p["date"] // 100, p["date"] % 100
    high = p["required_degree"] >= master
    out = {}
    for y in np.unique(year):
        inyear = year == y
        janfeb = inyear & (month <= 2)
        by_role = {r: high[inyear & (p["role"] == k)].mean() for k, r in enumerate(roles)
                   if (inyear & (p["role"] == k)).any()}
        out[int(y)] = (high[inyear].mean(), high[janfeb].mean() if janfeb.any() else np.nan,
                       int(inyear.sum()), by_role)
    return out


def main(paths):
    if not paths:
        sys.exit(__doc__)
    runs = [shares(p) for p in paths]
    years = sorted(set().union(*runs))
    roles = sorted({r for run in runs for y in run for r in run[y][3]})
    print(f"share of domestic postings requiring a master's or PhD, {len(paths)} run(s)"
          + (" (mean, min-max over runs)" if len(paths) > 1 else ""))
    print(f"{'year':>6} {'postings':>10} {'year share':>18} {'Jan-Feb share':>18}  " +
          " ".join(f"{r[:14]:>14}" for r in roles))
    for y in years:
        got = [run[y] for run in runs if y in run]
        yr = np.array([g[0] for g in got])
        jf = np.array([g[1] for g in got])
        cell = (lambda a: "n/a" if np.isnan(a).all() else f"{np.nanmean(a):.3f}" +
                (f" ({np.nanmin(a):.3f}-{np.nanmax(a):.3f})" if len(a) > 1 else ""))
        per_role = [np.nanmean([g[3].get(r, np.nan) for g in got]) for r in roles]
        print(f"{y:>6} {int(np.mean([g[2] for g in got])):>10} {cell(yr):>18} {cell(jf):>18}  " +
              " ".join(f"{v:>14.3f}" for v in per_role))


if __name__ == "__main__":
    main(sys.argv[1:])
