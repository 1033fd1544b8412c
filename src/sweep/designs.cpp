// Unit-cube designs (Latin hypercube, Sobol sequence, Morris trajectories, Saltelli matrices) and
// the Morris and Sobol sensitivity estimators with bootstrap intervals. docs/calibrate.md.
#include "sweep/designs.hpp"

#include <boost/random/sobol.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace talentsim::sweep {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}
// A uniform draw in [0, 1) keyed by (seed, a, b): counter-based, no state.
double u01(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
    return static_cast<double>(mix(mix(mix(seed) ^ a) ^ b) >> 11) * 0x1.0p-53;
}
std::size_t below(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::size_t n) {
    return std::min(n - 1, static_cast<std::size_t>(u01(seed, a, b) * static_cast<double>(n)));
}

// Percentile interval of `stat` over bootstrap resamples of the indices 0..n-1.
template <class Stat>
Interval bootstrap(std::size_t n, Stat&& stat, std::size_t resamples, double confidence, std::uint64_t seed) {
    Interval out;
    std::vector<std::size_t> all(n);
    std::iota(all.begin(), all.end(), 0);
    out.value = stat(all);
    if (n < 2 || resamples == 0) {
        out.lo = out.hi = kNaN;
        return out;
    }
    std::vector<double> draws;
    draws.reserve(resamples);
    std::vector<std::size_t> pick(n);
    for (std::size_t b = 0; b < resamples; ++b) {
        for (std::size_t k = 0; k < n; ++k) pick[k] = below(seed, b, k, n);
        draws.push_back(stat(pick));
    }
    std::sort(draws.begin(), draws.end());
    auto at = [&](double q) {
        const double h = q * static_cast<double>(draws.size() - 1);
        const auto lo = static_cast<std::size_t>(std::floor(h));
        const std::size_t hi = std::min(lo + 1, draws.size() - 1);
        return draws[lo] + (h - static_cast<double>(lo)) * (draws[hi] - draws[lo]);
    };
    out.lo = at((1 - confidence) / 2);
    out.hi = at(1 - (1 - confidence) / 2);
    return out;
}

}  // namespace

std::vector<UnitPoint> latin_hypercube(std::size_t n, std::size_t dims, std::uint64_t seed) {
    std::vector<UnitPoint> pts(n, UnitPoint(dims));
    for (std::size_t j = 0; j < dims; ++j) {
        std::vector<std::size_t> stratum(n);
        std::iota(stratum.begin(), stratum.end(), 0);
        for (std::size_t i = n; i-- > 1;) std::swap(stratum[i], stratum[below(seed, 2 * j + 1, i, i + 1)]);
        for (std::size_t i = 0; i < n; ++i)
            pts[i][j] = (static_cast<double>(stratum[i]) + u01(seed, 2 * j + 2, i)) / static_cast<double>(n);
    }
    return pts;
}

std::vector<UnitPoint> sobol_sequence(std::size_t n, std::size_t dims) {
    boost::random::sobol gen(static_cast<unsigned>(dims));
    std::vector<UnitPoint> pts(n, UnitPoint(dims));
    for (std::size_t j = 0; j < dims; ++j) (void)gen();  // the origin
    for (auto& p : pts)
        for (auto& x : p) x = static_cast<double>(gen()) * 0x1.0p-64;
    return pts;
}

MorrisDesign morris_design(std::size_t trajectories, std::size_t dims, int levels, std::uint64_t seed) {
    MorrisDesign d;
    d.trajectories = trajectories;
    d.dims = dims;
    d.levels = levels;
    d.delta = levels / (2.0 * (levels - 1));
    const auto base_levels = static_cast<std::size_t>(levels / 2);  // grid values 0 .. 1 - delta
    for (std::size_t t = 0; t < trajectories; ++t) {
        UnitPoint x(dims);
        std::vector<int> dir(dims);
        for (std::size_t i = 0; i < dims; ++i) {
            const double b = static_cast<double>(below(seed, 3 * t, i, base_levels)) / (levels - 1);
            dir[i] = u01(seed, 3 * t + 1, i) < 0.5 ? 1 : -1;
            x[i] = dir[i] > 0 ? b : b + d.delta;
        }
        std::vector<std::size_t> order(dims);
        std::iota(order.begin(), order.end(), 0);
        for (std::size_t i = dims; i-- > 1;) std::swap(order[i], order[below(seed, 3 * t + 2, i, i + 1)]);
        d.points.push_back(x);
        for (std::size_t k = 0; k < dims; ++k) {
            x[order[k]] += dir[order[k]] * d.delta;
            x[order[k]] = std::clamp(x[order[k]], 0.0, 1.0);
            d.points.push_back(x);
            d.moved.push_back(order[k]);
        }
    }
    return d;
}

