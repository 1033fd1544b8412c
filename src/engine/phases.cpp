// The phases of one step. Each is a free function over the World; see docs/model.md for the
// equations (numbers in comments refer to it). Loops over agents run in parallel; every random
// draw comes from a stream keyed by (seed, step, phase, agent id), so results are the same for
// any thread count.
#include "engine/phases.hpp"

#include <boost/random/binomial_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for_each.h>
#include <tbb/parallel_invoke.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <array>
#include <functional>
#include <utility>
#include <bit>
#include <cstring>
#include <atomic>
#include <cmath>
#include <numeric>

#include <immintrin.h>

#include "engine/economics.hpp"
#include "engine/ladder.hpp"
#include "engine/parallel.hpp"
#include "engine/population.hpp"
#include "engine/rng.hpp"
#include "engine/stats.hpp"

namespace talentsim {
namespace {

constexpr auto u8 = [](Status s) { return static_cast<std::uint8_t>(s); };
constexpr auto u8c = [](Contest x) { return static_cast<std::uint8_t>(x); };

template <class T>
void atomic_add(T& x, T v) {
    std::atomic_ref<T>(x).fetch_add(v, std::memory_order_relaxed);
}

// Where a pass counts departures and filled vacancies by employer and role: into the employer
// columns themselves (atomically), or into its thread's own arrays that it adds up afterwards
// (direct_offers: no locked instruction per move). Integer sums: the same totals either way.
struct Flows {
    std::vector<std::uint32_t>* departures;
    std::vector<std::uint32_t>* filled;
    bool shared;
    void depart(std::size_t er) {
        if (shared)
            atomic_add((*departures)[er], 1u);
        else
            ++(*departures)[er];
    }
    void fill(std::size_t er) {
        if (shared)
            atomic_add((*filled)[er], 1u);
        else
            ++(*filled)[er];
    }
};
Flows shared_flows(World& w) { return Flows{&w.employers.departures, &w.employers.filled, true}; }

bool active_at(const Scenario& s, std::size_t ev, std::int32_t step) {
    const std::int32_t a = s.event_start_step[ev];
    return step >= a && step < a + s.events[ev].months;
}
bool matches(const std::string& pattern, const std::string& name) { return pattern == "*" || pattern == name; }

// Multipliers of the events running this step: demand, enforcement, relocation cost (eq. 1).
void running_events(const Scenario& s, StepConditions& now, std::int32_t step) {
    const std::size_t R = s.roles.size(), T = s.employer_types.size();
    std::fill(now.enforcement.begin(), now.enforcement.end(), 1.0);
    now.relocation_multiplier = 1.0;
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t k = 0; k < T; ++k) now.demand[r * T + k] = s.roles[r].demand;
    for (std::size_t ev = 0; ev < s.events.size(); ++ev) {
        if (!active_at(s, ev, step)) continue;
        const auto& e = s.events[ev];
        if (s.event_kind[ev] == EventKind::demand) {
            for (std::size_t r = 0; r < R; ++r)
                for (std::size_t k = 0; k < T; ++k)
                    if (matches(e.role, s.roles[r].name) && matches(e.employer_type, s.employer_types[k].name))
                        now.demand[r * T + k] *= e.multiplier;
        } else if (s.event_kind[ev] == EventKind::noncompete_enforcement) {
            for (std::size_t k = 0; k < T; ++k)
                if (matches(e.employer_type, s.employer_types[k].name)) now.enforcement[k] *= e.multiplier;
        } else if (s.event_kind[ev] == EventKind::relocation_cost) {
            now.relocation_multiplier *= e.multiplier;
        }
    }
}

// Posted-salary index: trend growth and the demand response (eq. 2).
void posted_salary_index(const Scenario& s, StepConditions& now, std::int32_t step) {
    const std::size_t R = s.roles.size(), T = s.employer_types.size();
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t k = 0; k < T; ++k) {
            const double rel = s.roles[r].demand > 0 ? now.demand[r * T + k] / s.roles[r].demand : 1.0;
            now.posted_index[r * T + k] = s.wages.posted_fixed ? 1.0
                                                               : std::pow(1.0 + s.wages.posted_growth, step / 12.0) *
                                                                     std::pow(rel, s.wages.demand_elasticity);
        }
}

// The field's posted pay for each role relative to the posted-salary index (eq. 16): the mean of
// the employers' eq. 3a multipliers m_er, weighted by headcount plus open vacancies, over the live
// employers that hire the role (1 for a role nobody hires). Integer weights summed in employer
// order on one thread: the same on any thread count.
void field_pay(World& w) {
    const Scenario& s = *w.scenario;
    const std::size_t R = s.roles.size();
    const auto& E = w.employers;
    std::vector<double> sum(R, 0.0), weight(R, 0.0);
    for (std::size_t e = 0; e < w.active_employers; ++e) {
        if (!E.alive[e]) continue;
        for (std::size_t r = 0; r < R; ++r) {
            const double h = static_cast<double>(E.headcount[e * R + r]) + E.vacancies[e * R + r];
            sum[r] += h * E.posted_multiplier[e * R + r];
            weight[r] += h;
        }
    }
    for (std::size_t r = 0; r < R; ++r) w.now.field_pay[r] = weight[r] > 0 ? sum[r] / weight[r] : 1.0;
}

// Whether entrant candidate i joins the field (eq. 16): a new student or switcher joins with
// probability min(1, R^z / entry_capacity) for its role; the overseas pool always does (returnees
// answer pay in their own decision, eq. 6-7). With z = 0 and capacity 1 everyone joins, no draw.
bool joins_field(const World& w, std::size_t i, std::int32_t step) {
    const auto& pop = w.scenario->population;
    const double z = pop.participation_elasticity, capacity = pop.entry_capacity;
    const auto& c = w.candidates;
    if ((z <= 0 && capacity == 1.0) || c.city[i] == kAbroad) return true;
    const double p = std::min(1.0, std::pow(w.now.field_pay[c.role[i]], z) / capacity);
    Stream rng(w.seed, step, StreamFamily::entry, static_cast<std::uint32_t>(i));
    return rng.uniform() < p;
}

// One-off events that start this step: funding shocks, exits.
void starting_events(World& w, std::int32_t step) {
    const Scenario& s = *w.scenario;
    auto& E = w.employers;
    for (std::size_t ev = 0; ev < s.events.size(); ++ev) {
        if (s.event_start_step[ev] != step) continue;
        const auto& e = s.events[ev];
        if (s.event_kind[ev] == EventKind::funding) {
            for (std::size_t f = 0; f < w.active_employers; ++f)
                if (E.alive[f] && matches(e.employer_type, s.employer_types[E.type[f]].name))
                    E.budget[f] *= e.multiplier;
        } else if (s.event_kind[ev] == EventKind::exit) {
            for (std::size_t f = 0; f < w.active_employers; ++f) {
                Stream rng(w.seed, step, StreamFamily::calendar, static_cast<std::uint32_t>(f),
                           static_cast<std::uint32_t>(ev));
                if (E.alive[f] && matches(e.employer_type, s.employer_types[E.type[f]].name) &&
                    rng.bernoulli(e.probability)) {
                    E.alive[f] = 0;
                    w.counters.firm_exits++;
                }
            }
        }
    }
}

// Entrant firms open their first vacancies at once; entrant candidates (the new graduate cohort
// and the overseas inflow) take their first status.
void entrants(World& w, std::int32_t step) {
    const Scenario& s = *w.scenario;
    const std::size_t R = s.roles.size();
    auto& E = w.employers;
    while (w.active_employers < E.size() && E.entry_step[w.active_employers] <= step) {
        const std::size_t f = w.active_employers++;
        E.alive[f] = 1;
        w.counters.firm_entries++;
        const auto& tp = s.employer_types[E.type[f]];
        double hired_share = 0;
        for (std::size_t r = 0; r < R; ++r) hired_share += s.type_hires_role[E.type[f]][r] ? s.roles[r].share : 0.0;
        for (std::size_t r = 0; r < R; ++r)
            if (s.type_hires_role[E.type[f]][r])
                E.vacancies[f * R + r] = static_cast<std::uint32_t>(
                    std::lround(tp.size * w.size_unit_people * s.roles[r].share / hired_share));
    }
    auto& c = w.candidates;
    while (w.active_candidates < c.size() && c.entry_step[w.active_candidates] <= step) {
        const std::size_t i = w.active_candidates++;
        if (!joins_field(w, i, step)) {  // stays out of the field for good
            c.status[i] = u8(Status::inactive);
            c.graduation_step[i] = -1;
            continue;
        }
        c.status[i] = u8(c.graduation_step[i] >= 0 ? Status::student
                         : c.city[i] == kAbroad    ? Status::abroad
                                                   : Status::unemployed);
    }
}

// Sets x to v unless x already holds v's bits: a column's cache line that a step would only
// rewrite with what it holds (a clause of 0, no team, no damages) is then not written back.
template <class T>
void set_if_changed(T& x, T v) {
    if (std::memcmp(&x, &v, sizeof(T)) != 0) x = v;
}

// Leaves no team unless candidate i leads one (a team's members follow their lead, eq. 14).
void leave_team(Candidates& c, std::uint32_t i) {
    if (c.team[i] != i) set_if_changed(c.team[i], kNone);
}

// Ends the job of employed candidate i (separation to unemployment or out of the field).
void end_job(World& w, std::uint32_t i, Status to, Counters& n, Flows flows) {
    auto& c = w.candidates;
    const std::uint32_t e = c.employer[i];
    const std::size_t R = w.scenario->roles.size();
    flows.depart(e * R + c.role[i]);
    n.separations++;
    n.jobs_ended++;
    n.tenure_months_ended += c.tenure[i];
    c.prev_employer[i] = e;
    c.employer[i] = kNone;
    set_if_changed(c.reservation[i], static_cast<float>(w.scenario->search.reservation_share * c.wage[i]));
    c.status[i] = u8(to);
    c.spell[i] = 0;
    set_if_changed(c.noncompete_clause[i], std::uint8_t{0});  // enforced only against a competitor (D.7)
    leave_team(c, i);
}

// Signs a new contract, with a non-compete clause or not (noncompete_clause).
void sign_contract(World& w, std::uint32_t i, std::uint32_t e, float salary, bool clause) {
    const Scenario& s = *w.scenario;
    auto& c = w.candidates;
    const auto& tp = s.employer_types[w.employers.type[e]];
    c.employer[i] = e;
    c.wage[i] = salary;
    set_if_changed(c.city[i], w.employers.city[e]);
    c.status[i] = u8(w.employers.city[e] == kAbroad ? Status::abroad : Status::employed);
    c.tenure[i] = 0;
    set_if_changed(c.noncompete_clause[i], static_cast<std::uint8_t>(clause ? 1 : 0));
    set_if_changed(c.noncompete_damages[i], static_cast<float>(tp.noncompete_damages_months * salary / 12.0));
}

// Whether a new contract with employer e has a non-compete clause: with the type's probability
// (a draw of rng only when non-competes are on).
bool noncompete_clause(const World& w, std::uint32_t e, Stream& rng) {
    const Scenario& s = *w.scenario;
    return s.noncompete.enabled && rng.bernoulli(s.employer_types[w.employers.type[e]].noncompete_share);
}

// The opening bid of employer e for candidate i, who has a job (eq. 12a). The employer bids when
// its limit beats what staying is worth to the candidate, by the raise the candidate requires:
// hurdle = U_stay - n_e + min_raise x wage (n_e: e's non-wage part, eq. 6). It opens at
// max(posted, hurdle) (textbook limit: max(posted, (1 + premium) x wage)), never above its limit.
bool opening_bid(const World& w, std::uint32_t e, std::uint32_t i, double posted, double limit, double& bid) {
    const Scenario& s = *w.scenario;
    const double wage = w.candidates.wage[i];
    const double hurdle =
        econ::utility_of_staying(w, i) - econ::utility_of_offer(w, i, e, 0.0) + s.search.min_raise * wage;
    if (!(limit > hurdle)) return false;
    if (!s.offers.poaching) {  // the posted salary or nothing
        bid = posted;
        return posted >= hurdle && posted > hurdle - s.search.min_raise * wage;
    }
    const double open = s.offers.poaching_premium > 0 ? wage * (1.0 + s.offers.poaching_premium) : hurdle;
    bid = std::min(limit, std::max(posted, open));
    return bid >= posted;
}

// The incumbent's limit in the auction: its own value of the candidate (true productivity, its own
// p_e), capped by the textbook counter-raise cap when that is finite (eq. 13).
double incumbent_limit(const World& w, std::uint32_t i, std::uint32_t inc) {
    const auto& tp = w.scenario->employer_types[w.employers.type[inc]];
    const double own = econ::value(w, inc, i, std::log(w.candidates.productivity[i]));
    return std::isinf(tp.counter_max_raise) ? own : std::min(own, w.candidates.wage[i] * (1.0 + tp.counter_max_raise));
}

// The two best bids of group g for candidate i: each bidder j can offer at most the utility
// M_j = L_j + n_j (its limit plus its non-wage part; without a value cap the limit is unbounded
// and the bidder stands on its opening bid). top: the offer of the best (kNone: no bidder), whose
// opening bid is `opening`.
struct BestBids {
    double m1 = -std::numeric_limits<double>::infinity(), m2 = -std::numeric_limits<double>::infinity(), n_top = 0;
    std::uint32_t top = kNone;
    float opening = 0;
};
BestBids best_bids(const World& w, std::size_t g, std::uint32_t i) {
    BestBids b;
    for (std::uint32_t k = w.groups[g]; k < w.groups[g + 1]; ++k) {
        const Offer& o = w.round_offers[k];
        const double n_o = econ::utility_of_offer(w, i, o.employer, 0.0);
        const double m = (o.limit < 3.0e38f ? o.limit : o.salary) + n_o;
        if (m > b.m1) {
            b.m2 = b.m1;
            b.m1 = m;
            b.top = k;
            b.n_top = n_o;
        } else if (m > b.m2)
            b.m2 = m;
    }
    if (b.top != kNone) b.opening = w.round_offers[b.top].salary;
    return b;
}

// Every offer of group g lost, each at its last bid, its limit (the winner's is set after).
void outbid_all(World& w, std::size_t g) {
    for (std::uint32_t k = w.groups[g]; k < w.groups[g + 1]; ++k) {
        Offer& o = w.round_offers[k];
        o.contest = static_cast<std::uint8_t>(Contest::lost);
        if (o.limit < 3.0e38f) o.salary = o.limit;
    }
}

// U* = second + beta (first - second) (eq. 13); an unbounded first leaves the second.
double auction_price(double beta, double first, double second) {
    return std::isfinite(first) ? second + beta * (first - second) : second;
}

// The outside bidder b.top wins (eqs. 13, 13b): it gives the utility U* over `second`, the best
// of the others, and pays U* less its non-wage part, at least its opening bid, at most its limit.
void pay_winner(World& w, const BestBids& b, double second) {
    Offer& win = w.round_offers[b.top];
    const double price = auction_price(w.scenario->counteroffers.worker_share, b.m1, second) - b.n_top;
    win.salary = static_cast<float>(std::min<double>(win.limit, std::max<double>(b.opening, price)));
    win.contest = static_cast<std::uint8_t>(Contest::won);
}

// The auction for a candidate without a job who holds two or more offers (eq. 13b): the
// candidate's status quo, the utility of staying, takes the incumbent's place and never bids.
// The winner pays the runner-up's M or the status quo, whichever is higher, plus beta of the
// rest: at least its opening bid, at most its limit. One offer is paid as posted (no draw here).
void entrant_auction(World& w, std::size_t g, std::uint32_t i) {
    if (w.groups[g + 1] - w.groups[g] < 2) return;
    const BestBids b = best_bids(w, g, i);
    if (b.top == kNone || !std::isfinite(b.m2)) return;
    outbid_all(w, g);
    pay_winner(w, b, std::max(econ::utility_of_staying(w, i), b.m2));
}

// The sequential auction for candidate i of group g (eq. 13, Postel-Vinay & Robin 2002; Cahuc,
// Postel-Vinay & Robin 2006). Each bidder j can offer at most the utility M_j (best_bids). The
// incumbent bids with probability counter_prob; otherwise its M is the status quo U_stay. The
// highest M wins (ties: the incumbent, then the earlier offer) and gives the utility of the
// runner-up plus the share beta of the difference:
//     U* = M_2 + beta (M_1 - M_2),   wage = U* - n_winner  (an outsider: at least its opening bid).
// Losers bid up to their limits. A candidate without a job: entrant_auction, when switched on.
void auction(World& w, std::size_t g, int round, Counters& n) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    const std::uint32_t i = w.round_offers[w.groups[g]].candidate;
    const auto st = static_cast<Status>(c.status[i]);
    if (c.employer[i] == kNone || (st != Status::employed && st != Status::abroad)) {
        if (s.counteroffers.entrants) entrant_auction(w, g, i);
        return;
    }
    const std::uint32_t inc = c.employer[i];
    const double wage = c.wage[i], n_inc = econ::utility_of_offer(w, i, inc, 0.0);
    const BestBids b = best_bids(w, g, i);
    if (b.top == kNone) return;  // no bidder can offer anything worth having
    outbid_all(w, g);
    Stream rng(w.seed, w.now.step, StreamFamily::counteroffers, i, static_cast<std::uint32_t>(round));
    const bool bids = rng.bernoulli(s.employer_types[w.employers.type[inc]].counter_prob);
    const double limit_inc = bids ? std::max(wage, incumbent_limit(w, i, inc)) : wage;
    const double m_inc = limit_inc + n_inc, beta = s.counteroffers.worker_share;
    Offer counter{i,
                  inc,
                  kNone,
                  static_cast<float>(limit_inc),
                  static_cast<float>(std::min(limit_inc, 3.0e38)),
                  static_cast<std::uint8_t>(OfferKind::counteroffer)};
    if (bids && limit_inc > wage) n.counteroffers_made++;
    if (m_inc >= b.m1) {  // the incumbent keeps the candidate, at the outsiders' best
        if (!bids || !std::isfinite(b.m1)) return;
        counter.salary = static_cast<float>(std::max(wage, auction_price(beta, m_inc, b.m1) - n_inc));
        counter.contest = static_cast<std::uint8_t>(Contest::won);
        w.counteroffers[g] = counter;
        return;
    }
    pay_winner(w, b, std::max(m_inc, b.m2));
    if (bids && limit_inc > wage) {
        counter.contest = static_cast<std::uint8_t>(Contest::lost);
        w.counteroffers[g] = counter;
    }
}

// The share of last month's v vacancies of a role that were filled (accepted offers), at most 1.
double fill_rate(std::uint32_t posted, std::uint32_t filled) {
    return std::min(1.0, static_cast<double>(filled) / static_cast<double>(posted));
}

// Whether employers count the applications to their postings by role (read by eqs. 3a and 9a).
bool counts_applicants(const Scenario& s) {
    return s.vacancies.requirement_adjustment > 0 || s.wages.posted_applicant_weight > 0;
}

