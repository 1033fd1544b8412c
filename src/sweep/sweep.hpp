// Parameter sweeps: a sweep file (TOML) names a base scenario, the keys to vary, a design, the
// replicates per point and the metrics to keep. It is parsed and validated like a scenario
// (every error with file:line:column and key), then frozen into a plan of points. Points run
// locally (`talentsim sweep run`) or as Slurm array tasks (`talentsim sweep point`); each point
// leaves one small file in DIR/points, and `talentsim sweep merge` gathers them into DIR/sweep.h5.
// See docs/sweeps.md.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "model/scenario.hpp"

namespace talentsim::sweep {

// One value of a parameter: a float, an integer, a boolean or a string (as the scenario key wants).
using Value = std::variant<double, std::int64_t, bool, std::string>;
enum class Kind { real, integer, boolean, text };
const char* kind_name(Kind k);
// The value as `--set` takes it (TOML: 0.5, 3, true, "text"); floats round-trip exactly.
std::string override_text(const Value& v);
// The value for people: 0.5, 3, true, text.
std::string display(const Value& v);
// Shortest text that parses back to exactly the same double (nan, inf, -inf included).
std::string exact(double x);

// list: each parameter's `values` is a column, point i takes the i-th value of every parameter
// (calibration batches); morris and sobol: sensitivity designs over ranges (src/sweep/designs.hpp).
enum class Design { grid, random, lhs, list, morris, sobol };
const char* design_kind_name(Design d);
enum class Seeds { independent, common };

struct Parameter {
    std::string name;               // column name in the results: `name`, else the key as written
    std::vector<std::string> keys;  // scenario keys it sets, wildcards expanded
    Kind kind = Kind::real;
    enum class Spacing { listed, linear, log } spacing = Spacing::listed;
    std::vector<Value> values;     // listed values, or the grid of a range
    double lo = 0, hi = 0;         // ranges
    std::int64_t grid_points = 0;  // ranges in a grid design
};

struct Point {
    std::size_t index = 0;
    std::vector<Value> values;           // one per parameter
    std::vector<std::uint64_t> seeds;    // one per replicate
    std::vector<std::string> overrides;  // fixed `set` entries, then one per parameter key
};

struct Sweep {
    std::filesystem::path file;  // the sweep file as given
    std::string text;            // its contents
    std::string name, description;
    std::filesystem::path scenario;  // base scenario (relative paths: relative to the sweep file)
    std::string scenario_text;
    std::vector<std::string> fixed;  // `set`: overrides applied to every point
    std::uint64_t seed = 1;
    std::int64_t replicates = 1;
    Seeds seeds = Seeds::independent;
    Design design = Design::grid;
    std::int64_t design_points = 0;  // random and lhs; morris: trajectories; sobol: base samples
    std::int64_t morris_levels = 4;  // morris: grid levels (even)
    std::vector<Parameter> parameters;
    std::vector<std::string> builtin_metrics;  // resolved names, in catalog order
    std::vector<std::filesystem::path> targets;
    std::vector<std::string> targets_text;
    std::int64_t window = 12;  // steps at the end of a run over which flows are measured
    std::vector<Point> points;
    std::string fingerprint;  // identity of the plan; results of another plan are never mixed in

