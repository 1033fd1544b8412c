#!/usr/bin/python3
"""The figures docs/sweeps.md quotes from the worked example (noncompete_relocation).

Usage: scripts/sweep_figures.py DIR/sweep.h5
Prints, from the merged sweep file, each metric averaged over the other parameter and the
replicates at the lowest and highest value of the parameter it is quoted against.
scripts/check_docs_figures.sh re-runs the sweep and compares this output with the doc.
"""
import sys
import tomllib

import h5py
import numpy as np


def strings(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def main(path):
    with h5py.File(path, "r") as f:
        runs = int(f.attrs["runs"])
        scenario = tomllib.loads(f.attrs["scenario_toml"])
        sweep = tomllib.loads(f.attrs["sweep_toml"])
        params = {name: f["points/parameters/" + name][()] for name in strings(f["parameter_names"])}
        means = {name: f["points/mean/" + name][()] for name in f["points/mean"].keys()}
    sets = dict(s.split("=", 1) for s in sweep["sweep"].get("set", []))
    candidates = int(sets.get("population.candidates", scenario["population"]["candidates"]))
    steps = int(sets.get("scenario.steps", scenario["scenario"]["steps"]))
    print(f"{runs} runs of {candidates} candidates over {steps} steps")

    def at_ends(metric, by, fmt):
        x = params[by]
        lo, hi = np.min(x), np.max(x)
        v_lo = np.nanmean(means[metric][x == lo])
        v_hi = np.nanmean(means[metric][x == hi])
        print(f"{metric:24s} {by} {lo:g}: {fmt(v_lo)}   {by} {hi:g}: {fmt(v_hi)}")

    three = lambda v: f"{v:.3f}"
    four = lambda v: f"{v:.4f}"
    pct = lambda v: f"{100 * v:.0f} %"
    at_ends("noncompete_block_rate", "enforcement", three)
    at_ends("sitting_out_share", "enforcement", four)
    at_ends("move_rate", "enforcement", three)
    at_ends("move_rate", "relocation.city_cost", three)
    at_ends("relocation_share", "relocation.city_cost", pct)
    at_ends("unemployment_rate", "relocation.city_cost", three)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
