"""Sweep results (DIR/sweep.h5, docs/sweeps.md) and calibration results (DIR/calibration.h5)."""
from pathlib import Path

import h5py
import numpy as np
import pandas as pd


def _text(x):
    return x.decode() if isinstance(x, bytes) else x


def _column(values):
    """A dataset's values as a column: strings decoded, everything else as stored."""
    if values.dtype.kind in "OS":
        return np.array([_text(v) for v in values], dtype=object)
    return values


def _open_h5(path):
    """h5py.File(path, "r"), a file that is not readable HDF5 reported as a ValueError naming it."""
    try:
        return h5py.File(path, "r")
    except OSError as e:
        if not Path(path).exists():
            raise FileNotFoundError(f"{path}: no such file") from e
        raise ValueError(f"{path}: not a readable HDF5 file ({e})") from e


def _attrs(obj):
    out = {}
    for k, v in obj.attrs.items():
        v = _text(v)
        if isinstance(v, np.ndarray):
            v = [_text(x) for x in v.tolist()]
        elif isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out


def _frames(group, prefix=""):
    """Every table under `group`, keyed by path. A compound dataset is a DataFrame; inside a group,
    1-D datasets of one length are the columns of one DataFrame keyed by the group's path, and a
    sub-group of columns of that length adds columns "SUBGROUP.NAME"; any other dataset is a
    DataFrame of its values. At the root every dataset is its own table."""
    out, columns, subs = {}, {}, {}
    for name, obj in group.items():
        path = f"{prefix}/{name}" if prefix else name
        if isinstance(obj, h5py.Group):
            sub = _frames(obj, path)
            own = sub.pop(path, None)
            out.update(sub)
            if own is not None:
                subs[name] = own
        elif obj.dtype.names:
            values = np.atleast_1d(obj[()])
            out[path] = pd.DataFrame({n: _column(values[n]) for n in obj.dtype.names})
        elif obj.ndim == 1 and prefix:
            columns[name] = _column(obj[()])
        else:
            values = obj[()]
            if np.ndim(values) <= 1:
                out[path] = pd.DataFrame({name: _column(np.atleast_1d(values))})
            else:
                out[path] = pd.DataFrame(values.reshape(len(values), -1))
    lengths = {len(v) for v in columns.values()}
    if len(lengths) == 1:
        n = lengths.pop()
        frame = pd.DataFrame(columns)
        for name, own in subs.items():
            if len(own) == n:
                for c in own.columns:
                    frame[f"{name}.{c}"] = own[c].to_numpy()
            else:
                out[f"{prefix}/{name}"] = own
        out[prefix] = frame
    else:
        for name, v in columns.items():
            out[f"{prefix}/{name}"] = pd.DataFrame({name: v})
        for name, own in subs.items():
            out[f"{prefix}/{name}" if prefix else name] = own
    return out


