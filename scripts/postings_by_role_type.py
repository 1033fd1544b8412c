#!/usr/bin/env python3
"""The postings behind target A2 (share of domestic AI postings above 500,000 a year, January and
February 2025), by role and employer type: each cell's share of all postings, the share of its
postings above 500,000 and its median posted salary. Used by docs/calibration.md ("What does not
fit", B11).
Usage: postings_by_role_type.py RESULT.h5 [...]
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/python")
import talentsim  # noqa: E402

DOMESTIC = ["big_tech", "ai_unicorn", "startup", "research_institute"]


def main():
    for path in sys.argv[1:]:
        p = talentsim.open(path).postings
        a2 = p[(p["date"] >= "2025-01") & (p["date"] <= "2025-02") & p["employer_type"].isin(DOMESTIC)]
        print(f"{path}: {len(a2):,} postings, share above 500,000 {(a2['salary'] > 500000).mean():.3f}")
        print(f"  {'role':<15} {'employer type':<19} {'share':>6} {'> 500k':>7} {'median':>10}")
        for (role, kind), g in a2.groupby(["role", "employer_type"], observed=True):
            print(f"  {role:<15} {kind:<19} {len(g) / len(a2):6.3f} {(g['salary'] > 500000).mean():7.3f}"
                  f" {g['salary'].median():10,.0f}")
        for role, g in a2.groupby("role", observed=True):
            print(f"  {role:<15} {'all':<19} {len(g) / len(a2):6.3f} {(g['salary'] > 500000).mean():7.3f}"
                  f" {g['salary'].median():10,.0f}")


if __name__ == "__main__":
    main()
