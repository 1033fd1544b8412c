// Running sweep points: the output directory (manifest, one result file per point), running
// the replicates of many points at a time in this process, resuming, and the Slurm array script.
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#include <toml++/toml.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "analysis/compare.hpp"
#include "io/files.hpp"
#include "io/h5.hpp"
#include "io/input_error.hpp"
#include "run/run.hpp"
#include "sweep/internal.hpp"
#include "sweep/manifest_check.hpp"
#include "version.hpp"

namespace fs = std::filesystem;

namespace talentsim::sweep {

// ---------------------------------------------------------------------------------------------
// The manifest.

namespace {

const char* design_name(Design d) { return design_kind_name(d); }

// Basic strings only ("...", escapes for line breaks): a multi-line or literal string would drop
// a text's leading line break when read back, and a manifest must give back exactly the sweep and
// scenario files it holds.
constexpr auto kTomlFlags = toml::toml_formatter::default_flags &
                            ~(toml::format_flags::allow_literal_strings | toml::format_flags::allow_multi_line_strings);

// A whole TOML file: the comment lines, then the table as toml++ prints it.
std::string toml_document(const char* comment, const toml::table& t) {
    std::ostringstream o;
    o << comment << toml::toml_formatter(t, kTomlFlags) << "\n";
    return o.str();
}

template <class T>
toml::array toml_array(const std::vector<T>& v) {
    toml::array a;
    for (const auto& x : v) a.push_back(x);
    return a;
}
toml::array toml_array(const std::vector<std::uint64_t>& v) {  // seeds: 62 bits, TOML integers are 64-bit signed
    toml::array a;
    for (const auto x : v) a.push_back(static_cast<std::int64_t>(x));
    return a;
}
toml::array toml_array(const std::vector<Value>& v) {
    toml::array a;
    for (const auto& x : v) std::visit([&](const auto& y) { a.push_back(y); }, x);
    return a;
}

std::string str_at(const toml::table& t, const char* key, const std::string& file) {
    const toml::node* n = t.get(key);
    if (!n || !n->is_string()) throw std::runtime_error(file + ": " + key + ": missing or not a string");
    return n->as_string()->get();
}
std::int64_t int_at(const toml::table& t, const char* key, const std::string& file) {
    const toml::node* n = t.get(key);
    if (!n || !n->is_integer()) throw std::runtime_error(file + ": " + key + ": missing or not an integer");
    return n->as_integer()->get();
}
std::vector<std::string> strings_at(const toml::table& t, const char* key, const std::string& file) {
    const toml::array* a = t.get(key) ? t.get(key)->as_array() : nullptr;
    if (!a) throw std::runtime_error(file + ": " + key + ": missing or not an array");
    std::vector<std::string> out;
    for (const auto& el : *a) {
        if (!el.is_string()) throw std::runtime_error(file + ": " + key + ": expected strings");
        out.push_back(el.as_string()->get());
    }
    return out;
}
double number_of(const toml::node& n) {
    if (n.is_floating_point()) return n.as_floating_point()->get();
    if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
    throw std::runtime_error("expected a number");
}

}  // namespace

Manifest manifest_of(const Sweep& s) {
    Manifest m;
    m.fingerprint = s.fingerprint;
    m.name = s.name;
    m.sweep_file = fs::absolute(s.file).lexically_normal().string();
    m.sweep_text = s.text;
    m.scenario_file = fs::absolute(s.scenario).lexically_normal().string();
    m.scenario_text = s.scenario_text;
    m.design = design_name(s.design);
    m.seeds = s.seeds == Seeds::common ? "common" : "independent";
    m.seed = s.seed;
    m.replicates = s.replicates;
    m.window = s.window;
    for (const auto& p : s.parameters) {
        m.parameters.push_back(p.name);
        m.parameter_kinds.push_back(kind_name(p.kind));
        m.parameter_keys.push_back(p.keys);
    }
    m.builtin_metrics = s.builtin_metrics;
    for (const auto& t : s.targets) m.targets.push_back(fs::absolute(t).lexically_normal().string());
    for (const auto& p : s.points) m.points.push_back({p.values, p.seeds});
    return m;
}

std::string manifest_toml(const Manifest& m) {
    toml::table t;
    t.insert("schema", "talentsim-sweep-manifest");
    t.insert("schema_version", 1);
    t.insert("fingerprint", m.fingerprint);
    t.insert("name", m.name);
    t.insert("sweep_file", m.sweep_file);
    t.insert("scenario_file", m.scenario_file);
    t.insert("design", m.design);
    t.insert("seeds", m.seeds);
    t.insert("seed", static_cast<std::int64_t>(m.seed));
    t.insert("replicates", m.replicates);
    t.insert("window", m.window);
    t.insert("points", static_cast<std::int64_t>(m.points.size()));
    t.insert("parameters", toml_array(m.parameters));
    t.insert("parameter_kinds", toml_array(m.parameter_kinds));
    toml::array keys;
    for (const auto& k : m.parameter_keys) keys.push_back(toml_array(k));
    t.insert("parameter_keys", std::move(keys));
    t.insert("builtin_metrics", toml_array(m.builtin_metrics));
    t.insert("targets", toml_array(m.targets));
    t.insert("sweep_text", m.sweep_text);
    t.insert("scenario_text", m.scenario_text);
    toml::array points;
    for (std::size_t i = 0; i < m.points.size(); ++i)
        points.push_back(toml::table{{"index", static_cast<std::int64_t>(i)},
                                     {"values", toml_array(m.points[i].values)},
                                     {"seeds", toml_array(m.points[i].seeds)}});
    if (!points.empty()) t.insert("point", std::move(points));
    return toml_document(
        "# talentsim sweep manifest: the plan of the sweep whose results are in this directory.\n"
        "# Written by talentsim sweep run / slurm / point; read by talentsim sweep merge (docs/sweeps.md).\n",
        t);
}

namespace {
// The manifest's file parsed (a syntax error names file, line and column) and checked (every error
// at once; what follows can trust the counts).
toml::table parse_manifest(const fs::path& dir, const fs::path& file) {
    const std::string f = file.string();
    if (!fs::exists(file))
        throw std::runtime_error(f + ": no sweep manifest here (is " + dir.string() + " the --out of a sweep?)");
    check_regular_input(file, std::uintmax_t{1} << 30);
    toml::table t;
    try {
        t = toml::parse_file(f);
    } catch (const toml::parse_error& e) {
        throw ScenarioInvalid(
            {ScenarioError{f, static_cast<int>(e.source().begin.line), static_cast<int>(e.source().begin.column),
                           "(syntax)", std::string(e.description())}});
    }
    check_manifest(t, f);
    if (str_at(t, "schema", f) != "talentsim-sweep-manifest" || int_at(t, "schema_version", f) != 1)
        throw std::runtime_error(f + ": not a talentsim sweep manifest of a known schema");
    return t;
}

// A [[point]] entry: its values by the parameters' kinds, and its seeds (check_manifest has checked
// each entry's types and counts).
Manifest::PointRow point_row(const toml::table& p, const std::vector<std::string>& kinds) {
    Manifest::PointRow row;
    const toml::array& vals = *p.get("values")->as_array();
    for (std::size_t j = 0; j < vals.size(); ++j) {
        const std::string& kind = kinds.at(j);
        if (kind == "float")
            row.values.emplace_back(number_of(*vals.get(j)));
        else if (kind == "integer")
            row.values.emplace_back(vals.get(j)->as_integer()->get());
        else if (kind == "bool")
            row.values.emplace_back(vals.get(j)->as_boolean()->get());
        else
            row.values.emplace_back(vals.get(j)->as_string()->get());
    }
    for (const auto& sd : *p.get("seeds")->as_array())
        row.seeds.push_back(static_cast<std::uint64_t>(sd.as_integer()->get()));
    return row;
}

// The manifest's [[point]] entries (as many as its `points`).
void read_points(const toml::table& t, const std::string& f, Manifest& m) {
    const std::int64_t n = int_at(t, "points", f);
    const toml::array* pts = t.get("point") ? t.get("point")->as_array() : nullptr;
    if (n > 0 && (!pts || static_cast<std::int64_t>(pts->size()) != n))
        throw std::runtime_error(f + ": expected " + std::to_string(n) + " [[point]] entries");
    try {
        for (std::int64_t i = 0; i < n; ++i)
            m.points.push_back(point_row(*pts->get(static_cast<std::size_t>(i))->as_table(), m.parameter_kinds));
    } catch (const std::exception&) {
        throw std::runtime_error(f + ": malformed [[point]] entry");
    }
}
}  // namespace

Manifest read_manifest(const fs::path& dir) {
    const fs::path file = dir / "manifest.toml";
    const std::string f = file.string();
    const toml::table t = parse_manifest(dir, file);
    Manifest m;
    m.fingerprint = str_at(t, "fingerprint", f);
    m.name = str_at(t, "name", f);
    m.sweep_file = str_at(t, "sweep_file", f);
    m.scenario_file = str_at(t, "scenario_file", f);
    m.design = str_at(t, "design", f);
    m.seeds = str_at(t, "seeds", f);
    m.seed = static_cast<std::uint64_t>(int_at(t, "seed", f));
    m.replicates = int_at(t, "replicates", f);
    m.window = int_at(t, "window", f);
    m.parameters = strings_at(t, "parameters", f);
    m.parameter_kinds = strings_at(t, "parameter_kinds", f);
    m.builtin_metrics = strings_at(t, "builtin_metrics", f);
    m.targets = strings_at(t, "targets", f);
    m.sweep_text = str_at(t, "sweep_text", f);
    m.scenario_text = str_at(t, "scenario_text", f);
    if (const toml::array* a = t.get("parameter_keys") ? t.get("parameter_keys")->as_array() : nullptr)
        for (const auto& el : *a) {
            std::vector<std::string> keys;
            if (const auto* inner = el.as_array())
                for (const auto& k : *inner)
                    if (k.is_string()) keys.push_back(k.as_string()->get());
            m.parameter_keys.push_back(keys);
        }
    read_points(t, f, m);
    return m;
}

const std::vector<std::string>& sweep_entries() {
    static const std::vector<std::string> names = {"manifest.toml", "points", "runs",     "checkpoints",
                                                   "logs",          "sweep.sbatch", "sweep.h5", "sensitivity.h5"};
    return names;
}

void check_output_dir(const fs::path& dir, const std::vector<std::string>& ours, const char* what) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return;
    if (!fs::is_directory(dir, ec))
        throw UsageError(dir.string() + ": exists and is not a directory; --out takes the directory of a " + what);
    auto is_ours = [&](const std::string& entry) {
        return std::any_of(ours.begin(), ours.end(), [&](const std::string& name) {
            return entry == name || (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
                                     entry[name.size()] == '.');
        });
    };
    std::vector<std::string> other;  // (sorted: the message does not depend on the directory's order)
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (!is_ours(e.path().filename().string())) other.push_back(e.path().filename().string());
    if (other.empty()) return;
    std::sort(other.begin(), other.end());
    throw UsageError(dir.string() + ": holds " + other.front() +
                     (other.size() > 1 ? " and " + std::to_string(other.size() - 1) + " more" : std::string()) +
                     ", which a " + what + " does not write; give a new or empty directory as --out, so that "
                     "nothing in it is written over or mixed with results");
}

