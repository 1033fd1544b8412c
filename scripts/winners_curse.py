#!/usr/bin/python3
"""The winner's curse in the sequential auction (docs/model.md, section 3.7).

For result files of scenarios/validation/pvr_limit.toml run with a noisy screening signal and
dispersed worker productivity (worker productivity then never changes, so /candidates/initial
holds it exactly), reports:
  - the share of job-to-job moves in which the poacher pays more than the candidate is truly worth
    to it (new wage > c p_e p_i, c = base_wage x value_multiplier of the single role and type);
  - the mean of log(true productivity / posterior-mean estimate) over those moves is not available
    from the file, so the script reports the mean of log(c p_e p_i / new wage): the poacher's true
    margin on the candidates it won;
  - the share of the employed paid above their true value to their employer at the last snapshot.

Usage: /usr/bin/python3 scripts/winners_curse.py RESULT.h5 [RESULT.h5 ...]
"""
import sys
import tomllib

import h5py
import numpy as np


def report(path):
    with h5py.File(path, "r") as f:
        scen = tomllib.loads(f.attrs["scenario_toml"])
        cand = f["candidates/initial"][:]
        emp = f["employers"][:]
        moves = f["moves"][:]
        status = f["panel/status"][-1]
        employer = f["panel/employer"][-1]
        wage = f["panel/wage"][-1]
    role = next(iter(scen["roles"].values()))
    etype = next(iter(scen["employer_types"].values()))
    c = role["base_wage"] * etype["value_multiplier"]
    p_i = cand["productivity"]
    p_e = emp["productivity"]
    j2j = moves[moves["from_status"] == 1]
    value = c * p_e[j2j["to_employer"]] * p_i[j2j["candidate"]]
    over = j2j["new_wage"] > value * (1 + 1e-6)
    margin = np.log(value / j2j["new_wage"])
    emp_sel = (status == 1) & (employer != 0xFFFFFFFF)
    above = wage[emp_sel] > c * p_e[employer[emp_sel]] * p_i[emp_sel] * (1 + 1e-6)
    print(f"{path}: signal_noise {scen['search']['signal_noise']}, signal_shrinkage "
          f"{scen['offers']['signal_shrinkage']}, productivity_sigma {scen['population']['productivity_sigma']}")
    print(f"  job-to-job moves {len(j2j)}: poacher paid above its true value in {over.mean():.3f}; "
          f"mean log(true value / wage paid) {margin.mean():.3f}")
    print(f"  employed paid above their true value to their employer: {above.mean():.3f} of {emp_sel.sum()}")


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    for path in argv[1:]:
        report(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