// Posted salaries that answer the employer's hiring experience (eq. 3a): after a month in which it
// posted v vacancies of a role, filled f of them and drew A applications, m <- m exp(speed (target
// - f / v - weight ln((1 + A / v) / (1 + target applicants)))), within [0.25, 4]. Nothing posted,
// nothing learnt. (E.applied is read here before adjust_requirements resets it.)
void adjust_posted_salary(World& w, std::size_t er, std::uint32_t filled) {
    const WageParams& wp = w.scenario->wages;
    auto& E = w.employers;
    const std::uint32_t posted = E.vacancies[er];
    if (wp.posted_adjustment <= 0 || posted == 0) return;
    double gap = wp.target_fill_rate - fill_rate(posted, filled);
    if (wp.posted_applicant_weight > 0) {
        const double per_vacancy = static_cast<double>(E.applied[er]) / static_cast<double>(posted);
        gap -= wp.posted_applicant_weight *
               std::log((1.0 + per_vacancy) / (1.0 + w.scenario->vacancies.target_applicants));
    }
    const double m = E.posted_multiplier[er] * std::exp(wp.posted_adjustment * gap);
    E.posted_multiplier[er] = static_cast<float>(std::clamp(m, 0.25, 4.0));
}

// Degree requirements that answer the applicant pool (eq. 9a): after a month with v postings of a
// role, A applications to them and f filled, the requirement shift moves by
// speed x (ln((1 + A / v) / (1 + target)) - fill_weight x max(0, target fill rate - f / v)), within
// [-6, 6]: plentiful applicants raise it, vacancies left unfilled lower it (filling above the
// target fill rate does not raise it: that is the applicants' term). Nothing posted, nothing learnt.
void adjust_requirements(World& w, std::size_t er, std::uint32_t filled) {
    const VacancyParams& vp = w.scenario->vacancies;
    auto& E = w.employers;
    const std::uint32_t posted = E.vacancies[er], applied = E.applied[er];
    E.applied[er] = 0;
    if (vp.requirement_adjustment <= 0 || posted == 0) return;
    const double per_vacancy = static_cast<double>(applied) / static_cast<double>(posted);
    const double unfilled = std::max(0.0, w.scenario->wages.target_fill_rate - fill_rate(posted, filled));
    const double pull =
        std::log((1.0 + per_vacancy) / (1.0 + vp.target_applicants)) - vp.requirement_fill_weight * unfilled;
    const double shift = E.requirement_shift[er] + vp.requirement_adjustment * pull;
    E.requirement_shift[er] = static_cast<float>(std::clamp(shift, -6.0, 6.0));
}

// Each role's base shares of postings that require at least a bachelor's (level 0), a master's (1)
// or a PhD (2) (eq. 9), and their log-odds, by [role * 3 + level]: the same for every employer, so
// the logs are taken once a step, not once per employer and role.
struct BaseShares {
    std::vector<double> share, log_odds;
    explicit BaseShares(const Scenario& s) : share(3 * s.roles.size()), log_odds(3 * s.roles.size()) {
        for (std::size_t r = 0; r < s.roles.size(); ++r) {
            const auto& role = s.roles[r];
            share[3 * r + 2] = role.phd_required_share;
            share[3 * r + 1] = role.phd_required_share + role.master_required_share;
            share[3 * r] = 1.0 - role.open_share;
            for (std::size_t level = 0; level < 3; ++level) {
                const double base = share[3 * r + level];
                log_odds[3 * r + level] = base > 0 && base < 1 ? std::log(base / (1 - base)) : 0.0;
            }
        }
    }
};

// The share of employer e's postings of role r that require at least a bachelor's (level 0), a
// master's (1) or a PhD (2): the role's base share (eq. 9), shifted on the log-odds scale by the
// employer's shift.
double required_share(const World& w, const BaseShares& bases, std::size_t e, std::size_t r, int level) {
    const double base = bases.share[3 * r + static_cast<std::size_t>(level)];
    const double shift = w.employers.requirement_shift[e * w.scenario->roles.size() + r];
    if (shift == 0.f || base <= 0 || base >= 1) return base;
    const double z = bases.log_odds[3 * r + static_cast<std::size_t>(level)] + shift;
    return 1 / (1 + std::exp(-z));
}

// Target mode (eq. 8a): how the target headcounts of role r at employers of type k follow the
// demand multiplier this step, (demand / base demand)^target_elasticity, by [r * types + k]: the
// same for every employer of the type, so computed once a step, not once per employer and role.
std::vector<double> target_factors(const World& w) {
    const Scenario& s = *w.scenario;
    const std::size_t R = s.roles.size(), T = s.employer_types.size();
    std::vector<double> factor(R * T);
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t k = 0; k < T; ++k) {
            const double rel = s.roles[r].demand > 0 ? w.now.demand[r * T + k] / s.roles[r].demand : 1.0;
            factor[r * T + k] = std::pow(rel, s.vacancies.target_elasticity);
        }
    return factor;
}

// Target mode (eq. 8a): the gap between employer e's target headcount in role r, which follows the
// demand multiplier (`factor`: target_factors), and its headcount at the last census.
std::uint32_t vacancy_gap(const World& w, std::size_t e, std::size_t r, const std::vector<double>& factor) {
    const Scenario& s = *w.scenario;
    const std::size_t R = s.roles.size(), T = s.employer_types.size(), k = w.employers.type[e];
    const double goal = w.employers.target_base[e * R + r] * factor[r * T + k];
    const double gap = goal - static_cast<double>(w.employers.headcount[e * R + r]);
    return gap > 0 ? static_cast<std::uint32_t>(std::lround(gap)) : 0u;
}

// Target mode with a budget (eq. 8b): employer e posts only the vacancies its budget can pay for.
// A hire of role r is costed at its posted level at index 1, base_wage_r x the type's premium; when
// the gaps cost more than the headroom budget - payroll, every role's gap is scaled down by the
// same factor (rounded down), so a firm short of money posts fewer vacancies, not none.
void fund_vacancies(World& w, std::size_t e) {
    const Scenario& s = *w.scenario;
    auto& E = w.employers;
    const std::size_t R = s.roles.size();
    const double premium = s.employer_types[E.type[e]].wage_premium;
    double cost = 0;
    for (std::size_t r = 0; r < R; ++r) cost += E.vacancies[e * R + r] * s.roles[r].base_wage * premium;
    const double headroom = E.budget[e] - static_cast<double>(E.payroll[e]);
    if (cost <= headroom) return;
    const double share = headroom > 0 ? headroom / cost : 0.0;
    for (std::size_t r = 0; r < R; ++r)
        E.vacancies[e * R + r] = static_cast<std::uint32_t>(std::floor(E.vacancies[e * R + r] * share));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. Calendar and shocks.
void calendar_and_shocks(World& w, std::int32_t step) {
    const Scenario& s = *w.scenario;
    auto& now = w.now;
    w.counters = Counters{};
    w.offers.clear();
    w.hires.clear();
    w.moves.clear();
    now.step = step;
    now.month = s.month_of_step(step);
    running_events(s, now, step);
    posted_salary_index(s, now, step);
    if (s.population.participation_elasticity > 0) field_pay(w);
    starting_events(w, step);
    entrants(w, step);
    // Graduation (students graduate only in the graduation month).
    if (now.month != s.population.graduation_month) return;
    // (Those of the month listed first: a loop that compares only, vectorised; most months and
    // scenarios have few or none.)
    auto& c = w.candidates;
    const std::vector<std::uint32_t> graduates =
        collect_indices(w.active_candidates, [&](std::size_t i) { return c.graduation_step[i] == step; });
    w.counters.graduates += static_cast<std::int64_t>(graduates.size());
    for_each_index(graduates.size(), [&](std::size_t k) {
        const std::uint32_t i = graduates[k];
        if (c.status[i] != u8(Status::student)) return;
        c.status[i] = u8(Status::unemployed);
        c.spell[i] = 0;
    });
}

// ---------------------------------------------------------------------------------------------
// 2. Separations.
namespace {
// The monthly rate at which a job seeker of role r leaves the field: unemployed_leave_rate, times
// R^-z with participation elasticity z (eq. 16), at most 1.
double unemployed_leave_rate(const World& w, std::size_t r) {
    const Scenario& s = *w.scenario;
    const double z = s.population.participation_elasticity, rate = s.separations.unemployed_leave_rate;
    return z > 0 ? std::min(1.0, rate * std::pow(w.now.field_pay[r], -z)) : rate;
}

// Candidate i's separation this step (rng: its separations stream).
void separate(World& w, std::uint32_t i, Stream& rng, Counters& n, Flows flows) {
    const Scenario& s = *w.scenario;
    auto& c = w.candidates;
    const auto& E = w.employers;
    const auto st = static_cast<Status>(c.status[i]);
    if (st == Status::employed) {
        const std::uint32_t e = c.employer[i];
        if (!E.alive[e]) {
            end_job(w, i, Status::unemployed, n, flows);
            return;
        }
        const double u = rng.uniform();
        const double leave = s.separations.leave_field_rate, layoff = s.employer_types[E.type[e]].layoff_rate;
        if (u < leave)
            end_job(w, i, Status::inactive, n, flows);
        else if (u < leave + layoff) {
            end_job(w, i, Status::unemployed, n, flows);
            n.layoffs++;
        } else if (u < leave + layoff + s.separations.quit_rate)
            end_job(w, i, Status::unemployed, n, flows);
    } else if (st == Status::unemployed) {  // (no draw at rate 0: uniform() < 0 never holds)
        const double rate = unemployed_leave_rate(w, c.role[i]);
        if (rate > 0 && rng.bernoulli(rate)) c.status[i] = u8(Status::inactive);
    } else if (st == Status::abroad && c.employer[i] != kNone) {
        // Employees of overseas employers separate like the employed but stay abroad.
        const std::uint32_t e = c.employer[i];
        const double rate = s.employer_types[E.type[e]].layoff_rate + s.separations.quit_rate;
        if (!E.alive[e] || rng.bernoulli(rate)) {
            flows.depart(e * s.roles.size() + c.role[i]);
            n.separations++;
            n.jobs_ended++;
            n.tenure_months_ended += c.tenure[i];
            c.prev_employer[i] = e;
            c.employer[i] = kNone;
            c.tenure[i] = 0;
        }
    } else if (st == Status::sitting_out) {
        if (!E.alive[c.pending_employer[i]]) {
            c.status[i] = u8(Status::unemployed);
            c.pending_employer[i] = kNone;
            c.spell[i] = 0;
        }
    }
}
}  // namespace

namespace {
// The thresholds of an employee's separation draw u by employer type, set once a step (inactive when u < leave, laid
// off when u < layoff, quits when u < quit), the sums `separate` forms (leave, leave + layoff, leave + layoff + quit).
struct Thresholds {
    double leave, layoff, quit;
};
std::vector<Thresholds> separation_thresholds(const Scenario& s) {
    const auto& sep = s.separations;
    std::vector<Thresholds> by_type;
    for (const auto& tp : s.employer_types)
        by_type.push_back({sep.leave_field_rate, sep.leave_field_rate + tp.layoff_rate,
                           sep.leave_field_rate + tp.layoff_rate + sep.quit_rate});
    return by_type;
}

// The 32-bit numbers x whose uniform u = x / 2^32 (Stream::uniform) is below p are those below
// draws_below(p) = ceil(p 2^32), between 0 and 2^32 (for an integer x, x < y exactly when
// x < ceil(y); p 2^32 is exact): a draw u < p made as an integer comparison, without the
// conversions and the branches a choice between doubles compiles to.
std::uint64_t draws_below(double p) {
    const double y = p * 4294967296.0;
    return !(y > 0) ? 0 : y >= 4294967296.0 ? std::uint64_t{1} << 32 : static_cast<std::uint64_t>(std::ceil(y));
}

// Which candidates may separate this step, from u, the first number of a candidate's separations
// stream (a uniform, the only draw separate makes): u < limit whenever separate would end a job or
// change a status, so the others are passed over without building their stream. The limit is the
// larger of its status's (without a job: the unemployed's rate; above every u for those sitting
// out, whose future employer separate checks) and, with an employer, its job's (the largest rate
// separate compares u with for its status and the employer's type; above every u when the
// employer closed). The limits are kept as draws_below, and looked up without a branch.
struct SeparationLimits {
    static constexpr std::uint64_t kAll = std::uint64_t{1} << 32;  // above every 32-bit number
    std::array<std::uint64_t, kStatusCount> status;                // [status]
    std::vector<std::uint64_t> job;                                // [status * types + employer type]

    explicit SeparationLimits(const World& w) {
        const Scenario& s = *w.scenario;
        status.fill(0);
        for (std::size_t r = 0; r < s.roles.size(); ++r)  // the largest rate of a job seeker
            status[u8(Status::unemployed)] =
                std::max(status[u8(Status::unemployed)], draws_below(unemployed_leave_rate(w, r)));
        status[u8(Status::sitting_out)] = kAll;
        const std::size_t T = s.employer_types.size();
        job.assign(kStatusCount * T, 0);
        const std::vector<Thresholds> by_type = separation_thresholds(s);  // increasing: the rates are >= 0
        for (std::size_t k = 0; k < T; ++k) {
            job[u8(Status::employed) * T + k] = draws_below(by_type[k].quit);
            job[u8(Status::abroad) * T + k] = draws_below(s.employer_types[k].layoff_rate + s.separations.quit_rate);
        }
    }

    // Bit k set: candidate tile + k (k < n) may separate; `first`: the first words of their streams.
    std::uint32_t may_separate(const World& w, std::size_t tile, std::size_t n, const FirstBlocks& first) const {
        const std::uint8_t* st = w.candidates.status.data() + tile;
        const std::uint32_t* employer = w.candidates.employer.data() + tile;
        const auto& E = w.employers;
        const std::uint8_t open[1] = {1}, any_type[1] = {0};  // read for the jobless when there is no employer
        const std::uint8_t* alive = E.size() > 0 ? E.alive.data() : open;
        const std::uint8_t* type = E.size() > 0 ? E.type.data() : any_type;
        const std::size_t T = job.size() / kStatusCount;
        std::uint32_t bits = 0;
        for (std::size_t k = 0; k < n; ++k) {
            // (Masks, not conditions: the compiler made branches of those, which the statuses of
            // neighbouring candidates, different at random, mispredicted.)
            const std::uint64_t with_job = 0 - static_cast<std::uint64_t>(employer[k] != kNone);  // all ones
            const auto e = static_cast<std::uint32_t>(employer[k] & with_job);
            const std::uint64_t closed = static_cast<std::uint64_t>(alive[e] == 0) << 32;  // kAll when closed
            const std::uint64_t at_job = std::max(job[st[k] * T + type[e]], closed) & with_job;
            const std::uint64_t limit = std::max(status[st[k]], at_job);
            bits |= static_cast<std::uint32_t>(first.word[0][k] < limit) << k;
        }
        return bits;
    }
};
}  // namespace

namespace {
// Candidates who may separate (about one in thirty), kept with the first blocks of their streams
// until kSize are found: their columns that separate and end_job read and write are fetched when
// each is found, so that the reads of the whole batch overlap (each is a line of its own). Each
// candidate's separation is its own (its stream, its columns; the flows are sums): doing them
// later, in the same order, changes nothing.
struct SeparationBatch {
    static constexpr std::size_t kSize = 32;
    std::size_t size = 0;
    std::uint32_t who[kSize];
    std::array<std::uint32_t, 4> first[kSize];

    void add(const Candidates& c, std::uint32_t i, const std::array<std::uint32_t, 4>& block) {
        __builtin_prefetch(&c.role[i]);
        __builtin_prefetch(&c.tenure[i], 1);
        __builtin_prefetch(&c.prev_employer[i], 1);
        __builtin_prefetch(&c.wage[i]);
        __builtin_prefetch(&c.reservation[i], 1);
        __builtin_prefetch(&c.spell[i], 1);
        __builtin_prefetch(&c.noncompete_clause[i]);
        __builtin_prefetch(&c.team[i]);
        who[size] = i;
        first[size++] = block;
    }
    // Separates the batch's candidates in order; empties it.
    void separate_all(World& w, Counters& n) {
        for (std::size_t b = 0; b < size; ++b) {
            Stream rng(w.seed, w.now.step, StreamFamily::separations, who[b], 0, first[b]);
            separate(w, who[b], rng, n, shared_flows(w));
        }
        size = 0;
    }
};
}  // namespace

void separations(World& w) {
    const SeparationLimits limits(w);
    w.counters += count_each_index_range(w.active_candidates, [&](std::size_t begin, std::size_t end, Counters& n) {
        SeparationBatch batch;
        for_each_tile(w.seed, w.now.step, StreamFamily::separations, begin, end,
                      [&](std::size_t tile, std::size_t size, const FirstBlocks& blocks) {
                          for (std::uint32_t bits = limits.may_separate(w, tile, size, blocks); bits != 0;
                               bits &= bits - 1) {
                              const auto k = static_cast<std::size_t>(std::countr_zero(bits));
                              batch.add(w.candidates, static_cast<std::uint32_t>(tile + k), blocks.lane(k));
                              if (batch.size == SeparationBatch::kSize) batch.separate_all(w, n);
                          }
                      });
        batch.separate_all(w, n);
    });
}

// ---------------------------------------------------------------------------------------------
// 3. Vacancies and postings.
namespace {
// Vacancy dynamics (eq. 8) of employer e: expiry, growth with demand, replacement of departures;
// in target mode (`target_factor`: the step's target_factors, empty otherwise) the gap to the target.
// Returns the number of postings the employer puts up this step.
std::uint32_t update_vacancies(World& w, std::size_t e, bool unlimited, const std::vector<double>& target_factor,
                               Counters& n) {
    const Scenario& s = *w.scenario;
    const bool target = !target_factor.empty();
    auto& E = w.employers;
    const std::size_t R = s.roles.size(), T = s.employer_types.size();
    if (!E.alive[e]) {
        for (std::size_t r = 0; r < R; ++r)
            E.vacancies[e * R + r] = E.departures[e * R + r] = E.filled[e * R + r] = E.poached[e * R + r] = 0;
        return 0;
    }
    Stream rng(w.seed, w.now.step, StreamFamily::postings, static_cast<std::uint32_t>(e));
    const int k = E.type[e];
    const auto& tp = s.employer_types[k];
    std::uint32_t total = 0;
    const bool can_pay = !s.offers.budget_cap || E.budget[e] - static_cast<double>(E.payroll[e]) > 0;
    for (std::size_t r = 0; r < R; ++r) {
        const std::size_t er = e * R + r;
        // Last month's flows, taken here and started again at 0 in every vacancy mode (measure_friction
        // read them before this pass).
        const std::uint32_t filled = std::exchange(E.filled[er], 0u), departed = std::exchange(E.departures[er], 0u);
        E.poached[er] = 0;
        if (!s.type_hires_role[k][r]) {
            E.vacancies[er] = 0;
            continue;
        }
        if (unlimited) {
            total += 1;
            continue;
        }
        adjust_posted_salary(w, er, filled);
        adjust_requirements(w, er, filled);
        std::uint32_t v = E.vacancies[er];
        if (target) {
            E.vacancies[er] = vacancy_gap(w, e, r, target_factor);
            continue;
        }
        if (v > 0 && s.vacancies.expiry > 0)
            v -= static_cast<std::uint32_t>(
                boost::random::binomial_distribution<int>(static_cast<int>(v), s.vacancies.expiry)(rng));
        const double mean = tp.vacancy_rate * w.now.demand[r * T + k] * E.headcount[er];
        const double most = 10.0 * E.headcount[er] + 20;  // the cap below: a larger mean only overflows the draw
        if (mean > 0)
            v += static_cast<std::uint32_t>(boost::random::poisson_distribution<int>(std::min(mean, most))(rng));
        v += static_cast<std::uint32_t>(std::lround(s.vacancies.replacement_share * departed));
        v = std::min<std::uint32_t>(v, 10 * E.headcount[er] + 20);
        E.vacancies[er] = v;
        n.vacancies += v;
        if (can_pay) total += v;
    }
    if (target) {
        if (s.offers.budget_cap) fund_vacancies(w, e);
        for (std::size_t r = 0; r < R; ++r) {
            n.vacancies += E.vacancies[e * R + r];
            total += E.vacancies[e * R + r];
        }
    }
    return total;
}

// Postings P.first[e] .. P.first[e + 1] of employer e: role, required degree (`bases`: the step's
// BaseShares), channel (eq. 9b), posted salary.
void fill_postings(World& w, const BaseShares& bases, std::size_t e, bool unlimited, Counters& n) {
    const Scenario& s = *w.scenario;
    const auto& E = w.employers;
    auto& P = w.postings;
    const std::size_t R = s.roles.size();
    std::uint32_t p = P.first[e];
    if (p == P.first[e + 1]) return;
    Stream rng(w.seed, w.now.step, StreamFamily::postings, static_cast<std::uint32_t>(e), 1);
    const double campus = unlimited ? 0.0 : s.vacancies.campus_share;
    for (std::size_t r = 0; r < R; ++r) {
        if (!s.type_hires_role[E.type[e]][r]) continue;
        const std::uint32_t v = unlimited ? 1 : E.vacancies[e * R + r];
        if (v == 0) continue;
        // The same for every posting of (e, r): the required shares, and the posted salary of each
        // requirement (level 0: none, 1 + k: the k-th level from the bachelor's) and channel, priced once.
        const double share[3] = {required_share(w, bases, e, r, 0), required_share(w, bases, e, r, 1),
                                 required_share(w, bases, e, r, 2)};
        const int b = s.bachelor_code;
        float salary[4][3];
        bool priced[4][3] = {};
        for (std::uint32_t j = 0; j < v; ++j, ++p) {
            // Required degree (eqs. 9, 9a): PhD, master's, bachelor's or (with an associate level) none.
            // (Sums of 0/1 terms, not conditions: the compiler made branches of those, which the
            // draws mispredicted.) The level: 3 when u < share[2], else 2 when u < share[1], else 1
            // when there is no associate level or u < share[0], else 0.
            const double u = unlimited ? 1.0 : rng.uniform();
            const int phd = u < share[2], masters = u < share[1], bachelors = (b == 0) | (u < share[0]);
            const int level = 3 * phd + (1 - phd) * (2 * masters + (1 - masters) * bachelors);
            const int d = (b + level - 1) * (level != 0);
            // Campus or experienced (eq. 9b): a second number, drawn only with campus postings.
            const int c = campus <= 0 ? static_cast<int>(PostingChannel::open)
                                      : static_cast<int>(PostingChannel::campus) + (rng.uniform() >= campus);
            const auto channel = static_cast<PostingChannel>(c);
            if (!priced[level][c]) {
                salary[level][c] = static_cast<float>(
                    econ::posted_salary(w, static_cast<std::uint32_t>(e), static_cast<int>(r), d, channel));
                priced[level][c] = true;
            }
            const PostingCard card{static_cast<std::uint32_t>(e),   salary[level][c], E.amenity[e],
                                   static_cast<std::uint8_t>(r),     static_cast<std::uint8_t>(d), E.city[e],
                                   static_cast<std::uint8_t>(c)};
            const std::uint32_t slots = unlimited ? 0 : 1;
            // A posting that already holds this card and slots (unlimited postings: every month's) is
            // not written again, so the other threads' copies of its lines stay valid (one branch a
            // posting: drawn vacancies shift the postings and change most of them every month).
            if (std::memcmp(&P.card[p], &card, sizeof card) != 0 || P.slots[p] != slots) {
                P.employer[p] = card.employer;
                P.role[p] = card.role;
                P.degree[p] = card.degree;
                P.channel[p] = card.channel;
                P.slots[p] = slots;
                P.salary[p] = card.salary;
                P.card[p] = card;
            }
            n.posted_salary_sum += std::llround(card.salary);
        }
    }
    n.postings += P.first[e + 1] - P.first[e];
}

// Posted wages of the Burdett-Mortensen equilibrium (eq. 3c). For each role, every live employer
// that hires it posts K(v) per unit of productivity, v its value of a worker of productivity 1
// (eq. 4), against the distribution of the values weighted by the month's vacancies (one each with
// unlimited postings), b the job seekers' reservation wage at p = 1. Serial in employer order
// (employers are few): the wages do not depend on the thread count.
void price_the_ladder(World& w, bool unlimited) {
    const Scenario& s = *w.scenario;
    auto& E = w.employers;
    const std::size_t R = s.roles.size();
    std::vector<double> value, weight;
    std::vector<std::uint32_t> who;
    for (std::size_t r = 0; r < R; ++r) {
        value.clear();
        weight.clear();
        who.clear();
        double total = 0;
        for (std::uint32_t e = 0; e < w.active_employers; ++e) {
            if (!E.alive[e] || !s.type_hires_role[E.type[e]][r]) continue;
            value.push_back(econ::unit_value(w, e, static_cast<int>(r), E.productivity[e]));
            weight.push_back(unlimited ? 1.0 : E.vacancies[e * R + r]);
            total += weight.back();
            who.push_back(e);
        }
        if (total <= 0) continue;
        const double b = s.search.reservation_share * s.roles[r].base_wage;
        const std::vector<double> k = ladder::posted_wages(value, weight, w.now.friction[r], b);
        for (std::size_t j = 0; j < who.size(); ++j) E.ladder_wage[who[j] * R + r] = static_cast<float>(k[j]);
    }
}

// Each role's friction from its flows (eq. 3d): before the vacancies of the step reset them, the
// employers' departures are last step's job-to-job moves (`poached`) and this step's separations
// into non-employment. Both are averaged over about a year (weight 1/12 on the month, the first
// month as it is), and the friction is the steady state's for their ratio. Until the field has
// had a job-to-job move, the declared friction.
void measure_friction(World& w) {
    const Scenario& s = *w.scenario;
    const auto& E = w.employers;
    auto& now = w.now;
    const std::size_t R = s.roles.size();
    std::vector<double> moved(R, 0), left(R, 0);
    for (std::size_t e = 0; e < w.active_employers; ++e)
        for (std::size_t r = 0; r < R; ++r) {
            const std::uint32_t poached = E.poached[e * R + r], departed = E.departures[e * R + r];
            moved[r] += poached;
            left[r] += departed > poached ? departed - poached : 0;
        }
    const bool first = std::accumulate(now.flow_moved.begin(), now.flow_moved.end(), 0.0) == 0;
    if (first && std::accumulate(moved.begin(), moved.end(), 0.0) == 0) return;
    for (std::size_t r = 0; r < R; ++r) {
        now.flow_moved[r] = first ? moved[r] : now.flow_moved[r] + (moved[r] - now.flow_moved[r]) / 12;
        now.flow_left[r] = first ? left[r] : now.flow_left[r] + (left[r] - now.flow_left[r]) / 12;
        now.friction[r] = ladder::friction_from_flows(now.flow_moved[r], now.flow_left[r]);
    }
}

// Lays out the postings from the postings per employer (count[e + 1]); returns how many there are.
// The arrays grow to the most postings of any step so far and never shrink (Postings).
std::size_t lay_out_postings(Postings& P, std::vector<std::uint32_t>& count, std::size_t NE) {
    for (std::size_t e = 0; e < NE; ++e) count[e + 1] += count[e];
    const std::size_t NP = count[NE];
    if (P.first != count) P.first = count;  // (unchanged: the other threads' copies stay valid)
    if (NP > P.employer.size()) {
        P.employer.resize(NP);
        P.slots.resize(NP);
        P.role.resize(NP);
        P.degree.resize(NP);
        P.channel.resize(NP);
        P.salary.resize(NP);
        P.card.resize(NP);
    }
    P.count = NP;
    return NP;
}

// Directed search (eq. 10b): each posting's salary relative to the mean posted salary of the
// month's postings of its role, required degree and channel, to the power search.pay_elasticity. The sums
// by role and degree are those of a serial loop in posting order (sums_by_cell, parallel.hpp), so
// they do not depend on the thread count.
std::vector<float> relative_pay(const World& w, std::size_t NP) {
    const Scenario& s = *w.scenario;
    const auto& P = w.postings;
    const std::size_t D = s.degrees.size();
    // Cells by role, degree and channel (eq. 9b): a campus posting against the campus postings.
    const auto cell_of = [&](std::size_t p) { return (std::size_t{P.role[p]} * D + P.degree[p]) * 3 + P.channel[p]; };
    const CellSums by_cell =
        sums_by_cell(NP, s.roles.size() * D * 3, cell_of, [&](std::size_t p) { return P.salary[p]; });
    std::vector<float> factor(NP);
    const double eta = s.search.pay_elasticity;
    // The postings of an employer and role with the same required degree and channel have the
    // same salary (fill_postings): the power is computed once for each, kept by degree and
    // channel as the postings go by (the channels of an employer's postings alternate at random).
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, NP, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
        struct Last {
            std::uint32_t salary_bits = 0;
            std::size_t cell = SIZE_MAX;
            float factor = 0;
        };
        std::array<Last, 32> last{};  // [(degree * 3 + channel) % 32]
        for (std::size_t p = r.begin(); p != r.end(); ++p) {
            const std::size_t cell = cell_of(p);
            Last& m = last[(std::size_t{P.degree[p]} * 3 + P.channel[p]) % 32];
            if (m.cell != cell || m.salary_bits != std::bit_cast<std::uint32_t>(P.salary[p])) {
                m = Last{std::bit_cast<std::uint32_t>(P.salary[p]), cell,
                         static_cast<float>(std::pow(P.salary[p] * by_cell.count[cell] / by_cell.sum[cell], eta))};
            }
            factor[p] = m.factor;
        }
    });
    return factor;
}

