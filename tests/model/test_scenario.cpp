// Scenario parsing, validation (one test per kind of error), overrides, and the generated reference.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "model/scenario.hpp"

using namespace talentsim;

namespace {

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
const std::string kMinimal = read(TALENTSIM_SOURCE_DIR "/scenarios/minimal.toml");

std::string replace(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

// Parses and returns the errors (empty when valid).
std::vector<ScenarioError> errors_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
    try {
        parse_scenario(text, "test.toml", overrides);
        return {};
    } catch (const ScenarioInvalid& e) {
        return e.errors();
    }
}

bool has_error(const std::vector<ScenarioError>& errors, const std::string& key, const std::string& fragment) {
    for (const auto& e : errors)
        if (e.key == key && e.message.find(fragment) != std::string::npos) return true;
    return false;
}

int line_of(const std::string& text, const std::string& needle) {
    const auto at = text.find(needle);
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

}  // namespace

TEST_CASE("the shipped scenarios are valid", "[scenario]") {
    // (with the frozen copies of the default that docs/calibration.md runs)
    for (const char* f : {"scenarios/minimal.toml", "scenarios/china_ai_2024.toml",
                          "scenarios/calibrations/previous/china_ai_2024.toml",
                          "scenarios/calibrations/previous/china_ai_2024_coverage.toml"}) {
        INFO(f);
        const Scenario s = load_scenario(std::string(TALENTSIM_SOURCE_DIR) + "/" + f);
        CHECK(!s.info.name.empty());
        CHECK(s.degrees.size() == 3);
    }
}

TEST_CASE("defaults fill unwritten keys and categories keep file order", "[scenario]") {
    const Scenario s = parse_scenario(kMinimal, "minimal.toml");
    CHECK(s.info.steps == 12);
    CHECK(s.search.applications == 3);  // default
    CHECK(s.offers.poaching == true);   // default
    CHECK(s.degrees[0].name == "bachelor");
    CHECK(s.degrees[2].name == "phd");
    const Scenario c = load_scenario(TALENTSIM_SOURCE_DIR "/scenarios/china_ai_2024.toml");
    REQUIRE(c.cities.size() == 5);
    CHECK(c.cities[0].name == "beijing");  // file order, not alphabetical
    CHECK(c.cities[4].name == "chengdu");
    CHECK(s.date_of_step(0) == 202401);  // minimal starts in 2024-01
    CHECK(s.date_of_step(13) == 202502);
    CHECK(s.month_of_step(6) == 7);
}

TEST_CASE("error: unknown key, with file, line and column", "[scenario][errors]") {
    const std::string text = replace(kMinimal, "candidates = 1000", "candidates = 1000\ncandidatez = 5");
    const auto errors = errors_of(text);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].key == "population.candidatez");
    CHECK(errors[0].message == "unknown key; did you mean candidates?");
    CHECK(errors[0].file == "test.toml");
    CHECK(errors[0].line == line_of(text, "candidatez"));
    CHECK(errors[0].column == 1);
    CHECK(errors[0].format().rfind(
              "test.toml:" + std::to_string(errors[0].line) + ":1: population.candidatez: unknown key", 0) == 0);
}

TEST_CASE("error: unknown section", "[scenario][errors]") {
    CHECK(has_error(errors_of(kMinimal + "\n[market]\nsize = 3\n"), "market", "unknown key"));
    // A misspelt section is named with the one meant, as a misspelt key is.
    CHECK(has_error(errors_of(kMinimal + "\n[counteroffer]\nenabled = true\n"), "counteroffer",
                    "unknown key; did you mean counteroffers?"));
    CHECK(has_error(errors_of(kMinimal + "\n[[event]]\ndate = \"2024-01\"\n"), "event", "did you mean events?"));
}

TEST_CASE("error: wrong type", "[scenario][errors]") {
    const auto errors = errors_of(replace(kMinimal, "steps = 12", "steps = \"twelve\""));
    CHECK(has_error(errors, "scenario.steps", "expected an integer, found a string"));
    CHECK(
        has_error(errors_of(replace(kMinimal, "steps = 12", "steps = 12.5")), "scenario.steps", "expected an integer"));
}

