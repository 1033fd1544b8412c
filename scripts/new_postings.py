#!/usr/bin/env python3
"""Mean posted salary of large-model postings at domestic employers in 2024 (target B11's filter),
over the stock of open postings (what `talentsim compare` reads) and over new postings only.

A posting of employer e and role r in month t is new when it was not open in month t - 1: the new
postings are max(0, open_t - (open_{t-1} - hires_{t-1})), hires from /moves (the role is the mover's).
All postings of an employer and role in a month carry one salary (eq. 3), so the flow mean weights
those salaries by the new postings. Usage: new_postings.py RESULT.h5 [--months-per-year 13]
"""
import argparse

import h5py
import numpy as np


def key(step, employer, role):
    return (step.astype(np.int64) * 1_000_000 + employer.astype(np.int64)) * 16 + role.astype(np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("--months-per-year", type=float, default=13)
    a = ap.parse_args()
    with h5py.File(a.result, "r") as f:
        p, m, role_of = f["postings"][:], f["moves"][:], f["candidates/initial"]["role"]
        types = [t.decode() for t in f["categories/employer_types"][:]]
        llm = [r.decode() for r in f["categories/roles"][:]].index("llm_algorithm")
    keys, inv, open_now = np.unique(key(p["step"], p["employer"], p["role"]), return_inverse=True, return_counts=True)
    salary = np.bincount(inv, weights=p["salary"]) / open_now
    hk, hires = np.unique(key(m["step"], m["to_employer"], role_of[m["candidate"]]), return_counts=True)
    prev = keys - 1_000_000 * 16  # the same employer and role a month earlier
    open_before = np.where(np.isin(prev, keys), open_now[np.searchsorted(keys, prev).clip(0, len(keys) - 1)], 0)
    hired_before = np.where(np.isin(prev, hk), hires[np.searchsorted(hk, prev).clip(0, len(hk) - 1)], 0)
    new = np.maximum(0, open_now - (open_before - hired_before))
    date, etype, role = np.zeros(len(keys), int), np.zeros(len(keys), int), np.zeros(len(keys), int)
    date[inv], etype[inv], role[inv] = p["date"], p["employer_type"], p["role"]
    domestic = np.isin(etype, [types.index(t) for t in ("big_tech", "ai_unicorn", "startup", "research_institute")])
    for label, sel in (("domestic", domestic), ("big_tech", etype == types.index("big_tech"))):
        s = sel & (role == llm) & (date >= 202401) & (date <= 202412)
        stock = (salary[s] * open_now[s]).sum() / open_now[s].sum() / a.months_per_year
        flow = (salary[s] * new[s]).sum() / new[s].sum() / a.months_per_year
        print(f"{label:9s} large-model postings 2024, monthly: stock mean {stock:,.0f} ({open_now[s].sum():,} "
              f"posting-months), new postings mean {flow:,.0f} ({new[s].sum():,} new)")


if __name__ == "__main__":
    main()
