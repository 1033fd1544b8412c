"""Targets files (docs/compare.md) evaluated on a Result with the reader's DataFrames.

The same populations and statistics as `talentsim compare` (src/analysis/compare.cpp); the test
tests/python/test_reader.py checks the two agree target by target. Used by the plots to draw,
beside each reported figure, exactly the population the figure describes.
"""
import math
import tomllib

import numpy as np
import pandas as pd

DEFAULT_FIELD = {"postings": "salary", "offers": "salary", "panel": "wage", "moves": "raise"}
MONEY = {"salary", "wage", "new_wage", "old_wage"}
# Name-list filters: the DataFrame column each one tests, per table (postings: degree = required degree).
NAME_COLUMN = {"postings": {"degree": "required_degree"}}
FLAG_COLUMN = {"accepted": "accepted", "entrant": "entrant", "job_to_job": "job_to_job", "team_move": "team_move"}


def load_targets(path):
    """The [[target]] tables of a targets file, as a list of dicts."""
    with open(path, "rb") as fh:
        return tomllib.load(fh).get("target", [])


def month_step(result, yyyy_mm):
    y, m = (int(x) for x in str(yyyy_mm).split("-"))
    return (y * 12 + m - 1) - ((result.first_month // 100) * 12 + result.first_month % 100 - 1)


def window(result, filt):
    """Inclusive step window of a filter, clipped to the run: (first, last)."""
    a, b = 0, int(result.attrs.get("steps_written", 0)) - 1
    if "date" in filt:
        a, b = max(a, month_step(result, filt["date"][0])), min(b, month_step(result, filt["date"][1]))
    if "steps" in filt:
        a, b = max(a, int(filt["steps"][0])), min(b, int(filt["steps"][1]))
    return a, b


def rows(result, table, filt):
    """(DataFrame of the table's rows that pass the filter, number of steps the window covers)."""
    a, b = window(result, filt)
    if table == "steps":
        df = result.steps
    elif table == "panel":
        status = filt.get("status")
        df = result.panel("wage", employed_only=status is None)
        if status is not None:
            df = df[df["status"].isin(status)]
    else:
        df = getattr(result, table)
    df = df[(df["step"] >= a) & (df["step"] <= b)]
    for key, names in filt.items():
        if key in ("date", "steps", "status"):
            continue
        if key in FLAG_COLUMN:
            df = df[df[FLAG_COLUMN[key]].astype(bool) == bool(names)]
            continue
        column = NAME_COLUMN.get(table, {}).get(key, "kind" if key == "offer_kind" else key)
        if table == "panel" and column in ("role", "degree", "tier") and column not in df:
            raise ValueError(f"{result.path}: the panel is a sample, so {key} filters cannot be applied")
        df = df[df[column].isin(names)]
    if b < a:
        steps = 0
    elif table == "panel":
        steps = int(((result.panel_steps >= a) & (result.panel_steps <= b)).sum())
    else:
        steps = b - a + 1
    return df, steps


def sample(result, spec, filt=None):
    """Values of the field a target (or a ratio part) describes, over its filtered population, in
    annual CNY for money (not converted to the target's unit). Returns (values, steps)."""
    table = spec["table"]
    field = spec.get("field", DEFAULT_FIELD.get(table))
    df, steps = rows(result, table, spec.get("filter", {}) if filt is None else filt)
    x = df[field]
    if table == "moves" and field == "raise":
        x = x[df["old_wage"] > 0]
    if isinstance(x.dtype, pd.CategoricalDtype):  # a coded field (required_degree): its codes, as compare
        x = x.cat.codes.where(x.cat.codes >= 0)
    return pd.to_numeric(x, errors="coerce").to_numpy(dtype=float) if len(x) else np.zeros(0), steps


def _aggregate(x, steps, how):
    if steps == 0:
        return math.nan
    if how == "count":
        return len(x) / steps
    if how == "sum":
        return float(np.sum(x)) / steps
    return float(np.mean(x)) if len(x) else math.nan


def unit_factor(result, target):
    """Reported unit -> annual CNY: wages.months_per_year for monthly targets, else 1."""
    return result.months_per_year if target.get("unit") == "monthly" else 1.0


def statistic(result, target):
    """The simulated value of a target, in the target's unit (NaN when there are no data)."""
    st = target["statistic"]
    if st == "ratio":
        num = _aggregate(*sample(result, target["numerator"]), target["numerator"].get("aggregate", "count"))
        den = _aggregate(*sample(result, target["denominator"]), target["denominator"].get("aggregate", "count"))
        return num / den if den and math.isfinite(den) else math.nan
    if st == "growth":
        how = target.get("aggregate", "count")
        now = _aggregate(*sample(result, target), how)
        base_filter = dict(target.get("filter", {}))
        base_filter.pop("date", None)
        base_filter.pop("steps", None)
        if "base_date" in target:
            base_filter["date"] = target["base_date"]
        else:
            base_filter["steps"] = target["base_steps"]
        base = _aggregate(*sample(result, target, base_filter), how)
        return now / base - 1.0 if base and math.isfinite(base) else math.nan
    x, _ = sample(result, target)
    if len(x) == 0:
        return math.nan
    k = unit_factor(result, target)
    if st == "share_above" and "at_least" in target:  # required_degree at or above a degree, by name
        return float(np.mean(x >= result.categories["degrees"].index(target["at_least"])))
    if st == "share_above":
        return float(np.mean(x > target["threshold"] * k))
    if st == "share_below":
        return float(np.mean(x < target["threshold"] * k))
    if st == "range_mass":
        lo, hi = target["range"]
        return float(np.mean((x >= lo * k) & (x <= hi * k)))
    if st == "mean":
        return float(np.mean(x)) / k
    if st == "quantile":
        return float(np.quantile(x, target["q"])) / k  # linear interpolation, as compare
    raise ValueError(f"unknown statistic {st!r}")