// Whether the step's postings are campus and experienced ones (eq. 9b), not open to all.
bool campus_postings(const Scenario& s) { return s.vacancies.campus_share > 0 && !s.vacancies.unlimited; }

// The binomial's cumulative chances of at most m of K draws (m = 0 .. K - 1) falling in a list
// whose share of the draws is q, times 2^32 (PostingSampler::hits).
void binomial_thresholds(std::size_t K, double q, std::uint64_t* out) {
    double term = std::pow(1.0 - q, static_cast<double>(K)), below = 0;  // P(m = 0)
    for (std::size_t m = 0; m < K; ++m) {
        below += term;
        out[m] = q <= 0 || below >= 1 ? std::uint64_t{1} << 32 : static_cast<std::uint64_t>(below * 4294967296.0);
        term = q >= 1 ? 0.0 : term * (static_cast<double>(K - m) / static_cast<double>(m + 1)) * (q / (1.0 - q));
    }
}

// The lists of one kind of searcher (PostingSampler), from the chance of each group for it.
void build_lists(PostingSampler& S, std::size_t kind, const std::vector<double>& chance) {
    const double sum = std::accumulate(chance.begin(), chance.end(), 0.0);
    const std::size_t places = S.groups / (S.roles * S.degrees);
    std::vector<std::uint32_t> in;  // the list's groups (place, role r, degree up to d) with a chance, in order
    for (std::size_t r = 0; r < S.roles; ++r)
        for (std::size_t d = 0; d < S.degrees; ++d) {
            const std::size_t l = S.list(kind, r, d);
            S.list_first[l] = static_cast<std::uint32_t>(S.list_group.size());
            in.clear();
            double in_list = 0;
            for (std::size_t place = 0; place < places; ++place)
                for (std::size_t g = (place * S.roles + r) * S.degrees, last = g + d; g <= last; ++g)
                    if (chance[g] > 0) {
                        in.push_back(static_cast<std::uint32_t>(g));
                        in_list += chance[g];
                    }
            double below = 0;
            for (const std::uint32_t g : in) {
                below += chance[g];
                S.list_group.push_back(g);
                S.list_threshold.push_back(static_cast<std::uint64_t>(below / in_list * 4294967296.0));
            }
            if (S.list_group.size() > S.list_first[l]) S.list_threshold.back() = std::uint64_t{1} << 32;
            S.share[l] = sum > 0 ? in_list / sum : 0.0;
            binomial_thresholds(S.draws, S.share[l], S.hits.data() + l * S.draws);
        }
}

// The chance of each group for a kind of searcher (city, and channel: kind = channel (C + 1) +
// city): its city's factor times the group's total, 0 for the other channel's groups; in proportion
// to the groups' sizes when every chance is 0.
std::vector<double> kind_chances(const Scenario& s, const PostingSampler& S, std::size_t kind,
                                 const std::vector<double>& total) {
    const std::size_t C = s.cities.size(), city = kind % (C + 1), channel = kind / (C + 1);
    std::vector<double> chance(S.groups);
    for (std::size_t g = 0; g < S.groups; ++g) {
        const std::size_t place = g / (S.roles * S.degrees), pc = place % (C + 1);
        const double seen = (pc == C ? 1.0 : s.cities[pc].visibility) * (pc == city ? 1.0 : s.search.other_city_weight);
        chance[g] = place / (C + 1) == channel ? seen * total[g] : 0.0;
    }
    if (std::accumulate(chance.begin(), chance.end(), 0.0) <= 0)
        for (std::size_t g = 0; g < S.groups; ++g) chance[g] = static_cast<double>(S.first[g + 1] - S.first[g]);
    return chance;
}

// The lists of every kind of searcher (build_lists), from the groups' totals.
void build_all_lists(const Scenario& s, PostingSampler& S, const std::vector<double>& total) {
    const std::size_t lists = S.kinds * S.roles * S.degrees;
    S.list_first.assign(lists + 1, 0);
    S.list_group.clear();
    S.list_threshold.clear();
    S.share.assign(lists, 0.0);
    S.hits.assign(lists * S.draws, 0);
    for (std::size_t kind = 0; kind < S.kinds; ++kind) build_lists(S, kind, kind_chances(s, S, kind, total));
    S.list_first[lists] = static_cast<std::uint32_t>(S.list_group.size());
}

// Sampling weights by searcher city (eq. 10) in a PostingSampler: a group of postings by employer
// city (C = abroad), with campus postings (eq. 9b) channel (campus first), role and required
// degree; a kind of searcher by city (the last for searchers abroad), and with campus postings
// again for the experienced searchers after those of the campus ones, each giving the other
// channel's groups no chance. A posting's own factor is its employer type's visibility and, with
// directed search, its relative pay (eq. 10b); its city's factor is the city's visibility (1
// abroad) times 1 in the searcher's city and other_city_weight elsewhere. A kind of searcher whose
// postings all have weight 0 draws the groups in proportion to their sizes. Each kind's lists
// (build_lists) hold the groups of a role and of the degrees up to one.
void build_samplers(World& w, std::size_t NP) {
    const Scenario& s = *w.scenario;
    const auto& E = w.employers;
    auto& P = w.postings;
    PostingSampler& S = P.sampler;
    const std::size_t C = s.cities.size(), channels = campus_postings(s) ? 2 : 1, NK = channels * (C + 1);
    const std::size_t R = s.roles.size(), D = s.degrees.size(), G = NK * R * D;
    const auto group_of = [&](std::size_t p) {
        const std::uint32_t e = P.employer[p];
        const std::size_t city = E.city[e] == kAbroad ? C : E.city[e];
        const std::size_t place =
            channels == 2 && P.channel[p] == static_cast<std::uint8_t>(PostingChannel::experienced) ? city + C + 1 : city;
        return (place * R + P.role[p]) * D + P.degree[p];
    };
    // The postings of each group, in posting order (a counting sort, group_indices).
    S.groups = G;
    S.kinds = NK;
    S.roles = R;
    S.degrees = D;
    S.draws = static_cast<std::size_t>(s.search.applications);
    std::vector<std::uint32_t> member;
    group_indices(NP, G, group_of, S.first, member);
    const std::vector<float> pay = s.search.pay_elasticity > 0 ? relative_pay(w, NP) : std::vector<float>{};
    const auto own = [&](std::uint32_t p) {
        const double type = s.employer_types[E.type[P.employer[p]]].visibility;
        return pay.empty() ? type : type * pay[p];
    };
    S.column.resize(NP);
    std::vector<double> total(G);
    tbb::parallel_for(std::size_t{0}, G, [&](std::size_t g) {
        const std::uint32_t* in = member.data() + S.first[g];
        const std::size_t n = S.first[g + 1] - S.first[g];
        AliasTable local;
        total[g] = n == 0 ? 0.0 : local.build(n, [&](std::size_t j) { return own(in[j]); });
        for (std::size_t j = 0; j < n; ++j)
            S.column[S.first[g] + j] = {local.column[j].keep, in[j], in[local.column[j].alias]};
    });
    build_all_lists(s, S, total);
}
}  // namespace

void post_vacancies(World& w) {
    const Scenario& s = *w.scenario;
    const std::size_t NE = w.active_employers;
    const bool unlimited = s.vacancies.unlimited, target = s.vacancies.mode == "target";
    std::vector<std::uint32_t> count(NE + 1, 0);
    if (s.wages.ladder_from_flows) measure_friction(w);
    const std::vector<double> target_factor = target ? target_factors(w) : std::vector<double>{};
    w.counters += count_each_index(
        NE, [&](std::size_t e, Counters& n) { count[e + 1] = update_vacancies(w, e, unlimited, target_factor, n); },
        kFineGrain);
    const std::size_t NP = lay_out_postings(w.postings, count, NE);
    if (s.wages.ladder_friction > 0) price_the_ladder(w, unlimited);
    const BaseShares bases(s);
    w.counters += count_each_index(
        NE, [&](std::size_t e, Counters& n) { fill_postings(w, bases, e, unlimited, n); }, kFineGrain);
    if (unlimited) w.counters.vacancies = static_cast<std::int64_t>(NP);
    if (s.search_mode == SearchMode::exogenous) return;
    build_samplers(w, NP);
}

std::vector<double> PostingSampler::chances(std::size_t l, std::size_t postings) const {
    std::vector<double> chance(postings, 0.0);
    for (std::uint32_t x = list_first[l]; x < list_first[l + 1]; ++x) {
        const std::uint32_t g = list_group[x];
        const std::uint64_t below = x == list_first[l] ? 0 : list_threshold[x - 1];
        const double group = share[l] * static_cast<double>(list_threshold[x] - below) / 4294967296.0;
        const double n = first[g + 1] - first[g];
        for (std::uint32_t j = first[g]; j < first[g + 1]; ++j) {
            chance[column[j].self] += group / n * column[j].keep;
            chance[column[j].alias] += group / n * (1.0 - column[j].keep);
        }
    }
    return chance;
}

