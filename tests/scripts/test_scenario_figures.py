"""Tests of scripts/scenario_figures.py (docs/scenarios.md, enrollment_expansion): who counts as a
graduate entrant and which hire is a starting wage, on a small hand-made result file.
"""
import importlib.util
import math
import shutil
import sys
import tempfile
import unittest
import warnings
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
spec = importlib.util.spec_from_file_location("scenario_figures", ROOT / "scripts" / "scenario_figures.py")
sf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sf)

NONE = 0xFFFFFFFF
STUDENT, EMPLOYED, UNEMPLOYED, ABROAD, INACTIVE = 0, 1, 2, 3, 5
MOVE = [("step", "i4"), ("candidate", "u4"), ("from_employer", "u4"), ("to_employer", "u4"), ("from_status", "u1"),
        ("relocated", "u1"), ("team_move", "u1"), ("noncompete_bought_out", "u1"), ("old_wage", "f4"),
        ("new_wage", "f4")]


class EnrollmentRow(unittest.TestCase):
    """14 months (steps 0..13); entrants graduate 12 months after they enter."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="scenario_figures_test_"))
        self.path = self.tmp / "run.h5"
        steps = 14
        # candidate: entry step, degree (0 bachelor, 1 master, 2 phd)
        entry = np.array([0, 1, 1, 1, 2, 1], dtype=np.int32)
        degree = np.array([0, 0, 0, 0, 1, 2], dtype=np.uint8)
        status = np.full((steps, len(entry)), INACTIVE, dtype=np.uint8)
        status[:, 0] = EMPLOYED          # 0: initial population, not an entrant
        status[1:, 1] = STUDENT          # 1: bachelor entrant, hired at 5, moves again at 10, employed at the end
        status[5:, 1] = EMPLOYED
        status[1:, 2] = STUDENT          # 2: bachelor entrant, hired at 8, unemployed at the end
        status[8:, 2] = EMPLOYED
        status[13, 2] = UNEMPLOYED
        status[1:, 3] = ABROAD           # 3: the overseas inflow (abroad when it enters), hired from abroad
        status[2:, 3] = EMPLOYED
        status[2:, 4] = STUDENT          # 4: master entrant, hired at 12, not graduated by step 13
        status[12:, 4] = EMPLOYED
        status[1:, 5] = STUDENT          # 5: PhD entrant, never hired, unemployed at the end
        status[13:, 5] = UNEMPLOYED
        moves = np.array([
            (2, 3, NONE, 0, ABROAD, 1, 0, 0, 0.0, 1000.0),
            (5, 1, NONE, 0, STUDENT, 0, 0, 0, 0.0, 100.0),
            (8, 2, NONE, 1, STUDENT, 0, 0, 0, 0.0, 300.0),
            (10, 1, 0, 1, EMPLOYED, 0, 0, 0, 100.0, 900.0),  # a later job-to-job move: not a starting wage
            (12, 4, NONE, 1, UNEMPLOYED, 0, 0, 0, 0.0, 400.0),
            (3, 0, 0, 1, EMPLOYED, 0, 0, 0, 50.0, 60.0),      # the initial population: not an entrant
        ], dtype=MOVE)
        with h5py.File(self.path, "w") as f:
            f.attrs["scenario_toml"] = "[population]\ngraduates_per_year = 7\n"
            f["steps"] = np.array([(t, 10 + t) for t in range(steps)], dtype=[("step", "i4"), ("unemployed", "i8")])
            f["moves"] = moves
            f["candidates/initial"] = np.array(list(zip(entry, degree)), dtype=[("entry_step", "i4"), ("degree", "u1")])
            f["categories/degrees"] = np.array(["bachelor", "master", "phd"], dtype=h5py.string_dtype())
            f["panel/step"] = np.arange(steps, dtype=np.int32)
            f["panel/status"] = status

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_starting_wages_and_employment_by_hand(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the empty groups
            gpy, start, employed, unemployed = sf.enrollment_row(self.path)
        self.assertEqual(gpy, 7)
        self.assertEqual(unemployed, 23)
        self.assertAlmostEqual(start["bachelor"], 200.0)  # median of the first hires 100 and 300
        self.assertAlmostEqual(start["master"], 400.0)
        self.assertTrue(math.isnan(start["phd"]))
        self.assertAlmostEqual(employed["bachelor"], 0.5)  # 1 and 2 graduated; 1 employed at the end
        self.assertTrue(math.isnan(employed["master"]))    # 4 has not graduated yet
        self.assertAlmostEqual(employed["phd"], 0.0)

    def test_refuses_a_sparse_panel(self):
        with h5py.File(self.path, "r+") as f:
            del f["panel/step"]
            f["panel/step"] = np.arange(0, 28, 2, dtype=np.int32)
        with self.assertRaises(ValueError):
            sf.enrollment_row(self.path)


class RequirementRow(unittest.TestCase):
    """Postings of 2023, 2024 and 2025; the overseas lab's are not on Chinese platforms."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="scenario_figures_test_"))
        self.path = self.tmp / "run.h5"
        # required degree: 0 bachelor, 1 master, 2 phd; employer type: 0 big_tech, 1 overseas_lab
        rows = [(202301, 0, 0), (202306, 1, 0), (202312, 0, 0), (202312, 0, 0),  # 2023: 1 of 4
                (202303, 2, 1), (202303, 2, 1),                                  # abroad: left out
                (202407, 1, 0),                                                  # 2024: not asked for
                (202502, 2, 0), (202505, 1, 0), (202511, 0, 0), (202512, 0, 1)]  # 2025: 2 of 3
        salary = [1, 2, 3, 4, 5, 6, 7, 800, 900, 1000, 5000]  # 2025: master's 900; bachelor's 1000 (5000 abroad)
        postings = np.array([(d, r, t, 0, w) for (d, r, t), w in zip(rows, salary)],
                            dtype=[("date", "i4"), ("required_degree", "u1"), ("employer_type", "u1"), ("role", "u1"),
                                   ("salary", "f4")])
        with h5py.File(self.path, "w") as f:
            f["postings"] = postings
            f["categories/degrees"] = np.array(["bachelor", "master", "phd"], dtype=h5py.string_dtype())
            f["categories/employer_types"] = np.array(["big_tech", "overseas_lab"], dtype=h5py.string_dtype())
            f["categories/roles"] = np.array(["llm_algorithm"], dtype=h5py.string_dtype())

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_first_and_last_year_by_hand(self):
        row = sf.requirement_row(self.path)
        self.assertEqual(sorted(row), ["posted bachelor 2025", "posted master 2025", "postgraduate 2023",
                                       "postgraduate 2025"])
        self.assertAlmostEqual(row["postgraduate 2023"], 0.25)
        self.assertAlmostEqual(row["postgraduate 2025"], 2.0 / 3.0)
        self.assertAlmostEqual(row["posted bachelor 2025"], 1000.0)  # the abroad posting's 5000 left out
        self.assertAlmostEqual(row["posted master 2025"], 900.0)


if __name__ == "__main__":
    unittest.main()
