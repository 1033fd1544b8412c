"""Reading talentsim results from Python (docs/python.md).

    import talentsim
    r = talentsim.open("results/china_ai_2024.h5")
    r.steps, r.postings, r.offers, r.moves      # pandas DataFrames with dates and labelled codes
    r.panel("wage", employed_only=True)          # tidy: one row per (snapshot, candidate)
    r.scenario                                   # the resolved scenario, as a dict

    r = talentsim.run("scenarios/minimal.toml", set={"population.candidates": 5000}, seed=3, out="results/m.h5")
    c = talentsim.compare(["results/m.h5"], targets="scenarios/targets/china_ai_2024.toml")
    s = talentsim.open_sweep("results/sweeps/NAME/sweep.h5")
    k = talentsim.open_calibration("results/calibrations/NAME")

Needs Debian's h5py, numpy and pandas (/usr/bin/python3); importable with PYTHONPATH=python.
"""
from .result import Result, open  # noqa: A004 (talentsim.open mirrors h5py.File / open)
from .command import TalentsimError, binary, compare, run
from .sweep import Calibration, Sweep, open_calibration, open_sweep
from .targets import load_targets, sample, statistic

__all__ = ["Result", "open", "run", "compare", "binary", "TalentsimError", "Sweep", "open_sweep",
           "Calibration", "open_calibration", "load_targets", "sample", "statistic"]
