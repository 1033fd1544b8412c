// The phases of one step, in the order simulation.cpp calls them (docs/model.md, section D).
#pragma once
#include <array>
#include <vector>

#include "engine/state.hpp"
#include "engine/wage_tally.hpp"

namespace talentsim {

void calendar_and_shocks(World& w, std::int32_t step);  // 1. timeline, entrants, graduation
void separations(World& w);                             // 2. quits, layoffs, firm exits, leaving
void post_vacancies(World& w);                          // 3. vacancies and postings
void search(World& w);                                  // 4. search and applications
void screen_and_offer(World& w, int round);             // 5. screening and offers
void counteroffer(World& w, int round);                 // 6. counteroffers (sequential auction)
void decide(World& w, int round);                       // 7. decisions
void move(World& w);                                    // 8. hires, team moves, non-competes
void update_wages(World& w);                            // 9. raises, promotions, tenure

// What record counts in one pass over the candidates, after the census: the statuses per chunk of
// consecutive candidates, and the tally of the employed's wages with the step's guess
// (World::wage_guess, wage_tally.hpp). The fused pass counts them as it goes.
struct RecordTallies {
    std::vector<std::array<std::int64_t, kStatusCount>> statuses;  // [chunk][status]
    WageTally wages;
};

// 10. census (when the scenario reads it: census_read) and counters; `counted`: the census is set
// and these are the step's tallies (the wages' kept values are reordered).
StepRow record(World& w, RecordTallies* counted = nullptr);

// 2 and 4-9 in one pass where the scenario's mechanisms allow it (phases.cpp): the same results.
// It also sets the census (when read) and counts `tallies` for record.
bool direct_offers_apply(const Scenario& s);
// Whether the fused pass decides its searchers together (no relocation, poaching bids, pay ranges,
// requirement adjustment or rows of /offers and /moves): the same results.
bool plain_searchers(const Scenario& s);
void direct_offers(World& w, RecordTallies& tallies);

}  // namespace talentsim
