// Phases: degenerate cases with exact answers, accounting identities, and the posted-salary rule.
#include <catch2/catch.hpp>

#include <cmath>
#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <map>
#include <tuple>

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <tbb/task_arena.h>

#include "engine/parallel.hpp"
#include "engine/phases.hpp"
#include "engine/population.hpp"
#include "engine/rng.hpp"
#include "engine/stats.hpp"
#include "support.hpp"

using namespace talentsim;
using talentsim::test::run;
using talentsim::test::scenario;

namespace {
const std::vector<std::string> kNoSeparations = {"separations.quit_rate=0", "separations.leave_field_rate=0",
                                                 "separations.unemployed_leave_rate=0",
                                                 "employer_types.big_tech.layoff_rate=0"};
}

TEST_CASE("no vacancies => no postings, offers, hires or moves", "[phases][degenerate]") {
    const Scenario s = scenario(
        "scenarios/minimal.toml",
        {"employer_types.big_tech.vacancy_rate=0", "vacancies.replacement_share=0", "population.unemployed_share=0.3"});
    const auto out = run(s, 3, 18);
    REQUIRE(out->steps.size() == 18);
    for (const auto& r : out->steps) {
        CHECK(r.postings == 0);
        CHECK(r.offers == 0);
        CHECK(r.hires == 0);
        CHECK(r.job_to_job_moves == 0);
    }
    CHECK(out->moves.empty());
    CHECK(out->steps.back().unemployed > 0);  // there were people who wanted jobs
}

TEST_CASE("separation rates 0 => employment never falls", "[phases][degenerate]") {
    const Scenario s = scenario("scenarios/minimal.toml", kNoSeparations);
    const auto out = run(s, 5, 24);
    std::int64_t before = -1;
    for (const auto& r : out->steps) {
        CHECK(r.separations == 0);
        CHECK(r.employed >= before);
        before = r.employed;
    }
    std::int64_t hires = 0;
    for (const auto& r : out->steps) hires += r.hires;
    CHECK(hires > 0);  // the market did something
}

TEST_CASE("quit rate 1 => every employee separates every step", "[phases][degenerate]") {
    const Scenario s = scenario("scenarios/minimal.toml", {"separations.quit_rate=1", "search.unemployed_intensity=0",
                                                           "search.student_intensity=0", "search.abroad_intensity=0"});
    const auto out = run(s, 5, 3);
    CHECK(out->steps[0].separations > 0);
    for (const auto& r : out->steps) CHECK(r.employed == 0);
}

TEST_CASE("accounting identities hold every step", "[phases][accounting]") {
    const Scenario s = scenario("scenarios/china_ai_2024.toml",
                                {"population.candidates=6000", "population.employers=200",
                                 "population.graduates_per_year=600", "population.abroad_inflow_per_month=5"});
    const auto out = run(s, 11, 20);
    std::map<std::int32_t, std::int64_t> move_rows, j2j_rows, team_rows, accepted, offer_rows, counter_rows;
    for (const auto& m : out->moves) {
        move_rows[m.step]++;
        j2j_rows[m.step] += m.from_employer != kNone;
        team_rows[m.step] += m.team_move;
        CHECK(m.to_employer != kNone);
        CHECK(m.new_wage > 0);
    }
    for (const auto& o : out->offers) {
        offer_rows[o.step]++;
        counter_rows[o.step] += o.kind == static_cast<std::uint8_t>(OfferKind::counteroffer);
        accepted[o.step] += o.accepted && o.kind != static_cast<std::uint8_t>(OfferKind::counteroffer);
    }
    std::int64_t total_hires = 0, prev_total = -1;
    for (const auto& r : out->steps) {
        INFO("step " << r.step);
        const std::int64_t total = r.students + r.employed + r.unemployed + r.abroad + r.sitting_out + r.inactive;
        CHECK(total >= prev_total);  // slots only ever enter
        prev_total = total;
        CHECK(r.hires == move_rows[r.step]);
        CHECK(r.job_to_job_moves == j2j_rows[r.step]);
        CHECK(r.team_moves == team_rows[r.step]);
        CHECK(r.hires - r.team_moves == accepted[r.step]);
        CHECK(r.offers + r.counteroffers_made == offer_rows[r.step]);
        CHECK(r.counteroffers_made == counter_rows[r.step]);
        CHECK(r.counteroffers_won <= r.counteroffers_made);
        CHECK(r.postings <= r.vacancies);
        CHECK(r.wage_p10 <= r.wage_p50);
        CHECK(r.wage_p50 <= r.wage_p90);
        total_hires += r.hires;
    }
    CHECK(total_hires > 0);
    std::int64_t graduates = 0;
    for (const auto& r : out->steps) graduates += r.graduates;
    CHECK(graduates > 0);  // July of the first year is inside 20 steps
}