// ---------------------------------------------------------------------------------------------
// 4. Search and applications.
namespace {
struct Application {
    std::uint32_t posting;
    Applicant who;
};
using FoundApplications = tbb::enumerable_thread_specific<std::vector<Application>>;
constexpr std::size_t kMaxApplications = 100;  // search.applications <= 100

// The probability that a candidate searches this step, by status: on the job its own intensity
// (its search_intensity column), a student only within student_search_months of graduating, 0 for
// the other statuses. Set once a step; `of` picks the value from a table by status, and
// `searches` makes the draw of it (may_search runs it for a tile at once).
struct SearchIntensities {
    // [status] (the employed's: their own column), then [kStatusCount]: a student not yet due (0).
    double by_status[kStatusCount + 1] = {};
    std::int64_t due;  // a student searches when its graduation step is at most this
    SearchIntensities(const Scenario& s, std::int32_t step) : due(step + s.population.student_search_months) {
        by_status[u8(Status::student)] = s.search.student_intensity;
        by_status[u8(Status::unemployed)] = s.search.unemployed_intensity;
        by_status[u8(Status::abroad)] = s.search.abroad_intensity;
        set_below();
    }
    double of(std::uint8_t st, float on_the_job, std::int64_t graduation) const {
        const bool idle_student = (st == u8(Status::student)) & (graduation > due);
        const double listed = by_status[idle_student ? std::uint8_t{kStatusCount} : st];
        const auto own = static_cast<double>(on_the_job);
        return st == u8(Status::employed) ? own : listed;
    }
    // Whether the first number of a candidate's search stream, `word`, makes it search: u < of(...)
    // with u = word / 2^32 (Stream::bernoulli), as bit logic without a branch (the statuses of
    // neighbouring candidates differ at random; the choice between two doubles compiled to branches):
    // for the statuses' own intensities, word < below[status] (draws_below).
    bool searches(std::uint8_t st, float on_the_job, std::int64_t graduation, std::uint32_t word) const {
        const bool idle_student = (st == u8(Status::student)) & (graduation > due);
        const bool listed = word < below[idle_student ? std::uint8_t{kStatusCount} : st];
        const bool own = word * (1.0 / 4294967296.0) < static_cast<double>(on_the_job);
        const bool employed = st == u8(Status::employed);
        return (employed & own) | (!employed & listed);
    }

private:
    std::uint64_t below[kStatusCount + 1] = {};

    void set_below() {
        for (int st = 0; st <= kStatusCount; ++st) below[st] = draws_below(by_status[st]);
    }
};

// The probability that candidate i (status st) searches this step; counts the unemployed spell.
double search_intensity(World& w, const SearchIntensities& intensity, std::uint32_t i, Status st) {
    auto& c = w.candidates;
    if (st == Status::unemployed) c.spell[i] = static_cast<std::uint16_t>(std::min(65535, c.spell[i] + 1));
    return intensity.of(u8(st), c.search_intensity[i], c.graduation_step[i]);
}

// The list of searcher i (build_samplers): its kind (its city's, the last for abroad, and with
// campus postings (eq. 9b) its channel's), its role and its degree.
std::size_t sampler_list(const World& w, std::uint32_t i) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    const PostingSampler& S = w.postings.sampler;
    const std::size_t C = s.cities.size(), city = c.city[i] == kAbroad ? C : c.city[i];
    const bool experienced = campus_postings(s) && econ::channel_of(w, i) == PostingChannel::experienced;
    const std::size_t kind = experienced ? city + C + 1 : city;
    return S.list(kind, std::min<std::size_t>(c.role[i], S.roles - 1), std::min<std::size_t>(c.degree[i], S.degrees - 1));
}

// The random numbers of the m postings a searcher samples (the draws of its list, sampler_list; exogenous
// search: its K draws of a uniform posting, kept in `column`), in the order of one sample at a time: a group,
// a column and a coin of the PostingSampler, then the signal noise. The alias columns are prefetched;
// resolve_postings reads them later, so that the reads of many searchers overlap (search is bound by them).
void draw_postings(const World& w, std::size_t list, std::size_t m, Stream& rng, PostingSampler::Pending* pending,
                   double* noise) {
    const auto& P = w.postings;
    const std::size_t NP = P.size();
    const bool exogenous = w.scenario->search_mode == SearchMode::exogenous;
    boost::random::normal_distribution<double> normal;
    for (std::size_t a = 0; a < m; ++a) {
        if (exogenous)
            pending[a] = {static_cast<std::uint32_t>(std::min<double>(NP - 1, rng.uniform() * NP)), 0.f};
        else
            pending[a] = P.sampler.start(list, rng);
        noise[a] = normal(rng);
    }
}

// The postings of the draws (draw_postings); their cards are prefetched.
void resolve_postings(const World& w, std::size_t K, const PostingSampler::Pending* pending, std::uint32_t* sampled) {
    const auto& P = w.postings;
    const bool exogenous = w.scenario->search_mode == SearchMode::exogenous;
    for (std::size_t a = 0; a < K; ++a) {
        sampled[a] = exogenous ? pending[a].column : P.sampler.finish(pending[a]);
        __builtin_prefetch(&P.card[sampled[a]]);
    }
}

// Is posting p eligible for candidate i (status st, utility of staying `stay`) and better than
// what it has (eq. 11)? With contacts, a candidate with a job contacts any eligible posting and
// the bidder's value decides (eq. 11a).
// Is posting p open to candidate i at all: its role, a degree it meets, another employer?
bool eligible(const World& w, std::uint32_t i, std::uint32_t p) {
    const auto& c = w.candidates;
    const PostingCard& post = w.postings.card[p];
    return post.role == c.role[i] && post.degree <= c.degree[i] && post.employer != c.employer[i] &&
           (post.channel == static_cast<std::uint8_t>(PostingChannel::open) ||
            post.channel == static_cast<std::uint8_t>(econ::channel_of(w, i)));
}

// The top of the pay range of a posting that pays `posted` (eq. 12, with the tier premium): the
// most any outside bid may be (eq. 12b); without ranges, kMaxSalary.
double range_top(const Scenario& s, double posted) {
    return s.offers.pay_range > 0 ? s.offers.pay_range * posted : econ::kMaxSalary;
}

// Whether the top of a posting's advertised pay range (eq. 12b) pays candidate i the raise it asks
// for: with ranges, a candidate with a job does not contact a posting that cannot pay it more.
bool range_reaches(const World& w, std::uint32_t i, const PostingCard& post) {
    const Scenario& s = *w.scenario;
    if (s.offers.pay_range <= 0) return true;
    const auto& c = w.candidates;
    return range_top(s, post.salary * s.tier_factor(post.degree, c.tier[i])) >= c.wage[i] * (1.0 + s.search.min_raise);
}

bool worth_applying(const World& w, std::uint32_t i, Status st, std::uint32_t p, double stay) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    const PostingCard& post = w.postings.card[p];
    if (!eligible(w, i, p)) return false;
    const double u_post = econ::utility_at(w, i, post.city, post.amenity, post.salary);
    const bool has_job = c.employer[i] != kNone && (st == Status::employed || st == Status::abroad);
    if (s.offers.contacts && has_job) return std::isfinite(u_post) && range_reaches(w, i, post);
    if (st == Status::employed && post.salary < c.wage[i] * (1.0 + s.search.min_raise)) return false;
    return u_post > stay;
}

// Candidate i applies to the sampled postings that are eligible and better than what it has
// (eq. 11); with contacts, a candidate with a job contacts any eligible posting and the bidder's
// value decides (eq. 11a). Each posting once.
void apply_to_postings(World& w, std::uint32_t i, Status st, const std::uint32_t* sampled, const double* noise,
                       std::size_t K, std::vector<Application>& mine, Counters& n) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    double stay = 0;  // the utility of staying and the log-productivity, computed for the first eligible posting
    float log_p = 0;
    bool stay_known = false;
    std::uint32_t chosen[kMaxApplications];
    std::size_t applied = 0;
    for (std::size_t a = 0; a < K; ++a) {
        const std::uint32_t p = sampled[a];
        const double z = noise[a];
        if (!eligible(w, i, p)) continue;
        if (!stay_known) {
            stay = econ::utility_of_staying(w, i);
            log_p = std::log(c.productivity[i]);
            stay_known = true;
        }
        if (!worth_applying(w, i, st, p, stay)) continue;
        if (std::find(chosen, chosen + applied, p) != chosen + applied) continue;
        chosen[applied++] = p;
        const auto signal = static_cast<float>(log_p + s.search.signal_noise * z);
        mine.push_back(Application{p, Applicant{signal, i}});
        n.applications++;
    }
}

// Group by posting, then rank each posting's applicants by signal (ties: lower id first). Each
// thread's list counts its applications by posting, and places them after those of the lists
// before it (offsets from the counts, without a locked add per application); the order within a
// posting does not matter, the sort decides it.
void rank_applicants(World& w, FoundApplications& found) {
    auto& A = w.applications;
    const std::size_t NP = w.postings.size();
    std::vector<std::vector<Application>*> lists;
    for (auto& list : found) lists.push_back(&list);
    std::vector<std::vector<std::uint32_t>> at(lists.size());  // [list][posting]: its count, then its next place
    tbb::parallel_for(std::size_t{0}, lists.size(), [&](std::size_t l) {
        at[l].assign(NP, 0);
        for (const Application& app : *lists[l]) ++at[l][app.posting];
    });
    // The offsets by posting, a prefix sum of the counts in parallel: each chunk of kGrain postings
    // sums its counts, the chunks' sums are added up in order, then each chunk sets its offsets.
    const std::size_t chunks = (NP + kGrain - 1) / kGrain;
    std::vector<std::uint32_t> before(chunks + 1, 0);  // [chunk]: the applications of the chunks before it
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        std::uint32_t sum = 0;
        for (std::size_t p = ch * kGrain, end = std::min(NP, p + kGrain); p < end; ++p)
            for (const auto& count : at) sum += count[p];
        before[ch + 1] = sum;
    });
    for (std::size_t ch = 0; ch < chunks; ++ch) before[ch + 1] += before[ch];
    A.first.resize(NP + 1);
    A.cursor.resize(NP);
    A.first[NP] = before[chunks];
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        std::uint32_t next = before[ch];
        for (std::size_t p = ch * kGrain, end = std::min(NP, p + kGrain); p < end; ++p) {
            A.first[p] = A.cursor[p] = next;
            for (auto& count : at) next += std::exchange(count[p], next);
        }
    });
    A.ranked.resize(A.first[NP]);
    tbb::parallel_for(std::size_t{0}, lists.size(), [&](std::size_t l) {
        for (const Application& app : *lists[l]) A.ranked[at[l][app.posting]++] = app.who;
    });
    for_each_index(NP, [&](std::size_t p) {
        std::sort(A.ranked.begin() + A.first[p], A.ranked.begin() + A.first[p + 1],
                  [](const Applicant& x, const Applicant& y) {
                      return x.signal != y.signal ? x.signal > y.signal : x.candidate < y.candidate;
                  });
    });
}

// Applicants per employer and role, for the degree requirements of the next step (eq. 9a).
void count_applicants(World& w) {
    const auto& P = w.postings;
    const auto& A = w.applications;
    const std::size_t R = w.scenario->roles.size();
    // By employer: its postings are P.first[e] .. P.first[e + 1], and its row only its own task
    // writes (no locked add per posting).
    for_each_index(P.first.size() - 1, [&](std::size_t e) {
        for (std::uint32_t p = P.first[e]; p < P.first[e + 1]; ++p)
            w.employers.applied[e * R + P.role[p]] += A.first[p + 1] - A.first[p];
    });
}
}  // namespace

namespace {
// The columns of searcher i that apply_to_postings reads and the search before it did not (the
// searchers who draw are about one candidate in forty: each is a line of its own), fetched when
// the searcher joins its batch.
void prefetch_for_applying(const Candidates& c, std::uint32_t i) {
    __builtin_prefetch(&c.home_city[i]);
    __builtin_prefetch(&c.productivity[i]);
    __builtin_prefetch(&c.reservation[i]);
    __builtin_prefetch(&c.employer[i]);
    __builtin_prefetch(&c.wage[i]);
    __builtin_prefetch(&c.tier[i]);
}

// Searchers whose postings are drawn and not yet read (search): the draws of a batch are all made
// before the first read, so the random reads of the alias columns and then of the posting cards
// of the whole batch overlap. Each searcher's draws and applications are those of one searcher
// at a time (its own stream, its own columns); only the order of the applications in the
// thread's list changes, and rank_applicants orders them.
struct SearchBatch {
    static constexpr std::size_t kSize = 16;
    std::size_t size = 0, K = 0;
    std::uint32_t who[kSize];
    Status status[kSize];
    std::uint32_t drawn[kSize];  // postings drawn by each searcher (at most K)
    PostingSampler::Pending pending[kSize * kMaxApplications];
    double noise[kSize * kMaxApplications];
    std::uint32_t sampled[kSize * kMaxApplications];

    // Reads the batch's postings and applies; empties the batch.
    void apply(World& w, std::vector<Application>& mine, Counters& n) {
        for (std::size_t b = 0; b < size; ++b) resolve_postings(w, drawn[b], pending + b * K, sampled + b * K);
        for (std::size_t b = 0; b < size; ++b)
            apply_to_postings(w, who[b], status[b], sampled + b * K, noise + b * K, drawn[b], mine, n);
        size = 0;
    }
};

// Which candidates of a tile search this step: bit k set when u, the first number of candidate
// tile + k's search stream, is below its intensity (search_intensity's bernoulli, without a branch
// or a stream per candidate; u < intensity never holds at intensity 0). Counts the unemployed
// spell, as search_intensity does, with a store at every candidate.
std::uint32_t may_search(World& w, const SearchIntensities& intensity, std::size_t tile, std::size_t n,
                         const FirstBlocks& first) {
    auto& c = w.candidates;
    const std::uint8_t* status = c.status.data() + tile;
    std::uint16_t* spell = c.spell.data() + tile;
    const float* on_the_job = c.search_intensity.data() + tile;
    const StepColumn* graduation = c.graduation_step.data() + tile;
    std::uint32_t bits = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint8_t st = status[k];
        const bool unemployed = st == u8(Status::unemployed);
        spell[k] = static_cast<std::uint16_t>(spell[k] + (unemployed & (spell[k] < 65535) ? 1 : 0));
        bits |= static_cast<std::uint32_t>(intensity.searches(st, on_the_job[k], graduation[k], first.word[0][k])) << k;
    }
    return bits;
}

// Candidates [begin, end) of search: who searches (may_search), how many of its draws fall in its
// list (endogenous search: PostingSampler::hits_of, the stream's second number), those draws made
// in batches (SearchBatch), the applications. rng: each searcher's search stream, its first block
// computed for tiles of agents (rng.hpp); a searcher none of whose draws falls in its list makes
// no other.
void search_range(World& w, const SearchIntensities& intensity, std::size_t begin, std::size_t end,
                  FoundApplications& found, Counters& n) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    const std::size_t NP = w.postings.size();
    const bool exogenous = s.search_mode == SearchMode::exogenous;
    auto batch = std::make_unique<SearchBatch>();
    batch->K = exogenous ? 1 : static_cast<std::size_t>(s.search.applications);
    std::vector<Application>& mine = found.local();
    for_each_tile(w.seed, w.now.step, StreamFamily::search, begin, end,
                  [&](std::size_t tile, std::size_t size, const FirstBlocks& blocks) {
        const std::uint32_t searching = may_search(w, intensity, tile, size, blocks);
        for (std::uint32_t bits = NP > 0 ? searching : 0; bits != 0; bits &= bits - 1) {
            const auto k = static_cast<std::size_t>(std::countr_zero(bits));
            const auto i = static_cast<std::uint32_t>(tile + k);
            n.searchers++;
            const std::size_t list = exogenous ? 0 : sampler_list(w, i);
            const std::uint32_t m = exogenous ? 1 : w.postings.sampler.hits_of(list, blocks.word[1][k]);
            if (m == 0) continue;
            Stream rng(w.seed, w.now.step, StreamFamily::search, i, 0, blocks.lane(k));
            rng();  // the bernoulli of may_search
            if (!exogenous) rng();  // the count of hits_of
            prefetch_for_applying(c, i);
            SearchBatch& b = *batch;
            b.who[b.size] = i;
            b.status[b.size] = static_cast<Status>(c.status[i]);
            b.drawn[b.size] = m;
            draw_postings(w, list, m, rng, b.pending + b.size * b.K, b.noise + b.size * b.K);
            if (++b.size == SearchBatch::kSize) b.apply(w, mine, n);
        }
    });
    batch->apply(w, mine, n);
}
}  // namespace

void search(World& w) {
    const Scenario& s = *w.scenario;
    FoundApplications found;
    const SearchIntensities intensity(s, w.now.step);
    w.counters += count_each_index_range(w.active_candidates, [&](std::size_t begin, std::size_t end, Counters& n) {
        search_range(w, intensity, begin, end, found, n);
    });
    rank_applicants(w, found);
    if (counts_applicants(s)) count_applicants(w);
}

namespace {
// Applicants come in signal order, that is at random: screening is bound by the reads of their
// columns, so they are started kScreenAhead applicants ahead.
constexpr std::uint32_t kScreenAhead = 6;
[[gnu::always_inline]] inline void prefetch_for_screening(const Candidates& c, std::uint32_t i) {
    __builtin_prefetch(&c.hired_step[i]);
    __builtin_prefetch(&c.status[i]);
    __builtin_prefetch(&c.employer[i]);
    __builtin_prefetch(&c.wage[i]);
    __builtin_prefetch(&c.tier[i]);
    __builtin_prefetch(&c.role[i]);
    __builtin_prefetch(&c.degree[i]);
    __builtin_prefetch(&c.experience[i]);
    __builtin_prefetch(&c.city[i]);  // the utility of staying of one with a job (opening_bid)
    __builtin_prefetch(&c.home_city[i]);
}

// The offer of posting p's employer to applicant i, whom it values at `worth` a year, with
// `headroom` left in its budget (eqs. 12, 12a); false when it makes none. `bid`: the salary
// offered before rounding to the offer's float.
bool make_offer(const World& w, std::uint32_t p, std::uint32_t i, double worth, double headroom, Offer& out,
                double& bid) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    const std::uint32_t e = w.postings.employer[p];
    const bool employed =
        c.status[i] == u8(Status::employed) || (c.status[i] == u8(Status::abroad) && c.employer[i] != kNone);
    const double posted =
        std::min(econ::kMaxSalary, w.postings.salary[p] * s.tier_factor(w.postings.degree[p], c.tier[i]));  // eq. 12
    if (worth < posted) return false;  // not worth the posted salary (eq. 12)
    const double limit = std::min({worth, headroom, range_top(s, posted), econ::kMaxSalary});  // eq. 12b
    bid = posted;
    if (employed && s.offers.contacts) {
        if (!opening_bid(w, e, i, posted, limit, bid)) return false;
    } else {
        if (employed && s.offers.poaching) bid = std::max(posted, c.wage[i] * (1.0 + s.offers.poaching_premium));
        bid = std::min(bid, limit);
        if (bid < posted || (employed && bid <= c.wage[i])) return false;
    }
    const auto kind = bid > posted ? OfferKind::poaching : OfferKind::posted;
    out = Offer{i,
                e,
                p,
                static_cast<float>(bid),
                static_cast<float>(std::min(limit, econ::kMaxSalary)),
                static_cast<std::uint8_t>(kind)};
    return true;
}

