// Initial population, entrant slots, and the employer census.
#pragma once
#include <cmath>
#include <vector>

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
// Whether a step reads the census taken at the end of the step before: the field's pay (eq. 16,
// participation_elasticity > 0), vacancies that are not unlimited (eq. 8, 8a) and budgets
// (offers.budget_cap). When none does, record does not take it, and the employers' headcount and
// payroll keep the census of initialisation (and of the burn-in's end, rebase_budgets).
bool census_read(const Scenario& s);
// std::llround of a float (half away from zero) without the library call: x - trunc(x) is exact.
inline std::int64_t round_to_whole(float x) {
    const auto whole = static_cast<std::int64_t>(x);
    const float fraction = x - static_cast<float>(whole);
    return whole + (fraction >= 0.5f ? 1 : 0) - (fraction <= -0.5f ? 1 : 0);
}
// One thread's share of the census; census() and record() count into one per thread and add them up.
struct CensusTally {
    std::vector<std::uint32_t> headcount;  // [employer * roles + role]
    std::vector<std::int64_t> payroll;     // [employer]
    explicit CensusTally(const Employers& E) : headcount(E.headcount.size(), 0u), payroll(E.payroll.size(), 0) {}
    // Employees: the employed, and candidates abroad who work for an (overseas) employer.
    static bool employee(std::uint8_t status, std::uint32_t employer) {
        return (employer != kNone) & ((status == static_cast<std::uint8_t>(Status::employed)) |
                                      (status == static_cast<std::uint8_t>(Status::abroad)));
    }
    static bool employee(const Candidates& c, std::size_t i) { return employee(c.status[i], c.employer[i]); }
    void count(const Candidates& c, std::size_t i, std::size_t roles) {
        if (employee(c, i)) add(c.employer[i] * roles + c.role[i], c.employer[i], round_to_whole(c.wage[i]));
    }
    // Counts an employee of `employer` in headcount `cell` (employer * roles + role), paid `pay`.
    void add(std::size_t cell, std::uint32_t employer, std::int64_t pay) {
        headcount[cell]++;
        payroll[employer] += pay;
    }
};
// Sets the employers' headcount and payroll to the sums of the tallies.
void set_census(Employers& E, const std::vector<const CensusTally*>& tallies);
// Initial employees per unit of employer_types.*.size.
double people_per_size_unit(const World& w);
void set_target_headcounts(World& w);  // eq. 8a
// Budgets set again from the payroll at the end of the burn-in (section 3.1a).
void rebase_budgets(World& w);
double initial_log_productivity(const Scenario& s, int degree, int tier, double experience, double z);

}  // namespace talentsim
