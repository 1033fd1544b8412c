// Plain row types that the engine produces and the writer stores.
// Every struct here is written as one HDF5 compound type; see docs/output-format.md.
#pragma once
#include <cstdint>
#include <vector>

namespace talentsim {

inline constexpr std::uint32_t kNone = 0xFFFFFFFFu;  // "no employer", "no team", ...

// The month `months` after the month yyyymm, as yyyymm (one step is one month).
constexpr std::int32_t month_after(std::int32_t yyyymm, std::int32_t months) {
    const std::int32_t m = (yyyymm / 100) * 12 + (yyyymm % 100 - 1) + months;
    return (m / 12) * 100 + m % 12 + 1;
}
static_assert(month_after(202411, 2) == 202501 && month_after(202401, 0) == 202401);

enum class Status : std::uint8_t {
    student = 0,
    employed = 1,
    unemployed = 2,
    abroad = 3,
    sitting_out = 4,
    inactive = 5
};
inline constexpr int kStatusCount = 6;
inline constexpr const char* kStatusNames[kStatusCount] = {"student", "employed",    "unemployed",
                                                           "abroad",  "sitting_out", "inactive"};

enum class OfferKind : std::uint8_t { posted = 0, poaching = 1, counteroffer = 2 };

// The columns of /steps, each declared once; the row struct, its HDF5 compound type, the engine's
// Counters, compare's field list, the run summary and the sweep metrics are generated from these
// lists. X(type, name), in file order. Adding a tally is one line in TALENTSIM_STEP_TALLIES.

// Candidates by status at the end of the step, in Status order.
#define TALENTSIM_STATUS_COUNTS(X) \
    X(std::int64_t, students)      \
    X(std::int64_t, employed)      \
    X(std::int64_t, unemployed)    \
    X(std::int64_t, abroad)        \
    X(std::int64_t, sitting_out)   \
    X(std::int64_t, inactive)

// Integer tallies of the step, kept by the phases (Counters in engine/state.hpp) and copied here.
#define TALENTSIM_STEP_TALLIES(X)                                                               \
    X(std::int64_t, vacancies) /* open vacancy slots after posting */                           \
    X(std::int64_t, postings)                                                                   \
    X(std::int64_t, searchers) /* candidates who searched this step */                          \
    X(std::int64_t, applications)                                                               \
    X(std::int64_t, offers)                                                                     \
    X(std::int64_t, hires) /* all accepted offers (from any status) */                          \
    X(std::int64_t, job_to_job_moves)                                                           \
    X(std::int64_t, counteroffers_made)                                                         \
    X(std::int64_t, counteroffers_won)                                                          \
    X(std::int64_t, noncompete_blocked)                                                         \
    X(std::int64_t, noncompete_buyouts)                                                         \
    X(std::int64_t, team_moves)                                                                 \
    X(std::int64_t, relocations)                                                                \
    X(std::int64_t, returnees)                                                                  \
    X(std::int64_t, graduates)                                                                  \
    X(std::int64_t, separations) /* quits + layoffs + firm exits + leaving the field */         \
    X(std::int64_t, layoffs)                                                                    \
    X(std::int64_t, firm_exits)                                                                 \
    X(std::int64_t, firm_entries)                                                               \
    X(std::int64_t, spells_completed)       /* unemployment spells ended by a hire this step */ \
    X(std::int64_t, spell_months_completed) /* their summed length in steps */                  \
    X(std::int64_t, jobs_ended)             /* jobs ended by separation this step */            \
    X(std::int64_t, tenure_months_ended)    /* their summed tenure in steps */

// Salary statistics: annual CNY.
#define TALENTSIM_STEP_SALARIES(X)                 \
    X(double, wage_mean) /* employed candidates */ \
    X(double, wage_p10)                            \
    X(double, wage_p50)                            \
    X(double, wage_p90)                            \
    X(double, posted_mean) /* mean posted annual salary this step */

// Payments of the step: CNY.
#define TALENTSIM_STEP_PAYMENTS(X) X(double, noncompete_compensation) /* paid this step by former employers */

#define TALENTSIM_STEP_COLUMNS(X)                   \
    X(std::int32_t, step)                           \
    X(std::int32_t, date) /* yyyymm, e.g. 202401 */ \
    TALENTSIM_STATUS_COUNTS(X)                      \
    TALENTSIM_STEP_TALLIES(X)                       \
    TALENTSIM_STEP_SALARIES(X)                      \
    TALENTSIM_STEP_PAYMENTS(X)

#define TALENTSIM_PLUS_ONE(type, name) +1
static_assert(0 TALENTSIM_STATUS_COUNTS(TALENTSIM_PLUS_ONE) == kStatusCount, "one status count per Status");
#undef TALENTSIM_PLUS_ONE

// One row of /steps.
struct StepRow {
#define TALENTSIM_MEMBER(type, name) type name;
    TALENTSIM_STEP_COLUMNS(TALENTSIM_MEMBER)
#undef TALENTSIM_MEMBER
};

// The tallies summed over steps (run summary, sweep metrics).
struct StepTallies {
#define TALENTSIM_MEMBER(type, name) type name = 0;
    TALENTSIM_STEP_TALLIES(TALENTSIM_MEMBER)
#undef TALENTSIM_MEMBER
    StepTallies& operator+=(const StepRow& r) {
#define TALENTSIM_ADD(type, name) name += r.name;
        TALENTSIM_STEP_TALLIES(TALENTSIM_ADD)
#undef TALENTSIM_ADD
        return *this;
    }
};

// The columns of the event and population tables, each declared once: the row struct and its HDF5
// compound type are generated from these lists, X(type, name) in file order. Every event table starts
// with TALENTSIM_EVENT_WHEN: the step and its calendar month (the same `date` as /steps).
#define TALENTSIM_EVENT_WHEN(X) \
    X(std::int32_t, step)       \
    X(std::int32_t, date) /* yyyymm, e.g. 202401 */

// /postings: one row per job posting.
#define TALENTSIM_POSTING_COLUMNS(X)                                                 \
    TALENTSIM_EVENT_WHEN(X)                                                          \
    X(std::uint32_t, posting) /* index within the step */                            \
    X(std::uint32_t, employer)                                                       \
    X(std::uint8_t, role)                                                            \
    X(std::uint8_t, required_degree) /* code of /categories/degrees (level order) */ \
    X(std::uint8_t, city)                                                            \
    X(std::uint8_t, employer_type)                                                   \
    X(std::uint8_t, channel) /* code of /categories/posting_channels (eq. 9b) */     \
    X(float, salary)        /* annual CNY */                                         \
    X(std::uint32_t, slots) /* vacancies behind the posting (0 = unlimited) */

// /offers: one row per offer.
#define TALENTSIM_OFFER_COLUMNS(X)                       \
    TALENTSIM_EVENT_WHEN(X)                              \
    X(std::uint32_t, candidate)                          \
    X(std::uint32_t, employer)                           \
    X(std::uint8_t, role)                                \
    X(std::uint8_t, degree) /* the candidate's degree */ \
    X(std::uint8_t, kind)   /* OfferKind */              \
    X(std::uint8_t, accepted)                            \
    X(float, salary) /* annual CNY */

// /moves: one row per hire.
#define TALENTSIM_MOVE_COLUMNS(X)                                                              \
    TALENTSIM_EVENT_WHEN(X)                                                                    \
    X(std::uint32_t, candidate)                                                                \
    X(std::uint32_t, from_employer) /* kNone when hired from unemployment, school or abroad */ \
    X(std::uint32_t, to_employer)                                                              \
    X(std::uint8_t, from_status) /* Status before the move */                                  \
    X(std::uint8_t, relocated)   /* changed city (or country) */                               \
    X(std::uint8_t, team_move)   /* followed a lead */                                         \
    X(std::uint8_t, noncompete_bought_out)                                                     \
    X(float, old_wage)                                                                         \
    X(float, new_wage)

// /candidates/initial: one row per candidate slot (entrants included).
#define TALENTSIM_CANDIDATE_ROW_COLUMNS(X)                                                  \
    X(std::uint32_t, id)                                                                    \
    X(std::uint8_t, degree)                                                                 \
    X(std::uint8_t, tier)                                                                   \
    X(std::uint8_t, role)                                                                   \
    X(std::uint8_t, home_city)                                                              \
    X(std::int32_t, entry_step) /* 0 for the initial population, else the step it enters */ \
    X(float, productivity)

// /employers: one row per employer slot.
#define TALENTSIM_EMPLOYER_ROW_COLUMNS(X)                                      \
    X(std::uint32_t, id)                                                       \
    X(std::uint8_t, type)                                                      \
    X(std::uint8_t, city)                                                      \
    X(std::int32_t, entry_step)                                                \
    X(float, wage_factor)  /* firm-specific multiplier on posted salaries */   \
    X(float, amenity)      /* annual CNY-equivalent non-wage attractiveness */ \
    X(float, productivity) /* firm productivity p_e: what a candidate is worth scales with it */

#define TALENTSIM_MEMBER(type, name) type name;
struct PostingRow {
    TALENTSIM_POSTING_COLUMNS(TALENTSIM_MEMBER)
};
struct OfferRow {
    TALENTSIM_OFFER_COLUMNS(TALENTSIM_MEMBER)
};
struct MoveRow {
    TALENTSIM_MOVE_COLUMNS(TALENTSIM_MEMBER)
};
struct CandidateRow {
    TALENTSIM_CANDIDATE_ROW_COLUMNS(TALENTSIM_MEMBER)
};
struct EmployerRow {
    TALENTSIM_EMPLOYER_ROW_COLUMNS(TALENTSIM_MEMBER)
};
#undef TALENTSIM_MEMBER

// One panel snapshot: one value per selected candidate.
struct PanelSnapshot {
    std::int32_t step;
    std::vector<float> wage;
    std::vector<std::uint32_t> employer;
    std::vector<std::uint8_t> status;
    std::vector<std::uint8_t> city;
};

}  // namespace talentsim
