// Sweep planning counts points before expanding and expands in linear time (docs/reliability.md,
// "Sweep directories"): the largest allowed grid plans in seconds, a grid over the limit is
// refused at once, and integer ranges that round to repeated values keep each value once.
#include <catch2/catch.hpp>

#include <chrono>

#include "support.hpp"
#include "sweep/internal.hpp"
#include "sweep/sweep.hpp"

using namespace talentsim;
namespace fs = std::filesystem;

namespace {
std::string head() {
    return std::string("[sweep]\nname = \"size\"\nscenario = \"") + test::source_path("scenarios/minimal.toml") +
           "\"\nseed = 1\nreplicates = 1\n[design]\nkind = \"grid\"\n";
}
std::string range(const std::string& key, long long points) {
    return "[[parameters]]\nkey = \"" + key + "\"\nrange = [0.0, 1.0]\npoints = " + std::to_string(points) + "\n";
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

TEST_CASE("sweep planning: the largest grid in linear time, oversize grids refused before expansion", "[sweep]") {
    const fs::path file = test::temp_dir("plan_size") / "s.toml";
    auto t0 = std::chrono::steady_clock::now();
    // 10^6 points (the limit). Quadratic de-duplication took ~33 s for 2 x 10^5.
    const sweep::Sweep big = sweep::parse_sweep(head() + range("wages.annual_raise", 1000000), file);
    CHECK(big.points.size() == 1000000);
    CHECK(seconds_since(t0) < 30);
    // 8 parameters of 10^6 points each: refused at once, without building them.
    std::string huge = head();
    for (const char* key :
         {"wages.annual_raise", "wages.promotion_prob", "wages.promotion_raise", "wages.posted_growth",
          "offers.poaching_premium", "search.employed_intensity", "search.unemployed_intensity", "teams.follow_prob"})
        huge += range(key, 1000000);
    t0 = std::chrono::steady_clock::now();
    try {
        (void)sweep::parse_sweep(huge, file);
        FAIL("an oversize grid was planned");
    } catch (const ScenarioInvalid& e) {
        CHECK_THAT(e.what(), Catch::Contains("the grid has more than 1000000 points"));
    }
    CHECK(seconds_since(t0) < 5);
    // An integer range of 1000 points over 10 values: each value once, in order.
    const sweep::Sweep ints =
        sweep::parse_sweep(head() + "[[parameters]]\nkey = \"teams.size\"\nrange = [2, 11]\npoints = 1000\n", file);
    REQUIRE(ints.parameters[0].values.size() == 10);
    CHECK(std::get<std::int64_t>(ints.parameters[0].values.front()) == 2);
    CHECK(std::get<std::int64_t>(ints.parameters[0].values.back()) == 11);
}

TEST_CASE("metric patterns: * stays inside one dotted part, ** crosses parts, many stars stay cheap", "[sweep]") {
    CHECK(sweep::glob_match("wage.*.mean", "wage.earned.mean"));
    CHECK_FALSE(sweep::glob_match("wage.*", "wage.earned.mean"));
    CHECK(sweep::glob_match("wage.**", "wage.earned.mean"));
    CHECK(sweep::glob_match("**", ""));
    CHECK(sweep::glob_match("*", "moves"));
    CHECK_FALSE(sweep::glob_match("*", "a.b"));
    CHECK(sweep::glob_match("m*s", "moves"));
    CHECK_FALSE(sweep::glob_match("m*x", "moves"));
    CHECK_FALSE(sweep::glob_match("", "moves"));
    CHECK(sweep::glob_match("***", "a.b"));  // "**" then "*"
    // 40 stars against 60 a's with no final b: exponential for a backtracking matcher.
    std::string pattern;
    for (int i = 0; i < 40; ++i) pattern += "*a";
    pattern += "*b";
    CHECK_FALSE(sweep::glob_match(pattern, std::string(60, 'a')));
    CHECK(sweep::glob_match(pattern, std::string(60, 'a') + "b"));
}
