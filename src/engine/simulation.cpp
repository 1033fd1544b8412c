#include "engine/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <malloc.h>
#include <limits>
#include <memory>
#include <numeric>

#include "engine/parallel.hpp"
#include "engine/phases.hpp"
#include "engine/population.hpp"
#include "engine/rng.hpp"
#include "version.hpp"

namespace talentsim {

void keep_freed_memory() {
    constexpr int kLargestFromHeap = 32 << 20;  // glibc's largest mmap threshold (64-bit)
    mallopt(M_MMAP_THRESHOLD, kLargestFromHeap);
    mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

namespace {
// Adds the time since the last lap to a phase's total; does nothing without a PhaseTimes.
class PhaseClock {
public:
    explicit PhaseClock(PhaseTimes* times)
        : times_(times), last_(std::chrono::steady_clock::now()), last_cpu_(times ? cpu_now() : 0.0) {}
    void lap(StepPhase phase) {
        if (!times_) return;
        const auto now = std::chrono::steady_clock::now();
        const double cpu = cpu_now();
        times_->seconds[static_cast<int>(phase)] += std::chrono::duration<double>(now - last_).count();
        times_->cpu_seconds[static_cast<int>(phase)] += cpu - last_cpu_;
        last_ = now;
        last_cpu_ = cpu;
    }

private:
    static double cpu_now() {  // CPU seconds of the whole process
        timespec t{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
    }
    PhaseTimes* times_;
    std::chrono::steady_clock::time_point last_;
    double last_cpu_;
};
}  // namespace

StepRow run_step(World& w, std::int32_t step, PhaseTimes* times, bool fused) {
    PhaseClock clock(times);
    calendar_and_shocks(w, step);
    clock.lap(StepPhase::calendar_and_shocks);
    const bool direct = fused && direct_offers_apply(*w.scenario);  // phases 2 and 4-9 fused
    if (!direct) {
        separations(w);
        clock.lap(StepPhase::separations);
    }
    post_vacancies(w);
    clock.lap(StepPhase::post_vacancies);
    RecordTallies tallies;
    if (direct) {
        direct_offers(w, tallies);
        clock.lap(StepPhase::direct_offers);
    } else {
        search(w);
        clock.lap(StepPhase::search);
        for (int round = 0; round < w.scenario->offers.rounds; ++round) {
            screen_and_offer(w, round);
            clock.lap(StepPhase::screen_and_offer);
            counteroffer(w, round);
            clock.lap(StepPhase::counteroffer);
            decide(w, round);
            clock.lap(StepPhase::decide);
        }
        move(w);
        clock.lap(StepPhase::move);
        update_wages(w);
        clock.lap(StepPhase::update_wages);
    }
    StepRow row = record(w, direct ? &tallies : nullptr);
    clock.lap(StepPhase::record);
    return row;
}

std::uint64_t estimated_memory_bytes(const Scenario& s, std::int32_t steps) {
    const Capacity cap = capacity_of(s, steps);
    // Agent state (68 bytes a slot) plus per-step scratch of the record and search phases, and
    // output rows and panel snapshot (docs/benchmarks.md measures about 125 bytes a slot).
    const std::uint64_t per_candidate = 96 + 8 * static_cast<std::uint64_t>(s.search.applications) + 24;
    const std::uint64_t per_employer = 64 + 12 * s.roles.size();
    // Postings: one per open vacancy. The model bounds the vacancies of an employer and role by
    // 10 x its headcount + 20 (post_vacancies), and headcounts sum to at most the candidates, so
    // a step never lists more than 10 x candidates + 20 x employers x roles postings (one per
    // employer and role with unlimited vacancies). Each costs its list entry and card (30 bytes),
    // its column of the sampling tables (12) and, while they are built, its place in its group's
    // list and in the group's alias table (4 + 8), and up to three copies of its output row
    // waiting in the background writer (3 x 24).
    const std::uint64_t roles = s.roles.size();
    const std::uint64_t postings =
        s.vacancies.unlimited ? cap.employers * roles : 10 * cap.candidates + 20 * cap.employers * roles;
    const std::uint64_t per_posting = 30 + 24 + (s.output.postings ? 72 : 0);
    return cap.candidates * per_candidate + cap.employers * per_employer + postings * per_posting + (64ull << 20);
}

Simulation::Simulation(const Scenario& scenario, std::uint64_t seed, std::int32_t steps)
    : scenario_(scenario), steps_(steps) {
    initialise(world_, scenario_, seed, steps_);
    // The burn-in (docs/model.md, section 3.1a): steps -B .. -1 of the calendar, simulated and not
    // recorded, so that jobs and wages at step 0 come from the market.
    for (auto t = static_cast<std::int32_t>(-scenario_.population.burn_in_steps); t < 0; ++t) run_step(world_, t);
    if (scenario_.population.burn_in_steps > 0) rebase_budgets(world_);
    const std::size_t n = world_.candidates.size();
    const auto k = static_cast<std::size_t>(scenario_.output.panel_sample);
    if (k > 0 && k < n) {  // a deterministic sample: the k smallest random keys, in id order
                           // (no sample: panel_ids_ stays empty and the panel covers everyone)
        std::vector<std::pair<std::uint32_t, std::uint32_t>> keyed(n);
        for (std::uint32_t i = 0; i < n; ++i) keyed[i] = {Stream(seed, 0, StreamFamily::panel_sample, i)(), i};
        std::nth_element(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(k), keyed.end());
        panel_ids_.resize(k);
        for (std::size_t j = 0; j < k; ++j) panel_ids_[j] = keyed[j].second;
        std::sort(panel_ids_.begin(), panel_ids_.end());
    }
}

Simulation::Simulation(const Scenario& scenario, std::int32_t steps, Restoring) : scenario_(scenario), steps_(steps) {
    world_.scenario = &scenario_;
}

RunMetadata Simulation::metadata(int threads) const {
    RunMetadata m;
    m.scenario_name = scenario_.info.name;
    m.scenario_toml = to_toml(scenario_);
    m.start = scenario_.info.start;
    m.talentsim_version = program_version();
    m.build_type = kBuildType;
    m.seed = world_.seed;
    m.steps = steps_;
    m.threads = threads;
    m.panel_every = static_cast<std::int32_t>(scenario_.output.panel_every);
    for (const auto& x : scenario_.cities) m.cities.push_back(x.name);
    for (const auto& x : scenario_.roles) m.roles.push_back(x.name);
    for (const auto& x : scenario_.tiers) m.tiers.push_back(x.name);
    for (const auto& x : scenario_.employer_types) m.employer_types.push_back(x.name);
    for (const auto& x : scenario_.degrees) m.degrees.push_back(x.name);
    for (const char* x : kStatusNames) m.statuses.emplace_back(x);
    return m;
}

void Simulation::begin(Writer& out, int threads) {
    const auto& c = world_.candidates;
    const auto& E = world_.employers;
    if (!out.reads_tables()) return out.begin(metadata(threads), {}, {});
    // The table of every candidate slot is written once, in parallel (not zeroed first, nor
    // filled by a serial loop: at a million slots these took a few percent of a short run).
    const auto candidates = std::make_unique_for_overwrite<CandidateRow[]>(c.size());
    for_each_index(c.size(), [&](std::size_t k) {
        const auto i = static_cast<std::uint32_t>(k);
        candidates[i] =
            CandidateRow{i, c.degree[i], c.tier[i], c.role[i], c.home_city[i], c.entry_step[i], c.productivity[i]};
    });
    std::vector<EmployerRow> employers(E.size());
    for_each_index(E.size(), [&](std::size_t k) {
        const auto e = static_cast<std::uint32_t>(k);
        employers[e] =
            EmployerRow{e, E.type[e], E.city[e], E.entry_step[e], E.wage_factor[e], E.amenity[e], E.productivity[e]};
    });
    out.begin(metadata(threads), std::span<const CandidateRow>(candidates.get(), c.size()), employers);
}

PanelSnapshot Simulation::panel() const {
    const auto& c = world_.candidates;
    PanelSnapshot p;
    p.step = next_step_;
    const bool everyone = panel_ids_.empty();
    const std::size_t n = everyone ? c.size() : panel_ids_.size();
    p.wage.resize(n);
    p.employer.resize(n);
    p.status.resize(n);
    p.city.resize(n);
    for_each_index(n, [&](std::size_t k) {
        const std::uint32_t i = everyone ? static_cast<std::uint32_t>(k) : panel_ids_[k];
        p.wage[k] = c.wage[i];
        p.employer[k] = c.employer[i];
        p.status[k] = c.status[i];
        p.city[k] = c.city[i];
    });
    return p;
}

const StepRow& Simulation::step(Writer& out) {
    last_ = run_step(world_, next_step_, times_);
    const Scenario& s = scenario_;
    const auto& P = world_.postings;
    const auto& E = world_.employers;
    const auto& c = world_.candidates;
    const std::int32_t date = s.date_of_step(next_step_);
    posting_rows_.clear();
    if (s.output.postings) {
        posting_rows_.resize(P.size());
        for_each_index(P.size(), [&](std::size_t p) {
            const std::uint32_t e = P.employer[p];
            posting_rows_[p] = PostingRow{
                next_step_, date,        static_cast<std::uint32_t>(p),  e, P.role[p], P.degree[p], E.city[e],
                E.type[e],  P.channel[p], P.salary[p], s.vacancies.unlimited ? 0u : 1u};
        });
    }
    offer_rows_.clear();
    if (s.output.offers) {
        offer_rows_.resize(world_.offers.size());
        for_each_index(world_.offers.size(), [&](std::size_t k) {
            const Offer& o = world_.offers[k];
            offer_rows_[k] =
                OfferRow{next_step_, date,       o.candidate, o.employer, c.role[o.candidate], c.degree[o.candidate],
                         o.kind,     o.accepted, o.salary};
        });
    }
    const std::span<const MoveRow> moves =
        s.output.moves ? std::span<const MoveRow>(world_.moves) : std::span<const MoveRow>();
    const bool snapshot =
        s.output.panel_every > 0 && ((next_step_ + 1) % s.output.panel_every == 0 || next_step_ + 1 == steps_);
    if (snapshot) {
        const PanelSnapshot p = panel();
        out.write_step(last_, posting_rows_, offer_rows_, moves, &p);
    } else {
        out.write_step(last_, posting_rows_, offer_rows_, moves, nullptr);
    }
    ++next_step_;
    return last_;
}

}  // namespace talentsim
