// Calibration by the method of simulated moments: a calibration file (TOML) names a base scenario,
// the free parameters with their bounds, targets files, the seeds of every evaluation (common
// random numbers), the method and the weighting. `talentsim calibrate` runs a space-filling global
// stage and a derivative-free local stage (NLopt), evaluating points in batches as sweep points
// (locally or as Slurm array tasks), then computes standard errors, the J-test, identification
// and profiles at the optimum. See docs/calibrate.md.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "sweep/sweep.hpp"

namespace talentsim::sweep {

struct CalParameter {
    std::string name;
    std::vector<std::string> keys;      // as written (wildcards are expanded by the sweep of each batch)
    std::vector<std::string> expanded;  // every scenario key it sets
    double lo = 0, hi = 1;
    bool log = false;
    double start = -1;  // unit coordinate of a given start (-1: none)

    double value(double u) const;  // unit coordinate -> parameter value (exact at the ends)
    double unit(double x) const;   // the inverse
    double dvalue_du(double u) const;
};

struct CalTarget {
    std::string file_stem, name;  // metric target.<file_stem>.<name>
    double value = 0, lo = 0, hi = 0, scale = 1, weight = 1;
    std::string unit;
    bool two_sided() const;
    double distance(double mean) const;  // as `compare` computes it (docs/compare.md)
    double outside(double m) const;      // distance beyond the band in scale units (0 inside it)
};

enum class LocalMethod { bobyqa, neldermead, sbplx, cobyla };
// method.loss: of the mean moments; the mean of each seed's loss; of the mean moments plus a
// penalty for every seed outside a band; or of the mean moments plus a penalty for the expected
// number of targets a new seed puts outside their bands (docs/calibrate.md, "The loss of each
// seed", "Every seed inside every band" and "A new seed inside every band").
enum class LossKind { mean, per_seed, bands, coverage };
const char* loss_name(LossKind k);
enum class GlobalDesign { lhs, sobol };

struct Calibration {
    std::filesystem::path file;
    std::string text, name, description;
    std::filesystem::path scenario;  // absolute
    std::string scenario_text;
    std::vector<std::string> fixed;
    std::uint64_t seed = 1;
    std::int64_t seeds = 4;  // S: runs per evaluation, the same seeds at every point
    std::vector<CalParameter> parameters;
    std::vector<std::filesystem::path> targets_files;  // absolute
    std::vector<std::string> targets_text;
    std::vector<CalTarget> targets;  // weight > 0 only, file order
    GlobalDesign global = GlobalDesign::lhs;
    std::int64_t global_points = 0;  // 0: 4 * (parameters + 1)
    LocalMethod local = LocalMethod::bobyqa;
    std::int64_t budget = 60;  // most evaluations of each local stage
    double initial_step = 0.1, xtol = 1e-3;
    LossKind loss = LossKind::mean;
    double band_penalty = 10;               // rho of losses "bands" and "coverage" (docs/calibrate.md)
    bool spread_from_global = false;        // method.coverage_spread = "global": fixed spreads in "coverage"
    // [target] the spreads of loss "coverage" with spread_from_global: the seeds' standard deviation
    // pooled over the global stage's evaluations (set by calibrate, after that stage; empty before).
    std::vector<double> coverage_sd;
    bool covariance_weighting = false;      // second local stage weighted by the inverse covariance
    bool data_variance_from_bands = false;  // variance of the reported figures: simulation (default) or bands
    double fd_step = 0.05;                  // finite-difference step, share of each range
    std::int64_t profile_points = 9;
    std::string fingerprint;

