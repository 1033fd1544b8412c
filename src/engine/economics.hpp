// The model's pricing and preference functions, shared by the phases (docs/model.md, section D).
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/state.hpp"

namespace talentsim::econ {

// No salary, bid or counteroffer exceeds this (CNY/year; the upper bound of roles.*.base_wage):
// with uncapped values and budgets (value_multiplier = budget_slack = counter_max_raise = inf)
// or compounded demand, wages stay finite and payroll sums fit in 64 bits (docs/reliability.md).
inline constexpr double kMaxSalary = 1e9;

// How posted salaries rise with the employer's productivity: p_e^rho (eq. 3).
inline double productivity_premium(const World& w, std::uint32_t e) {
    const double rho = w.scenario->wages.productivity_passthrough, p = w.employers.productivity[e];
    return rho == 1.0 ? p : std::pow(p, rho);
}

// Posted annual salary of a posting of `role` requiring `degree` at employer e (eq. 3), priced
// for productivity 1 or, with wages.posted_expected_productivity, for the mean productivity of
// those who meet the requirement (eq. 3b). With wages.ladder_friction the salary per unit of
// productivity is the employer's Burdett-Mortensen wage of the month (eq. 3c) instead of the
// index times the type's and the firm's premiums.
// A campus or experienced posting (eq. 9b) is priced for those it admits.
inline double posted_salary(const World& w, std::uint32_t e, int role, int degree,
                            PostingChannel channel = PostingChannel::open) {
    const Scenario& s = *w.scenario;
    const int k = w.employers.type[e], T = static_cast<int>(s.employer_types.size());
    const std::size_t er = e * s.roles.size() + static_cast<std::size_t>(role);
    const double q =
        s.wages.posted_expected_productivity ? s.qualified_productivity[static_cast<int>(channel)][degree] : 1.0;
    if (s.wages.ladder_friction > 0)
        return std::min(kMaxSalary, q * s.degrees[degree].wage_premium * w.employers.ladder_wage[er] *
                                        w.employers.posted_multiplier[er]);
    return std::min(kMaxSalary, q * s.roles[role].base_wage * s.degrees[degree].wage_premium *
                                    s.employer_types[k].wage_premium * w.employers.wage_factor[e] *
                                    w.now.posted_index[role * T + k] * productivity_premium(w, e) *
                                    w.employers.posted_multiplier[er]);
}

// What a worker of productivity 1 in `role` is worth per year to a firm of employer e's type with
// productivity `p_firm` (eq. 4 at p = 1).
inline double unit_value(const World& w, std::uint32_t e, int role, double p_firm) {
    const Scenario& s = *w.scenario;
    const int k = w.employers.type[e], T = static_cast<int>(s.employer_types.size());
    const double vm = s.employer_types[k].value_multiplier;
    if (std::isinf(vm) || !s.offers.value_cap) return std::numeric_limits<double>::infinity();
    return s.roles[role].base_wage * w.now.posted_index[role * T + k] * vm * p_firm;
}

// What candidate i is worth per year to a firm of employer e's type with productivity `p_firm`,
// judged from log-productivity `log_p` (eq. 4).
inline double value_at(const World& w, std::uint32_t e, double p_firm, std::uint32_t i, double log_p) {
    return unit_value(w, e, w.candidates.role[i], p_firm) * std::exp(log_p);
}

// What candidate i is worth per year to employer e (eq. 4): the firm's own productivity p_e.
inline double value(const World& w, std::uint32_t e, std::uint32_t i, double log_p) {
    return value_at(w, e, w.employers.productivity[e], i, log_p);
}

// Log of the posterior mean of candidate i's productivity given a screening signal (eq. 4b).
// log p ~ N(m, sp^2) given degree, tier and experience (eq. 0); signal = log p + sn z. Then
// log p | signal ~ N(m + kappa (signal - m), kappa sn^2), kappa = sp^2 / (sp^2 + sn^2), and
// E[p | signal] = exp(m + kappa (signal - m) + kappa sn^2 / 2).
inline double productivity_estimate(const World& w, std::uint32_t i, double signal) {
    const Scenario& s = *w.scenario;
    const double vn = s.search.signal_noise * s.search.signal_noise;
    if (!s.offers.signal_shrinkage || vn == 0) return signal;
    const auto& c = w.candidates;
    const auto& pop = s.population;
    const double prior =
        s.degrees[c.degree[i]].productivity + s.tiers[c.tier[i]].productivity +
        pop.experience_productivity * std::min<double>(c.experience[i], pop.experience_productivity_cap_years);
    const double vp = pop.productivity_sigma * pop.productivity_sigma, kappa = vp / (vp + vn);
    return prior + kappa * (signal - prior) + 0.5 * kappa * vn;
}

// Annualised cost of moving candidate i to city `to` (eq. 5).
inline double relocation_cost(const World& w, std::uint32_t i, std::uint8_t to) {
    const Scenario& s = *w.scenario;
    const std::uint8_t from = w.candidates.city[i];
    if (!s.relocation.enabled || from == to) return 0.0;
    const bool country = (from == kAbroad) != (to == kAbroad);
    const double one_off = (country ? s.relocation.country_cost : s.relocation.city_cost) * w.now.relocation_multiplier;
    return one_off / s.relocation.amortization_years;
}

inline double home_bonus(const World& w, std::uint32_t i, std::uint8_t city) {
    const Scenario& s = *w.scenario;
    return (s.relocation.enabled && city == w.candidates.home_city[i]) ? s.relocation.home_preference : 0.0;
}

// Utility of working in `city` for `salary` with non-wage attractiveness `amenity` (eq. 6).
inline double utility_at(const World& w, std::uint32_t i, std::uint8_t city, double amenity, double salary) {
    return salary + amenity + home_bonus(w, i, city) - relocation_cost(w, i, city);
}

// Utility of working at employer e for `salary` (eq. 6).
inline double utility_of_offer(const World& w, std::uint32_t i, std::uint32_t e, double salary) {
    return utility_at(w, i, w.employers.city[e], w.employers.amenity[e], salary);
}

// The postings candidate i may apply to by experience (eq. 9b): campus below
// vacancies.experienced_years, experienced from it on.
inline PostingChannel channel_of(const World& w, std::uint32_t i) {
    return w.candidates.experience[i] < w.scenario->vacancies.experienced_years ? PostingChannel::campus
                                                                                : PostingChannel::experienced;
}

// Utility of the candidate's current situation (eq. 7).
inline double utility_of_staying(const World& w, std::uint32_t i) {
    const auto& c = w.candidates;
    const auto st = static_cast<Status>(c.status[i]);
    if (st == Status::employed) return utility_of_offer(w, i, c.employer[i], c.wage[i]);
    if (st == Status::abroad) {
        const double amenity = c.employer[i] != kNone ? w.employers.amenity[c.employer[i]] : 0.0;
        return c.wage[i] + amenity;
    }
    return c.reservation[i] + home_bonus(w, i, c.city[i]);
}

// Does employer e's type compete with the type of employer `protected_employer`?
inline bool competes(const World& w, std::uint32_t protected_employer, std::uint32_t e) {
    const Scenario& s = *w.scenario;
    return s.type_competes[w.employers.type[protected_employer]][w.employers.type[e]] != 0;
}

}  // namespace talentsim::econ
