// population.reference_candidates: counts scale with the population, so that a smaller copy of a
// market keeps its proportions (docs/scenarios.md, "Scaling a scenario").
#include <catch2/catch.hpp>

#include "io/h5.hpp"
#include "run/process.hpp"
#include "support.hpp"

using namespace talentsim;
namespace fs = std::filesystem;

namespace {
const EventParams& event_of_kind(const Scenario& s, const std::string& kind) {
    for (const auto& e : s.events)
        if (e.kind == kind) return e;
    FAIL("no event of kind " << kind);
    return s.events.front();
}

// Unemployed / (employed + unemployed) in the last step of a result file.
double final_unemployment(const fs::path& file) {
    const h5::File f = h5::open_read_only(file);
    const StepRow last = h5::read_rows<StepRow>(f, "steps").back();
    return static_cast<double>(last.unemployed) / static_cast<double>(last.employed + last.unemployed);
}
}  // namespace

TEST_CASE("scaling the population scales every count with it", "[scenario]") {
    const Scenario full = test::scenario("scenarios/china_ai_2024.toml");
    REQUIRE(full.population.reference_candidates == full.population.candidates);
    const Scenario tenth = test::scenario("scenarios/china_ai_2024.toml", {"population.candidates=10000"});
    CHECK(tenth.population.employers == full.population.employers / 10);
    CHECK(tenth.population.graduates_per_year == full.population.graduates_per_year / 10);
    CHECK(tenth.population.abroad_inflow_per_month == full.population.abroad_inflow_per_month / 10);
    CHECK(event_of_kind(tenth, "entry_candidates").count == event_of_kind(full, "entry_candidates").count / 10);
    CHECK(tenth.warnings.empty());
    // The frozen scenario reads back to itself (checkpoints and result files hold it).
    CHECK(to_toml(parse_scenario(to_toml(tenth), "again")) == to_toml(tenth));
    // Counts given on the command line are kept.
    const Scenario given =
        test::scenario("scenarios/china_ai_2024.toml", {"population.candidates=10000", "population.employers=123"});
    CHECK(given.population.employers == 123);
    CHECK(given.population.graduates_per_year == full.population.graduates_per_year / 10);
    // Without a reference the counts stay as written, and an event larger than the population is said out loud.
    const Scenario unscaled = test::scenario("scenarios/china_ai_2024.toml",
                                             {"population.candidates=10000", "population.reference_candidates=0"});
    CHECK(unscaled.population.employers == full.population.employers);
    REQUIRE(unscaled.warnings.size() == 1);
    CHECK_THAT(unscaled.warnings.front(),
               Catch::Contains("people enter at once") && Catch::Contains("population.reference_candidates"));
}

TEST_CASE("a tenth of the default market keeps its unemployment rate", "[scenario][slow]") {
    const auto dir = test::temp_dir("scale_run");
    REQUIRE(test::run_cli("run scenarios/china_ai_2024.toml -q --threads 2 --out " + test::q(dir / "full.h5")) == 0);
    REQUIRE(test::run_cli("run scenarios/china_ai_2024.toml -q --threads 2 --set population.candidates=10000 --out " +
                          test::q(dir / "tenth.h5")) == 0);
    const double full = final_unemployment(dir / "full.h5"), tenth = final_unemployment(dir / "tenth.h5");
    INFO("unemployment: full " << full << ", tenth " << tenth);
    // Unscaled, the tenth ended with 63-66 % unemployment; scaled, it is the same market.
    CHECK(std::abs(tenth - full) < 0.03);
    fs::remove_all(dir);
}
