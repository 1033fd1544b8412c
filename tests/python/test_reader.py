"""Tests of the Python reader (python/talentsim), run by ctest as
    /usr/bin/python3 -m unittest discover -s tests/python
with PYTHONPATH=python and TALENTSIM_BINARY set to the freshly built executable.

The runs are produced here: a small version of the default scenario (every table filled, a panel
of every candidate) and the same with a sampled panel. Every check compares what the reader
returns with the raw datasets read by h5py, or with `talentsim compare`, so a reader that
mislabels, misjoins or misfilters fails.
"""
import math
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
import talentsim  # noqa: E402

SCENARIO = ROOT / "scenarios" / "china_ai_2024.toml"
TARGETS = ROOT / "scenarios" / "targets" / "china_ai_2024.toml"
SMALL = {"population.candidates": 6000, "population.employers": 200, "population.graduates_per_year": 600,
         "population.abroad_inflow_per_month": 6}
STATUS_EMPLOYED = 1
NONE = 0xFFFFFFFF


def setUpModule():
    global TMP, RUN, SAMPLED
    TMP = Path(tempfile.mkdtemp(prefix="talentsim_py_"))
    RUN = talentsim.run(SCENARIO, set=SMALL, seed=11, out=TMP / "run.h5")
    SAMPLED = talentsim.run(SCENARIO, set={**SMALL, "output.panel_sample": 500, "scenario.steps": 13}, seed=12,
                            out=TMP / "sampled.h5")


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def raw(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


class Dates(unittest.TestCase):
    def test_every_table_has_calendar_dates_from_the_start_month(self):
        start = RUN.scenario["scenario"]["start"]
        y, m = map(int, start.split("-"))
        self.assertEqual(RUN.start, pd.Timestamp(y, m, 1))
        for name in ("steps", "postings", "offers", "moves"):
            df = getattr(RUN, name)
            self.assertGreater(len(df), 0, name)
            months = (y * 12 + m - 1) + df["step"].to_numpy()
            want = pd.to_datetime({"year": months // 12, "month": months % 12 + 1, "day": 1})
            self.assertTrue((df["date"].to_numpy() == want.to_numpy()).all(), name)
        # /steps stores yyyymm itself: the reader's dates agree with it
        stored = raw(RUN.path, "steps")["date"]
        self.assertTrue((RUN.steps["date"].dt.year * 100 + RUN.steps["date"].dt.month == stored).all())

    def test_event_tables_carry_the_date_of_step_0(self):
        with h5py.File(RUN.path, "r") as f:
            for name in ("steps", "postings", "offers", "moves", "panel/step"):
                self.assertEqual(int(f[name].attrs["date_of_step_0"]), RUN.first_month, name)

    def test_every_event_table_stores_its_month_and_the_reader_uses_it(self):
        y, m = divmod(RUN.first_month, 100)
        for name in ("steps", "postings", "offers", "moves"):
            rows = raw(RUN.path, name)
            self.assertEqual(rows.dtype["date"], np.dtype("int32"), name)
            months = (y * 12 + m - 1) + rows["step"].astype(np.int64)
            self.assertTrue((rows["date"] == (months // 12) * 100 + months % 12 + 1).all(), name)
            df = getattr(RUN, name)
            self.assertTrue((df["date"].dt.year * 100 + df["date"].dt.month == rows["date"]).all(), name)
        panel_date = raw(RUN.path, "panel/date")
        self.assertEqual(len(panel_date), len(raw(RUN.path, "panel/step")))
        p = RUN.panel("status", employed_only=False, attributes=False)
        want = pd.Series(panel_date).repeat(p.groupby("step").size().to_numpy()).to_numpy()
        self.assertTrue((p["date"].dt.year * 100 + p["date"].dt.month == want).all())

    def test_files_of_schema_version_1_get_their_dates_from_the_steps(self):
        old = TMP / "version1.h5"
        shutil.copy(RUN.path, old)
        with h5py.File(old, "r+") as f:  # the layout of version 1: no date columns, no /panel/date
            for name in ("postings", "offers", "moves"):
                rows, attrs = f[name][()], dict(f[name].attrs)
                del f[name]
                keep = [n for n in rows.dtype.names if n != "date"]
                f.create_dataset(name, data=rows[keep].astype([(n, rows.dtype[n]) for n in keep]))
                f[name].attrs.update(attrs)
            del f["panel/date"]
            f.attrs["schema_version"] = 1
        r = talentsim.open(old)
        for name in ("postings", "offers", "moves"):
            self.assertNotIn("date", raw(old, name).dtype.names)
            self.assertTrue((getattr(r, name)["date"].to_numpy() == getattr(RUN, name)["date"].to_numpy()).all(), name)
        self.assertTrue((r.panel("wage")["date"].to_numpy() == RUN.panel("wage")["date"].to_numpy()).all())


class Labels(unittest.TestCase):
    def test_coded_columns_name_their_category_list_in_the_file(self):
        with h5py.File(RUN.path, "r") as f:
            self.assertEqual(f["postings"].attrs["role.categories"], "/categories/roles")
            self.assertEqual(f["postings"].attrs["required_degree.categories"], "/categories/degrees")
            self.assertEqual(f["offers"].attrs["kind.categories"], "/categories/offer_kinds")
            self.assertEqual(list(f["categories/offer_kinds"].asstr()[:]), ["posted", "poaching", "counteroffer"])
            self.assertEqual(int(f["moves"].attrs["from_employer.none"]), NONE)
            self.assertEqual(f["panel/status"].attrs["categories"], "/categories/statuses")
            self.assertEqual(int(f["panel/city"].attrs["none"]), 255)
            self.assertEqual(int(f["postings"].attrs["city.none"]), 255)

    def test_labels_are_the_category_names_of_the_stored_codes(self):
        for table, field, cats in [("postings", "role", "roles"), ("postings", "required_degree", "degrees"),
                                   ("postings", "employer_type", "employer_types"), ("postings", "city", "cities"),
                                   ("offers", "kind", "offer_kinds"), ("moves", "from_status", "statuses")]:
            codes = raw(RUN.path, table)[field].astype(np.int64)
            known = codes < len(RUN.categories[cats])  # city 255: abroad, no city in China
            names = np.array(RUN.categories[cats], dtype=object)[codes[known]]
            got = getattr(RUN, table)[field]
            self.assertIsInstance(got.dtype, pd.CategoricalDtype, f"{table}.{field}")
            self.assertTrue((got[known].astype(object).to_numpy() == names).all(), f"{table}.{field}")
            self.assertTrue(got[~known].isna().all(), f"{table}.{field}")
            self.assertEqual(set(codes[~known]), {255} if (~known).any() else set(), f"{table}.{field}")

    def test_none_values_are_missing(self):
        moves = raw(RUN.path, "moves")
        none = moves["from_employer"] == NONE
        self.assertTrue(none.any() and (~none).any(), "the run has hires from unemployment and job-to-job moves")
        df = RUN.moves
        self.assertTrue((df["from_employer"].isna().to_numpy() == none).all())
        self.assertTrue((df["old_wage"].isna().to_numpy() == none).all())
        self.assertTrue((df.loc[~none, "from_employer"].to_numpy(dtype=np.int64) == moves["from_employer"][~none]).all())


class Joins(unittest.TestCase):
    def test_moves_carry_the_movers_attributes(self):
        moves, cand = raw(RUN.path, "moves"), raw(RUN.path, "candidates/initial")
        emp = raw(RUN.path, "employers")
        df = RUN.moves
        for field, cats in [("degree", "degrees"), ("tier", "tiers"), ("role", "roles"), ("home_city", "cities")]:
            want = np.array(RUN.categories[cats], dtype=object)[cand[field][moves["candidate"]]]
            self.assertTrue((df[field].astype(object).to_numpy() == want).all(), field)
        want = np.array(RUN.categories["employer_types"], dtype=object)[emp["type"][moves["to_employer"]]]
        self.assertTrue((df["employer_type"].astype(object).to_numpy() == want).all())
        self.assertTrue((df["entrant"].to_numpy() == (cand["entry_step"][moves["candidate"]] > 0)).all())

    def test_offers_carry_the_candidates_tier_and_the_employers_type(self):
        offers, cand, emp = raw(RUN.path, "offers"), raw(RUN.path, "candidates/initial"), raw(RUN.path, "employers")
        df = RUN.offers
        want = np.array(RUN.categories["tiers"], dtype=object)[cand["tier"][offers["candidate"]]]
        self.assertTrue((df["tier"].astype(object).to_numpy() == want).all())
        want = np.array(RUN.categories["employer_types"], dtype=object)[emp["type"][offers["employer"]]]
        self.assertTrue((df["employer_type"].astype(object).to_numpy() == want).all())


class Panel(unittest.TestCase):
    def test_employed_only_keeps_exactly_the_employed_who_have_entered(self):
        status, wage = raw(RUN.path, "panel/status"), raw(RUN.path, "panel/wage")
        steps = raw(RUN.path, "panel/step")
        entry = raw(RUN.path, "candidates/initial")["entry_step"]
        keep = (status == STATUS_EMPLOYED) & (entry[None, :] <= steps[:, None])
        self.assertTrue((status != STATUS_EMPLOYED).any(), "the panel holds students, unemployed or abroad too")
        p = RUN.panel("wage", employed_only=True)
        self.assertEqual(len(p), int(keep.sum()))
        self.assertTrue((p["status"] == "employed").all())
        snap = np.searchsorted(steps, p["step"].to_numpy())
        col = p["candidate"].to_numpy(dtype=np.int64)
        self.assertTrue(keep[snap, col].all())
        self.assertTrue((p["wage"].to_numpy() == wage[snap, col]).all())
        everyone = RUN.panel("wage", employed_only=False)
        self.assertEqual(len(everyone), status.size)
        self.assertGreater(len(everyone), len(p))

    def test_sampled_panel_has_no_candidate_ids(self):
        self.assertFalse(SAMPLED.panel_is_everyone)
        p = SAMPLED.panel("status", employed_only=False)
        self.assertEqual(len(p), raw(SAMPLED.path, "panel/status").size)
        self.assertTrue(p["candidate"].isna().all())
        self.assertEqual(set(p["status"].dropna().unique()) - set(SAMPLED.categories["statuses"]), set())

    def test_panel_city_outside_china_is_missing(self):
        city, status = raw(RUN.path, "panel/city"), raw(RUN.path, "panel/status")
        p = RUN.panel("city", employed_only=False)
        self.assertEqual(int(p["city"].isna().sum()), int((city == 255).sum()))
        self.assertGreater(int((status == 3).sum()), 0, "the run has people abroad")


class Scenario(unittest.TestCase):
    def test_resolved_scenario_holds_the_overrides(self):
        self.assertEqual(RUN.scenario["population"]["candidates"], SMALL["population.candidates"])
        self.assertEqual(SAMPLED.scenario["output"]["panel_sample"], 500)
        self.assertEqual(RUN.seed, 11)


class AgreesWithCompare(unittest.TestCase):
    def test_every_target_evaluates_as_talentsim_compare_does(self):
        c = talentsim.compare([RUN.path], TARGETS)
        targets = {t["name"]: t for t in talentsim.load_targets(TARGETS)}
        checked = 0
        for _, row in c.targets.iterrows():
            mine = talentsim.statistic(RUN, targets[row["name"]])
            theirs = row["simulated_mean"]
            if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
                self.assertTrue(math.isnan(mine), row["name"])
                continue
            self.assertAlmostEqual(mine, theirs, delta=1e-9 * max(1.0, abs(theirs)), msg=row["name"])
            checked += 1
        self.assertGreaterEqual(checked, 10)


class Plots(unittest.TestCase):
    def test_salary_plot_draws_every_money_target_of_the_targets_file(self):
        out = TMP / "salaries.png"
        p = subprocess.run([sys.executable, str(ROOT / "scripts" / "plot_salaries.py"), str(RUN.path), "--targets",
                            str(TARGETS), "--out", str(out)], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertGreater(out.stat().st_size, 10000)


class CommandLine(unittest.TestCase):
    def test_a_bad_override_raises_with_the_command_lines_message(self):
        with self.assertRaises(talentsim.TalentsimError) as e:
            talentsim.run(SCENARIO, set={"population.no_such_key": 1}, out=TMP / "bad.h5")
        self.assertEqual(e.exception.returncode, 2)
        self.assertIn("no_such_key", str(e.exception))
        self.assertFalse((TMP / "bad.h5").exists())

    def test_open_refuses_what_is_not_a_result(self):
        with self.assertRaises(FileNotFoundError):
            talentsim.open(TMP / "missing.h5")
        odd = TMP / "odd.h5"
        with h5py.File(odd, "w") as f:
            f.attrs["schema_version"] = 7
        with self.assertRaises(talentsim.result.FormatError):
            talentsim.open(odd)
        # Not HDF5 at all, and a result cut short: FormatError naming the file, not h5py's OSError.
        text = TMP / "notes.h5"
        text.write_text("not a result\n")
        cut = TMP / "cut.h5"
        cut.write_bytes(Path(RUN.path).read_bytes()[:4096])
        for bad in (text, cut):
            with self.assertRaises(talentsim.result.FormatError) as e:
                talentsim.open(bad)
            self.assertIn(str(bad), str(e.exception))
        with self.assertRaises(ValueError) as e:
            talentsim.open_sweep(text)
        self.assertIn(str(text), str(e.exception))


class SweepAndCalibration(unittest.TestCase):
    def test_sweep_points_and_runs(self):
        sweep = TMP / "sweep.toml"
        sweep.write_text(f'''[sweep]
name = "py"
scenario = "{ROOT / "scenarios" / "minimal.toml"}"
seed = 5
replicates = 2
set = ["population.candidates=400", "scenario.steps=6"]
[[parameters]]
key = "separations.quit_rate"
values = [0.01, 0.2]
[metrics]
builtin = ["unemployment_rate", "move_rate"]
''')
        out = TMP / "sweep"
        p = subprocess.run([talentsim.binary(), "sweep", "run", str(sweep), "--out", str(out), "--jobs", "1"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        s = talentsim.open_sweep(out)
        self.assertEqual(len(s.points), 2)
        self.assertEqual(len(s.runs), 4)
        self.assertIn("unemployment_rate", s.metrics)
        with h5py.File(out / "sweep.h5", "r") as f:
            want = f["points/mean/unemployment_rate"][()]
            runs = f["runs/metrics/move_rate"][()]
        self.assertTrue(np.array_equal(s.points["unemployment_rate"].to_numpy(), want, equal_nan=True))
        self.assertTrue(np.array_equal(s.runs["move_rate"].to_numpy(), runs, equal_nan=True))
        self.assertEqual(sorted(s.points["separations.quit_rate"].tolist()), [0.01, 0.2])
        self.assertTrue((s.runs["status"] == "ok").all())
        with self.assertRaises(talentsim.result.FormatError):
            talentsim.open(out / "sweep.h5")
        # plot_sweep.py draws a metric with values and refuses one that is NaN everywhere.
        plot = [sys.executable, str(ROOT / "scripts" / "plot_sweep.py")]
        p = subprocess.run(plot + [str(out / "sweep.h5"), "--x", "separations.quit_rate", "--metric",
                                   "unemployment_rate", "--out", str(TMP / "sweep.png")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue((TMP / "sweep.png").exists())
        nan = TMP / "nan_sweep.h5"
        shutil.copy(out / "sweep.h5", nan)
        with h5py.File(nan, "r+") as f:
            f["points/mean/move_rate"][...] = np.nan
        p = subprocess.run(plot + [str(nan), "--x", "separations.quit_rate", "--metric", "move_rate", "--out",
                                   str(TMP / "nan.png")], capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("NaN at every point", p.stderr)
        self.assertFalse((TMP / "nan.png").exists())

    def test_calibration_reader_returns_the_tables_it_finds(self):
        d = TMP / "calib"
        d.mkdir()
        with h5py.File(d / "calibration.h5", "w") as f:
            f.attrs["schema"] = "talentsim-calibration"
            f["evaluations/loss"] = np.array([3.0, 2.0, 1.5])
            f["evaluations/extra/a"] = np.array([0.1, 0.2, 0.3])
            f["evaluations/status"] = np.array([b"ok", b"ok", b"failed"])
            rows = np.array([(b"a", 0.25, 0.01)], dtype=[("name", "S8"), ("estimate", "f8"), ("se", "f8")])
            f["estimates"] = rows
            f["jacobian"] = np.eye(2)
            f["evaluations/moments"] = np.arange(6.0).reshape(3, 2)
            f["parameters/name"] = np.array([b"enforcement"])
            f["parameters/lo"] = np.array([0.0])
            f["evaluations/parameters"] = np.array([[0.5], [0.6], [0.7]])  # evaluations x parameters
        c = talentsim.open_calibration(d)
        self.assertEqual(list(c["evaluations"]["moments.1"]), [1.0, 3.0, 5.0])
        self.assertEqual(c["evaluations/moments"].shape, (3, 2))
        self.assertEqual(list(c["evaluations"]["parameters.enforcement"]), [0.5, 0.6, 0.7])
        self.assertEqual(list(c["parameters"]["name"]), ["enforcement"])
        self.assertEqual(c.attrs["schema"], "talentsim-calibration")
        ev = c["evaluations"]
        self.assertEqual(list(ev["loss"]), [3.0, 2.0, 1.5])
        self.assertEqual(list(ev["extra.a"]), [0.1, 0.2, 0.3])
        self.assertEqual(list(ev["status"]), ["ok", "ok", "failed"])
        self.assertEqual(c["estimates"]["name"].tolist(), ["a"])
        self.assertEqual(c["jacobian"].shape, (2, 2))


if __name__ == "__main__":
    unittest.main()
