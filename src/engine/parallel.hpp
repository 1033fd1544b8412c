// Parallel loops whose results never depend on the thread count: every agent's work depends only
// on its own random stream, counters are integer sums, and gathered lists keep index order.
#pragma once
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <cstdint>
#include <vector>

#include "engine/state.hpp"

namespace talentsim {

inline constexpr std::size_t kGrain = 4096;

// fn(i) for i in [0, n).
template <class Fn>
void for_each_index(std::size_t n, Fn&& fn) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) fn(i);
    });
}

// fn(i, counters) for i in [0, n); returns the summed counters (integer sums: order-free).
template <class Fn>
Counters count_each_index(std::size_t n, Fn&& fn) {
    return tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n, kGrain), Counters{},
        [&](const tbb::blocked_range<std::size_t>& r, Counters c) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) fn(i, c);
            return c;
        },
        [](Counters a, const Counters& b) {
            a += b;
            return a;
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
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t ch) {
        std::uint32_t k = count[ch];
        for (std::size_t i = ch * kGrain, end = std::min(n, (ch + 1) * kGrain); i < end; ++i)
            if (pred(i)) out[k++] = static_cast<std::uint32_t>(i);
    });
    return out;
}

}  // namespace talentsim
