// `talentsim calibrate`: the driver. Every evaluation is a sweep point of a batch (a sweep file
// of design "list" in DIR/batches, common seeds), run here or as a Slurm array job. The optimiser
// (NLopt) is deterministic and keeps no state of its own on disk: it is restarted from its start
// after every batch and replays the evaluations already made from the cache of batch results, so
// a calibration resumed after kill -9 follows exactly the same path. docs/calibrate.md, "Resume".
#include <nlopt.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <thread>

#include "sweep/calibrate.hpp"
#include "sweep/designs.hpp"
#include "io/files.hpp"
#include "io/input_error.hpp"
#include "sweep/internal.hpp"

namespace fs = std::filesystem;

namespace talentsim::sweep {

namespace {
// The mean of target k's finite values over the seeds (NaN without one); n: how many there are.
double finite_mean(const std::vector<std::vector<double>>& per_seed, std::size_t k, int& n) {
    double sum = 0;
    n = 0;
    for (const auto& row : per_seed)
        if (std::isfinite(row[k])) {
            sum += row[k];
            ++n;
        }
    return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}
}  // namespace

std::vector<double> Evaluation::mean() const {
    const std::size_t K = per_seed.empty() ? 0 : per_seed.front().size();
    std::vector<double> m(K);
    int n;
    for (std::size_t k = 0; k < K; ++k) m[k] = finite_mean(per_seed, k, n);
    return m;
}

double loss_of(const Calibration& c, const std::vector<double>& mean, const std::vector<std::vector<double>>& W) {
    std::vector<double> g(c.targets.size());
    for (std::size_t k = 0; k < g.size(); ++k) g[k] = c.targets[k].distance(mean[k]);
    double L = 0;  // targets without data are left out, as in compare
    for (std::size_t i = 0; i < g.size(); ++i)
        for (std::size_t j = 0; j < g.size(); ++j)
            if (std::isfinite(g[i]) && std::isfinite(g[j])) L += g[i] * W[i][j] * g[j];
    return L;
}

const char* loss_name(LossKind k) {
    return k == LossKind::per_seed   ? "per_seed"
           : k == LossKind::bands    ? "bands"
           : k == LossKind::coverage ? "coverage"
                                     : "mean";
}

double band_penalty_of(const Calibration& c, const Evaluation& e) {
    double P = 0;
    for (const auto& row : e.per_seed)
        for (std::size_t k = 0; k < c.targets.size(); ++k) {
            const double b = c.targets[k].outside(row[k]);
            if (std::isfinite(b)) P += c.targets[k].weight * std::abs(b);
        }
    return e.per_seed.empty() ? 0.0 : c.band_penalty * P / static_cast<double>(e.per_seed.size());
}

// The sample variance (n - 1) of target k's finite values over the seeds, their mean and count.
double seed_variance(const std::vector<std::vector<double>>& per_seed, std::size_t k, double& m, int& n) {
    m = finite_mean(per_seed, k, n);
    double squares = 0;
    for (const auto& row : per_seed)
        if (std::isfinite(row[k])) squares += (row[k] - m) * (row[k] - m);
    return n > 1 ? squares / (n - 1) : 0.0;
}

double chance_outside(const CalTarget& t, const std::vector<std::vector<double>>& per_seed, std::size_t k,
                      double fixed_sd) {
    int n;
    double m;
    const double variance = seed_variance(per_seed, k, m, n);
    if (n == 0) return m;  // NaN: no data
    const double sd = std::isfinite(fixed_sd) && fixed_sd > 0 ? fixed_sd : std::sqrt(variance);
    if (!(sd > 0)) return t.outside(m) != 0.0 ? 1.0 : 0.0;
    const auto Phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };  // (Phi(-inf) = 0)
    return Phi((t.lo - m) / sd) + Phi((m - t.hi) / sd);
}

double spread_at(const std::vector<double>& coverage_sd, std::size_t k) {
    return k < coverage_sd.size() ? coverage_sd[k] : std::numeric_limits<double>::quiet_NaN();
}

double chance_outside(const Calibration& c, const std::vector<std::vector<double>>& per_seed, std::size_t k) {
    return chance_outside(c.targets[k], per_seed, k, spread_at(c.coverage_sd, k));
}

