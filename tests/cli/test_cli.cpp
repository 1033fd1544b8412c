// The command line, run as a user would: help, version, exit codes, errors, and no output on bad input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "io/h5.hpp"
#include "support.hpp"

using talentsim::test::run_cli;
using talentsim::test::temp_dir;

TEST_CASE("help and version", "[cli]") {
    std::string out;
    CHECK(run_cli("--help", &out) == 0);
    CHECK(out.find("talentsim run") != std::string::npos);
    CHECK(run_cli("--version", &out) == 0);
    CHECK(out.rfind("talentsim ", 0) == 0);
    CHECK(run_cli("run --help", &out) == 0);
    CHECK(out.find("--set") != std::string::npos);
    CHECK(run_cli("validate --help", &out) == 0);
    CHECK(run_cli("info --help", &out) == 0);
}

TEST_CASE("bad usage exits 2", "[cli]") {
    std::string err;
    CHECK(run_cli("", nullptr, &err) == 2);
    CHECK(run_cli("frobnicate", nullptr, &err) == 2);
    CHECK(err.find("unknown command 'frobnicate'") != std::string::npos);
    CHECK(run_cli("run scenarios/minimal.toml --bogus-flag", nullptr, &err) == 2);
    CHECK(run_cli("run scenarios/minimal.toml --steps 0 --out /tmp/never.h5", nullptr, &err) == 2);
    CHECK(run_cli("validate", nullptr, &err) == 2);
}

TEST_CASE("validate prints every error with file:line:column and exits 2", "[cli]") {
    const auto dir = temp_dir("cli_validate");
    const auto bad = dir / "bad.toml";
    std::ofstream(bad) << "[scenario]\nname = \"bad\"\nstart = \"2024-01\"\nsteps = -1\nwhat = 3\n";
    std::string out, err;
    CHECK(run_cli("validate " + bad.string(), &out, &err) == 2);
    CHECK(err.find(bad.string() + ":4:9: scenario.steps: value -1 is out of range") != std::string::npos);
    CHECK(err.find(bad.string() + ":5:1: scenario.what: unknown key") != std::string::npos);
    CHECK(err.find("population.candidates: required key is missing") != std::string::npos);
    CHECK(run_cli("validate scenarios/minimal.toml", &out) == 0);
    CHECK(out.find("valid") != std::string::npos);
    CHECK(run_cli("validate " + (dir / "missing.toml").string(), nullptr, &err) == 2);
    CHECK(err.find("cannot open") != std::string::npos);
}

TEST_CASE("a bad scenario or override creates no output file", "[cli]") {
    const auto dir = temp_dir("cli_nooutput");
    const auto out_file = dir / "r.h5";
    std::string err;
    CHECK(run_cli("run scenarios/minimal.toml --quiet --out " + out_file.string() + " --set population.candidates=-3",
                  nullptr, &err) == 2);
    CHECK(err.find("--set: population.candidates: value -3 is out of range") != std::string::npos);
    // An override without a key is the override's error too, not the scenario file's.
    CHECK(run_cli("run scenarios/minimal.toml --quiet --out " + out_file.string() + " --set =4", nullptr, &err) == 2);
    CHECK(err.find("--set: =4: expected key.path=value") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(out_file));
    CHECK_FALSE(std::filesystem::exists(out_file.string() + ".partial"));
}

