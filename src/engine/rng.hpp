// Counter-based random streams (Philox4x32-10, Salmon et al. 2011, "Parallel random numbers:
// as easy as 1, 2, 3"). A stream is keyed by (seed, step, phase, agent id, sub-key); it is a
// UniformRandomBitGenerator, so Boost.Random distributions draw from it. Because no state is
// shared between agents, the numbers an agent sees never depend on the thread count or on the
// order in which agents are visited.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace talentsim {

// Random stream families: each phase draws from its own family, so adding a phase never changes
// another phase's numbers. (Timing of the step's phases is kStepPhases in simulation.hpp.)
enum class StreamFamily : std::uint32_t {
    init_candidates = 1,
    init_employers,
    entry,
    calendar,
    separations,
    postings,
    search,
    screening,
    counteroffers,
    decisions,
    moves,
    wages,
    panel_sample,
};
using Phase = StreamFamily;  // earlier name, kept for code written against it

// The last word of the counters of a family's streams: the family and the sub-key.
constexpr std::uint32_t family_word(StreamFamily family, std::uint32_t sub_key) {
    return (static_cast<std::uint32_t>(family) & 0xFFu) | (sub_key << 8);
}

class Stream {
public:
    using result_type = std::uint32_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

    Stream(std::uint64_t seed, std::int32_t step, StreamFamily family, std::uint32_t agent, std::uint32_t sub_key = 0)
        : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
          ctr_{0, agent, static_cast<std::uint32_t>(step), family_word(family, sub_key)} {}
    // The same stream, given its first block (computed for a tile of agents by first_blocks).
    Stream(std::uint64_t seed, std::int32_t step, StreamFamily family, std::uint32_t agent, std::uint32_t sub_key,
           const std::array<std::uint32_t, 4>& first_block)
        : Stream(seed, step, family, agent, sub_key) {
        block_ = first_block;
        used_ = 0;
        ctr_[0] = 1;
    }

    result_type operator()() {
        if (used_ == 4) refill();
        return block_[used_++];
    }

    // Uniform on [0, 1) with 32 bits of resolution; cheaper than a distribution object.
    double uniform() { return (*this)() * (1.0 / 4294967296.0); }
    bool bernoulli(double p) { return uniform() < p; }

    // The Philox4x32-10 bijection of one counter block under a key.
    static std::array<std::uint32_t, 4> philox(std::array<std::uint32_t, 4> c, std::array<std::uint32_t, 2> k) {
        for (int round = 0; round < 10; ++round) {
            const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * c[0];
            const std::uint64_t p1 = std::uint64_t{0xCD9E8D57u} * c[2];
            c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<std::uint32_t>(p1),
                 static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<std::uint32_t>(p0)};
            k[0] += 0x9E3779B9u;
            k[1] += 0xBB67AE85u;
        }
        return c;
    }

private:
    void refill() {
        block_ = philox(ctr_, key_);
        used_ = 0;
        ++ctr_[0];
    }

    std::array<std::uint32_t, 2> key_;
    std::array<std::uint32_t, 4> ctr_;
    std::array<std::uint32_t, 4> block_{};
    int used_ = 4;
};

// Whether the CPU runs the AVX-512 versions of the engine's loops (foundation, byte and word,
// 128/256-bit forms, doubleword and quadword: AVX512F, BW, VL, DQ), checked once. The environment
// variable TALENTSIM_PORTABLE (any value) makes the portable versions run instead: the results are
// the same, and tests/engine/test_determinism.cpp checks it.
bool cpu_has_avx512();

// The first blocks of the streams of kTile consecutive agents (same seed, step, family and
// sub-key), one lane per agent: the ten rounds run lane-parallel, so the compiler vectorises them
// (rng.cpp builds it for AVX-512, AVX2 and the baseline, chosen at run time). Lane k equals
// Stream::philox of agent first + k's counter 0.
inline constexpr std::size_t kTile = 16;
struct FirstBlocks {
    alignas(64) std::uint32_t word[4][kTile];
    std::array<std::uint32_t, 4> lane(std::size_t k) const { return {word[0][k], word[1][k], word[2][k], word[3][k]}; }
};
void first_blocks(std::uint64_t seed, std::int32_t step, StreamFamily family, std::uint32_t first,
                  std::uint32_t sub_key, FirstBlocks& out);
// The first blocks of two families' streams for the same tile (out[f] for families[f]): the two
// tiles' rounds run interleaved, which hides the multiplier's latency (about twice the blocks per
// second of two calls of the one-family version).
void first_blocks(std::uint64_t seed, std::int32_t step, std::array<StreamFamily, 2> families, std::uint32_t first,
                  std::uint32_t sub_key, std::array<FirstBlocks, 2>& out);
// The first blocks of one family's streams for two tiles (out[t] for the agents first[t] + k), computed
// together in the same way: a phase that draws for every agent goes through its tiles two at a time.
void first_blocks(std::uint64_t seed, std::int32_t step, StreamFamily family, std::array<std::uint32_t, 2> first,
                  std::uint32_t sub_key, std::array<FirstBlocks, 2>& out);

// fn(tile, n, blocks) for the tiles of kTile agents from begin up to end (n: the tile's agents
// before end), with the first blocks of their streams of a family (sub-key 0), computed for two
// tiles at a time.
template <class Fn>
void for_each_tile(std::uint64_t seed, std::int32_t step, StreamFamily family, std::size_t begin, std::size_t end,
                   Fn&& fn) {
    std::array<FirstBlocks, 2> blocks;
    for (std::size_t tile = begin; tile < end; tile += 2 * kTile) {
        first_blocks(seed, step, family, {static_cast<std::uint32_t>(tile), static_cast<std::uint32_t>(tile + kTile)},
                     0, blocks);
        for (std::size_t t = 0; t < 2; ++t) {
            const std::size_t at = tile + t * kTile;
            if (at < end) fn(at, std::min(kTile, end - at), blocks[t]);
        }
    }
}

}  // namespace talentsim
