"""Tests of scripts/noncompete_effects.py (docs/scenarios.md, noncompete_policy), run by ctest as
    /usr/bin/python3 -m unittest discover -s tests/scripts
The paired confidence interval against its textbook formula and its coverage; the bound-eligible
types; and the staff quantities on a small hand-made result file whose answers are counted by hand.
"""
import importlib.util
import math
import shutil
import tempfile
import unittest
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("noncompete_effects", ROOT / "scripts" / "noncompete_effects.py")
ne = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ne)

NONE = 0xFFFFFFFF


class PairedEffect(unittest.TestCase):
    def test_three_pairs_match_the_t_interval_by_hand(self):
        # d = 2, 3, 4: mean 3, sd 1, n 3; t(0.975, 2 df) = 4.302652729911275 (table value)
        mean, lo, hi, rel = ne.paired_effect([3, 5, 7], [1, 2, 3])
        half = 4.302652729911275 * 1.0 / math.sqrt(3)
        self.assertAlmostEqual(mean, 3.0)
        self.assertAlmostEqual(lo, 3.0 - half, places=9)
        self.assertAlmostEqual(hi, 3.0 + half, places=9)
        self.assertAlmostEqual(rel, 3.0 / 2.0)

    def test_pairing_matters(self):
        # A constant shift has no spread when paired; the same values unpaired would have.
        control = [10.0, 20.0, 30.0, 40.0]
        mean, lo, hi, _ = ne.paired_effect([c + 1 for c in control], control)
        self.assertAlmostEqual(mean, 1.0)
        self.assertAlmostEqual(lo, 1.0)
        self.assertAlmostEqual(hi, 1.0)
        _, lo2, hi2, _ = ne.paired_effect([41.0, 31.0, 21.0, 11.0], control)
        self.assertGreater(hi2 - lo2, 10.0)

    def test_covers_the_true_difference_95_percent_of_the_time(self):
        rng = np.random.default_rng(7)
        trials, covered = 4000, 0
        for _ in range(trials):
            control = rng.normal(100.0, 30.0, 10)          # a common seed effect, cancelled by pairing
            treated = control + rng.normal(-2.0, 1.5, 10)  # true mean difference -2
            _, lo, hi, _ = ne.paired_effect(treated, control)
            covered += lo <= -2.0 <= hi
        self.assertGreater(covered / trials, 0.94)
        self.assertLess(covered / trials, 0.96)

    def test_bad_input_and_degenerate_cases(self):
        with self.assertRaises(ValueError):
            ne.paired_effect([1, 2], [1, 2, 3])
        with self.assertRaises(ValueError):
            ne.paired_effect([], [])
        mean, lo, hi, rel = ne.paired_effect([1.0], [0.0])
        self.assertEqual(mean, 1.0)
        self.assertTrue(math.isnan(lo) and math.isnan(hi) and math.isnan(rel))


class EligibleTypes(unittest.TestCase):
    def test_types_with_a_positive_noncompete_share(self):
        scenario = {"employer_types": {"a": {"noncompete_share": 0.6}, "b": {}, "c": {"noncompete_share": 0.0},
                                       "d": {"noncompete_share": 0.05}}}
        self.assertEqual(ne.eligible_types(scenario, ["a", "b", "c", "d"]), [0, 3])
        self.assertEqual(ne.eligible_types(scenario, ["d", "c", "b", "a"]), [0, 3])