TEST_CASE("switching mechanisms off removes their events", "[phases][degenerate]") {
    const Scenario s = scenario(
        "scenarios/china_ai_2024.toml",
        {"population.candidates=5000", "population.employers=150", "counteroffers.enabled=false",
         "noncompete.enabled=false", "teams.enabled=false", "relocation.city_cost=inf", "relocation.country_cost=inf"});
    const auto out = run(s, 2, 12);
    for (const auto& r : out->steps) {
        CHECK(r.counteroffers_made == 0);
        CHECK(r.noncompete_blocked == 0);
        CHECK(r.noncompete_buyouts == 0);
        CHECK(r.sitting_out == 0);
        CHECK(r.team_moves == 0);
        CHECK(r.returnees == 0);
    }
    for (const auto& m : out->moves) CHECK(m.relocated == 0);
}

// Eq. 13b is part of the auction of eq. 13: with the auction off (the incumbent matches, or no
// counteroffers at all), `counteroffers.entrants` has no effect, as `noncompete.buyouts` has none
// without non-competes; with the auction on it changes what hires from outside a job are paid.
TEST_CASE("the auction for job seekers (eq. 13b) is off with the auction of eq. 13", "[phases][degenerate]") {
    const auto wages = [](std::vector<std::string> set, bool entrants) {
        set.insert(set.end(), {"population.candidates=5000", "population.employers=150",
                               std::string("counteroffers.entrants=") + (entrants ? "true" : "false")});
        const auto out = run(scenario("scenarios/china_ai_2024.toml", set), 3, 12);
        std::vector<double> w;
        for (const auto& r : out->steps) w.push_back(r.wage_mean);
        return w;
    };
    for (const auto& off : {std::vector<std::string>{"counteroffers.auction=false"},
                            std::vector<std::string>{"counteroffers.enabled=false"}}) {
        INFO(off[0]);
        CHECK(wages(off, true) == wages(off, false));
    }
    CHECK(wages({}, true) != wages({}, false));
}

TEST_CASE("posted salaries follow base wage x degree x type x firm factor", "[phases][unit]") {
    const Scenario s = scenario("scenarios/minimal.toml",
                                {"wages.posted_fixed=true", "degrees.master.wage_premium=1.3",
                                 "degrees.phd.wage_premium=2.0", "employer_types.big_tech.wage_premium=1.1"});
    const auto out = run(s, 9, 6);
    REQUIRE(!out->postings.empty());
    const double premium[3] = {1.0, 1.3, 2.0};
    for (const auto& p : out->postings) {
        const double expected = 500000.0 * premium[p.required_degree] * 1.1 * out->employers[p.employer].wage_factor;
        REQUIRE(p.salary == Approx(expected).epsilon(1e-6));
    }
}

TEST_CASE("posted salaries respond to a demand shock with the declared elasticity", "[phases][unit]") {
    const Scenario s = scenario("scenarios/minimal.toml", {"wages.posted_growth=0", "wages.demand_elasticity=0.5"});
    Scenario shocked = s;
    shocked.events.push_back(EventParams{"2024-04", 3, "demand", "*", "*", 4.0, 0, 0.0});
    shocked.event_start_step.push_back(3);
    shocked.event_kind.push_back(EventKind::demand);
    const auto out = run(shocked, 9, 8);
    for (const auto& p : out->postings) {
        const bool during = p.step >= 3 && p.step < 6;
        const double ratio =
            p.salary / (500000.0 * s.degrees[p.required_degree].wage_premium * out->employers[p.employer].wage_factor);
        REQUIRE(ratio == Approx(during ? 2.0 : 1.0).epsilon(1e-6));  // 4^0.5 = 2
    }
}