void prepare_output(const Sweep& s, const fs::path& dir) {
    check_output_dir(dir, sweep_entries(), "sweep");
    fs::create_directories(dir / "points");
    const fs::path file = dir / "manifest.toml";
    if (fs::exists(file)) {
        std::string theirs;
        try {
            theirs = read_manifest(dir).fingerprint;
        } catch (const std::exception&) {
            theirs = "unreadable";
        }
        if (theirs == s.fingerprint) return;
        throw UsageError(dir.string() + " holds the results of another sweep plan (" + theirs + "; " + s.file.string() +
                         " gives plan " + s.fingerprint +
                         "). Results of different plans are never mixed: use another --out, or delete " + dir.string());
    }
    write_file_atomically(file, manifest_toml(manifest_of(s)));
}

// ---------------------------------------------------------------------------------------------
// Point files.

bool PointResult::ok() const {
    return !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const ReplicateResult& r) { return r.ok; });
}

fs::path point_file(const fs::path& dir, std::size_t index) {
    char name[32];
    std::snprintf(name, sizeof name, "%06zu.toml", index);
    return dir / "points" / name;
}

void write_point(const fs::path& dir, const PointResult& r) {
    toml::table t;
    t.insert("fingerprint", r.fingerprint);
    t.insert("index", static_cast<std::int64_t>(r.index));
    t.insert("version", r.version);
    t.insert("status", r.ok() ? "ok" : "failed");
    toml::array runs;
    for (const auto& run : r.runs)
        runs.push_back(toml::table{{"replicate", run.replicate},
                                   {"seed", static_cast<std::int64_t>(run.seed)},
                                   {"status", run.ok ? "ok" : "failed"},
                                   {"error", run.error},
                                   {"seconds", run.seconds},
                                   {"timing", toml::table{{"scenario", run.timing.scenario},
                                                          {"init", run.timing.init},
                                                          {"steps", run.timing.steps},
                                                          {"output", run.timing.output},
                                                          {"metrics", run.timing.metrics}}},
                                   {"metric_names", toml_array(run.metric_names)},
                                   {"metric_values", toml_array(run.metric_values)}});
    if (!runs.empty()) t.insert("runs", std::move(runs));
    write_file_atomically(point_file(dir, r.index),
                          toml_document("# talentsim sweep: results of one point (docs/sweeps.md)\n", t));
}

