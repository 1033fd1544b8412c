// Built-in metrics of a sweep run: labour-market summaries over the last `window` steps and wage
// distributions at the end of the run. Definitions in docs/sweeps.md, "Metrics".
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/stats.hpp"
#include "sweep/internal.hpp"

namespace talentsim::sweep {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kStepsPerYear = 12;  // one step is one month

// Names of the scalar metrics, in catalog order.
const char* const kScalars[] = {
    "unemployment_rate",
    "sitting_out_share",
    "employed",
    "unemployed",
    "students",
    "abroad",
    "vacancies",
    "hires",
    "moves",
    "move_rate",
    "separations",
    "separation_rate",
    "layoffs",
    "offers",
    "offer_acceptance_rate",
    "counteroffers_made",
    "counteroffers_won",
    "counteroffer_win_rate",
    "noncompete_blocked",
    "noncompete_buyouts",
    "noncompete_block_rate",
    "noncompete_compensation",
    "team_moves",
    "relocations",
    "relocation_share",
    "returnees",
    "mean_unemployment_spell_months",
    "mean_completed_tenure_months",
};
const char* const kStats[] = {"n", "mean", "p10", "p25", "p50", "p75", "p90"};

// Wage groups: "" (everyone), "role.R.", "degree.D.", "role.R.degree.D."; each with the cells it pools.
struct Group {
    std::string prefix;
    std::vector<std::size_t> cells;
};
std::vector<Group> wage_groups(const Scenario& s) {
    const std::size_t R = s.roles.size(), D = s.degrees.size();
    std::vector<Group> g;
    Group all{"", {}};
    for (std::size_t k = 0; k < R * D; ++k) all.cells.push_back(k);
    g.push_back(all);
    for (std::size_t r = 0; r < R; ++r) {
        Group x{"role." + s.roles[r].name + ".", {}};
        for (std::size_t d = 0; d < D; ++d) x.cells.push_back(r * D + d);
        g.push_back(x);
    }
    for (std::size_t d = 0; d < D; ++d) {
        Group x{"degree." + s.degrees[d].name + ".", {}};
        for (std::size_t r = 0; r < R; ++r) x.cells.push_back(r * D + d);
        g.push_back(x);
    }
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t d = 0; d < D; ++d)
            g.push_back({"role." + s.roles[r].name + ".degree." + s.degrees[d].name + ".", {r * D + d}});
    return g;
}

void add_stats(std::unordered_map<std::string, double>& out, const std::string& prefix, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    out[prefix + "n"] = static_cast<double>(v.size());
    out[prefix + "mean"] = v.empty() ? kNaN : sum / static_cast<double>(v.size());
    out[prefix + "p10"] = stats::quantile_of_sorted(v, 0.10);
    out[prefix + "p25"] = stats::quantile_of_sorted(v, 0.25);
    out[prefix + "p50"] = stats::quantile_of_sorted(v, 0.50);
    out[prefix + "p75"] = stats::quantile_of_sorted(v, 0.75);
    out[prefix + "p90"] = stats::quantile_of_sorted(v, 0.90);
}

double ratio(double a, double b) { return b > 0 ? a / b : kNaN; }

}  // namespace

std::vector<std::string> builtin_catalog(const Scenario& s) {
    std::vector<std::string> out(std::begin(kScalars), std::end(kScalars));
    for (const char* source : {"earned", "posted"})
        for (const auto& g : wage_groups(s))
            for (const char* st : kStats) out.push_back(std::string("wage.") + source + "." + g.prefix + st);
    return out;
}

RunMetrics::RunMetrics(const Scenario& s, std::int32_t steps, std::int64_t window)
    : scenario_(s),
      steps_(steps),
      window_(static_cast<std::int32_t>(std::min<std::int64_t>(window, steps))),
      posted_(s.roles.size() * s.degrees.size()) {}

void RunMetrics::after_step(const World& w, const StepRow& row) {
    const std::int32_t step = seen_++;
    if (step < steps_ - window_) return;
    rows_.push_back(row);
    const auto& P = w.postings;
    for (std::size_t p = 0; p < P.size(); ++p)
        posted_[P.role[p] * scenario_.degrees.size() + P.degree[p]].push_back(P.salary[p]);
}

void RunMetrics::after_step(const StepRow& row, std::span<const PostingRow> postings) {
    const std::int32_t step = seen_++;
    if (step < steps_ - window_) return;
    rows_.push_back(row);
    for (const PostingRow& p : postings)
        posted_[p.role * scenario_.degrees.size() + p.required_degree].push_back(p.salary);
}

RunMetrics::Earned RunMetrics::earned(const World& w) const {
    Earned out(scenario_.roles.size() * scenario_.degrees.size());
    const auto& c = w.candidates;
    for (std::size_t i = 0; i < w.active_candidates; ++i)
        if (c.status[i] == static_cast<std::uint8_t>(Status::employed))
            out[c.role[i] * scenario_.degrees.size() + c.degree[i]].push_back(c.wage[i]);
    return out;
}

