// Internals shared by the sweep sources (plan.cpp, metrics.cpp, executor.cpp, merge.cpp). Not part of the command-line
// surface.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/hash.hpp"
#include "io/records.hpp"
#include "io/toml_reader.hpp"
#include "model/scenario.hpp"
#include "engine/state.hpp"
#include "sweep/sweep.hpp"

namespace talentsim::sweep {

std::uint64_t splitmix(std::uint64_t x);
inline std::string quote(const std::string& s) { return toml_string(s); }  // TOML basic string
// Metric patterns: `*` matches within one dot-separated component, `**` across components.
bool glob_match(std::string_view pat, std::string_view s);

// The built-in metrics of one run, gathered while it runs (docs/sweeps.md, "Metrics").
class RunMetrics {
public:
    RunMetrics(const Scenario& s, std::int32_t steps, std::int64_t window);
    void after_step(const World& w, const StepRow& row);  // call after every step
    // The same from what a result file holds: the step's row and its /postings rows.
    void after_step(const StepRow& row, std::span<const PostingRow> postings);
    // Wages earned by the employed at the end of the run, by role and degree.
    using Earned = std::vector<std::vector<double>>;
    Earned earned(const World& w) const;
    // Values of the given catalog names (NaN where undefined, e.g. a rate over zero events).
    std::vector<double> values(const Earned& earned, const std::vector<std::string>& names) const;
    std::vector<double> values(const World& w, const std::vector<std::string>& names) const {
        return values(earned(w), names);
    }

private:
    const Scenario& scenario_;
    std::int32_t steps_, window_, seen_ = 0;
    std::vector<StepRow> rows_;               // the window
    std::vector<std::vector<float>> posted_;  // [role * degrees + degree]: salaries posted in the window
};

// DIR/manifest.toml: the plan, so that `sweep merge DIR` needs nothing else.
struct Manifest {
    std::string fingerprint, name, sweep_file, sweep_text, scenario_file, scenario_text, design, seeds;
    std::uint64_t seed = 0;
    std::int64_t replicates = 0, window = 0;
    std::vector<std::string> parameters, parameter_kinds;
    std::vector<std::vector<std::string>> parameter_keys;
    std::vector<std::string> builtin_metrics, targets;
    struct PointRow {
        std::vector<Value> values;
        std::vector<std::uint64_t> seeds;
    };
    std::vector<PointRow> points;
};
Manifest manifest_of(const Sweep& s);
std::string manifest_toml(const Manifest& m);
Manifest read_manifest(const std::filesystem::path& dir);  // throws std::runtime_error naming the file

}  // namespace talentsim::sweep
