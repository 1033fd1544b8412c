// Building the initial population and the slots of later entrants (docs/model.md, section D.1).
#include <boost/random/normal_distribution.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <numeric>
#include <stdexcept>

#include "engine/population.hpp"
#include "engine/economics.hpp"
#include "engine/parallel.hpp"
#include "engine/rng.hpp"

namespace talentsim {

template <class T>
static void grow(std::vector<T>& v, std::size_t n, T fill) {
    v.assign(n, fill);
}

void Candidates::resize(std::size_t n) {
#define TALENTSIM_GROW(type, name, empty) grow<type>(name, n, empty);
    TALENTSIM_CANDIDATE_COLUMNS(TALENTSIM_GROW)
#undef TALENTSIM_GROW
}

void Employers::resize(std::size_t n, std::size_t roles) {
#define TALENTSIM_GROW(type, name, empty, per_role) grow<type>(name, per_role ? n * roles : n, empty);
    TALENTSIM_EMPLOYER_COLUMNS(TALENTSIM_GROW)
#undef TALENTSIM_GROW
}

namespace {

template <class Shares>
int pick(Stream& rng, const Shares& items, double (*share)(const typename Shares::value_type&)) {
    double u = rng.uniform(), acc = 0;
    for (std::size_t k = 0; k < items.size(); ++k) {
        acc += share(items[k]);
        if (u < acc) return static_cast<int>(k);
    }
    return static_cast<int>(items.size()) - 1;
}

// The degree of a candidate of `tier` with uniform u: degrees.*.share, or the tier's own shares.
int pick_degree(const Scenario& s, int tier, double u) {
    double acc = 0;
    const std::size_t D = s.degrees.size();
    for (std::size_t d = 0; d < D; ++d) {
        acc += s.degree_by_tier.empty() ? s.degrees[d].share : s.degree_by_tier[tier][d];
        if (u < acc) return static_cast<int>(d);
    }
    return static_cast<int>(D) - 1;
}

std::int32_t first_graduation_step(const Scenario& s) {
    const int m = static_cast<int>(s.population.graduation_month);
    int d = (m - s.start_month + 12) % 12;
    return d == 0 ? 12 : d;
}

// A weighted sampler over employers: cumulative weights and binary search.
struct Sampler {
    std::vector<double> cum;
    std::vector<std::uint32_t> id;
    void add(std::uint32_t e, double wgt) {
        if (wgt <= 0) return;
        cum.push_back((cum.empty() ? 0.0 : cum.back()) + wgt);
        id.push_back(e);
    }
    bool empty() const { return cum.empty(); }
    std::uint32_t draw(Stream& rng) const {
        const double u = rng.uniform() * cum.back();
        return id[std::upper_bound(cum.begin(), cum.end(), u) - cum.begin()];
    }
};

}  // namespace

// Slots drawn for `count` domestic entrants (new students, switchers): entry_capacity times as
// many, of whom each joins with probability min(1, R^z / entry_capacity) (eq. 16).
static std::int64_t entrant_slots(const Scenario& s, std::int64_t count) {
    return std::llround(static_cast<double>(count) * s.population.entry_capacity);
}

Capacity capacity_of(const Scenario& s, std::int32_t steps) {
    Capacity c;
    c.candidates = static_cast<std::size_t>(s.population.candidates);
    const std::int32_t g0 = first_graduation_step(s);
    for (std::int32_t t = g0; t < steps; t += 12)
        c.candidates += static_cast<std::size_t>(entrant_slots(s, s.population.graduates_per_year));
    c.candidates += static_cast<std::size_t>(s.population.abroad_inflow_per_month) *
                    static_cast<std::size_t>(std::max(0, steps - 1));
    for (std::size_t e = 0; e < s.events.size(); ++e)
        if (s.event_kind[e] == EventKind::entry_candidates && s.event_start_step[e] >= 0 &&
            s.event_start_step[e] < steps)
            c.candidates += static_cast<std::size_t>(entrant_slots(s, s.events[e].count));
    c.employers = static_cast<std::size_t>(s.population.employers);
    for (std::size_t e = 0; e < s.events.size(); ++e)
        if (s.event_kind[e] == EventKind::entry && s.event_start_step[e] >= 0 && s.event_start_step[e] < steps)
            c.employers += static_cast<std::size_t>(s.events[e].count);
    return c;
}

double initial_log_productivity(const Scenario& s, int degree, int tier, double experience, double z) {
    return s.degrees[degree].productivity + s.tiers[tier].productivity +
           s.population.experience_productivity * std::min(experience, s.population.experience_productivity_cap_years) +
           s.population.productivity_sigma * z;
}

// Draws the fixed attributes of candidate slot i and puts it in `status`.
static void draw_candidate(World& w, std::uint32_t i, Status status, std::int32_t entry_step, int role = -1) {
    const Scenario& s = *w.scenario;
    auto& c = w.candidates;
    Stream rng(w.seed, entry_step, StreamFamily::init_candidates, i);
    boost::random::normal_distribution<double> normal;
    c.entry_step[i] = entry_step;
    // Degree and tier (eq. 0a): the degree's uniform is drawn first, so that without degree shares
    // by tier the draws are those of independent shares.
    const double u_degree = rng.uniform();
    c.tier[i] = static_cast<std::uint8_t>(pick(
        rng, s.tiers, +[](const TierParams& t) { return t.share; }));
    c.degree[i] = static_cast<std::uint8_t>(pick_degree(s, c.tier[i], u_degree));
    const int drawn_role = pick(
        rng, s.roles, +[](const RoleParams& r) { return r.share; });
    c.role[i] = static_cast<std::uint8_t>(role >= 0 ? role : drawn_role);
    c.home_city[i] = static_cast<std::uint8_t>(pick(
        rng, s.cities, +[](const CityParams& x) { return x.candidate_share; }));
    const bool fresh = status == Status::student;
    c.experience[i] = fresh ? 0.f
                            : static_cast<float>(boost::random::exponential_distribution<double>(
                                  1.0 / std::max(1e-9, s.population.experience_mean_years))(rng));
    c.productivity[i] =
        static_cast<float>(std::exp(initial_log_productivity(s, c.degree[i], c.tier[i], c.experience[i], normal(rng))));
    const double expected = s.roles[c.role[i]].base_wage * c.productivity[i];
    c.reservation[i] = static_cast<float>(s.search.reservation_share * expected);
    c.search_intensity[i] =
        static_cast<float>(s.search_mode == SearchMode::exogenous
                               ? s.search.employed_intensity
                               : std::min(1.0, s.search.employed_intensity * std::exp(0.5 * normal(rng) - 0.125)));
    // Domestic candidates live in their home city or where the jobs are.
    const bool stays_home = rng.bernoulli(s.population.home_city_share);
    const int other = pick(
        rng, s.cities, +[](const CityParams& x) { return x.employer_share; });
    c.city[i] = stays_home ? c.home_city[i] : static_cast<std::uint8_t>(other);
    c.status[i] = static_cast<std::uint8_t>(status);
    if (status == Status::abroad) {
        c.city[i] = kAbroad;
        c.wage[i] = static_cast<float>(s.wages.overseas_factor * expected);
    }
}

static void assign_job(World& w, std::uint32_t i, std::uint32_t e) {
    const Scenario& s = *w.scenario;
    auto& c = w.candidates;
    const auto& type = s.employer_types[w.employers.type[e]];
    Stream rng(w.seed, 0, StreamFamily::init_employers, i, 1);
    c.employer[i] = e;
    c.city[i] = w.employers.city[e];
    c.wage[i] = static_cast<float>(s.wages.entry_wage_share * s.roles[c.role[i]].base_wage * type.wage_premium *
                                   w.employers.wage_factor[e] * econ::productivity_premium(w, e) * c.productivity[i] *
                                   (c.city[i] == kAbroad ? s.wages.overseas_factor : 1.0));
    c.tenure[i] = static_cast<std::uint16_t>(std::min(600.0, c.experience[i] * 12.0 * rng.uniform()));
    if (s.noncompete.enabled && rng.bernoulli(type.noncompete_share)) {
        c.noncompete_clause[i] = 1;
        c.noncompete_damages[i] = static_cast<float>(type.noncompete_damages_months * c.wage[i] / 12.0);
    }
}

static void draw_employer(World& w, std::uint32_t e, int type, std::int32_t entry_step) {
    const Scenario& s = *w.scenario;
    auto& E = w.employers;
    Stream rng(w.seed, entry_step, StreamFamily::init_employers, e);
    boost::random::normal_distribution<double> normal;
    if (type < 0)
        type = pick(
            rng, s.employer_types, +[](const EmployerTypeParams& t) { return t.share; });
    const auto& tp = s.employer_types[type];
    E.type[e] = static_cast<std::uint8_t>(type);
    E.city[e] = tp.overseas ? kAbroad
                            : static_cast<std::uint8_t>(pick(
                                  rng, s.cities, +[](const CityParams& x) { return x.employer_share; }));
    const double sigma = s.wages.firm_sigma;
    E.wage_factor[e] = static_cast<float>(std::exp(sigma * normal(rng) - 0.5 * sigma * sigma));
    E.amenity[e] = static_cast<float>(tp.amenity);
    // Firm productivity (eq. 4a): lognormal within the type, mean exp(productivity_k).
    const double ps = tp.productivity_sigma;
    E.productivity[e] = static_cast<float>(std::exp(tp.productivity + ps * normal(rng) - 0.5 * ps * ps));
    E.entry_step[e] = entry_step;
    E.alive[e] = entry_step == 0 ? 1 : 0;
}

namespace {

// Employers: the initial ones, then the slots of entry events.
std::uint32_t place_employers(World& w, std::int32_t steps) {
    const Scenario& s = *w.scenario;
    const auto E0 = static_cast<std::uint32_t>(s.population.employers);
    for_each_index(E0, [&](std::size_t e) { draw_employer(w, static_cast<std::uint32_t>(e), -1, 0); });
    std::uint32_t next = E0;
    for (std::size_t ev = 0; ev < s.events.size(); ++ev) {
        const auto& event = s.events[ev];
        const std::int32_t at = s.event_start_step[ev];
        if (s.event_kind[ev] != EventKind::entry || at < 0 || at >= steps) continue;
        for (std::int64_t k = 0; k < event.count; ++k, ++next)
            draw_employer(w, next, event.employer_type == "*" ? -1 : s.type_index(event.employer_type),
                          std::max(1, at));
    }
    w.active_employers = E0;
    return E0;
}

// Candidates: the initial population.
void draw_initial_candidates(World& w, std::uint32_t N0) {
    const Scenario& s = *w.scenario;
    const std::int32_t g0 = first_graduation_step(s);
    for_each_index(N0, [&](std::size_t i) {
        Stream rng(w.seed, 0, StreamFamily::init_candidates, static_cast<std::uint32_t>(i), 1);
        const double u = rng.uniform();
        const auto& p = s.population;
        Status st = Status::employed;
        if (u < p.student_share)
            st = Status::student;
        else if (u < p.student_share + p.abroad_share)
            st = Status::abroad;
        else if (u < p.student_share + p.abroad_share + p.unemployed_share)
            st = Status::unemployed;
        draw_candidate(w, static_cast<std::uint32_t>(i), st, 0);
        if (st == Status::student) w.candidates.graduation_step[i] = g0;
    });
}

// Jobs: domestic employees go to an employer in their city hiring their role, weighted by size.
void assign_initial_jobs(World& w, std::uint32_t E0, std::uint32_t N0) {
    const Scenario& s = *w.scenario;
    const std::size_t R = s.roles.size();
    std::vector<Sampler> by_city_role((s.cities.size() + 1) * R);
    auto slot = [&](std::uint8_t city, std::size_t r) { return (city == kAbroad ? s.cities.size() : city) * R + r; };
    for (std::uint32_t e = 0; e < E0; ++e) {
        const int k = w.employers.type[e];
        for (std::size_t r = 0; r < R; ++r)
            if (s.type_hires_role[k][r]) by_city_role[slot(w.employers.city[e], r)].add(e, s.employer_types[k].size);
    }
    std::vector<Sampler> by_role(R);  // any domestic city, when the own city has no employer
    for (std::uint32_t e = 0; e < E0; ++e)
        for (std::size_t r = 0; r < R; ++r)
            if (w.employers.city[e] != kAbroad && s.type_hires_role[w.employers.type[e]][r])
                by_role[r].add(e, s.employer_types[w.employers.type[e]].size);
    for_each_index(N0, [&](std::size_t ii) {
        const auto i = static_cast<std::uint32_t>(ii);
        auto& c = w.candidates;
        const auto st = static_cast<Status>(c.status[i]);
        if (st != Status::employed && st != Status::abroad) return;
        Stream rng(w.seed, 0, StreamFamily::init_candidates, i, 2);
        const Sampler& local = by_city_role[slot(c.city[i], c.role[i])];
        if (!local.empty())
            assign_job(w, i, local.draw(rng));
        else if (st == Status::employed && !by_role[c.role[i]].empty())
            assign_job(w, i, by_role[c.role[i]].draw(rng));
        else if (st == Status::employed)
            c.status[i] = static_cast<std::uint8_t>(Status::unemployed);
    });
}

// Teams: runs of `teams.size` colleagues with the same employer and role; the first leads.
void form_teams(World& w, std::uint32_t N0) {
    const Scenario& s = *w.scenario;
    if (s.teams.enabled && s.teams.size > 1) {
        auto employed = collect_indices(
            N0, [&](std::size_t i) { return w.candidates.status[i] == static_cast<std::uint8_t>(Status::employed); });
        auto& c = w.candidates;
        std::stable_sort(employed.begin(), employed.end(), [&](std::uint32_t a, std::uint32_t b) {
            return std::pair{c.employer[a], c.role[a]} < std::pair{c.employer[b], c.role[b]};
        });
        const double p_team = std::min(1.0, s.teams.lead_share * static_cast<double>(s.teams.size));
        for (std::size_t k = 0; k < employed.size();) {
            std::size_t end = k;
            const std::uint32_t lead = employed[k];
            while (end < employed.size() && end - k < static_cast<std::size_t>(s.teams.size) &&
                   c.employer[employed[end]] == c.employer[lead] && c.role[employed[end]] == c.role[lead])
                ++end;
            Stream rng(w.seed, 0, StreamFamily::init_candidates, lead, 3);
            if (end - k > 1 && rng.bernoulli(p_team))
                for (std::size_t m = k; m < end; ++m) c.team[employed[m]] = lead;
            k = end;
        }
    }
}

// Entrant slots: graduate cohorts and the overseas inflow, in order of entry.
void reserve_entrant_slots(World& w, std::uint32_t N0, std::int32_t steps) {
    const Scenario& s = *w.scenario;
    std::uint32_t i = N0;
    const std::int64_t cohort = entrant_slots(s, s.population.graduates_per_year);
    for (std::int32_t t = 1; t < steps; ++t) {
        if (s.month_of_step(t) == s.population.graduation_month)
            for (std::int64_t k = 0; k < cohort; ++k, ++i) {
                draw_candidate(w, i, Status::student, t);
                w.candidates.graduation_step[i] = t + 12;
            }
        for (std::int64_t k = 0; k < s.population.abroad_inflow_per_month; ++k, ++i)
            draw_candidate(w, i, Status::abroad, t);
        for (std::size_t ev = 0; ev < s.events.size(); ++ev) {  // people switching into the field
            const auto& event = s.events[ev];
            if (s.event_kind[ev] != EventKind::entry_candidates || std::max(1, s.event_start_step[ev]) != t) continue;
            const int role = event.role == "*" ? -1 : s.role_index(event.role);
            const std::int64_t switchers = entrant_slots(s, event.count);
            for (std::int64_t k = 0; k < switchers; ++k, ++i) draw_candidate(w, i, Status::unemployed, t, role);
        }
    }
    // Inactive until they enter: the calendar phase switches them on.
    for (std::size_t k = N0; k < w.candidates.size(); ++k)
        w.candidates.status[k] = static_cast<std::uint8_t>(Status::inactive);
    w.active_candidates = N0;
}

// The salary of one average hire at an employer of type k: the roles' base wages weighted by
// their shares, times the type's wage premium.
double average_hire(const Scenario& s, int k) {
    double mean_base = 0;
    for (const auto& r : s.roles) mean_base += r.share * r.base_wage;
    return mean_base * s.employer_types[k].wage_premium;
}

// A payroll budget: the type's budget_slack times `base` (no limit with an infinite slack).
double budget_over(const EmployerTypeParams& tp, double base) {
    return std::isinf(tp.budget_slack) ? 1e300 : tp.budget_slack * base;
}

// Budgets from the initial payroll (plus room for one hire at the type's average salary).
void set_budgets(World& w, std::uint32_t E0) {
    census(w);
    w.size_unit_people = people_per_size_unit(w);
    for (std::uint32_t e = 0; e < w.employers.size(); ++e) {
        const auto& tp = w.scenario->employer_types[w.employers.type[e]];
        const double one_hire = average_hire(*w.scenario, w.employers.type[e]);
        const double entrant_payroll = tp.size * w.size_unit_people * one_hire;
        const double base = e < E0 ? static_cast<double>(w.employers.payroll[e]) + one_hire : entrant_payroll;
        w.employers.budget[e] = budget_over(tp, base);
    }
    set_target_headcounts(w);
}

}  // namespace

// The end of the burn-in (section 3.1a): budgets are set again from the payroll the market has
// produced, as at initialisation from the initial payroll, so that a budget is a margin over what
// the firm pays in a market in motion, not over the initialisation formula. Entrant firms keep
// theirs (they have no payroll yet).
void rebase_budgets(World& w) {
    census(w);
    for (std::uint32_t e = 0; e < w.employers.size(); ++e) {
        if (!w.employers.alive[e]) continue;
        const int k = w.employers.type[e];
        w.employers.budget[e] = budget_over(w.scenario->employer_types[k],
                                            static_cast<double>(w.employers.payroll[e]) + average_hire(*w.scenario, k));
    }
}

// Target headcount at demand 1 (eq. 8a): an initial employer's headcount at step 0, an entrant's
// expected size (the vacancies it opens on entry).
void set_target_headcounts(World& w) {
    const Scenario& s = *w.scenario;
    auto& E = w.employers;
    const std::size_t R = s.roles.size(), E0 = static_cast<std::size_t>(s.population.employers);
    for (std::size_t e = 0; e < E.size(); ++e) {
        const int k = E.type[e];
        double hired_share = 0;
        for (std::size_t r = 0; r < R; ++r) hired_share += s.type_hires_role[k][r] ? s.roles[r].share : 0.0;
        for (std::size_t r = 0; r < R; ++r) {
            const double expected =
                s.type_hires_role[k][r] && hired_share > 0
                    ? std::round(s.employer_types[k].size * w.size_unit_people * s.roles[r].share / hired_share)
                    : 0.0;
            E.target_base[e * R + r] = static_cast<float>(e < E0 ? E.headcount[e * R + r] : expected);
        }
    }
}

void initialise(World& w, const Scenario& s, std::uint64_t seed, std::int32_t steps) {
    if (s.event_start_step.size() != s.events.size() || s.event_kind.size() != s.events.size())
        throw std::logic_error("events added to a frozen scenario need event_start_step and event_kind too");
    w.scenario = &s;
    w.seed = seed;
    w.steps = steps;
    const Capacity cap = capacity_of(s, steps);
    const std::size_t R = s.roles.size(), T = s.employer_types.size();
    w.candidates.resize(cap.candidates);
    w.employers.resize(cap.employers, R);
    w.now.demand.assign(R * T, 1.0);
    w.now.posted_index.assign(R * T, 1.0);
    w.now.field_pay.assign(R, 1.0);
    w.now.friction.assign(R, s.wages.ladder_friction);
    w.now.flow_moved.assign(R, 0.0);
    w.now.flow_left.assign(R, 0.0);
    w.now.enforcement.assign(T, 1.0);

    const std::uint32_t E0 = place_employers(w, steps);
    const auto N0 = static_cast<std::uint32_t>(s.population.candidates);
    draw_initial_candidates(w, N0);
    assign_initial_jobs(w, E0, N0);
    form_teams(w, N0);
    reserve_entrant_slots(w, N0, steps);
    set_budgets(w, E0);
}

double people_per_size_unit(const World& w) {
    const Scenario& s = *w.scenario;
    double weight = 0, people = 0;
    for (std::size_t e = 0; e < static_cast<std::size_t>(s.population.employers); ++e)
        weight += s.employer_types[w.employers.type[e]].size;
    for (std::size_t i = 0; i < static_cast<std::size_t>(s.population.candidates); ++i)
        people += w.candidates.employer[i] != kNone ? 1 : 0;
    return weight > 0 ? people / weight : 0.0;
}

void census(World& w) {
    // Each thread counts into its own arrays (no shared cache lines); the integer sums are then
    // added up, which gives the same totals for any thread count.
    const std::size_t R = w.scenario->roles.size();
    tbb::enumerable_thread_specific<CensusTally> tallies([&] { return CensusTally(w.employers); });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, w.active_candidates, kGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          CensusTally& t = tallies.local();
                          for (std::size_t i = r.begin(); i != r.end(); ++i) t.count(w.candidates, i, R);
                      });
    std::vector<const CensusTally*> all;
    for (const CensusTally& t : tallies) all.push_back(&t);
    set_census(w.employers, all);
}

bool census_read(const Scenario& s) {
    return s.population.participation_elasticity > 0 || !s.vacancies.unlimited || s.offers.budget_cap;
}

void set_census(Employers& E, const std::vector<const CensusTally*>& tallies) {
    for_each_index(E.headcount.size(), [&](std::size_t k) {
        std::uint32_t sum = 0;
        for (const CensusTally* t : tallies) sum += t->headcount[k];
        E.headcount[k] = sum;
    });
    for_each_index(E.payroll.size(), [&](std::size_t k) {
        std::int64_t sum = 0;
        for (const CensusTally* t : tallies) sum += t->payroll[k];
        E.payroll[k] = sum;
    });
}

}  // namespace talentsim
