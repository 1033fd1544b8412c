// A comparison never looks better because data are missing (docs/compare.md, "Targets without
// data"): targets without data are reported loudly (an error under --strict), the loss says how
// many targets it used, one file gives no sd, and sweep plan / validate warn about windows and
// events outside the run.
#include <catch2/catch.hpp>

#include "analysis/compare.hpp"
#include "run/process.hpp"
#include "support.hpp"

using namespace talentsim;
namespace fs = std::filesystem;
using test::q;

namespace {
const std::string kTargets = "scenarios/targets/china_ai_2024.toml";
}

TEST_CASE("targets without data: loud, an error under --strict, and counted in the loss", "[compare][cli]") {
    const auto dir = test::temp_dir("missing_data");
    // 12 steps from July 2022: most targets' windows (2023-2025) are not in the run.
    REQUIRE(test::run_cli("run scenarios/china_ai_2024.toml -q --steps 12 --set population.candidates=10000 --out " +
                          q(dir / "short.h5")) == 0);
    const Comparison c = compare_results({dir / "short.h5"}, test::source_path(kTargets));
    int with_data = 0;
    for (const auto& t : c.targets) {
        with_data += t.files > 0 ? 1 : 0;
        CHECK(std::isnan(t.simulated_sd));  // one file: no spread to report
    }
    CHECK(c.targets_used == with_data);
    CHECK(c.targets_used < static_cast<int>(c.targets.size()));
    std::string out, err;
    CHECK(test::run_cli("compare " + q(dir / "short.h5") + " --targets " + kTargets, &out, &err) == 0);
    CHECK_THAT(out, Catch::Contains("over " + std::to_string(c.targets_used) + " of " +
                                    std::to_string(c.targets.size()) + " targets"));
    CHECK_THAT(err, Catch::Contains("WARNING: target") && Catch::Contains("has no data") &&
                        Catch::Contains("the loss uses " + std::to_string(c.targets_used)));
    CHECK_THAT(out, !Catch::Contains("0.000 (sd 0.000)") && !Catch::Contains("(sd 0.000)"));
    CHECK(test::run_cli("compare " + q(dir / "short.h5") + " --targets " + kTargets + " --strict", &out, &err) == 1);
    CHECK_THAT(err, Catch::Contains("error: target"));
    fs::remove_all(dir);
}

TEST_CASE("validate and sweep plan warn about events and target windows outside the run", "[compare][cli]") {
    std::string err;
    CHECK(test::run_cli("validate scenarios/china_ai_2024.toml --set scenario.steps=12", nullptr, &err) == 0);
    CHECK_THAT(err, Catch::Contains("events.15.date: 2024-01 (step 18) is outside the run"));
    const auto w = targets_outside_run(test::source_path(kTargets), 202207, 12);
    REQUIRE_FALSE(w.empty());
    CHECK_THAT(w.front(), Catch::Contains("outside the run (steps 0 to 11)"));
    CHECK(targets_outside_run(test::source_path(kTargets), 202207, 42).empty());  // the default run covers them

    const auto dir = test::temp_dir("missing_plan");
    std::ofstream(dir / "s.toml") << "[sweep]\nname = \"short\"\nscenario = \""
                                  << test::source_path("scenarios/china_ai_2024.toml")
                                  << "\"\nset = [\"scenario.steps=12\"]\n[[parameters]]\nkey = \"teams.size\"\n"
                                     "values = [2, 3]\n[metrics]\ntargets = [\""
                                  << test::source_path(kTargets) << "\"]\nwindow = 6\n";
    CHECK(test::run_cli("sweep plan " + q(dir / "s.toml"), nullptr, &err) == 0);
    CHECK_THAT(err, Catch::Contains("warning: ") && Catch::Contains("lies outside the run") &&
                        Catch::Contains("events.15.date"));
    fs::remove_all(dir);
}

TEST_CASE("a target whose value is inf is a targets-file error", "[compare]") {
    const auto dir = test::temp_dir("target_inf");
    std::ofstream(dir / "t.toml") << "[targets]\nname = \"t\"\n\n[[target]]\nname = \"x\"\nsource = \"s\"\n"
                                     "statistic = \"mean\"\ntable = \"postings\"\nfield = \"salary\"\nvalue = inf\n";
    std::string err;
    REQUIRE(test::run_cli("run scenarios/minimal.toml -q --steps 2 --out " + q(dir / "r.h5")) == 0);
    CHECK(test::run_cli("compare " + q(dir / "r.h5") + " --targets " + q(dir / "t.toml"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("t.toml:10:") && Catch::Contains("target.0.value: must be finite"));
    fs::remove_all(dir);
}

TEST_CASE("info and compare name the file when a result's tables are malformed", "[compare][cli]") {
    const auto dir = test::temp_dir("malformed_result");
    REQUIRE(test::run_cli("run scenarios/minimal.toml -q --steps 6 --set output.moves=true --out " + q(dir / "r.h5")) ==
            0);
    const std::string py =
        "import h5py, numpy as np, shutil, sys\n"
        "d = sys.argv[1]\n"
        "for name in ('rank2', 'nocolumn'):\n"
        "    with h5py.File(d + '/r.h5', 'r') as src, h5py.File(d + '/' + name + '.h5', 'w') as dst:\n"
        "        for k, v in src.attrs.items(): dst.attrs[k] = v\n"
        "        steps = src['steps'][()]\n"
        "        if name == 'rank2': dst['steps'] = np.zeros((3, 4), dtype='i8')\n"
        "        else: dst['steps'] = steps[[n for n in steps.dtype.names if n != 'employed']]\n"
        "shutil.copy(d + '/r.h5', d + '/ids.h5')\n"
        "with h5py.File(d + '/ids.h5', 'r+') as f:\n"
        "    m = f['moves'][()]\n"
        "    assert len(m) > 0\n"
        "    m['candidate'] = 4000000000\n"
        "    f['moves'][...] = m\n";
    std::ofstream(dir / "make.py") << py;
    std::string out, err;
    REQUIRE(test::run_cli_raw("/usr/bin/python3 " + q(dir / "make.py") + " " + q(dir), &out) == 0);
    CHECK(test::run_cli("info " + q(dir / "rank2.h5"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("rank2.h5: /steps has 2 dimensions"));
    CHECK(test::run_cli("info " + q(dir / "nocolumn.h5"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("nocolumn.h5: /steps has no column employed"));
    const int code = test::run_cli("compare " + q(dir / "ids.h5") + " --targets " + kTargets, nullptr, &err);
    INFO(err);
    CHECK(code == 2);
    CHECK_THAT(err, Catch::Contains("ids.h5") && !Catch::Contains("_M_range_check"));
    fs::remove_all(dir);
}
