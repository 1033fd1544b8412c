// Simulation state: agents as structures of arrays, plus the per-step scratch the phases share.
#pragma once
#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "io/records.hpp"
#include "model/scenario.hpp"
#include "engine/wage_tally.hpp"

namespace talentsim {

inline constexpr std::uint8_t kAbroad = 255;  // city code of every place outside China
// Steps in the candidate columns: 16 bits hold every step of a run (scenario.steps <= 6000, a
// burn-in of at most 600 negative steps, graduation at most 12 months after the last step).
using StepColumn = std::int16_t;
// "Never" for step columns: below every step, including the negative steps of a burn-in.
inline constexpr StepColumn kNeverStep = -32768;

// The columns of Candidates, each declared once: X(type, name, value of an empty slot). The struct,
// resize, the checkpoint and the benchmark's state size are generated from this list.
#define TALENTSIM_CANDIDATE_COLUMNS(X)                                                       \
    /* Fixed at entry. */                                                                    \
    X(std::uint8_t, degree, 0)                                                               \
    X(std::uint8_t, tier, 0)                                                                 \
    X(std::uint8_t, role, 0)                                                                 \
    X(std::uint8_t, home_city, 0)                                                            \
    X(StepColumn, entry_step, -1) /* step the slot becomes active (0 = initial) */           \
    X(StepColumn, graduation_step, kNeverStep)                                               \
    /* Dynamic. */                                                                           \
    X(std::uint8_t, status, 0)        /* Status */                                           \
    X(std::uint8_t, city, 0)          /* kAbroad outside China */                            \
    X(std::uint32_t, employer, kNone) /* kNone if none */                                    \
    X(std::uint32_t, prev_employer, kNone)                                                   \
    X(float, wage, 0.f)             /* annual CNY (while sitting out: the last wage) */      \
    X(float, productivity, 0.f)     /* level, 1 = bachelor, other tier, no experience */     \
    X(float, experience, 0.f)       /* years */                                              \
    X(std::uint16_t, tenure, 0)     /* months with the current employer */                   \
    X(std::uint16_t, spell, 0)      /* months of the current unemployment spell */           \
    X(float, reservation, 0.f)      /* annual CNY */                                         \
    X(float, search_intensity, 0.f) /* on-the-job search probability per month */            \
    /* Non-compete: clause in the current contract; restriction while sitting out. */        \
    X(std::uint8_t, noncompete_clause, 0)                                                    \
    X(std::uint8_t, noncompete_months_left, 0)   /* months left of a running restriction */  \
    X(std::uint32_t, noncompete_employer, kNone) /* protected (former) employer */           \
    X(float, noncompete_damages, 0.f)            /* liquidated damages of the clause, CNY */ \
    X(std::uint32_t, pending_employer, kNone)    /* joins after sitting out */               \
    X(float, pending_wage, 0.f)                                                              \
    /* Teams: team id = the lead's candidate id. */                                          \
    X(std::uint32_t, team, kNone)                                                            \
    X(StepColumn, moved_step, kNeverStep) /* last step of a job-to-job move */               \
    X(StepColumn, hired_step, kNeverStep) /* last step an offer was accepted */

// Candidates: one slot per person who is or will be in the market (entrants are pre-allocated,
// so nothing is allocated while stepping). Index = candidate id.
struct Candidates {
#define TALENTSIM_COLUMN(type, name, empty) std::vector<type> name;
    TALENTSIM_CANDIDATE_COLUMNS(TALENTSIM_COLUMN)
#undef TALENTSIM_COLUMN

