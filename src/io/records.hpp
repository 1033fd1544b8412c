// Plain row types that the engine produces and the writer stores.
// Every struct here is written as one HDF5 compound type; see docs/output-format.md.
#pragma once
#include <cstdint>
#include <vector>

namespace talentsim {

inline constexpr std::uint32_t kNone = 0xFFFFFFFFu;  // "no employer", "no team", ...

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

// One row of /steps. Counters are kept by the phases (see Counters in state.hpp) and copied here.
struct StepRow {
    std::int32_t step;
    std::int32_t date;  // yyyymm, e.g. 202401
    std::int64_t students, employed, unemployed, abroad, sitting_out, inactive;
    std::int64_t vacancies;  // open vacancy slots after posting
    std::int64_t postings;
    std::int64_t searchers;  // candidates who searched this step
    std::int64_t applications;
    std::int64_t offers;
    std::int64_t hires;  // all accepted offers (incl. from unemployment, students, abroad)
    std::int64_t job_to_job_moves;
    std::int64_t counteroffers_made;
    std::int64_t counteroffers_won;
    std::int64_t noncompete_blocked;
    std::int64_t noncompete_buyouts;
    std::int64_t team_moves;
    std::int64_t relocations;
    std::int64_t returnees;
    std::int64_t graduates;
    std::int64_t separations;  // quits + layoffs + firm exits + leaving the field
    std::int64_t layoffs;
    std::int64_t firm_exits;
    std::int64_t firm_entries;
    std::int64_t spells_completed;                   // unemployment spells ended by a hire this step
    std::int64_t spell_months_completed;             // their summed length in steps
    std::int64_t jobs_ended;                         // jobs ended by separation this step
    std::int64_t tenure_months_ended;                // their summed tenure in steps
    double wage_mean, wage_p10, wage_p50, wage_p90;  // annual CNY, employed candidates
    double posted_mean;                              // mean posted annual salary this step
    double noncompete_compensation;                  // CNY paid this step by former employers
};

struct PostingRow {
    std::int32_t step;
    std::uint32_t posting;  // index within the step
    std::uint32_t employer;
    std::uint8_t role;
    std::uint8_t required_degree;  // 0 bachelor, 1 master, 2 phd
    std::uint8_t city;
    std::uint8_t employer_type;
    float salary;         // annual CNY
    std::uint32_t slots;  // vacancies behind the posting (0 = unlimited)
};

struct OfferRow {
    std::int32_t step;
    std::uint32_t candidate;
    std::uint32_t employer;
    std::uint8_t role;
    std::uint8_t degree;  // the candidate's degree
    std::uint8_t kind;    // OfferKind
    std::uint8_t accepted;
    float salary;  // annual CNY
};

struct MoveRow {
    std::int32_t step;
    std::uint32_t candidate;
    std::uint32_t from_employer;  // kNone when hired from unemployment, school or abroad
    std::uint32_t to_employer;
    std::uint8_t from_status;  // Status before the move
    std::uint8_t relocated;    // changed city (or country)
    std::uint8_t team_move;    // followed a lead
    std::uint8_t noncompete_bought_out;
    float old_wage, new_wage;
};

struct CandidateRow {  // /candidates/initial, one per candidate slot (entrants included)
    std::uint32_t id;
    std::uint8_t degree, tier, role, home_city;
    std::int32_t entry_step;  // 0 for the initial population, else the step it enters
    float productivity;
};

struct EmployerRow {  // /employers
    std::uint32_t id;
    std::uint8_t type, city;
    std::int32_t entry_step;
    float wage_factor;   // firm-specific multiplier on posted salaries
    float amenity;       // annual CNY-equivalent non-wage attractiveness
    float productivity;  // firm productivity p_e: what a candidate is worth scales with it
};

// One panel snapshot: one value per selected candidate.
struct PanelSnapshot {
    std::int32_t step;
    std::vector<float> wage;
    std::vector<std::uint32_t> employer;
    std::vector<std::uint8_t> status;
    std::vector<std::uint8_t> city;
};

}  // namespace talentsim
