// Parallel loops whose results never depend on the thread count: every agent's work depends only
// on its own random stream, counters are integer sums, and gathered lists keep index order.
#pragma once
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_reduce.h>

#include <array>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/rng.hpp"
#include "engine/state.hpp"

namespace talentsim {

inline constexpr std::size_t kGrain = 4096;
// For loops over a few thousand items of uneven work (employers, a round's offer groups, hires):
// with kGrain, such a loop was one or two ranges and ran on one thread. The grain never changes a
// result (each item's work is its own; counters are integer sums).
inline constexpr std::size_t kFineGrain = 64;

// fn(i) for i in [0, n).
template <class Fn>
void for_each_index(std::size_t n, Fn&& fn, std::size_t grain = kGrain) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) fn(i);
    });
}

// fn(i, counters) for i in [0, n); returns the summed counters (integer sums: order-free).
template <class Fn>
Counters count_each_index(std::size_t n, Fn&& fn, std::size_t grain = kGrain) {
    return tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n, grain), Counters{},
        [&](const tbb::blocked_range<std::size_t>& r, Counters c) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) fn(i, c);
            return c;
        },
        [](Counters a, const Counters& b) {
            a += b;
            return a;
        });
}

// fn(begin, end, counters) over ranges covering [0, n); returns the summed counters.
template <class Fn>
Counters count_each_index_range(std::size_t n, Fn&& fn, std::size_t grain = kGrain) {
    return tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n, grain), Counters{},
        [&](const tbb::blocked_range<std::size_t>& r, Counters c) {
            fn(r.begin(), r.end(), c);
            return c;
        },
        [](Counters a, const Counters& b) {
            a += b;
            return a;
        });
}

// fn(i, rng, counters) for agents i in [0, n), rng being Stream(seed, step, family, i, sub_key); the
// streams' first blocks are computed for tiles of kTile agents at once (rng.hpp). Returns the
// summed counters.
template <class Fn>
Counters count_each_agent(std::size_t n, std::uint64_t seed, std::int32_t step, StreamFamily family,
                          std::uint32_t sub_key, Fn&& fn) {
    return count_each_index_range(n, [&](std::size_t begin, std::size_t end, Counters& c) {
        FirstBlocks blocks;
        for (std::size_t tile = begin; tile < end; tile += kTile) {
            first_blocks(seed, step, family, static_cast<std::uint32_t>(tile), sub_key, blocks);
            for (std::size_t k = 0; k < kTile && tile + k < end; ++k) {
                const auto i = static_cast<std::uint32_t>(tile + k);
                Stream rng(seed, step, family, i, sub_key, blocks.lane(k));
                fn(i, rng, c);
            }
        }
    });
}

// The indices i in [0, n) with pred(i), in increasing order, gathered in parallel.
template <class Pred>
std::vector<std::uint32_t> collect_indices(std::size_t n, Pred&& pred) {
    const std::size_t chunks = (n + kGrain - 1) / kGrain;
    std::vector<std::uint32_t> count(chunks + 1, 0);
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        std::uint32_t k = 0;
        for (std::size_t i = ch * kGrain, end = std::min(n, (ch + 1) * kGrain); i < end; ++i) k += pred(i) ? 1 : 0;
        count[ch + 1] = k;
    });
    for (std::size_t ch = 0; ch < chunks; ++ch) count[ch + 1] += count[ch];
    std::vector<std::uint32_t> out(count[chunks]);
    if (out.empty()) return out;
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        std::uint32_t k = count[ch];
        for (std::size_t i = ch * kGrain, end = std::min(n, (ch + 1) * kGrain); i < end; ++i)
            if (pred(i)) out[k++] = static_cast<std::uint32_t>(i);
    });
    return out;
}

// The indices i in [0, n) sorted by group_of(i) (groups [0, G)), in increasing order within a
// group, and first[g]: where group g starts (size G + 1); the serial counting sort's result,
// counted and scattered in parallel over chunks of kGrain indices (offsets by group, then chunk).
template <class GroupOf>
void group_indices(std::size_t n, std::size_t G, GroupOf&& group_of, std::vector<std::uint32_t>& first,
                   std::vector<std::uint32_t>& member) {
    const std::size_t chunks = (n + kGrain - 1) / kGrain;
    std::vector<std::uint32_t> at(chunks * G, 0);  // [chunk][group]: its count, then its next place
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        for (std::size_t i = ch * kGrain, end = std::min(n, (ch + 1) * kGrain); i < end; ++i)
            ++at[ch * G + group_of(i)];
    });
    first.assign(G + 1, 0);
    std::uint32_t next = 0;
    for (std::size_t g = 0; g < G; ++g) {
        for (std::size_t ch = 0; ch < chunks; ++ch) next += std::exchange(at[ch * G + g], next);
        first[g + 1] = next;
    }
    member.resize(n);
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        for (std::size_t i = ch * kGrain, end = std::min(n, (ch + 1) * kGrain); i < end; ++i)
            member[at[ch * G + group_of(i)]++] = static_cast<std::uint32_t>(i);
    });
}

