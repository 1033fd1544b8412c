#!/usr/bin/python3
"""Sums the run times of a finished sweep or calibration directory (its point files, docs/sweeps.md)
and prints them as one JSON line, with the extra fields given as KEY=VALUE (numbers or text).
Used by scripts/bench.sh --sweep."""
import glob
import json
import os
import sys
import tomllib


def main():
    directory, extra = sys.argv[1], sys.argv[2:]
    files = glob.glob(os.path.join(directory, "points", "*.toml"))
    files += glob.glob(os.path.join(directory, "batches", "*", "points", "*.toml"))  # a calibration
    out = {"points": len(files), "runs": 0, "ok": 0, "run_seconds": 0.0,
           "timing": {k: 0.0 for k in ("scenario", "init", "steps", "output", "metrics")}, "timed": 0}
    for f in files:
        with open(f, "rb") as fh:
            for run in tomllib.load(fh).get("runs", []):
                out["runs"] += 1
                out["ok"] += run.get("status") == "ok"
                out["run_seconds"] += run.get("seconds", 0.0)
                if "timing" in run:
                    out["timed"] += 1
                    for k in out["timing"]:
                        out["timing"][k] += run["timing"].get(k, 0.0)
    for kv in extra:
        k, v = kv.split("=", 1)
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    print(json.dumps(out))


if __name__ == "__main__":
    main()
