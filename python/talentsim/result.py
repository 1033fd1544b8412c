"""One run's result file (FILE.h5, docs/output-format.md) as pandas DataFrames."""
import functools
import tomllib
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

SCHEMA_VERSION = 2  # 2: a yyyymm `date` column on every event table and /panel/date
READABLE_VERSIONS = (1, 2)  # 1: event tables without `date` (dates then come from `step` and `start`)
NONE_ID = 0xFFFFFFFF  # "no employer" in id columns (attribute FIELD.none in the file)
ABROAD_CITY = 255  # panel city outside China (attribute none of /panel/city)

# Which /categories list each coded column indexes. Files written since the label attributes
# ("FIELD.categories") carry this themselves; the table is the fallback for older files.
FALLBACK_CATEGORIES = {
    "postings": {"role": "roles", "required_degree": "degrees", "city": "cities", "employer_type": "employer_types",
                 "channel": "posting_channels"},
    "offers": {"role": "roles", "degree": "degrees", "kind": "offer_kinds"},
    "moves": {"from_status": "statuses"},
    "candidates/initial": {"degree": "degrees", "tier": "tiers", "role": "roles", "home_city": "cities"},
    "employers": {"type": "employer_types", "city": "cities"},
    "panel/status": {"": "statuses"},
    "panel/city": {"": "cities"},
}
FALLBACK_NONE = {"moves": {"from_employer": NONE_ID}, "panel/employer": {"": NONE_ID}, "panel/city": {"": ABROAD_CITY},
                 "postings": {"city": ABROAD_CITY}, "employers": {"city": ABROAD_CITY}}
OFFER_KINDS = ["posted", "poaching", "counteroffer"]  # /categories/offer_kinds in newer files
FLAGS = {"offers": ["accepted"], "moves": ["relocated", "team_move", "noncompete_bought_out"]}


class FormatError(ValueError):
    """The file is not a talentsim result this reader understands."""


