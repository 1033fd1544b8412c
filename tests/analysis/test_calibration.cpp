// The calibration of the default scenario (docs/calibration.md): scenarios/china_ai_2024.toml on
// the 10 seeds of the calibration table, evaluated with compare_results against
// scenarios/targets/china_ai_2024.toml. Every target of sections A and B of the published figures
// must be inside its band on the mean of the seeds and on each seed alone, but the few that
// docs/calibration.md lists as missed (with how often and why); section C targets are reported, not
// required. The share of postings requiring a master's or PhD must rise between late 2022 and early
// 2025 on every seed (degree requirements that answer the applicant pool, eq. 9a). About 75 s each
// in a Release build (each ctest process makes the 10 runs).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "analysis/compare.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace talentsim;

namespace {

const std::string kSource = TALENTSIM_SOURCE_DIR;

int run_quietly(const std::string& cmd, std::string& output) {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return -1;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
    const int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

fs::path dir() {
    static const fs::path d = test::temp_dir("calibration");
    return d;
}

// The 10 runs of the calibration table, made once for both test cases.
const std::vector<fs::path>& results() {
    static const std::vector<fs::path> files = [] {
        std::vector<fs::path> out;
        for (const std::string seed : {"20240101", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) {
            out.push_back(dir() / ("china_ai_2024_" + seed + ".h5"));
            std::string log;
            const std::string cmd = std::string(TALENTSIM_BINARY) + " run " + kSource +
                                    "/scenarios/china_ai_2024.toml --quiet --threads 2 --seed " + seed + " --out " +
                                    out.back().string();
            if (run_quietly(cmd, log) != 0) FAIL("talentsim run failed: " << log);
        }
        return out;
    }();
    return files;
}

bool in_band(double v, const TargetOutcome& t) { return std::isfinite(v) && v >= t.reported_lo && v <= t.reported_hi; }

}  // namespace

TEST_CASE("the default scenario meets the section A and B targets on each of 10 seeds", "[calibration][slow]") {
    const Comparison c = compare_results(results(), kSource + "/scenarios/targets/china_ai_2024.toml");
    // Every section A and B figure inside on the mean and on each seed alone (docs/calibration.md).
    int checked = 0;
    for (const TargetOutcome& t : c.targets) {
        if (t.name.empty() || (t.name[0] != 'A' && t.name[0] != 'B')) continue;
        ++checked;
        INFO(t.name << ": simulated mean " << t.simulated_mean << " over " << t.files << " seeds, band ["
                    << t.reported_lo << ", " << t.reported_hi << "] (" << t.source << ")");
        REQUIRE(t.files == 10);  // the target has data in every run
        REQUIRE(t.per_file.size() == 10);
        CHECK(in_band(t.simulated_mean, t));
        CHECK(t.inside);
        for (std::size_t k = 0; k < t.per_file.size(); ++k) {
            INFO("seed index " << k << ": " << t.per_file[k]);
            CHECK(in_band(t.per_file[k], t));
        }
    }
    CHECK(checked == 18);  // A1, A2, A3, A6 and B1-B14 (B5 twice, no B13)
}

TEST_CASE("the default scenario's postgraduate share of postings rises from 2022 to 2025", "[calibration][slow]") {
    // The share of domestic postings requiring at least a master's: its base shares (eq. 9) are
    // the starting point in 2020 (the burn-in), and the requirement adjustment (eq. 9a) produces
    // the rest; docs/calibration.md, "The rise of the postgraduate share".
    const fs::path targets = dir() / "postgraduate_share.toml";
    std::ofstream(targets) << R"([targets]
name = "postgraduate_share"
)" << [] {
        std::string t;
        for (const auto& [name, dates] : {std::pair<std::string, std::string>{"late_2022", R"(["2022-07", "2022-12"])"},
                                          {"early_2025", R"(["2025-01", "2025-02"])"}})
            t += "[[target]]\nname = \"" + name + "\"\nsource = \"test\"\nstatistic = \"share_above\"\n" +
                 "table = \"postings\"\nfield = \"required_degree\"\nat_least = \"master\"\nband = [0, 1]\n" +
                 "[target.filter]\ndate = " + dates +
                 "\nemployer_type = [\"big_tech\", \"ai_unicorn\", \"startup\", \"research_institute\"]\n";
        return t;
    }();
    const Comparison c = compare_results(results(), targets);
    REQUIRE(c.targets.size() == 2);
    const TargetOutcome& before = c.targets[0];
    const TargetOutcome& after = c.targets[1];
    REQUIRE(before.per_file.size() == 10);
    for (std::size_t k = 0; k < 10; ++k) {
        INFO("seed index " << k << ": " << before.per_file[k] << " in 2022, " << after.per_file[k] << " in 2025");
        CHECK(after.per_file[k] > before.per_file[k] + 0.05);
    }
    CHECK(after.simulated_mean >= 0.45);  // "nearly half" (target A3)
}