    std::size_t size() const { return status.size(); }
    void resize(std::size_t n);
};

// The columns of Employers: X(type, name, value of an empty slot, one per role (1) or not (0)).
#define TALENTSIM_EMPLOYER_COLUMNS(X)                                                          \
    X(std::uint8_t, type, 0, 0)                                                                \
    X(std::uint8_t, city, 0, 0)                                                                \
    X(std::uint8_t, alive, 0, 0)                                                               \
    X(std::int32_t, entry_step, 0, 0) /* step the slot becomes active (0 = initial) */         \
    X(float, wage_factor, 0.f, 0)                                                              \
    X(float, amenity, 0.f, 0)                                                                  \
    X(float, productivity, 0.f, 0)      /* firm productivity p_e (eq. 4a) */                   \
    X(double, budget, 0.0, 0)           /* annual payroll budget, CNY */                       \
    X(std::int64_t, payroll, 0, 0)      /* CNY, from the census at the end of the last step */ \
    X(std::int64_t, committed, 0, 0)    /* CNY of offers accepted this step */                 \
    X(std::uint32_t, headcount, 0, 1)   /* [employer * roles + role] */                        \
    X(std::uint32_t, vacancies, 0, 1)   /* [employer * roles + role], open */                  \
    X(std::uint32_t, departures, 0, 1)  /* [employer * roles + role], this step */             \
    X(float, target_base, 0.f, 1)       /* target headcount at demand 1 (eq. 8a) */            \
    X(float, posted_multiplier, 1.f, 1) /* posted-salary multiplier from hiring (eq. 3a) */    \
    X(std::uint32_t, filled, 0, 1)      /* vacancies filled this step (eq. 3a) */              \
    X(float, requirement_shift, 0.f, 1) /* log-odds shift of degree requirements (eq. 9a) */   \
    X(std::uint32_t, applied, 0, 1)     /* applications to the postings this step (eq. 9a) */  \
    X(float, ladder_wage, 0.f, 1)       /* posted wage per unit of productivity (eq. 3c) */    \
    X(std::uint32_t, poached, 0, 1)     /* job-to-job departures last step (eq. 3d) */

struct Employers {
#define TALENTSIM_COLUMN(type, name, empty, per_role) std::vector<type> name;
    TALENTSIM_EMPLOYER_COLUMNS(TALENTSIM_COLUMN)
#undef TALENTSIM_COLUMN