TEST_CASE("offers pay the posted salary times the tier premium, and poaching bids lie above it", "[phases][unit]") {
    // Young workforce (wages below posted salaries) searching often, so employed candidates apply.
    // The fixed-premium limit of bidding: no contact bids and no auction, poaching at a premium.
    const Scenario s =
        scenario("scenarios/minimal.toml", {"wages.posted_fixed=true", "tiers.other.wage_premium=1.5",
                                            "employer_types.big_tech.value_multiplier=inf", "offers.budget_cap=false",
                                            "population.experience_mean_years=0", "population.productivity_sigma=0.05",
                                            "search.employed_intensity=0.5", "offers.poaching_premium=1.0",
                                            "offers.contacts=false", "counteroffers.auction=false"});
    const auto out = run(s, 21, 12);
    int posted = 0, poaching = 0;
    for (const auto& o : out->offers) {
        const double base = 500000.0 * out->employers[o.employer].wage_factor * 1.5;
        if (o.kind == static_cast<std::uint8_t>(OfferKind::posted)) {
            REQUIRE(o.salary == Approx(base).epsilon(1e-6));
            ++posted;
        }
        if (o.kind == static_cast<std::uint8_t>(OfferKind::poaching)) {
            REQUIRE(o.salary > base * (1 - 1e-6));
            ++poaching;
        }
    }
    CHECK(posted > 0);
    CHECK(poaching > 0);
}

TEST_CASE("entry_candidates events bring job seekers into the field at their date", "[phases][unit]") {
    Scenario s = scenario("scenarios/minimal.toml", {"separations.unemployed_leave_rate=0"});
    s.events.push_back(EventParams{"2024-04", 1, "entry_candidates", "llm_algorithm", "*", 1.0, 500, 0.0});
    s.event_start_step.push_back(3);
    s.event_kind.push_back(EventKind::entry_candidates);
    const auto out = run(s, 4, 6);
    int entrants = 0;
    for (const auto& c : out->candidates) {
        if (c.entry_step != 3) continue;
        ++entrants;
        CHECK(c.role == 0);
    }
    CHECK(entrants == 500);
    CHECK(out->candidates.size() == 1000 + 500);
    // They are on the market from step 3: searchers jump.
    CHECK(out->steps[3].searchers >= out->steps[2].searchers + 300);
    CHECK(out->steps[3].unemployed + out->steps[3].hires >= out->steps[2].unemployed + 400);
}

TEST_CASE("overseas employers count their staff and post vacancies", "[phases][unit]") {
    const Scenario s =
        scenario("scenarios/china_ai_2024.toml", {"population.candidates=8000", "population.employers=300"});
    const auto out = run(s, 8, 6);
    const int overseas = s.type_index("overseas_lab");
    REQUIRE(overseas >= 0);
    int postings = 0;
    for (const auto& p : out->postings) postings += p.employer_type == overseas;
    CHECK(postings > 0);
    for (const auto& p : out->postings)
        if (p.employer_type == overseas) CHECK(p.city == kAbroad);
}

TEST_CASE("the panel covers every candidate slot, or a deterministic sample of the given size", "[phases][unit]") {
    const auto all = run(scenario("scenarios/minimal.toml", {"output.panel_every=4"}), 3, 12);
    REQUIRE(all->panels.size() == 3);
    CHECK(all->panels[0].wage.size() == all->candidates.size());
    CHECK(all->panels[2].step == 11);
    const Scenario sampled = scenario("scenarios/minimal.toml", {"output.panel_every=4", "output.panel_sample=100"});
    const auto a = run(sampled, 3, 12), b = run(sampled, 3, 12), c = run(sampled, 4, 12);
    REQUIRE(a->panels[0].wage.size() == 100);
    CHECK(a->panels[1].employer == b->panels[1].employer);  // same seed, same sample
    // Another seed draws another sample: the wages seen differ.
    CHECK(a->panels[0].wage != c->panels[0].wage);
}

TEST_CASE("the parallel radix select gives the order statistics of nth_element", "[phases]") {
    // Wide values, many ties (a few distinct wages), negative values and ranks sharing a bucket.
    Stream rng(3, 0, StreamFamily::wages, 0);
    for (const int distinct : {0, 7}) {
        std::vector<float> v(100003);
        for (float& x : v)
            x = distinct ? 1000.f * static_cast<float>(rng() % distinct)
                         : static_cast<float>((rng.uniform() - 0.2) * std::exp(20 * rng.uniform()));
        const std::array<std::size_t, 4> rank{0, 50001, 50002, v.size() - 1};
        const auto got = order_statistics<4>(v, rank);
        for (std::size_t q = 0; q < rank.size(); ++q) {
            std::vector<float> sorted = v;
            std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank[q]), sorted.end());
            CHECK(got[q] == sorted[rank[q]]);
        }
    }
}