std::vector<UnitPoint> saltelli_design(std::size_t n, std::size_t dims) {
    const auto base = sobol_sequence(n, 2 * dims);
    std::vector<UnitPoint> pts;
    pts.reserve(n * saltelli_block(dims));
    for (const auto& row : base) {
        const UnitPoint a(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(dims));
        const UnitPoint b(row.begin() + static_cast<std::ptrdiff_t>(dims), row.end());
        pts.push_back(a);
        pts.push_back(b);
        for (std::size_t i = 0; i < dims; ++i) {
            UnitPoint ab = a;
            ab[i] = b[i];
            pts.push_back(ab);
        }
    }
    return pts;
}

MorrisIndices morris_indices(const MorrisDesign& d, const std::vector<double>& y, std::size_t resamples,
                             double confidence) {
    const std::size_t P = d.dims, T = d.trajectories;
    // ee[t][i]: elementary effect of coordinate i in trajectory t (complete trajectories only).
    std::vector<std::vector<double>> ee;
    for (std::size_t t = 0; t < T; ++t) {
        std::vector<double> row(P, kNaN);
        bool ok = true;
        for (std::size_t k = 0; k < P && ok; ++k) {
            const std::size_t a = t * (P + 1) + k, b = a + 1;
            const std::size_t i = d.moved[t * P + k];
            const double step = d.points[b][i] - d.points[a][i];
            ok = std::isfinite(y[a]) && std::isfinite(y[b]) && step != 0;
            if (ok) row[i] = (y[b] - y[a]) / step;
        }
        if (ok) ee.push_back(std::move(row));
    }
    MorrisIndices out;
    out.trajectories_used = ee.size();
    for (std::size_t i = 0; i < P; ++i) {
        auto mean_abs = [&](const std::vector<std::size_t>& idx) {
            double s = 0;
            for (auto k : idx) s += std::abs(ee[k][i]);
            return idx.empty() ? kNaN : s / static_cast<double>(idx.size());
        };
        out.mu_star.push_back(bootstrap(ee.size(), mean_abs, resamples, confidence, 0x4D6F72726973ull + i));
        double m = 0, ss = 0;
        for (const auto& row : ee) m += row[i];
        m = ee.empty() ? kNaN : m / static_cast<double>(ee.size());
        for (const auto& row : ee) ss += (row[i] - m) * (row[i] - m);
        out.mu.push_back(m);
        out.sigma.push_back(ee.size() > 1 ? std::sqrt(ss / static_cast<double>(ee.size() - 1)) : kNaN);
    }
    return out;
}

SobolIndices sobol_indices(std::size_t dims, const std::vector<double>& y, std::size_t resamples, double confidence) {
    const std::size_t block = saltelli_block(dims);
    std::vector<std::size_t> good;  // base samples with every response finite
    for (std::size_t j = 0; j * block + block <= y.size(); ++j) {
        bool ok = true;
        for (std::size_t k = 0; k < block; ++k) ok = ok && std::isfinite(y[j * block + k]);
        if (ok) good.push_back(j);
    }
    auto fA = [&](std::size_t j) { return y[good[j] * block]; };
    auto fB = [&](std::size_t j) { return y[good[j] * block + 1]; };
    auto fAB = [&](std::size_t j, std::size_t i) { return y[good[j] * block + 2 + i]; };
    auto variance = [&](const std::vector<std::size_t>& idx) {  // of f(A) and f(B) together
        double m = 0, ss = 0;
        for (auto j : idx) m += fA(j) + fB(j);
        m /= 2.0 * static_cast<double>(idx.size());
        for (auto j : idx) ss += (fA(j) - m) * (fA(j) - m) + (fB(j) - m) * (fB(j) - m);
        return ss / (2.0 * static_cast<double>(idx.size()) - 1);
    };
    SobolIndices out;
    out.samples_used = good.size();
    if (good.size() < 2) {
        out.variance = kNaN;
        out.first.assign(dims, {kNaN, kNaN, kNaN});
        out.total.assign(dims, {kNaN, kNaN, kNaN});
        return out;
    }
    std::vector<std::size_t> all(good.size());
    std::iota(all.begin(), all.end(), 0);
    out.variance = variance(all);
    for (std::size_t i = 0; i < dims; ++i) {
        auto first = [&](const std::vector<std::size_t>& idx) {  // Saltelli et al. (2010), eq. (b)
            double s = 0;
            for (auto j : idx) s += fB(j) * (fAB(j, i) - fA(j));
            return s / static_cast<double>(idx.size()) / variance(idx);
        };
        auto total = [&](const std::vector<std::size_t>& idx) {  // Jansen (1999)
            double s = 0;
            for (auto j : idx) s += (fA(j) - fAB(j, i)) * (fA(j) - fAB(j, i));
            return s / (2.0 * static_cast<double>(idx.size())) / variance(idx);
        };
        out.first.push_back(bootstrap(good.size(), first, resamples, confidence, 0x536F626F6C31ull + i));
        out.total.push_back(bootstrap(good.size(), total, resamples, confidence, 0x536F626F6C54ull + i));
    }
    return out;
}

}  // namespace talentsim::sweep
