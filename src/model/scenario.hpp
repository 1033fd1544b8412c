// A scenario: every parameter of a run. Read from TOML, checked against the declarations in
// scenario.cpp (one declaration per key: type, default, bounds, unit, doc), then frozen.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/input_error.hpp"

namespace talentsim {

// Degree levels in order. "associate" (a degree below the bachelor's) is optional; the others are
// required. A candidate's or posting's degree code is its index in Scenario::degrees, so the codes
// are 0 bachelor, 1 master, 2 phd without an associate level and 0 associate, 1 bachelor, ... with it.
inline constexpr int kDegreeCount = 4;
inline constexpr const char* kDegreeNames[kDegreeCount] = {"associate", "bachelor", "master", "phd"};

struct ScenarioInfo {
    std::string name, description;
    std::string start;  // "YYYY-MM"
    std::int64_t steps = 0;
    std::int64_t seed = 0;
};

struct PopulationParams {
    std::int64_t candidates = 0, employers = 0;
    double student_share = 0, abroad_share = 0, unemployed_share = 0;
    double experience_mean_years = 0;
    double productivity_sigma = 0, experience_productivity = 0, experience_productivity_cap_years = 0;
    double home_city_share = 0;
    std::int64_t graduates_per_year = 0, graduation_month = 0, student_search_months = 0;
    std::int64_t abroad_inflow_per_month = 0;
    std::int64_t reference_candidates = 0;  // > 0: the counts are written for this many candidates (scaled)
    std::int64_t burn_in_steps = 0;         // simulated before step 0 and not recorded
    double participation_elasticity = 0;    // entry into and exit from the field answer its pay (eq. 16)
    double entry_capacity = 1;              // slots drawn per new student or switcher (eq. 16)
};

struct SearchParams {
    std::string mode;  // "endogenous" or "exogenous"
    std::int64_t applications = 0;
    double unemployed_intensity = 0, employed_intensity = 0, student_intensity = 0, abroad_intensity = 0;
    double other_city_weight = 0, signal_noise = 0, reservation_share = 0, min_raise = 0;
    double pay_elasticity = 0;  // directed search (eq. 10b); 0 = random search
};

struct OfferParams {
    std::int64_t rounds = 0;
    bool poaching = false;
    double poaching_premium = 0;
    bool value_cap = false, budget_cap = false;
    bool contacts = false, signal_shrinkage = false;
    double pay_range = 0;  // eq. 12b: top of a posting's advertised pay range / its posted salary; 0 = no range
};

struct VacancyParams {
    bool unlimited = false;
    double expiry = 0, replacement_share = 0;
    std::string mode;  // "growth" (eq. 8) or "target" (eq. 8a)
    double target_elasticity = 0;
    double requirement_adjustment = 0, target_applicants = 0, requirement_fill_weight = 0;  // eq. 9a
    double campus_share = 0;      // eq. 9b: share of vacancies posted for new graduates (0 = no experience rule)
    double experienced_years = 0; // eq. 9b: experience that separates campus from experienced postings
};

struct CounterofferParams {
    bool enabled = false, auction = false;
    bool entrants = false;    // the auction also for a candidate without a job who holds two or more offers (eq. 13b)
    double worker_share = 0;  // beta of Cahuc, Postel-Vinay & Robin (2006)
};
struct NoncompeteParams {
    bool enabled = false, buyouts = false;
    double buyout_horizon_years = 0;
};
struct RelocationParams {
    bool enabled = false;
    double city_cost = 0, country_cost = 0, home_preference = 0, amortization_years = 0;
};
struct TeamParams {
    bool enabled = false;
    double lead_share = 0;
    std::int64_t size = 0;
    double follow_prob = 0, raise = 0;
};
struct WageParams {
    bool posted_fixed = false;
    double posted_growth = 0, demand_elasticity = 0, firm_sigma = 0;
    double annual_raise = 0, promotion_prob = 0, promotion_raise = 0;
    std::int64_t raise_month = 0, months_per_year = 0;
    double overseas_factor = 0, entry_wage_share = 0;
    double productivity_passthrough = 0;
    double posted_adjustment = 0, target_fill_rate = 0;  // eq. 3a
    double posted_applicant_weight = 0;                  // eq. 3a: weight of applicants per vacancy
    bool fill_posted_only = false;                       // eqs. 3a, 9a count only hires at the posted salary
    bool posted_expected_productivity = false;           // eq. 3b: priced for who qualifies, not p = 1
    bool tier_expected_productivity = false;             // eq. 12c: offers priced for the school tier
    double ladder_friction = 0;                          // eq. 3c: kappa = lambda1 / delta (0 = off)
    bool ladder_from_flows = false;                      // eq. 3d: kappa of each role from its flows
};
struct SeparationParams {
    double quit_rate = 0, leave_field_rate = 0, unemployed_leave_rate = 0;
};
struct OutputParams {
    std::int64_t panel_every = 0, panel_sample = 0;
    bool postings = false, offers = false, moves = false;
};

struct CityParams {
    std::string name;
    double candidate_share = 0, employer_share = 0, visibility = 0;
};
struct RoleParams {
    std::string name;
    double share = 0, base_wage = 0, demand = 0, master_required_share = 0, phd_required_share = 0;
    double open_share = 0;  // postings open below a bachelor's degree (with degrees.associate)
};
struct TierParams {
    std::string name;
    double share = 0, productivity = 0, wage_premium = 0;
    // Degree shares among this tier's graduates (eq. 0a); -1 = not given (degrees.*.share).
    double associate_share = -1, bachelor_share = -1, master_share = -1, phd_share = -1;
};
struct DegreeParams {
    std::string name;
    double share = 0, productivity = 0, wage_premium = 0;
};
struct EmployerTypeParams {
    std::string name;
    double share = 0, size = 0, wage_premium = 0, value_multiplier = 0, amenity = 0;
    double productivity = 0, productivity_sigma = 0;  // firm productivity p_e: log mean and dispersion
    double vacancy_rate = 0, budget_slack = 0, layoff_rate = 0, visibility = 0;
    bool overseas = false;
    std::vector<std::string> roles, competes_with;
    double counter_prob = 0, counter_max_raise = 0;
    double noncompete_share = 0, noncompete_months = 0, noncompete_compensation = 0;
    double noncompete_damages_months = 0, noncompete_enforce_prob = 0;
};
struct EventParams {
    std::string date;  // "YYYY-MM"
    std::int64_t months = 0;
    std::string kind;  // demand, funding, entry, entry_candidates, exit, noncompete_enforcement, relocation_cost
    std::string role, employer_type;  // "*" = all
    double multiplier = 0;
    std::int64_t count = 0;
    double probability = 0;
};

// Codes of the strings the step would otherwise compare every step, set when the scenario is frozen.
enum class SearchMode : std::uint8_t { endogenous, exogenous };
enum class EventKind : std::uint8_t {
    demand,
    funding,
    entry,
    entry_candidates,
    exit,
    noncompete_enforcement,
    relocation_cost,
    unknown  // only in a scenario that failed validation
};

// The frozen scenario. Category vectors keep file order; indices are the codes in the output.
struct Scenario {
    ScenarioInfo info;  // the [scenario] table
    PopulationParams population;
    SearchParams search;
    OfferParams offers;
    VacancyParams vacancies;
    CounterofferParams counteroffers;
    NoncompeteParams noncompete;
    RelocationParams relocation;
    TeamParams teams;
    WageParams wages;
    SeparationParams separations;
    OutputParams output;
    std::vector<CityParams> cities;
    std::vector<RoleParams> roles;
    std::vector<TierParams> tiers;
    std::vector<DegreeParams> degrees;  // [associate,] bachelor, master, phd, in this order
    std::vector<EmployerTypeParams> employer_types;
    std::vector<EventParams> events;
    std::string source;  // file the scenario came from

