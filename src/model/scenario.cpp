// Scenario declarations, parsing, validation and freezing.
// Every key is declared exactly once below (kScalars and the per-category tables); parsing,
// validation, --set overrides, the resolved TOML in result files and docs/scenario-reference.md
// are all generated from these declarations.
#include "model/scenario.hpp"
#include "io/records.hpp"
#include "io/toml_reader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <variant>

namespace talentsim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using Target = std::variant<double*, std::int64_t*, bool*, std::string*, std::vector<std::string>*>;
struct Required {};
using Value = std::variant<Required, double, std::int64_t, bool, std::string, std::vector<std::string>>;

template <class Owner>
struct Decl {
    std::string_view key;  // "section.field" for scalars, "field" inside a category entry
    Target (*bind)(Owner&);
    Value def;                     // Required{} = must be given
    double lo = -kInf, hi = kInf;  // inclusive bounds for numbers
    std::string_view unit, doc;
    std::string_view choices = {};  // "a|b|c" for enumerated strings
    std::string_view ref = {};      // "month" or the category a string (list) refers to
};

#define AT(expr) [](auto& o) -> Target { return &o.expr; }
using L = std::int64_t;
using Names = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// The declarations.
const Decl<Scenario> kScalars[] = {
    {"scenario.name", AT(info.name), Required{}, 0, 0, "",
     "Name of the scenario; default output is results/<name>.h5."},
    {"scenario.description", AT(info.description), std::string{}, 0, 0, "", "What question the scenario answers."},
    {"scenario.start", AT(info.start), Required{}, 0, 0, "YYYY-MM", "Calendar month of step 0.", {}, "month"},
    {"scenario.steps", AT(info.steps), Required{}, 1, 6000, "months", "Number of steps (one step is one month)."},
    {"scenario.seed", AT(info.seed), L{1}, 0, 9.0e18, "",
     "Seed of every random stream (command line --seed overrides)."},

    {"population.candidates", AT(population.candidates), Required{}, 1, 1.0e8, "people",
     "Initial number of candidates."},
    {"population.employers", AT(population.employers), Required{}, 1, 1.0e7, "firms", "Initial number of employers."},
    {"population.student_share", AT(population.student_share), 0.1, 0, 1, "share",
     "Share of initial candidates who are students in their last year."},
    {"population.abroad_share", AT(population.abroad_share), 0.05, 0, 1, "share",
     "Share of initial candidates working abroad (the overseas pool)."},
    {"population.unemployed_share", AT(population.unemployed_share), 0.05, 0, 1, "share",
     "Share of initial candidates who are unemployed."},
    {"population.experience_mean_years", AT(population.experience_mean_years), 5.0, 0, 40, "years",
     "Mean experience of initial non-students (exponential)."},
    {"population.productivity_sigma", AT(population.productivity_sigma), 0.3, 0, 3, "log points",
     "Standard deviation of the idiosyncratic log-productivity term."},
    {"population.experience_productivity", AT(population.experience_productivity), 0.04, 0, 1, "log points/year",
     "Log-productivity gained per year of experience."},
    {"population.experience_productivity_cap_years", AT(population.experience_productivity_cap_years), 15.0, 0, 60,
     "years", "Experience beyond which productivity stops growing."},
    {"population.home_city_share", AT(population.home_city_share), 0.6, 0, 1, "share",
     "Share of domestic candidates who live in their home city."},
    {"population.graduates_per_year", AT(population.graduates_per_year), L{0}, 0, 1.0e8, "people/year",
     "New students entering their final year each graduation month."},
    {"population.graduation_month", AT(population.graduation_month), L{7}, 1, 12, "month",
     "Calendar month in which students graduate."},
    {"population.student_search_months", AT(population.student_search_months), L{6}, 0, 12, "months",
     "Students search during their last this many months."},
    {"population.abroad_inflow_per_month", AT(population.abroad_inflow_per_month), L{0}, 0, 1.0e7, "people/month",
     "New candidates joining the overseas pool each month."},
    {"population.reference_candidates", AT(population.reference_candidates), L{0}, 0, 1.0e8, "people",
     "The population the counts are written for (0 = counts as written). When set, employers, graduates_per_year, "
     "abroad_inflow_per_month and every event count are scaled by candidates / reference_candidates (counts given "
     "with --set are kept), so --set population.candidates=N keeps the market's proportions."},
    {"population.burn_in_steps", AT(population.burn_in_steps), L{0}, 0, 600, "months",
     "Months simulated before step 0 and not recorded, so that jobs and wages at step 0 come from the market "
     "(section 3.1a of docs/model.md; no entrants arrive during them; events keep their dates). 0 = the run starts "
     "from the drawn population."},

    {"population.participation_elasticity", AT(population.participation_elasticity), 0.0, 0, 20, "elasticity",
     "Entry into and exit from the field answer its pay (eq. 16): with R the field's posted pay for a role relative "
     "to the posted-salary index (the mean eq. 3a multiplier), a new student or switcher joins with probability "
     "min(1, R^z / entry_capacity) and a job seeker leaves at unemployed_leave_rate x R^-z (0 = fixed entry and "
     "exit)."},
    {"population.entry_capacity", AT(population.entry_capacity), 1.0, 1, 10, "share",
     "Slots drawn per new student and switcher, so that entry can rise above the cohorts written when the field "
     "pays above its index (eq. 16): each slot joins with probability min(1, R^z / entry_capacity)."},

    {"search.mode", AT(search.mode), std::string{"endogenous"}, 0, 0, "",
     "endogenous: searchers sample postings; exogenous: each searcher draws one offer with the given intensity "
     "(textbook offer arrival).",
     "endogenous|exogenous"},
    {"search.applications", AT(search.applications), L{3}, 1, 100, "postings",
     "Postings a searcher samples per step (exogenous mode: 1)."},
    {"search.unemployed_intensity", AT(search.unemployed_intensity), 1.0, 0, 1, "prob/month",
     "Probability an unemployed candidate searches in a step (lambda0 in exogenous mode)."},
    {"search.employed_intensity", AT(search.employed_intensity), 0.1, 0, 1, "prob/month",
     "Mean probability an employed candidate searches on the job (lambda1 in exogenous mode)."},
    {"search.student_intensity", AT(search.student_intensity), 0.5, 0, 1, "prob/month",
     "Probability a final-year student searches in a step."},
    {"search.abroad_intensity", AT(search.abroad_intensity), 0.05, 0, 1, "prob/month",
     "Probability a candidate abroad looks at Chinese postings in a step."},
    {"search.other_city_weight", AT(search.other_city_weight), 0.3, 0, 1, "weight",
     "Sampling weight of a posting in another city relative to one in the searcher's city."},
    {"search.pay_elasticity", AT(search.pay_elasticity), 0.0, 0, 20, "elasticity",
     "Directed search (eq. 10b): a posting's sampling weight is multiplied by its posted salary relative to the "
     "mean of the month's postings of the same role and required degree, to this power (0 = random search)."},
    {"search.signal_noise", AT(search.signal_noise), 0.2, 0, 5, "log points",
     "Noise of the screening signal of log-productivity."},
    {"search.reservation_share", AT(search.reservation_share), 0.8, 0, 2, "share",
     "Reservation wage of the unemployed as a share of their last (or expected entry) wage."},
    {"search.min_raise", AT(search.min_raise), 0.0, 0, 10, "share",
     "Employed candidates apply only to postings paying this much more than their wage."},

    {"offers.rounds", AT(offers.rounds), L{2}, 1, 20, "rounds",
     "Offer rounds per step: declined offers go to the next applicant."},
    {"offers.poaching", AT(offers.poaching), true, 0, 0, "",
     "Employed applicants get a poaching bid above their current wage instead of the posted salary."},
    {"offers.poaching_premium", AT(offers.poaching_premium), 0.0, 0, 10, "share",
     "Textbook limit: opening poaching bid = max(posted, wage x (1 + premium)), capped by value and budget "
     "(0 = the bid needed to beat staying)."},
    {"offers.value_cap", AT(offers.value_cap), true, 0, 0, "",
     "Never offer more than the candidate is worth to the employer."},
    {"offers.budget_cap", AT(offers.budget_cap), true, 0, 0, "",
     "Never offer more than the employer's payroll budget allows."},
    {"offers.contacts", AT(offers.contacts), true, 0, 0, "",
     "Employed searchers contact every eligible posting they sample; the employer bids when its value for them beats "
     "their current wage (false: they apply only to postings paid above it)."},
    {"offers.pay_range", AT(offers.pay_range), 0.0, 0, 100, "ratio",
     "Postings advertise pay from the posted salary to this multiple of it (eq. 12b): no bid exceeds the top of the "
     "range, and a candidate with a job contacts a posting only if the top pays the raise it asks for (0 = no range: "
     "bids are limited by value and budget alone)."},
    {"offers.signal_shrinkage", AT(offers.signal_shrinkage), true, 0, 0, "",
     "Employers value a candidate at the posterior mean of productivity given the noisy signal (false: at the "
     "signal itself)."},

    {"vacancies.unlimited", AT(vacancies.unlimited), false, 0, 0, "",
     "Every employer posts one posting per role it hires with unlimited slots (textbook limit)."},
    {"vacancies.expiry", AT(vacancies.expiry), 0.2, 0, 1, "prob/month",
     "Probability an unfilled vacancy is withdrawn in a step."},
    {"vacancies.mode", AT(vacancies.mode), std::string{"growth"}, 0, 0, "",
     "growth: new vacancies grow with headcount and demand (eq. 8); target: each employer posts the gap between a "
     "target headcount that follows demand and its headcount (eq. 8a).",
     "growth|target"},
    {"vacancies.target_elasticity", AT(vacancies.target_elasticity), 1.0, 0, 5, "",
     "Target mode: the target headcount scales with the demand multiplier to this power."},
    {"vacancies.requirement_adjustment", AT(vacancies.requirement_adjustment), 0.0, 0, 5, "log-odds/month",
     "Speed at which an employer raises a role's degree requirements when applicants per vacancy exceed the target "
     "and lowers them when they fall short (eq. 9a; 0 = fixed required-degree shares)."},
    {"vacancies.target_applicants", AT(vacancies.target_applicants), 3.0, 0, 1000, "applicants/vacancy",
     "Applicants per posted vacancy at which an employer keeps its degree requirements (eq. 9a)."},
    {"vacancies.requirement_fill_weight", AT(vacancies.requirement_fill_weight), 0.0, 0, 100, "",
     "Weight of the fill-rate gap in eq. 9a: vacancies filled below wages.target_fill_rate lower the degree "
     "requirements, above it raise them (0 = only applicants per vacancy count)."},
    {"vacancies.campus_share", AT(vacancies.campus_share), 0.0, 0, 1, "share",
     "Share of each employer's vacancies posted as campus postings, open only to candidates with less than "
     "vacancies.experienced_years of experience; the rest are experienced postings, open only to the others, and each "
     "is priced for those it admits with wages.posted_expected_productivity (eq. 9b; 0 = no experience rule)."},
    {"vacancies.experienced_years", AT(vacancies.experienced_years), 3.0, 0.1, 40, "years",
     "Experience at which a candidate moves from campus to experienced postings (eq. 9b)."},
    {"vacancies.replacement_share", AT(vacancies.replacement_share), 0.8, 0, 1, "share",
     "Share of departures an employer replaces with a new vacancy."},

    {"counteroffers.enabled", AT(counteroffers.enabled), true, 0, 0, "", "Incumbents may counter outside offers."},
    {"counteroffers.auction", AT(counteroffers.auction), true, 0, 0, "",
     "Outside bidders and the incumbent bid from their values; the winner pays the loser's value (sequential auction; "
     "false: the incumbent matches the best outside offer)."},
    {"counteroffers.entrants", AT(counteroffers.entrants), false, 0, 0, "",
     "With the auction, employers also bid for a candidate without a job (student, job seeker, abroad without an "
     "employer) who holds two or more offers in a round: the winner pays the runner-up's limit, or the candidate's "
     "utility of staying if higher, plus beta of the rest (eq. 13b); one offer is paid as posted. No effect unless "
     "counteroffers.enabled and counteroffers.auction are true."},
    {"counteroffers.worker_share", AT(counteroffers.worker_share), 0.0, 0, 1, "share",
     "Worker bargaining share beta of the auction's surplus: wage = loser's value + beta x (winner's - loser's)."},
    {"noncompete.enabled", AT(noncompete.enabled), true, 0, 0, "", "Non-compete agreements exist."},
    {"noncompete.buyouts", AT(noncompete.buyouts), true, 0, 0, "",
     "A new employer may pay the liquidated damages to hire a bound candidate at once."},
    {"noncompete.buyout_horizon_years", AT(noncompete.buyout_horizon_years), 2.0, 0, 20, "years",
     "Years of surplus a new employer weighs against the damages."},
    {"relocation.enabled", AT(relocation.enabled), true, 0, 0, "", "Moving city or country costs something."},
    {"relocation.city_cost", AT(relocation.city_cost), 60000.0, 0, kInf, "CNY",
     "One-off cost of moving to another Chinese city (inf = never)."},
    {"relocation.country_cost", AT(relocation.country_cost), 300000.0, 0, kInf, "CNY",
     "One-off cost of moving between China and abroad (tenure, house, family)."},
    {"relocation.home_preference", AT(relocation.home_preference), 30000.0, 0, 1e7, "CNY/year",
     "Annual utility of working in one's home city."},
    {"relocation.amortization_years", AT(relocation.amortization_years), 3.0, 0.1, 50, "years",
     "Years over which a one-off moving cost is spread in the annual utility."},
    {"teams.enabled", AT(teams.enabled), true, 0, 0, "", "Team leads may take their team with them."},
    {"teams.lead_share", AT(teams.lead_share), 0.1, 0, 1, "share", "Share of initial employees who lead a team."},
    {"teams.size", AT(teams.size), L{5}, 1, 1000, "people", "Members per team including the lead."},
    {"teams.follow_prob", AT(teams.follow_prob), 0.3, 0, 1, "prob",
     "Probability a member follows a lead who moved, given the new employer has room."},
    {"teams.raise", AT(teams.raise), 0.2, 0, 10, "share", "Raise a follower gets over their wage."},

    {"wages.posted_fixed", AT(wages.posted_fixed), false, 0, 0, "",
     "Posted salaries never change (no growth, no demand response)."},
    {"wages.posted_growth", AT(wages.posted_growth), 0.03, -0.5, 1, "share/year", "Trend growth of posted salaries."},
    {"wages.demand_elasticity", AT(wages.demand_elasticity), 0.3, 0, 5, "",
     "Posted salary of a role scales with its demand multiplier to this power."},
    {"wages.firm_sigma", AT(wages.firm_sigma), 0.15, 0, 3, "log points",
     "Dispersion of the firm-specific wage factor (lognormal)."},
    {"wages.annual_raise", AT(wages.annual_raise), 0.05, -0.5, 1, "share",
     "Raise every employed candidate gets in the raise month."},
    {"wages.promotion_prob", AT(wages.promotion_prob), 0.15, 0, 1, "prob/year",
     "Probability of a promotion in the raise month."},
    {"wages.promotion_raise", AT(wages.promotion_raise), 0.2, 0, 5, "share", "Extra raise on promotion."},
    {"wages.raise_month", AT(wages.raise_month), L{3}, 1, 12, "month", "Calendar month of annual raises."},
    {"wages.months_per_year", AT(wages.months_per_year), L{15}, 12, 24, "months",
     "Monthly salaries per annual package (\"50k x 15\"), for comparing monthly figures."},
    {"wages.overseas_factor", AT(wages.overseas_factor), 1.4, 0.1, 10, "share",
     "Wage abroad relative to the domestic posted salary for the same candidate."},
    {"wages.entry_wage_share", AT(wages.entry_wage_share), 0.9, 0.1, 2, "share",
     "Initial wage of the employed as a share of the posted salary for them."},
    {"wages.posted_adjustment", AT(wages.posted_adjustment), 0.0, 0, 5, "log points/month",
     "Speed at which an employer moves a role's posted salary when its fill rate differs from the target (eq. 3a; "
     "0 = posted salaries follow the exogenous index alone)."},
    {"wages.target_fill_rate", AT(wages.target_fill_rate), 0.5, 0.01, 1, "share",
     "Share of a month's posted vacancies filled at which an employer keeps the posted salary (eq. 3a)."},
    {"wages.fill_posted_only", AT(wages.fill_posted_only), false, 0, 0, "",
     "Only hires paid the posted salary (candidates without a job: job seekers, graduates, the pool abroad) count "
     "as filled vacancies in eqs. 3a and 9a; job-to-job hires, paid individual bids (eqs. 12a, 13), do not "
     "(false: every hire counts)."},
    {"wages.posted_applicant_weight", AT(wages.posted_applicant_weight), 0.0, 0, 10, "weight",
     "Weight of applicants per vacancy in eq. 3a: a month with fewer applications per vacancy than "
     "vacancies.target_applicants raises the posted salary, more lowers it, by speed x weight x "
     "ln((1 + A / v) / (1 + target)) (0 = the fill rate alone)."},
    {"wages.productivity_passthrough", AT(wages.productivity_passthrough), 1.0, 0, 2, "elasticity",
     "Posted salaries scale with the employer's productivity p_e to this power."},
    {"wages.posted_expected_productivity", AT(wages.posted_expected_productivity), false, 0, 0, "",
     "Posted salaries are priced for the expected productivity of the people who meet the posting's degree "
     "requirement, the mean of eq. 0 over the initial population (eq. 3b; false: for productivity 1)."},
    {"wages.tier_expected_productivity", AT(wages.tier_expected_productivity), false, 0, 0, "",
     "The salary a posting offers a candidate (eq. 12) is priced for the candidate's school tier: times "
     "exp(tiers.*.productivity) over its mean among the initial population with at least the posting's degree "
     "(eq. 12c), and tiers.*.wage_premium on top (false: the premium alone)."},
    {"wages.ladder_friction", AT(wages.ladder_friction), 0.0, 0, 1000, "lambda1/delta",
     "Posted salaries of the Burdett-Mortensen equilibrium with heterogeneous employers (eq. 3c): each employer "
     "posts the wage that maximises its steady-state profit against the month's offers of its role, at this ratio "
     "of the offer rate on the job to the rate of separation into non-employment (0 = off: eq. 3)."},
    {"wages.ladder_from_flows", AT(wages.ladder_from_flows), false, 0, 0, "",
     "Each role's friction of eq. 3c is read every month from its last month's job-to-job moves per separation "
     "into non-employment, as in the ladder's steady state (eq. 3d); wages.ladder_friction is used until the "
     "field has had a job-to-job move (false: wages.ladder_friction for every role)."},
    {"separations.quit_rate", AT(separations.quit_rate), 0.01, 0, 1, "prob/month",
     "Probability an employed candidate quits into unemployment."},
    {"separations.leave_field_rate", AT(separations.leave_field_rate), 0.002, 0, 1, "prob/month",
     "Probability an employed candidate leaves the field for good."},
    {"separations.unemployed_leave_rate", AT(separations.unemployed_leave_rate), 0.01, 0, 1, "prob/month",
     "Probability an unemployed candidate leaves the field."},
    {"output.panel_every", AT(output.panel_every), L{12}, 0, 6000, "steps",
     "Panel snapshot every this many steps, and at the last step (0 = no panel)."},
    {"output.panel_sample", AT(output.panel_sample), L{0}, 0, 1.0e9, "candidates",
     "Panel covers a deterministic sample of this many candidates (0 = all)."},
    {"output.postings", AT(output.postings), true, 0, 0, "", "Write /postings."},
    {"output.offers", AT(output.offers), true, 0, 0, "", "Write /offers."},
    {"output.moves", AT(output.moves), true, 0, 0, "", "Write /moves."},
};