def _text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def month_dates(first_yyyymm, steps):
    """Calendar months (Timestamps on the 1st) of `steps`, counted from the month yyyymm of step 0."""
    months = (int(first_yyyymm) // 100) * 12 + int(first_yyyymm) % 100 - 1 + np.asarray(steps, dtype=np.int64)
    return pd.to_datetime(pd.DataFrame({"year": months // 12, "month": months % 12 + 1, "day": 1}))


def yyyymm_dates(yyyymm):
    """Calendar months (Timestamps on the 1st) of integers yyyymm, as stored in the `date` columns."""
    yyyymm = np.asarray(yyyymm, dtype=np.int64)
    return pd.to_datetime(pd.DataFrame({"year": yyyymm // 100, "month": yyyymm % 100, "day": 1}))


def labelled(codes, labels, none=None):
    """Codes as a pandas Categorical of `labels`; `none` and out-of-range codes become missing."""
    codes = np.asarray(codes).astype(np.int64)
    bad = (codes < 0) | (codes >= len(labels))
    if none is not None:
        bad |= codes == none
    return pd.Categorical.from_codes(np.where(bad, -1, codes), categories=list(labels))


def ids(values, none=NONE_ID):
    """Id column with the 'none' value as missing (pandas nullable UInt32)."""
    values = np.asarray(values)
    out = pd.array(values.astype(np.uint32), dtype="UInt32")
    out[values == none] = pd.NA
    return out


class Result:
    """A talentsim result file. Tables are read on first use and cached.

    Attributes: path, attrs (root attributes), name, seed, start (first month, Timestamp),
    complete, categories (name -> list of labels), scenario (resolved scenario as a dict).
    DataFrames: steps, postings, offers, moves, candidates, employers; panel(field, ...).
    """

    def __init__(self, path, allow_partial=False):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no such file")
        try:
            f = self._file()
        except OSError as e:  # not HDF5, truncated, unreadable: named, as every other refusal
            raise FormatError(f"{self.path}: not a readable HDF5 file ({e})") from e
        with f:
            self.attrs = {k: (_text(v) if isinstance(v, (bytes, str)) else v.item() if hasattr(v, "item") else v)
                          for k, v in f.attrs.items()}
            if self.attrs.get("schema_version") not in READABLE_VERSIONS or "schema" in self.attrs \
                    or "categories" not in f:
                raise FormatError(f"{self.path}: not a talentsim result file of schema version "
                                  f"{' or '.join(map(str, READABLE_VERSIONS))}"
                                  + (" (this looks like a sweep: use talentsim.open_sweep)"
                                     if self.attrs.get("schema") == "talentsim-sweep" else ""))
            self.categories = {k: list(f["categories"][k].asstr()[:]) for k in f["categories"]}
        self.categories.setdefault("offer_kinds", list(OFFER_KINDS))
        self.complete = bool(self.attrs.get("complete", 0))
        if not self.complete and not allow_partial:
            raise FormatError(f"{self.path}: incomplete run (complete = 0); open(..., allow_partial=True) reads "
                              f"the {self.attrs.get('steps_written')} steps written")
        self.name = self.attrs.get("scenario_name")
        self.seed = self.attrs.get("seed")
        y, m = (int(x) for x in self.attrs["start"].split("-"))
        self.first_month = y * 100 + m
        self.start = pd.Timestamp(year=y, month=m, day=1)

    def __repr__(self):
        return f"<talentsim.Result {self.path} scenario={self.name} seed={self.seed} steps={self.attrs.get('steps_written')}>"

    def _file(self):
        return h5py.File(self.path, "r")

    def dates(self, steps):
        """Calendar months of step numbers (Timestamps on the 1st of the month)."""
        return month_dates(self.first_month, steps)

    @functools.cached_property
    def scenario(self):
        return tomllib.loads(self.attrs["scenario_toml"])

    @property
    def months_per_year(self):
        return float(self.scenario["wages"]["months_per_year"])

    # ---- raw tables with labels ------------------------------------------------------------
    def _labels(self, dset, dataset, field):
        """(labels, none) of a coded column, from the file's attributes or the fallback table."""
        key = f"{field}." if field else ""
        cat = dset.attrs.get(key + "categories")
        if cat is not None:
            labels = self.categories[_text(cat).rsplit("/", 1)[-1]]
        else:
            name = FALLBACK_CATEGORIES.get(dataset, {}).get(field)
            labels = self.categories[name] if name else None
        none = dset.attrs.get(key + "none")
        if none is None:
            none = FALLBACK_NONE.get(dataset, {}).get(field)
        return labels, (None if none is None else int(none))

    def table(self, dataset):
        """Compound dataset as a DataFrame: coded columns labelled, 'none' ids missing, 0/1 flags bool,
        and a `date` column (Timestamp) wherever there is a `step` column: the stored yyyymm `date`,
        or (files of schema version 1, whose event tables have none) the month `step` months after `start`."""
        with self._file() as f:
            d = f[dataset]
            rows = d[:]
            out = {}
            for name in rows.dtype.names:
                labels, none = self._labels(d, dataset, name)
                col = rows[name]
                if labels is not None:
                    out[name] = labelled(col, labels, none)
                elif none is not None:
                    out[name] = ids(col, none)
                elif name in FLAGS.get(dataset, ()):
                    out[name] = col.astype(bool)
                else:
                    out[name] = col
        df = pd.DataFrame(out)
        if "date" in df:  # stored yyyymm, as Timestamps of the same month
            df["date"] = yyyymm_dates(df["date"]).values
        elif "step" in df:
            df.insert(1, "date", self.dates(df["step"]).values)
        return df

    @functools.cached_property
    def steps(self):
        """/steps: one row per month; `date` is a Timestamp. Wage and posted-salary statistics of a
        month with nobody employed (no postings) are missing instead of the 0 stored in the file."""
        df = self.table("steps")
        nobody = df["employed"] == 0
        for c in ("wage_mean", "wage_p10", "wage_p50", "wage_p90"):
            df.loc[nobody, c] = np.nan
        df.loc[df["postings"] == 0, "posted_mean"] = np.nan
        return df

    @functools.cached_property
    def candidates(self):
        """/candidates/initial: the fixed attributes of every candidate slot; `entrant` = entered after step 0."""
        df = self.table("candidates/initial")
        df["entry_date"] = self.dates(df["entry_step"]).values
        df["entrant"] = df["entry_step"] > 0
        return df

    @functools.cached_property
    def employers(self):
        """/employers, with `employer_type` (= type) labelled."""
        df = self.table("employers").rename(columns={"type": "employer_type"})
        df["entry_date"] = self.dates(df["entry_step"]).values
        return df

    def _employer_attr(self, ids_, column):
        """Attribute `column` of the employers `ids_` (missing where the id is missing)."""
        emp = self.employers[column]
        idx = pd.array(ids_, dtype="UInt32")
        mask = np.asarray(idx.isna())
        pos = np.where(mask, 0, idx.to_numpy(dtype=np.int64, na_value=0))
        values = emp.take(pos).reset_index(drop=True)
        if mask.any():
            values = values.where(~mask)
        return values.values

    def _join_candidate(self, df, columns=("degree", "tier", "role", "home_city", "entry_step", "entrant",
                                           "productivity")):
        cand = self.candidates
        pos = df["candidate"].to_numpy(dtype=np.int64)
        for c in columns:
            if c not in df:
                df[c] = cand[c].take(pos).values
        return df

    @functools.cached_property
    def postings(self):
        """/postings: one row per job posting (`required_degree`, `city` and `employer_type` labelled)."""
        return self.table("postings")

    @functools.cached_property
    def offers(self):
        """/offers, joined with the candidate's tier and entrant flag and the employer's type and city."""
        df = self._join_candidate(self.table("offers"), ("tier", "entrant"))
        df["employer_type"] = self._employer_attr(df["employer"], "employer_type")
        df["city"] = self._employer_attr(df["employer"], "city")
        return df

    @functools.cached_property
    def moves(self):
        """/moves (one row per hire), joined with the mover's attributes (degree, tier, role, home city,
        entry, productivity) and the employers' types and cities. `old_wage` is missing for hires
        without a previous job; `raise` = new_wage / old_wage - 1."""
        df = self._join_candidate(self.table("moves"))
        df.loc[df["from_employer"].isna().to_numpy() & (df["old_wage"] == 0).to_numpy(), "old_wage"] = np.nan
        df["raise"] = df["new_wage"].astype(np.float64) / df["old_wage"].astype(np.float64) - 1.0
        df["job_to_job"] = df["from_employer"].notna().to_numpy()
        df["employer_type"] = self._employer_attr(df["to_employer"], "employer_type")
        df["city"] = self._employer_attr(df["to_employer"], "city")
        df["from_employer_type"] = self._employer_attr(df["from_employer"], "employer_type")
        df["from_city"] = self._employer_attr(df["from_employer"], "city")
        return df

    # ---- panel -------------------------------------------------------------------------------
    @functools.cached_property
    def panel_steps(self):
        with self._file() as f:
            return f["panel/step"][:].astype(np.int64)

    @functools.cached_property
    def panel_dates(self):
        """Calendar months of the snapshots: /panel/date (yyyymm), or from the steps in version-1 files."""
        with self._file() as f:
            if "panel/date" in f:
                return yyyymm_dates(f["panel/date"][:]).values
        return self.dates(self.panel_steps).values

    @property
    def panel_is_everyone(self):
        """True when the panel covers every candidate slot (output.panel_sample = 0): column j is candidate j."""
        with self._file() as f:
            return f["panel/wage"].shape[1] == f["candidates/initial"].shape[0]

    def panel(self, field="wage", employed_only=True, attributes=True):
        """Tidy panel: one row per (snapshot, candidate) with `step`, `date`, `candidate` (missing when the
        panel is a sample: the file does not store the sampled ids), `status` and the value of `field`
        (wage, employer, status or city; labelled or missing where coded / 'none').

        employed_only: keep candidates employed at the snapshot: drops students, the unemployed,
        people abroad, those sitting out a non-compete, the inactive and slots not yet entered.
        attributes: join the candidate's attributes (degree, tier, role, ...) when ids are known,
        and the current employer's type.
        """
        if field not in ("wage", "employer", "status", "city"):
            raise ValueError(f"panel field must be wage, employer, status or city, not {field!r}")
        with self._file() as f:
            status = f["panel/status"][:]
            value = f[f"panel/{field}"][:]
            labels, none = self._labels(f[f"panel/{field}"], f"panel/{field}", "")
            employer = f["panel/employer"][:] if attributes else None
            slots = f["candidates/initial"].shape[0]
        snaps, n = status.shape if status.ndim == 2 else (0, 0)
        everyone = n == slots
        step = np.repeat(self.panel_steps[:snaps], n)
        column = np.tile(np.arange(n, dtype=np.int64), snaps)
        keep = np.ones(snaps * n, dtype=bool)
        if employed_only:
            keep &= status.reshape(-1) == self.categories["statuses"].index("employed")
            if everyone:
                keep &= self.candidates["entry_step"].to_numpy()[column] <= step
        df = pd.DataFrame({"step": step[keep]})
        df["date"] = np.repeat(self.panel_dates[:snaps], n)[keep]
        df["candidate"] = pd.array(column[keep].astype(np.uint32), dtype="UInt32") if everyone else \
            pd.array([pd.NA] * int(keep.sum()), dtype="UInt32")
        df["column"] = column[keep]
        df["status"] = labelled(status.reshape(-1)[keep], self.categories["statuses"])
        v = value.reshape(-1)[keep]
        if labels is not None:
            df[field] = labelled(v, labels, none)
        elif none is not None:
            df[field] = ids(v, none)
        else:
            df[field] = v
        if attributes:
            if everyone:
                df = self._join_candidate(df)
            df["employer_type"] = self._employer_attr(ids(employer.reshape(-1)[keep]), "employer_type")
        return df


def open(path, allow_partial=False):  # noqa: A001 (mirrors builtins.open)
    """Opens a run's result file. Raises FileNotFoundError, or FormatError for a file that is not a
    talentsim result of schema version 1 or 2 or (unless allow_partial) an incomplete run."""
    return Result(path, allow_partial=allow_partial)