// Gathers the employers' offers (in parallel, in employer order) and sorts them by candidate, so
// each candidate's offers are adjacent (w.groups: offsets of the groups). The employers' offers
// come in posting order (postings are laid out by employer), so each candidate's stay in posting
// order: the order by (candidate, posting). The places of the employers' offers are counted by
// fixed chunks of kOfferChunk employers, each chunk's in parallel.
void group_offers_by_candidate(World& w, std::size_t NE) {
    constexpr std::size_t kOfferChunk = 256;
    const std::size_t chunks = (NE + kOfferChunk - 1) / kOfferChunk;
    const auto each_employer = [&](std::size_t chunk, auto&& fn) {
        const std::size_t end = std::min(NE, (chunk + 1) * kOfferChunk);
        for (std::size_t e = chunk * kOfferChunk; e < end; ++e) fn(w.by_employer[e]);
    };
    std::vector<std::size_t> at(chunks + 1, 0);
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        each_employer(ch, [&](const std::vector<Offer>& offers) { at[ch + 1] += offers.size(); });
    });
    for (std::size_t ch = 0; ch < chunks; ++ch) at[ch + 1] += at[ch];
    w.round_offers.resize(at[chunks]);
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        auto to = w.round_offers.begin() + static_cast<std::ptrdiff_t>(at[ch]);
        each_employer(ch, [&](const std::vector<Offer>& offers) { to = std::copy(offers.begin(), offers.end(), to); });
    });
    sort_by_candidate(w.round_offers, w.active_candidates);
    const auto& o = w.round_offers;
    w.groups = collect_indices(o.size(), [&](std::size_t k) { return k == 0 || o[k].candidate != o[k - 1].candidate; });
    w.groups.push_back(static_cast<std::uint32_t>(o.size()));
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// 5. Screening and offers. Each employer goes through its postings in order, within its budget.
namespace {
// Employer e screens the applicants of its postings in order, within its budget (eqs. 12, 12a).
// The applicants are read in the order of A.ranked, posting after posting, and postings have few
// applicants each: the columns of the applicant kScreenAhead places further in A.ranked are
// fetched (below `ahead_end`, the end of the applicants of the employers of this task).
void screen_postings(World& w, std::size_t e, int round, std::uint32_t ahead_end) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    const auto& P = w.postings;
    auto& A = w.applications;
    const auto& E = w.employers;
    auto& out = w.by_employer[e];
    out.clear();
    if (P.first.size() <= e + 1 || P.first[e] == P.first[e + 1]) return;
    double headroom = s.offers.budget_cap
                          ? E.budget[e] - static_cast<double>(E.payroll[e]) - static_cast<double>(E.committed[e])
                          : std::numeric_limits<double>::infinity();
    for (std::uint32_t p = P.first[e]; p < P.first[e + 1]; ++p) {
        const bool unlimited = P.slots[p] == 0;
        if (unlimited && round > 0) continue;
        std::uint32_t to_make = unlimited ? A.first[p + 1] - A.cursor[p] : P.slots[p];
        while (to_make > 0 && A.cursor[p] < A.first[p + 1]) {
            if (A.cursor[p] + kScreenAhead < ahead_end)
                prefetch_for_screening(c, A.ranked[A.cursor[p] + kScreenAhead].candidate);
            const Applicant& who = A.ranked[A.cursor[p]++];
            const std::uint32_t i = who.candidate;
            if (c.hired_step[i] == w.now.step) continue;
            const double worth =
                econ::value(w, static_cast<std::uint32_t>(e), i, econ::productivity_estimate(w, i, who.signal));
            Offer offer;
            double bid = 0;
            if (!make_offer(w, p, i, worth, headroom, offer, bid)) continue;
            headroom -= bid;
            out.push_back(offer);
            --to_make;
        }
    }
}
}  // namespace

void screen_and_offer(World& w, int round) {
    const auto& P = w.postings;
    const std::size_t NE = w.active_employers;
    w.by_employer.resize(std::max(w.by_employer.size(), NE));
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, NE), [&](const tbb::blocked_range<std::size_t>& r) {
        const std::uint32_t ahead_end = P.first.size() > r.end() ? w.applications.first[P.first[r.end()]] : 0;
        for (std::size_t e = r.begin(); e != r.end(); ++e) screen_postings(w, e, round, ahead_end);
    });
    group_offers_by_candidate(w, NE);
    w.counters.offers += static_cast<std::int64_t>(w.round_offers.size());
}

namespace {
// The candidates of the round's offer groups are spread over all candidates: the columns that the
// auction, counteroffers and decisions read of the candidate of group g + kGroupsAhead are fetched
// while group g is decided.
constexpr std::size_t kGroupsAhead = 8;
[[gnu::always_inline]] inline void prefetch_group(const World& w, std::size_t g) {
    if (g + 1 >= w.groups.size()) return;
    const auto& c = w.candidates;
    const std::uint32_t i = w.round_offers[w.groups[g]].candidate;
    __builtin_prefetch(&c.status[i]);
    __builtin_prefetch(&c.employer[i]);
    __builtin_prefetch(&c.wage[i], 1);
    __builtin_prefetch(&c.city[i]);
    __builtin_prefetch(&c.home_city[i]);
    __builtin_prefetch(&c.reservation[i]);
    __builtin_prefetch(&c.productivity[i]);
    __builtin_prefetch(&c.noncompete_clause[i]);
    __builtin_prefetch(&c.noncompete_damages[i]);
    __builtin_prefetch(&c.hired_step[i], 1);
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// 6. Counteroffers: with the auction on, the incumbent and the outside bidders bid from their
// values and the winner pays the runner-up's (eq. 13); otherwise the incumbent may match the best
// outside offer up to its limit (eq. 13a).
void counteroffer(World& w, int round) {
    const Scenario& s = *w.scenario;
    auto& c = w.candidates;
    const std::size_t G = w.groups.size() - 1;
    w.counteroffers.assign(G, Offer{kNone, kNone, kNone, 0.f, 0.f, static_cast<std::uint8_t>(OfferKind::counteroffer)});
    if (!s.counteroffers.enabled) return;
    if (s.counteroffers.auction) {
        w.counters += count_each_index(
            G,
            [&](std::size_t g, Counters& n) {
                prefetch_group(w, g + kGroupsAhead);
                auction(w, g, round, n);
            },
            kFineGrain);
        return;
    }
    w.counters += count_each_index(G, [&](std::size_t g, Counters& n) {
        prefetch_group(w, g + kGroupsAhead);
        const std::uint32_t i = w.round_offers[w.groups[g]].candidate;
        if (c.status[i] != u8(Status::employed)) return;
        const std::uint32_t inc = c.employer[i];
        // The best outside offer by utility.
        double u_best = -std::numeric_limits<double>::infinity();
        for (std::uint32_t k = w.groups[g]; k < w.groups[g + 1]; ++k) {
            const Offer& o = w.round_offers[k];
            u_best = std::max(u_best, econ::utility_of_offer(w, i, o.employer, o.salary));
        }
        const double nonwage_inc = econ::utility_of_offer(w, i, inc, 0.0);
        const double match = u_best - nonwage_inc;  // the wage at which staying is as good
        if (match <= c.wage[i]) return;
        const auto& tp = s.employer_types[w.employers.type[inc]];
        Stream rng(w.seed, w.now.step, StreamFamily::counteroffers, i, static_cast<std::uint32_t>(round));
        if (!rng.bernoulli(tp.counter_prob)) return;
        const double limit = incumbent_limit(w, i, inc);
        if (match > limit) return;  // cannot even match
        const double counter = std::min(match, econ::kMaxSalary);
        w.counteroffers[g] = Offer{i,
                                   inc,
                                   kNone,
                                   static_cast<float>(counter),
                                   static_cast<float>(std::min(limit, econ::kMaxSalary)),
                                   static_cast<std::uint8_t>(OfferKind::counteroffer)};
        n.counteroffers_made++;
    }, kFineGrain);
}

namespace {
// Keeps the round's offers (rows of /offers: each group's offers, then its counteroffer) and its
// hires, in candidate order; copied in parallel at offsets from a prefix sum.
void keep_round(World& w, const std::vector<Hire>& chosen) {
    const std::size_t G = chosen.size(), base = w.offers.size();
    std::vector<std::size_t> at(G + 1, 0);
    for (std::size_t g = 0; g < G; ++g)
        at[g + 1] = at[g] + (w.groups[g + 1] - w.groups[g]) + (w.counteroffers[g].candidate != kNone ? 1 : 0);
    w.offers.resize(base + at[G]);
    for_each_index(G, [&](std::size_t g) {
        auto out = std::copy(w.round_offers.begin() + w.groups[g], w.round_offers.begin() + w.groups[g + 1],
                             w.offers.begin() + static_cast<std::ptrdiff_t>(base + at[g]));
        if (w.counteroffers[g].candidate != kNone) *out = w.counteroffers[g];
    });
    const auto hired = collect_indices(G, [&](std::size_t g) { return chosen[g].candidate != kNone; });
    const std::size_t h0 = w.hires.size();
    w.hires.resize(h0 + hired.size());
    for_each_index(hired.size(), [&](std::size_t k) { w.hires[h0 + k] = chosen[hired[k]]; });
}
}  // namespace

namespace {
// The budgets the round's hires commit and the posting slots they take, after the decisions: a
// locked add per hire in the decisions' pass waited for the hire's stores to the candidate columns.
// In a pass of its own over the round's offer groups, one thread: the budgets are integer sums (in
// any order the same), and a posting with one slot gets at most one offer a round. (In parallel,
// the locked adds of two threads to the few employers that hire most made the pass slower than one
// thread's plain adds.) The slots of the groups kSlotsAhead further on are fetched (random reads
// of the postings).
void commit_hires(World& w, const std::vector<Hire>& chosen, const std::vector<std::uint32_t>& taken) {
    constexpr std::size_t kSlotsAhead = 16;
    auto& slots = w.postings.slots;
    auto& committed = w.employers.committed;
    for (std::size_t g = 0; g < chosen.size(); ++g) {
        if (g + kSlotsAhead < chosen.size()) __builtin_prefetch(&slots[taken[g + kSlotsAhead]]);
        if (chosen[g].candidate == kNone) continue;
        committed[chosen[g].employer] += static_cast<std::int64_t>(std::llround(chosen[g].salary));
        if (slots[taken[g]] > 0) --slots[taken[g]];
    }
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// 7. Decisions: the offer of highest utility, against staying (eqs. 6, 7, 14).
namespace {
// A candidate's best offer of a round (best_offer): its index in round_offers (-1: none beats
// staying), whether taking it means sitting out a restriction or having it bought out, and whether
// the offer of highest utility before any restriction was blocked.
struct Choice {
    std::int64_t best = -1;
    bool sit = false, bought = false, free_best_blocked = false;
};

// Whether candidate i's incumbent enforces its non-compete against a competitor this round (eq.
// 14): one draw of the round's decisions stream, made only for an employee bound by a clause.
bool enforced_against(const World& w, std::uint32_t i, int round) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    const bool bound = s.noncompete.enabled && c.status[i] == u8(Status::employed) && c.noncompete_clause[i];
    if (!bound) return false;
    Stream rng(w.seed, w.now.step, StreamFamily::decisions, i, static_cast<std::uint32_t>(round));
    const std::uint8_t type = w.employers.type[c.employer[i]];
    return rng.bernoulli(std::min(1.0, s.employer_types[type].noncompete_enforce_prob * w.now.enforcement[type]));
}

// The offer of highest utility among round_offers [first, last) of candidate i against the utility
// of staying (eqs. 6, 7). When the incumbent enforces (eq. 14), an offer from a competitor is
// blocked: bought out when the bidder's margin over the buyout horizon covers the damages, else the
// candidate would sit out the restriction (tp's months, paid its compensation), the pay lost taken
// from the offer's utility. An auction's winner takes the candidate at equal utility.
Choice best_offer(const World& w, std::uint32_t i, std::uint32_t first, std::uint32_t last, double stay,
                  bool enforced, const EmployerTypeParams& tp) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    Choice ch;
    double u_best = stay, u_free_best = stay;
    for (std::uint32_t k = first; k < last; ++k) {
        const Offer& o = w.round_offers[k];
        if (o.contest == u8c(Contest::lost)) continue;  // outbid in the auction (eq. 13)
        double u = econ::utility_of_offer(w, i, o.employer, o.salary);
        bool sit = false, bought = false;
        const bool blocked = enforced && econ::competes(w, c.employer[i], o.employer);
        if (u > u_free_best) {
            u_free_best = u;
            ch.free_best_blocked = blocked;
        }
        if (blocked) {
            if (s.noncompete.buyouts &&
                (o.limit - o.salary) * s.noncompete.buyout_horizon_years >= c.noncompete_damages[i])
                bought = true;
            else {
                sit = true;
                const double lost = tp.noncompete_months / 12.0 * (o.salary - tp.noncompete_compensation * c.wage[i]);
                u -= lost / s.relocation.amortization_years;
            }
        }
        if (u > u_best || (o.contest == u8c(Contest::won) && u >= u_best)) {
            u_best = u;
            ch.best = k;
            ch.sit = sit;
            ch.bought = bought;
        }
    }
    return ch;
}

// The decision of the candidate of offer group g (eqs. 6, 7, 14): the hire, with the posting it
// takes in `taken`; or none, and then a counteroffer above its wage is accepted (eq. 13).
Hire decide_group(World& w, std::size_t g, int round, std::uint32_t& taken, Counters& n) {
    const Scenario& s = *w.scenario;
    auto& c = w.candidates;
    const std::uint32_t i = w.round_offers[w.groups[g]].candidate;
    Offer& counter = w.counteroffers[g];
    const bool countered = counter.candidate != kNone && counter.contest != u8c(Contest::lost);
    const double stay =
        countered ? econ::utility_of_offer(w, i, c.employer[i], counter.salary) : econ::utility_of_staying(w, i);
    const bool enforced = enforced_against(w, i, round);
    const auto& tp = enforced ? s.employer_types[w.employers.type[c.employer[i]]] : s.employer_types[0];
    const Choice ch = best_offer(w, i, w.groups[g], w.groups[g + 1], stay, enforced, tp);
    if (ch.free_best_blocked && (ch.best < 0 || ch.sit)) n.noncompete_blocked++;
    if (ch.best < 0) {
        if (countered && counter.salary > c.wage[i]) {
            c.wage[i] = counter.salary;
            counter.accepted = 1;
            n.counteroffers_won++;
        }
        return Hire{kNone, kNone, 0.f, 0};
    }
    Offer& o = w.round_offers[ch.best];
    o.accepted = 1;
    c.hired_step[i] = static_cast<StepColumn>(w.now.step);
    taken = o.posting;
    return Hire{i,
                o.employer,
                o.salary,
                o.kind,
                static_cast<std::uint8_t>(ch.sit),
                static_cast<std::uint8_t>(ch.bought),
                static_cast<std::uint8_t>(ch.sit ? tp.noncompete_months : 0)};
}
}  // namespace

void decide(World& w, int round) {
    const std::size_t G = w.groups.size() - 1;
    std::vector<Hire> chosen(G);
    std::vector<std::uint32_t> taken(G);  // [group]: the posting of the offer accepted
    w.counters += count_each_index(G, [&](std::size_t g, Counters& n) {
        prefetch_group(w, g + kGroupsAhead);
        chosen[g] = decide_group(w, g, round, taken[g], n);
    }, kFineGrain);
    // The budgets and slots on one thread while the other keeps the round (they touch nothing in
    // common).
    tbb::parallel_invoke([&] { commit_hires(w, chosen, taken); }, [&] { keep_round(w, chosen); });
}

// ---------------------------------------------------------------------------------------------
// 8. Moves: hires, non-compete restrictions starting, relocations, then team members following.
namespace {
// What a hire of candidate i by employer e counts and ends, before the contract: the job left
// (job_to_job), the unemployment spell ended, the team left, and the flows of eqs. 3a and 9a.
void leave_for_hire(World& w, std::uint32_t i, std::uint32_t e, bool job_to_job, bool from_unemployed, Counters& n,
                    Flows flows) {
    auto& c = w.candidates;
    const std::size_t R = w.scenario->roles.size();
    n.hires++;
    if (job_to_job) {
        const std::uint32_t old = c.employer[i];
        n.job_to_job_moves++;
        n.jobs_ended++;
        n.tenure_months_ended += c.tenure[i];
        flows.depart(old * R + c.role[i]);
        c.moved_step[i] = static_cast<StepColumn>(w.now.step);
        c.prev_employer[i] = old;
    }
    if (from_unemployed) {
        n.spells_completed++;
        n.spell_months_completed += c.spell[i];
    }
    leave_team(c, i);
    if (!job_to_job || !w.scenario->wages.fill_posted_only) flows.fill(e * R + c.role[i]);  // eqs. 3a, 9a
}

// One hire: its move record, the job left, then either the restriction starting (the candidate
// joins when it ends) or the contract signed.
void carry_out_hire(World& w, const Hire& hire, std::int32_t date, MoveRow& row, Counters& n, Flows flows) {
    auto& c = w.candidates;
    auto& E = w.employers;
    const std::int32_t step = w.now.step;
    const std::uint32_t i = hire.candidate, e = hire.employer;
    const auto from = static_cast<Status>(c.status[i]);
    const std::uint32_t old = c.employer[i];
    const bool job_to_job = from == Status::employed || (from == Status::abroad && old != kNone);
    row = MoveRow{step,        date, i, job_to_job ? old : kNone, e,
                  c.status[i], 0,    0, hire.bought_out,          job_to_job ? c.wage[i] : 0.f,
                  hire.salary};
    leave_for_hire(w, i, e, job_to_job, from == Status::unemployed, n, flows);
    if (hire.bought_out) n.noncompete_buyouts++;
    Stream rng(w.seed, step, StreamFamily::moves, i);
    if (hire.sit_out) {  // the restriction starts; the candidate joins when it ends
        c.status[i] = u8(Status::sitting_out);
        c.noncompete_months_left[i] = hire.noncompete_months_left;
        c.noncompete_employer[i] = old;
        c.pending_employer[i] = e;
        c.pending_wage[i] = hire.salary;
        c.employer[i] = kNone;
        c.noncompete_clause[i] = 0;
        return;
    }
    row.relocated = c.city[i] != E.city[e];
    n.relocations += row.relocated;
    n.returnees += (from == Status::abroad && E.city[e] != kAbroad) ? 1 : 0;
    sign_contract(w, i, e, hire.salary, noncompete_clause(w, e, rng));
}

// Adds the threads' departures and filled vacancies (members `departures` and `filled` of each
// thread's counts, [employer x role]) to the employer columns. Integer sums: in any order the same.
template <class PerThread>
void add_flows(Employers& E, const tbb::enumerable_thread_specific<PerThread>& threads) {
    if (threads.empty()) return;
    std::vector<const PerThread*> thread;  // (walking the thread-specific list at every entry cost more than the adds)
    for (const PerThread& t : threads) thread.push_back(&t);
    for_each_index(E.departures.size(), [&](std::size_t er) {
        for (const PerThread* t : thread) {
            E.departures[er] += t->departures[er];
            E.filled[er] += t->filled[er];
        }
    });
}

// Departures and filled vacancies counted by each thread in its own arrays (Flows), then added to
// the employer columns: a locked add per hire waited for the hire's stores to the candidate
// columns, which miss the cache. Integer sums: the same totals.
class ThreadFlows {
public:
    explicit ThreadFlows(const Employers& E)
        : threads_([n = E.departures.size()] {
              return Counts{std::vector<std::uint32_t>(n, 0u), std::vector<std::uint32_t>(n, 0u)};
          }) {}
    Flows local() {
        Counts& mine = threads_.local();
        return Flows{&mine.departures, &mine.filled, false};
    }
    void add_to(Employers& E) const { add_flows(E, threads_); }

private:
    struct Counts {
        std::vector<std::uint32_t> departures, filled;
    };
    tbb::enumerable_thread_specific<Counts> threads_;
};

// The hires are spread over all candidates: the columns carry_out_hire reads and writes of the
// candidate of hire h + 2 kHiresAhead are fetched while hire h is carried out, then (prefetch_flows)
// the counts of hire h + kHiresAhead.
constexpr std::size_t kHiresAhead = 8;
[[gnu::always_inline]] inline void prefetch_hire(const Candidates& c, std::uint32_t i) {
    __builtin_prefetch(&c.status[i], 1);
    __builtin_prefetch(&c.employer[i], 1);
    __builtin_prefetch(&c.prev_employer[i], 1);
    __builtin_prefetch(&c.wage[i], 1);
    __builtin_prefetch(&c.tenure[i], 1);
    __builtin_prefetch(&c.role[i]);
    __builtin_prefetch(&c.spell[i]);
    __builtin_prefetch(&c.team[i]);
    __builtin_prefetch(&c.city[i], 1);
    __builtin_prefetch(&c.moved_step[i], 1);
    __builtin_prefetch(&c.noncompete_clause[i], 1);
    __builtin_prefetch(&c.noncompete_damages[i], 1);
}

// The counts carry_out_hire adds to of `hire` (its columns fetched kHiresAhead hires before):
// the departures from its employer, the filled vacancies of the new one.
[[gnu::always_inline]] inline void prefetch_flows(const World& w, const Hire& hire, const Flows& flows) {
    const auto& c = w.candidates;
    const std::size_t R = w.scenario->roles.size(), r = c.role[hire.candidate];
    const std::uint32_t old = c.employer[hire.candidate];
    if (old != kNone) __builtin_prefetch(flows.departures->data() + old * R + r, 1);
    __builtin_prefetch(flows.filled->data() + hire.employer * R + r, 1);
}

// Lists the members of every team by lead (TeamIndex), from the team column.
void index_teams(World& w) {
    const auto& c = w.candidates;
    TeamIndex& t = w.teams;
    t.member =
        collect_indices(w.active_candidates, [&](std::size_t i) { return c.team[i] != kNone && c.team[i] != i; });
    std::stable_sort(t.member.begin(), t.member.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return c.team[a] < c.team[b]; });
    t.lead.clear();
    t.first.clear();
    for (std::size_t k = 0; k < t.member.size(); ++k)
        if (k == 0 || c.team[t.member[k]] != t.lead.back()) {
            t.lead.push_back(c.team[t.member[k]]);
            t.first.push_back(static_cast<std::uint32_t>(k));
        }
    t.first.push_back(static_cast<std::uint32_t>(t.member.size()));
    t.built = true;
}

// The team members who may follow a lead who moved job to job this step (eq. 15), in id order:
// the members of the leads among this step's hires (TeamIndex) who still work where the lead left.
// The hires and then the leads' members are read in parallel (both are random reads of the
// candidate columns); the leads' lists are joined and sorted.
std::vector<std::uint32_t> team_followers(World& w) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    const std::int32_t step = w.now.step;
    std::vector<std::uint32_t> followers;
    if (!s.teams.enabled) return followers;
    const std::vector<std::uint32_t> moved = collect_indices(w.hires.size(), [&](std::size_t h) {
        const std::uint32_t lead = w.hires[h].candidate;
        return c.team[lead] == lead && c.moved_step[lead] == step && c.employer[lead] != kNone;
    });
    if (moved.empty()) return followers;
    if (!w.teams.built) index_teams(w);
    const auto& t = w.teams;
    std::vector<std::vector<std::uint32_t>> of_lead(moved.size());
    for_each_index(
        moved.size(),
        [&](std::size_t j) {
            const std::uint32_t lead = w.hires[moved[j]].candidate;
            const auto k = std::lower_bound(t.lead.begin(), t.lead.end(), lead) - t.lead.begin();
            if (k == static_cast<std::ptrdiff_t>(t.lead.size()) || t.lead[k] != lead) return;
            for (std::uint32_t m = t.first[k]; m < t.first[k + 1]; ++m) {
                const std::uint32_t i = t.member[m];
                if (c.team[i] == lead && c.status[i] == u8(Status::employed) && c.hired_step[i] != step &&
                    c.prev_employer[lead] == c.employer[i])
                    of_lead[j].push_back(i);
            }
        },
        kFineGrain);
    for (const auto& members : of_lead) followers.insert(followers.end(), members.begin(), members.end());
    std::sort(followers.begin(), followers.end());
    return followers;
}

// Follower i joins its lead's employer with probability teams.follow_prob unless a non-compete
// holds it back; returns whether it moved (then `row` is its move record).
bool follow_lead(World& w, std::uint32_t i, std::int32_t date, MoveRow& row, Counters& n) {
    const Scenario& s = *w.scenario;
    auto& c = w.candidates;
    auto& E = w.employers;
    const std::int32_t step = w.now.step;
    const std::size_t R = s.roles.size();
    const std::uint32_t lead = c.team[i], e = c.employer[lead], old = c.employer[i];
    Stream rng(w.seed, step, StreamFamily::moves, i, 1);
    if (!rng.bernoulli(s.teams.follow_prob)) return false;
    // A bound follower is held back when the former employer enforces (same rule as eq. 14, no buyout).
    const int k_old = E.type[old];
    const double enforce = std::min(1.0, s.employer_types[k_old].noncompete_enforce_prob * w.now.enforcement[k_old]);
    if (s.noncompete.enabled && c.noncompete_clause[i] && econ::competes(w, old, e) && rng.bernoulli(enforce)) {
        n.noncompete_blocked++;
        return false;
    }
    const float salary = static_cast<float>(c.wage[i] * (1.0 + s.teams.raise));
    row = MoveRow{step, date, i,         old,   e, c.status[i], static_cast<std::uint8_t>(c.city[i] != E.city[e]),
                  1,    0,    c.wage[i], salary};
    n.hires++;
    n.job_to_job_moves++;
    n.team_moves++;
    n.jobs_ended++;
    n.tenure_months_ended += c.tenure[i];
    n.relocations += row.relocated;
    atomic_add(E.departures[old * R + c.role[i]], 1u);
    c.prev_employer[i] = old;
    c.moved_step[i] = static_cast<StepColumn>(step);
    c.hired_step[i] = static_cast<StepColumn>(step);
    sign_contract(w, i, e, salary, noncompete_clause(w, e, rng));
    return true;
}

// The step's job-to-job departures by employer and role (eq. 3d), from the rows of its moves.
void count_poached(World& w) {
    const std::size_t R = w.scenario->roles.size();
    for (const MoveRow& mv : w.moves)
        if (mv.from_employer != kNone) ++w.employers.poached[mv.from_employer * R + w.candidates.role[mv.candidate]];
}
}  // namespace