const Decl<CityParams> kCityDecls[] = {
    {"candidate_share", AT(candidate_share), Required{}, 0, 1, "share",
     "Share of domestic candidates whose home city this is."},
    {"employer_share", AT(employer_share), Required{}, 0, 1, "share", "Share of domestic employers located here."},
    {"visibility", AT(visibility), 1.0, 0, 100, "weight", "Sampling weight of this city's postings."},
};
const Decl<RoleParams> kRoleDecls[] = {
    {"share", AT(share), Required{}, 0, 1, "share", "Share of candidates in this role family."},
    {"base_wage", AT(base_wage), Required{}, 1, 1e9, "CNY/year",
     "Posted salary for a bachelor of productivity 1 at a type with premium 1."},
    {"demand", AT(demand), 1.0, 0, 100, "multiplier", "Base demand multiplier on vacancy creation."},
    {"master_required_share", AT(master_required_share), 0.2, 0, 1, "share",
     "Share of postings requiring at least a master's."},
    {"phd_required_share", AT(phd_required_share), 0.05, 0, 1, "share", "Share of postings requiring a PhD."},
    {"open_share", AT(open_share), 0.0, 0, 1, "share",
     "Share of postings open to candidates without a bachelor's degree (eq. 9; needs degrees.associate; the rest "
     "require at least a bachelor's)."},
};
const Decl<TierParams> kTierDecls[] = {
    {"share", AT(share), Required{}, 0, 1, "share", "Share of candidates from this school tier."},
    {"productivity", AT(productivity), 0.0, -5, 5, "log points", "Log-productivity premium of the tier."},
    {"wage_premium", AT(wage_premium), 1.0, 0.1, 20, "multiplier",
     "Offers to graduates of this tier are the posted salary times this (capped by value)."},
    {"associate_share", AT(associate_share), -1.0, -1, 1, "share",
     "Share of this tier's candidates whose highest degree is below a bachelor's (eq. 0a; -1 = not given). A tier "
     "that gives any of the four degree shares draws degrees from them (missing ones are 0; they must sum to 1); a "
     "tier that gives none uses degrees.*.share."},
    {"bachelor_share", AT(bachelor_share), -1.0, -1, 1, "share",
     "Share of this tier's candidates whose highest degree is a bachelor's (eq. 0a; -1 = not given)."},
    {"master_share", AT(master_share), -1.0, -1, 1, "share",
     "Share of this tier's candidates whose highest degree is a master's (eq. 0a; -1 = not given)."},
    {"phd_share", AT(phd_share), -1.0, -1, 1, "share",
     "Share of this tier's candidates with a PhD (eq. 0a; -1 = not given)."},
};
const Decl<DegreeParams> kDegreeDecls[] = {
    {"share", AT(share), Required{}, 0, 1, "share", "Share of candidates with this highest degree."},
    {"productivity", AT(productivity), 0.0, -5, 5, "log points", "Log-productivity premium of the degree."},
    {"wage_premium", AT(wage_premium), 1.0, 0.1, 20, "multiplier",
     "Posted-salary multiplier for postings requiring this degree."},
};
const Decl<EmployerTypeParams> kTypeDecls[] = {
    {"share", AT(share), Required{}, 0, 1, "share", "Share of employers of this type."},
    {"size", AT(size), Required{}, 0.01, 1e6, "people",
     "Relative initial headcount weight of a firm of this type (target headcount)."},
    {"wage_premium", AT(wage_premium), 1.0, 0.05, 20, "multiplier", "Posted-salary multiplier of the type."},
    {"value_multiplier", AT(value_multiplier), 1.5, 0.05, kInf, "multiplier",
     "What a candidate is worth = base_wage x productivity x this (inf = no cap)."},
    {"amenity", AT(amenity), 0.0, -1e7, 1e7, "CNY/year", "Non-wage attractiveness: compute, data, technical route."},
    {"productivity", AT(productivity), 0.0, -5, 5, "log points",
     "Log of the mean firm productivity p_e of this type (what a candidate is worth scales with p_e)."},
    {"productivity_sigma", AT(productivity_sigma), 0.0, 0, 3, "log points",
     "Dispersion of log firm productivity within the type (lognormal, mean exp(productivity))."},
    {"vacancy_rate", AT(vacancy_rate), 0.02, 0, 10, "per employee-month",
     "New vacancies per employee per month at demand 1 (growth)."},
    {"budget_slack", AT(budget_slack), 1.1, 0, kInf, "multiplier",
     "Payroll budget = slack x initial target payroll; funding shocks scale it."},
    {"layoff_rate", AT(layoff_rate), 0.003, 0, 1, "prob/month", "Probability an employee is laid off in a step."},
    {"visibility", AT(visibility), 1.0, 0, 100, "weight", "Sampling weight of this type's postings."},
    {"overseas", AT(overseas), false, 0, 0, "", "Employers of this type are abroad (overseas labs)."},
    {"roles", AT(roles), Names{}, 0, 0, "", "Role families hired (empty = all).", {}, "roles"},
    {"competes_with",
     AT(competes_with),
     Names{},
     0,
     0,
     "",
     "Employer types a non-compete with this type's employers protects against.",
     {},
     "employer_types"},
    {"counter_prob", AT(counter_prob), 0.3, 0, 1, "prob", "Probability of countering an outside offer."},
    {"counter_max_raise", AT(counter_max_raise), kInf, 0, kInf, "share",
     "Textbook limit: largest raise a counteroffer gives over the current wage (inf = up to value)."},
    {"noncompete_share", AT(noncompete_share), 0.0, 0, 1, "share", "Share of hires who sign a non-compete."},
    {"noncompete_months", AT(noncompete_months), 12.0, 0, 24, "months", "Length of the restriction (law: at most 24)."},
    {"noncompete_compensation", AT(noncompete_compensation), 0.3, 0.3, 1, "share of wage",
     "Monthly compensation while enforced (law: at least 30 %)."},
    {"noncompete_damages_months", AT(noncompete_damages_months), 12.0, 0, 240, "months of wage", "Liquidated damages."},
    {"noncompete_enforce_prob", AT(noncompete_enforce_prob), 0.5, 0, 1, "prob",
     "Probability the employer enforces when a bound worker leaves for a competitor."},
};
const Decl<EventParams> kEventDecls[] = {
    {"date", AT(date), Required{}, 0, 0, "YYYY-MM", "First month of the event.", {}, "month"},
    {"months", AT(months), L{1}, 1, 6000, "months", "Duration (for multipliers and rates)."},
    {"kind", AT(kind), Required{}, 0, 0, "",
     "demand: vacancy creation x multiplier (vacancies.mode = target: a headcount index, target headcount x "
     "multiplier^target_elasticity); funding: budgets x multiplier (once); entry: count new firms; "
     "entry_candidates: count people switch into the field as job seekers (once); exit: each firm exits with "
     "probability (once); noncompete_enforcement: enforcement prob x multiplier; relocation_cost: moving costs x "
     "multiplier.",
     "demand|funding|entry|entry_candidates|exit|noncompete_enforcement|relocation_cost"},
    {"role", AT(role), std::string{"*"}, 0, 0, "", "Role family it applies to (* = all).", {}, "roles"},
    {"employer_type",
     AT(employer_type),
     std::string{"*"},
     0,
     0,
     "",
     "Employer type it applies to (* = all).",
     {},
     "employer_types"},
    {"multiplier", AT(multiplier), 1.0, 0, 1000, "multiplier",
     "For demand, funding, noncompete_enforcement, relocation_cost."},
    {"count", AT(count), L{0}, 0, 1.0e7, "firms or people", "For entry (firms) and entry_candidates (people)."},
    {"probability", AT(probability), 0.0, 0, 1, "prob", "For exit."},
};
#undef AT