    std::size_t size() const { return type.size(); }
    void resize(std::size_t n, std::size_t roles);
};

// Walker's alias method: a table from which index j is drawn with probability weight_j / sum in O(1).
struct AliasTable {
    struct Column {
        float keep;           // probability of keeping the column drawn
        std::uint32_t alias;  // the index taken otherwise
    };
    std::vector<Column> column;
    // Builds the table of n columns with weight(j) for column j (a double). Walker's two stacks
    // share one array of n indices (an index is on one stack at most), the scaled weights are
    // kept in the columns until they are final, and weight(j) is evaluated twice instead of
    // being stored: 4 bytes of scratch a column. Returns the sum of the weights (sum_in_order).
    template <class Weight>
    double build(std::size_t n, Weight&& weight);
    // Draws are made through PostingSampler, which keeps the columns of its groups' tables.
};

// weight(0) + weight(1) + ... + weight(n - 1), added in that order. Its own function, so that the
// sum stays in a register (inlined into AliasTable::build, it was kept in memory, each addition
// waiting on the store of the one before).
template <class Weight>
[[gnu::noinline]] double sum_in_order(std::size_t n, const Weight& weight) {
    double total = 0;
    for (std::size_t j = 0; j < n; ++j) total += weight(j);
    return total;
}

template <class Weight>
double AliasTable::build(std::size_t n, Weight&& weight) {
    static_assert(sizeof(Column) == sizeof(double) && std::is_trivially_copyable_v<Column>);
    column.resize(n);
    // Until column j is final it holds the scaled weight of j (a double, the same 8 bytes).
    const auto scaled = [&](std::size_t j) { return std::bit_cast<double>(column[j]); };
    const auto set_scaled = [&](std::size_t j, double x) { column[j] = std::bit_cast<Column>(x); };
    const double total = sum_in_order(n, weight);
    const std::unique_ptr<std::uint32_t[]> stack(new std::uint32_t[n]);  // small: [0, ns), large: [n - nl, n)
    std::size_t ns = 0, nl = 0;
    for (std::size_t j = 0; j < n; ++j) {
        const double x = total > 0 ? weight(j) * static_cast<double>(n) / total : 1.0;
        set_scaled(j, x);
        // Pushed on its stack by index arithmetic, not a branch (the weights' order is random:
        // the branch was mispredicted about half the time).
        const std::size_t small = x < 1.0;
        stack[small * ns + (1 - small) * (n - 1 - nl)] = static_cast<std::uint32_t>(j);
        ns += small;
        nl += 1 - small;
    }
    // The top of each stack (the index pushed last) paired: the small column takes the large one
    // as its alias, and the large one gives up what the small one lacks. The large column's
    // weight stays in a register while it pairs with small ones, one after the other, until it
    // becomes small itself (it is then pushed on the small stack and paired next) or the small
    // stack is empty.
    while (ns > 0 && nl > 0) {
        const std::uint32_t l = stack[n - nl];
        double xl = scaled(l);
        do {
            const std::uint32_t s = stack[--ns];
            const double xs = scaled(s);
            xl -= 1.0 - xs;
            column[s] = Column{static_cast<float>(xs), l};
        } while (xl >= 1.0 && ns > 0);
        set_scaled(l, xl);
        if (xl < 1.0) {
            --nl;
            stack[ns++] = l;
        }
    }
    // What is left has probability 1 up to rounding.
    for (std::size_t k = 0; k < ns; ++k) column[stack[k]] = Column{1.0f, stack[k]};
    for (std::size_t k = n - nl; k < n; ++k) column[stack[k]] = Column{1.0f, stack[k]};
    return total;
}

// What a searcher reads of a posting, packed in one cache line's quarter (search is bound by
// random reads of postings).
struct PostingCard {
    std::uint32_t employer;
    float salary;   // posted annual salary
    float amenity;  // the employer's non-wage attractiveness
    std::uint8_t role, degree, city, channel = 0;  // channel: PostingChannel
};

// Sampling weights of search (eq. 10). A posting's weight is a factor of its employer's city as
// seen from the searcher's city times a factor of its own (its employer type's visibility, eq.
// 10b's relative pay). The postings are split into groups (employer city, with campus postings
// (eq. 9b) channel, role and required degree); each group has one alias table of the postings' own
// factors. A kind of searcher (kind: city, and channel) gives each group a chance in proportion to
// the city factor times the group's total. A searcher can only use a posting of its own role whose
// degree it meets (eq. 11), so its K draws are made in two stages: how many of them fall among the
// groups of its role and of degrees up to its own (its list: kind, role, degree), a binomial count
// with that share of the kind's sum, then each of those draws within the list: the group, then the
// posting. Each draw of the count has the law of one draw over all postings restricted to the list,
// and a draw outside the list could not be used. 12 bytes a posting.
struct PostingSampler {
    struct Column {
        float keep;                 // probability of keeping the column drawn
        std::uint32_t self, alias;  // postings: the column's own, and the one taken otherwise
    };
    std::vector<Column> column;        // the groups' alias tables, one after the other
    std::vector<std::uint32_t> first;  // [group]: first column of the group (size groups + 1)
    std::size_t groups = 0, kinds = 0, roles = 0, degrees = 0, draws = 0;  // draws: K, search.applications
    // The lists, [(kind * roles + role) * degrees + degree]: list_first (size lists + 1) indexes
    // list_group (the groups with a chance, in group order) and list_threshold (the chance of the
    // list's groups up to each, over the list's, times 2^32; the last 2^32); hits[list * draws + m]:
    // the chance of at most m of the K draws in the list, times 2^32.
    std::vector<std::uint32_t> list_first, list_group;
    std::vector<std::uint64_t> list_threshold, hits;
    std::vector<double> share;  // [list]: the list's chance over the kind's sum (tests, docs)
    std::size_t tables() const { return kinds; }
    std::size_t list(std::size_t kind, std::size_t role, std::size_t degree) const {
        return (kind * roles + role) * degrees + degree;
    }
    // How many of the K draws fall in list l, from one 32-bit number x: the count of the binomial's
    // cumulative chances at most x (inversion, without a branch).
    std::uint32_t hits_of(std::size_t l, std::uint32_t x) const {
        const std::uint64_t* cdf = hits.data() + l * draws;
        std::uint32_t m = 0;
        for (std::size_t k = 0; k < draws; ++k) m += cdf[k] <= x ? 1 : 0;
        return m;
    }

