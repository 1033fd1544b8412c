// The month (update_wages) and the separations, checked candidate by candidate against their rules:
// the phases pass over most candidates without a branch or a random stream each, and these tests
// check that no candidate is left out or changed that should not be.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "engine/phases.hpp"
#include "engine/population.hpp"
#include "engine/rng.hpp"
#include "support.hpp"

using namespace talentsim;
using talentsim::test::scenario;

namespace {
constexpr auto u8 = [](Status s) { return static_cast<std::uint8_t>(s); };

// A world at step 0 whose candidates take every status in turn (i % 6); those sitting out wait
// for employer i % employers with 0, 1 or 2 months of their restriction left.
World mixed_world(const Scenario& s, std::uint64_t seed) {
    World w;
    initialise(w, s, seed, 12);
    calendar_and_shocks(w, 0);
    auto& c = w.candidates;
    const auto employers = static_cast<std::uint32_t>(w.active_employers);
    for (std::uint32_t i = 0; i < w.active_candidates; ++i) {
        const auto st = static_cast<Status>(i % 6);
        c.status[i] = u8(st);
        const bool working = st == Status::employed || st == Status::abroad;
        c.employer[i] = working ? i % employers : kNone;
        c.pending_employer[i] = st == Status::sitting_out ? i % employers : kNone;
        c.noncompete_employer[i] = st == Status::sitting_out ? (i + 1) % employers : kNone;
        c.noncompete_months_left[i] = static_cast<std::uint8_t>(i / 6 % 3);
        if (i % 7 == 0) c.tenure[i] = 65535;             // saturates
        if (i % 5 == 0) c.experience[i] = 30.f + i % 3;  // above the cap of productivity growth
    }
    return w;
}
}  // namespace

TEST_CASE("update_wages outside the raise month: the working age a month, the others do not change",
          "[phases][month]") {
    const Scenario s =
        scenario("scenarios/minimal.toml", {"population.candidates=6000", "population.experience_productivity=0.05",
                                            "population.experience_productivity_cap_years=20", "wages.raise_month=7"});
    World w = mixed_world(s, 5);
    REQUIRE(w.now.month != s.wages.raise_month);
    const Candidates before = w.candidates;
    update_wages(w);
    const auto& c = w.candidates;
    const float growth = static_cast<float>(std::exp(0.05 / 12.0));
    std::size_t working = 0, joined = 0;
    for (std::uint32_t i = 0; i < w.active_candidates; ++i) {
        INFO("candidate " << i << ", status " << int(before.status[i]));
        const auto st = static_cast<Status>(before.status[i]);
        if (st == Status::employed || st == Status::abroad) {
            ++working;
            CHECK(c.tenure[i] == std::min(65535, before.tenure[i] + 1));
            CHECK(c.experience[i] == before.experience[i] + 1.f / 12.f);
            CHECK(c.productivity[i] ==
                  (before.experience[i] < 20.0 ? before.productivity[i] * growth : before.productivity[i]));
            CHECK(c.wage[i] == before.wage[i]);  // no raise outside the raise month
        } else if (st == Status::sitting_out && before.noncompete_months_left[i] == 0) {
            ++joined;  // the restriction is over: the contract with the future employer starts
            CHECK(c.employer[i] == before.pending_employer[i]);
            CHECK(c.wage[i] == before.pending_wage[i]);
            CHECK(c.tenure[i] == 0);
            CHECK(c.pending_employer[i] == kNone);
        } else {
            CHECK(c.noncompete_months_left[i] == (st == Status::sitting_out ? before.noncompete_months_left[i] - 1
                                                                            : before.noncompete_months_left[i]));
            CHECK(c.status[i] == before.status[i]);
            CHECK(c.tenure[i] == before.tenure[i]);
            CHECK(c.experience[i] == before.experience[i]);
            CHECK(c.productivity[i] == before.productivity[i]);
        }
    }
    CHECK(working > 1000);
    CHECK(joined > 100);
    CHECK(w.counters.noncompete_compensation > 0);  // the others sitting out were paid
}

TEST_CASE("separations: exactly the candidates whose first number falls under their rates separate",
          "[phases][separations]") {
    const double leave = 0.03, layoff = 0.05, quit = 0.1, unemployed_leave = 0.2;
    const Scenario s =
        scenario("scenarios/minimal.toml", {"population.candidates=20000", "separations.leave_field_rate=0.03",
                                            "employer_types.big_tech.layoff_rate=0.05", "separations.quit_rate=0.1",
                                            "separations.unemployed_leave_rate=0.2"});
    World w = mixed_world(s, 9);
    for (std::size_t e = 0; e < w.active_employers; e += 7) w.employers.alive[e] = 0;  // closed this step
    const Candidates before = w.candidates;
    separations(w);
    const auto& c = w.candidates;
    std::int64_t ended = 0;
    for (std::uint32_t i = 0; i < w.active_candidates; ++i) {
        INFO("candidate " << i << ", status " << int(before.status[i]));
        const double u = Stream(w.seed, 0, StreamFamily::separations, i).uniform();
        const auto st = static_cast<Status>(before.status[i]);
        auto expected = st;
        bool ends = false;
        if (st == Status::employed) {
            ends = !w.employers.alive[before.employer[i]] || u < leave + layoff + quit;
            expected = !ends                                                ? st
                       : w.employers.alive[before.employer[i]] && u < leave ? Status::inactive
                                                                            : Status::unemployed;
        } else if (st == Status::abroad) {  // with an employer here: abroad employees separate but stay abroad
            ends = !w.employers.alive[before.employer[i]] || u < layoff + quit;
        } else if (st == Status::unemployed) {
            expected = u < unemployed_leave ? Status::inactive : st;
        } else if (st == Status::sitting_out) {
            expected = w.employers.alive[before.pending_employer[i]] ? st : Status::unemployed;
        }
        ended += ends ? 1 : 0;
        CHECK(c.status[i] == u8(expected));
        CHECK(c.employer[i] == (ends ? kNone : before.employer[i]));
    }
    CHECK(w.counters.separations == ended);
    CHECK(ended > 1000);
}
