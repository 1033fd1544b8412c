"""`talentsim run` and `talentsim compare` from Python, through the command line."""
import json
import os
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

import pandas as pd

from .result import Result

REPO = Path(__file__).resolve().parents[2]


class TalentsimError(RuntimeError):
    """The command line failed; `returncode`, `command` and `stderr` say how."""

    def __init__(self, command, returncode, stderr):
        self.command, self.returncode, self.stderr = command, returncode, stderr
        what = {1: "run-time failure", 2: "bad input"}.get(returncode, f"exit code {returncode}")
        super().__init__(f"{' '.join(map(str, command))}: {what}\n{stderr.strip()}")


def binary():
    """The talentsim executable: $TALENTSIM_BINARY, else build/talentsim of this checkout, else on PATH."""
    if os.environ.get("TALENTSIM_BINARY"):
        return os.environ["TALENTSIM_BINARY"]
    built = REPO / "build" / "talentsim"
    if built.exists():
        return str(built)
    found = shutil.which("talentsim")
    if not found:
        raise FileNotFoundError("talentsim executable not found: build it (scripts/build.sh) or set TALENTSIM_BINARY")
    return found


def _overrides(values):
    """--set arguments from a dict {"key.path": value} or a list of "key=value" strings."""
    if values is None:
        return []
    if isinstance(values, dict):
        items = [f"{k}={_toml_value(v)}" for k, v in values.items()]
    else:
        items = list(values)
    out = []
    for item in items:
        out += ["--set", item]
    return out


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v) if isinstance(v, float) else str(v)


def _call(args):
    cmd = [binary()] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return cmd, p


def run(scenario, set=None, seed=None, out=None, steps=None, threads=None, force=False):  # noqa: A002
    """Runs `talentsim run SCENARIO` and opens the result.

    set: overrides, {"population.candidates": 5000} or ["population.candidates=5000"];
    out: result file (default results/<scenario name>.h5, as the command line);
    force: pass --force (overwrite an existing result, where the command line supports it).
    Raises TalentsimError with the command line's message when the run fails.
    """
    scenario = Path(scenario)
    if out is None:
        with open(scenario, "rb") as fh:
            name = tomllib.load(fh).get("scenario", {}).get("name", scenario.stem)
        out = Path("results") / f"{name}.h5"
    args = ["run", scenario, "--out", out, "--quiet"] + _overrides(set)
    if seed is not None:
        args += ["--seed", int(seed)]
    if steps is not None:
        args += ["--steps", int(steps)]
    if threads is not None:
        args += ["--threads", int(threads)]
    if force:
        args += ["--force"]
    cmd, p = _call(args)
    if p.returncode != 0:
        raise TalentsimError(cmd, p.returncode, p.stderr)
    return Result(out)


class Comparison:
    """The JSON of `talentsim compare --json`: `targets` and `distributions` as DataFrames, `loss`,
    `raw` (the JSON as a dict), `text` (the printed table), `returncode` (1: --strict and a target
    outside its band)."""

    def __init__(self, raw, text, returncode):
        self.raw, self.text, self.returncode = raw, text, returncode
        self.targets = pd.DataFrame(raw.get("targets", []))
        self.distributions = pd.DataFrame(raw.get("distributions", []))
        self.loss = raw.get("loss")
        self.files = raw.get("files", [])

    def __repr__(self):
        inside = int(self.targets["inside"].sum()) if "inside" in self.targets else 0
        return f"<talentsim.Comparison {inside} of {len(self.targets)} targets inside, loss {self.loss}>"


def compare(results, targets, strict=False, json_out=None):
    """Runs `talentsim compare RESULT... --targets FILE --json ...` and returns a Comparison.
    results: one path or a list of paths (typically one per seed)."""
    if isinstance(results, (str, os.PathLike)):
        results = [results]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(json_out) if json_out else Path(tmp) / "compare.json"
        args = ["compare", *results, "--targets", targets, "--json", path] + (["--strict"] if strict else [])
        cmd, p = _call(args)
        if p.returncode != 0 and not (strict and p.returncode == 1 and path.exists()):
            raise TalentsimError(cmd, p.returncode, p.stderr)
        with open(path) as fh:
            raw = json.load(fh)
    return Comparison(raw, p.stdout, p.returncode)