TEST_CASE("grouping indices in parallel gives the serial counting sort", "[phases]") {
    // Several chunks, an empty group, a group holding most indices; on 1 and 2 threads.
    Stream rng(9, 0, StreamFamily::wages, 0);
    const std::size_t n = 7 * kGrain + 55, G = 6;
    std::vector<std::size_t> group(n);
    for (auto& g : group) g = rng.uniform() < 0.6 ? 4 : rng() % 3;  // groups 3 and 5 empty
    std::vector<std::uint32_t> first(G + 1, 0), serial(n);
    for (std::size_t i = 0; i < n; ++i) first[group[i] + 1]++;
    for (std::size_t g = 0; g < G; ++g) first[g + 1] += first[g];
    std::vector<std::uint32_t> next(first.begin(), first.end() - 1);
    for (std::size_t i = 0; i < n; ++i) serial[next[group[i]]++] = static_cast<std::uint32_t>(i);
    for (const int threads : {1, 2}) {
        tbb::task_arena arena(threads);
        std::vector<std::uint32_t> got_first, got;
        arena.execute([&] { group_indices(n, G, [&](std::size_t i) { return group[i]; }, got_first, got); });
        CHECK(got_first == first);
        CHECK(got == serial);
    }
}

TEST_CASE("sorting rows by candidate in parallel gives the stable sort", "[phases]") {
    // Rows in several chunks; candidates spread over all ids and a cluster of a few ids with many
    // rows each (buckets past the insertion sort's length), each row numbered in its first order;
    // ids below 2^11 (one id a bucket) and above; on 1 and 2 threads.
    struct Row {
        std::uint32_t candidate, order;
        bool operator==(const Row&) const = default;
    };
    Stream rng(4, 0, StreamFamily::wages, 0);
    for (const std::size_t candidates : {std::size_t{1500}, std::size_t{1500000}}) {
        std::vector<Row> rows(5 * kGrain + 77);
        for (std::size_t k = 0; k < rows.size(); ++k) {
            const bool cluster = rng.uniform() < 0.3;
            const auto id = cluster ? candidates - 1 - rng() % 200 : rng() % candidates;
            rows[k] = {static_cast<std::uint32_t>(id), static_cast<std::uint32_t>(k)};
        }
        std::vector<Row> stable = rows;
        const auto by_id = [](const Row& a, const Row& b) { return a.candidate < b.candidate; };
        std::stable_sort(stable.begin(), stable.end(), by_id);
        for (const int threads : {1, 2}) {
            tbb::task_arena arena(threads);
            std::vector<Row> got = rows;
            arena.execute([&] { sort_by_candidate(got, candidates); });
            CHECK(got == stable);
        }
    }
}

TEST_CASE("sums by cell in parallel give the bits of the serial sum in index order", "[phases]") {
    // Posted-salary-like values (every addition exact: the chunked sums are used) and values spread
    // over 2^40 (additions round: the serial fallback), in 15 cells, on 1 and 2 threads.
    Stream rng(5, 0, StreamFamily::wages, 0);
    const std::size_t n = 5 * kCellChunk + 123, cells = 15;
    for (const double spread : {3.0, 28.0}) {
        std::vector<float> value(n);
        std::vector<std::size_t> cell(n);
        for (std::size_t k = 0; k < n; ++k) {
            cell[k] = rng() % cells;
            value[k] = static_cast<float>(150000.0 * std::exp(spread * rng.uniform()) + rng.uniform());
        }
        std::vector<double> serial(cells, 0.0), count(cells, 0.0);
        for (std::size_t k = 0; k < n; ++k) {
            serial[cell[k]] += value[k];
            count[cell[k]] += 1;
        }
        std::vector<double> chunked_order(cells, 0.0);  // the chunks' sums as sums_by_cell forms them
        for (std::size_t first = 0; first < n; first += kCellChunk) {
            std::vector<double> part(cells, 0.0);
            for (std::size_t k = first; k < std::min(n, first + kCellChunk); ++k) part[cell[k]] += value[k];
            for (std::size_t c = 0; c < cells; ++c) chunked_order[c] += part[c];
        }
        // The second case is one where the order matters (else it would not test the fallback).
        CHECK((spread < 10) == (chunked_order == serial));
        for (const int threads : {1, 2}) {
            tbb::task_arena arena(threads);
            const CellSums got = arena.execute([&] {
                return sums_by_cell(
                    n, cells, [&](std::size_t k) { return cell[k]; }, [&](std::size_t k) { return value[k]; });
            });
            for (std::size_t c = 0; c < cells; ++c) {
                CHECK(std::bit_cast<std::uint64_t>(got.sum[c]) == std::bit_cast<std::uint64_t>(serial[c]));
                CHECK(got.count[c] == count[c]);
            }
        }
    }
}