namespace {
using MetricMap = std::unordered_map<std::string, double>;

// The window's flows summed, and the means over its steps of the stocks and rates.
struct Window {
    StepTallies sum;  // flows summed over the window
    double compensation = 0, employed_mean = kNaN, vacancies = kNaN, u_rate = kNaN, s_share = kNaN;
    double per_year = kNaN;  // steps per year / steps of the window: a flow's sum as a yearly rate
    const StepRow* last = nullptr;
};

Window window_of(const std::vector<StepRow>& rows) {
    Window out;
    double employed = 0, vac = 0, u_rate = 0, s_share = 0;
    int u_steps = 0, s_steps = 0;
    for (const StepRow& r : rows) {
        out.sum += r;
        out.compensation += r.noncompete_compensation;
        employed += static_cast<double>(r.employed);
        vac += static_cast<double>(r.vacancies);
        if (r.employed + r.unemployed > 0) {
            u_rate += double(r.unemployed) / double(r.employed + r.unemployed);
            ++u_steps;
        }
        if (r.employed + r.unemployed + r.sitting_out > 0) {
            s_share += double(r.sitting_out) / double(r.employed + r.unemployed + r.sitting_out);
            ++s_steps;
        }
    }
    const double W = static_cast<double>(rows.size());
    if (W > 0) {
        out.per_year = kStepsPerYear / W;
        out.employed_mean = employed / W;
        out.vacancies = vac / W;
        out.last = &rows.back();
    }
    if (u_steps) out.u_rate = u_rate / u_steps;
    if (s_steps) out.s_share = s_share / s_steps;
    return out;
}

// The stocks (the last step's), the rates and the flows per year of the window.
void add_window_metrics(MetricMap& m, const Window& w) {
    const StepTallies& sum = w.sum;
    const double per_year = w.per_year;
    m["unemployment_rate"] = w.u_rate;
    m["sitting_out_share"] = w.s_share;
    m["employed"] = w.last ? double(w.last->employed) : kNaN;
    m["unemployed"] = w.last ? double(w.last->unemployed) : kNaN;
    m["students"] = w.last ? double(w.last->students) : kNaN;
    m["abroad"] = w.last ? double(w.last->abroad) : kNaN;
    m["vacancies"] = w.vacancies;
    m["hires"] = double(sum.hires) * per_year;
    m["moves"] = double(sum.job_to_job_moves) * per_year;
    m["move_rate"] = ratio(double(sum.job_to_job_moves) * per_year, w.employed_mean);
    m["separations"] = double(sum.separations) * per_year;
    m["separation_rate"] = ratio(double(sum.separations) * per_year, w.employed_mean);
    m["layoffs"] = double(sum.layoffs) * per_year;
    m["offers"] = double(sum.offers) * per_year;
    m["offer_acceptance_rate"] = ratio(double(sum.hires), double(sum.offers));
    m["counteroffers_made"] = double(sum.counteroffers_made) * per_year;
    m["counteroffers_won"] = double(sum.counteroffers_won) * per_year;
    m["counteroffer_win_rate"] = ratio(double(sum.counteroffers_won), double(sum.counteroffers_made));
    m["noncompete_blocked"] = double(sum.noncompete_blocked) * per_year;
    m["noncompete_buyouts"] = double(sum.noncompete_buyouts) * per_year;
    m["noncompete_block_rate"] =
        ratio(double(sum.noncompete_blocked), double(sum.noncompete_blocked) + double(sum.job_to_job_moves));
    m["noncompete_compensation"] = w.compensation * per_year;
    m["team_moves"] = double(sum.team_moves) * per_year;
    m["relocations"] = double(sum.relocations) * per_year;
    m["relocation_share"] = ratio(double(sum.relocations), double(sum.hires));
    m["returnees"] = double(sum.returnees) * per_year;
    m["mean_unemployment_spell_months"] = ratio(double(sum.spell_months_completed), double(sum.spells_completed));
    m["mean_completed_tenure_months"] = ratio(double(sum.tenure_months_ended), double(sum.jobs_ended));
}
}  // namespace

std::vector<double> RunMetrics::values(const Earned& earned, const std::vector<std::string>& names) const {
    MetricMap m;
    add_window_metrics(m, window_of(rows_));
    // Wages earned at the end of the run (employed candidates) and posted over the window.
    for (const auto& g : wage_groups(scenario_)) {
        std::vector<double> e, p;
        for (std::size_t k : g.cells) {
            e.insert(e.end(), earned[k].begin(), earned[k].end());
            p.insert(p.end(), posted_[k].begin(), posted_[k].end());
        }
        add_stats(m, "wage.earned." + g.prefix, std::move(e));
        add_stats(m, "wage.posted." + g.prefix, std::move(p));
    }
    std::vector<double> out;
    out.reserve(names.size());
    for (const auto& n : names) {
        const auto it = m.find(n);
        out.push_back(it == m.end() ? kNaN : it->second);
    }
    return out;
}

}  // namespace talentsim::sweep
