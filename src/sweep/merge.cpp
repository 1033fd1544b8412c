// `talentsim sweep merge DIR`: every point of the plan in DIR/manifest.toml, gathered from
// DIR/points into DIR/sweep.h5. Layout: docs/sweeps.md, "The merged file".
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "io/files.hpp"
#include "io/h5.hpp"
#include "io/h5_out.hpp"
#include "sweep/internal.hpp"

namespace fs = std::filesystem;

namespace talentsim::sweep {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Names are taken as they are: a '/' in a metric name is refused, not made a group.
template <class T>
void column(hid_t loc, const std::string& name, const std::vector<T>& v) {
    h5out::column(loc, name, v, h5out::Parents::refuse);
}

// A parameter column of the given kind.
void value_column(hid_t loc, const std::string& name, const std::string& kind, const std::vector<Value>& v) {
    if (kind == "float") {
        std::vector<double> x;
        for (const auto& e : v) x.push_back(std::get<double>(e));
        column(loc, name, x);
    } else if (kind == "integer") {
        std::vector<std::int64_t> x;
        for (const auto& e : v) x.push_back(std::get<std::int64_t>(e));
        column(loc, name, x);
    } else if (kind == "bool") {
        std::vector<std::uint8_t> x;
        for (const auto& e : v) x.push_back(std::get<bool>(e) ? 1 : 0);
        column(loc, name, x);
    } else {
        std::vector<std::string> x;
        for (const auto& e : v) x.push_back(std::get<std::string>(e));
        column(loc, name, x);
    }
}

std::string join(const std::set<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

}  // namespace

// Gathers the point records of one sweep directory into the columns of sweep.h5.
class Merger {
public:
    explicit Merger(const fs::path& dir)
        : dir(dir),
          m(read_manifest(dir)),
          N(m.points.size()),
          R(static_cast<std::size_t>(m.replicates)),
          P(m.parameters.size()) {
        sum.points = N;
    }

    // Point results; metric names: the built-ins, then target metrics in order of appearance.
    void read_points() {
        results.resize(N);
        why.resize(N);
        metrics = m.builtin_metrics;
        std::set<std::string> known(metrics.begin(), metrics.end());
        for (std::size_t i = 0; i < N; ++i) {
            results[i] = read_point(dir, i, m.fingerprint, &why[i]);
            if (!results[i]) continue;
            versions.insert(results[i]->version);
            for (const auto& r : results[i]->runs)
                for (const auto& name : r.metric_names)
                    if (known.insert(name).second) metrics.push_back(name);
        }
        M = metrics.size();
        for (std::size_t k = 0; k < M; ++k) metric_index[metrics[k]] = k;

        run_values.resize(P);
        run_metric.resize(M);
        pt_values.resize(P);
        pt_mean.resize(M);
        pt_sd.resize(M);
        pt_n.resize(M);
    }

    // One row per run, one per point, with the point's mean and standard deviation per metric.
    void add_point(std::size_t i) {
        PointRuns runs(M);
        for (std::size_t r = 0; r < R; ++r) add_run(i, r, runs);
        pt_index.push_back(static_cast<std::int64_t>(i));
        for (std::size_t j = 0; j < P; ++j) pt_values[j].push_back(m.points[i].values[j]);
        pt_ok.push_back(runs.ok);
        add_point_status(i, runs);
        for (std::size_t k = 0; k < M; ++k) {
            const auto [mean, sd] = mean_and_sd(runs.values[k]);
            pt_mean[k].push_back(mean);
            pt_sd[k].push_back(sd);
            pt_n[k].push_back(static_cast<std::int32_t>(runs.values[k].size()));
        }
    }

    // What a point's runs gave: the finite values of its ok runs per metric, how many were ok, and
    // the first error of a failed one.
    struct PointRuns {
        explicit PointRuns(std::size_t metrics) : values(metrics) {}
        std::vector<std::vector<double>> values;
        int ok = 0;
        std::string first_error;
    };