TEST_CASE("error: value out of range, negative and NaN", "[scenario][errors]") {
    CHECK(has_error(errors_of(replace(kMinimal, "candidates = 1000", "candidates = -5")), "population.candidates",
                    "out of range"));
    CHECK(has_error(errors_of(replace(kMinimal, "candidates = 1000", "candidates = 1000000000000")),
                    "population.candidates", "out of range"));
    CHECK(has_error(errors_of(replace(kMinimal, "base_wage = 500000", "base_wage = nan")),
                    "roles.llm_algorithm.base_wage", "nan"));
    CHECK(has_error(errors_of(kMinimal + "\n[noncompete]\nbuyout_horizon_years = inf\n"),
                    "noncompete.buyout_horizon_years", "out of range"));
}

TEST_CASE("error: shares that do not sum to 1", "[scenario][errors]") {
    const auto errors = errors_of(replace(kMinimal, "share = 0.15", "share = 0.25"));
    CHECK(has_error(errors, "degrees.*.share", "shares sum to 1.1, expected 1"));
}

TEST_CASE("error: references to undefined roles and employer types", "[scenario][errors]") {
    const std::string text = replace(
        kMinimal, "size = 20", "size = 20\nroles = [\"llm_algorithm\", \"cv_algorithm\"]\ncompetes_with = [\"bank\"]");
    const auto errors = errors_of(text);
    CHECK(has_error(errors, "employer_types.big_tech.roles", "\"cv_algorithm\" is not a defined role"));
    CHECK(has_error(errors, "employer_types.big_tech.competes_with", "\"bank\" is not a defined employer type"));
    const auto ev = errors_of(kMinimal + "\n[[events]]\ndate = \"2024-03\"\nkind = \"demand\"\nrole = \"robotics\"\n");
    CHECK(has_error(ev, "events.0.role", "\"robotics\" is not a defined role"));
}

TEST_CASE("error: missing required keys and categories", "[scenario][errors]") {
    CHECK(has_error(errors_of(replace(kMinimal, "steps = 12", "")), "scenario.steps", "required key is missing"));
    CHECK(has_error(errors_of(replace(kMinimal, "[degrees.phd]\nshare = 0.15", "")), "degrees.phd",
                    "required entry is missing"));
    const std::string no_tiers = replace(kMinimal, "[tiers.other]\nshare = 1.0", "");
    CHECK(has_error(errors_of(no_tiers), "tiers", "required table is missing"));
}

TEST_CASE("error: bad month, bad choice, unknown degree", "[scenario][errors]") {
    CHECK(has_error(errors_of(replace(kMinimal, "start = \"2024-01\"", "start = \"2024-13\"")), "scenario.start",
                    "expected a month"));
    CHECK(has_error(errors_of(kMinimal + "\n[search]\nmode = \"random\"\n"), "search.mode",
                    "expected one of endogenous|exogenous"));
    CHECK(has_error(errors_of(kMinimal + "\n[degrees.mba]\nshare = 0.0\n"), "degrees.mba", "unknown degree"));
}

