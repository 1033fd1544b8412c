#!/usr/bin/env python3
"""The offers behind target B7 (median offer to new master's and PhD graduates in large-model and
CV roles at domestic employers, 2024), split by kind of offer: the posted salary, a bid (poaching)
or a counteroffer. Used by docs/calibration.md ("What does not fit", B7).
Usage: offers_by_kind.py RESULT.h5 [...]
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/python")
import talentsim  # noqa: E402


def main():
    for path in sys.argv[1:]:
        o = talentsim.open(path).offers
        b7 = o[(o["date"] >= "2024-01") & (o["date"] <= "2024-12") & o["degree"].isin(["master", "phd"])
               & o["role"].isin(["llm_algorithm", "cv_algorithm"]) & o["entrant"]
               & o["employer_type"].isin(["big_tech", "ai_unicorn", "startup", "research_institute"])]
        print(f"{path}: {len(b7):,} offers, median {b7['salary'].median():,.0f}")
        for kind, g in b7.groupby("kind", observed=True):
            print(f"  {kind:12s} {len(g):6,d}  median {g['salary'].median():,.0f}")


if __name__ == "__main__":
    main()
