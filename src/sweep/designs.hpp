// Designs on the unit cube [0, 1]^P and the sensitivity estimators that go with them: Latin
// hypercube and Sobol sequences (space filling), Morris trajectories (elementary effects) and
// Saltelli's A/B/AB matrices (first-order and total Sobol indices). Every design is a pure function
// of its arguments (seeded counter-based draws), so a plan can always be rebuilt. See
// docs/calibrate.md, "Sensitivity analysis".
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace talentsim::sweep {

using UnitPoint = std::vector<double>;  // one coordinate in [0, 1] per parameter

// n points, one stratum of [0, 1) per point in every dimension (random permutation per dimension).
std::vector<UnitPoint> latin_hypercube(std::size_t n, std::size_t dims, std::uint64_t seed);
// The first n points of the Sobol low-discrepancy sequence (Joe-Kuo directions, Boost.Random),
// after skipping the origin.
std::vector<UnitPoint> sobol_sequence(std::size_t n, std::size_t dims);

// Morris: r trajectories of dims + 1 points on a grid of `levels` levels; consecutive points of a
// trajectory differ in one coordinate by +/- delta = levels / (2 (levels - 1)).
struct MorrisDesign {
    std::size_t trajectories = 0, dims = 0;
    int levels = 4;
    double delta = 0;
    std::vector<UnitPoint> points;  // trajectory t is points[t * (dims + 1) .. t * (dims + 1) + dims]
    // For step k (1..dims) of trajectory t: which coordinate moved.
    std::vector<std::size_t> moved;  // [t * dims + (k - 1)]
};
MorrisDesign morris_design(std::size_t trajectories, std::size_t dims, int levels, std::uint64_t seed);

// Saltelli: base samples A and B (n x dims, from a 2 dims Sobol sequence); for base sample j the
// points are A_j, B_j, then AB_j^i (A_j with coordinate i from B_j) for i = 0 .. dims - 1.
std::vector<UnitPoint> saltelli_design(std::size_t n, std::size_t dims);
inline std::size_t saltelli_block(std::size_t dims) { return dims + 2; }

// ---------------------------------------------------------------------------------------------
// Estimators. Confidence intervals are bootstrap percentile intervals (resampling trajectories
// or base samples with replacement; `resamples` draws from a fixed seed).

struct Interval {
    double value = 0, lo = 0, hi = 0;
};
struct MorrisIndices {
    std::vector<Interval> mu_star;  // mean |elementary effect| (per unit of the range)
    std::vector<double> mu, sigma;  // mean and standard deviation of the elementary effects
    std::size_t trajectories_used = 0;
};
// y: one response per design point (NaN: failed; trajectories with a NaN are left out).
MorrisIndices morris_indices(const MorrisDesign& d, const std::vector<double>& y, std::size_t resamples = 1000,
                             double confidence = 0.95);

struct SobolIndices {
    std::vector<Interval> first, total;  // Saltelli (2010) first order, Jansen (1999) total
    double variance = 0;
    std::size_t samples_used = 0;
};
SobolIndices sobol_indices(std::size_t dims, const std::vector<double>& y, std::size_t resamples = 1000,
                           double confidence = 0.95);

// The unit-cube coordinates of a morris or sobol sweep's points, in point order, and its Morris
// trajectories (plan.cpp; the same functions plan the sweep and analyse it).
struct Sweep;
std::vector<UnitPoint> unit_design(const Sweep& s);
MorrisDesign sweep_morris_design(const Sweep& s);

}  // namespace talentsim::sweep
