#!/usr/bin/env python3
"""The posted-salary targets read at the midpoints of the pay ranges (eq. 12b) instead of their
bottoms (the posted salaries /postings records): A2 (share of Jan-Feb 2025 postings above 500,000),
B11 and B12 (mean large-model posting of 2024, all domestic types and big tech, a month). Used by
docs/calibration.md ("What does not fit", B11).
Usage: range_midpoints.py RESULT.h5 RANGE [MONTHS_PER_YEAR]
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/python")
import talentsim  # noqa: E402

DOMESTIC = ["big_tech", "ai_unicorn", "startup", "research_institute"]


def main():
    path, r = sys.argv[1], float(sys.argv[2])
    months = float(sys.argv[3]) if len(sys.argv) > 3 else 13.0
    p = talentsim.open(path).postings
    p = p[p["employer_type"].isin(DOMESTIC)]
    a2 = p[(p["date"] >= "2025-01") & (p["date"] <= "2025-02")]
    llm = p[(p["date"] >= "2024-01") & (p["date"] <= "2024-12") & (p["role"] == "llm_algorithm")]
    big = llm[llm["employer_type"] == "big_tech"]
    for name, scale in (("bottom", 1.0), ("midpoint", (1.0 + r) / 2.0)):
        print(f"{name:9s} A2 {(a2['salary'] * scale > 500000).mean():.3f}  "
              f"B11 {llm['salary'].mean() * scale / months:,.0f}  B12 {big['salary'].mean() * scale / months:,.0f}")


if __name__ == "__main__":
    main()