    std::size_t runs() const { return points.size() * static_cast<std::size_t>(replicates); }
};

// Parses, validates (collecting every error) and plans. Throws InputInvalid.
Sweep load_sweep(const std::filesystem::path& file);
Sweep parse_sweep(const std::string& text, const std::filesystem::path& file);

// Seed of replicate r at a point with the given overrides (see docs/sweeps.md, "Seeds").
std::uint64_t replicate_seed(std::uint64_t sweep_seed, Seeds scheme, const std::vector<std::string>& point_overrides,
                             std::int64_t replicate);

// The scenario of a point (base + fixed + parameter overrides). Throws InputInvalid.
Scenario point_scenario(const Sweep& s, const Point& p);

// Every built-in metric a scenario offers, in catalog order (docs/sweeps.md, "Metrics").
std::vector<std::string> builtin_catalog(const Scenario& s);

// `talentsim sweep plan`.
void print_plan(const Sweep& s, std::ostream& out);

// ---------------------------------------------------------------------------------------------
// Running.

struct ReplicateResult {
    std::int64_t replicate = 0;
    std::uint64_t seed = 0;
    bool ok = false;
    std::string error;
    double seconds = 0;
    // Where the run's seconds went (docs/sweeps.md, "The output directory"): the point's scenario,
    // initialisation (until the first step began), stepping, finishing the result file after the
    // last step, and the metrics (targets compared on the result file).
    struct Timing {
        double scenario = 0, init = 0, steps = 0, output = 0, metrics = 0;
    } timing;
    std::vector<std::string> metric_names;
    std::vector<double> metric_values;
};

struct PointResult {
    std::size_t index = 0;
    std::string fingerprint, version;
    std::vector<ReplicateResult> runs;
    bool ok() const;
};

// Results of a different plan, or a file that cannot be read, count as absent.
std::filesystem::path point_file(const std::filesystem::path& dir, std::size_t index);
std::optional<PointResult> read_point(const std::filesystem::path& dir, std::size_t index,
                                      const std::string& fingerprint, std::string* why = nullptr);
void write_point(const std::filesystem::path& dir, const PointResult& r);  // atomic (write, then rename)

// DIR/manifest.toml describes the plan so that `merge` needs only DIR. Creates DIR. Throws
// UsageError when DIR holds results of another plan, or is not one a sweep may write into
// (check_output_dir).
void prepare_output(const Sweep& s, const std::filesystem::path& dir);

// An output directory (--out) a sweep or calibration may write into: absent, or a directory that
// holds only what one writes: entries named in `ours` (or such a name and a suffix, as NAME.partial).
// Throws UsageError naming the directory and the first other entry (nothing of the user's is
// written over or mixed with results), or when it is a file; `what` names the kind ("sweep").
void check_output_dir(const std::filesystem::path& dir, const std::vector<std::string>& ours, const char* what);

// The entries a sweep writes in its directory (manifest, points, runs, checkpoints, logs, the
// Slurm script, the merged file and the sensitivity indices).
const std::vector<std::string>& sweep_entries();

struct ExecOptions {
    int jobs = 1;                             // runs at a time
    int threads = 0;                          // threads per run (0: cores / jobs, at least 1)
    bool keep_runs = false;                   // keep DIR/runs/pNNNNNN_rNN.h5
    std::int32_t checkpoint_every = 0;        // checkpoint each run every N steps in DIR/checkpoints (0 = no)
    bool progress = false;                    // progress bar on stderr
    const std::atomic<bool>* stop = nullptr;  // set by SIGINT/SIGTERM: finish no new run
};

struct RunSummary {
    std::size_t points = 0, skipped = 0, ran = 0, failed = 0, runs = 0;
    bool interrupted = false;
    std::vector<std::pair<std::size_t, std::string>> failures;  // point, first error
};

// Runs the given points (skipping those with complete results in DIR), several runs at a time.
// A failing run is recorded with its error; the others go on. Throws InputInvalid when a
// targets file is invalid (nothing useful can be computed).
RunSummary run_points(const Sweep& s, const std::filesystem::path& dir, const std::vector<std::size_t>& indices,
                      const ExecOptions& opt);

// ---------------------------------------------------------------------------------------------
// Merging.

struct MergeSummary {
    std::size_t points = 0, complete = 0;
    std::vector<std::size_t> failed, missing;
    std::vector<std::pair<std::size_t, std::string>> errors;  // every incomplete point, with why
    std::filesystem::path file;
};
// Gathers DIR/points into DIR/sweep.h5 (docs/sweeps.md, "The merged file").
MergeSummary merge(const std::filesystem::path& dir);

// ---------------------------------------------------------------------------------------------
// Slurm.

struct SlurmOptions {
    std::int64_t array_limit = 1000;  // most array tasks (the cluster's MaxArraySize - 1)
    std::int64_t chunk = 0;           // points per task (0: as few as the limit allows)
    std::int64_t throttle = 0;        // most tasks running at once (0: no limit)
    std::string time = "01:00:00", partition, account, mem;
    int cpus_per_task = 1;
    std::int32_t checkpoint_every = 0;  // passed to `sweep point` (resume long points after a time limit)
    std::vector<std::string> setup;     // shell lines before the run (module load ...)
    std::filesystem::path binary;       // talentsim on the compute nodes
};
struct SlurmScript {
    std::filesystem::path path;
    std::int64_t tasks = 0, chunk = 0;
};
SlurmScript write_slurm_script(const Sweep& s, const std::filesystem::path& dir, const SlurmOptions& opt);
// DIR/sweep.sbatch as written before; throws UsageError if missing or written for another plan.
SlurmScript read_slurm_script(const Sweep& s, const std::filesystem::path& dir);
// Array task indices with at least one point lacking complete results.
std::vector<std::int64_t> incomplete_tasks(const Sweep& s, const std::filesystem::path& dir, std::int64_t chunk);

}  // namespace talentsim::sweep