std::optional<PointResult> read_point(const fs::path& dir, std::size_t index, const std::string& fingerprint,
                                      std::string* why) {
    const fs::path file = point_file(dir, index);
    auto fail = [&](const std::string& w) -> std::optional<PointResult> {
        if (why) *why = w;
        return std::nullopt;
    };
    if (!fs::exists(file)) return fail("no results");
    if (!fs::is_regular_file(file)) return fail(file.string() + ": not a regular file");  // a FIFO would block
    if (fs::file_size(file) > (64u << 20)) return fail(file.string() + ": larger than 64 MiB");
    toml::table t;
    try {
        t = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
        return fail(file.string() + ": unreadable (" + std::string(e.description()) + ")");
    }
    try {
        PointResult r;
        r.fingerprint = str_at(t, "fingerprint", file.string());
        if (r.fingerprint != fingerprint)
            return fail(file.string() + ": results of another sweep plan (" + r.fingerprint + ")");
        r.index = static_cast<std::size_t>(int_at(t, "index", file.string()));
        if (r.index != index) return fail(file.string() + ": holds point " + std::to_string(r.index));
        r.version = str_at(t, "version", file.string());
        const toml::array* runs = t.get("runs") ? t.get("runs")->as_array() : nullptr;
        if (!runs) return fail(file.string() + ": no runs");
        for (const auto& el : *runs) {
            const toml::table* rtp = el.as_table();
            if (!rtp) return fail(file.string() + ":" + std::to_string(el.source().begin.line) + ": [[runs]] expected");
            const toml::table& rt = *rtp;
            ReplicateResult x;
            x.replicate = int_at(rt, "replicate", file.string());
            x.seed = static_cast<std::uint64_t>(int_at(rt, "seed", file.string()));
            x.ok = str_at(rt, "status", file.string()) == "ok";
            x.error = str_at(rt, "error", file.string());
            const toml::node* seconds = rt.get("seconds");
            const toml::array* values = rt.get("metric_values") ? rt.get("metric_values")->as_array() : nullptr;
            if (!seconds || !values)
                return fail(file.string() + ":" + std::to_string(rt.source().begin.line) +
                            ": seconds or metric_values missing");
            x.seconds = number_of(*seconds);
            if (const toml::table* tt = rt.get("timing") ? rt.get("timing")->as_table() : nullptr) {
                auto at = [&](const char* k) { return tt->get(k) ? number_of(*tt->get(k)) : 0.0; };
                x.timing = {at("scenario"), at("init"), at("steps"), at("output"), at("metrics")};
            }
            x.metric_names = strings_at(rt, "metric_names", file.string());
            for (const auto& v : *values) x.metric_values.push_back(number_of(v));
            if (x.metric_values.size() != x.metric_names.size())
                return fail(file.string() + ": metric names and values differ in number");
            r.runs.push_back(std::move(x));
        }
        return r;
    } catch (const std::exception& e) {
        return fail(file.string() + ": malformed (" + e.what() + ")");
    }
}