class StaffMetrics(unittest.TestCase):
    """Two employer types: 'bound' (noncompete_share 0.5, employers 0 and 1) and 'free' (employer 2)."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="noncompete_effects_test_"))
        self.path = self.tmp / "run.h5"
        scenario = '[employer_types.bound]\nnoncompete_share = 0.5\n[employer_types.free]\nnoncompete_share = 0.0\n'
        with h5py.File(self.path, "w") as f:
            f.attrs["complete"] = 1
            f.attrs["steps_written"] = 3
            f.attrs["scenario_toml"] = scenario
            f["categories/employer_types"] = np.array(["bound", "free"], dtype=h5py.string_dtype())
            f["employers"] = np.array([(0,), (0,), (1,)], dtype=[("type", "u1")])
            f["panel/step"] = np.arange(3, dtype=np.int32)
            # 4 candidates x 3 months. Status 1 = employed, 2 = unemployed, 4 = sitting out.
            f["panel/status"] = np.array([[1, 1, 1, 2], [1, 1, 4, 1], [1, 1, 4, 1]], dtype=np.uint8)
            f["panel/employer"] = np.array([[0, 1, 2, NONE], [0, 2, NONE, 1], [1, 2, NONE, 1]], dtype=np.uint32)
            # Bound-eligible person-months: month 0: cand 0, 1 (2); month 1: cand 0, 3 (2); month 2: cand 0, 3 (2).
            move = [("step", "i4"), ("candidate", "u4"), ("from_employer", "u4"), ("to_employer", "u4"),
                    ("from_status", "u1"), ("relocated", "u1"), ("team_move", "u1"),
                    ("noncompete_bought_out", "u1"), ("old_wage", "f4"), ("new_wage", "f4")]
            f["moves"] = np.array([
                (1, 1, 1, 2, 1, 0, 0, 1, 100.0, 150.0),  # bound -> free, bought out
                (1, 2, 2, 1, 1, 0, 1, 0, 300.0, 330.0),  # free -> bound: not bound-eligible staff
                (1, 3, NONE, 1, 2, 0, 0, 0, 0.0, 200.0),  # hired from unemployment: not a job-to-job move
                (2, 0, 0, 1, 1, 0, 1, 0, 200.0, 260.0),  # bound -> bound, a team move
            ], dtype=move)
            offer = [("step", "i4"), ("candidate", "u4"), ("employer", "u4"), ("role", "u1"), ("degree", "u1"),
                     ("kind", "u1"), ("accepted", "u1"), ("salary", "f4")]
            f["offers"] = np.array([
                (0, 0, 0, 0, 0, 2, 1, 1.0),  # counteroffer won by a bound-eligible employer
                (0, 1, 1, 0, 0, 2, 0, 1.0),  # counteroffer lost
                (0, 2, 2, 0, 0, 2, 1, 1.0),  # counteroffer won by a free employer
                (0, 3, 1, 0, 0, 1, 1, 1.0),  # an accepted poaching offer, not a counteroffer
            ], dtype=offer)
            f["steps"] = np.array([(0,), (2,), (1,)], dtype=[("noncompete_blocked", "i8")])

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_counts_by_hand(self):
        m = ne.staff_metrics(self.path)
        self.assertAlmostEqual(m["person-years"], 6 / 12)
        self.assertEqual(m["moves"], 2)
        self.assertAlmostEqual(m["moves/yr"], 2 / (6 / 12))
        self.assertAlmostEqual(m["wage mean"], (150 + 260) / 2)
        self.assertAlmostEqual(m["wage p50"], (150 + 260) / 2)
        self.assertAlmostEqual(m["raise p50"], (0.5 + 0.3) / 2, places=6)
        self.assertEqual(m["team moves"], 1)
        self.assertEqual(m["counters won"], 1)
        self.assertEqual(m["blocked"], 3)
        self.assertEqual(m["bought out"], 1)

    def test_refuses_a_sparse_panel_or_an_unfinished_run(self):
        with h5py.File(self.path, "r+") as f:
            f.attrs["steps_written"] = 6
        with self.assertRaises(ValueError):
            ne.staff_metrics(self.path)
        with h5py.File(self.path, "r+") as f:
            f.attrs["steps_written"] = 3
            f.attrs["complete"] = 0
        with self.assertRaises(ValueError):
            ne.staff_metrics(self.path)


if __name__ == "__main__":
    unittest.main()
