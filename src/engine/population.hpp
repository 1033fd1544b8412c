// Initial population, entrant slots, and the employer census.
#pragma once
#include "engine/state.hpp"

namespace talentsim {

struct Capacity {
    std::size_t candidates = 0, employers = 0;
};

// Slots needed for the initial population plus every entrant of a run of `steps` steps.
Capacity capacity_of(const Scenario& s, std::int32_t steps);
void initialise(World& w, const Scenario& s, std::uint64_t seed, std::int32_t steps);
// Headcount by employer and role, and payroll, of the employed (integer sums: deterministic).
void census(World& w);
// Initial employees per unit of employer_types.*.size.
double people_per_size_unit(const World& w);
void set_target_headcounts(World& w);  // eq. 8a
double initial_log_productivity(const Scenario& s, int degree, int tier, double experience, double z);

}  // namespace talentsim