std::vector<double> pooled_spread(const Calibration& c, const std::vector<Evaluation>& evaluations) {
    std::vector<double> sum(c.targets.size(), 0.0), count(c.targets.size(), 0.0);
    for (const Evaluation& e : evaluations) {
        if (!e.ok) continue;
        for (std::size_t k = 0; k < c.targets.size(); ++k) {
            int n;
            double m;
            const double variance = seed_variance(e.per_seed, k, m, n);
            if (n < 2) continue;
            sum[k] += variance;
            count[k] += 1;
        }
    }
    std::vector<double> sd(c.targets.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < sd.size(); ++k)
        if (count[k] > 0) sd[k] = std::sqrt(sum[k] / count[k]);
    return sd;
}

double coverage_penalty_of(const Calibration& c, const Evaluation& e) {
    double P = 0;
    for (std::size_t k = 0; k < c.targets.size(); ++k) {
        const double p = chance_outside(c, e.per_seed, k);
        if (std::isfinite(p)) P += c.targets[k].weight * p;
    }
    return c.band_penalty * P;
}

double penalty_of(const Calibration& c, const Evaluation& e) {
    if (c.loss == LossKind::bands) return band_penalty_of(c, e);
    if (c.loss == LossKind::coverage) return coverage_penalty_of(c, e);
    return 0.0;
}

double loss_of(const Calibration& c, const Evaluation& e, const std::vector<std::vector<double>>& W) {
    if (c.loss != LossKind::per_seed) return loss_of(c, e.mean(), W) + penalty_of(c, e);  // (0 for "mean")
    double L = 0;
    for (const auto& row : e.per_seed) L += loss_of(c, row, W);
    return e.per_seed.empty() ? 0.0 : L / static_cast<double>(e.per_seed.size());
}

namespace {

constexpr double kFailedLoss = 1e10;  // a point whose runs failed (an invalid scenario there)

std::string batch_name(std::size_t b) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "b%04zu", b);
    return buf;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The sweep file of one batch: the listed points, the calibration's seeds at every point.
std::string batch_sweep(const Calibration& c, std::size_t b, const std::vector<std::vector<double>>& xs) {
    std::ostringstream o;
    o << "# talentsim calibrate: evaluations of batch " << b << " of calibration " << c.name << " (" << c.fingerprint
      << ")\n";
    o << "[sweep]\nname = " << quote(c.name + "-" + batch_name(b)) << "\nscenario = " << quote(c.scenario.string())
      << "\nseed = " << c.seed << "\nreplicates = " << c.seeds << "\nseeds = \"common\"\nset = [";
    for (std::size_t i = 0; i < c.fixed.size(); ++i) o << (i ? ", " : "") << quote(c.fixed[i]);
    o << "]\n[design]\nkind = \"list\"\n";
    for (std::size_t j = 0; j < c.parameters.size(); ++j) {
        o << "[[parameters]]\nname = " << quote(c.parameters[j].name) << "\nkeys = [";
        for (std::size_t k = 0; k < c.parameters[j].keys.size(); ++k)
            o << (k ? ", " : "") << quote(c.parameters[j].keys[k]);
        o << "]\nvalues = [";
        for (std::size_t i = 0; i < xs.size(); ++i) o << (i ? ", " : "") << exact(xs[i][j]);
        o << "]\n";
    }
    o << "[metrics]\nbuiltin = []\ntargets = [";
    for (std::size_t i = 0; i < c.targets_files.size(); ++i) o << (i ? ", " : "") << quote(c.targets_files[i].string());
    o << "]\n";
    return o.str();
}

std::string run_command(const std::string& cmd, int* status) {
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) throw std::runtime_error("cannot start: " + cmd);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    *status = ::pclose(p);
    return out;
}

class Driver {
public:
    Driver(const Calibration& c, const fs::path& dir, const CalibrateOptions& opt) : c_(c), dir_(dir), opt_(opt) {}

    // Evaluates the points (unit coordinates); those known from earlier batches are not run again.
    void evaluate(const std::vector<std::vector<double>>& us, const std::string& stage) {
        std::vector<std::vector<double>> fresh;
        for (const auto& u : us) {
            const auto x = values(u);
            if (!find(x) && std::find(fresh.begin(), fresh.end(), x) == fresh.end()) fresh.push_back(x);
        }
        if (fresh.empty()) return;
        const std::size_t b = batches_++;
        const Sweep s = prepare_batch(b, fresh);
        const fs::path bdir = dir_ / "batches" / batch_name(b);
        if (opt_.slurm.enabled)
            run_on_slurm(s, bdir, b);
        else
            run_here(s, bdir);
        collect(s, bdir, b, stage);
        if (opt_.log)
            *opt_.log << stage << ": batch " << b << ", " << fresh.size() << " point(s); best loss " << best_loss_text()
                      << "\n";
    }

