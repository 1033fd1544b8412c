// Checkpoints in-process: the saved state is complete (a restored run continues exactly as the
// original), stop + resume writes the same result file as an uninterrupted run, and checkpoints
// of another program, another run, or damaged ones are refused.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>

#include "run/checkpoint.hpp"
#include "io/h5.hpp"
#include "h5_compare.hpp"
#include "run/run.hpp"
#include "support.hpp"

using namespace talentsim;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSmall = {
    "population.candidates=3000",           "population.employers=120", "population.graduates_per_year=300",
    "population.abroad_inflow_per_month=4", "scenario.steps=30",        "output.panel_every=4"};

using test::slurp;

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// Every dataset of two result files, and the root attributes that say what made them.
void require_same_datasets(const fs::path& a, const fs::path& b) {
    test::check_same_datasets(a, b);
    const h5::File fa = h5::open_read_only(a), fb = h5::open_read_only(b);
    for (const char* attr : {"scenario_toml", "talentsim_version"})
        CHECK(h5::read_string_attr(fa, attr) == h5::read_string_attr(fb, attr));
    for (const char* attr : {"seed", "steps", "threads", "complete", "steps_written"})
        CHECK(h5::read_attr<std::int64_t>(fa, attr) == h5::read_attr<std::int64_t>(fb, attr));
}

RunOptions options(const fs::path& out, std::int32_t every) {
    RunOptions o;
    o.out = out;
    o.checkpoint_every = every;
    return o;
}

// A run stopped after `stop_after` steps, as SIGTERM would stop it.
RunResult stopped_run(const Scenario& s, std::uint64_t seed, const fs::path& out, std::int32_t every,
                      std::int32_t stop_after) {
    std::atomic<bool> stop{false};
    RunOptions o = options(out, every);
    o.stop = &stop;
    o.on_step = [&](const Simulation& sim, const StepRow&) {
        if (sim.next_step() == stop_after) stop = true;
    };
    return run_simulation(s, seed, static_cast<std::int32_t>(s.info.steps), o);
}

}  // namespace

namespace {
// Runs 13 of 30 steps, saves, restores, and checks that both continue with the same rows.
void check_restored_run(const Scenario& s) {
    const auto dir = test::temp_dir("checkpoint_state");
    const std::int32_t steps = 30;
    Simulation original(s, 11, steps);
    test::MemoryWriter head;
    original.begin(head, 1);
    for (int k = 0; k < 13; ++k) original.step(head);

    CheckpointHeader h;
    h.program = program_identity();
    h.scenario_toml = to_toml(s);
    h.seed = 11;
    h.steps = steps;
    h.next_step = original.next_step();
    save_checkpoint(dir / "a.ckpt", h, original);
    REQUIRE_FALSE(fs::exists(dir / "a.ckpt.tmp"));

    const Scenario reread = parse_scenario(h.scenario_toml, "saved");
    CheckpointHeader loaded_header;
    std::unique_ptr<Simulation> restored = load_checkpoint(dir / "a.ckpt", reread, &loaded_header);
    CHECK(loaded_header.next_step == 13);
    CHECK(restored->next_step() == 13);
    // Saving the restored state again gives the same bytes: nothing was lost or changed.
    save_checkpoint(dir / "b.ckpt", h, *restored);
    CHECK(slurp(dir / "a.ckpt") == slurp(dir / "b.ckpt"));

    test::MemoryWriter a, b;
    while (!original.done()) original.step(a);
    while (!restored->done()) restored->step(b);
    REQUIRE(a.steps.size() == 17);
    CHECK(same_bytes(a.steps, b.steps));
    CHECK(same_bytes(a.moves, b.moves));
    CHECK(same_bytes(a.postings, b.postings));
    CHECK(same_bytes(a.offers, b.offers));
    REQUIRE(a.panels.size() == b.panels.size());
    for (std::size_t k = 0; k < a.panels.size(); ++k) {
        CHECK(a.panels[k].wage == b.panels[k].wage);
        CHECK(a.panels[k].employer == b.panels[k].employer);
    }
    std::int64_t moves = 0;
    for (const auto& r : a.steps) moves += r.job_to_job_moves;
    CHECK(moves > 0);  // the continued part did something worth comparing
    fs::remove_all(dir);
}
}  // namespace

TEST_CASE("a restored checkpoint continues exactly as the original run", "[checkpoint]") {
    check_restored_run(test::scenario("scenarios/china_ai_2024.toml", kSmall));
}

TEST_CASE("a restored checkpoint continues exactly with the job ladder's posted salaries (eqs. 3c, 3d)",
          "[checkpoint]") {
    // The friction read from the flows is averaged over months: the averages are part of the state.
    std::vector<std::string> o = kSmall;
    o.insert(o.end(), {"wages.ladder_friction=4", "wages.ladder_from_flows=true"});
    check_restored_run(test::scenario("scenarios/china_ai_2024.toml", o));
}