namespace {
// Runs `steps` steps of two worlds from the same seed, one with phases 2 and 4-9 fused
// (direct_offers), one phase by phase, and checks that every column, row and tally agrees.
void check_direct_offers_match_phases(const Scenario& s, std::int32_t steps) {
    REQUIRE(direct_offers_apply(s));
    World fused, phased;
    initialise(fused, s, 31, steps);
    initialise(phased, s, 31, steps);
    std::int64_t moves = 0, quits = 0;
    for (std::int32_t t = 0; t < steps; ++t) {
        const StepRow a = run_step(fused, t), b = run_step(phased, t, nullptr, false);
        INFO("step " << t);
        REQUIRE(std::memcmp(&a, &b, sizeof(StepRow)) == 0);
        // The fused pass keeps the rows of /offers only when the scenario writes them.
        REQUIRE(fused.offers.size() == (s.output.offers ? phased.offers.size() : 0));
        for (std::size_t k = 0; k < fused.offers.size(); ++k) {
            const Offer &x = fused.offers[k], &y = phased.offers[k];
            REQUIRE(std::tie(x.candidate, x.employer, x.posting, x.salary, x.limit, x.kind, x.accepted) ==
                    std::tie(y.candidate, y.employer, y.posting, y.salary, y.limit, y.kind, y.accepted));
        }
        REQUIRE(fused.moves.size() == (s.output.moves ? phased.moves.size() : 0));
        REQUIRE((fused.moves.empty() ||  // memcmp must not be given the null data() of an empty vector
                 std::memcmp(fused.moves.data(), phased.moves.data(), fused.moves.size() * sizeof(MoveRow)) == 0));
#define TALENTSIM_SAME(type, name, empty) REQUIRE(fused.candidates.name == phased.candidates.name);
        TALENTSIM_CANDIDATE_COLUMNS(TALENTSIM_SAME)
#undef TALENTSIM_SAME
#define TALENTSIM_SAME(type, name, empty, per_role) REQUIRE(fused.employers.name == phased.employers.name);
        TALENTSIM_EMPLOYER_COLUMNS(TALENTSIM_SAME)
#undef TALENTSIM_SAME
        moves += a.job_to_job_moves;
        quits += a.separations;
    }
    CHECK(moves > 0);  // the comparison saw the ladder work
    CHECK(quits > 0);
}
}  // namespace

namespace {
// The job ladder with `extra` appended to its file, loaded with `overrides`.
Scenario ladder_with(const std::string& extra, const std::vector<std::string>& overrides) {
    const auto dir = test::temp_dir("direct_offers");
    test::write_file(dir / "ladder.toml",
                     test::slurp(test::source_path("scenarios/validation/job_ladder.toml")) + extra);
    Scenario s = load_scenario(dir / "ladder.toml", overrides);
    std::filesystem::remove_all(dir);
    return s;
}
}  // namespace

