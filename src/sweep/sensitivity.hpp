// `talentsim sweep analyze DIR`: Morris and Sobol sensitivity indices of a merged morris or sobol
// sweep, per metric, printed and written to DIR/sensitivity.h5. docs/calibrate.md, "Sensitivity".
#pragma once
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "sweep/designs.hpp"

namespace talentsim::sweep {

struct SensitivityReport {
    std::string design;  // morris or sobol
    std::vector<std::string> parameters, metrics;
    std::size_t points = 0, replicates = 0, resamples = 0;
    std::vector<MorrisIndices> morris;  // per metric
    std::vector<SobolIndices> sobol;    // per metric
    std::filesystem::path file;         // DIR/sensitivity.h5
};

// Reads DIR/manifest.toml and DIR/sweep.h5 (the response is each point's mean over replicates);
// metrics: names or globs as in sweep files (empty: every metric). Throws std::runtime_error.
SensitivityReport analyze_sweep(const std::filesystem::path& dir, const std::vector<std::string>& metrics,
                                std::size_t resamples = 1000);
void print_sensitivity(const SensitivityReport& r, std::ostream& out);

}  // namespace talentsim::sweep