// ---------------------------------------------------------------------------------------------
std::string type_name_of(const toml::node& n) { return toml_type_name(n); }

std::string fmt_number(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

// A derived number (a sum of shares) for people: 6 significant digits, so that 0.35 + 0.7 reads
// 1.05, not 1.0499999999999998. Values the user wrote are shown exactly (fmt_number).
std::string fmt_derived(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

bool valid_month(const std::string& s, int* year = nullptr, int* month = nullptr) {
    const auto yyyymm = parse_month(s);
    if (!yyyymm) return false;
    if (year) *year = *yyyymm / 100;
    if (month) *month = *yyyymm % 100;
    return true;
}

// ---- Suggestions: "did you mean base_wage?" for a key one or two edits away from a declared one.
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string did_you_mean(const std::string& name, const std::vector<std::string>& known) {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, name.size() / 4) + 1;
    for (const auto& k : known)
        if (const std::size_t d = edit_distance(name, k); d < best_d) {
            best_d = d;
            best = k;
        }
    return best.empty() ? "" : "; did you mean " + best + "?";
}
// ---- end of suggestions

// The value of node `n` for declaration `d` into `*p`, checked against the declared bounds,
// month format and choices.
template <class Owner>
void read_value(const toml::node& n, const Decl<Owner>& d, const std::string& full, Target t, InputErrors& c) {
    const auto where = n.source();
    std::visit(
        [&](auto* p) {
            using T = std::remove_pointer_t<decltype(p)>;
            auto out_of_range = [&](double v) {
                constexpr bool integer = std::is_same_v<T, std::int64_t>;
                auto f = [](double x) { return integer ? std::to_string(static_cast<long long>(x)) : fmt_number(x); };
                if (v < d.lo || v > d.hi)
                    c.add(where, full, "value " + f(v) + " is out of range [" + f(d.lo) + ", " + f(d.hi) + "]");
            };
            if constexpr (std::is_same_v<T, double>) {
                std::optional<double> v;
                if (n.is_floating_point())
                    v = n.as_floating_point()->get();
                else if (n.is_integer())
                    v = static_cast<double>(n.as_integer()->get());
                if (!v) return c.add(where, full, "expected a number, found " + type_name_of(n));
                if (std::isnan(*v)) return c.add(where, full, "expected a number, found nan");
                *p = *v;
                out_of_range(*v);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                if (!n.is_integer()) return c.add(where, full, "expected an integer, found " + type_name_of(n));
                *p = n.as_integer()->get();
                out_of_range(static_cast<double>(*p));
            } else if constexpr (std::is_same_v<T, bool>) {
                if (!n.is_boolean()) return c.add(where, full, "expected true or false, found " + type_name_of(n));
                *p = n.as_boolean()->get();
            } else if constexpr (std::is_same_v<T, std::string>) {
                if (!n.is_string()) return c.add(where, full, "expected a string, found " + type_name_of(n));
                *p = n.as_string()->get();
                if (d.ref == "month" && !valid_month(*p))
                    c.add(where, full, "expected a month \"YYYY-MM\", found \"" + *p + "\"");
                if (!d.choices.empty()) {
                    std::string choices(d.choices);
                    bool ok = false;
                    std::stringstream ss(choices);
                    for (std::string ch; std::getline(ss, ch, '|');) ok |= ch == *p;
                    if (!ok) c.add(where, full, "expected one of " + choices + ", found \"" + *p + "\"");
                }
            } else {
                const toml::array* a = n.as_array();
                if (!a) return c.add(where, full, "expected an array of strings, found " + type_name_of(n));
                p->clear();
                for (const auto& el : *a) {
                    if (!el.is_string()) {
                        c.add(el.source(), full, "expected strings in the array, found " + type_name_of(el));
                        continue;
                    }
                    p->push_back(el.as_string()->get());
                }
            }
        },
        t);
}

// Unknown keys, with the nearest declared one as a suggestion.
template <class Owner>
void unknown_fields(const toml::table& tbl, const std::string& prefix, std::span<const Decl<Owner>> decls,
                    InputErrors& c, bool scalar_section) {
    for (const auto& [k, v] : tbl) {
        const std::string_view name = k.str();  // clang 14 cannot capture structured bindings
        std::vector<std::string> fields;
        for (const auto& d : decls) fields.emplace_back(scalar_section ? d.key.substr(d.key.find('.') + 1) : d.key);
        if (std::find(fields.begin(), fields.end(), name) == fields.end())
            c.add(k.source().begin.line ? k.source() : v.source(), prefix + std::string(k.str()),
                  "unknown key" + did_you_mean(std::string(name), fields));
    }
}

template <class Owner>
void read_fields(const toml::table& tbl, const std::string& prefix, std::span<const Decl<Owner>> decls, Owner& owner,
                 InputErrors& c, bool scalar_section) {
    for (const auto& d : decls) {
        std::string_view field = d.key;
        if (scalar_section) field = d.key.substr(d.key.find('.') + 1);
        const std::string full = prefix + std::string(field);
        const toml::node* n = tbl.get(field);
        Target t = d.bind(owner);
        if (n) {
            read_value(*n, d, full, t, c);
        } else if (std::holds_alternative<Required>(d.def)) {
            c.add(tbl.source(), full, "required key is missing");
        } else {
            std::visit(
                [&](auto* p) {
                    using T = std::remove_pointer_t<decltype(p)>;
                    *p = std::get<T>(d.def);
                },
                t);
        }
    }
    unknown_fields(tbl, prefix, decls, c, scalar_section);
}

// Entries of a category table ([cities.beijing], ...) in file order (overrides last).
std::vector<std::pair<std::string, const toml::table*>> entries_in_file_order(const toml::table& t) {
    std::vector<std::pair<std::string, const toml::table*>> out;
    std::vector<std::pair<std::string, const toml::node*>> all;
    for (const auto& [k, v] : t) all.emplace_back(std::string(k.str()), &v);
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        auto key = [](const toml::node* n) {
            auto s = n->source().begin;
            return std::pair{s.line == 0 ? std::numeric_limits<std::uint32_t>::max() : s.line, s.column};
        };
        return key(a.second) < key(b.second);
    });
    for (auto& [k, v] : all) out.emplace_back(k, v->as_table());
    return out;
}