// Sorts rows (offers, hires: each with a `candidate` below `candidates`) by candidate, keeping the
// order of each candidate's rows: the stable sort's result, made in parallel. The rows are grouped
// by the high kBucketBits bits of their candidate (group_indices: counted and scattered over fixed
// chunks, in row order within a bucket), then each bucket's rows, a few dozen, are put in order of
// the whole id by a stable sort of their own (insertion sort when short). A round's offers and a
// step's hires are a few tens of thousands.
template <class Row>
void sort_by_candidate(std::vector<Row>& rows, std::size_t candidates) {
    constexpr unsigned kBucketBits = 11;
    constexpr std::size_t kShort = 48;
    const unsigned shift = std::max(kBucketBits, static_cast<unsigned>(std::bit_width(candidates))) - kBucketBits;
    std::vector<std::uint32_t> first, member;
    group_indices(rows.size(), std::size_t{1} << kBucketBits, [&](std::size_t k) { return rows[k].candidate >> shift; },
                  first, member);
    std::vector<Row> sorted(rows.size());
    const auto by_id = [](const Row& a, const Row& b) { return a.candidate < b.candidate; };
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, first.size() - 1, 16), [&](const auto& r) {
        for (std::size_t b = r.begin(); b != r.end(); ++b) {
            Row* const begin = sorted.data() + first[b];
            Row* const end = sorted.data() + first[b + 1];
            for (Row* x = begin; x != end; ++x) *x = rows[member[x - sorted.data()]];
            if (end - begin > static_cast<std::ptrdiff_t>(kShort)) {
                std::stable_sort(begin, end, by_id);
                continue;
            }
            for (Row* x = begin; x != end; ++x) {  // insertion sort: stable
                const Row row = *x;
                Row* y = x;
                for (; y != begin && row.candidate < (y - 1)->candidate; --y) *y = *(y - 1);
                *y = row;
            }
        }
    });
    rows.swap(sorted);
}

// Sums by cell of float values in index order: sum[cell] is the double that the serial loop
// `sum[cell_of(k)] += value(k)` for k = 0, 1, ..., n - 1 gives (from 0), count[cell] the number of
// k in the cell. Summed in parallel over fixed chunks of kCellChunk indices (not depending on the
// thread count), the chunks' sums added in chunk order. That gives the serial loop's bits whenever
// every addition in it is exact: when each value of a cell is a multiple of 2^q (q the least
// exponent of a unit in the last place among its nonzero values) and the sum of their magnitudes is
// under 2^(53 + q), every partial sum, in any order, is a multiple of 2^q below 2^(53 + q), which a
// double holds exactly (the test below keeps a factor 2 for the rounding of the magnitudes' sum).
// Each chunk records q and the sum of magnitudes of each cell; if a cell fails the test (roughly:
// its count times the ratio of its largest to its smallest value reaches 2^28, or a value is not
// finite), all cells are summed serially instead.
struct CellSums {
    std::vector<double> sum, count;
};
inline constexpr std::size_t kCellChunk = 4 * kGrain;

namespace detail {
struct CellChunk {
    std::vector<double> sum, magnitude, count;
    std::vector<int> least_exponent;  // biased float exponent of the least unit in the last place
    explicit CellChunk(std::size_t cells)
        : sum(cells, 0.0), magnitude(cells, 0.0), count(cells, 0.0), least_exponent(cells, 255) {}
};
// The biased exponent of x's unit in the last place, as a float's exponent field (1 for subnormals).
inline int ulp_exponent_field(float x) {
    const int field = static_cast<int>((std::bit_cast<std::uint32_t>(x) >> 23) & 0xFFu);
    return field == 0 ? 1 : field;
}
// Whether values that are multiples of 2^(least_exponent - 150) (least_exponent: the least
// ulp_exponent_field among the nonzero values) and whose magnitudes sum to `magnitude` add up
// exactly in any order; the margin of a factor 2 covers the rounding of `magnitude`.
inline bool sum_is_exact(double magnitude, int least_exponent) {
    return magnitude < std::ldexp(1.0, 52 + least_exponent - 150);
}
}  // namespace detail

template <class CellOf, class ValueOf>
CellSums sums_by_cell(std::size_t n, std::size_t cells, CellOf&& cell_of, ValueOf&& value_of) {
    const std::size_t chunks = (n + kCellChunk - 1) / kCellChunk;
    std::vector<detail::CellChunk> part(chunks, detail::CellChunk(cells));
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        detail::CellChunk& mine = part[ch];
        for (std::size_t k = ch * kCellChunk, end = std::min(n, (ch + 1) * kCellChunk); k < end; ++k) {
            const std::size_t cell = cell_of(k);
            const float x = value_of(k);
            mine.sum[cell] += x;
            mine.magnitude[cell] += std::fabs(x);
            mine.count[cell] += 1;
            if (x != 0) mine.least_exponent[cell] = std::min(mine.least_exponent[cell], detail::ulp_exponent_field(x));
        }
    });
    CellSums out{std::vector<double>(cells, 0.0), std::vector<double>(cells, 0.0)};
    bool exact = true;
    for (std::size_t cell = 0; cell < cells; ++cell) {
        double magnitude = 0;
        int least = 255;
        for (const auto& ch : part) {
            out.sum[cell] += ch.sum[cell];
            out.count[cell] += ch.count[cell];
            magnitude += ch.magnitude[cell];
            least = std::min(least, ch.least_exponent[cell]);
        }
        exact = exact && (least == 255 || detail::sum_is_exact(magnitude, least));
    }
    if (exact) return out;
    std::fill(out.sum.begin(), out.sum.end(), 0.0);
    for (std::size_t k = 0; k < n; ++k) out.sum[cell_of(k)] += value_of(k);
    return out;
}