TEST_CASE("run writes a complete file that info describes", "[cli]") {
    const auto dir = temp_dir("cli_run");
    const auto file = dir / "m.h5";
    std::string out, err;
    REQUIRE(run_cli("run scenarios/minimal.toml --out " + file.string() +
                        " --seed 4 --steps 6 --threads 2 --set output.panel_every=2",
                    &out, &err) == 0);
    CHECK(out.find("employed / unemployed") != std::string::npos);
    CHECK(std::filesystem::exists(file));
    CHECK_FALSE(std::filesystem::exists(file.string() + ".partial"));
    {
        const auto f = talentsim::h5::open_read_only(file);
        CHECK(talentsim::h5::read_attr<std::uint64_t>(f, "seed") == 4);
        CHECK(talentsim::h5::read_attr<std::int32_t>(f, "steps") == 6);
        CHECK(talentsim::h5::read_attr<int>(f, "complete") == 1);
        CHECK(talentsim::h5::read_string_attr(f, "scenario_toml").find("panel_every = 2") != std::string::npos);
        CHECK(talentsim::h5::shape(talentsim::h5::open_dataset(f, "panel/wage"))[0] == 3);
        // The summary names every status: its counts are those of the last step, and all of them.
        long long shown = 0, in_file = 0;
        for (const char* key : {"employed / unemployed", "students / abroad / inactive", "sitting out a non-compete"}) {
            const auto at = out.find(key);
            REQUIRE(at != std::string::npos);
            const auto from = at + std::string(key).size();
            std::istringstream numbers(out.substr(from, out.find('\n', at) - from));
            for (std::string word; numbers >> word;)
                if (word != "/") shown += std::stoll(word);
        }
        for (const char* field : {"employed", "unemployed", "students", "abroad", "sitting_out", "inactive"})
            in_file += talentsim::h5::read_column<std::int64_t>(f, "steps", field).back();
        CHECK(shown == in_file);
        CHECK(in_file > 0);
    }
    CHECK(run_cli("info " + file.string(), &out) == 0);
    CHECK(out.find("minimal") != std::string::npos);
    CHECK(out.find("/steps") != std::string::npos);
    CHECK(out.find("/panel/wage") != std::string::npos);
    // The slots of /candidates/initial explained, and the last step's count of every status.
    const auto f = talentsim::h5::open_read_only(file);
    const auto entry = talentsim::h5::read_column<std::int32_t>(f, "candidates/initial", "entry_step");
    const auto later = std::count_if(entry.begin(), entry.end(), [](std::int32_t s) { return s > 0; });
    CHECK(out.find("one row per candidate slot, " + std::to_string(entry.size() - later) + " at the start and " +
                   std::to_string(later) + " entering later") != std::string::npos);
    for (const char* field : {"sitting_out", "inactive"}) {
        const auto at = out.find(std::string("\n  ") + field + " ");
        REQUIRE(at != std::string::npos);
        const auto value = talentsim::h5::read_column<std::int64_t>(f, "steps", field).back();
        CHECK(std::stoll(out.substr(at + 3 + std::string(field).size())) == value);
    }
}

TEST_CASE("info refuses what is not a talentsim result", "[cli]") {
    const auto dir = temp_dir("cli_info");
    std::ofstream(dir / "text.h5") << "not hdf5 at all";
    std::string err;
    CHECK(run_cli("info " + (dir / "text.h5").string(), nullptr, &err) == 2);  // bad input, as for compare
    CHECK(err.find("text.h5") != std::string::npos);
    CHECK(run_cli("info " + (dir / "absent.h5").string(), nullptr, &err) == 2);
    CHECK(err.rfind("talentsim info: ", 0) == 0);
}

TEST_CASE("command-line hints, help and limits", "[cli]") {
    std::string out, err;
    // --set key value: the value became a second scenario argument; the hint says how to write it.
    CHECK(run_cli("validate scenarios/minimal.toml --set population.candidates 500", nullptr, &err) == 2);
    CHECK(err.find("hint: write --set population.candidates=VALUE") != std::string::npos);
    // A typo gets the nearest declared key; a derived sum is printed for people.
    CHECK(run_cli("validate scenarios/minimal.toml --set population.candidate=500", nullptr, &err) == 2);
    CHECK(err.find("population.candidate: unknown key; did you mean candidates?") != std::string::npos);
    CHECK(run_cli("validate scenarios/minimal.toml --set degrees.bachelor.share=0.35 --set degrees.master.share=0.4 "
                  "--set degrees.phd.share=0.3",
                  nullptr, &err) == 2);
    CHECK(err.find("shares sum to 1.05, expected 1") != std::string::npos);
    // Wildcards on run and validate behave as in sweeps: every entry of the category.
    CHECK(run_cli("validate scenarios/china_ai_2024.toml --set 'employer_types.*.noncompete_enforce_prob=0.5'") == 0);
    CHECK(run_cli("validate scenarios/china_ai_2024.toml --set 'employer_types.*.noncompete_enforce_prob=5'", nullptr,
                  &err) == 2);
    CHECK(err.find("employer_types.big_tech.noncompete_enforce_prob: value 5") != std::string::npos);
    CHECK(err.find("employer_types.overseas_lab.noncompete_enforce_prob: value 5") != std::string::npos);
    CHECK(run_cli("validate scenarios/minimal.toml --set 'nothing.*.x=1' --set '*=1'", nullptr, &err) == 2);
    CHECK(err.find("nothing.*.x: matches no entry") != std::string::npos);
    CHECK(run_cli("reference --help", &out) == 0);
    CHECK(out.find("docs/scenario-reference.md") != std::string::npos);
    CHECK(out.find("| key |") == std::string::npos);
    // bench takes run's limits and default thread count.
    CHECK(run_cli("bench --steps 7000", nullptr, &err) == 2);
    CHECK(err.find("--steps must be between 1 and 6000") != std::string::npos);
    CHECK(run_cli("bench --threads 2000", nullptr, &err) == 2);
    CHECK(run_cli("bench --help", &out) == 0);
    CHECK(out.find("0 = all cores") != std::string::npos);
}