template <class P>
void read_category(const toml::table& root, const char* name, std::span<const Decl<P>> decls, std::vector<P>& out,
                   InputErrors& c) {
    const toml::node* n = root.get(name);
    if (!n) {
        c.add(root.source(), name, "required table is missing (define at least one entry)");
        return;
    }
    const toml::table* t = n->as_table();
    if (!t) {
        c.add(n->source(), name, "expected a table of named entries, found " + type_name_of(*n));
        return;
    }
    for (const auto& [entry, tbl] : entries_in_file_order(*t)) {
        const std::string prefix = std::string(name) + "." + entry + ".";
        if (!tbl) {
            c.add(t->get(entry)->source(), prefix.substr(0, prefix.size() - 1), "expected a table");
            continue;
        }
        P p;
        p.name = entry;
        read_fields<P>(*tbl, prefix, decls, p, c, false);
        out.push_back(std::move(p));
    }
    if (out.empty()) c.add(t->source(), name, "needs at least one entry");
    if (out.size() > 250) c.add(t->source(), name, "at most 250 entries");
}

template <class P>
void check_sum(const std::vector<P>& v, double P::*field, const std::string& key, const toml::table& root,
               InputErrors& c) {
    if (v.empty()) return;
    double sum = 0;
    for (const auto& p : v) sum += p.*field;
    if (std::abs(sum - 1.0) > 1e-6) {
        const toml::node* n = root.get(key.substr(0, key.find('.')));
        c.add(n ? n->source() : root.source(), key, "shares sum to " + fmt_derived(sum) + ", expected 1");
    }
}

