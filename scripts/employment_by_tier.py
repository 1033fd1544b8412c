#!/usr/bin/env python3
"""Status at the last panel step by school tier, for the initial population and for entrants
(graduates, people switching in, candidates arriving abroad), counting those still in the field.

Usage: employment_by_tier.py RESULT.h5 [RESULT.h5 ...]   (several files: shares pooled over runs)
"""
import argparse

import h5py
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+")
    counts = {}
    for path in ap.parse_args().results:
        with h5py.File(path, "r") as f:
            ini, status = f["candidates/initial"][:], f["panel/status"][-1]
            tiers = [t.decode() for t in f["categories/tiers"][:]]
            statuses = [s.decode() for s in f["categories/statuses"][:]]
        in_field = status != statuses.index("inactive")
        for k, tier in enumerate(tiers):
            for group, entrant in (("initial", False), ("entrants", True)):
                m = in_field & (ini["tier"] == k) & ((ini["entry_step"] > 0) == entrant)
                c = counts.setdefault((tier, group), np.zeros(len(statuses)))
                c += np.bincount(status[m], minlength=len(statuses))
    print(f"{'tier':10s} {'group':9s} {'in field':>9s} " + " ".join(f"{s:>11s}" for s in statuses if s != "inactive"))
    for (tier, group), c in counts.items():
        shares = " ".join(f"{c[i] / c.sum():11.3f}" for i, s in enumerate(statuses) if s != "inactive")
        print(f"{tier:10s} {group:9s} {int(c.sum()):9d} {shares}")


if __name__ == "__main__":
    main()