// ---------------------------------------------------------------------------------------------
// Running.

namespace {

struct Interrupted {};
struct TargetsFatal {
    std::exception_ptr error;
};

// A directory for run files that are deleted once their metrics are taken: node-local scratch
// ($TMPDIR) rather than the shared output directory.
class ScratchDir {
public:
    ScratchDir() {
        std::random_device rd;
        path_ =
            fs::temp_directory_path() / ("talentsim-sweep-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
        fs::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// Resumed from a checkpoint: the steps before it were not observed here, so the window is rebuilt
// from every step's row and the result file's postings.
std::vector<double> metrics_after_resume(const Sweep& s, const Scenario& scenario, std::int32_t steps,
                                         const talentsim::RunResult& res, const RunMetrics::Earned& earned) {
    RunMetrics again(scenario, steps, s.window);
    const h5::File f = h5::open_read_only(res.file);
    const auto posted = h5::read_rows<PostingRow>(f, "postings");
    std::size_t at = 0;
    for (const StepRow& row : res.rows) {
        const std::size_t from = at;
        while (at < posted.size() && posted[at].step == row.step) ++at;
        again.after_step(row, std::span<const PostingRow>(posted.data() + from, at - from));
    }
    return again.values(earned, s.builtin_metrics);
}

// The targets' metrics of one run: each target's simulated value and distance, the loss and the
// share of targets inside their band. A bad targets file is fatal for the whole sweep. Runs compare
// their files at the same time (the HDF5 library serialises its own calls).
void add_target_metrics(ReplicateResult& out, const std::vector<fs::path>& targets, const fs::path& file) {
    for (const auto& target : targets) {
        Comparison cmp;
        try {
            cmp = compare_results({file}, target);
        } catch (const InputInvalid&) {  // a bad targets file: no point can be measured
            throw TargetsFatal{std::current_exception()};
        }
        const std::string prefix = "target." + target.stem().string() + ".";
        double inside = 0;
        for (const auto& t : cmp.targets) {
            out.metric_names.push_back(prefix + t.name);
            out.metric_values.push_back(t.simulated_mean);
            out.metric_names.push_back(prefix + t.name + ".distance");
            out.metric_values.push_back(t.distance);
            inside += t.inside ? 1 : 0;
        }
        out.metric_names.push_back(prefix + "loss");
        out.metric_values.push_back(cmp.loss);
        out.metric_names.push_back(prefix + "loss_targets");  // targets with data: the loss's denominator
        out.metric_values.push_back(cmp.targets_used);
        out.metric_names.push_back(prefix + "inside_share");
        out.metric_values.push_back(cmp.targets.empty() ? std::numeric_limits<double>::quiet_NaN()
                                                        : inside / static_cast<double>(cmp.targets.size()));
    }
}

// The run's time from the end of its scenario to its last step (`to_first`: until the first step
// ended; `between`: from there to the last step, `stepped` steps in all) is split into
// initialisation and stepping, the first step counted at the mean of the others.
void split_run_time(ReplicateResult::Timing& t, double to_first, double between, std::int32_t stepped,
                    double after_last) {
    if (stepped == 0) return;
    const double per_step = stepped > 1 ? between / (stepped - 1) : 0;
    t.init = std::max(0.0, to_first - per_step);
    t.steps = to_first - t.init + between;
    t.output = after_last;
}

ReplicateResult run_replicate(const Sweep& s, const Point& p, std::int64_t r, const fs::path& run_dir, bool keep,
                              int threads, const std::atomic<bool>* stop, const fs::path& checkpoint_dir,
                              std::int32_t checkpoint_every) {
    ReplicateResult out;
    out.replicate = r;
    out.seed = p.seeds[static_cast<std::size_t>(r)];
    const auto t0 = std::chrono::steady_clock::now();
    char name[48];
    std::snprintf(name, sizeof name, "p%06zu_r%03lld.h5", p.index, static_cast<long long>(r));
    const fs::path file = run_dir / name;
    auto cleanup = [&] {
        std::error_code ec;
        fs::remove(file.string() + ".partial", ec);
        if (!keep) fs::remove(file, ec);
    };
    using Clock = std::chrono::steady_clock;
    auto since = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
    Clock::time_point first_step{}, last_step{};
    std::int32_t stepped = 0;
    try {
        const Scenario scenario = point_scenario(s, p);
        const auto steps = static_cast<std::int32_t>(scenario.info.steps);
        RunMetrics metrics(scenario, steps, s.window);
        const auto t_scenario = Clock::now();
        out.timing.scenario = since(t0, t_scenario);
        talentsim::RunOptions o;
        // A result file only where something reads it: kept runs, the targets' comparison, a resume.
        o.out = file;
        o.write_file = keep || !s.targets.empty() || checkpoint_every > 0;
        o.scratch = !keep;  // read once by the targets' comparison, then deleted
        o.threads = threads;
        o.stop = stop;
        if (checkpoint_every > 0) {  // a run cut short resumes from DIR/checkpoints when the point runs again
            if (!scenario.output.postings)
                throw std::runtime_error(
                    "checkpointed sweep runs need output.postings = true (posted-wage metrics are rebuilt from it)");
            fs::create_directories(checkpoint_dir);
            o.checkpoint_every = checkpoint_every;
            o.checkpoint = checkpoint_dir / (std::string(name) + ".ckpt");
        }
        RunMetrics::Earned earned;  // taken from the world after the last step
        o.on_step = [&](const Simulation& sim, const StepRow& row) {
            metrics.after_step(sim.world(), row);
            if (sim.done()) earned = metrics.earned(sim.world());
            last_step = Clock::now();
            if (stepped++ == 0) first_step = last_step;
        };
        const talentsim::RunResult res = run_simulation(scenario, out.seed, steps, o);
        const auto t_run = Clock::now();
        split_run_time(out.timing, since(t_scenario, first_step), since(first_step, last_step), stepped,
                       since(last_step, t_run));
        if (!res.complete) {
            cleanup();
            throw Interrupted{};
        }
        out.metric_names = s.builtin_metrics;
        out.metric_values = res.resumed_at > 0 ? metrics_after_resume(s, scenario, steps, res, earned)
                                               : metrics.values(earned, s.builtin_metrics);
        add_target_metrics(out, s.targets, res.file);
        out.timing.metrics = since(t_run, Clock::now());
        out.ok = true;
    } catch (const Interrupted&) {
        throw;
    } catch (const TargetsFatal&) {
        cleanup();
        throw;
    } catch (const ScenarioInvalid& e) {
        cleanup();
        std::string msg = "invalid scenario at this point: ";
        for (std::size_t k = 0; k < e.errors().size(); ++k)
            msg += (k ? "; " : "") + e.errors()[k].key + ": " + e.errors()[k].message;
        out.error = msg;
    } catch (const std::exception& e) {
        cleanup();
        out.error = e.what();
    }
    if (out.ok) cleanup();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

std::string fmt_seconds(double s) {
    std::ostringstream o;
    if (s < 60)
        o << std::fixed << std::setprecision(1) << s << "s";
    else if (s < 3600)
        o << static_cast<int>(s / 60) << "m" << std::setw(2) << std::setfill('0') << static_cast<int>(s) % 60 << "s";
    else
        o << static_cast<int>(s / 3600) << "h" << std::setw(2) << std::setfill('0') << static_cast<int>(s / 60) % 60
          << "m";
    return o.str();
}

// Leftovers of an interrupted write are never results. Only those of the points about to run are
// removed: a point's file is written only by the process that runs it, and the array tasks of a
// Slurm sweep share DIR/points, where another task may be writing its own point's file just now.
void remove_partial_points(const fs::path& dir, const std::vector<std::size_t>& indices) {
    std::set<std::string> mine;  // point_file's names
    for (std::size_t i : indices) mine.insert(point_file(dir, i).filename().string());
    for (const auto& e : fs::directory_iterator(dir / "points")) {
        const std::string name = e.path().filename().string();
        const auto at = name.find(".partial");
        if (at != std::string::npos && mine.count(name.substr(0, at))) {
            std::error_code ec;
            fs::remove(e.path(), ec);
        }
    }
}

// The points of `indices` without complete results; the others are counted as skipped.
std::vector<std::size_t> points_to_run(const Sweep& s, const fs::path& dir, const std::vector<std::size_t>& indices,
                                       RunSummary& sum) {
    std::vector<std::size_t> todo;
    for (std::size_t i : indices) {
        const auto r = read_point(dir, i, s.fingerprint);
        if (r && r->ok() && r->runs.size() == static_cast<std::size_t>(s.replicates))
            ++sum.skipped;
        else
            todo.push_back(i);
    }
    return todo;
}

// The runs of one run_points call: replicate r of the k-th point to do is run number k * R + r.
// Runs start in that order, `jobs` at a time (one task each, claiming the next run when its own
// is done); a point's file is written when its last replicate is in.
class SweepRuns {
public:
    SweepRuns(const Sweep& s, const fs::path& dir, std::vector<std::size_t> todo, const ExecOptions& opt,
              RunSummary& sum)
        : s_(s),
          dir_(dir),
          opt_(opt),
          sum_(sum),
          todo_(std::move(todo)),
          R_(static_cast<std::size_t>(s.replicates)),
          slots_(todo_.size()),
          version_(program_version()) {
        total = todo_.size() * R_;
        for (auto& sl : slots_) {
            sl.runs.resize(R_);
            sl.left = R_;
        }
        jobs = std::max(1, std::min<int>(opt.jobs, static_cast<int>(total)));
        const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        threads = opt.threads > 0 ? opt.threads : std::max(1, cores / jobs);
        if (opt.keep_runs) {
            run_dir_ = dir / "runs";
            fs::create_directories(run_dir_);
        } else {
            scratch_ = std::make_unique<ScratchDir>();
            run_dir_ = scratch_->path();
        }
    }

    // One task: runs in order until none is left, the sweep is stopped or a run failed fatally.
    void claim_runs() {
        tbb::task_arena arena(threads);  // the run's own threads
        for (;;) {
            if ((opt_.stop && opt_.stop->load()) || fatal_seen_.load()) {
                interrupted_ = interrupted_ || (opt_.stop && opt_.stop->load());
                return;
            }
            const std::size_t k = next_++;
            if (k >= total) return;
            const std::size_t slot = k / R_;
            const auto rep = static_cast<std::int64_t>(k % R_);
            ReplicateResult res;
            try {
                arena.execute([&] {
                    res = run_replicate(s_, s_.points[todo_[slot]], rep, run_dir_, opt_.keep_runs, threads, opt_.stop,
                                        dir_ / "checkpoints", opt_.checkpoint_every);
                });
            } catch (const Interrupted&) {
                interrupted_ = true;
                return;
            } catch (const TargetsFatal& t) {
                set_fatal(t.error);
                return;
            } catch (...) {
                set_fatal(std::current_exception());
                return;
            }
            record(slot, rep, std::move(res));
        }
    }

    // Waits (on the calling thread) until every run is done, one failed fatally or the sweep was
    // interrupted, redrawing the progress bar meanwhile.
    void wait(bool bar) {
        std::unique_lock<std::mutex> g(lock_);
        while (done_.load() < total && !fatal_seen_.load()) {
            bool all_exited = interrupted_.load();
            if (bar) {
                g.unlock();
                draw_progress();
                g.lock();
            }
            if (all_exited) break;
            wake_.wait_for(g, std::chrono::milliseconds(250));
        }
    }

    void draw_progress() const {
        const std::size_t d = done_.load();
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        const int width = 30;
        const int filled = static_cast<int>(width * d / total);
        std::string b(static_cast<std::size_t>(filled), '#');
        b.resize(width, '.');
        const std::string eta =
            d ? fmt_seconds(elapsed / static_cast<double>(d) * static_cast<double>(total - d)) : "?";
        char line[256];  // cut to the terminal's width: a wrapped line starts a new line at every update
        std::snprintf(line, sizeof line, "[%s] %zu/%zu runs  ETA %s  elapsed %s  %zu failed  %d at a time", b.c_str(),
                      d, total, eta.c_str(), fmt_seconds(elapsed).c_str(), failed_runs_.load(), jobs);
        struct winsize ws {};
        const std::size_t cols = ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
        std::string text = line;
        if (text.size() >= cols) text.resize(cols - 1);
        std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    }

    // The summary's run counts; rethrows a fatal error.
    void finish() {
        sum_.runs = done_.load();
        sum_.interrupted = interrupted_.load();
        if (fatal_) std::rethrow_exception(fatal_);
        std::sort(sum_.failures.begin(), sum_.failures.end());
    }

    std::size_t total = 0;  // runs to do
    int jobs = 1;           // runs at a time
    int threads = 1;        // threads per run

private:
    struct Slot {  // the replicates of one point
        std::vector<ReplicateResult> runs;
        std::size_t left = 0;
    };

    void set_fatal(std::exception_ptr e) {
        std::lock_guard<std::mutex> g(lock_);
        if (!fatal_) fatal_ = e;
        fatal_seen_ = true;
        wake_.notify_all();
    }

    void record(std::size_t slot, std::int64_t rep, ReplicateResult res) {
        if (!res.ok) ++failed_runs_;
        bool point_done = false;
        {
            std::lock_guard<std::mutex> g(lock_);
            slots_[slot].runs[static_cast<std::size_t>(rep)] = std::move(res);
            point_done = --slots_[slot].left == 0;
        }
        if (point_done) write_point_of(slot);
        ++done_;
        wake_.notify_all();
    }

    // The point's file, its counts in the summary and, in batch logs, one line per point.
    void write_point_of(std::size_t slot) {
        const Point& p = s_.points[todo_[slot]];
        PointResult pr;
        pr.index = p.index;
        pr.fingerprint = s_.fingerprint;
        pr.version = version_;
        pr.runs = slots_[slot].runs;
        try {
            write_point(dir_, pr);
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> g(lock_);
            if (!fatal_) fatal_ = std::current_exception();
            fatal_seen_ = true;
        }
        std::lock_guard<std::mutex> g(lock_);
        ++sum_.ran;
        if (!pr.ok()) {
            ++sum_.failed;
            for (const auto& r : pr.runs)
                if (!r.ok) {
                    sum_.failures.emplace_back(p.index, r.error);
                    break;
                }
        }
        if (opt_.progress && !isatty(STDERR_FILENO)) {
            double secs = 0;
            for (const auto& r : pr.runs) secs += r.seconds;
            std::fprintf(stderr, "point %zu: %s (%zu runs, %s)%s%s\n", p.index, pr.ok() ? "ok" : "FAILED",
                         pr.runs.size(), fmt_seconds(secs).c_str(), pr.ok() ? "" : ": ",
                         pr.ok() ? "" : sum_.failures.back().second.c_str());
        }
    }

    const Sweep& s_;
    const fs::path& dir_;
    const ExecOptions& opt_;
    RunSummary& sum_;
    const std::vector<std::size_t> todo_;
    const std::size_t R_;

    std::vector<Slot> slots_;
    const std::string version_;
    std::unique_ptr<ScratchDir> scratch_;
    fs::path run_dir_;
    std::atomic<std::size_t> next_{0}, done_{0}, failed_runs_{0};
    std::atomic<bool> interrupted_{false}, fatal_seen_{false};
    std::exception_ptr fatal_;
    std::mutex lock_;
    std::condition_variable wake_;
    const std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

}  // namespace

RunSummary run_points(const Sweep& s, const fs::path& dir, const std::vector<std::size_t>& indices,
                      const ExecOptions& opt) {
    RunSummary sum;
    sum.points = indices.size();
    remove_partial_points(dir, indices);
    std::vector<std::size_t> todo = points_to_run(s, dir, indices, sum);
    if (todo.empty() || s.replicates < 1) return sum;
    SweepRuns runs(s, dir, std::move(todo), opt, sum);
    // `jobs` runs at once even beyond the cores: the default limit of TBB's workers (cores - 1) is
    // raised for the sweep, to the runs' own threads too (each run's arena), plus this thread.
    const std::size_t workers = static_cast<std::size_t>(runs.jobs) * static_cast<std::size_t>(runs.threads) + 1;
    tbb::global_control limit(
        tbb::global_control::max_allowed_parallelism,
        std::max(workers, tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)));
    tbb::task_arena arena(runs.jobs, 0);  // no slot kept for this thread: it draws the progress bar
    tbb::task_group group;
    arena.execute([&] {
        for (int j = 0; j < runs.jobs; ++j) group.run([&] { runs.claim_runs(); });
    });
    const bool bar = opt.progress && isatty(STDERR_FILENO);
    // Under a lower limit set by the caller this thread takes part in the runs instead.
    if (tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism) > std::size_t(runs.jobs))
        runs.wait(bar);
    arena.execute([&] { group.wait(); });
    if (bar) {
        runs.draw_progress();
        std::fputc('\n', stderr);
    }
    runs.finish();
    return sum;
}

// ---------------------------------------------------------------------------------------------
// Slurm.

SlurmScript write_slurm_script(const Sweep& s, const fs::path& dir, const SlurmOptions& opt) {
    const auto n = static_cast<std::int64_t>(s.points.size());
    SlurmScript out;
    out.chunk = opt.chunk > 0 ? opt.chunk : std::max<std::int64_t>(1, (n + opt.array_limit - 1) / opt.array_limit);
    out.tasks = (n + out.chunk - 1) / out.chunk;
    if (out.tasks > opt.array_limit)
        throw UsageError(std::to_string(n) + " points in chunks of " + std::to_string(out.chunk) + " need " +
                         std::to_string(out.tasks) + " array tasks, more than --array-limit " +
                         std::to_string(opt.array_limit) + "; raise --chunk");
    const fs::path adir = fs::absolute(dir).lexically_normal();
    fs::create_directories(adir / "logs");
    auto sh = [](const std::string& x) {  // single-quoted for the shell
        std::string q = "'";
        for (char ch : x) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        return q + "'";
    };
    std::ostringstream o;
    o << "#!/bin/bash\n";
    o << "# Slurm array job for the talentsim sweep " << s.name << " (plan " << s.fingerprint << ").\n";
    o << "# " << n << " points x " << s.replicates << " replicates; array task i runs points i*" << out.chunk
      << " .. i*" << out.chunk << "+" << out.chunk - 1 << ".\n";
    o << "# Written by: talentsim sweep slurm. Resubmit failed or missing tasks alone with\n";
    o << "#   talentsim sweep slurm " << fs::absolute(s.file).lexically_normal().string() << " --out " << adir.string()
      << " --only-missing --submit\n";
    o << "# (that reuses this script: its chunks, time limit and partition).\n";
    o << "# or: sbatch --array=3,17 " << (adir / "sweep.sbatch").string()
      << "   (the command line overrides --array below)\n";
    o << "#SBATCH --job-name="
      << "talentsim-" << s.name << "\n";
    o << "#SBATCH --array=0-" << out.tasks - 1
      << (opt.throttle > 0 ? "%" + std::to_string(opt.throttle) : std::string()) << "\n";
    o << "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=" << opt.cpus_per_task << "\n";
    o << "#SBATCH --time=" << opt.time << "\n";
    if (!opt.partition.empty()) o << "#SBATCH --partition=" << opt.partition << "\n";
    if (!opt.account.empty()) o << "#SBATCH --account=" << opt.account << "\n";
    if (!opt.mem.empty()) o << "#SBATCH --mem=" << opt.mem << "\n";
    o << "#SBATCH --output=" << (adir / "logs" / "task-%A_%a.out").string() << "\n";
    o << "#SBATCH --open-mode=append\n";
    o << "#SBATCH --signal=B:TERM@60\n";
    o << "set -euo pipefail\n";
    for (const auto& line : opt.setup) o << line << "\n";
    o << "echo \"talentsim sweep: task ${SLURM_ARRAY_TASK_ID} of job ${SLURM_ARRAY_JOB_ID} on $(hostname) at $(date "
         "-Is)\"\n";
    o << "exec " << sh(opt.binary.string()) << " sweep point " << sh(fs::absolute(s.file).lexically_normal().string())
      << " --out " << sh(adir.string()) << " --index \"${SLURM_ARRAY_TASK_ID}\" --chunk " << out.chunk
      << " --threads \"${SLURM_CPUS_PER_TASK:-1}\""
      << (opt.checkpoint_every > 0 ? " --checkpoint-every " + std::to_string(opt.checkpoint_every) : std::string())
      << "\n";
    out.path = adir / "sweep.sbatch";
    write_file_atomically(out.path, o.str());
    fs::permissions(out.path, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
    return out;
}

SlurmScript read_slurm_script(const Sweep& s, const fs::path& dir) {
    SlurmScript out;
    out.path = fs::absolute(dir / "sweep.sbatch").lexically_normal();
    std::ifstream in(out.path);
    if (!in)
        throw UsageError(out.path.string() +
                         ": no array job script yet; run talentsim sweep slurm without --only-missing first");
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    if (text.find("(plan " + s.fingerprint + ")") == std::string::npos)
        throw UsageError(out.path.string() +
                         ": written for another sweep plan; run talentsim sweep slurm without --only-missing");
    const auto at = text.find(" --chunk ");
    if (at == std::string::npos)
        throw UsageError(out.path.string() + ": no --chunk in the script; run talentsim sweep slurm again");
    out.chunk = std::stoll(text.substr(at + 9));
    if (out.chunk < 1) throw UsageError(out.path.string() + ": bad --chunk");
    const auto n = static_cast<std::int64_t>(s.points.size());
    out.tasks = (n + out.chunk - 1) / out.chunk;
    return out;
}

std::vector<std::int64_t> incomplete_tasks(const Sweep& s, const fs::path& dir, std::int64_t chunk) {
    std::vector<std::int64_t> out;
    const auto n = static_cast<std::int64_t>(s.points.size());
    for (std::int64_t t = 0; t * chunk < n; ++t)
        for (std::int64_t i = t * chunk; i < std::min(n, (t + 1) * chunk); ++i) {
            const auto r = read_point(dir, static_cast<std::size_t>(i), s.fingerprint);
            if (!r || !r->ok() || r->runs.size() != static_cast<std::size_t>(s.replicates)) {
                out.push_back(t);
                break;
            }
        }
    return out;
}

}  // namespace talentsim::sweep
