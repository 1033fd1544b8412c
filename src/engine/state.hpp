// Simulation state: agents as structures of arrays, plus the per-step scratch the phases share.
#pragma once
#include <cstdint>
#include <vector>

#include "io/records.hpp"
#include "model/scenario.hpp"

namespace talentsim {

inline constexpr std::uint8_t kAbroad = 255;  // city code of every place outside China

// Candidates: one slot per person who is or will be in the market (entrants are pre-allocated,
// so nothing is allocated while stepping). Index = candidate id.
struct Candidates {
    // Fixed at entry.
    std::vector<std::uint8_t> degree, tier, role, home_city;
    std::vector<std::int32_t> entry_step;  // step the slot becomes active (0 = initial)
    std::vector<std::int32_t> graduation_step;
    // Dynamic.
    std::vector<std::uint8_t> status;     // Status
    std::vector<std::uint8_t> city;       // kAbroad outside China
    std::vector<std::uint32_t> employer;  // kNone if none
    std::vector<std::uint32_t> prev_employer;
    std::vector<float> wage;              // annual CNY (while sitting out: the last wage)
    std::vector<float> productivity;      // level, 1 = bachelor, other tier, no experience
    std::vector<float> experience;        // years
    std::vector<std::uint16_t> tenure;    // months with the current employer
    std::vector<std::uint16_t> spell;     // months of the current unemployment spell
    std::vector<float> reservation;       // annual CNY
    std::vector<float> search_intensity;  // on-the-job search probability per month
    // Non-compete: clause in the current contract; restriction while sitting out.
    std::vector<std::uint8_t> nc_clause;
    std::vector<std::uint8_t> nc_months;          // months left of a running restriction
    std::vector<std::uint32_t> nc_employer;       // protected (former) employer
    std::vector<float> nc_damages;                // liquidated damages of the clause, CNY
    std::vector<std::uint32_t> pending_employer;  // joins after sitting out
    std::vector<float> pending_wage;
    // Teams: team id = the lead's candidate id.
    std::vector<std::uint32_t> team;
    std::vector<std::int32_t> moved_step;  // last step of a job-to-job move (-1 never)
    std::vector<std::int32_t> hired_step;  // last step an offer was accepted (-1 never)

    std::size_t size() const { return status.size(); }
    void resize(std::size_t n);
};

struct Employers {
    std::vector<std::uint8_t> type, city, alive;
    std::vector<std::int32_t> entry_step;  // step the slot becomes active (0 = initial)
    std::vector<float> wage_factor, amenity;
    std::vector<float> productivity;        // firm productivity p_e (eq. 4)
    std::vector<double> budget;             // annual payroll budget, CNY
    std::vector<std::int64_t> payroll;      // CNY, from the census at the end of the last step
    std::vector<std::int64_t> committed;    // CNY of offers accepted this step
    std::vector<std::uint32_t> headcount;   // [employer * roles + role]
    std::vector<std::uint32_t> vacancies;   // [employer * roles + role], open
    std::vector<std::uint32_t> departures;  // [employer * roles + role], this step
    std::vector<float> target_base;         // [employer * roles + role], target headcount at demand 1 (eq. 8a)
    std::vector<float> posted_multiplier;   // [employer * roles + role], from hiring experience (eq. 3a)
    std::vector<std::uint32_t> filled;      // [employer * roles + role], vacancies filled this step

    std::size_t size() const { return type.size(); }
    void resize(std::size_t n, std::size_t roles);
};

// Walker's alias method: draws index j with probability weight_j / sum in O(1).
struct AliasTable {
    struct Column {
        float keep;           // probability of keeping the column drawn
        std::uint32_t alias;  // the index taken otherwise
    };
    std::vector<Column> column;
    void build(const std::vector<double>& weight);
    // A draw in two halves, so that the column can be fetched while other draws are made:
    // first the random numbers (column and coin), then the memory read.
    struct Pending {
        std::uint32_t column;
        float coin;
    };
    template <class Rng>
    Pending start(Rng& rng) const {
        const auto j = static_cast<std::uint32_t>((static_cast<std::uint64_t>(rng()) * column.size()) >> 32);
        const float coin = rng() * (1.0f / 4294967296.0f);
        __builtin_prefetch(&column[j]);
        return Pending{j, coin};
    }
    std::uint32_t finish(Pending d) const {
        const Column& col = column[d.column];
        return d.coin < col.keep ? d.column : col.alias;
    }
};

// What a searcher reads of a posting, packed in one cache line's quarter (search is bound by
// random reads of postings).
struct PostingCard {
    std::uint32_t employer;
    float salary;   // posted annual salary
    float amenity;  // the employer's non-wage attractiveness
    std::uint8_t role, degree, city, pad = 0;
};

// Postings listed this step (rebuilt every step).
struct Postings {
    std::vector<PostingCard> card;               // [posting], for search
    std::vector<std::uint32_t> employer, slots;  // slots 0 = unlimited
    std::vector<std::uint8_t> role, degree;
    std::vector<float> salary;
    std::vector<std::uint32_t> first;  // [employer]: first posting of the employer (size E+1)
    std::vector<AliasTable> sampler;   // [searcher city + abroad]: sampling weights (eq. 10)
    std::size_t size() const { return employer.size(); }
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
    std::uint8_t nc_months = 0;
};

// Integer counters bumped by the phases; sums of integers do not depend on the thread count.
struct Counters {
    std::int64_t postings = 0, vacancies = 0, searchers = 0, applications = 0, offers = 0, hires = 0,
                 job_to_job_moves = 0;
    std::int64_t counteroffers_made = 0, counteroffers_won = 0, noncompete_blocked = 0, noncompete_buyouts = 0;
    std::int64_t team_moves = 0, relocations = 0, returnees = 0, graduates = 0;
    std::int64_t separations = 0, layoffs = 0, firm_exits = 0, firm_entries = 0;
    std::int64_t spells_completed = 0, spell_months_completed = 0, jobs_ended = 0, tenure_months_ended = 0;
    std::int64_t noncompete_compensation = 0, posted_salary_sum = 0;
    Counters& operator+=(const Counters& o);
};

// Conditions the calendar phase sets for the current step.
struct StepConditions {
    std::int32_t step = 0, month = 1;
    std::vector<double> demand;        // [role * types + type]
    std::vector<double> posted_index;  // [role * types + type]: multiplier on base posted salaries
    std::vector<double> enforcement;   // [type]: multiplier on enforcement probability
    double relocation_multiplier = 1;
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
    std::vector<Offer> counters_made;             // [group]: the incumbent's counteroffer (candidate kNone if none)
    std::vector<std::vector<Offer>> by_employer;  // scratch of screen_and_offer
    std::vector<Hire> hires;                      // accepted this step, sorted by candidate
    std::vector<MoveRow> moves;
    Counters counters;  // this step
};

}  // namespace talentsim