TEST_CASE("the fused direct-offers pass gives the results of the phases bit for bit", "[phases][direct]") {
    SECTION("the job ladder (contacts, posted salaries)") {
        check_direct_offers_match_phases(
            scenario("scenarios/validation/job_ladder.toml", {"population.candidates=20000"}), 30);
    }
    SECTION("poaching bids, applications above the wage, students, abroad, relocation, raises, exits") {
        const Scenario s = scenario("scenarios/validation/job_ladder.toml", {"population.candidates=20000",
                                                                             "population.student_share=0.1",
                                                                             "population.abroad_share=0.1",
                                                                             "population.graduates_per_year=2000",
                                                                             "population.abroad_inflow_per_month=20",
                                                                             "population.experience_productivity=0.05",
                                                                             "output.offers=true",
                                                                             "offers.contacts=false",
                                                                             "offers.poaching=true",
                                                                             "offers.poaching_premium=0.1",
                                                                             "search.min_raise=0.05",
                                                                             "search.reservation_share=0.5",
                                                                             "search.abroad_intensity=0.2",
                                                                             "search.student_intensity=0.2",
                                                                             "relocation.enabled=true",
                                                                             "wages.annual_raise=0.03",
                                                                             "wages.promotion_prob=0.2",
                                                                             "separations.leave_field_rate=0.01",
                                                                             "separations.unemployed_leave_rate=0.01",
                                                                             "employer_types.lab.layoff_rate=0.01"});
        check_direct_offers_match_phases(s, 30);
    }
    SECTION("the lean case (no raises or growth) with students, overseas employers, relocation, layoffs") {
        // The fused pass takes its lane-parallel path here (lean_months); the candidates of other
        // statuses (students, abroad with or without an overseas job) and the unemployed who may
        // leave the field go through the general rules.
        const Scenario s = ladder_with(
            "\n[employer_types.overseas_lab]\nshare = 0.2\nsize = 1\noverseas = true\n"
            "layoff_rate = 0.02\nnoncompete_share = 0.0\n",
            {"population.candidates=20000", "employer_types.lab.share=0.8", "population.student_share=0.1",
             "population.abroad_share=0.1", "population.graduates_per_year=2000",
             "population.abroad_inflow_per_month=20", "search.abroad_intensity=0.2", "search.student_intensity=0.2",
             "search.reservation_share=0.5", "separations.leave_field_rate=0.01",
             "separations.unemployed_leave_rate=0.01", "employer_types.lab.layoff_rate=0.01",
             "relocation.enabled=true"});
        REQUIRE(s.wages.annual_raise == 0);
        REQUIRE(s.wages.promotion_prob == 0);
        REQUIRE(s.population.experience_productivity == 0);
        check_direct_offers_match_phases(s, 30);
    }
    SECTION("the lean case with a last tile of 5 candidates (20005 candidates)") {
        // The lane loops run a whole tile of kTile lanes as a loop of constant length and a
        // partial tile as a loop of its lanes (for_lanes): both against the phases.
        check_direct_offers_match_phases(
            scenario("scenarios/validation/job_ladder.toml", {"population.candidates=20005"}), 30);
    }
    SECTION("the plain searchers (no relocation, poaching, ranges or rows): contacts, raises, statuses") {
        // The searchers of a tile are decided together (plain_searchers, search_plain), with and
        // without contacts, in the lean case and the general one; students and candidates abroad
        // (with or without an overseas job) take the general rules; the required raise, the
        // reservation wage, the tiers' premiums and a second role make applications, offers and
        // decisions fail for other reasons than the posted salary (unlimited postings all require
        // the lowest degree). The section "firms closing and entering" has one tier.
        const std::string extra =
            "\n[employer_types.overseas_lab]\nshare = 0.2\nsize = 1\noverseas = true\n"
            "layoff_rate = 0.02\nnoncompete_share = 0.0\n"
            "[tiers.top]\nshare = 0.3\nwage_premium = 0.2\n"
            "[roles.infra]\nshare = 0.4\nbase_wage = 400000\n";
        for (const char* contacts : {"offers.contacts=true", "offers.contacts=false"})
            for (const char* raise : {"wages.annual_raise=0", "wages.annual_raise=0.03"}) {
                INFO(contacts << ", " << raise);
                const Scenario s = ladder_with(
                    extra, {"population.candidates=20000", "employer_types.lab.share=0.8", "tiers.other.share=0.7",
                            "roles.llm_algorithm.share=0.6", "degrees.bachelor.share=0.7", "degrees.master.share=0.3",
                            "population.student_share=0.1", "population.abroad_share=0.1",
                            "population.graduates_per_year=2000", "population.abroad_inflow_per_month=20",
                            "search.abroad_intensity=0.2", "search.student_intensity=0.2", "search.min_raise=0.05",
                            "search.reservation_share=0.5", "employer_types.lab.layoff_rate=0.01", "output.moves=false",
                            contacts, raise});
                REQUIRE(plain_searchers(s));
                check_direct_offers_match_phases(s, 30);
            }
    }
    SECTION("firms closing and entering") {
        check_direct_offers_match_phases(
            ladder_with("\n[[events]]\ndate = \"2024-03\"\nkind = \"exit\"\nprobability = 0.2\n"
                        "[[events]]\ndate = \"2024-05\"\nkind = \"entry\"\nemployer_type = \"lab\"\ncount = 30\n",
                        {"population.candidates=20000", "output.moves=false"}),
            12);
    }
}

namespace {
// The wages added in id order in blocks of kGrain, as record's mean defines its sum.
double sum_in_id_order(const std::vector<float>& wages) {
    return tbb::parallel_deterministic_reduce(
        tbb::blocked_range<std::size_t>(0, wages.size(), kGrain), 0.0,
        [&](const tbb::blocked_range<std::size_t>& r, double acc) {
            for (std::size_t k = r.begin(); k != r.end(); ++k) acc += wages[k];
            return acc;
        },
        std::plus<double>());
}
}  // namespace