class Sweep:
    """A merged sweep (DIR/sweep.h5).

    attrs: root attributes (name, design, seeds, fingerprint, complete, ...);
    parameters, metrics: names; parameter_keys: parameter name -> its scenario key(s); points: one row per design point (index, status, error,
    replicates_ok, the parameter values, then METRIC, METRIC.sd and METRIC.n = mean, standard
    deviation and count over the successful replicates); runs: one row per planned run (point,
    replicate, seed, status, error, parameter values, metric values; NaN where a run failed).
    """

    def __init__(self, path):
        self.path = Path(path)
        if self.path.is_dir():
            self.path = self.path / "sweep.h5"
        with _open_h5(self.path) as f:
            self.attrs = _attrs(f)
            if self.attrs.get("schema") != "talentsim-sweep":
                raise ValueError(f"{self.path}: not a merged talentsim sweep (talentsim sweep merge DIR writes one)")
            self.parameters = [_text(x) for x in f["parameter_names"][()]]
            self.metrics = [_text(x) for x in f["metric_names"][()]]
            keys = [_text(x) for x in f["parameter_keys"][()]] if "parameter_keys" in f else self.parameters
            self.parameter_keys = dict(zip(self.parameters, keys))  # name -> scenario key(s), space-separated
            self.points = self._table(f["points"], stats=True)
            self.runs = self._table(f["runs"], stats=False)

    def _table(self, g, stats):
        cols = {k: _column(g[k][()]) for k in g if isinstance(g[k], h5py.Dataset)}
        for p in self.parameters:
            cols[p] = _column(g["parameters"][p][()])
        for m in self.metrics:
            if stats:
                cols[m], cols[m + ".sd"], cols[m + ".n"] = g["mean"][m][()], g["sd"][m][()], g["n"][m][()]
            else:
                cols[m] = g["metrics"][m][()]
        return pd.DataFrame(cols)

    @property
    def complete(self):
        return bool(self.attrs.get("complete", 0))

    def __repr__(self):
        return (f"<talentsim.Sweep {self.attrs.get('name')}: {len(self.points)} points, {len(self.runs)} runs, "
                f"{len(self.parameters)} parameters, {len(self.metrics)} metrics>")


class Calibration:
    """A calibration result (DIR/calibration.h5, written by `talentsim calibrate`).

    A tolerant reader: it does not assume a layout. attrs holds the root attributes; tables maps
    the path of every table found to a DataFrame (compound datasets; groups of 1-D columns of one
    length, as one DataFrame; other datasets as their values); calibration["evaluations"] (or any
    other path) returns one of them. A 2-D dataset with one row per row of its group's table
    (evaluations x parameters) is also joined to that table as columns "DATASET.NAME", the names
    taken from a table of the same name with a `name` column (/parameters/name) when there is one.
    """

    def __init__(self, path):
        self.path = Path(path)
        if self.path.is_dir():
            self.path = self.path / "calibration.h5"
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no such file")
        with _open_h5(self.path) as f:
            self.attrs = _attrs(f)
            self.tables = {k: v for k, v in _frames(f).items()}
            matrices = {name: f[name].shape for name in self.tables if isinstance(f.get(name), h5py.Dataset)
                        and f[name].ndim == 2}
            self.group_attrs = {}
            f.visititems(lambda name, obj: self.group_attrs.__setitem__(name, _attrs(obj)) if obj.attrs else None)
        self._join_matrices(matrices)

    def _join_matrices(self, matrices):
        """A 2-D dataset G/D with one row per row of table G (evaluations/parameters: evaluations x
        parameters) also becomes columns "D.NAME" of G, NAME from the `name` column of a table of D's
        name (or of the one table with a `name` column of the right length), else "D.0", "D.1", ..."""
        named = {k: list(v["name"]) for k, v in self.tables.items() if "name" in v and "/" not in k}
        for path, (rows, cols) in matrices.items():
            group, _, name = path.rpartition("/")
            if not group or group not in self.tables or len(self.tables[group]) != rows:
                continue
            labels = named.get(name) if len(named.get(name, [])) == cols else None
            if labels is None:
                fits = [v for v in named.values() if len(v) == cols]
                labels = fits[0] if len(fits) == 1 else list(range(cols))
            values = self.tables[path].to_numpy()
            frame = self.tables[group]
            for j, label in enumerate(labels):
                frame[f"{name}.{label}"] = values[:, j]

    def __getitem__(self, path):
        return self.tables[path.strip("/")]

    def __contains__(self, path):
        return path.strip("/") in self.tables

    def __repr__(self):
        return f"<talentsim.Calibration {self.path}: tables {', '.join(sorted(self.tables)) or 'none'}>"


def open_sweep(path):
    """Opens DIR/sweep.h5 (a path to DIR works too)."""
    return Sweep(path)


def open_calibration(path):
    """Opens DIR/calibration.h5 (a path to DIR works too): every dataset found, as DataFrames."""
    return Calibration(path)