    // The row of replicate r of point i (its result, or "missing").
    void add_run(std::size_t i, std::size_t r, PointRuns& runs) {
        const auto& plan = m.points[i];
        const auto& res = results[i];
        run_point.push_back(static_cast<std::int64_t>(i));
        run_replicate.push_back(static_cast<std::int64_t>(r));
        run_seed.push_back(plan.seeds[r]);
        for (std::size_t j = 0; j < P; ++j) run_values[j].push_back(plan.values[j]);
        const ReplicateResult* run = nullptr;
        if (res)
            for (const auto& x : res->runs)
                if (x.replicate == static_cast<std::int64_t>(r) && x.seed == plan.seeds[r]) run = &x;
        std::vector<double> row(M, kNaN);
        if (!run) {
            run_status.emplace_back("missing");
            run_error.push_back(res ? "no result for this replicate" : why[i]);
        } else {
            run_status.emplace_back(run->ok ? "ok" : "failed");
            run_error.push_back(run->error);
            if (run->ok) {
                ++runs.ok;
                for (std::size_t k = 0; k < run->metric_names.size(); ++k) {
                    const std::size_t col = metric_index.at(run->metric_names[k]);
                    row[col] = run->metric_values[k];
                    if (std::isfinite(row[col])) runs.values[col].push_back(row[col]);
                }
            } else if (runs.first_error.empty()) {
                runs.first_error = run->error;
            }
        }
        for (std::size_t k = 0; k < M; ++k) run_metric[k].push_back(row[k]);
    }

    // Point i's status (ok: every replicate ok; missing: no result file; failed) and error.
    void add_point_status(std::size_t i, const PointRuns& runs) {
        if (!results[i]) {
            pt_status.emplace_back("missing");
            pt_error.push_back(why[i]);
            sum.missing.push_back(i);
        } else if (runs.ok == static_cast<int>(R)) {
            pt_status.emplace_back("ok");
            pt_error.emplace_back();
            ++sum.complete;
        } else {
            pt_status.emplace_back("failed");
            pt_error.push_back(runs.first_error.empty()
                                   ? "only " + std::to_string(runs.ok) + " of " + std::to_string(R) + " replicates"
                                   : runs.first_error);
            sum.failed.push_back(i);
        }
        if (pt_status.back() != "ok") {
            incomplete.push_back(static_cast<std::int64_t>(i));
            sum.errors.emplace_back(i, pt_status.back() + ": " + pt_error.back());
        }
    }

    // The mean and sample standard deviation of v (NaN without values; the deviation NaN under 2).
    static std::pair<double, double> mean_and_sd(const std::vector<double>& v) {
        double mean = kNaN, sd = kNaN;
        if (!v.empty()) {
            double s = 0;
            for (double x : v) s += x;
            mean = s / static_cast<double>(v.size());
        }
        if (v.size() >= 2) {
            double ss = 0;
            for (double x : v) ss += (x - mean) * (x - mean);
            sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
        }
        return {mean, sd};
    }

    // The sweep file: the attributes of the sweep, the names of parameters and metrics, /runs and
    // /points (each group closed before the file).
    void write(const fs::path& tmp) const {
        h5::File f = h5::create_file(tmp);
        const std::string where = tmp.string();
        write_attributes(f);
        column(f, "parameter_names", m.parameters);
        column(f, "parameter_kinds", m.parameter_kinds);
        std::vector<std::string> keys;
        for (const auto& k : m.parameter_keys) {
            std::string s;
            for (const auto& x : k) s += (s.empty() ? "" : " ") + x;
            keys.push_back(s);
        }
        column(f, "parameter_keys", keys);
        column(f, "metric_names", metrics);
        column(f, "incomplete", incomplete);
        write_runs(f);
        write_points(f);
        if (f.close() < 0) h5::fail(where, "close");
    }

