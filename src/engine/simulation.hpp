// A run: a frozen scenario, the world it builds, and the step as a list of named phases.
#pragma once
#include <array>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "model/scenario.hpp"
#include "engine/state.hpp"
#include "io/writer.hpp"

namespace talentsim {

// The phases of a step, in order; each is timed under its name (benchmarks).
#define TALENTSIM_STEP_PHASES(X)  \
    X(calendar_and_shocks)        \
    X(separations)                \
    X(post_vacancies)             \
    X(search)                     \
    X(screen_and_offer)           \
    X(counteroffer)               \
    X(decide)                     \
    X(move)                       \
    X(update_wages)               \
    X(direct_offers) /* 2, 4-9 */ \
    X(record)

enum class StepPhase : int {
#define TALENTSIM_ENUM(name) name,
    TALENTSIM_STEP_PHASES(TALENTSIM_ENUM)
#undef TALENTSIM_ENUM
};
inline constexpr const char* kPhaseNames[] = {
#define TALENTSIM_NAME(name) #name,
    TALENTSIM_STEP_PHASES(TALENTSIM_NAME)
#undef TALENTSIM_NAME
};
inline constexpr int kPhaseCount = static_cast<int>(std::size(kPhaseNames));

// Wall-clock seconds spent in each phase, summed over steps (benchmarks only), and the CPU seconds
// of the process (all its threads) in the same intervals: on a machine shared with other work the
// CPU time measures a phase's work, and CPU / wall how many cores it kept busy.
struct PhaseTimes {
    std::array<double, kPhaseCount> seconds{};
    std::array<double, kPhaseCount> cpu_seconds{};
};

// One step: the phases in order (docs/model.md, "Process overview and scheduling").
// `times`, when given, accumulates the time of each phase. Where the scenario allows it
// (direct_offers_apply, phases.hpp) phases 2 and 4-9 run fused in one pass with the same results;
// `fused` false runs them one by one (the tests compare the two).
StepRow run_step(World& w, std::int32_t step, PhaseTimes* times = nullptr, bool fused = true);

// Asks the C library's allocator to keep the memory a step frees for the next steps (once, at the
// start of the process): blocks up to 32 MiB come from the heap instead of their own mappings, and
// freed memory is not handed back to the system. Otherwise the step's scratch arrays of a few
// hundred KiB to a few MiB (postings, sampler tables, offers, the threads' counts) were mapped
// afresh at every step and every page faulted in on first touch, in the serial parts of the step.
// Changes no result; the peak memory stays that of the largest step.
void keep_freed_memory();

// Bytes a run of this scenario needs, estimated before anything is allocated.
std::uint64_t estimated_memory_bytes(const Scenario& s, std::int32_t steps);

struct CheckpointAccess;  // checkpoint.cpp: saves and restores the whole state

class Simulation {
public:
    // seed and steps come from the scenario unless overridden.
    Simulation(const Scenario& scenario, std::uint64_t seed, std::int32_t steps);
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    RunMetadata metadata(int threads) const;
    void begin(Writer& out, int threads);  // metadata and static tables
    const StepRow& step(Writer& out);      // runs and writes the next step
    bool done() const { return next_step_ >= steps_; }
    std::int32_t next_step() const { return next_step_; }
    std::int32_t steps() const { return steps_; }
    const World& world() const { return world_; }
    void time_phases(PhaseTimes* times) { times_ = times; }
    const Scenario& scenario() const { return scenario_; }

private:
    friend struct CheckpointAccess;
    struct Restoring {};  // an empty shell that checkpoint.cpp fills; no population is drawn
    Simulation(const Scenario& scenario, std::int32_t steps, Restoring);
    PanelSnapshot panel() const;
    Scenario scenario_;
    std::int32_t steps_;
    std::int32_t next_step_ = 0;
    World world_;
    std::vector<std::uint32_t> panel_ids_;  // the panel sample; empty = every candidate
    std::vector<PostingRow> posting_rows_;
    std::vector<OfferRow> offer_rows_;
    StepRow last_{};
    PhaseTimes* times_ = nullptr;
};

}  // namespace talentsim