TEST_CASE("record: wages whose sum rounds are summed in id order", "[phases][direct]") {
    // One wage of 1e17 first, then wages of 7 (a double's unit at 1e17 is 16): in id order each 7
    // added to the large sum is lost, in another order the 7s add up first. The additions of the
    // mean's sum round, so record must fall back to the id order (the job ladder's wages above
    // take the parallel path).
    const Scenario s = scenario("scenarios/validation/job_ladder.toml", {"population.candidates=20000"});
    World w;
    initialise(w, s, 19, 2);
    run_step(w, 0);
    std::vector<float> wages;
    for (std::size_t i = 0; i < w.active_candidates; ++i) {
        w.candidates.wage[i] = wages.empty() ? 1e17f : 7.f;
        if (w.candidates.status[i] == static_cast<std::uint8_t>(Status::employed)) wages.push_back(w.candidates.wage[i]);
    }
    const double in_order = sum_in_id_order(wages);
    double backwards = 0;  // another order gives other bits: the case tests the fallback
    for (std::size_t k = wages.size(); k-- > 0;) backwards += wages[k];
    REQUIRE(backwards != in_order);
    for (const int threads : {1, 2}) {
        tbb::task_arena arena(threads);
        const StepRow row = arena.execute([&] { return record(w); });
        CHECK(row.wage_mean == in_order / static_cast<double>(wages.size()));
    }
}

TEST_CASE("record takes the census when the scenario reads it, fused or not", "[phases][direct]") {
    // The job ladder reads no census (unlimited postings, no budgets, no field pay); with
    // participation_elasticity > 0 the field's pay (eq. 16) reads the headcounts, and record must
    // then leave the census of the step's end, as census() counts it, on either path.
    const Scenario lean = scenario("scenarios/validation/job_ladder.toml", {"population.candidates=20000"});
    CHECK_FALSE(census_read(lean));
    CHECK(census_read(scenario("scenarios/china_ai_2024.toml", {"population.candidates=2000"})));
    const Scenario s = scenario("scenarios/validation/job_ladder.toml",
                                {"population.candidates=20000", "population.participation_elasticity=0.5"});
    REQUIRE(census_read(s));
    REQUIRE(direct_offers_apply(s));
    for (const bool fused : {true, false}) {
        INFO("fused " << fused);
        World w;
        initialise(w, s, 23, 6);
        for (std::int32_t t = 0; t < 6; ++t) {
            run_step(w, t, nullptr, fused);
            const std::vector<std::uint32_t> headcount(w.employers.headcount.begin(), w.employers.headcount.end());
            const std::vector<std::int64_t> payroll(w.employers.payroll.begin(), w.employers.payroll.end());
            census(w);
            REQUIRE(headcount == std::vector<std::uint32_t>(w.employers.headcount.begin(), w.employers.headcount.end()));
            REQUIRE(payroll == std::vector<std::int64_t>(w.employers.payroll.begin(), w.employers.payroll.end()));
        }
    }
}

TEST_CASE("record: the wage mean summed in id order and the quantiles of nth_element, fused or not",
          "[phases][direct]") {
    // 20,000 candidates: the fused pass keeps the wages in three chunks, so the mean's blocks of
    // kGrain wages cross the chunks' boundaries.
    const Scenario s = scenario("scenarios/validation/job_ladder.toml", {"population.candidates=20000"});
    for (const bool fused : {true, false}) {
        INFO("fused " << fused);
        World w;
        initialise(w, s, 17, 6);
        for (std::int32_t t = 0; t < 6; ++t) {
            const StepRow row = run_step(w, t, nullptr, fused);
            std::vector<float> wages;
            for (std::size_t i = 0; i < w.active_candidates; ++i)
                if (w.candidates.status[i] == static_cast<std::uint8_t>(Status::employed))
                    wages.push_back(w.candidates.wage[i]);
            REQUIRE(wages.size() > 3 * kGrain);
            REQUIRE(row.employed == static_cast<std::int64_t>(wages.size()));
            const double sum = sum_in_id_order(wages);
            CHECK(row.wage_mean == sum / static_cast<double>(wages.size()));
            const std::array<double, 3> got{row.wage_p10, row.wage_p50, row.wage_p90};
            const std::array<double, 3> level{0.1, 0.5, 0.9};
            for (std::size_t q = 0; q < 3; ++q) {
                const std::size_t rank = stats::quantile_rank(wages.size(), level[q]);
                std::nth_element(wages.begin(), wages.begin() + static_cast<std::ptrdiff_t>(rank), wages.end());
                CHECK(got[q] == static_cast<double>(wages[rank]));
            }
        }
    }
}

