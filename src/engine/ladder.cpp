#include "engine/ladder.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace talentsim::ladder {

std::vector<double> posted_wages(std::span<const double> value, std::span<const double> weight, double kappa,
                                 double b) {
    const std::size_t n = value.size();
    std::vector<double> wage(n, 0.0);
    if (n == 0) return wage;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t c) {
        return value[a] < value[c] || (value[a] == value[c] && a < c);
    });
    const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
    const double v_min = value[order[0]];
    const double floor = (v_min - std::min(b, v_min)) / ((1 + kappa) * (1 + kappa));
    double above = 1.0;      // weight share of the values at or above the current tie group
    double integral = 0.0;   // of (1 + kappa G(x))^-2 from v_min to the current value
    double previous = v_min;
    for (std::size_t g = 0; g < n;) {
        std::size_t end = g;
        double group = 0;
        while (end < n && value[order[end]] == value[order[g]]) group += weight[order[end++]];
        const double v = value[order[g]];
        // Between the previous value and v, G is the share at or above v.
        integral += (v - previous) / ((1 + kappa * above) * (1 + kappa * above));
        const double share = group / total, g_v = above - share / 2;  // G at v: mid-rank
        const double k = (1 + kappa * g_v) * (1 + kappa * g_v);
        for (std::size_t j = g; j < end; ++j) wage[order[j]] = std::max(std::min(b, v_min), v - k * (integral + floor));
        above -= share;
        previous = v;
        g = end;
    }
    return wage;
}

double job_to_job_ratio(double kappa) {
    if (kappa <= 0) return 0;
    if (kappa < 1e-6) return kappa / 2;  // the series (1 + k)(k - k^2 / 2 + ...) / k - 1
    return (1 + kappa) * std::log1p(kappa) / kappa - 1;
}

double friction_from_flows(double job_to_job, double separations) {
    if (job_to_job <= 0) return 0;
    if (separations <= 0 || job_to_job / separations >= job_to_job_ratio(kMaxFriction)) return kMaxFriction;
    const double theta = job_to_job / separations;
    double lo = 0, hi = kMaxFriction;  // the ratio increases with kappa: bisect
    for (int it = 0; it < 100; ++it) {
        const double mid = 0.5 * (lo + hi);
        (job_to_job_ratio(mid) < theta ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

}  // namespace talentsim::ladder
