// The calibration of the default scenario (docs/calibration.md): scenarios/china_ai_2024.toml on
// the 10 seeds of the calibration table, evaluated with compare_results against
// scenarios/targets/china_ai_2024.toml (the mean over the seeds, as `compare` reports it). Every
// target of sections A and B of the published figures must be inside its band, but B11, which
// docs/calibration.md explains; section C targets are reported, not required. About 20 s in a
// Release build.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "analysis/compare.hpp"

namespace fs = std::filesystem;
using namespace talentsim;

namespace {

int run_quietly(const std::string& cmd, std::string& output) {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return -1;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
    const int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("the default scenario meets every section A and B target over 10 seeds, but B11", "[calibration][slow]") {
    const std::string source = TALENTSIM_SOURCE_DIR;
    const fs::path dir = fs::temp_directory_path() / ("talentsim_calibration_" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::vector<fs::path> results;
    for (const std::string seed : {"20240101", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) {
        results.push_back(dir / ("china_ai_2024_" + seed + ".h5"));
        std::string log;
        const std::string cmd = std::string(TALENTSIM_BINARY) + " run " + source +
                                "/scenarios/china_ai_2024.toml --quiet --threads 2 --seed " + seed + " --out " +
                                results.back().string();
        REQUIRE(run_quietly(cmd, log) == 0);
    }
    const Comparison c = compare_results(results, source + "/scenarios/targets/china_ai_2024.toml");
    // B11 (mean posted large-model salary > 67,000 a month) is the one section A/B figure the
    // estimated model misses: docs/calibration.md, "What the model does not produce".
    const std::set<std::string> explained = {"B11_llm_posted_monthly"};
    int checked = 0;
    for (const TargetOutcome& t : c.targets) {
        if (t.name.empty() || (t.name[0] != 'A' && t.name[0] != 'B') || explained.count(t.name)) continue;
        ++checked;
        INFO(t.name << ": simulated mean " << t.simulated_mean << " over " << t.files << " seeds, band ["
                    << t.reported_lo << ", " << t.reported_hi << "] (" << t.source << ")");
        REQUIRE(t.files == 10);  // the target has data in every run
        CHECK(std::isfinite(t.simulated_mean));
        CHECK(t.simulated_mean >= t.reported_lo);
        CHECK(t.simulated_mean <= t.reported_hi);
        CHECK(t.inside);
    }
    CHECK(checked == 17);  // A1, A2, A3, A6 and B1-B14 (B5 twice, no B13), without B11: docs/calibration.md
    fs::remove_all(dir);
}