void move(World& w) {
    const std::int32_t date = w.scenario->date_of_step(w.now.step);
    // A candidate is hired at most once a step (screening skips the hired), so the order is unique.
    sort_by_candidate(w.hires, w.active_candidates);
    std::fill(w.employers.committed.begin(), w.employers.committed.end(), 0);
    // Room for the team members who follow (appended below) without copying the hires' rows: a
    // quarter of the hires (more grows the vector, as push_back does).
    std::vector<MoveRow> rows;
    rows.reserve(w.hires.size() + w.hires.size() / 4);
    rows.resize(w.hires.size());
    ThreadFlows flows(w.employers);
    w.counters += count_each_index_range(w.hires.size(), [&](std::size_t begin, std::size_t end, Counters& n) {
        const Flows mine = flows.local();
        for (std::size_t h = begin; h < end; ++h) {
            if (h + 2 * kHiresAhead < w.hires.size())
                prefetch_hire(w.candidates, w.hires[h + 2 * kHiresAhead].candidate);
            if (h + kHiresAhead < w.hires.size()) prefetch_flows(w, w.hires[h + kHiresAhead], mine);
            carry_out_hire(w, w.hires[h], date, rows[h], n, mine);
        }
    }, kFineGrain);
    flows.add_to(w.employers);
    // Team members follow a lead who moved job to job this step (eq. 15).
    const std::vector<std::uint32_t> followers = team_followers(w);
    std::vector<MoveRow> team_rows(followers.size());
    std::vector<std::uint8_t> follows(followers.size(), 0);
    w.counters += count_each_index(followers.size(), [&](std::size_t f, Counters& n) {
        follows[f] = follow_lead(w, followers[f], date, team_rows[f], n) ? 1 : 0;
    }, kFineGrain);
    w.moves = std::move(rows);
    for (std::size_t f = 0; f < followers.size(); ++f)
        if (follows[f]) w.moves.push_back(team_rows[f]);
    if (w.scenario->wages.ladder_from_flows) count_poached(w);
}

// ---------------------------------------------------------------------------------------------
// 9. Wages: raises and promotions in the raise month, tenure, experience, restrictions ending.
namespace {
// Candidate i's month: tenure, experience and its productivity growth (`growth` a month), the
// raise in the raise month, a restriction running out (rng: its wages stream).
void age_one_month(World& w, std::uint32_t i, bool raise_month, double growth, Stream& rng, Counters& n) {
    const Scenario& s = *w.scenario;
    auto& c = w.candidates;
    const auto st = static_cast<Status>(c.status[i]);
    if (st == Status::employed || st == Status::abroad) {
        c.tenure[i] = static_cast<std::uint16_t>(std::min(65535, c.tenure[i] + 1));
        // (growth 1 leaves productivity as it is: no write)
        if (growth != 1.0 && c.experience[i] < s.population.experience_productivity_cap_years)
            c.productivity[i] *= static_cast<float>(growth);
        c.experience[i] += 1.f / 12.f;
        if (raise_month) {
            double raise =
                1.0 + (st == Status::abroad && c.employer[i] == kNone ? s.wages.posted_growth : s.wages.annual_raise);
            // (no draw at probability 0: uniform() < 0 never holds)
            if (st == Status::employed && s.wages.promotion_prob > 0 && rng.bernoulli(s.wages.promotion_prob))
                raise *= 1.0 + s.wages.promotion_raise;
            c.wage[i] =
                static_cast<float>(std::min<double>(c.wage[i] * raise, std::max<double>(c.wage[i], econ::kMaxSalary)));
        }
    } else if (st == Status::sitting_out) {
        // A restriction of N months keeps the candidate out for N steps (the step of leaving
        // and the N-1 after it, each paid the compensation); the new job starts in the step
        // after that. Joining in the step the count reached 0 had the candidate working for
        // the competitor in the N-th month it was paid to sit out (docs/validation.md, case 3),
        // and a 0-month restriction wrapped around to 255 months.
        if (c.noncompete_months_left[i] > 0) {
            const auto& tp = s.employer_types[w.employers.type[c.noncompete_employer[i]]];
            n.noncompete_compensation += std::llround(tp.noncompete_compensation * c.wage[i] / 12.0);
            --c.noncompete_months_left[i];
        } else {
            sign_contract(w, i, c.pending_employer[i], c.pending_wage[i],
                          noncompete_clause(w, c.pending_employer[i], rng));
            c.pending_employer[i] = kNone;
        }
    }
}
bool is_raise_month(const World& w) { return w.now.month == w.scenario->wages.raise_month; }
double monthly_growth(const World& w) { return std::exp(w.scenario->population.experience_productivity / 12.0); }
}  // namespace

namespace {
// The month of the working (employed or abroad) among candidates [begin, end) outside the raise
// month: what age_one_month does to them, in two loops without a branch per candidate, so that
// they vectorise: each new value is computed for everyone and kept for the working (the others'
// columns are written back unchanged). No floating-point trap is enabled, so computing a value
// that is not kept changes nothing (no-trapping-math lets the compiler do so). Built for AVX-512
// and the baseline, as rng.cpp (no product is added to anything: the same bits either way).
// Returns whether one of them sits out (age_one_month does their month).
[[gnu::optimize("no-trapping-math")]] __attribute__((target_clones("arch=x86-64-v4", "default"))) bool age_working(
    Candidates& c, std::size_t begin, std::size_t end, double growth, double cap) {
    const std::uint8_t* __restrict status = c.status.data();
    std::uint16_t* __restrict tenure = c.tenure.data();
    float* __restrict experience = c.experience.data();
    float* __restrict productivity = c.productivity.data();
    const auto working = [&](std::size_t i) {  // (& and |, not && and ||: no branch)
        return (status[i] == u8(Status::employed)) | (status[i] == u8(Status::abroad));
    };
    const float g = static_cast<float>(growth);
    if (growth != 1.0)  // productivity grows with experience below the cap (read before it grows)
        for (std::size_t i = begin; i < end; ++i) {
            const float p = productivity[i], grown = p * g;
            productivity[i] = working(i) & (experience[i] < cap) ? grown : p;
        }
    int sitting_out = 0;
    for (std::size_t i = begin; i < end; ++i) {
        sitting_out |= status[i] == u8(Status::sitting_out);
        tenure[i] = static_cast<std::uint16_t>(tenure[i] + (working(i) & (tenure[i] < 65535)));
        const float x = experience[i], older = x + 1.f / 12.f;
        experience[i] = working(i) ? older : x;
    }
    return sitting_out != 0;
}
}  // namespace

void update_wages(World& w) {
    const bool raise_month = is_raise_month(w);
    const double growth = monthly_growth(w);
    const auto month_of = [&](std::uint32_t i, Counters& n) {
        Stream rng(w.seed, w.now.step, StreamFamily::wages, i);
        age_one_month(w, i, raise_month, growth, rng, n);
    };
    const double cap = w.scenario->population.experience_productivity_cap_years;
    auto& c = w.candidates;
    w.counters += count_each_index_range(w.active_candidates, [&](std::size_t begin, std::size_t end, Counters& n) {
        if (raise_month) {  // raises and promotions: once a year, one candidate at a time
            for (std::size_t i = begin; i < end; ++i) month_of(static_cast<std::uint32_t>(i), n);
            return;
        }
        if (!age_working(c, begin, end, growth, cap)) return;
        for (std::size_t i = begin; i < end; ++i)
            if (c.status[i] == u8(Status::sitting_out)) month_of(static_cast<std::uint32_t>(i), n);
    });
}

// ---------------------------------------------------------------------------------------------
// What record counts of each candidate (10.), in one pass after the census: shared by record and
// the fused pass below, which counts it as it goes.
namespace {
using StatusCounts = std::array<std::int64_t, kStatusCount>;

// Adds the candidates of each status among status[0, n) to `statuses`: a vectorised loop for each
// status. For AVX-512, each 64 statuses are compared with each status into a mask whose bits are
// counted (the compiler's loop widened the bytes' comparisons to 32-bit counts).
void count_statuses_portable(const std::uint8_t* status, std::size_t n, StatusCounts& statuses) {
    for (int k = 0; k < kStatusCount; ++k) {
        std::uint32_t count = 0;
        for (std::size_t i = 0; i < n; ++i) count += status[i] == k ? 1u : 0u;
        statuses[k] += count;
    }
}
__attribute__((target("avx512f,avx512bw"))) void count_statuses_avx512(const std::uint8_t* status, std::size_t n,
                                                                     StatusCounts& statuses) {
    std::size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const __m512i block = _mm512_loadu_si512(status + i);
        for (int k = 0; k < kStatusCount; ++k)
            statuses[k] += std::popcount(_mm512_cmpeq_epi8_mask(block, _mm512_set1_epi8(static_cast<char>(k))));
    }
    for (; i < n; ++i) statuses[status[i]]++;
}
void count_statuses(const std::uint8_t* status, std::size_t n, StatusCounts& statuses) {
    if (cpu_has_avx512())
        count_statuses_avx512(status, n, statuses);
    else
        count_statuses_portable(status, n, statuses);
}

// The census of the candidates of a block of tally_candidates, lane by lane: whether each is an
// employee (CensusTally::employee), its headcount cell and its wage rounded (what CensusTally::add counts).
constexpr std::size_t kTallyBlock = 512;
struct CensusLanes {
    std::uint8_t employee[kTallyBlock];
    std::uint32_t cell[kTallyBlock];  // employer * roles + role
    std::int64_t pay[kTallyBlock];    // round_to_whole(wage)
};
// CensusLanes of candidates [first, first + n) (n <= kTallyBlock) in one loop without a branch,
// vectorised (built for AVX-512 and the baseline as rng.cpp).
__attribute__((target_clones("arch=x86-64-v4", "default"))) void census_lanes(const Candidates& c, std::size_t first,
                                                                              std::size_t n, std::size_t R,
                                                                              CensusLanes& out) {
    const std::uint8_t* __restrict status = c.status.data() + first;
    const std::uint32_t* __restrict employer = c.employer.data() + first;
    const std::uint8_t* __restrict role = c.role.data() + first;
    const float* __restrict wage = c.wage.data() + first;
    const auto roles = static_cast<std::uint32_t>(R);
    for (std::size_t k = 0; k < n; ++k) {
        out.employee[k] = static_cast<std::uint8_t>(CensusTally::employee(status[k], employer[k]));
        out.cell[k] = employer[k] * roles + role[k];
        out.pay[k] = round_to_whole(wage[k]);
    }
}

// Counts candidates [begin, end), whose step is over: their statuses, their census when the
// scenario reads it (Census: census_read, population.hpp), and the employed's wages (WageTally,
// with the step's guess). Without a branch on a candidate's status (the statuses of neighbours
// differ at random, and the branches were mispredicted about half the time): the statuses are
// counted by count_statuses, the wages by masks of the employed, and the census of a block
// computed lane by lane (census_lanes) before its employees, listed, are added (integer sums: the
// order does not matter).
template <bool Census>
void tally_candidates(const Candidates& c, std::size_t begin, std::size_t end, std::size_t R, StatusCounts& statuses,
                      const WageGuess& guess, WageTally& wages, CensusTally& census) {
    count_statuses(c.status.data() + begin, end - begin, statuses);
    CensusLanes lanes;
    std::uint32_t employee[kTallyBlock];
    for (std::size_t block = begin; block < end; block += kTallyBlock) {  // (a block's columns stay in the cache)
        const std::size_t stop = std::min(end, block + kTallyBlock);
        wages.add(c.status.data(), c.wage.data(), block, stop, guess);
        if constexpr (!Census) continue;
        census_lanes(c, block, stop - block, R, lanes);
        std::size_t m = 0;
        for (std::size_t k = 0; k < stop - block; ++k) {
            employee[m] = static_cast<std::uint32_t>(k);
            m += lanes.employee[k];
        }
        for (std::size_t j = 0; j < m; ++j) {
            const std::uint32_t k = employee[j];
            census.add(lanes.cell[k], c.employer[block + k], lanes.pay[k]);
        }
    }
}

// What one thread counts: its share of the census and of the employed's wages.
struct Tally {
    CensusTally census;
    WageTally wages;
    explicit Tally(const Employers& E) : census(E) {}
};
using Tallies = tbb::enumerable_thread_specific<Tally>;

