// The calibration of the default scenario (docs/calibration.md): one run of
// scenarios/china_ai_2024.toml with its own seed, evaluated with compare_results against
// scenarios/targets/china_ai_2024.toml. Every target of sections A and B of the published figures
// must be inside its band; section C targets are reported, not required (docs/calibration.md
// explains the one outside). About 2 s in a Release build.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

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

TEST_CASE("the default scenario with its default seed meets every section A and B target", "[calibration][slow]") {
    const std::string source = TALENTSIM_SOURCE_DIR;
    const fs::path dir = fs::temp_directory_path() / ("talentsim_calibration_" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path result = dir / "china_ai_2024.h5";
    std::string log;
    const std::string cmd = std::string(TALENTSIM_BINARY) + " run " + source +
                            "/scenarios/china_ai_2024.toml --quiet --threads 2 --out " + result.string();
    REQUIRE(run_quietly(cmd, log) == 0);

    const Comparison c = compare_results({result}, source + "/scenarios/targets/china_ai_2024.toml");
    int checked = 0;
    for (const TargetOutcome& t : c.targets) {
        if (t.name.empty() || (t.name[0] != 'A' && t.name[0] != 'B')) continue;
        ++checked;
        INFO(t.name << ": simulated " << t.simulated_mean << ", band [" << t.reported_lo << ", " << t.reported_hi
                    << "] (" << t.source << ")");
        REQUIRE(t.files == 1);  // the target has data in the run
        CHECK(std::isfinite(t.simulated_mean));
        CHECK(t.simulated_mean >= t.reported_lo);
        CHECK(t.simulated_mean <= t.reported_hi);
        CHECK(t.inside);
    }
    CHECK(checked == 18);  // A1, A2, A3, A6 and B1-B14 (B5 twice, no B13): docs/calibration.md
    fs::remove_all(dir);
}
