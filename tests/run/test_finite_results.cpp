// No result file holds an infinite or NaN value (docs/reliability.md, "Numbers"): the format
// allows none, and uncapped values, budgets and counteroffers or compounded demand events must
// not produce them (nor overflow the vacancy draw or the payroll sums).
#include <catch2/catch.hpp>

#include "run/process.hpp"
#include "support.hpp"

using namespace talentsim;
namespace fs = std::filesystem;
using test::q;

namespace {

// tests/reliability/check_finite.py: exit 0 when every floating-point value is finite.
int check_finite(const fs::path& file, std::string* report) {
    return test::run_cli_raw("/usr/bin/python3 tests/reliability/check_finite.py " + q(file), report);
}

const char* kAllOutput = " --set output.postings=true --set output.offers=true --set output.moves=true";

}  // namespace

TEST_CASE("no dataset of a run holds inf or NaN, even with uncapped values and compounded demand", "[reliability]") {
    const auto dir = test::temp_dir("finite");
    std::string report;
    SECTION("a small copy of the default scenario") {
        const fs::path scenario = test::write_scenario(dir, 24);
        REQUIRE(test::run_cli("run " + q(scenario) + " -q --out " + q(dir / "d.h5") + kAllOutput) == 0);
        CHECK(check_finite(dir / "d.h5", &report) == 0);
        INFO(report);
    }
    SECTION("value_multiplier, budget_slack, counter_max_raise = inf and four x1000 demand events at once") {
        std::string text = test::slurp(test::source_path("scenarios/minimal.toml"));
        const std::string type = "[employer_types.big_tech]\n";
        REQUIRE(text.find(type) != std::string::npos);
        text.insert(text.find(type) + type.size(),
                    "value_multiplier = inf\nbudget_slack = inf\ncounter_max_raise = inf\n");
        for (int k = 0; k < 4; ++k)
            text += "\n[[events]]\ndate = \"2024-02\"\nkind = \"demand\"\nmultiplier = 1000\nmonths = 24\n";
        std::ofstream(dir / "hostile.toml") << text;
        std::string err;
        REQUIRE(test::run_cli("run " + q(dir / "hostile.toml") + " -q --steps 24 --out " + q(dir / "h.h5") + kAllOutput,
                              nullptr, &err) == 0);
        CHECK(check_finite(dir / "h.h5", &report) == 0);
        INFO(report);
        // Posted salaries stay within the declared bound of base_wage (1e9 CNY/year).
        CHECK(test::run_cli_raw("/usr/bin/python3 -c \"import h5py,sys; f=h5py.File('" + (dir / "h.h5").string() +
                                    "'); sys.exit(0 if f['postings']['salary'].max() <= 1e9 else 1)\"",
                                &report) == 0);
    }
    fs::remove_all(dir);
}
