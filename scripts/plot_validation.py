#!/usr/bin/python3
"""Figures of the analytic validation cases: simulation against theory (docs/validation.md).

Usage: plot_validation.py RESULT.h5 [RESULT.h5 ...] [--out FILE.png | --out-dir DIR] [--case CASE]

Each RESULT.h5 is a run of one of the scenarios in scenarios/validation/; the case is read from
the scenario name (validation_two_state, validation_job_ladder, validation_noncompete,
validation_relocation, validation_counteroffer) unless --case says otherwise. The theory's
parameters come from the resolved scenario stored in the file. Output: FILE.png (one input
only), DIR/<input name>.png, or by default <input name>.png beside the input.

Exit codes: 0 ok, 1 a file cannot be read, 2 bad usage or a file that is not a validation run.
"""
import argparse
import os
import sys
import tomllib

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

EMPLOYED, UNEMPLOYED, SITTING_OUT = 1, 2, 4
CASES = {
    "validation_two_state": "two_state",
    "validation_job_ladder": "job_ladder",
    "validation_noncompete": "noncompete",
    "validation_relocation": "relocation",
    "validation_counteroffer": "counteroffer",
}


class BadInput(Exception):
    pass


class Run:
    """What the figures need from one result file."""

    def __init__(self, path):
        self.path = path
        with h5py.File(path, "r") as f:
            if f.attrs.get("schema_version") not in (1, 2):
                raise BadInput(f"{path}: not a talentsim result file of schema version 1 or 2")
            self.name = str(f.attrs["scenario_name"])
            self.seed = int(f.attrs["seed"])
            self.scenario = tomllib.loads(str(f.attrs["scenario_toml"]))
            self.steps = f["steps"][:]
            self.moves = f["moves"][:]
            self.offers = f["offers"][:]
            self.postings = f["postings"][:]
            self.employers = f["employers"][:]
            self.panel_step = f["panel/step"][:]
            self.panel_status = f["panel/status"][:]
            self.panel_wage = f["panel/wage"][:]
            self.panel_employer = f["panel/employer"][:]
            self.panel_city = f["panel/city"][:]
            self.types = list(f["categories/employer_types"].asstr()[:])
        if len(self.steps) == 0:
            raise BadInput(f"{path}: no steps written")
        self.n = int(self.scenario["population"]["candidates"])

    def last_postings(self):
        if len(self.postings) == 0:
            raise BadInput(f"{self.path}: no /postings (run with output.postings = true)")
        return self.postings[self.postings["step"] == self.postings["step"].max()]

    def require_full_panel(self):
        if self.panel_status.shape[0] == 0 or self.panel_status.shape[1] != self.n:
            raise BadInput(f"{self.path}: the figure needs a panel of every candidate (output.panel_sample = 0)")