// Concrete key paths a path with `*` components names in `node` (each category entry or array
// element in turn), as sweeps expand them: employer_types.*.noncompete_enforce_prob.
void expand_wildcards(const toml::node& node, const std::vector<std::string>& parts, std::size_t i,
                      const std::string& prefix, std::vector<std::string>& out) {
    if (i + 1 >= parts.size()) {  // the last component is the key to set: it need not exist yet
        out.push_back(prefix + (prefix.empty() ? "" : ".") + (i < parts.size() ? parts[i] : ""));
        return;
    }
    const std::string sep = prefix.empty() ? "" : ".";
    if (const auto* t = node.as_table()) {
        if (parts[i] == "*") {
            for (const auto& [k, v] : *t) expand_wildcards(v, parts, i + 1, prefix + sep + std::string(k.str()), out);
        } else if (const toml::node* n = t->get(parts[i])) {
            expand_wildcards(*n, parts, i + 1, prefix + sep + parts[i], out);
        }
    } else if (const auto* a = node.as_array()) {
        for (std::size_t k = 0; k < a->size(); ++k)
            if (parts[i] == "*" || parts[i] == std::to_string(k))
                expand_wildcards(*a->get(k), parts, i + 1, prefix + sep + std::to_string(k), out);
    }
}

void apply_override(toml::table& root, const std::string& spec, InputErrors& c) {
    if (const auto eq0 = spec.find('='); eq0 != std::string::npos && eq0 > 0) {
        const std::string path = spec.substr(0, eq0);
        std::vector<std::string> parts;
        std::stringstream ss(path);
        for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
        if (std::find(parts.begin(), parts.end(), "*") != parts.end()) {  // as in sweeps: every entry
            c.overridden.push_back(path);
            if (parts.back() == "*")  // would expand to itself
                return c.add(toml::source_region{}, path, "a * names entries; end the path with the key to set");
            std::vector<std::string> concrete;
            expand_wildcards(root, parts, 0, "", concrete);
            if (concrete.empty()) c.add(toml::source_region{}, path, "matches no entry of the scenario");
            for (const auto& k : concrete) apply_override(root, k + spec.substr(eq0), c);
            return;
        }
    }
    const auto eq = spec.find('=');
    toml::source_region none{};
    if (eq == std::string::npos || eq == 0) {
        c.overridden.push_back(spec);  // (the error is the override's, as "--set: SPEC: ...")
        c.add(none, spec, "expected key.path=value (one argument: --set key.path=value)");
        return;
    }
    c.overridden.push_back(spec.substr(0, eq));
    const std::string path = spec.substr(0, eq), text = spec.substr(eq + 1);
    // The value is TOML (3, 0.5, true, "text", ["a","b"]); a bare word is taken as a string.
    toml::table one;
    try {
        one = toml::parse("v = " + text);
    } catch (const toml::parse_error&) {
        one = toml::table{};
        one.insert("v", text);
    }
    const toml::node& value = *one.get("v");
    std::vector<std::string> parts;
    std::stringstream ss(path);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    toml::node* cur = &root;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        if (auto* t = cur->as_table()) {
            if (!t->contains(parts[i])) t->insert(parts[i], toml::table{});
            cur = t->get(parts[i]);
        } else if (auto* a = cur->as_array()) {
            std::size_t idx = 0;
            auto r = std::from_chars(parts[i].data(), parts[i].data() + parts[i].size(), idx);
            if (r.ec != std::errc{} || idx >= a->size()) {
                c.add(none, path, "no element " + parts[i] + " in the array");
                return;
            }
            cur = a->get(idx);
        } else {
            c.add(none, path, "'" + parts[i - 1] + "' is not a table");
            return;
        }
    }
    if (auto* t = cur->as_table()) {
        value.visit([&](auto&& v) { t->insert_or_assign(parts.back(), v); });
    } else {
        c.add(none, path, "cannot set a key inside a value that is not a table");
    }
}

// ---- Names (docs/reliability.md, "Names"): scenario.name becomes results/<name>.h5, so it must be a
// plain file name; category names are addressed by --set as key paths, and matched case-blind by
// people, so they must be plain words that differ in more than case.
bool addressable(const std::string& name) {
    if (name.empty()) return false;
    for (const unsigned char ch : name)
        if (ch < 0x21 || ch == 0x7f || ch == '.' || ch == '=' || ch == '*' || ch == '/' || ch == '\\' || ch == '"')
            return false;
    return true;
}

// Where `category.name` was written: looked up in its table, not by path, since a name that
// failed validation may contain characters a path cannot spell.
toml::source_region entry_source(const toml::table& root, const char* category, const std::string& name) {
    const toml::table* t = root[category].as_table();
    const toml::node* n = t ? t->get(name) : nullptr;
    if (n) return n->source();
    return t ? t->source() : root.source();
}

template <class P>
void check_category_names(const std::vector<P>& v, const char* category, const toml::table& root, InputErrors& c) {
    std::map<std::string, std::string> seen;  // lower case -> name as written
    for (const auto& p : v) {
        const auto n = root.at_path(category).node();
        const toml::source_region where = n ? n->source() : root.source();
        const std::string key = std::string(category) + "." + p.name;
        if (!addressable(p.name))
            c.add(where, key,
                  "a name cannot be empty or contain spaces, control characters or any of . = * / \\ \" "
                  "(--set could not address it)");
        std::string lower = p.name;
        for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (const auto [it, fresh] = seen.emplace(lower, p.name); !fresh)
            c.add(where, key, "differs from \"" + it->second + "\" only in case; use one spelling");
    }
}

void check_names(const Scenario& s, const toml::table& root, InputErrors& c) {
    const std::string& name = s.info.name;
    if (name.empty() || name == "." || name == ".." || name.find_first_of("/\\\n\r") != std::string::npos ||
        std::any_of(name.begin(), name.end(), [](unsigned char ch) { return ch < 0x20; }))
        c.add(root.at_path("scenario.name").node() ? root.at_path("scenario.name").node()->source() : root.source(),
              "scenario.name",
              "must be a plain file name (not empty, not . or .., no / or \\ or control characters): the default "
              "result file is results/<name>.h5");
    check_category_names(s.cities, "cities", root, c);
    check_category_names(s.roles, "roles", root, c);
    check_category_names(s.tiers, "tiers", root, c);
    check_category_names(s.degrees, "degrees", root, c);
    check_category_names(s.employer_types, "employer_types", root, c);
}
// ---- end of names

// ---- Scale (population.reference_candidates): counts follow the number of candidates, so that a
// smaller or larger copy of a market keeps its proportions. The scaled values are what the frozen
// scenario holds, with reference_candidates = candidates, so its TOML reads back to itself.
// Upper bound of a declared count ("population.employers" in kScalars, "count" in kEventDecls).
double count_bound(std::string_view key) {
    for (const auto& d : kScalars)
        if (d.key == key) return d.hi;
    for (const auto& d : kEventDecls)
        if (d.key == key) return d.hi;
    return kInf;
}

void scale_counts(Scenario& s, const std::vector<std::string>& overridden, const toml::table& root, InputErrors& c) {
    auto& p = s.population;
    if (p.reference_candidates <= 0 || p.reference_candidates == p.candidates) return;
    const double f = static_cast<double>(p.candidates) / static_cast<double>(p.reference_candidates);
    auto given = [&](const std::string& key) {
        return std::find(overridden.begin(), overridden.end(), key) != overridden.end();
    };
    auto scale = [&](std::int64_t& n, const std::string& key, std::string_view decl, std::int64_t at_least) {
        if (given(key)) return;
        const double scaled = std::round(static_cast<double>(n) * f);
        if (scaled > count_bound(decl)) {  // the scaled count must stay within the key's bounds
            const auto node = root.at_path(key).node();
            c.add(node ? node->source() : root.source(), key,
                  "scaled by candidates / reference_candidates = " + fmt_derived(f) + " it is " + fmt_derived(scaled) +
                      ", above the bound " + fmt_derived(count_bound(decl)));
            return;
        }
        n = std::max(at_least, static_cast<std::int64_t>(scaled));
    };
    scale(p.employers, "population.employers", "population.employers", 1);
    scale(p.graduates_per_year, "population.graduates_per_year", "population.graduates_per_year", 0);
    scale(p.abroad_inflow_per_month, "population.abroad_inflow_per_month", "population.abroad_inflow_per_month", 0);
    for (std::size_t e = 0; e < s.events.size(); ++e)
        scale(s.events[e].count, "events." + std::to_string(e) + ".count", "count", 0);
    p.reference_candidates = p.candidates;
}