    // Derived at freeze time.
    std::int32_t start_year = 0, start_month = 0;            // month 1..12
    std::vector<std::vector<std::uint8_t>> type_hires_role;  // [type][role]
    std::vector<std::vector<std::uint8_t>> type_competes;    // [type][other type]
    std::vector<std::int32_t> event_start_step;              // per event
    std::vector<std::string> warnings;                       // not errors: printed by validate and run ("key: message")
    std::vector<EventKind> event_kind;                       // per event: events[e].kind as a code
    SearchMode search_mode = SearchMode::endogenous;         // search.mode as a code
    int bachelor_code = 0;  // degree code of the bachelor's: 1 with an associate level, else 0
    // Degree shares by school tier, [tier][degree code] (eq. 0a); empty = degree independent of tier.
    std::vector<std::vector<double>> degree_by_tier;
    // Mean productivity of the initial population with at least each degree code (eq. 3b), by the
    // channel of the posting, [channel][degree code]: among all (0, open), or among those a campus (1)
    // or an experienced (2) posting admits (eq. 9b).
    std::array<std::vector<double>, 3> qualified_productivity;
    // The factor of eq. 12 on the posted salary for a candidate of school tier t at a posting that
    // requires degree code d, [d * tiers + t]: tiers[t].wage_premium, times the tier's productivity
    // relative to the mean over those who qualify with wages.tier_expected_productivity (eq. 12c).
    std::vector<double> tier_premium;
    double tier_factor(int degree, int tier) const { return tier_premium[degree * tiers.size() + tier]; }
    int role_index(const std::string& n) const;
    int type_index(const std::string& n) const;
    std::int32_t date_of_step(std::int32_t step) const;   // yyyymm
    std::int32_t month_of_step(std::int32_t step) const;  // 1..12
};

// Parses, applies `key.path=value` overrides, validates (collecting every error), freezes.
// Throws InputInvalid (alias ScenarioInvalid) with all errors.
Scenario load_scenario(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});
Scenario parse_scenario(const std::string& text, const std::string& source_name,
                        const std::vector<std::string>& overrides = {});
// The fully resolved scenario as TOML (every key, defaults filled in); parses back to the same.
std::string to_toml(const Scenario& s);
// Markdown reference of every key, generated from the declarations (docs/scenario-reference.md).
std::string scenario_reference_markdown();

}  // namespace talentsim
