// A sweep directory is an input like any other (docs/reliability.md, "Sweep directories"): a
// damaged manifest.toml is refused with every error (file:line, exit 2) before anything is
// allocated from it, and nothing but a regular file is opened under DIR/points/.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <regex>

#include "io/h5.hpp"
#include "run/process.hpp"
#include "support.hpp"

using namespace talentsim;
namespace fs = std::filesystem;
using test::q;
using test::slurp;

namespace {

// A finished two-point sweep of the minimal scenario, 2 replicates, 3 steps.
fs::path small_sweep(const fs::path& dir) {
    const fs::path file = dir / "sweep.toml", out = dir / "out";
    std::ofstream(file) << "[sweep]\nname = \"manifest_check\"\nscenario = \""
                        << test::source_path("scenarios/minimal.toml")
                        << "\"\nseed = 1\nreplicates = 2\nset = [\"scenario.steps=3\"]\n"
                           "[design]\nkind = \"grid\"\n"
                           "[[parameters]]\nkey = \"noncompete.enabled\"\nvalues = [true, false]\n";
    std::string o, e;
    const int rc = test::run_cli("sweep run " + q(file) + " --out " + q(out) + " --quiet --jobs 1", &o, &e);
    INFO(o << e);
    REQUIRE(rc == 0);
    return out;
}

// The manifest with the first match of `pattern` replaced.
void damage(const fs::path& out, const std::string& original, const std::string& pattern, const std::string& with) {
    const std::string text =
        std::regex_replace(original, std::regex(pattern), with, std::regex_constants::format_first_only);
    REQUIRE(text != original);
    std::ofstream(out / "manifest.toml", std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("sweep merge validates a damaged manifest: every error with file:line, exit 2", "[reliability][sweep]") {
    const auto dir = test::temp_dir("manifest_check");
    const fs::path out = small_sweep(dir);
    const std::string original = slurp(out / "manifest.toml");
    const std::string manifest = (out / "manifest.toml").string();
    std::string err;
    REQUIRE(test::run_cli("sweep merge " + q(out)) == 0);

    damage(out, original, R"(parameter_kinds = \[ ?"bool" ?\])", R"(parameter_kinds = ["bool", "nonsense"])");
    CHECK(test::run_cli("sweep merge " + q(out), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains(manifest + ":") && Catch::Contains("unknown kind \"nonsense\"") &&
                        Catch::Contains("2 kinds for 1 parameters"));

    damage(out, original, R"(replicates = 2)", "replicates = 99999");
    CHECK(test::run_cli("sweep merge " + q(out), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("2 seeds for 99999 replicates"));

    damage(out, original, R"(replicates = 2)", "replicates = 999999999999");
    CHECK(test::run_cli("sweep merge " + q(out), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("replicates: value 999999999999 is out of range"));

    damage(out, original, R"(values = \[ ?true ?\])", "values = []");
    CHECK(test::run_cli("sweep merge " + q(out), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("point.0.values: 0 values for 1 parameters"));

    damage(out, original, R"(seeds = \[ ?(\d+), \d+ ?\])", "seeds = [$1]");
    CHECK(test::run_cli("sweep merge " + q(out), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("point.0.seeds: 1 seeds for 2 replicates"));

    damage(out, original, R"(points = 2)", "points = 3");
    CHECK(test::run_cli("sweep merge " + q(out), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("expected 3 [[point]] entries, found 2"));
    fs::remove_all(dir);
}

TEST_CASE("sweep merge and sweep run open nothing under DIR/points that is not a regular file",
          "[reliability][sweep]") {
    const auto dir = test::temp_dir("manifest_fifo");
    const fs::path out = small_sweep(dir);
    fs::remove(out / "points" / "000000.toml");
    REQUIRE(::mkfifo((out / "points" / "000000.toml").c_str(), 0600) == 0);
    std::string report;
    CHECK(test::run_cli_raw("timeout 60 " TALENTSIM_BINARY " sweep merge " + q(out), &report) == 1);  // 124: a hang
    CHECK_THAT(report, Catch::Contains("not a regular file"));
    CHECK(test::run_cli_raw("timeout 60 " TALENTSIM_BINARY " sweep run " + q(dir / "sweep.toml") + " --out " + q(out) +
                                " --quiet --jobs 1",
                            &report) != 124);
    fs::remove(out / "manifest.toml");
    REQUIRE(::mkfifo((out / "manifest.toml").c_str(), 0600) == 0);
    CHECK(test::run_cli_raw("timeout 60 " TALENTSIM_BINARY " sweep merge " + q(out), &report) == 2);
    CHECK_THAT(report, Catch::Contains("manifest.toml") && Catch::Contains("not a regular file"));
    fs::remove_all(dir);
}

TEST_CASE("a sweep with an invalid targets file is refused by plan and run alike, and nothing is created",
          "[reliability][sweep]") {
    const auto dir = test::temp_dir("sweep_bad_targets");
    std::ofstream(dir / "t.toml") << "[targets]\nname = \"t\"\n[[target]]\nname = \"x\"\nstatistic = \"sideways\"\n";
    std::ofstream(dir / "s.toml") << "[sweep]\nname = \"bad_targets\"\nscenario = \""
                                  << test::source_path("scenarios/minimal.toml")
                                  << "\"\n[[parameters]]\nkey = \"teams.size\"\nvalues = [2, 3]\n"
                                     "[metrics]\ntargets = [\"t.toml\"]\n";
    std::string err;
    CHECK(test::run_cli("sweep plan " + q(dir / "s.toml"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("t.toml") && Catch::Contains("statistic"));
    CHECK(test::run_cli("sweep run " + q(dir / "s.toml") + " --out " + q(dir / "out") + " --quiet", nullptr, &err) ==
          2);
    CHECK_FALSE(fs::exists(dir / "out"));
    fs::remove_all(dir);
}

TEST_CASE("info and compare recognise a merged sweep file and say what it is", "[sweep][cli]") {
    const auto dir = test::temp_dir("sweep_info");
    const fs::path out = small_sweep(dir);
    REQUIRE(test::run_cli("sweep merge " + q(out)) == 0);
    std::string o, err;
    CHECK(test::run_cli("info " + q(out / "sweep.h5"), &o) == 0);
    CHECK_THAT(o, Catch::Contains("a merged sweep file") && Catch::Contains("manifest_check"));
    CHECK(test::run_cli("compare " + q(out / "sweep.h5") + " --targets scenarios/targets/china_ai_2024.toml", nullptr,
                        &err) == 2);
    CHECK_THAT(err, Catch::Contains("a merged sweep file") && Catch::Contains("not the result of one run"));
    fs::remove_all(dir);
}

TEST_CASE("a manifest gives back the sweep and scenario files it holds, character for character", "[sweep]") {
    // A leading blank line, tabs, quotes, backslashes, a literal-string-like line, a carriage
    // return and text outside ASCII: what a multi-line or literal TOML string would not keep.
    const auto dir = test::temp_dir("manifest_text");
    const std::string scenario_text = "\n# \"base\"\t'copy' \\ of minimal, r\xC3\xA9sum\xC3\xA9 \xE4\xB8\xAD\r\n" +
                                      slurp(test::source_path("scenarios/minimal.toml"));
    std::ofstream(dir / "base.toml", std::ios::binary) << scenario_text;
    const std::string sweep_text =
        "\n\n# '''\"\"\"\t\\\n[sweep]\nname = \"manifest_text\"\nscenario = \"base.toml\"\nseed = 1\n"
        "replicates = 1\nset = [\"scenario.steps=2\"]\n[[parameters]]\nkey = \"noncompete.enabled\"\n"
        "values = [true]\n";
    std::ofstream(dir / "sweep.toml", std::ios::binary) << sweep_text;
    std::string o, e;
    const fs::path out = dir / "out";
    REQUIRE(test::run_cli("sweep run " + q(dir / "sweep.toml") + " --out " + q(out) + " --quiet --jobs 1", &o, &e) ==
            0);
    const h5::File f = h5::open_read_only(out / "sweep.h5");
    CHECK(h5::read_string_attr(f, "sweep_toml") == sweep_text);
    CHECK(h5::read_string_attr(f, "scenario_toml") == scenario_text);
    fs::remove_all(dir);
}
