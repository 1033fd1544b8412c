// What a calibration leaves: DIR/calibration.h5 (every evaluation, the estimate, standard errors,
// identification, J-test, profiles), DIR/calibrated.toml (the base scenario with the estimates
// written in) and the printed table. Layout: docs/calibrate.md, "Outputs".
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "io/files.hpp"
#include "io/h5.hpp"
#include "sweep/calibrate.hpp"
#include "io/h5_out.hpp"
#include "sweep/internal.hpp"
#include "version.hpp"

namespace fs = std::filesystem;

namespace talentsim::sweep {
namespace {

std::vector<double> flat(const std::vector<std::vector<double>>& m) {
    std::vector<double> out;
    for (const auto& row : m) out.insert(out.end(), row.begin(), row.end());
    return out;
}

void write_evaluations(hid_t f, const Calibration& c, const CalibrationResult& r) {
    const std::size_t N = r.evaluations.size(), P = c.parameters.size(), K = c.targets.size();
    const auto S = static_cast<std::size_t>(c.seeds);
    h5::Object g = h5out::group(f, "evaluations");
    std::vector<double> x, m, per_seed;
    std::vector<std::string> stage;
    std::vector<std::int64_t> batch;
    std::vector<std::uint8_t> ok;
    for (const auto& e : r.evaluations) {
        x.insert(x.end(), e.x.begin(), e.x.end());
        const auto mean = e.mean();
        m.insert(m.end(), mean.begin(), mean.end());
        for (std::size_t s = 0; s < S; ++s)
            for (std::size_t k = 0; k < K; ++k)
                per_seed.push_back(s < e.per_seed.size() ? e.per_seed[s][k] : std::nan(""));
        stage.push_back(e.stage);
        batch.push_back(static_cast<std::int64_t>(e.batch));
        ok.push_back(e.ok ? 1 : 0);
    }
    h5out::matrix(g, "parameters", x, {N, P});
    h5out::matrix(g, "moments", m, {N, K});
    h5out::matrix(g, "per_seed", per_seed, {N, S, K});
    h5out::column(g, "loss", r.losses);
    h5out::column(g, "stage", stage);
    h5out::column(g, "batch", batch);
    h5out::column(g, "ok", ok);
}

// The chance that a new seed puts each target outside its band at the estimate (chance_outside, any
// loss), with the run's spreads when method.coverage_spread = "global".
std::vector<double> chances_at_best(const Calibration& c, const CalibrationResult& r) {
    std::vector<double> chance(c.targets.size());
    for (std::size_t k = 0; k < chance.size(); ++k)
        chance[k] = chance_outside(c.targets[k], r.evaluations[r.best].per_seed, k, spread_at(r.coverage_sd, k));
    return chance;
}

void write_estimate(hid_t f, const Calibration& c, const CalibrationResult& r) {
    const std::size_t P = c.parameters.size(), K = c.targets.size();
    h5::Object b = h5out::group(f, "best");
    h5::set_attr(b, "index", static_cast<std::int64_t>(r.best));
    h5::set_attr(b, "loss", r.losses[r.best]);
    h5::set_attr(b, "loss_kind", std::string(loss_name(c.loss)));  // method.loss
    if (c.loss == LossKind::bands || c.loss == LossKind::coverage) h5::set_attr(b, "band_penalty", c.band_penalty);
    h5out::column(b, "parameters", r.estimate);
    h5out::column(b, "moments", r.moments_at_best);
    h5out::column(b, "distance", r.distance_at_best);
    h5out::column(b, "chance_outside", chances_at_best(c, r));
    if (!r.coverage_sd.empty()) h5out::column(b, "coverage_spread", r.coverage_sd);  // method.coverage_spread = global
    h5::Object e = h5out::group(f, "estimate");
    h5out::column(e, "value", r.estimate);
    h5out::column(e, "se", r.se);
    h5out::column(e, "se_unit", r.se_unit);
    h5out::column(e, "identified", r.identified);
    h5::Object i = h5out::group(f, "inference");
    h5::set_attr(i, "rank", static_cast<std::int64_t>(r.rank));
    h5::set_attr(i, "condition", r.condition);
    h5::set_attr(i, "j_stat", r.j_stat);
    h5::set_attr(i, "j_df", r.j_df);
    h5::set_attr(i, "j_pvalue", r.j_pvalue);
    h5::set_attr(i, "diagonal_covariance", static_cast<std::int64_t>(r.diagonal_covariance));
    h5out::matrix(i, "jacobian", flat(r.jacobian), {K, P});
    h5out::matrix(i, "weight", flat(r.weight), {K, K});
    h5out::matrix(i, "covariance", flat(r.covariance), {K, K});
    std::vector<std::uint8_t> active;
    for (bool a : r.active) active.push_back(a ? 1 : 0);
    h5out::column(i, "active", active);
    h5::Object p = h5out::group(f, "profiles");
    h5out::column(p, "u", r.profile_u);
    std::vector<double> values;
    for (std::size_t j = 0; j < P; ++j)
        for (double u : r.profile_u) values.push_back(c.parameters[j].value(u));
    h5out::matrix(p, "parameters", values, {P, r.profile_u.size()});
    h5out::matrix(p, "loss", flat(r.profiles), {P, r.profile_u.size()});
}

void write_description(hid_t f, const Calibration& c, const CalibrationResult& r) {
    h5::set_attr(f, "schema", std::string("talentsim-calibration"));
    h5::set_attr(f, "schema_version", static_cast<std::int64_t>(1));
    h5::set_attr(f, "talentsim_version", std::string(kVersion) + "+" + kGitHash);
    h5::set_attr(f, "name", c.name);
    h5::set_attr(f, "fingerprint", c.fingerprint);
    h5::set_attr(f, "calibration_file", c.file.string());
    h5::set_attr(f, "calibration_toml", c.text);
    h5::set_attr(f, "scenario_file", c.scenario.string());
    h5::set_attr(f, "scenario_toml", c.scenario_text);
    h5::set_attr(f, "seed", static_cast<std::int64_t>(c.seed));
    h5::set_attr(f, "seeds", c.seeds);
    h5::set_attr(f, "batches", static_cast<std::int64_t>(r.batches));
    h5::set_attr(f, "local_stop", r.local_stop);
    h5::set_attr(f, "weighting", std::string(c.covariance_weighting ? "covariance" : "bands"));
    h5::set_attr(f, "data_variance", std::string(c.data_variance_from_bands ? "bands" : "simulation"));
    const std::size_t P = c.parameters.size();
    h5::Object g = h5out::group(f, "parameters");
    std::vector<std::string> names, keys, scale;
    std::vector<double> lo, hi;
    for (const auto& p : c.parameters) {
        names.push_back(p.name);
        std::string k;
        for (const auto& x : p.expanded) k += (k.empty() ? "" : " ") + x;
        keys.push_back(k);
        scale.push_back(p.log ? "log" : "linear");
        lo.push_back(p.lo);
        hi.push_back(p.hi);
    }
    (void)P;
    h5out::column(g, "name", names);
    h5out::column(g, "keys", keys);
    h5out::column(g, "scale", scale);
    h5out::column(g, "lo", lo);
    h5out::column(g, "hi", hi);
    h5::Object t = h5out::group(f, "targets");
    std::vector<std::string> tn, unit;
    std::vector<double> value, tlo, thi, tscale, weight;
    for (const auto& x : c.targets) {
        tn.push_back(x.file_stem + "." + x.name);
        unit.push_back(x.unit);
        value.push_back(x.value);
        tlo.push_back(x.lo);
        thi.push_back(x.hi);
        tscale.push_back(x.scale);
        weight.push_back(x.weight);
    }
    h5out::column(t, "name", tn);
    h5out::column(t, "unit", unit);
    h5out::column(t, "value", value);
    h5out::column(t, "lo", tlo);
    h5out::column(t, "hi", thi);
    h5out::column(t, "scale", tscale);
    h5out::column(t, "weight", weight);
    std::vector<std::int64_t> seeds;
    if (!r.evaluations.empty())
        for (auto s : r.evaluations.front().seeds) seeds.push_back(static_cast<std::int64_t>(s));
    h5out::column(f, "seeds", seeds);
}

std::string fmt(double x) {
    if (!std::isfinite(x)) return std::isnan(x) ? "-" : "inf";
    std::ostringstream o;
    o << std::setprecision(5) << x;
    return o.str();
}

}  // namespace

void write_calibration_h5(const Calibration& c, const CalibrationResult& r, const fs::path& file) {
    const fs::path tmp = file.string() + ".partial";
    {
        h5::File f = h5out::create_untimed(tmp);
        write_description(f, c, r);
        write_evaluations(f, c, r);
        write_estimate(f, c, r);
        if (f.close() < 0) throw std::runtime_error(tmp.string() + ": cannot finish writing");
    }
    move_into_place(tmp, file);
}

std::string calibrated_toml(const Calibration& c, const CalibrationResult& r) {
    std::vector<std::string> overrides = c.fixed;
    for (std::size_t j = 0; j < c.parameters.size(); ++j)
        for (const auto& k : c.parameters[j].expanded) overrides.push_back(k + "=" + exact(r.estimate[j]));
    const Scenario s = parse_scenario(c.scenario_text, c.scenario.string(), overrides);
    std::ostringstream o;
    o << "# " << c.scenario.filename().string() << " with the estimates of calibration " << c.name << " ("
      << c.file.filename().string() << ", fingerprint " << c.fingerprint << ") written in.\n";
    o << "# Written by talentsim calibrate (docs/calibrate.md); every key resolved.\n";
    for (std::size_t j = 0; j < c.parameters.size(); ++j)
        o << "#   " << c.parameters[j].name << " = " << exact(r.estimate[j]) << "  (s.e. " << fmt(r.se[j])
          << ", identified: " << r.identified[j] << ")\n";
    for (const auto& f : c.fixed) o << "#   fixed: " << f << "\n";
    o << "\n" << to_toml(s);
    return o.str();
}

namespace {
// The targets that a new seed puts outside their bands with a chance of at least 1 % at the
// estimate (chance_outside), largest first.
void print_chances(const Calibration& c, const CalibrationResult& r, std::ostream& out) {
    std::vector<std::pair<double, std::string>> at_risk;
    const std::vector<double> chance = chances_at_best(c, r);
    for (std::size_t k = 0; k < c.targets.size(); ++k)
        if (chance[k] >= 0.01) at_risk.emplace_back(chance[k], c.targets[k].name);
    std::sort(at_risk.begin(), at_risk.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    out << "chance that a new seed puts a target outside its band (1 % or more):";
    if (at_risk.empty()) out << " none";
    for (const auto& [p, name] : at_risk) out << " " << name << " " << fmt(p);
    out << "\n";
}
}  // namespace

void print_result(const Calibration& c, const CalibrationResult& r, std::ostream& out) {
    out << "calibration " << c.name << ": " << r.evaluations.size() << " evaluations x " << c.seeds << " seeds in "
        << r.batches << " batches; local stage: " << r.local_stop << "\n";
    out << "loss at the estimate " << fmt(r.losses[r.best]) << " (evaluation " << r.best
        << (c.loss == LossKind::per_seed ? "; mean of the seeds' losses" : "");
    if (c.loss == LossKind::bands || c.loss == LossKind::coverage)
        out << "; of which " << fmt(penalty_of(c, r.evaluations[r.best]))
            << (c.loss == LossKind::bands ? " for seeds outside bands"
                                          : " for the targets a new seed may put outside their bands");
    out << ")\n";
    if (c.loss == LossKind::coverage) print_chances(c, r, out);
    out << "\n";
    std::size_t w = 9;
    for (const auto& p : c.parameters) w = std::max(w, p.name.size());
    out << std::left << std::setw(static_cast<int>(w)) << "parameter" << std::right << std::setw(13) << "estimate"
        << std::setw(13) << "s.e." << std::setw(13) << "low" << std::setw(13) << "high" << std::setw(7) << "scale"
        << "  identified\n";
    for (std::size_t j = 0; j < c.parameters.size(); ++j) {
        const auto& p = c.parameters[j];
        out << std::left << std::setw(static_cast<int>(w)) << p.name << std::right << std::setw(13)
            << fmt(r.estimate[j]) << std::setw(13) << fmt(r.se[j]) << std::setw(13) << fmt(p.lo) << std::setw(13)
            << fmt(p.hi) << std::setw(7) << (p.log ? "log" : "linear") << "  " << r.identified[j] << "\n";
    }
    out << "\nJacobian rank " << r.rank << " of " << c.parameters.size() << ", condition number " << fmt(r.condition);
    std::string no;
    for (std::size_t j = 0; j < c.parameters.size(); ++j)
        if (r.identified[j] == "no") no += (no.empty() ? "" : ", ") + c.parameters[j].name;
    if (!no.empty()) out << "; not identified by the targets: " << no;
    out << "\n";
    std::size_t active = 0;
    for (bool a : r.active) active += a;
    if (r.j_df > 0)
        out << "J-test of the over-identifying restrictions: J = " << fmt(r.j_stat) << ", df = " << r.j_df
            << ", p = " << fmt(r.j_pvalue) << " (" << active << " moment conditions)\n";
    else
        out << "J-test: not over-identified (" << active << " active moment conditions)\n";
    // Points near the estimate evaluated for the Jacobian and the profiles: one with a lower loss
    // means the optimiser stopped on the noise of the objective.
    double lowest = r.losses[r.best];
    for (std::size_t i = 0; i < r.losses.size(); ++i)
        if (r.evaluations[i].stage == "jacobian" || r.evaluations[i].stage == "profile")
            lowest = std::min(lowest, r.losses[i]);
    if (lowest < r.losses[r.best])
        out << "note: a Jacobian or profile point has a lower loss (" << fmt(lowest)
            << "): the loss is rough at this scale (simulation noise); more seeds per evaluation smooth it\n";
    if (r.diagonal_covariance)
        out << "note: " << c.seeds << " seeds for " << active
            << " moments: the moment covariance is taken as diagonal (more seeds than moments give the full matrix)\n";
}

}  // namespace talentsim::sweep
