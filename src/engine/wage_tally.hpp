// Record's wage statistics (the mean and the 10th, 50th and 90th percentiles of the employed's
// wages) counted in the pass that already reads each candidate's status and wage, without a
// second pass over the wages. Each step guesses, for each percentile, a narrow range of values
// around where it will fall (from the steps before: WageGuess); the pass counts the wages below
// each range and keeps those inside it (WageTally). When the percentile's rank falls among the
// kept wages, a selection among them gives it; otherwise, and when the mean's sum might depend on
// the order of its additions, the wages are gathered again from the columns and the statistics
// computed as before (wage_statistics). The guesses change how fast, never what: the results are
// the same bits whatever they are (tests/engine/test_phases.cpp, "record's wage statistics").
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace talentsim {

// The quantiles of /steps' wage columns (stats::quantile_rank).
inline constexpr std::array<double, 3> kWageLevels{0.1, 0.5, 0.9};

// For each percentile, the range of order keys (detail::order_key: increasing with the value)
// [lo, lo + width) whose wages a step keeps; width 0: none (the first step, or after a resume).
// `most`: the wages a thread keeps at most for each (more: as a miss). The rest is what the next
// guess is made from: the percentile's key in the last step and the range's half width.
struct WageGuess {
    std::array<std::uint32_t, 3> lo{}, width{};
    std::size_t most = 0;
    std::array<std::uint32_t, 3> last{};
    std::array<std::uint64_t, 3> half{};
    bool started = false;  // whether a step has found its percentiles
    // Steps whose statistics wage_statistics computed, and those of them that read the columns again
    // (talentsim bench reports both).
    std::int64_t steps = 0, rereads = 0;
};

// What one thread counts of the employed's wages: their sum in no particular order with their least
// value and their smallest positive one (which tell whether any order of additions gives the same
// sum: wage_tally.cpp, exact_in_any_order), and for each range of the guess, the wages below it
// and those inside it (kept while there are at most WageGuess::most).
struct WageTally {
    double sum = 0;
    float least = std::numeric_limits<float>::infinity(), smallest_positive = least;
    std::array<std::int64_t, 3> below{}, inside{};
    std::array<std::vector<float>, 3> kept;
    std::array<std::size_t, 3> size{};
    // Adds the employed among candidates [begin, end) (status, wage: the columns).
    void add(const std::uint8_t* status, const float* wage, std::size_t begin, std::size_t end, const WageGuess& g);
    // Adds another thread's tally.
    void add(const WageTally& other);
};

struct WageStatistics {
    double mean = 0;
    std::array<float, 3> quantile{};  // at kWageLevels
    bool from_tally = false;          // all found from the tally, without reading the columns again
};

// The statistics of the `employed` wages that `tally` counted, with `guess` as it was during the
// count; then the guess for the next step. status and wage: the columns of the N candidates, read
// again when a percentile fell outside its range or the sum might depend on its order (the mean's
// sum is then that of the wages in id order in blocks of kGrain). employed > 0.
WageStatistics wage_statistics(WageTally& tally, std::size_t employed, const std::uint8_t* status, const float* wage,
                               std::size_t N, WageGuess& guess);

}  // namespace talentsim