// Events that change the market by a large part at once are allowed, but said out loud: the
// usual cause is a population scaled without its counts (population.reference_candidates).
void warn_large_events(Scenario& s) {
    for (std::size_t e = 0; e < s.events.size(); ++e) {
        const auto& ev = s.events[e];
        const std::int64_t first = s.event_start_step[e], last = first + std::max<std::int64_t>(ev.months, 1) - 1;
        if (last < -s.population.burn_in_steps || first >= s.info.steps)
            s.warnings.push_back("events." + std::to_string(e) + ".date: " + ev.date + " (step " +
                                 std::to_string(first) + ") is outside the run (steps 0 to " +
                                 std::to_string(s.info.steps - 1) + " from " + s.info.start +
                                 "); the event has no effect");
        const double base = ev.kind == "entry_candidates" ? static_cast<double>(s.population.candidates)
                            : ev.kind == "entry"          ? static_cast<double>(s.population.employers)
                                                          : 0.0;
        if (base <= 0 || static_cast<double>(ev.count) <= base) continue;  // more than the initial population at once
        s.warnings.push_back("events." + std::to_string(e) + ".count: " + std::to_string(ev.count) +
                             (ev.kind == "entry" ? " firms enter at once, " : " people enter at once, ") +
                             fmt_number(100.0 * static_cast<double>(ev.count) / base) + " % of the initial " +
                             (ev.kind == "entry" ? "employers" : "candidates") +
                             (s.population.reference_candidates > 0
                                  ? ""
                                  : "; if the population was scaled, set population.reference_candidates so that "
                                    "counts scale with it"));
    }
}
// ---- end of scale

EventKind event_kind_of(const std::string& kind) {
    static const std::pair<const char*, EventKind> kKinds[] = {
        {"demand", EventKind::demand},
        {"funding", EventKind::funding},
        {"entry", EventKind::entry},
        {"entry_candidates", EventKind::entry_candidates},
        {"exit", EventKind::exit},
        {"noncompete_enforcement", EventKind::noncompete_enforcement},
        {"relocation_cost", EventKind::relocation_cost},
    };
    for (const auto& [name, code] : kKinds)
        if (kind == name) return code;
    return EventKind::unknown;
}

// Shares of each category summing to 1, and the initial shares of the population at most 1.
void check_shares(const Scenario& s, const toml::table& root, InputErrors& c) {
    check_sum(s.cities, &CityParams::candidate_share, "cities.*.candidate_share", root, c);
    check_sum(s.cities, &CityParams::employer_share, "cities.*.employer_share", root, c);
    check_sum(s.roles, &RoleParams::share, "roles.*.share", root, c);
    check_sum(s.tiers, &TierParams::share, "tiers.*.share", root, c);
    check_sum(s.degrees, &DegreeParams::share, "degrees.*.share", root, c);
    check_sum(s.employer_types, &EmployerTypeParams::share, "employer_types.*.share", root, c);
    const double initial = s.population.student_share + s.population.abroad_share + s.population.unemployed_share;
    if (initial > 1.0 + 1e-9)
        c.add(root.get("population") ? root.get("population")->source() : root.source(), "population",
              "student_share + abroad_share + unemployed_share = " + fmt_derived(initial) + " exceeds 1");
}

// Degrees: bachelor, master, phd required, associate (below the bachelor's) optional, stored in
// level order; degree shares by tier (eq. 0a) and the roles' requirement shares checked.
void freeze_degrees(Scenario& s, const toml::table& root, InputErrors& c) {
    std::vector<DegreeParams> ordered;
    for (const char* name : kDegreeNames) {
        auto it = std::find_if(s.degrees.begin(), s.degrees.end(), [&](auto& d) { return d.name == name; });
        if (it != s.degrees.end())
            ordered.push_back(*it);
        else if (root.get("degrees") && std::string_view(name) != "associate")
            c.add(root.get("degrees")->source(), std::string("degrees.") + name, "required entry is missing");
    }
    for (const auto& d : s.degrees)
        if (std::find(std::begin(kDegreeNames), std::end(kDegreeNames), d.name) == std::end(kDegreeNames))
            c.add(entry_source(root, "degrees", d.name), "degrees." + d.name,
                  "unknown degree (expected associate, bachelor, master, phd)");
    s.degrees = ordered;
    const bool associate = !s.degrees.empty() && s.degrees.front().name == "associate";
    s.bachelor_code = associate ? 1 : 0;
    for (const auto& r : s.roles) {
        if (r.master_required_share + r.phd_required_share + r.open_share > 1 + 1e-9)
            c.add(entry_source(root, "roles", r.name), "roles." + r.name,
                  "master_required_share + phd_required_share + open_share exceeds 1");
        if (r.open_share > 0 && !associate)
            c.add(entry_source(root, "roles", r.name), "roles." + r.name + ".open_share",
                  "postings open below a bachelor's need the degree level degrees.associate");
    }
    // Degree shares by tier: a tier that gives any gives them all (missing = 0), summing to 1.
    s.degree_by_tier.clear();
    bool any = false;
    for (const auto& t : s.tiers)
        any = any || t.associate_share >= 0 || t.bachelor_share >= 0 || t.master_share >= 0 || t.phd_share >= 0;
    if (!any) return;
    for (const auto& t : s.tiers) {
        const double given[] = {t.associate_share, t.bachelor_share, t.master_share, t.phd_share};
        const bool own = std::any_of(std::begin(given), std::end(given), [](double x) { return x >= 0; });
        std::vector<double> row;
        double sum = 0;
        for (const auto& d : s.degrees) {
            const int level = static_cast<int>(std::find(std::begin(kDegreeNames), std::end(kDegreeNames), d.name) -
                                               std::begin(kDegreeNames));
            row.push_back(own ? std::max(0.0, given[level]) : d.share);
            sum += row.back();
        }
        if (own && t.associate_share > 0 && !associate)
            c.add(entry_source(root, "tiers", t.name), "tiers." + t.name + ".associate_share",
                  "needs the degree level degrees.associate");
        if (own && std::abs(sum - 1.0) > 1e-6)
            c.add(entry_source(root, "tiers", t.name), "tiers." + t.name,
                  "degree shares (associate_share, bachelor_share, master_share, phd_share) sum to " +
                      fmt_derived(sum) + ", expected 1");
        s.degree_by_tier.push_back(std::move(row));
    }
}

// E[exp(beta min(x, cap)) ; lo <= x < hi] for experience x ~ exponential with `rate` (eq. 3b).
double experience_integral(double beta, double cap, double rate, double lo, double hi) {
    const double a = rate - beta;
    const auto below = [&](double x0, double x1) {  // x0 <= x1 <= cap
        return std::abs(a) < 1e-12 ? rate * (x1 - x0) : rate / a * (std::exp(-a * x0) - std::exp(-a * x1));
    };
    const auto above = [&](double x0, double x1) {  // cap <= x0 <= x1
        return std::exp(beta * cap) * (std::exp(-rate * x0) - (std::isinf(x1) ? 0.0 : std::exp(-rate * x1)));
    };
    double sum = 0;
    if (lo < cap) sum += below(lo, std::min(hi, cap));
    if (hi > cap) sum += above(std::max(lo, cap), hi);
    return sum;
}

// Mean productivity E[p | degree >= d] of the initial population (eq. 3b), from eq. 0 and 0a: the
// degree and tier terms averaged over the candidates with at least degree d, times the mean of
// exp(beta min(x, cap)) over students (x = 0) and the rest (x ~ exponential), times exp(sigma^2 / 2).
// By channel (eq. 9b) the experience term is averaged over those a posting admits instead: campus
// postings students and x < experienced_years, experienced postings x >= experienced_years.
void set_qualified_productivity(Scenario& s) {
    const auto& p = s.population;
    const double beta = p.experience_productivity, cap = p.experience_productivity_cap_years;
    const double rate = 1.0 / std::max(1e-9, p.experience_mean_years), st = p.student_share;
    const double xr = s.vacancies.experienced_years, inf = std::numeric_limits<double>::infinity();
    const double a = rate - beta;  // open: the whole population, as eq. 3b has always computed it
    const double below = std::abs(a) < 1e-12 ? rate * cap : rate / a * (1 - std::exp(-a * cap));
    const double experience[3] = {
        st + (1 - st) * (below + std::exp((beta - rate) * cap)),
        (st + (1 - st) * experience_integral(beta, cap, rate, 0, xr)) / (st + (1 - st) * (1 - std::exp(-rate * xr))),
        experience_integral(beta, cap, rate, xr, inf) / std::exp(-rate * xr)};
    const double noise = std::exp(0.5 * p.productivity_sigma * p.productivity_sigma);
    const std::size_t D = s.degrees.size();
    for (auto& row : s.qualified_productivity) row.assign(D, 1.0);
    for (std::size_t d = 0; d < D; ++d) {
        double num = 0, den = 0;
        for (std::size_t t = 0; t < s.tiers.size(); ++t)
            for (std::size_t k = d; k < D; ++k) {
                const double share =
                    s.tiers[t].share * (s.degree_by_tier.empty() ? s.degrees[k].share : s.degree_by_tier[t][k]);
                num += share * std::exp(s.degrees[k].productivity + s.tiers[t].productivity);
                den += share;
            }
        if (den > 0)
            for (int c = 0; c < 3; ++c) s.qualified_productivity[c][d] = num / den * experience[c] * noise;
    }
}