def window(run):
    """Steps after the burn-in used for averages: from min(120, a third of the run)."""
    return min(120, len(run.steps) // 3)


def two_state(run, fig):
    s = run.scenario["separations"]["quit_rate"]
    f = run.scenario["search"]["unemployed_intensity"]
    st = run.steps
    u_t = st["unemployed"] / run.n
    u = s * (1 - f) / (s + f - s * f)
    b = window(run)
    rho = 1 - s * (1 - f) - f
    T = len(st) - b
    se = np.sqrt(u * (1 - u) * (1 + rho) / ((1 - rho) * run.n * T))
    axes = fig.subplots(1, 3)
    ax = axes[0]
    ax.plot(st["step"], u_t, lw=0.8, color="grey", label="simulation")
    ax.axhline(u, color="C0", label=f"s(1-f)/(s+f-sf) = {u:.4f}")
    ax.axhline(s / (s + f), color="C3", ls="--", label=f"continuous time s/(s+f) = {s / (s + f):.4f}")
    ax.axvline(b, color="k", ls=":", lw=0.8)
    ax.set_title(f"unemployment rate: mean {u_t[b:].mean():.4f} (4 SE = {4 * se:.4f})")
    ax.set_xlabel("step (month)")
    ax.legend(fontsize=8)
    for ax, (label, num, den, theory, p) in zip(axes[1:], [
            ("unemployment spell", "spell_months_completed", "spells_completed", 1 / f, f),
            ("job tenure", "tenure_months_ended", "jobs_ended", 1 / s, s)]):
        per_step = st[num] / np.maximum(st[den], 1)
        cum = np.cumsum(st[num][b:]) / np.maximum(np.cumsum(st[den][b:]), 1)
        n = max(st[den][b:].sum(), 1)
        se_m = np.sqrt((1 - p) / p**2 / n)
        ax.plot(st["step"], per_step, lw=0.6, color="grey", label="completed this month")
        ax.plot(st["step"][b:], cum, color="C1", label="running mean after burn-in")
        ax.axhline(theory, color="C0", label=f"theory {theory:.3f}")
        ax.set_title(f"mean completed {label}: {cum[-1]:.3f} (4 SE = {4 * se_m:.3f})")
        ax.set_xlabel("step (month)")
        ax.set_ylabel("months")
        ax.legend(fontsize=8)
    return f"two-state flows, s = {s}, f = {f}"


def ladder_cdfs(posted, wages):
    points = np.unique(np.concatenate([posted, wages]))
    F = np.searchsorted(np.sort(posted), points, side="right") / len(posted)
    G = np.searchsorted(np.sort(wages), points, side="right") / len(wages)
    return points, F, G


def job_ladder(run, fig):
    l1 = run.scenario["search"]["employed_intensity"]
    d = run.scenario["separations"]["quit_rate"]
    k = l1 * (1 - d) / d
    if len(run.panel_step) == 0:
        raise BadInput(f"{run.path}: no panel snapshot")
    last = run.panel_status[-1] == EMPLOYED
    wages = run.panel_wage[-1][last].astype(np.float64)
    posted = run.last_postings()["salary"].astype(np.float64)
    x, F, G = ladder_cdfs(posted, wages)
    G_theory = F / (1 + k * (1 - F))
    G_naive = F / (1 + (l1 / d) * (1 - F))
    ks = np.abs(G - G_theory).max()
    bound = np.sqrt(np.log(2 / 1e-6) / (2 * len(wages)))
    ax1, ax2 = fig.subplots(1, 2)
    ax1.step(x / 1e3, F, where="post", color="grey", label="F: posted salaries")
    ax1.step(x / 1e3, G, where="post", color="C1", lw=2, label=f"G: wages of the employed (n = {len(wages)})")
    ax1.plot(x / 1e3, G_theory, color="C0", ls="--", label=f"F / (1 + k'(1-F)), k' = {k:.3g}")
    ax1.plot(x / 1e3, G_naive, color="C3", ls=":", label=f"continuous time k = {l1 / d:.3g}")
    ax1.set_xlabel("annual salary, thousand CNY")
    ax1.set_ylabel("cumulative share")
    ax1.set_title(f"wage distribution at step {int(run.panel_step[-1])}")
    ax1.legend(fontsize=8)
    ax2.plot(x / 1e3, G - G_theory, color="C1", label="G_sim - G_theory")
    ax2.plot(x / 1e3, G - G_naive, color="C3", lw=0.8, label="G_sim - G(k = lambda1/delta)")
    ax2.axhspan(-bound, bound, color="C0", alpha=0.15, label=f"DKW bound {bound:.4f} (alpha = 1e-6)")
    ax2.axhline(0, color="k", lw=0.5)
    ax2.set_xlabel("annual salary, thousand CNY")
    ax2.set_title(f"KS distance {ks:.4f}")
    ax2.legend(fontsize=8)
    return f"Burdett-Mortensen job ladder, lambda1 = {l1}, delta = {d}"


def type_competes(run):
    types = run.scenario["employer_types"]
    m = np.zeros((len(run.types), len(run.types)), dtype=bool)
    for a, name in enumerate(run.types):
        for other in types[name].get("competes_with", []):
            m[a, run.types.index(other)] = True
    return m


def noncompete(run, fig):
    run.require_full_panel()
    competes = type_competes(run)
    etype = run.employers["type"]
    j = run.moves[run.moves["from_status"] == EMPLOYED]
    to_comp = competes[etype[j["from_employer"]], etype[j["to_employer"]]]
    months = {name: t.get("noncompete_months", 12) for name, t in run.scenario["employer_types"].items()}
    steps = run.steps["step"]
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(steps, np.bincount(j["step"][~to_comp], minlength=len(steps)), label="job to job, to a non-competitor")
    ax1.plot(steps, np.bincount(j["step"][to_comp], minlength=len(steps)), label="job to job, to a competitor (sits out)")
    ax1.plot(steps, run.steps["sitting_out"], color="grey", label="sitting out (stock)")
    ax1.set_xlabel("step (month)")
    ax1.set_title("moves per month")
    ax1.legend(fontsize=8)
    # Months from leaving until the first census employed at the new employer.
    pos = {int(s): k for k, s in enumerate(run.panel_step)}
    delays = {True: [], False: []}
    for m, comp in zip(j, to_comp):
        t, i = int(m["step"]), int(m["candidate"])
        for later in range(t, int(run.panel_step[-1]) + 1):
            k = pos.get(later)
            if k is None:
                break
            if run.panel_status[k, i] == EMPLOYED and run.panel_employer[k, i] == m["to_employer"]:
                delays[bool(comp)].append(later - t)
                break
    n_max = int(max(months.values()))
    bins = np.arange(-0.5, n_max + 2.5)
    ax2.hist([delays[False], delays[True]], bins=bins, label=["to a non-competitor", "to a competitor"])
    for name, n in months.items():
        ax2.axvline(n, color="k", ls="--", lw=0.8)
    ax2.set_xlabel("months from leaving to the first month at the new employer")
    ax2.set_ylabel("moves")
    ax2.set_title(f"restriction N = {', '.join(f'{k}: {v:g}' for k, v in months.items())} months")
    ax2.legend(fontsize=8)
    enf = {name: t.get("noncompete_enforce_prob") for name, t in run.scenario["employer_types"].items()}
    return f"non-compete limit (enforcement {enf}, buyouts {run.scenario['noncompete']['buyouts']})"


def relocation(run, fig):
    run.require_full_panel()
    ecity = run.employers["city"]
    post = run.last_postings()
    cities = sorted(set(int(c) for c in post["city"]))
    by_city = {c: np.sort(post["salary"][post["city"] == c]) for c in cities}
    n_post = len(post)
    pos = {int(s): k for k, s in enumerate(run.panel_step)}
    T = len(run.steps)
    obs = {"job to job": np.zeros(T), "from unemployment": np.zeros(T)}
    bench = {"job to job": np.zeros(T), "from unemployment": np.zeros(T)}
    count = {"job to job": np.zeros(T), "from unemployment": np.zeros(T)}
    own_salary = dict(zip(post["employer"], post["salary"]))
    for m in run.moves:
        t = int(m["step"])
        k = pos.get(t - 1)
        if k is None:
            continue
        home = int(run.panel_city[k, m["candidate"]])
        other = ecity[m["to_employer"]] != home
        if m["from_status"] == EMPLOYED:
            kind, w = "job to job", m["old_wage"]
            better = {c: len(v) - np.searchsorted(v, w, side="right") for c, v in by_city.items()}
            own = m["from_employer"]
            if own_salary.get(own, -np.inf) > w:
                better[int(ecity[own])] -= 1
            total = sum(better.values())
            p_other = (total - better.get(home, 0)) / total if total else 0.0
        elif m["from_status"] == UNEMPLOYED:
            kind = "from unemployment"
            p_other = 1 - len(by_city.get(home, [])) / n_post
        else:
            continue
        obs[kind][t] += other
        bench[kind][t] += p_other
        count[kind][t] += 1
    cost = run.scenario["relocation"]
    axes = fig.subplots(1, 2)
    for ax, kind in zip(axes, obs):
        c = np.maximum(count[kind], 1)
        sel = count[kind] > 0
        steps = run.steps["step"]
        ax.plot(steps[sel], (obs[kind] / c)[sel], color="C1", label="simulation: share that changed city")
        ax.plot(steps[sel], (bench[kind] / c)[sel], color="C0", ls="--", label="if the city played no role")
        tot_o, tot_b = obs[kind].sum() / max(count[kind].sum(), 1), bench[kind].sum() / max(count[kind].sum(), 1)
        ax.set_title(f"hires {kind}: {tot_o:.3f} changed city (city-blind {tot_b:.3f})")
        ax.set_ylim(-0.02, 1.0)
        ax.set_xlabel("step (month)")
        ax.legend(fontsize=8)
    return (f"relocation limit, city cost {cost.get('city_cost')}, home preference {cost.get('home_preference')}"
            f" (enabled {cost.get('enabled')})")


def counteroffer(run, fig):
    o = run.offers
    counters = o[o["kind"] == 2]
    outside = o[o["kind"] != 2]
    key = lambda rows: rows["step"].astype(np.int64) * (1 << 32) + rows["candidate"]  # noqa: E731
    out_by = dict(zip(key(outside), outside["salary"]))
    bids = np.array([out_by.get(k, np.nan) for k in key(counters)])
    ax1, ax2 = fig.subplots(1, 2)
    ax1.scatter(bids / 1e3, counters["salary"] / 1e3, s=3, alpha=0.3, color="C1", label="wage after the counteroffer")
    lim = [np.nanmin(bids) / 1e3, np.nanmax(bids) / 1e3] if len(bids) else [0, 1]
    ax1.plot(lim, lim, color="C0", ls="--", label="wage = outside bid")
    ax1.set_xlabel("outside bid, thousand CNY per year")
    ax1.set_ylabel("new wage with the incumbent, thousand CNY per year")
    same = np.mean(counters["salary"] == bids) if len(bids) else float("nan")
    ax1.set_title(f"{len(counters)} counteroffers, {100 * same:.1f} % exactly at the bid")
    ax1.legend(fontsize=8)
    st = run.steps
    ax2.plot(st["step"], st["counteroffers_made"], label="outside offers countered")
    ax2.plot(st["step"], st["counteroffers_won"], ls="--", label="workers retained")
    ax2.plot(st["step"], st["job_to_job_moves"], label=f"job-to-job moves (total {int(st['job_to_job_moves'].sum())})")
    ax2.set_xlabel("step (month)")
    ax2.set_title("per month")
    ax2.legend(fontsize=8)
    co = run.scenario["counteroffers"]
    return f"counteroffer limit (auction {co['auction']}): the incumbent always outbids"


PLOTS = {"two_state": two_state, "job_ladder": job_ladder, "noncompete": noncompete,
         "relocation": relocation, "counteroffer": counteroffer}


def plot(path, out, case):
    run = Run(path)
    case = case or CASES.get(run.name)
    if case is None:
        raise BadInput(f"{path}: scenario '{run.name}' is not a validation scenario; pass --case "
                       f"({', '.join(PLOTS)})")
    fig = plt.figure(figsize=(15, 5) if case == "two_state" else (13, 5))
    title = PLOTS[case](run, fig)
    fig.suptitle(f"{title} — {os.path.basename(path)}, seed {run.seed}")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"plot_validation: {path} -> {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", metavar="RESULT.h5")
    ap.add_argument("--out", "-o", help="output PNG (only with one input)")
    ap.add_argument("--out-dir", help="directory for <input name>.png")
    ap.add_argument("--case", choices=sorted(PLOTS), help="validation case (default: from the scenario name)")
    a = ap.parse_args()
    if a.out and (len(a.results) > 1 or a.out_dir):
        ap.error("--out takes one input and excludes --out-dir")
    if a.out_dir:
        os.makedirs(a.out_dir, exist_ok=True)
    code = 0
    for path in a.results:
        stem = os.path.splitext(os.path.basename(path))[0]
        out = a.out or os.path.join(a.out_dir or os.path.dirname(path) or ".", stem + ".png")
        try:
            plot(path, out, a.case)
        except BadInput as e:
            print(f"plot_validation: {e}", file=sys.stderr)
            code = max(code, 2)
        except (OSError, KeyError) as e:
            print(f"plot_validation: {path}: {e}", file=sys.stderr)
            code = max(code, 1)
    return code


if __name__ == "__main__":
    sys.exit(main())
