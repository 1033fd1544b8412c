// A run: a frozen scenario, the world it builds, and the step as a list of named phases.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "model/scenario.hpp"
#include "engine/state.hpp"
#include "io/writer.hpp"

namespace talentsim {

inline constexpr int kPhaseCount = 10;
inline constexpr const char* kPhaseNames[kPhaseCount] = {
    "calendar_and_shocks", "separations", "post_vacancies", "search",       "screen_and_offer",
    "counteroffer",        "decide",      "move",           "update_wages", "record"};

// Wall-clock seconds spent in each phase, summed over steps (benchmarks only).
struct PhaseTimes {
    std::array<double, kPhaseCount> seconds{};
};

// One step: the phases in order (docs/model.md, "Process overview and scheduling").
// `times`, when given, accumulates the time of each phase.
StepRow run_step(World& w, std::int32_t step, PhaseTimes* times = nullptr);

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