// The factors of eq. 12 by required degree and school tier (eq. 12c): the tier's premium, times, with
// wages.tier_expected_productivity, exp(pi_tier) over its mean among the initial population with at
// least the degree (tiers weighted by share times their share of such degrees, eq. 0a).
void set_tier_premium(Scenario& s) {
    const std::size_t D = s.degrees.size(), T = s.tiers.size();
    s.tier_premium.assign(D * T, 1.0);
    for (std::size_t d = 0; d < D; ++d) {
        double num = 0, den = 0;
        for (std::size_t t = 0; t < T; ++t)
            for (std::size_t k = d; k < D; ++k) {
                const double share =
                    s.tiers[t].share * (s.degree_by_tier.empty() ? s.degrees[k].share : s.degree_by_tier[t][k]);
                num += share * std::exp(s.tiers[t].productivity);
                den += share;
            }
        const bool priced = s.wages.tier_expected_productivity && num > 0 && den > 0;
        for (std::size_t t = 0; t < T; ++t) {
            s.tier_premium[d * T + t] =
                s.tiers[t].wage_premium * (priced ? std::exp(s.tiers[t].productivity) / (num / den) : 1.0);
        }
    }
}

// The source of the node at `path`, or an empty region.
toml::source_region source_at(const toml::table& root, const std::string& path) {
    auto n = root.at_path(path).node();
    return n ? n->source() : toml::source_region{};
}

// References between categories: the roles an employer type hires, the types it competes with.
void link_employer_types(Scenario& s, const toml::table& root, InputErrors& c) {
    const std::size_t T = s.employer_types.size(), R = s.roles.size();
    s.type_hires_role.assign(T, std::vector<std::uint8_t>(R, 0));
    s.type_competes.assign(T, std::vector<std::uint8_t>(T, 0));
    for (std::size_t k = 0; k < T; ++k) {
        const auto& t = s.employer_types[k];
        const std::string base = "employer_types." + t.name;
        if (t.roles.empty()) std::fill(s.type_hires_role[k].begin(), s.type_hires_role[k].end(), 1);
        for (const auto& r : t.roles) {
            const int i = s.role_index(r);
            if (i < 0)
                c.add(source_at(root, base + ".roles"), base + ".roles", "\"" + r + "\" is not a defined role");
            else
                s.type_hires_role[k][i] = 1;
        }
        for (const auto& o : t.competes_with) {
            const int i = s.type_index(o);
            if (i < 0)
                c.add(source_at(root, base + ".competes_with"), base + ".competes_with",
                      "\"" + o + "\" is not a defined employer type");
            else
                s.type_competes[k][i] = 1;
        }
    }
}

// Timeline events: their role and employer type defined, their step and kind as codes.
void freeze_events(Scenario& s, const toml::table& root, InputErrors& c) {
    s.event_start_step.clear();
    s.event_kind.clear();
    for (std::size_t e = 0; e < s.events.size(); ++e) {
        const auto& ev = s.events[e];
        const std::string base = "events." + std::to_string(e);
        if (ev.role != "*" && s.role_index(ev.role) < 0)
            c.add(source_at(root, base + ".role"), base + ".role", "\"" + ev.role + "\" is not a defined role");
        if (ev.employer_type != "*" && s.type_index(ev.employer_type) < 0)
            c.add(source_at(root, base + ".employer_type"), base + ".employer_type",
                  "\"" + ev.employer_type + "\" is not a defined employer type");
        int ey = 0, em = 0;
        valid_month(ev.date, &ey, &em);
        s.event_start_step.push_back((ey - s.start_year) * 12 + (em - s.start_month));
        s.event_kind.push_back(event_kind_of(ev.kind));
    }
}

// Eq. 3c prices a posting from the employer's value of a worker: values must be finite.
void check_ladder(const Scenario& s, const toml::table& root, InputErrors& c) {
    if (s.wages.ladder_from_flows && s.wages.ladder_friction <= 0) {
        const toml::node* n = root.at_path("wages.ladder_from_flows").node();
        c.add(n ? n->source() : root.source(), "wages.ladder_from_flows",
              "= true needs wages.ladder_friction > 0 (eq. 3c on; its value is used until the first job-to-job move)");
    }
    if (s.wages.ladder_friction <= 0) return;
    bool finite = s.offers.value_cap;
    for (const auto& t : s.employer_types) finite = finite && std::isfinite(t.value_multiplier);
    if (finite) return;
    const toml::node* n = root.at_path("wages.ladder_friction").node();
    c.add(n ? n->source() : root.source(), "wages.ladder_friction",
          "= " + fmt_derived(s.wages.ladder_friction) +
              ": eq. 3c prices postings from the employers' values, which need offers.value_cap = true and a "
              "finite value_multiplier for every employer type");
}