    void write_attributes(const h5::File& f) const {
        h5::set_attr(f, "schema", std::string("talentsim-sweep"));
        h5::set_attr(f, "schema_version", std::int32_t{1});
        h5::set_attr(f, "name", m.name);
        h5::set_attr(f, "fingerprint", m.fingerprint);
        h5::set_attr(f, "sweep_file", m.sweep_file);
        h5::set_attr(f, "sweep_toml", m.sweep_text);
        h5::set_attr(f, "scenario_file", m.scenario_file);
        h5::set_attr(f, "scenario_toml", m.scenario_text);
        h5::set_attr(f, "design", m.design);
        h5::set_attr(f, "seeds", m.seeds);
        h5::set_attr(f, "seed", m.seed);
        h5::set_attr(f, "replicates", static_cast<std::int64_t>(R));
        h5::set_attr(f, "points", static_cast<std::int64_t>(N));
        h5::set_attr(f, "runs", static_cast<std::int64_t>(N * R));
        h5::set_attr(f, "window", m.window);
        h5::set_attr(f, "complete", std::int32_t{incomplete.empty() ? 1 : 0});
        h5::set_attr(f, "talentsim_versions", join(versions));
    }

    void write_runs(const h5::File& f) const {
        const h5::Object runs = h5out::group(f, "runs");
        column(runs, "point", run_point);
        column(runs, "replicate", run_replicate);
        column(runs, "seed", run_seed);
        column(runs, "status", run_status);
        column(runs, "error", run_error);
        const h5::Object rp = h5out::group(runs, "parameters");
        for (std::size_t j = 0; j < P; ++j) value_column(rp, m.parameters[j], m.parameter_kinds[j], run_values[j]);
        const h5::Object rm = h5out::group(runs, "metrics");
        for (std::size_t k = 0; k < M; ++k) column(rm, metrics[k], run_metric[k]);
    }

    void write_points(const h5::File& f) const {
        const h5::Object pts = h5out::group(f, "points");
        column(pts, "index", pt_index);
        column(pts, "status", pt_status);
        column(pts, "error", pt_error);
        column(pts, "replicates_ok", pt_ok);
        const h5::Object pp = h5out::group(pts, "parameters");
        for (std::size_t j = 0; j < P; ++j) value_column(pp, m.parameters[j], m.parameter_kinds[j], pt_values[j]);
        const h5::Object mean = h5out::group(pts, "mean"), sd = h5out::group(pts, "sd"), n = h5out::group(pts, "n");
        for (std::size_t k = 0; k < M; ++k) {
            column(mean, metrics[k], pt_mean[k]);
            column(sd, metrics[k], pt_sd[k]);
            column(n, metrics[k], pt_n[k]);
        }
    }

    const fs::path dir;
    const Manifest m;
    const std::size_t N, R, P;
    std::size_t M = 0;
    std::vector<std::optional<PointResult>> results;
    std::vector<std::string> why, metrics;
    std::set<std::string> versions;
    std::map<std::string, std::size_t> metric_index;
    MergeSummary sum;
    std::vector<std::int64_t> run_point, run_replicate;
    std::vector<std::uint64_t> run_seed;
    std::vector<std::string> run_status, run_error;
    std::vector<std::vector<Value>> run_values;
    std::vector<std::vector<double>> run_metric;
    std::vector<std::int64_t> pt_index, incomplete;
    std::vector<std::int32_t> pt_ok;
    std::vector<std::string> pt_status, pt_error;
    std::vector<std::vector<Value>> pt_values;
    std::vector<std::vector<double>> pt_mean, pt_sd;
    std::vector<std::vector<std::int32_t>> pt_n;
};

MergeSummary merge(const fs::path& dir) {
    Merger g(dir);
    g.read_points();
    for (std::size_t i = 0; i < g.N; ++i) g.add_point(i);
    const fs::path final_path = dir / "sweep.h5", tmp = dir / "sweep.h5.partial";
    try {
        g.write(tmp);
        move_into_place(tmp, final_path);  // synced before its name says it is complete
    } catch (...) {  // disk full while writing: no orphan sweep.h5.partial
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
    g.sum.file = final_path;
    return g.sum;
}

}  // namespace talentsim::sweep