TEST_CASE("stop and resume write the same result file as an uninterrupted run", "[checkpoint]") {
    const Scenario s = test::scenario("scenarios/china_ai_2024.toml", kSmall);
    const auto dir = test::temp_dir("checkpoint_resume");
    RunOptions plain = options(dir / "full.h5", 0);
    const RunResult full = run_simulation(s, 5, 30, plain);
    REQUIRE(full.complete);

    // Stopped at step 11 with checkpoints every 4 steps: the stop itself writes a checkpoint.
    const RunResult first = stopped_run(s, 5, dir / "part.h5", 4, 11);
    CHECK_FALSE(first.complete);
    CHECK(first.file == fs::path(dir / "part.h5.partial"));
    CHECK(first.checkpoint == fs::path(dir / "part.h5.ckpt"));
    CHECK(read_checkpoint_header(first.checkpoint).next_step == 11);
    CHECK_FALSE(fs::exists(dir / "part.h5"));

    // Resumed with another checkpoint interval and thread count: results do not depend on either.
    RunOptions again;
    again.checkpoint_every = 7;
    const RunResult second = resume_simulation(first.checkpoint, again);
    REQUIRE(second.complete);
    CHECK(second.resumed_at == 11);
    CHECK(second.file == fs::path(dir / "part.h5"));
    CHECK(same_bytes(second.rows, full.rows));
    CHECK_FALSE(fs::exists(dir / "part.h5.ckpt"));  // a completed run cleans up
    CHECK_FALSE(fs::exists(dir / "part.h5.ckpt.journal"));
    require_same_datasets(dir / "full.h5", dir / "part.h5");
    fs::remove_all(dir);
}

TEST_CASE("run continues its own checkpoint and refuses another run's", "[checkpoint]") {
    const Scenario s = test::scenario("scenarios/china_ai_2024.toml", kSmall);
    const auto dir = test::temp_dir("checkpoint_identity");
    const RunResult first = stopped_run(s, 5, dir / "r.h5", 3, 7);
    REQUIRE(fs::exists(first.checkpoint));

    SECTION("another seed") {
        REQUIRE_THROWS_WITH(
            run_simulation(s, 6, 30, options(dir / "r.h5", 3)),
            Catch::Contains("checkpoint of another run") && Catch::Contains("seed 6 here, 5 in the checkpoint"));
    }
    SECTION("another step count") {
        REQUIRE_THROWS_WITH(run_simulation(s, 5, 29, options(dir / "r.h5", 3)),
                            Catch::Contains("29 steps here, 30 in the checkpoint"));
    }
    SECTION("another scenario") {
        auto overrides = kSmall;
        overrides.push_back("teams.follow_prob=0.5");
        const Scenario other = test::scenario("scenarios/china_ai_2024.toml", overrides);
        REQUIRE_THROWS_WITH(run_simulation(other, 5, 30, options(dir / "r.h5", 3)),
                            Catch::Contains("another scenario") && Catch::Contains("[teams] 'follow_prob = 0.5' here"));
    }
    SECTION("the same run continues") {
        const RunResult r = run_simulation(s, 5, 30, options(dir / "r.h5", 3));
        CHECK(r.complete);
        CHECK(r.resumed_at == 7);
        CHECK(r.rows.size() == 30);
    }
    fs::remove_all(dir);
}

TEST_CASE("checkpoints of another program version and damaged checkpoints are refused", "[checkpoint]") {
    const Scenario s = test::scenario("scenarios/china_ai_2024.toml", kSmall);
    const auto dir = test::temp_dir("checkpoint_refused");
    const RunResult first = stopped_run(s, 5, dir / "r.h5", 5, 10);
    const std::string good = slurp(first.checkpoint), journal = slurp(dir / "r.h5.ckpt.journal");
    const fs::path ckpt = first.checkpoint;

    SECTION("another program version") {
        std::string bytes = good;
        const std::string me = program_identity();
        const auto at = bytes.find(me);
        REQUIRE(at != std::string::npos);
        bytes[at] = bytes[at] == '9' ? '8' : '9';  // "0.1.0+..." becomes "9.1.0+..."
        test::write_file(ckpt, bytes);
        REQUIRE_THROWS_WITH(resume_simulation(ckpt, {}),
                            Catch::Contains("written by talentsim") && Catch::Contains("this is talentsim " + me));
    }
    SECTION("a flipped byte in the state") {
        std::string bytes = good;
        bytes[bytes.size() / 2] ^= 0x10;
        test::write_file(ckpt, bytes);
        REQUIRE_THROWS_AS(resume_simulation(ckpt, {}), CheckpointError);
    }
    SECTION("a truncated checkpoint") {
        test::write_file(ckpt, good.substr(0, good.size() - 100));
        REQUIRE_THROWS_WITH(resume_simulation(ckpt, {}),
                            Catch::Contains(ckpt.string()) && Catch::Contains("damaged checkpoint"));
    }
    SECTION("not a checkpoint") {
        test::write_file(ckpt, "[scenario]\nname = \"x\"\n");
        REQUIRE_THROWS_WITH(resume_simulation(ckpt, {}), Catch::Contains("not a talentsim checkpoint"));
        test::write_file(ckpt, "");
        REQUIRE_THROWS_WITH(resume_simulation(ckpt, {}), Catch::Contains("not a talentsim checkpoint"));
        REQUIRE_THROWS_WITH(resume_simulation(dir / "missing.ckpt", {}), Catch::Contains("no such checkpoint"));
    }
    SECTION("a journal that does not belong to the checkpoint") {
        std::string bytes = journal;
        bytes[bytes.size() / 3] ^= 0x01;
        test::write_file(dir / "r.h5.ckpt.journal", bytes);
        REQUIRE_THROWS_WITH(resume_simulation(ckpt, {}), Catch::Contains("journal"));
        test::write_file(dir / "r.h5.ckpt.journal", journal.substr(0, journal.size() / 2));
        REQUIRE_THROWS_WITH(resume_simulation(ckpt, {}), Catch::Contains("not the journal of this checkpoint"));
        CHECK_FALSE(fs::exists(dir / "r.h5"));  // nothing that looks like a result was left
    }
    SECTION("the untouched checkpoint still resumes") { CHECK(resume_simulation(ckpt, {}).complete); }
    fs::remove_all(dir);
}
