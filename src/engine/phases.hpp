// The phases of one step, in the order simulation.cpp calls them (docs/model.md, section D).
#pragma once
#include "engine/state.hpp"

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
StepRow record(World& w);                               // 10. census and counters

// 2 and 4-9 in one pass where the scenario's mechanisms allow it (phases.cpp): the same results.
bool direct_offers_apply(const Scenario& s);
void direct_offers(World& w);

}  // namespace talentsim