    // A draw within list l in two halves, so that the column can be fetched while other draws are
    // made: first the random numbers (group, column, coin), then the memory read.
    struct Pending {
        std::uint32_t column;
        float coin;
    };
    template <class Rng>
    Pending start(std::size_t l, Rng& rng) const {
        const std::uint64_t* row = list_threshold.data() + list_first[l];
        const std::size_t n_groups = list_first[l + 1] - list_first[l];
        const std::uint64_t u = rng();
        // The first group whose threshold is above u: the thresholds increase, so it is the count
        // of those at most u (std::upper_bound's index, without its branches, which the draws
        // mispredicted about half the time).
        std::size_t k = 0;
        for (std::size_t x = 0; x < n_groups; ++x) k += row[x] <= u ? 1 : 0;
        const std::uint32_t g = list_group[list_first[l] + k];
        const std::uint64_t n = first[g + 1] - first[g];
        const auto j = static_cast<std::uint32_t>(first[g] + ((static_cast<std::uint64_t>(rng()) * n) >> 32));
        const float coin = rng() * (1.0f / 4294967296.0f);
        __builtin_prefetch(&column[j]);
        return Pending{j, coin};
    }
    std::uint32_t finish(Pending d) const {
        const Column& col = column[d.column];
        return d.coin < col.keep ? col.self : col.alias;
    }
    // The chance that one draw of a searcher of list l is each posting: the list's share times the
    // chance of a draw within the list (for tests; eq. 10's weight over the kind's sum for the
    // postings of the list, 0 for the others).
    std::vector<double> chances(std::size_t l, std::size_t postings) const;
};

// Whom a posting admits by experience (eq. 9b): anyone (no experience rule), candidates with
// less than vacancies.experienced_years (campus), or the others (experienced).
enum class PostingChannel : std::uint8_t { open = 0, campus = 1, experienced = 2 };

// Postings listed this step (rebuilt every step): the first size() entries of each array. The
// arrays only grow (lay_out_postings): the postings of a month vary several times over in a year
// (campus seasons), and arrays sized to each month's were zeroed and copied on one thread.
struct Postings {
    std::vector<PostingCard> card;               // [posting], for search
    std::vector<std::uint32_t> employer, slots;  // slots 0 = unlimited
    std::vector<std::uint8_t> role, degree, channel;  // channel: PostingChannel
    std::vector<float> salary;
    std::vector<std::uint32_t> first;  // [employer]: first posting of the employer (size E+1)
    PostingSampler sampler;            // sampling weights (eq. 10), one table a kind of searcher
    std::size_t count = 0;             // this step's postings