// Sets the census to the threads' sums (when the scenario reads it) and adds up their wage tallies.
template <class ThreadTallies>  // of objects with members census and wages
void add_tallies(World& w, const ThreadTallies& threads, WageTally& wages) {
    std::vector<const CensusTally*> all;
    for (const auto& t : threads) all.push_back(&t.census);
    if (census_read(*w.scenario)) set_census(w.employers, all);
    for (const auto& t : threads) wages.add(t.wages);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 2-9 in one pass, for scenarios where every offer follows from the one posting a searcher samples
// (direct_offers_apply): exogenous search, postings with unlimited slots, no value or budget cap,
// no counteroffers, non-competes or teams. Then the screening signal, the ranking of applicants
// and the grouping of offers by candidate change nothing, and no candidate's step depends on
// another's, so each candidate separates, searches, gets the offer, decides, moves and ages in
// turn, with the draws of the same streams (seed, step, family, candidate) as the phases 2-9:
// the results are those of the phases, bit for bit. The one draw left out is the signal noise
// of the application, which nothing reads here. The rows of /offers and /moves are kept only
// when the scenario writes them, and the list of hires (read only by team moves) is not kept.
// Unlimited postings never adjust their eq. 3a multipliers, so R = 1 in eq. 16 (the job seekers'
// leave rate is the base rate) and wages.fill_posted_only changes nothing here.
bool direct_offers_apply(const Scenario& s) {
    return s.search_mode == SearchMode::exogenous && s.vacancies.unlimited && !s.offers.value_cap &&
           !s.offers.budget_cap && !s.counteroffers.enabled && !s.noncompete.enabled && !s.teams.enabled;
}

// Whether the fused pass's searchers take their plain case (search_plain): no relocation (no home
// bonus or moving cost in a utility), no poaching bids, no pay ranges, nothing that counts
// applications by employer (counts_applicants: eqs. 3a, 9a) and no rows of /offers or /moves; non-competes, teams
// and counteroffers are off in every scenario of the fused pass. A searcher's application, offer
// and decision are then a few comparisons of its columns with the card of its posting.
bool plain_searchers(const Scenario& s) {
    return !s.relocation.enabled && !s.offers.poaching && s.offers.pay_range == 0 &&
           !counts_applicants(s) && !s.output.offers && !s.output.moves;
}

namespace {
constexpr std::size_t kDirectChunk = 512 * kTile;  // candidates per task; its rows stay in candidate order

// (Aligned to a cache line: the chunks' counters, next to each other, are added to by different
// threads.)
struct alignas(64) DirectChunk {
    Counters n;
    std::vector<Offer> offers;
    std::vector<MoveRow> moves;
};

// What a thread counts: departures and filled vacancies (Flows), its share of the census and of the
// employed's wages (the tallies of record).
struct ThreadTally {
    std::vector<std::uint32_t> departures, filled;
    // The separations' departures, not kept: in phase order post_vacancies clears them before
    // anything reads them (the fused pass lists the postings before the separations).
    std::vector<std::uint32_t> separated;
    CensusTally census;
    WageTally wages;
    explicit ThreadTally(const Employers& E)
        : departures(E.departures.size(), 0u),
          filled(E.filled.size(), 0u),
          separated(E.departures.size(), 0u),
          census(E) {}
};

// The posting a searcher samples in exogenous search from its uniform u, one of `postings`
// (last = postings - 1, or 0 when there are none).
[[gnu::always_inline]] inline std::uint32_t posting_at(double u, double postings, double last) {
    const double v = u * postings;
    return static_cast<std::uint32_t>(v < last ? v : last);
}

// posting_at for the 32-bit number x of a stream (u = x / 2^32). With fewer than 2^21 postings,
// u * postings = x * postings / 2^32 is exact in a double (below 2^53 before the scaling) and below
// `postings`, so its floor, the posting, is (x * postings) >> 32 in integers: the same posting
// without the conversions to and from doubles (lean_searches, prefetch_cards).
struct PostingDraw {
    static constexpr std::uint64_t kExact = std::uint64_t{1} << 21;
    std::uint64_t postings;
    bool exact;
    double as_double, last;
    explicit PostingDraw(std::size_t NP)
        : postings(NP), exact(NP < kExact), as_double(static_cast<double>(NP)), last(NP > 0 ? as_double - 1 : 0.0) {}
    [[gnu::always_inline]] std::uint32_t operator()(std::uint32_t x) const {
        return exact ? static_cast<std::uint32_t>((x * postings) >> 32)
                     : posting_at(x * (1.0 / 4294967296.0), as_double, last);
    }
};

// Step 4 for candidate i (rng: its search stream): whether it searches and the posting it would
// sample (the stream's second number, as draw_postings draws it). Both numbers are drawn whether
// it searches or not (the stream is the candidate's own and is dropped after), so the caller need
// not branch: a draw that was not made in the phases is never used.
bool draws_posting(World& w, const SearchIntensities& by_status, std::uint32_t i, Stream& rng, std::uint32_t& p) {
    const std::size_t NP = w.postings.size();
    const double intensity = search_intensity(w, by_status, i, static_cast<Status>(w.candidates.status[i]));
    const bool searches = rng.bernoulli(intensity);  // (never at intensity <= 0: uniform() >= 0)
    const double last = NP > 0 ? static_cast<double>(NP - 1) : 0.0;
    p = posting_at(rng.uniform(), static_cast<double>(NP), last);
    return searches && NP > 0;
}

// Steps 5-8 for searcher i, who sampled posting p: whether it applies, the employer's offer (value
// and headroom unbounded here), the decision (eq. 7) and the move.
void apply_and_move(World& w, std::uint32_t i, std::uint32_t p, std::int32_t date, Flows flows, DirectChunk& out) {
    const Scenario& s = *w.scenario;
    auto& c = w.candidates;
    Counters& n = out.n;
    const double stay = econ::utility_of_staying(w, i);
    if (!worth_applying(w, i, static_cast<Status>(c.status[i]), p, stay)) return;
    n.applications++;
    const std::uint32_t e = w.postings.employer[p];
    if (counts_applicants(s)) atomic_add(w.employers.applied[e * s.roles.size() + c.role[i]], 1u);
    Offer offer;
    double bid = 0;
    constexpr double kUnbounded = std::numeric_limits<double>::infinity();  // econ::value without a value cap
    if (!make_offer(w, p, i, kUnbounded, kUnbounded, offer, bid)) return;
    n.offers++;
    if (econ::utility_of_offer(w, i, offer.employer, offer.salary) > stay) {
        offer.accepted = 1;
        c.hired_step[i] = w.now.step;
        MoveRow unkept;
        carry_out_hire(w, Hire{i, offer.employer, offer.salary, offer.kind}, date,
                       s.output.moves ? out.moves.emplace_back() : unkept, n, flows);
    }
    if (s.output.offers) out.offers.push_back(offer);
}

// The lean case of the fused pass goes through its candidates by batches of kLeanBatch (four tiles):
// the loops over the lanes that act (a mask's bits) end once a batch rather than once a tile, and
// each such end is a mispredicted branch.
constexpr std::size_t kLeanBatch = 4 * kTile;

// The lanes k < n whose flag[k] is 1 (flags of 0 or 1; L lanes, a multiple of 8, at most 64), as
// bit k of a mask: each 8 flags' low bits gathered by one multiplication (byte k of a
// little-endian word to bit 56 + k).
template <std::size_t L>
std::uint64_t lane_mask(const std::uint8_t (&flag)[L], std::size_t n) {
    static_assert(L % 8 == 0 && L <= 64 && std::endian::native == std::endian::little);
    constexpr std::uint64_t kGather = 0x0102040810204080ull;
    std::uint64_t mask = 0;
    for (std::size_t b = 0; b < L / 8; ++b) {
        std::uint64_t word;
        std::memcpy(&word, flag + 8 * b, 8);
        mask |= ((word * kGather) >> 56) << (8 * b);
    }
    return n >= 64 ? mask : mask & ((std::uint64_t{1} << n) - 1);
}

// The plain searchers of a unit (a tile, or a batch in the lean case), decided together
// (decide_searchers): those of a status other than employed or unemployed (`general`), who take
// apply_and_move; those who take their offer, at `salary` from the employer of their card.
struct SearcherLanes {
    std::uint8_t general[kLeanBatch] = {}, takes[kLeanBatch] = {};
    float salary[kLeanBatch];
    std::int64_t applications = 0, offers = 0;  // of the lanes decided here
};

// Steps 5-7 for the m plain searchers of a unit (ids, sampled postings), lane by lane without a
// branch: worth_applying, make_offer (value, budget and range unbounded: the limit is kMaxSalary;
// the bid is the posted salary; with contacts, opening_bid decides) and the decision (eq. 7). The
// same doubles compared as in those functions, whose home bonus and moving cost are 0 here.
void decide_searchers(const World& w, const std::uint32_t* searcher, const std::uint32_t* sampled, std::size_t m,
                      SearcherLanes& out) {
    const Scenario& s = *w.scenario;
    const auto& c = w.candidates;
    const PostingCard* card = w.postings.card.data();
    const float* amenity = w.employers.amenity.data();
    const double min_raise = s.search.min_raise, limit = econ::kMaxSalary;
    const bool contacts = s.offers.contacts, one_tier = s.tiers.size() == 1;
    for (std::size_t k = 0; k < m; ++k) {
        const std::uint32_t i = searcher[k], own = c.employer[i];
        const PostingCard post = card[sampled[k]];
        const bool employed = c.status[i] == u8(Status::employed), unemployed = c.status[i] == u8(Status::unemployed);
        const double wage = c.wage[i], u_post = static_cast<double>(post.salary) + post.amenity;
        const double stay = employed ? wage + amenity[employed ? own : 0] : static_cast<double>(c.reservation[i]);
        const bool meets = post.degree == 0 || post.degree <= c.degree[i];  // (a branch: no load for degree 0)
        const bool eligible = (post.role == c.role[i]) & meets & (post.employer != own);
        const bool contact = contacts & employed & (own != kNone), bids = contacts & employed;  // (flags: no branch)
        const bool better = !(employed & (post.salary < wage * (1.0 + min_raise))) & (u_post > stay);
        const bool applies = eligible & ((contact & std::isfinite(u_post)) | (!contact & better));
        const double premium = s.tier_factor(post.degree, one_tier ? 0 : c.tier[i]);
        const double posted = std::min(econ::kMaxSalary, post.salary * premium);
        const double hurdle = stay - post.amenity + min_raise * wage;  // opening_bid's
        const bool opens = (limit > hurdle) & (posted >= hurdle) & (posted > hurdle - min_raise * wage);
        const bool offered = (bids & opens) | (!bids & !(employed & (posted <= wage)));
        const auto salary = static_cast<float>(posted);
        const bool decided = employed | unemployed;
        out.general[k] = !decided;
        out.takes[k] = decided & applies & offered & (static_cast<double>(salary) + post.amenity > stay);
        out.salary[k] = salary;
        out.applications += decided & applies;
        out.offers += decided & applies & offered;
    }
}

// The move of plain searcher i (employed or unemployed) to employer e at `salary`: what
// carry_out_hire and sign_contract do for such a hire without a row, a restriction or a clause
// (non-competes are off: no number is drawn).
void move_searcher(World& w, std::uint32_t i, std::uint32_t e, float salary, Counters& n, Flows flows) {
    auto& c = w.candidates;
    const bool job_to_job = c.status[i] == u8(Status::employed);
    c.hired_step[i] = static_cast<StepColumn>(w.now.step);
    leave_for_hire(w, i, e, job_to_job, !job_to_job, n, flows);
    n.relocations += c.city[i] != w.employers.city[e];
    sign_contract(w, i, e, salary, false);
}

// Steps 5-8 for the m searchers of a unit in the plain case (plain_searchers): all decided at once,
// then, in lane order, the hires moved and the lanes of other statuses taken through
// apply_and_move (no step of one searcher reads what another's changes).
void search_plain(World& w, const std::uint32_t* searcher, const std::uint32_t* sampled, std::size_t m,
                  std::int32_t date, Flows flows, DirectChunk& out) {
    SearcherLanes lanes;
    decide_searchers(w, searcher, sampled, m, lanes);
    out.n.applications += lanes.applications;
    out.n.offers += lanes.offers;
    std::uint8_t visit[kLeanBatch] = {};
    for (std::size_t k = 0; k < m; ++k) visit[k] = lanes.general[k] | lanes.takes[k];
    for (std::uint64_t mask = lane_mask(visit, m); mask != 0; mask &= mask - 1) {
        const auto k = static_cast<std::size_t>(std::countr_zero(mask));
        if (lanes.general[k])
            apply_and_move(w, searcher[k], sampled[k], date, flows, out);
        else
            move_searcher(w, searcher[k], w.postings.card[sampled[k]].employer, lanes.salary[k], out.n, flows);
    }
}

// Step 2 for candidate i, as `separate` (rng: its separations stream): an employee's draw is
// compared with its employer type's thresholds, one branch for the many who stay (the rates are
// non-negative, so the thresholds increase: u < leave or u < layoff imply u < quit).
void separate_fused(World& w, std::uint32_t i, Stream& rng, Counters& n, Flows flows, const Thresholds* by_type) {
    const auto& c = w.candidates;
    const auto& E = w.employers;
    if (c.status[i] != u8(Status::employed) || !E.alive[c.employer[i]]) return separate(w, i, rng, n, flows);
    const double u = rng.uniform();
    const Thresholds& t = by_type[E.type[c.employer[i]]];
    if (u >= t.quit) return;
    const bool leaves = u < t.leave;
    end_job(w, i, leaves ? Status::inactive : Status::unemployed, n, flows);
    n.layoffs += !leaves && u < t.layoff ? 1 : 0;
}

// Whether the fused pass takes its lean case (lean_batch, age_lean): the scenario switches off
// raises, promotions and productivity growth, so an employee's month changes its tenure and
// experience only.
bool lean_months(const Scenario& s) {
    return s.wages.annual_raise == 0 && s.wages.promotion_prob == 0 && s.population.experience_productivity == 0;
}

// Runs body(k) for the lanes k of a batch of n candidates: a whole batch (n = kLeanBatch) as a
// loop of a constant kLeanBatch lanes, which the compiler vectorises in full, the last, partial one
// of a chunk as a loop of n. (A loop of n lanes alone was vectorised for up to 64 lanes a round when
// its columns are bytes, so that a shorter one ran in its scalar remainder, with a branch per lane.)
template <class Body>
[[gnu::always_inline]] inline void for_lanes(std::size_t n, Body&& body) {
    if (n == kLeanBatch) {
#pragma GCC ivdep
        for (std::size_t k = 0; k < kLeanBatch; ++k) body(k);
    } else {
#pragma GCC ivdep
        for (std::size_t k = 0; k < n; ++k) body(k);
    }
}

// Step 9 for the batch's candidates [first, first + n) when lean_months holds: what age_one_month
// does to the employed without raises, promotions or productivity growth (in the raise month it
// multiplies the wage by 1, leaving it as it is): tenure and experience. The unemployed and the
// inactive have no month; a lane of another status is left to age_one_month (`other`).
__attribute__((target_clones("arch=x86-64-v4", "default"))) void lean_months_lanes(Candidates& c, std::size_t first,
                                                                                   std::size_t n, std::uint8_t* other) {
    const std::uint8_t* __restrict status = c.status.data() + first;
    std::uint16_t* __restrict tenure = c.tenure.data() + first;
    float* __restrict experience = c.experience.data() + first;
    for_lanes(n, [&](std::size_t k) {  // (no branch)
        const std::uint32_t st = status[k];
        const std::uint32_t employed = st == u8(Status::employed);
        other[k] = static_cast<std::uint8_t>(!employed & (st != u8(Status::unemployed)) & (st != u8(Status::inactive)));
        tenure[k] = static_cast<std::uint16_t>(tenure[k] + (employed & (tenure[k] < 65535)));
        experience[k] = employed ? experience[k] + 1.f / 12.f : experience[k];
    });
}

void age_lean(World& w, std::size_t first, std::size_t n, bool raise_month, Counters& cnt) {
    std::uint8_t other[kLeanBatch] = {};
    lean_months_lanes(w.candidates, first, n, other);
    for (std::uint64_t m = lane_mask(other, n); m != 0; m &= m - 1) {
        const auto i = static_cast<std::uint32_t>(first + std::countr_zero(m));
        Stream rng(w.seed, w.now.step, StreamFamily::wages, i);
        age_one_month(w, i, raise_month, 1.0, rng, cnt);
    }
}

// The columns that only some candidates of a tile touch (those who search, move or separate),
// fetched a tile ahead: read sparsely, they are not streamed in by the hardware prefetcher.
void prefetch_sparse_columns(const Candidates& c, std::size_t i) {
    __builtin_prefetch(&c.city[i]);
    __builtin_prefetch(&c.home_city[i]);
    __builtin_prefetch(&c.degree[i]);
    __builtin_prefetch(&c.tier[i]);
    __builtin_prefetch(&c.prev_employer[i], 1);
    __builtin_prefetch(&c.spell[i], 1);
    __builtin_prefetch(&c.reservation[i], 1);
    __builtin_prefetch(&c.noncompete_clause[i], 1);
    __builtin_prefetch(&c.noncompete_damages[i], 1);
    __builtin_prefetch(&c.team[i], 1);
    __builtin_prefetch(&c.moved_step[i], 1);
    __builtin_prefetch(&c.hired_step[i], 1);
}

// Fetches the cards of the postings that the lanes of a tile sample if they search (look: their
// search blocks; the posting is the stream's second number, as draws_posting and lean_searches
// draw it), a unit before they are read: beside the columns streamed through, the cards do not
// stay in cache from one unit to the next. Every lane's (no branch on who searches).
void prefetch_cards(const Postings& P, const PostingDraw& draw, const FirstBlocks& look, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) __builtin_prefetch(P.card.data() + draw(look.word[1][k]));
}

// The columns every candidate's step reads or writes, fetched kDenseAhead tiles ahead (a tile's
// line of each of its 4-byte columns; the byte and 2-byte columns' lines hold 4 and 2 tiles).
constexpr std::size_t kDenseAhead = 4;
void prefetch_dense_columns(const Candidates& c, std::size_t i, bool intensity) {
    __builtin_prefetch(&c.status[i], 1);
    __builtin_prefetch(&c.employer[i], 1);
    if (intensity) __builtin_prefetch(&c.search_intensity[i]);  // (not read in the lean case: LeanColumns)
    __builtin_prefetch(&c.wage[i], 1);
    __builtin_prefetch(&c.experience[i], 1);
    __builtin_prefetch(&c.tenure[i], 1);
    __builtin_prefetch(&c.role[i]);
    __builtin_prefetch(&c.spell[i], 1);
}

// The lean case of steps 2 and 4 (lean_months), computed for a tile's lanes at once: the loops
// below have no branch and read the columns directly, so the compiler vectorises them (built for
// AVX-512 and the baseline, as rng.cpp). A lane whose separation is possible goes through
// separate_fused, which decides it exactly; the lanes' test only has to let every such lane
// through: for a 32-bit number x, u = x / 2^32 < q implies x <= min(draws_below(q), 2^32 - 1).
std::uint32_t may_be_below(double q) {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(draws_below(q), 0xFFFFFFFFu));
}

// A draw u < p as a comparison of 32-bit numbers (draws_below): x < draws_below(p) exactly when
// `any` (the limit is above 0) and x <= at_most.
struct DrawLimit {
    std::uint32_t any, at_most;
    explicit DrawLimit(double p) {
        const std::uint64_t below = draws_below(p);
        any = below > 0;
        at_most = static_cast<std::uint32_t>(below - any);
    }
};

struct LeanColumns {
    const std::uint8_t* status;
    const std::uint32_t* employer;
    std::uint16_t* spell;
    const std::uint32_t* stay;  // [employer]: the draws at most it may separate (a closed employer: all); [none]: 0
    std::uint32_t none;
    bool one_stay;           // every employer's stay limit is stay_all (one type, none closed): no lookup
    std::uint32_t stay_all;
    bool unemployed_leave;  // separations.unemployed_leave_rate > 0
    // The search intensities: on the job, every candidate's search_intensity column, which holds
    // search.employed_intensity (as a float) for all in exogenous search (draw_candidate), the only
    // search of the fused pass: read from the scenario, the column is not streamed through. Kept as
    // the draws below them (DrawLimit), with the draw of the posting.
    DrawLimit unemployed_searches, employed_searches;
    PostingDraw posting;
};
// The lanes of a batch (kLeanBatch candidates). Their flags start at 0: lane_mask reads all of them,
// also past a partial batch's lanes (bytes never written would be indeterminate, and the compiler
// may then assume any mask).
struct LeanBatch {
    std::uint8_t other[kLeanBatch] = {};      // a status other than employed, unemployed, inactive: the general path
    std::uint8_t separates[kLeanBatch] = {};  // may separate: separate_fused decides
    std::uint8_t searches[kLeanBatch] = {};
    std::uint32_t posting[kLeanBatch];
    // The first numbers of the lanes' streams, copied from their tiles' first blocks (lean_batch):
    // the separations' first (leave), the search's first two (search, sample).
    alignas(64) std::uint32_t leave[kLeanBatch], search[kLeanBatch], sample[kLeanBatch];
};

