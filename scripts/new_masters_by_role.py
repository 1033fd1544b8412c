#!/usr/bin/env python3
"""The hires behind target B6 (median starting wage of new master's graduates in algorithm and ML
roles at big tech, 2024), split by role. Used by docs/calibration.md ("What does not fit", B11).
Usage: new_masters_by_role.py RESULT.h5 [...]
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/python")
import talentsim  # noqa: E402

ROLES = ["llm_algorithm", "cv_algorithm", "ml_engineering"]


def main():
    for path in sys.argv[1:]:
        m = talentsim.open(path).moves
        b6 = m[(m["date"] >= "2024-01") & (m["date"] <= "2024-12") & (m["degree"] == "master")
               & (m["employer_type"] == "big_tech") & m["from_status"].isin(["student", "unemployed"])
               & m["entrant"] & m["role"].isin(ROLES)]
        print(f"{path}: {len(b6):,} hires, median {b6['new_wage'].median():,.0f}")
        for role in ROLES:
            g = b6[b6["role"] == role]
            print(f"  {role:<15} {len(g):>6,} hires, median {g['new_wage'].median():>10,.0f}")


if __name__ == "__main__":
    main()