namespace {
// Record's wage statistics of the columns (status, wage) counted as three threads would (WageTally),
// with `guess`; the guess is then the next step's.
WageStatistics tallied_statistics(const std::vector<std::uint8_t>& status, const std::vector<float>& wage,
                                  WageGuess& guess) {
    const std::size_t N = status.size(), employed = static_cast<std::size_t>(
                                             std::count(status.begin(), status.end(), std::uint8_t(Status::employed)));
    WageTally total, thread[3];
    for (std::size_t from = 0, k = 0; from < N; from += 1000, k = (k + 1) % 3)
        thread[k].add(status.data(), wage.data(), from, std::min(N, from + 1000), guess);
    for (const WageTally& t : thread) total.add(t);
    return wage_statistics(total, employed, status.data(), wage.data(), N, guess);
}
}  // namespace

TEST_CASE("record's wage statistics are the same bits whatever the guess of where the percentiles fall",
          "[phases][record]") {
    // 60,000 candidates, 85 % employed, lognormal wages; variants: a fifth of the wages at one value
    // near the median (a percentile many wages share), and a wage of 1e17 among wages of 7 (the
    // mean's sum rounds: id order). The reference: the wages in id order, summed in blocks of kGrain,
    // and nth_element. Each guess is run for three steps of the same columns: no guess (the first
    // step), the guess made from the step before (found from the tally), and guesses moved away.
    boost::random::mt19937 gen(5);
    std::vector<std::uint8_t> status(60000);
    std::vector<float> wage(status.size());
    for (std::size_t i = 0; i < status.size(); ++i) {
        status[i] = std::uint8_t(boost::random::uniform_real_distribution<>(0, 1)(gen) < 0.85 ? Status::employed
                                                                                               : Status::unemployed);
        wage[i] = static_cast<float>(4e5 * std::exp(0.4 * boost::random::normal_distribution<>()(gen)));
    }
    const auto variant = GENERATE(0, 1, 2);
    if (variant == 1)
        for (std::size_t i = 0; i < wage.size(); i += 5) wage[i] = 4e5f;
    if (variant == 2)
        for (std::size_t i = 0; i < wage.size(); ++i) wage[i] = i == 7 ? 1e17f : 7.f;
    INFO("variant " << variant);
    std::vector<float> employed;
    for (std::size_t i = 0; i < status.size(); ++i)
        if (status[i] == std::uint8_t(Status::employed)) employed.push_back(wage[i]);
    const double mean = sum_in_id_order(employed) / static_cast<double>(employed.size());
    std::array<float, 3> quantile{};
    for (std::size_t q = 0; q < 3; ++q) {
        const std::size_t rank = stats::quantile_rank(employed.size(), kWageLevels[q]);
        std::nth_element(employed.begin(), employed.begin() + static_cast<std::ptrdiff_t>(rank), employed.end());
        quantile[q] = employed[rank];
    }
    const auto check = [&](const WageStatistics& got) {
        CHECK(got.mean == mean);
        for (std::size_t q = 0; q < 3; ++q) CHECK(got.quantile[q] == quantile[q]);
    };
    WageGuess guess;
    for (int step = 0; step < 3; ++step) {
        INFO("step " << step);
        const WageStatistics got = tallied_statistics(status, wage, guess);
        check(got);
        CHECK(got.from_tally == (step > 0 && variant != 2));  // (variant 2: the sum is not exact)
    }
    SECTION("a guess of one key, which keeps no wage") {
        for (std::size_t q = 0; q < 3; ++q) {
            guess.lo[q] = detail::order_key(quantile[q]);
            guess.width[q] = 1;
        }
        const WageStatistics got = tallied_statistics(status, wage, guess);
        check(got);
        CHECK(got.from_tally == (variant != 2));
    }
    SECTION("guesses below, above and off by one of the percentiles") {
        for (const std::int64_t shift : {-100000, -1, 1, 100000}) {
            INFO("shift " << shift);
            for (std::size_t q = 0; q < 3; ++q) {
                guess.lo[q] = static_cast<std::uint32_t>(detail::order_key(quantile[q]) + shift);
                guess.width[q] = 1;
            }
            const WageStatistics got = tallied_statistics(status, wage, guess);
            check(got);
            CHECK_FALSE(got.from_tally);
        }
    }
    SECTION("more wages in a range than a thread keeps") {
        for (std::size_t q = 0; q < 3; ++q) REQUIRE(guess.width[q] > 1);
        guess.most = 100;
        const WageStatistics got = tallied_statistics(status, wage, guess);
        check(got);
        CHECK_FALSE(got.from_tally);
    }
}