    std::size_t global_size() const {
        return global_points > 0 ? static_cast<std::size_t>(global_points) : 4 * (parameters.size() + 1);
    }
};

// Parses and validates (every error with file:line:column and key). Throws ScenarioInvalid.
Calibration load_calibration(const std::filesystem::path& file);
Calibration parse_calibration(const std::string& text, const std::filesystem::path& file);

// One evaluated point: per-seed simulated statistics of every target.
struct Evaluation {
    std::vector<double> x;                      // parameter values
    std::vector<std::vector<double>> per_seed;  // [seed][target]
    std::vector<std::uint64_t> seeds;
    std::string stage;  // global, local, local2, jacobian, profile
    std::size_t batch = 0;
    bool ok = true;
    std::vector<double> mean() const;  // over seeds (finite values, as compare)
};

struct SlurmBatchOptions {
    bool enabled = false, submit = false;
    SlurmOptions sweep;  // time, partition, ... (array_limit, chunk as for sweeps)
    std::string sbatch = "sbatch", squeue = "squeue";
};
struct CalibrateOptions {
    ExecOptions exec;
    SlurmBatchOptions slurm;
    std::ostream* log = nullptr;  // progress lines
};

struct CalibrationResult {
    std::vector<Evaluation> evaluations;  // in the order they were requested
    std::vector<double> losses;           // under the final weighting
    std::vector<double> coverage_sd;      // Calibration::coverage_sd of the run (empty: the seeds' own)
    std::size_t best = 0;                 // index into evaluations
    std::vector<double> estimate, se, se_unit;
    std::vector<std::string> identified;  // yes, weak, no
    std::size_t rank = 0;
    double condition = 0;
    std::vector<std::vector<double>> jacobian;    // [target][parameter], distance units per unit of the range
    std::vector<std::vector<double>> weight;      // W
    std::vector<std::vector<double>> covariance;  // variance of the moment conditions (Sigma)
    std::vector<bool> active;                     // targets used in inference
    bool diagonal_covariance = false;
    double j_stat = 0, j_pvalue = 0;
    std::int64_t j_df = 0;
    std::vector<double> profile_u;              // grid in unit coordinates
    std::vector<std::vector<double>> profiles;  // [parameter][grid point] loss
    std::vector<double> moments_at_best, distance_at_best;
    std::size_t batches = 0;
    std::string local_stop;  // NLopt's reason the local stage ended
};

// Thrown when a Slurm batch was written but not submitted (without --submit), or the run was
// interrupted: the state is saved, running the same command again continues.
struct CalibrationPending : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Runs (or resumes) the calibration into DIR; writes DIR/calibration.h5 and DIR/calibrated.toml.
// Throws UsageError when DIR holds another calibration.
CalibrationResult calibrate(const Calibration& c, const std::filesystem::path& dir, const CalibrateOptions& opt);

// The printed table (estimate, s.e., bounds, identified) and the J-test.
void print_result(const Calibration& c, const CalibrationResult& r, std::ostream& out);

// Internals shared by the calibration sources.
double loss_of(const Calibration& c, const std::vector<double>& mean, const std::vector<std::vector<double>>& W);
// The loss of an evaluation as the calibration defines it: of the mean moments; (method.loss =
// "per_seed") the mean over the seeds of each seed's loss; ("bands", "coverage") the loss of the
// mean moments plus penalty_of.
double loss_of(const Calibration& c, const Evaluation& e, const std::vector<std::vector<double>>& W);
// rho x (1/S) x the sum over seeds and targets of weight x |distance outside the band| (an exact
// penalty: zero when every seed is inside every band).
double band_penalty_of(const Calibration& c, const Evaluation& e);
// The chance that a new seed puts target k outside its band, its seeds' values taken as normal
// with their mean and standard deviation (n - 1): Phi((lo - m) / s) + Phi((m - hi) / s); with
// fewer than two finite values or no spread, 1 outside the band and 0 inside; NaN without data.
// With a spread `sd` (finite and > 0) given, that spread instead of the seeds' own.
double chance_outside(const CalTarget& t, const std::vector<std::vector<double>>& per_seed, std::size_t k,
                      double sd = std::numeric_limits<double>::quiet_NaN());
// The spread of target k in coverage_sd (Calibration::coverage_sd, CalibrationResult::coverage_sd),
// NaN when it is not set: chance_outside then takes the seeds' own.
double spread_at(const std::vector<double>& coverage_sd, std::size_t k);
// chance_outside with the calibration's spreads: coverage_sd[k] when set, else the seeds' own.
double chance_outside(const Calibration& c, const std::vector<std::vector<double>>& per_seed, std::size_t k);
// The seeds' standard deviation of each target pooled over evaluations: the square root of the mean
// of their sample variances (n - 1; evaluations with fewer than two finite values are left out).
std::vector<double> pooled_spread(const Calibration& c, const std::vector<Evaluation>& evaluations);
// rho x the sum over targets of weight x chance_outside: with weights 1, rho x the expected number
// of targets a new seed puts outside their bands (loss "coverage").
double coverage_penalty_of(const Calibration& c, const Evaluation& e);
// The penalty of the calibration's loss: band_penalty_of ("bands"), coverage_penalty_of
// ("coverage"), 0 for the others.
double penalty_of(const Calibration& c, const Evaluation& e);
// W = inverse covariance of the simulated moments over the seeds at the point (diagonal when
// there are no more seeds than targets).
std::vector<std::vector<double>> covariance_weighting_of(const Calibration& c, const Evaluation& e);
void infer(const Calibration& c, const std::vector<Evaluation>& jac_points, const Evaluation& best,
           const std::vector<double>& best_unit, const std::vector<std::vector<double>>& W, CalibrationResult& r);
void write_calibration_h5(const Calibration& c, const CalibrationResult& r, const std::filesystem::path& file);
std::string calibrated_toml(const Calibration& c, const CalibrationResult& r);

}  // namespace talentsim::sweep
