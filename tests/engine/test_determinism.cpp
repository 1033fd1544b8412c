// The seed contract: the same seed gives identical files on 1 and 4 threads; another seed differs.
#include <catch2/catch.hpp>

#include <tbb/global_control.h>

#include <cstdlib>

#include "engine/phases.hpp"
#include "io/h5.hpp"
#include "h5_compare.hpp"
#include "support.hpp"

using namespace talentsim;

namespace {

std::filesystem::path run_to_file(const Scenario& s, std::uint64_t seed, int threads, const std::filesystem::path& path,
                                  bool background = false) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    Simulation sim(s, seed, static_cast<std::int32_t>(s.info.steps));
    auto out = background ? make_background_writer(make_hdf5_writer(path)) : make_hdf5_writer(path);
    sim.begin(*out, threads);
    while (!sim.done()) sim.step(*out);
    out->finish(true);
    return path;
}

const std::vector<std::string> kSmall = {
    "population.candidates=8000",           "population.employers=250", "population.graduates_per_year=800",
    "population.abroad_inflow_per_month=6", "scenario.steps=14",        "output.panel_every=6"};

}  // namespace

TEST_CASE("1 thread and 4 threads (background writer) write identical datasets", "[determinism]") {
    const Scenario s = test::scenario("scenarios/china_ai_2024.toml", kSmall);
    const auto dir = test::temp_dir("determinism");
    const auto a = run_to_file(s, 77, 1, dir / "t1.h5");
    const auto b = run_to_file(s, 77, 4, dir / "t4.h5", true);  // and through the background writer
    test::check_same_datasets(a, b);
    const h5::File fa = h5::open_read_only(a);
    // The run did something worth comparing.
    const auto steps = h5::read_rows<StepRow>(fa, "steps");
    std::int64_t moves = 0, counters = 0;
    for (const auto& r : steps) {
        moves += r.job_to_job_moves;
        counters += r.counteroffers_made;
    }
    CHECK(moves > 0);
    CHECK(counters > 0);
    std::filesystem::remove_all(dir);
}

TEST_CASE("with the job ladder's posted salaries (eqs. 3c, 3d) 1 and 4 threads write identical datasets",
          "[determinism]") {
    std::vector<std::string> o = kSmall;
    o.insert(o.end(), {"wages.ladder_friction=4", "wages.ladder_from_flows=true", "wages.posted_adjustment=0"});
    const Scenario s = test::scenario("scenarios/china_ai_2024.toml", o);
    const auto dir = test::temp_dir("determinism_ladder");
    test::check_same_datasets(run_to_file(s, 78, 1, dir / "t1.h5"), run_to_file(s, 78, 4, dir / "t4.h5"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("the same seed repeats, another seed differs", "[determinism]") {
    const Scenario s = test::scenario("scenarios/china_ai_2024.toml", kSmall);
    const auto a = test::run(s, 5, 10), b = test::run(s, 5, 10), c = test::run(s, 6, 10);
    REQUIRE(a->moves.size() == b->moves.size());
    CHECK(std::memcmp(a->moves.data(), b->moves.data(), a->moves.size() * sizeof(MoveRow)) == 0);
    CHECK(std::memcmp(a->steps.data(), b->steps.data(), a->steps.size() * sizeof(StepRow)) == 0);
    bool differs = a->moves.size() != c->moves.size() || a->candidates.size() != c->candidates.size();
    for (std::size_t i = 0; !differs && i < a->candidates.size(); ++i)
        differs = a->candidates[i].productivity != c->candidates[i].productivity;
    CHECK(differs);
    CHECK(a->steps.back().wage_mean != c->steps.back().wage_mean);
}

TEST_CASE("a writer that does not read the tables is given none and the same steps", "[determinism]") {
    const Scenario s = test::scenario("scenarios/china_ai_2024.toml", kSmall);
    const auto with = test::run(s, 5, 10), without = test::run(s, 5, 10, false);
    CHECK(with->candidates.size() >= 8000);  // (every slot, with those of later entrants)
    CHECK(with->employers.size() >= 250);
    CHECK(without->candidates.empty());
    CHECK(without->employers.empty());
    CHECK(without->meta.seed == with->meta.seed);
    CHECK(without->meta.scenario_toml == with->meta.scenario_toml);
    REQUIRE(without->steps.size() == with->steps.size());
    CHECK(std::memcmp(without->steps.data(), with->steps.data(), with->steps.size() * sizeof(StepRow)) == 0);
    REQUIRE(without->moves.size() == with->moves.size());
    CHECK(std::memcmp(without->moves.data(), with->moves.data(), with->moves.size() * sizeof(MoveRow)) == 0);
}

// The AVX-512 versions of the engine's loops (Philox, the fused pass's tallies, record's scan) and
// the portable ones (TALENTSIM_PORTABLE, rng.hpp) write the same file: the job ladder (the fused
// pass) and the default scenario (the phases). On a CPU without AVX-512 both runs are portable.
TEST_CASE("the AVX-512 and the portable loops write identical datasets", "[determinism]") {
    const auto dir = test::temp_dir("determinism_portable");
    const std::vector<std::pair<std::string, std::string>> runs = {
        {"scenarios/validation/job_ladder.toml", "--set population.candidates=30000 --set scenario.steps=24"},
        {"scenarios/china_ai_2024.toml",
         "--set population.candidates=8000 --set population.employers=250 --set population.graduates_per_year=800 "
         "--set scenario.steps=14"}};
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const std::string args =
            "run " + runs[r].first + " " + runs[r].second + " --seed 11 --threads 2 --quiet --out ";
        const auto native = dir / ("native" + std::to_string(r) + ".h5");
        const auto portable = dir / ("portable" + std::to_string(r) + ".h5");
        REQUIRE(test::run_cli(args + native.string()) == 0);
        ::setenv("TALENTSIM_PORTABLE", "1", 1);  // (inherited by the process run_cli starts)
        const int status = test::run_cli(args + portable.string());
        ::unsetenv("TALENTSIM_PORTABLE");
        REQUIRE(status == 0);
        test::check_same_datasets(native, portable);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("the job ladder (phases 2 and 4-9 fused) writes identical datasets on 1 and 4 threads", "[determinism]") {
    const Scenario s = test::scenario("scenarios/validation/job_ladder.toml",
                                      {"population.candidates=30000", "scenario.steps=24", "output.offers=true"});
    REQUIRE(direct_offers_apply(s));  // the fused pass is the one under test
    const auto dir = test::temp_dir("determinism_ladder");
    const auto a = run_to_file(s, 11, 1, dir / "t1.h5");
    const auto b = run_to_file(s, 11, 4, dir / "t4.h5");
    test::check_same_datasets(a, b);
    const auto steps = h5::read_rows<StepRow>(h5::open_read_only(a), "steps");
    std::int64_t moves = 0;
    for (const auto& r : steps) moves += r.job_to_job_moves;
    CHECK(moves > 0);
    std::filesystem::remove_all(dir);
}
