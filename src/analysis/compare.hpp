// Simulated vs reported: targets files (scenarios/targets/*.toml) evaluated on result files.
// See docs/compare.md for the statistics vocabulary, the filters, and the loss.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace talentsim {

struct TargetOutcome {
    std::string name;                             // target id in the targets file
    std::string statistic;                        // share_above, share_below, mean, quantile, range_mass, ratio, growth
    std::string source;                           // the source line of the reported figure
    double reported_lo = 0, reported_hi = 0;      // the band (lo == hi for a point value)
    double reported_value = 0;                    // the point the distance is measured from
    double simulated_mean = 0, simulated_sd = 0;  // over the result files given
    int files = 0;
    double distance = 0;  // (simulated_mean - reported_value) / scale, see docs/compare.md
    double weight = 1;
    double scale = 1;  // the distance's unit: the target's scale, half its band, or 10 % of |value|
    bool inside = false;           // simulated_mean within [reported_lo, reported_hi]
    std::string unit;              // unit of the reported and simulated values ("CNY/year", "CNY/month", "share", ...)
    std::string table;             // whose rows it counts: postings, offers, panel, moves or steps (a ratio: its numerator's)
    std::vector<double> per_file;  // the statistic in each result file (NaN when no row matched)
};

// Targets of one population that together describe a distribution (key `distribution`):
// Kolmogorov-Smirnov distance at the reported points, see docs/compare.md.
struct DistributionOutcome {
    std::string name;
    std::vector<std::string> targets;  // names of the targets in the group
    double ks_mean = 0, ks_sd = 0;     // over the result files given
};

struct Comparison {
    std::vector<TargetOutcome> targets;
    double loss = 0;  // weighted sum of squared distances (method of simulated moments)
    int targets_used = 0;  // targets in the loss: those with data (a finite distance) in these files
    std::vector<DistributionOutcome> distributions;
    std::vector<std::string> files;  // the result files, in the order given
    std::string targets_file;
};

// Throws InputInvalid (file:line:column, key) for a bad targets file and std::runtime_error
// naming the file for a result file that cannot be read.
Comparison compare_results(const std::vector<std::filesystem::path>& results, const std::filesystem::path& targets);

// Parses and validates a targets file; throws ScenarioInvalid with every error.
void check_targets_file(const std::filesystem::path& targets);

// Targets whose window (filter.date / filter.steps, a ratio's parts, a growth's base) lies wholly
// or partly outside a run of `steps` steps from `start_yyyymm`: one "target NAME: ..." line each.
// Throws ScenarioInvalid for a bad targets file.
std::vector<std::string> targets_outside_run(const std::filesystem::path& targets, std::int32_t start_yyyymm,
                                             std::int32_t steps);

}  // namespace talentsim