    const Evaluation* find(const std::vector<double>& x) const {
        const auto it = index_.find(bits(x));
        return it == index_.end() ? nullptr : &evals_[it->second];
    }
    std::vector<double> values(const std::vector<double>& u) const {
        std::vector<double> x(u.size());
        for (std::size_t j = 0; j < u.size(); ++j) x[j] = c_.parameters[j].value(u[j]);
        return x;
    }
    const std::vector<Evaluation>& evaluations() const { return evals_; }
    std::size_t batches() const { return batches_; }
    std::vector<std::vector<double>> W;  // the current weighting

    double loss(const Evaluation& e) const { return e.ok ? loss_of(c_, e, W) : kFailedLoss; }
    std::size_t best() const {
        std::size_t b = 0;
        for (std::size_t i = 1; i < evals_.size(); ++i)
            if (loss(evals_[i]) < loss(evals_[b])) b = i;
        return b;
    }

private:
    static std::vector<std::uint64_t> bits(const std::vector<double>& x) {
        std::vector<std::uint64_t> k;
        for (double v : x) k.push_back(std::bit_cast<std::uint64_t>(v));
        return k;
    }
    std::string best_loss_text() const {
        std::ostringstream o;
        o << std::setprecision(6) << loss(evals_[best()]);
        return o.str();
    }

    Sweep prepare_batch(std::size_t b, const std::vector<std::vector<double>>& xs) {
        fs::create_directories(dir_ / "batches");
        const fs::path file = dir_ / "batches" / (batch_name(b) + ".toml");
        const std::string text = batch_sweep(c_, b, xs);
        if (fs::exists(file) && slurp(file) != text)
            throw std::runtime_error(file.string() +
                                     ": written by a different calibration path (another talentsim version?); "
                                     "use a new --out");
        if (!fs::exists(file)) write_file_atomically(file, text);
        Sweep s = parse_sweep(text, file);
        prepare_output(s, dir_ / "batches" / batch_name(b));
        return s;
    }

    void run_here(const Sweep& s, const fs::path& bdir) {
        std::vector<std::size_t> all(s.points.size());
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
        ExecOptions e = opt_.exec;
        e.progress = false;
        const RunSummary r = run_points(s, bdir, all, e);
        if (r.interrupted) throw CalibrationPending("interrupted; the evaluations made so far are kept");
    }