TEST_CASE("error: TOML syntax, with line", "[scenario][errors]") {
    const auto errors = errors_of("[scenario]\nname = \"x\"\nsteps = = 3\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 3);
    CHECK(errors[0].key == "(syntax)");
}

TEST_CASE("every error is reported, not just the first", "[scenario][errors]") {
    std::string text = replace(kMinimal, "steps = 12", "steps = 0");
    text = replace(text, "employers = 50", "employers = 50\nbogus = 1");
    text = replace(text, "base_wage = 500000", "base_wage = \"high\"");
    const auto errors = errors_of(text);
    CHECK(errors.size() == 3);
    CHECK(has_error(errors, "scenario.steps", "out of range"));
    CHECK(has_error(errors, "population.bogus", "unknown key"));
    CHECK(has_error(errors, "roles.llm_algorithm.base_wage", "expected a number"));
}

TEST_CASE("overrides given with --set are applied and type-checked like the file", "[scenario][overrides]") {
    const Scenario s = parse_scenario(kMinimal, "m.toml",
                                      {"population.candidates=2000", "roles.llm_algorithm.base_wage=600000",
                                       "search.mode=exogenous", "counteroffers.enabled=false"});
    CHECK(s.population.candidates == 2000);
    CHECK(s.roles[0].base_wage == 600000.0);
    CHECK(s.search.mode == "exogenous");
    CHECK_FALSE(s.counteroffers.enabled);
    const auto bad = errors_of(kMinimal, {"population.candidates=many"});
    REQUIRE(bad.size() == 1);
    CHECK(bad[0].file == "--set");
    CHECK(bad[0].key == "population.candidates");
    CHECK(bad[0].message == "expected an integer, found a string");
    CHECK(has_error(errors_of(kMinimal, {"population.candidatez=3"}), "population.candidatez", "unknown key"));
    CHECK(has_error(errors_of(kMinimal, {"no_equals_sign"}), "no_equals_sign", "expected key.path=value"));
}

TEST_CASE("the resolved TOML parses back to the same scenario", "[scenario]") {
    const Scenario a =
        load_scenario(TALENTSIM_SOURCE_DIR "/scenarios/china_ai_2024.toml", {"relocation.city_cost=inf"});
    const std::string text = to_toml(a);
    const Scenario b = parse_scenario(text, "resolved.toml");
    CHECK(to_toml(b) == text);
    CHECK(b.cities[0].name == a.cities[0].name);
    CHECK(std::isinf(b.relocation.city_cost));
    CHECK(b.events.size() == a.events.size());
}

TEST_CASE("docs/scenario-reference.md is generated from the declarations and up to date", "[scenario][docs]") {
    const std::string doc = read(TALENTSIM_SOURCE_DIR "/docs/scenario-reference.md");
    INFO("regenerate with: build/talentsim reference > docs/scenario-reference.md");
    CHECK(doc == scenario_reference_markdown());
}

TEST_CASE("the associate level is optional, stored first, and its keys are checked", "[scenario][errors]") {
    const std::vector<std::string> associate = {"degrees.associate.share=0.1", "degrees.bachelor.share=0.4"};
    const Scenario s = parse_scenario(kMinimal, "test.toml", associate);
    REQUIRE(s.degrees.size() == 4);
    CHECK(s.degrees[0].name == "associate");
    CHECK(s.degrees[1].name == "bachelor");
    CHECK(s.bachelor_code == 1);
    CHECK(parse_scenario(kMinimal, "test.toml").bachelor_code == 0);
    CHECK(parse_scenario(to_toml(s), "resolved.toml").degrees.size() == 4);  // the resolved TOML reads back
    CHECK(has_error(errors_of(kMinimal, {"roles.llm_algorithm.open_share=0.1"}), "roles.llm_algorithm.open_share",
                    "degrees.associate"));
    std::vector<std::string> too_open = associate;
    too_open.push_back("roles.llm_algorithm.open_share=0.9");
    CHECK(has_error(errors_of(kMinimal, too_open), "roles.llm_algorithm", "open_share exceeds 1"));
}

TEST_CASE("degree shares by tier must sum to 1 and are absent by default", "[scenario][errors]") {
    CHECK(parse_scenario(kMinimal, "test.toml").degree_by_tier.empty());
    CHECK(has_error(errors_of(kMinimal, {"tiers.other.phd_share=0.5"}), "tiers.other", "sum to 0.5"));
    const Scenario s =
        parse_scenario(kMinimal, "test.toml", {"tiers.other.phd_share=0.5", "tiers.other.master_share=0.5"});
    REQUIRE(s.degree_by_tier.size() == 1);
    CHECK(s.degree_by_tier[0] == std::vector<double>{0.0, 0.5, 0.5});
    CHECK(has_error(errors_of(kMinimal, {"tiers.other.associate_share=0.5", "tiers.other.phd_share=0.5"}),
                    "tiers.other.associate_share", "degrees.associate"));
}

TEST_CASE("the job ladder's posted salaries need finite values, and its flows need the ladder", "[scenario][errors]") {
    CHECK(has_error(errors_of(kMinimal, {"wages.ladder_from_flows=true"}), "wages.ladder_from_flows",
                    "needs wages.ladder_friction > 0"));
    CHECK(has_error(errors_of(kMinimal, {"wages.ladder_friction=4", "offers.value_cap=false"}), "wages.ladder_friction",
                    "offers.value_cap = true"));
    CHECK(has_error(errors_of(kMinimal, {"wages.ladder_friction=4", "employer_types.big_tech.value_multiplier=inf"}),
                    "wages.ladder_friction", "finite value_multiplier"));
    CHECK(errors_of(kMinimal, {"wages.ladder_friction=4", "wages.ladder_from_flows=true"}).empty());
}