// Order statistics by parallel radix select: out[q] is the value of 0-based rank rank[q] among
// `values` (each rank < values.size()), exactly what std::nth_element would put there. Two
// parallel passes over the unsorted values: a histogram of the high 16 bits of an
// order-preserving key, then a gather of the values in each rank's bucket, among which
// std::nth_element selects; the values themselves are not reordered.
namespace detail {
// Unsigned key in the order of the floats (negative values flipped).
inline std::uint32_t order_key(float x) {
    const auto u = std::bit_cast<std::uint32_t>(x);
    return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}
inline float key_value(std::uint32_t k) { return std::bit_cast<float>((k & 0x80000000u) ? k & 0x7FFFFFFFu : ~k); }
// Per-thread counts of bin(x) (bins in [0, bins); bin_of returns bins to skip), summed.
template <class BinOf>
std::vector<std::uint32_t> histogram(const std::vector<float>& values, std::size_t bins, BinOf&& bin_of) {
    tbb::enumerable_thread_specific<std::vector<std::uint32_t>> local(bins + 1, 0u);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, values.size(), 16 * kGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          auto& h = local.local();
                          for (std::size_t k = r.begin(); k != r.end(); ++k) h[bin_of(order_key(values[k]))]++;
                      });
    std::vector<std::uint32_t> sum(bins, 0u);
    for (const auto& h : local)
        for (std::size_t b = 0; b < bins; ++b) sum[b] += h[b];
    return sum;
}
// The bin that holds 0-based rank `rank` (below the counts' sum); rank becomes the rank within
// that bin. Whole blocks of kRankBlock bins are skipped by their (vectorised) sums first.
inline std::uint32_t bin_of_rank(const std::vector<std::uint32_t>& count, std::size_t& rank) {
    constexpr std::size_t kRankBlock = 256;
    std::size_t b = 0;
    for (; b + kRankBlock <= count.size(); b += kRankBlock) {
        std::uint32_t block = 0;  // (the counts sum to fewer than 2^32 values)
        for (std::size_t k = b; k < b + kRankBlock; ++k) block += count[k];
        if (rank < block) break;
        rank -= block;
    }
    while (rank >= count[b]) rank -= count[b++];
    return static_cast<std::uint32_t>(b);
}

// The values whose order keys have the high 16 bits `bucket`, for each of the Q buckets
// (in no particular order; an order statistic does not depend on it).
template <std::size_t Q>
std::array<std::vector<float>, Q> bucket_values(const std::vector<float>& values,
                                                const std::array<std::uint32_t, Q>& bucket) {
    tbb::enumerable_thread_specific<std::array<std::vector<float>, Q>> local;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, values.size(), 16 * kGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          auto& mine = local.local();
                          for (std::size_t k = r.begin(); k != r.end(); ++k) {
                              const std::uint32_t high = order_key(values[k]) >> 16;
                              for (std::size_t q = 0; q < Q; ++q)
                                  if (high == bucket[q]) mine[q].push_back(values[k]);
                          }
                      });
    std::array<std::vector<float>, Q> out;
    for (auto& mine : local)
        for (std::size_t q = 0; q < Q; ++q) out[q].insert(out[q].end(), mine[q].begin(), mine[q].end());
    return out;
}
}  // namespace detail

// Order statistics given `high`, the histogram of the high 16 bits of the values' order keys
// (detail::order_key; 65536 bins): finds each rank's bucket, then selects within the values of
// that bucket (a small share of them).
template <std::size_t Q>
std::array<float, Q> order_statistics(const std::vector<float>& values, const std::vector<std::uint32_t>& high,
                                      std::array<std::size_t, Q> rank) {
    std::array<std::uint32_t, Q> bucket{};
    for (std::size_t q = 0; q < Q; ++q) bucket[q] = detail::bin_of_rank(high, rank[q]);
    auto in_bucket = detail::bucket_values(values, bucket);
    std::array<float, Q> out{};
    for (std::size_t q = 0; q < Q; ++q) {
        auto& v = in_bucket[q];
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank[q]), v.end());
        out[q] = v[rank[q]];
    }
    return out;
}

template <std::size_t Q>
std::array<float, Q> order_statistics(const std::vector<float>& values, std::array<std::size_t, Q> rank) {
    const auto high = detail::histogram(values, std::size_t{1} << 16, [](std::uint32_t key) { return key >> 16; });
    return order_statistics(values, high, rank);
}

}  // namespace talentsim