    std::size_t size() const { return count; }
};

struct Applicant {
    float signal;  // screening signal of log-productivity
    std::uint32_t candidate;
};

// Applications grouped by posting, ranked best first (rebuilt every step).
struct Applications {
    std::vector<std::uint32_t> first;  // [posting] offsets into ranked (size P+1)
    std::vector<Applicant> ranked;
    std::vector<std::uint32_t> cursor;  // [posting] next applicant to consider
};

struct Offer {
    std::uint32_t candidate, employer, posting;
    float salary;  // current bid
    float limit;   // the most the bidder would pay (auction)
    std::uint8_t kind;
    std::uint8_t accepted = 0;
    std::uint8_t contest = 0;  // Contest: the outcome of the sequential auction (eq. 13)
};

// Outcome of an offer in the sequential auction of its candidate's round.
enum class Contest : std::uint8_t { none = 0, won = 1, lost = 2 };

// An accepted offer, applied in the moves phase.
struct Hire {
    std::uint32_t candidate, employer;
    float salary;
    std::uint8_t kind;
    std::uint8_t sit_out = 0, bought_out = 0;
    std::uint8_t noncompete_months_left = 0;
};

// Tallies the engine keeps beyond the columns of /steps (money in whole CNY).
#define TALENTSIM_ENGINE_TALLIES(X)                                                       \
    X(std::int64_t, noncompete_compensation) /* becomes /steps noncompete_compensation */ \
    X(std::int64_t, posted_salary_sum)       /* becomes /steps posted_mean */

// Integer counters bumped by the phases; sums of integers do not depend on the thread count.
// One member per TALENTSIM_STEP_TALLIES entry (io/records.hpp) and TALENTSIM_ENGINE_TALLIES entry.
struct Counters {
#define TALENTSIM_MEMBER(type, name) type name = 0;
    TALENTSIM_STEP_TALLIES(TALENTSIM_MEMBER)
    TALENTSIM_ENGINE_TALLIES(TALENTSIM_MEMBER)
#undef TALENTSIM_MEMBER
    Counters& operator+=(const Counters& o);
};

// Conditions the calendar phase sets for the current step.
struct StepConditions {
    std::int32_t step = 0, month = 1;
    std::vector<double> demand;        // [role * types + type]
    std::vector<double> posted_index;  // [role * types + type]: multiplier on base posted salaries
    std::vector<double> enforcement;   // [type]: multiplier on enforcement probability
    double relocation_multiplier = 1;
    std::vector<double> field_pay;     // [role]: the field's posted pay relative to the index, R (eq. 16)
    std::vector<double> friction;      // [role]: kappa = lambda1 / delta of eq. 3c (eq. 3d: from the flows)
    std::vector<double> flow_moved;    // [role]: job-to-job moves a month, averaged over about a year (eq. 3d)
    std::vector<double> flow_left;     // [role]: separations into non-employment a month, the same
};

// The members of each team by lead (team id = the lead's candidate id), each team's members in id
// order; built from the team column the first time a lead moves. Teams only lose members (one who
// leaves its job or team is dropped for good), so the lists hold everyone who can still follow;
// the phases check the team column too. Not saved in checkpoints: rebuilt after a restore.
struct TeamIndex {
    bool built = false;
    std::vector<std::uint32_t> lead;    // the leads, in increasing order
    std::vector<std::uint32_t> first;   // [lead k] offsets into member (size leads + 1)
    std::vector<std::uint32_t> member;  // the members other than the lead
};

struct World {
    const Scenario* scenario = nullptr;
    std::uint64_t seed = 0;
    std::int32_t steps = 0;
    Candidates candidates;
    Employers employers;
    std::size_t active_candidates = 0, active_employers = 0;  // slots in use
    StepConditions now;
    Postings postings;
    Applications applications;
    double size_unit_people = 0;                  // initial employees per unit of employer_types.*.size
    std::vector<Offer> offers;                    // all offers of the step (rows of /offers)
    std::vector<Offer> round_offers;              // this round's outside offers, sorted by candidate
    std::vector<std::uint32_t> groups;            // offsets of each candidate's offers in round_offers
    std::vector<Offer> counteroffers;             // [group]: the incumbent's counteroffer (candidate kNone if none)
    std::vector<std::vector<Offer>> by_employer;  // scratch of screen_and_offer
    std::vector<Hire> hires;                      // accepted this step, sorted by candidate
    std::vector<MoveRow> moves;
    Counters counters;  // this step
    TeamIndex teams;
    WageGuess wage_guess;  // where record's wage percentiles will fall: speed only, never a result
};

}  // namespace talentsim
