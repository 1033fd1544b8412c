#!/usr/bin/env python3
"""Large-model posted salaries by half-year: is there a rise from early 2023 to 2024?

For each result file: the mean and the 99th percentile of the posted salaries of large-model
postings at domestic employers (every channel, every required degree), per month
(annual / wages.months_per_year, 13 in the shipped scenarios), for each half-year of the run. C2
(early 2023, highest 90,000 a month) and B11 (2024, mean above 67,000 a month) together ask for a
rise of the level between them. Used by docs/calibration.md ("What does not fit", C1 and C2).
Usage: llm_posted_halves.py RESULT.h5 [...] [--months 13]
"""
import argparse
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/python")
import talentsim  # noqa: E402


def halves(path, months):
    p = talentsim.open(path).postings
    p = p[(p["role"] == "llm_algorithm") & (p["employer_type"] != "overseas_lab")]
    date = pd.to_datetime(p["date"])
    half = date.dt.year.astype(str) + "H" + (1 + (date.dt.month > 6)).astype(str)
    return p["salary"].groupby(half).agg(["mean", lambda x: np.percentile(x, 99)]) / months


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+")
    ap.add_argument("--months", type=float, default=13.0)
    a = ap.parse_args()
    for path in a.results:
        g = halves(path, a.months)
        print(path)
        print("  mean / 99th percentile a month: " + ", ".join(f"{h} {m:,.0f} / {q:,.0f}" for h, (m, q) in g.iterrows()))


if __name__ == "__main__":
    main()