    void run_on_slurm(const Sweep& s, const fs::path& bdir, std::size_t b) {
        SlurmOptions o = opt_.slurm.sweep;
        o.chunk = 1;
        o.array_limit = std::max<std::int64_t>(o.array_limit, static_cast<std::int64_t>(s.points.size()));
        const SlurmScript script = write_slurm_script(s, bdir, o);
        const auto missing = incomplete_tasks(s, bdir, script.chunk);
        if (missing.empty()) return;
        std::string array;
        for (auto t : missing) {  // appended piecewise: no GCC 12 -Wrestrict false positive
            if (!array.empty()) array += ',';
            array += std::to_string(t);
        }
        const std::string cmd = opt_.slurm.sbatch + " --parsable --array=" + array + " '" + script.path.string() + "'";
        if (!opt_.slurm.submit)
            throw CalibrationPending("batch " + std::to_string(b) + " is written as an array job; submit it with\n  " +
                                     cmd + "\nand run this command again when it has finished");
        int status = 0;
        std::string out = run_command(cmd, &status);
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        if (status != 0 || out.empty()) throw std::runtime_error(cmd + " failed: " + out);
        const std::string job = out.substr(out.find_last_of('\n') + 1).substr(0, out.find(';'));
        if (opt_.log) *opt_.log << "batch " << b << ": submitted job " << job << "\n";
        for (;;) {  // until the job has left the queue
            const std::string q = run_command(opt_.slurm.squeue + " -h -j " + job + " -o %i", &status);
            if (status != 0 || q.find_first_not_of(" \n") == std::string::npos) break;
            if (opt_.exec.stop && opt_.exec.stop->load())
                throw CalibrationPending("interrupted while job " + job +
                                         " runs; run this command again when it has finished");
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        if (!incomplete_tasks(s, bdir, script.chunk).empty())
            throw std::runtime_error("job " + job + " left points of batch " + std::to_string(b) +
                                     " without results; see " + (bdir / "logs").string() +
                                     " and run this command again to resubmit them");
    }

    void collect(const Sweep& s, const fs::path& bdir, std::size_t b, const std::string& stage) {
        for (const auto& p : s.points) {
            const auto r = read_point(bdir, p.index, s.fingerprint);
            if (!r) throw std::runtime_error(point_file(bdir, p.index).string() + ": no results");
            Evaluation e;
            for (const auto& v : p.values) e.x.push_back(std::get<double>(v));
            e.seeds = p.seeds;
            e.stage = stage;
            e.batch = b;
            e.ok = r->ok();
            for (const auto& run : r->runs) {
                std::vector<double> row(c_.targets.size(), std::numeric_limits<double>::quiet_NaN());
                for (std::size_t k = 0; k < c_.targets.size(); ++k) {
                    const std::string name = "target." + c_.targets[k].file_stem + "." + c_.targets[k].name;
                    const auto it = std::find(run.metric_names.begin(), run.metric_names.end(), name);
                    if (it != run.metric_names.end())
                        row[k] = run.metric_values[static_cast<std::size_t>(it - run.metric_names.begin())];
                }
                e.per_seed.push_back(std::move(row));
            }
            index_[bits(e.x)] = evals_.size();
            evals_.push_back(std::move(e));
        }
    }

    const Calibration& c_;
    fs::path dir_;
    const CalibrateOptions& opt_;
    std::map<std::vector<std::uint64_t>, std::size_t> index_;
    std::vector<Evaluation> evals_;
    std::size_t batches_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The stages.

std::vector<std::vector<double>> bands_weighting(const Calibration& c) {
    const std::size_t K = c.targets.size();
    std::vector<std::vector<double>> W(K, std::vector<double>(K, 0.0));
    for (std::size_t k = 0; k < K; ++k) W[k][k] = c.targets[k].weight;
    return W;
}

std::vector<double> unit_of(const Calibration& c, const std::vector<double>& x) {
    std::vector<double> u(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) u[j] = std::clamp(c.parameters[j].unit(x[j]), 0.0, 1.0);
    return u;
}

void global_stage(const Calibration& c, Driver& d) {
    const std::size_t P = c.parameters.size(), N = c.global_size();
    std::vector<std::vector<double>> us =
        c.global == GlobalDesign::sobol ? sobol_sequence(N, P) : latin_hypercube(N, P, c.seed ^ 0x43414C4942524154ull);
    if (std::any_of(c.parameters.begin(), c.parameters.end(), [](const CalParameter& p) { return p.start >= 0; })) {
        std::vector<double> start(P);
        for (std::size_t j = 0; j < P; ++j) start[j] = c.parameters[j].start >= 0 ? c.parameters[j].start : 0.5;
        us.insert(us.begin(), start);
    }
    d.evaluate(us, "global");
}

nlopt::algorithm algorithm_of(LocalMethod m, std::size_t P) {
    switch (m) {
        case LocalMethod::neldermead:
            return nlopt::LN_NELDERMEAD;
        case LocalMethod::sbplx:
            return nlopt::LN_SBPLX;
        case LocalMethod::cobyla:
            return nlopt::LN_COBYLA;
        default:
            return P >= 2 ? nlopt::LN_BOBYQA : nlopt::LN_SBPLX;  // BOBYQA needs two or more dimensions
    }
}

const char* stop_reason(nlopt::result r) {
    switch (r) {
        case nlopt::STOPVAL_REACHED:
            return "stopval reached";
        case nlopt::FTOL_REACHED:
            return "ftol reached";
        case nlopt::XTOL_REACHED:
            return "xtol reached (steps smaller than method.xtol)";
        case nlopt::MAXEVAL_REACHED:
            return "budget reached (method.budget evaluations)";
        case nlopt::MAXTIME_REACHED:
            return "time limit";
        default:
            return "converged";
    }
}

struct Objective {
    Driver* d;
    std::vector<double> pending;  // the point the optimiser asked for that is not evaluated yet
};

double objective(const std::vector<double>& u, std::vector<double>&, void* data) {
    auto* o = static_cast<Objective*>(data);
    if (const Evaluation* e = o->d->find(o->d->values(u))) return o->d->loss(*e);
    o->pending = u;
    throw nlopt::forced_stop();
}

// Runs the optimiser from u0 to its end, evaluating one new point per batch; each restart
// replays the points already evaluated from the cache.
std::string local_stage(const Calibration& c, Driver& d, const std::vector<double>& u0, const std::string& stage) {
    const std::size_t P = c.parameters.size();
    if (c.budget == 0) return "no local stage (method.budget = 0)";
    for (;;) {
        nlopt::srand(c.seed);
        nlopt::opt opt(algorithm_of(c.local, P), static_cast<unsigned>(P));
        opt.set_lower_bounds(std::vector<double>(P, 0.0));
        opt.set_upper_bounds(std::vector<double>(P, 1.0));
        Objective o{&d, {}};
        opt.set_min_objective(objective, &o);
        opt.set_maxeval(static_cast<int>(c.budget));
        opt.set_xtol_abs(c.xtol);
        opt.set_initial_step(c.initial_step);
        std::vector<double> u = u0;
        double f = 0;
        try {
            return stop_reason(opt.optimize(u, f));
        } catch (const nlopt::forced_stop&) {
            if (o.pending.empty()) throw;
            d.evaluate({o.pending}, stage);
        } catch (const nlopt::roundoff_limited&) {
            return "roundoff limited";
        }
    }
}

void write_outputs(const Calibration& c, const CalibrationResult& r, const fs::path& dir) {
    write_calibration_h5(c, r, dir / "calibration.h5");
    write_file_atomically(dir / "calibrated.toml", calibrated_toml(c, r));
}

void prepare_dir(const Calibration& c, const fs::path& dir) {
    check_output_dir(dir, {"calibration.toml", "batches", "calibration.h5", "calibrated.toml"}, "calibration");
    fs::create_directories(dir);
    const fs::path f = dir / "calibration.toml";
    const std::string head =
        "# talentsim calibrate: the calibration this directory holds (fingerprint " + c.fingerprint + ")\n";
    if (fs::exists(f)) {
        const std::string text = slurp(f);
        if (text.rfind(head, 0) != 0)
            throw UsageError(dir.string() + " holds another calibration (" + f.string() + "; " + c.file.string() +
                             " gives fingerprint " + c.fingerprint + "). Use another --out, or delete " + dir.string());
        return;
    }
    write_file_atomically(f, head + c.text);
}

}  // namespace

CalibrationResult calibrate(const Calibration& calibration, const fs::path& dir, const CalibrateOptions& opt) {
    prepare_dir(calibration, dir);
    Calibration c = calibration;  // with the spreads of loss "coverage" once the global stage has run
    Driver d(c, dir, opt);
    d.W = bands_weighting(c);
    global_stage(c, d);
    if (c.spread_from_global) {  // (a resumed run may hold later stages' evaluations too: not those)
        std::vector<Evaluation> global;
        for (const Evaluation& e : d.evaluations())
            if (e.stage == "global") global.push_back(e);
        c.coverage_sd = pooled_spread(c, global);
    }
    CalibrationResult r;
    r.coverage_sd = c.coverage_sd;
    r.local_stop = local_stage(c, d, unit_of(c, d.evaluations()[d.best()].x), "local");
    if (c.covariance_weighting) {
        d.W = covariance_weighting_of(c, d.evaluations()[d.best()]);
        r.local_stop = local_stage(c, d, unit_of(c, d.evaluations()[d.best()].x), "local2");
    }
    const Evaluation best = d.evaluations()[d.best()];
    const std::vector<double> ub = unit_of(c, best.x);
    std::vector<std::vector<double>> jac;
    for (std::size_t j = 0; j < c.parameters.size(); ++j)
        for (double sign : {-1.0, 1.0}) {
            auto u = ub;
            u[j] = std::clamp(u[j] + sign * c.fd_step, 0.0, 1.0);
            jac.push_back(u);
        }
    d.evaluate(jac, "jacobian");
    std::vector<Evaluation> jac_evals;
    for (const auto& u : jac) jac_evals.push_back(*d.find(d.values(u)));
    infer(c, jac_evals, best, ub, d.W, r);

    for (std::int64_t k = 0; k < c.profile_points; ++k)
        r.profile_u.push_back(c.profile_points == 1 ? 0.5 : static_cast<double>(k) / (c.profile_points - 1));
    std::vector<std::vector<double>> prof;
    for (std::size_t j = 0; j < c.parameters.size(); ++j)
        for (double g : r.profile_u) {
            auto u = ub;
            u[j] = g;
            prof.push_back(u);
        }
    d.evaluate(prof, "profile");
    r.profiles.assign(c.parameters.size(), {});
    for (std::size_t j = 0; j < c.parameters.size(); ++j)
        for (std::size_t k = 0; k < r.profile_u.size(); ++k)
            r.profiles[j].push_back(d.loss(*d.find(d.values(prof[j * r.profile_u.size() + k]))));

    r.evaluations = d.evaluations();
    for (const auto& e : r.evaluations) r.losses.push_back(d.loss(e));
    r.best = static_cast<std::size_t>(d.find(best.x) - d.evaluations().data());
    r.batches = d.batches();
    write_outputs(c, r, dir);
    return r;
}

}  // namespace talentsim::sweep