void freeze(Scenario& s, const toml::table& root, InputErrors& c) {
    check_names(s, root, c);
    int y = 0, m = 0;
    if (valid_month(s.info.start, &y, &m)) {
        s.start_year = y;
        s.start_month = m;
    }
    check_shares(s, root, c);
    if (s.offers.pay_range > 0 && s.offers.pay_range < 1) {
        const toml::node* n = root.at_path("offers.pay_range").node();
        c.add(n ? n->source() : root.source(), "offers.pay_range",
              "= " + fmt_derived(s.offers.pay_range) +
                  ": the top of a pay range is at least its posted salary (0 = no range, else >= 1)");
    }
    check_ladder(s, root, c);
    freeze_degrees(s, root, c);
    set_qualified_productivity(s);
    set_tier_premium(s);
    link_employer_types(s, root, c);
    s.search_mode = s.search.mode == "exogenous" ? SearchMode::exogenous : SearchMode::endogenous;
    freeze_events(s, root, c);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
int Scenario::role_index(const std::string& n) const {
    for (std::size_t i = 0; i < roles.size(); ++i)
        if (roles[i].name == n) return static_cast<int>(i);
    return -1;
}
int Scenario::type_index(const std::string& n) const {
    for (std::size_t i = 0; i < employer_types.size(); ++i)
        if (employer_types[i].name == n) return static_cast<int>(i);
    return -1;
}
std::int32_t Scenario::date_of_step(std::int32_t step) const {
    return month_after(start_year * 100 + start_month, step);
}
std::int32_t Scenario::month_of_step(std::int32_t step) const {
    return ((start_month - 1 + step) % 12 + 12) % 12 + 1;  // steps of a burn-in are negative
}

Scenario parse_scenario(const std::string& text, const std::string& source_name,
                        const std::vector<std::string>& overrides) {
    InputErrors c{source_name};
    toml::table root = parse_toml(text, source_name);
    for (const auto& o : overrides) apply_override(root, o, c);

    Scenario s;
    s.source = source_name;
    static const std::set<std::string> kSections = [] {
        std::set<std::string> out;
        for (const auto& d : kScalars) out.insert(std::string(d.key.substr(0, d.key.find('.'))));
        return out;
    }();
    for (const auto& section : kSections) {
        std::vector<Decl<Scenario>> decls;
        for (const auto& d : kScalars)
            if (d.key.substr(0, d.key.find('.')) == section) decls.push_back(d);
        const toml::node* n = root.get(section);
        toml::table empty;
        const toml::table* t = n ? n->as_table() : &empty;
        if (!t) {
            c.add(n->source(), section, "expected a table, found " + type_name_of(*n));
            continue;
        }
        read_fields<Scenario>(*t, section + ".", decls, s, c, true);
    }
    read_category<CityParams>(root, "cities", kCityDecls, s.cities, c);
    read_category<RoleParams>(root, "roles", kRoleDecls, s.roles, c);
    read_category<TierParams>(root, "tiers", kTierDecls, s.tiers, c);
    read_category<DegreeParams>(root, "degrees", kDegreeDecls, s.degrees, c);
    read_category<EmployerTypeParams>(root, "employer_types", kTypeDecls, s.employer_types, c);
    if (const toml::node* n = root.get("events")) {
        const toml::array* a = n->as_array();
        if (!a)
            c.add(n->source(), "events", "expected an array of tables ([[events]]), found " + type_name_of(*n));
        else
            for (std::size_t i = 0; i < a->size(); ++i) {
                const toml::table* t = a->get(i)->as_table();
                const std::string prefix = "events." + std::to_string(i) + ".";
                if (!t) {
                    c.add(a->get(i)->source(), prefix, "expected a table");
                    continue;
                }
                EventParams ev;
                read_fields<EventParams>(*t, prefix, kEventDecls, ev, c, false);
                s.events.push_back(ev);
            }
    }
    static const std::set<std::string> kCategories = {"cities",  "roles",          "tiers",
                                                      "degrees", "employer_types", "events"};
    std::vector<std::string> top_level(kSections.begin(), kSections.end());
    top_level.insert(top_level.end(), kCategories.begin(), kCategories.end());
    for (const auto& [k, v] : root)
        if (!kSections.count(std::string(k.str())) && !kCategories.count(std::string(k.str())))
            c.add(k.source().begin.line ? k.source() : v.source(), std::string(k.str()),
                  "unknown key" + did_you_mean(std::string(k.str()), top_level));
    // Share sums, references and names are checked even when other keys have errors, so that
    // validate reports every error in one pass; counts are scaled only in a valid scenario.
    if (c.errors.empty()) scale_counts(s, c.overridden, root, c);
    freeze(s, root, c);
    if (c.errors.empty()) warn_large_events(s);
    if (!c.errors.empty()) throw ScenarioInvalid(std::move(c.errors));
    return s;
}

Scenario load_scenario(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
    // Devices, FIFOs and directories never end or never parse; a scenario is a few kB (docs/reliability.md).
    std::error_code ec;
    if (std::filesystem::exists(file, ec) && !std::filesystem::is_regular_file(file, ec))
        throw ScenarioInvalid({ScenarioError{file.string(), 0, 0, "(file)", "not a regular file"}});
    if (const auto size = std::filesystem::file_size(file, ec); !ec && size > (64u << 20))
        throw ScenarioInvalid(
            {ScenarioError{file.string(), 0, 0, "(file)", "larger than 64 MiB: not a scenario file"}});
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ScenarioInvalid({ScenarioError{file.string(), 0, 0, "(file)", "cannot open the scenario file"}});
    std::stringstream buf;
    buf << in.rdbuf();
    return parse_scenario(buf.str(), file.string(), overrides);
}

// ---------------------------------------------------------------------------------------------
namespace {
std::string toml_value(Target t) {
    return std::visit(
        [](auto* p) -> std::string {
            using T = std::remove_pointer_t<decltype(p)>;
            if constexpr (std::is_same_v<T, double>)
                return fmt_number(*p);
            else if constexpr (std::is_same_v<T, std::int64_t>)
                return std::to_string(*p);
            else if constexpr (std::is_same_v<T, bool>)
                return *p ? "true" : "false";
            else if constexpr (std::is_same_v<T, std::string>)
                return toml_string(*p);
            else {
                std::string s = "[";
                for (std::size_t i = 0; i < p->size(); ++i) s += (i ? ", " : "") + toml_string((*p)[i]);
                return s + "]";
            }
        },
        t);
}
template <class P>
void emit_category(std::ostream& out, const char* name, const std::vector<P>& v, std::span<const Decl<P>> decls) {
    for (const auto& p0 : v) {
        P p = p0;
        out << "\n[" << name << "." << p.name << "]\n";
        for (const auto& d : decls) out << d.key << " = " << toml_value(d.bind(p)) << "\n";
    }
}
std::string fmt_default(const Value& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, Required>)
                return "required";
            else {
                T copy = x;
                return "`" + toml_value(Target(&copy)) + "`";
            }
        },
        v);
}
std::string fmt_integer(double v) {
    if (v >= 1e6) {  // 1e+08 reads better as 10^8
        const int exp = static_cast<int>(std::floor(std::log10(v)));
        const double mant = v / std::pow(10.0, exp);
        return (std::abs(mant - 1.0) < 1e-9 ? std::string() : fmt_number(mant) + "x") + "10^" + std::to_string(exp);
    }
    return std::to_string(static_cast<long long>(v));
}
template <class Owner>
void reference_rows(std::ostream& out, std::span<const Decl<Owner>> decls, const std::string& prefix) {
    out << "| key | type | default | range | unit | meaning |\n|---|---|---|---|---|---|\n";
    for (const auto& d : decls) {
        Owner o{};
        const char* type = std::visit(
            [](auto* p) -> const char* {
                using T = std::remove_pointer_t<decltype(p)>;
                if constexpr (std::is_same_v<T, double>)
                    return "float";
                else if constexpr (std::is_same_v<T, std::int64_t>)
                    return "integer";
                else if constexpr (std::is_same_v<T, bool>)
                    return "bool";
                else if constexpr (std::is_same_v<T, std::string>)
                    return "string";
                else
                    return "string list";
            },
            d.bind(o));
        std::string range;
        if (!d.choices.empty())
            range = std::string(d.choices);
        else if (d.ref == "month")
            range = "YYYY-MM";
        else if (!d.ref.empty())
            range = "names in `" + std::string(d.ref) + "`";
        else if (std::string(type) == "integer")
            range = "[" + fmt_integer(d.lo) + ", " + fmt_integer(d.hi) + "]";
        else if (std::string(type) == "float")
            range = "[" + fmt_number(d.lo) + ", " + fmt_number(d.hi) + "]";
        std::string doc(d.doc);
        for (auto& ch : doc)
            if (ch == '|') ch = '/';
        for (std::size_t p = 0; (p = range.find('|', p)) != std::string::npos;) range.replace(p, 1, ", ");
        out << "| `" << prefix << d.key << "` | " << type << " | " << fmt_default(d.def) << " | " << range << " | "
            << d.unit << " | " << doc << " |\n";
    }
}
}  // namespace

std::string to_toml(const Scenario& s0) {
    Scenario s = s0;
    std::ostringstream out;
    std::string section;
    for (const auto& d : kScalars) {
        const std::string sec(d.key.substr(0, d.key.find('.')));
        if (sec != section) {
            out << (section.empty() ? "" : "\n") << "[" << sec << "]\n";
            section = sec;
        }
        out << d.key.substr(d.key.find('.') + 1) << " = " << toml_value(d.bind(s)) << "\n";
    }
    emit_category<CityParams>(out, "cities", s.cities, kCityDecls);
    emit_category<RoleParams>(out, "roles", s.roles, kRoleDecls);
    emit_category<TierParams>(out, "tiers", s.tiers, kTierDecls);
    emit_category<DegreeParams>(out, "degrees", s.degrees, kDegreeDecls);
    emit_category<EmployerTypeParams>(out, "employer_types", s.employer_types, kTypeDecls);
    for (auto& ev : s.events) {
        out << "\n[[events]]\n";
        for (const auto& d : kEventDecls) out << d.key << " = " << toml_value(d.bind(ev)) << "\n";
    }
    return out.str();
}

std::string scenario_reference_markdown() {
    std::ostringstream out;
    out << "# Scenario reference\n\n"
           "Generated by `talentsim reference` from the declarations in `src/model/scenario.cpp`; a test fails when\n"
           "this file is stale. Money is annual CNY unless the unit says otherwise; one step is one month.\n"
           "Any key can be overridden on the command line with `--set key.path=value` (for category entries\n"
           "`--set roles.llm_algorithm.base_wage=500000`, for events `--set events.0.multiplier=2`).\n"
           "Unknown keys are errors. `inf` is accepted where the range allows it.\n\n";
    std::string section;
    std::vector<Decl<Scenario>> group;
    auto flush = [&] {
        if (group.empty()) return;
        out << "## [" << section << "]\n\n";
        reference_rows<Scenario>(out, group, "");
        out << "\n";
        group.clear();
    };
    for (const auto& d : kScalars) {
        const std::string sec(d.key.substr(0, d.key.find('.')));
        if (sec != section) {
            flush();
            section = sec;
        }
        group.push_back(d);
    }
    flush();
    out << "## [cities.NAME]\n\nCities are defined by the scenario; each entry is a table.\n\n";
    reference_rows<CityParams>(out, kCityDecls, "");
    out << "\n## [roles.NAME]\n\nRole families (e.g. llm_algorithm, cv_algorithm, ml_engineering, ai_application, "
           "go_to_market).\n\n";
    reference_rows<RoleParams>(out, kRoleDecls, "");
    out << "\n## [tiers.NAME]\n\nSchool tiers (e.g. c4, top, other, overseas).\n\n";
    reference_rows<TierParams>(out, kTierDecls, "");
    out << "\n## [degrees.associate], [degrees.bachelor], [degrees.master], [degrees.phd]\n\nbachelor, master and phd "
           "are required; associate (a degree below the bachelor's) is optional.\n\n";
    reference_rows<DegreeParams>(out, kDegreeDecls, "");
    out << "\n## [employer_types.NAME]\n\nEmployer types (e.g. big_tech, ai_unicorn, startup, research_institute, "
           "overseas_lab).\n\n";
    reference_rows<EmployerTypeParams>(out, kTypeDecls, "");
    out << "\n## [[events]]\n\nThe timeline: an array of tables, applied in the calendar phase.\n\n";
    reference_rows<EventParams>(out, kEventDecls, "");
    return out.str();
}

}  // namespace talentsim
