// Eq. 3c and 3d against the Burdett-Mortensen model with heterogeneous employers (analytic tier):
// the posted wages of a uniform distribution of values in closed form, the equilibrium itself (no
// employer gains by posting another wage), and the steady-state flow ratio that reads the friction.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "engine/ladder.hpp"

using namespace talentsim;

namespace {
// K(v) for values uniform on [lo, hi] (G(x) = (hi - x) / (hi - lo)), reservation wage b <= lo.
double uniform_wage(double v, double lo, double hi, double kappa, double b) {
    const double width = hi - lo, y = 1 + kappa * (hi - v) / width;
    const double integral = width / kappa * (1 / y - 1 / (1 + kappa));
    return v - y * y * (integral + (lo - b) / ((1 + kappa) * (1 + kappa)));
}

// Steady-state profit a month of an employer of value v posting w against the posted wages `k`
// (weights `weight`): (v - w) l(w), l(w) proportional to (1 + kappa F(w))^-2, F(w) the weight share
// of offers above w (ties count half).
double profit(double v, double w, const std::vector<double>& k, const std::vector<double>& weight, double kappa) {
    double above = 0, total = 0;
    for (std::size_t j = 0; j < k.size(); ++j) {
        total += weight[j];
        above += k[j] > w ? weight[j] : k[j] == w ? weight[j] / 2 : 0;
    }
    const double f = above / total;
    return (v - w) / ((1 + kappa * f) * (1 + kappa * f));
}
}  // namespace

TEST_CASE("eq. 3c: posted wages of uniformly distributed values match the closed form", "[ladder][analytic]") {
    const std::size_t n = 4000;
    const double lo = 1.0, hi = 2.0, b = 0.6;
    std::vector<double> value(n), weight(n, 1.0);
    for (std::size_t j = 0; j < n; ++j) value[j] = lo + (hi - lo) * (static_cast<double>(j) + 0.5) / n;
    for (double kappa : {0.5, 4.0, 50.0}) {
        const std::vector<double> k = ladder::posted_wages(value, weight, kappa, b);
        double worst = 0;
        for (std::size_t j = 0; j < n; ++j)
            worst = std::max(worst, std::abs(k[j] - uniform_wage(value[j], lo, hi, kappa, b)) / value[j]);
        INFO("kappa " << kappa << ": largest gap to the closed form, relative to v: " << worst);
        CHECK(worst < 2e-3);
        CHECK(k.front() == Approx(b).epsilon(0.01));  // the least productive employer pays the reservation wage
        for (std::size_t j = 1; j < n; ++j) REQUIRE(k[j] >= k[j - 1]);  // wages rank as values
        for (std::size_t j = 0; j < n; ++j) REQUIRE(k[j] <= value[j]);
    }
}

TEST_CASE("eq. 3c: the textbook limits of the friction", "[ladder][analytic]") {
    const std::vector<double> value = {1.0, 1.3, 1.3, 1.7, 2.2}, weight = {2, 1, 1, 3, 1};
    // kappa -> 0: every employer pays the reservation wage (Diamond's monopsony).
    for (double k : ladder::posted_wages(value, weight, 1e-7, 0.5)) CHECK(k == Approx(0.5).epsilon(1e-5));
    // A reservation wage above the least value: that employer pays its value.
    CHECK(ladder::posted_wages(value, weight, 3, 1.5).front() == Approx(1.0));
    // Ties post the same wage; more friction never lowers a wage.
    const std::vector<double> k3 = ladder::posted_wages(value, weight, 3, 0.5),
                              k30 = ladder::posted_wages(value, weight, 30, 0.5);
    CHECK(k3[1] == k3[2]);
    for (std::size_t j = 0; j < value.size(); ++j) CHECK(k30[j] >= k3[j]);
    // Weight 0: priced against the others, without moving them.
    std::vector<double> v6 = value, w6 = weight;
    v6.push_back(1.5);
    w6.push_back(0);
    const std::vector<double> k6 = ladder::posted_wages(v6, w6, 3, 0.5);
    for (std::size_t j = 0; j < value.size(); ++j) CHECK(k6[j] == Approx(k3[j]));
    CHECK(k6.back() > k3[2]);
    CHECK(k6.back() < k3[3]);
}

TEST_CASE("eq. 3c: no employer gains by posting another wage (the equilibrium)", "[ladder][analytic]") {
    std::mt19937_64 gen(11);
    std::lognormal_distribution<double> draw(0.0, 0.3);
    std::uniform_real_distribution<double> size(0.5, 2.0);
    const std::size_t n = 800;
    std::vector<double> value(n), weight(n);
    for (std::size_t j = 0; j < n; ++j) {
        value[j] = draw(gen);
        weight[j] = size(gen);
    }
    const double kappa = 5, b = 0.3;
    const std::vector<double> k = ladder::posted_wages(value, weight, kappa, b);
    // Each employer against the best of the wages just above each other employer's, and b.
    double worst_gain = 0;
    for (std::size_t j = 0; j < n; j += 7) {
        const double own = profit(value[j], k[j], k, weight, kappa);
        double best = profit(value[j], b, k, weight, kappa);
        for (std::size_t i = 0; i < n; ++i)
            if (k[i] < value[j]) best = std::max(best, profit(value[j], std::nextafter(k[i], 1e9), k, weight, kappa));
        worst_gain = std::max(worst_gain, best / own - 1);
    }
    INFO("largest gain from a deviation: " << worst_gain);
    CHECK(worst_gain < 0.02);  // the discrete market of 800: about 1 %
    // The same check fails for wages that are not the equilibrium's: every employer at 0.9 v.
    std::vector<double> naive(n);
    for (std::size_t j = 0; j < n; ++j) naive[j] = 0.9 * value[j];
    double naive_gain = 0;
    for (std::size_t j = 0; j < n; j += 7) {
        const double own = profit(value[j], naive[j], naive, weight, kappa);
        for (std::size_t i = 0; i < n; ++i)
            if (naive[i] < value[j])
                naive_gain = std::max(naive_gain,
                                      profit(value[j], std::nextafter(naive[i], 1e9), naive, weight, kappa) / own - 1);
    }
    INFO("largest gain from a deviation from 0.9 v: " << naive_gain);
    CHECK(naive_gain > 0.1);
}

TEST_CASE("eq. 3d: the friction read from the flows inverts the steady state's flow ratio", "[ladder][analytic]") {
    // Job-to-job moves per separation into non-employment: integral of kappa (1 - F) dG with
    // G = F / (1 + kappa (1 - F)), numerically, against the closed form.
    for (double kappa : {0.05, 0.7, 4.0, 60.0}) {
        double ratio = 0;
        const int m = 200000;
        for (int t = 0; t < m; ++t) {
            const double f = (t + 0.5) / m, y = 1 + kappa * (1 - f);
            ratio += kappa * (1 - f) * (1 + kappa) / (y * y) / m;
        }
        CHECK(ladder::job_to_job_ratio(kappa) == Approx(ratio).epsilon(1e-6));
        CHECK(ladder::friction_from_flows(1000 * ladder::job_to_job_ratio(kappa), 1000) == Approx(kappa).epsilon(1e-9));
    }
    CHECK(ladder::friction_from_flows(0, 50) == 0);
    CHECK(ladder::friction_from_flows(50, 0) == ladder::kMaxFriction);
}
