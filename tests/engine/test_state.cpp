// The state's compact forms: alias tables built in place, 16-bit step columns.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/rng.hpp"
#include "engine/state.hpp"
#include "support.hpp"

using namespace talentsim;

namespace {
// Walker's alias method written plainly (two stacks, a vector of scaled weights): the table the
// engine built before the in-place build, and the reference for its columns.
std::vector<AliasTable::Column> plain_alias(const std::vector<double>& weight) {
    const std::size_t n = weight.size();
    std::vector<AliasTable::Column> column(n);
    double total = 0;
    for (double x : weight) total += x;
    std::vector<double> scaled(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t j = 0; j < n; ++j) {
        column[j] = {1.0f, static_cast<std::uint32_t>(j)};
        scaled[j] = total > 0 ? weight[j] * static_cast<double>(n) / total : 1.0;
        (scaled[j] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(j));
    }
    while (!small.empty() && !large.empty()) {
        const std::uint32_t s = small.back(), l = large.back();
        small.pop_back();
        column[s] = {static_cast<float>(scaled[s]), l};
        scaled[l] -= 1.0 - scaled[s];
        if (scaled[l] < 1.0) {
            large.pop_back();
            small.push_back(l);
        }
    }
    return column;
}

// The probability that a draw from the table gives j: (keep_j + sum of 1 - keep_k over the
// columns k != j whose alias is j) / n.
std::vector<double> draw_probabilities(const AliasTable& t) {
    const std::size_t n = t.column.size();
    std::vector<double> p(n, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        p[k] += t.column[k].keep / static_cast<double>(n);
        if (t.column[k].alias != k) p[t.column[k].alias] += (1.0 - t.column[k].keep) / static_cast<double>(n);
    }
    return p;
}

AliasTable built(const std::vector<double>& weight) {
    AliasTable t;
    t.build(weight.size(), [&](std::size_t j) { return weight[j]; });
    return t;
}
}  // namespace

TEST_CASE("an alias table draws each column with its weight's share", "[state][alias]") {
    Stream rng(11, 0, StreamFamily::postings, 0);
    // Few distinct weights (as the postings' weights by employer city and type), zeros, and
    // weights spread over orders of magnitude.
    const double levels[] = {0.0, 0.25, 0.3, 1.0, 1.2};
    for (const int kind : {0, 1}) {
        std::vector<double> weight(5003);
        for (double& x : weight) x = kind == 0 ? levels[rng() % 5] : std::exp(8 * rng.uniform());
        double total = 0;
        for (double x : weight) total += x;
        const auto p = draw_probabilities(built(weight));
        for (std::size_t j = 0; j < weight.size(); ++j) REQUIRE(p[j] == Approx(weight[j] / total).margin(1e-7));
    }
}

TEST_CASE("an alias table's textbook limits: equal weights keep every column, one weight takes all", "[state][alias]") {
    const auto equal = built(std::vector<double>(100, 2.5));
    for (std::size_t j = 0; j < 100; ++j) {
        CHECK(equal.column[j].keep == 1.0f);
        CHECK(equal.column[j].alias == j);
    }
    std::vector<double> one(50, 0.0);
    one[17] = 3.0;
    const auto p = draw_probabilities(built(one));
    for (std::size_t j = 0; j < 50; ++j) CHECK(p[j] == Approx(j == 17 ? 1.0 : 0.0).margin(1e-12));
}

TEST_CASE("the in-place alias build gives the columns of the plain two-stack build", "[state][alias]") {
    Stream rng(12, 0, StreamFamily::postings, 0);
    // Weights within a factor of 5 (and zeros), and (odd n) weights spread over orders of
    // magnitude, where a large column gives up weight to many small ones in a row.
    for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{777}, std::size_t{20000}, std::size_t{20001}}) {
        const bool spread = n % 2 == 1 && n > 1;
        std::vector<double> weight(n);
        for (double& x : weight) x = spread ? std::exp(12 * rng.uniform()) : (rng() % 4 == 0) ? 0.0 : 0.25 + rng.uniform();
        const auto got = built(weight).column;
        const auto want = plain_alias(weight);
        REQUIRE(got.size() == want.size());
        for (std::size_t j = 0; j < n; ++j) {
            CHECK(got[j].keep == want[j].keep);
            CHECK(got[j].alias == want[j].alias);
        }
    }
}

TEST_CASE("16-bit step columns hold every step the scenario's bounds allow", "[state]") {
    // The bounds the column type relies on (state.hpp): at most 6000 steps, a burn-in of at most
    // 600 steps, graduation up to 12 steps after the last one.
    using talentsim::test::scenario;
    const std::string file = "scenarios/china_ai_2024.toml";
    CHECK_NOTHROW(scenario(file, {"scenario.steps=6000", "population.burn_in_steps=600"}));
    CHECK_THROWS(scenario(file, {"scenario.steps=6001"}));
    CHECK_THROWS(scenario(file, {"population.burn_in_steps=601"}));
    CHECK(std::numeric_limits<StepColumn>::max() >= 6000 + 12);
    CHECK(kNeverStep < -600);
    CHECK(std::numeric_limits<StepColumn>::min() == kNeverStep);
}