// Which of the batch's candidates [first, first + n) may separate: an employee whose draw is below
// its employer's threshold, an unemployed who may leave the field, and every candidate of another
// status.
__attribute__((target_clones("arch=x86-64-v4", "default"))) void lean_separations(const LeanColumns& in,
                                                                                  std::size_t first, std::size_t n,
                                                                                  LeanBatch& out) {
    const std::uint8_t* __restrict status = in.status + first;
    const std::uint32_t* __restrict employer = in.employer + first;
    const std::uint32_t* __restrict stay = in.stay;
    const std::uint32_t none = in.none, unemployed_leave = in.unemployed_leave;
    const std::uint32_t* __restrict draw = out.leave;
    std::uint8_t* __restrict other = out.other;
    std::uint8_t* __restrict separates = out.separates;
    const auto lanes = [&](std::size_t k, auto limit) {  // (32-bit flags and bitwise operators: no branch)
        const std::uint32_t st = status[k];
        const std::uint32_t employed = st == u8(Status::employed), unemployed = st == u8(Status::unemployed);
        const std::uint32_t general = !employed & !unemployed & (st != u8(Status::inactive));
        const std::uint32_t below = draw[k] <= limit(employed ? employer[k] : none);
        other[k] = static_cast<std::uint8_t>(general);
        separates[k] = static_cast<std::uint8_t>((employed & below) | (unemployed & unemployed_leave) | general);
    };
    if (in.one_stay) {  // (the loop twice: each vectorised without the choice inside)
        const std::uint32_t all = in.stay_all;
        for_lanes(n, [&](std::size_t k) { lanes(k, [&](std::uint32_t) { return all; }); });
    } else {
        for_lanes(n, [&](std::size_t k) { lanes(k, [&](std::uint32_t e) { return stay[e]; }); });
    }
}

// Step 4 for the batch's employed, unemployed and inactive after their separations, as
// draws_posting: the unemployed's spell, whether each searches, the posting it samples.
__attribute__((target_clones("arch=x86-64-v4", "default"))) void lean_searches(const LeanColumns& in, std::size_t first,
                                                                               std::size_t n, LeanBatch& out) {
    const std::uint8_t* __restrict status = in.status + first;
    std::uint16_t* __restrict spell = in.spell + first;
    const std::uint32_t* __restrict search = out.search;
    const std::uint32_t* __restrict sample = out.sample;
    const std::uint8_t* __restrict other = out.other;
    std::uint8_t* __restrict searches = out.searches;
    std::uint32_t* __restrict posting = out.posting;
    const DrawLimit lambda0 = in.unemployed_searches, lambda1 = in.employed_searches;
    const std::uint32_t any = in.posting.postings > 0;
    const auto lanes = [&](std::size_t k, auto draw) {  // (32-bit flags and bitwise operators: no branch)
        const std::uint32_t st = status[k], x = search[k];
        const std::uint32_t employed = st == u8(Status::employed);
        const std::uint32_t unemployed = (st == u8(Status::unemployed)) & (other[k] == 0);
        const std::uint16_t months = spell[k];
        spell[k] = static_cast<std::uint16_t>(months + (unemployed & (months < 65535)));
        const std::uint32_t on_job = employed & lambda1.any & (x <= lambda1.at_most);
        const std::uint32_t jobless = unemployed & lambda0.any & (x <= lambda0.at_most);
        searches[k] = static_cast<std::uint8_t>((other[k] == 0) & (on_job | jobless) & any);
        posting[k] = draw(sample[k]);
    };
    if (in.posting.exact) {  // (the loop twice: each vectorised without the choice inside)
        const std::uint64_t postings = in.posting.postings;
        for_lanes(n, [&](std::size_t k) {
            lanes(k, [&](std::uint32_t x) { return static_cast<std::uint32_t>((x * postings) >> 32); });
        });
    } else {
        for_lanes(n, [&](std::size_t k) { lanes(k, [&](std::uint32_t x) { return in.posting(x); }); });
    }
}

// The stay limits of lean_separations by employer (closed: every draw), and 0 for none.
std::vector<std::uint32_t> stay_limits(const World& w, const std::vector<Thresholds>& by_type) {
    const auto& E = w.employers;
    std::vector<std::uint32_t> stay(E.size() + 1, 0);
    for (std::size_t e = 0; e < E.size(); ++e) stay[e] = E.alive[e] ? may_be_below(by_type[E.type[e]].quit) : ~0u;
    return stay;
}

// What the fused pass needs of the step, set once: the date, the separation thresholds by employer
// type, the raise month, the monthly productivity growth and the search intensities.
struct DirectStep {
    std::int32_t date;
    std::vector<Thresholds> thresholds;
    std::vector<std::uint32_t> stay;  // [employer] (stay_limits; lean case only)
    bool raise_month;
    double growth;
    bool census;  // census_read: the tallies count the census
    SearchIntensities intensity;
    bool one_stay = false;  // every employer's stay limit is stay[0] (LeanColumns::one_stay)
};

// The first blocks of a unit of the fused pass's candidates (a tile, or a batch in the lean case):
// [tile of the unit][0: separations, 1: search].
template <std::size_t Tiles>
using UnitBlocks = std::array<std::array<FirstBlocks, 2>, Tiles>;

// Steps 2 and 4 for the batch [first, first + n) in the lean case: the lanes' draws for the whole
// batch, then the general separate_fused and draws_posting where a lane needs it (the lanes of a mask, in
// order; the separations' departures counted in `separated`). Lists the searchers and their postings.
std::size_t lean_batch(World& w, const LeanColumns& in, std::size_t first, std::size_t n,
                       const UnitBlocks<kLeanBatch / kTile>& blocks, const DirectStep& now, Flows separated,
                       Counters& cnt, std::uint32_t* searcher, std::uint32_t* sampled) {
    LeanBatch lanes;
    for (std::size_t t = 0; t < kLeanBatch / kTile; ++t) {  // (a partial batch's lanes past n: not read)
        std::memcpy(lanes.leave + t * kTile, blocks[t][0].word[0], sizeof blocks[t][0].word[0]);
        std::memcpy(lanes.search + t * kTile, blocks[t][1].word[0], sizeof blocks[t][1].word[0]);
        std::memcpy(lanes.sample + t * kTile, blocks[t][1].word[1], sizeof blocks[t][1].word[1]);
    }
    lean_separations(in, first, n, lanes);
    for (std::uint64_t m = lane_mask(lanes.separates, n); m != 0; m &= m - 1) {
        const auto k = static_cast<std::size_t>(std::countr_zero(m));
        const auto i = static_cast<std::uint32_t>(first + k);
        Stream rng(w.seed, w.now.step, StreamFamily::separations, i, 0, blocks[k / kTile][0].lane(k % kTile));
        separate_fused(w, i, rng, cnt, separated, now.thresholds.data());
    }
    lean_searches(in, first, n, lanes);
    for (std::uint64_t m = lane_mask(lanes.other, n); m != 0; m &= m - 1) {
        const auto k = static_cast<std::size_t>(std::countr_zero(m));
        const auto i = static_cast<std::uint32_t>(first + k);
        Stream rng(w.seed, w.now.step, StreamFamily::search, i, 0, blocks[k / kTile][1].lane(k % kTile));
        lanes.searches[k] = draws_posting(w, now.intensity, i, rng, lanes.posting[k]) ? 1 : 0;
    }
    std::size_t searchers = 0;
    for (std::uint64_t m = lane_mask(lanes.searches, n); m != 0; m &= m - 1, ++searchers) {
        const auto k = static_cast<std::size_t>(std::countr_zero(m));
        searcher[searchers] = static_cast<std::uint32_t>(first + k);
        sampled[searchers] = lanes.posting[k];
    }
    return searchers;
}

// The fused pass counts record's tallies (tally_candidates) every kTallyEvery candidates whose step
// is over, still in the cache (eight batches: a call a tile cost more than the counting).
constexpr std::size_t kTallyEvery = 32 * kTile;

// Steps 2-9 for the candidates of one chunk, unit by unit (a tile, rng.hpp's first_blocks; a batch
// of kLeanBatch in the lean case), then the tallies of record for each candidate (statuses: this
// chunk's; census and wages: the thread's). Each candidate's steps keep their order; the unit's
// candidates go through them in three loops: separations and the search draws of all (no branch on
// who searches; the next unit's first blocks are drawn a unit ahead and its sampled cards
// fetched), the searchers' applications, offers and moves, then the month of all. Lean (chosen by
// lean_months from the scenario): the first and the last loop lane-parallel (lean_batch,
// age_lean). Plain (plain_searchers): the searchers decided together (search_plain).
template <bool Lean, bool Plain>
[[gnu::flatten]] void direct_chunk(World& w, const DirectStep& now, std::size_t begin, std::size_t end,
                                   ThreadTally& mine, DirectChunk& out, StatusCounts& statuses) {
    const std::size_t R = w.scenario->roles.size();
    const Flows flows{&mine.departures, &mine.filled, false}, separated{&mine.separated, &mine.filled, false};
    const std::int32_t step = w.now.step;
    auto& c = w.candidates;
    Counters& n = out.n;
    const LeanColumns columns{c.status.data(),
                              c.employer.data(),
                              c.spell.data(),
                              now.stay.data(),
                              static_cast<std::uint32_t>(w.employers.size()),
                              now.one_stay,
                              now.stay.empty() ? 0u : now.stay[0],
                              w.scenario->separations.unemployed_leave_rate > 0,
                              DrawLimit(w.scenario->search.unemployed_intensity),
                              DrawLimit(static_cast<float>(w.scenario->search.employed_intensity)),
                              PostingDraw(w.postings.size())};
    constexpr std::size_t kUnit = Lean ? kLeanBatch : kTile, kUnitTiles = kUnit / kTile;
    UnitBlocks<kUnitTiles> blocks[2];  // [unit parity]: this unit's and the next unit's (draw_blocks)
    auto draw_blocks = [&](std::size_t unit, UnitBlocks<kUnitTiles>& into) {
        for (std::size_t t = 0; t < kUnitTiles && unit + t * kTile < end; ++t) {
            const std::size_t tile = unit + t * kTile;
            first_blocks(w.seed, step, {StreamFamily::separations, StreamFamily::search},
                         static_cast<std::uint32_t>(tile), 0, into[t]);
            prefetch_cards(w.postings, columns.posting, into[t][1], std::min(kTile, end - tile));
        }
    };
    if (begin < end) draw_blocks(begin, blocks[0]);
    std::uint32_t searcher[kUnit], sampled[kUnit];
    std::size_t tallied = begin;  // the candidates before it are counted (tally_candidates)
    for (std::size_t tile = begin, parity = 0; tile < end; tile += kUnit, parity ^= 1) {
        const std::size_t tile_end = std::min(end, tile + kUnit);
        if (tile_end < end) draw_blocks(tile_end, blocks[parity ^ 1]);
        const FirstBlocks &sep = blocks[parity][0][0], &look = blocks[parity][0][1];
        for (std::size_t t = 0; t < kUnitTiles; ++t) {
            if (tile_end + t * kTile < end) prefetch_sparse_columns(c, tile_end + t * kTile);
            const std::size_t dense = tile + (kDenseAhead + t) * kTile;
            if (dense < end) prefetch_dense_columns(c, dense, !Lean);
        }
        std::size_t searchers = 0;
        if constexpr (Lean) {
            searchers = lean_batch(w, columns, tile, tile_end - tile, blocks[parity], now, separated, n, searcher,
                                   sampled);
        } else {
            for (std::size_t k = 0; k < tile_end - tile; ++k) {
                const auto i = static_cast<std::uint32_t>(tile + k);
                Stream rng_sep(w.seed, step, StreamFamily::separations, i, 0, sep.lane(k));
                separate_fused(w, i, rng_sep, n, separated, now.thresholds.data());
                Stream rng_search(w.seed, step, StreamFamily::search, i, 0, look.lane(k));
                std::uint32_t p;
                const bool searches = draws_posting(w, now.intensity, i, rng_search, p);
                searcher[searchers] = i;
                sampled[searchers] = p;
                searchers += searches ? 1 : 0;
                __builtin_prefetch(w.postings.card.data() + (searches ? p : 0));
            }
        }
        n.searchers += searchers;
        if constexpr (Plain)
            search_plain(w, searcher, sampled, searchers, now.date, flows, out);
        else
            for (std::size_t k = 0; k < searchers; ++k)
                apply_and_move(w, searcher[k], sampled[k], now.date, flows, out);
        if constexpr (Lean) {
            age_lean(w, tile, tile_end - tile, now.raise_month, n);
        } else {
            for (auto i = static_cast<std::uint32_t>(tile); i < tile_end; ++i) {
                Stream rng_wages(w.seed, step, StreamFamily::wages, i);
                age_one_month(w, i, now.raise_month, now.growth, rng_wages, n);
            }
        }
        // Counted every kTallyEvery candidates whose step is over (still in the cache), and at the end.
        if (tile_end - tallied < kTallyEvery && tile_end < end) continue;
        if (now.census)
            tally_candidates<true>(c, tallied, tile_end, R, statuses, w.wage_guess, mine.wages, mine.census);
        else
            tally_candidates<false>(c, tallied, tile_end, R, statuses, w.wage_guess, mine.wages, mine.census);
        tallied = tile_end;
    }
}

// Appends the chunks' rows to `to`, in chunk order (copies in parallel).
template <class Row, class Member>
void concatenate(const std::vector<DirectChunk>& chunks, Member member, std::vector<Row>& to) {
    std::vector<std::size_t> at(chunks.size() + 1, to.size());
    for (std::size_t k = 0; k < chunks.size(); ++k) at[k + 1] = at[k] + (chunks[k].*member).size();
    if (at.back() == to.size()) return;  // (no rows: the job ladder keeps none)
    to.resize(at.back());
    tbb::parallel_for(std::size_t{0}, chunks.size(), [&](std::size_t k) {
        std::copy((chunks[k].*member).begin(), (chunks[k].*member).end(),
                  to.begin() + static_cast<std::ptrdiff_t>(at[k]));
    });
}

}  // namespace

void direct_offers(World& w, RecordTallies& tallies) {
    const Scenario& s = *w.scenario;
    auto& E = w.employers;
    const std::size_t N = w.active_candidates, chunks = (N + kDirectChunk - 1) / kDirectChunk;
    const bool lean = lean_months(s);
    DirectStep now{s.date_of_step(w.now.step), separation_thresholds(s), {}, is_raise_month(w), monthly_growth(w),
                  census_read(s), SearchIntensities(s, w.now.step)};
    if (lean) {
        now.stay = stay_limits(w, now.thresholds);  // (E + 1 limits: the last, for none, is 0)
        now.one_stay =
            std::all_of(now.stay.begin(), now.stay.end() - 1, [&](std::uint32_t x) { return x == now.stay[0]; });
    }
    using Chunk = decltype(&direct_chunk<true, true>);
    constexpr Chunk kChunk[2][2] = {{direct_chunk<false, false>, direct_chunk<false, true>},
                                    {direct_chunk<true, false>, direct_chunk<true, true>}};
    const Chunk chunk = kChunk[lean][plain_searchers(s)];
    std::vector<DirectChunk> out(chunks);
    tallies.statuses.assign(chunks, {});
    tbb::enumerable_thread_specific<ThreadTally> threads([&] { return ThreadTally(E); });
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t k) {
        const std::size_t begin = k * kDirectChunk, end = std::min(N, begin + kDirectChunk);
        StatusCounts statuses{};  // (counted here, not in the shared vector: no cache line written by two threads)
        chunk(w, now, begin, end, threads.local(), out[k], statuses);
        tallies.statuses[k] = statuses;
    });
    add_flows(w.employers, threads);
    add_tallies(w, threads, tallies.wages);
    for (const DirectChunk& ch : out) w.counters += ch.n;
    concatenate(out, &DirectChunk::offers, w.offers);
    concatenate(out, &DirectChunk::moves, w.moves);
    w.round_offers.clear();
    w.groups.assign(1, 0);
    w.counteroffers.clear();
}

// ---------------------------------------------------------------------------------------------
// 10. Record: census for the next step and the row of /steps.
namespace {
// Small enough that the threads finish together (about 160 chunks at 1M candidates; the chunks do
// not change the results: integer counts, and the wages in id order whatever their pieces).
constexpr std::size_t kRecordChunk = 2 * kGrain;

// The census and the tallies of record, by chunks of kRecordChunk candidates (the phases' path;
// the fused pass counts them as it goes).
void census_and_tallies(World& w, RecordTallies& out) {
    const auto& c = w.candidates;
    const std::size_t N = w.active_candidates, R = w.scenario->roles.size();
    const std::size_t chunks = (N + kRecordChunk - 1) / kRecordChunk;
    const bool census = census_read(*w.scenario);
    out.statuses.assign(chunks, StatusCounts{});
    Tallies tallies([&] { return Tally(w.employers); });
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t k) {
        Tally& t = tallies.local();
        const std::size_t begin = k * kRecordChunk, end = std::min(N, begin + kRecordChunk);
        const auto tally = census ? tally_candidates<true> : tally_candidates<false>;
        tally(c, begin, end, R, out.statuses[k], w.wage_guess, t.wages, t.census);
    });
    add_tallies(w, tallies, out.wages);
}

}  // namespace

StepRow record(World& w, RecordTallies* counted) {
    const auto& n = w.counters;
    StepRow row{};
    row.step = w.now.step;
    row.date = w.scenario->date_of_step(w.now.step);
    RecordTallies own;
    if (counted == nullptr) {
        census_and_tallies(w, own);
        counted = &own;
    }
    StatusCounts by_status{};
    for (const StatusCounts& k : counted->statuses)
        for (int st = 0; st < kStatusCount; ++st) by_status[st] += k[st];
    int status = 0;  // TALENTSIM_STATUS_COUNTS is in Status order
#define TALENTSIM_COPY(type, name) row.name = by_status[status++];
    TALENTSIM_STATUS_COUNTS(TALENTSIM_COPY)
#undef TALENTSIM_COPY
#define TALENTSIM_COPY(type, name) row.name = n.name;
    TALENTSIM_STEP_TALLIES(TALENTSIM_COPY)
#undef TALENTSIM_COPY
    row.posted_mean = n.postings > 0 ? static_cast<double>(n.posted_salary_sum) / static_cast<double>(n.postings) : 0.0;
    row.noncompete_compensation = static_cast<double>(n.noncompete_compensation);
    const std::size_t employed = static_cast<std::size_t>(by_status[u8(Status::employed)]);
    if (employed > 0) {
        const WageStatistics wages = wage_statistics(counted->wages, employed, w.candidates.status.data(),
                                                     w.candidates.wage.data(), w.active_candidates, w.wage_guess);
        row.wage_mean = wages.mean;
        row.wage_p10 = wages.quantile[0];
        row.wage_p50 = wages.quantile[1];
        row.wage_p90 = wages.quantile[2];
    }
    return row;
}

Counters& Counters::operator+=(const Counters& o) {
#define TALENTSIM_ADD(type, name) name += o.name;
    TALENTSIM_STEP_TALLIES(TALENTSIM_ADD)
    TALENTSIM_ENGINE_TALLIES(TALENTSIM_ADD)
#undef TALENTSIM_ADD
    return *this;
}

}  // namespace talentsim
