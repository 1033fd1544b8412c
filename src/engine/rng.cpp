// Philox4x32-10 for tiles of agents at once (rng.hpp).
#include "engine/rng.hpp"

#include <cstdlib>

#include <immintrin.h>

namespace talentsim {
namespace {

// kTile lanes of 32 bits, and the same bytes seen as kTile / 2 lanes of 64 bits (GCC vector
// extensions: the compiler picks the instructions for the target it builds for).
using Lanes = std::uint32_t __attribute__((vector_size(4 * kTile)));
using WideLanes = std::uint64_t __attribute__((vector_size(4 * kTile)));

// The high and low 32 bits of m * a in every lane. The 32 x 32 -> 64 bit products are taken on
// the even and the odd lanes separately (one 64-bit multiply per pair of lanes), then interleaved:
// lane 2j is the low half of 64-bit lane j on x86 (little endian).
[[gnu::always_inline]] inline void mulhilo(const Lanes& a, std::uint64_t m, Lanes& hi, Lanes& lo) {
    constexpr std::uint64_t kLow = 0xFFFFFFFFu;
    const auto a64 = reinterpret_cast<WideLanes>(a);
    const WideLanes even = (a64 & kLow) * m, odd = (a64 >> 32) * m;
    hi = reinterpret_cast<Lanes>((even >> 32) | (odd & ~kLow));
    lo = reinterpret_cast<Lanes>((even & kLow) | (odd << 32));
}

// Ten Philox rounds (as Stream::philox, one lane per agent) on T tiles at once: the tiles' rounds
// are independent chains, so with T = 2 the multiplier latency of one is hidden by the other.
// Tile t holds the counters of Stream(seed, step, family, first[t] + k, sub_key), k < kTile, whose
// last word is word3[t] (the family and sub-key): made in registers, not read back from memory
// (a wide load of narrower stores just made waits for them to reach the cache).
template <int T>
[[gnu::always_inline]] inline void philox_tiles(std::uint32_t k0, std::uint32_t k1, const std::uint32_t* first,
                                                std::uint32_t step, const std::uint32_t* word3, FirstBlocks* tile) {
    Lanes lane;
    for (std::size_t k = 0; k < kTile; ++k) lane[k] = static_cast<std::uint32_t>(k);
    Lanes c0[T], c1[T], c2[T], c3[T];
    for (int t = 0; t < T; ++t) {
        c0[t] = Lanes{};
        c1[t] = lane + first[t];
        c2[t] = Lanes{} + step;
        c3[t] = Lanes{} + word3[t];
    }
    for (int round = 0; round < 10; ++round) {
        for (int t = 0; t < T; ++t) {
            Lanes hi0, lo0, hi2, lo2;
            mulhilo(c0[t], 0xD2511F53u, hi0, lo0);
            mulhilo(c2[t], 0xCD9E8D57u, hi2, lo2);
            c0[t] = hi2 ^ c1[t] ^ k0;
            c2[t] = hi0 ^ c3[t] ^ k1;
            c1[t] = lo2;
            c3[t] = lo0;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    for (int t = 0; t < T; ++t) {
        __builtin_memcpy(tile[t].word[0], &c0[t], sizeof(Lanes));
        __builtin_memcpy(tile[t].word[1], &c1[t], sizeof(Lanes));
        __builtin_memcpy(tile[t].word[2], &c2[t], sizeof(Lanes));
        __builtin_memcpy(tile[t].word[3], &c3[t], sizeof(Lanes));
    }
}

// The same ten rounds for AVX-512 with the tile's lanes split by parity: even[j] and odd[j] hold lanes
// 2j and 2j + 1, each in the low half of a 64-bit lane, so that a round's product is one
// vpmuludq (_mm512_mul_epu32: the low 32 bits of each 64-bit lane times m, in 64 bits) whose high
// half is `hi` and low half `lo`; the high halves left in the words by `lo` and the exclusive ors
// are never read by the multiplier and are dropped when the lanes are interleaved back. GCC
// compiles the products of philox_tiles to vpmullq (a full 64-bit multiply, slower on AMD Zen 4)
// when AVX-512 DQ is there, and no vector-extension spelling found made it choose vpmuludq
// (docs/performance-history.md, round twenty: the benchmark's Philox blocks before and after).
using Halves = std::uint64_t __attribute__((vector_size(8 * kTile / 2)));

// The 64-bit products of the low halves of a's lanes with m (vpmuludq; the zero-masking form with
// every lane kept: _mm512_mul_epu32 draws a false -Wuninitialized from GCC 12's header).
[[gnu::always_inline]] __attribute__((target("avx512f"))) inline Halves product(const Halves& a, std::uint32_t m) {
    return reinterpret_cast<Halves>(_mm512_maskz_mul_epu32(0xFF, reinterpret_cast<__m512i>(a), _mm512_set1_epi64(m)));
}

template <int T>
[[gnu::always_inline]] __attribute__((target("avx512f"))) inline void philox_tiles_split(
    std::uint32_t k0, std::uint32_t k1, const std::uint32_t* first, std::uint32_t step, const std::uint32_t* word3,
    FirstBlocks* tile) {
    static_assert(kTile == 16);
    Halves parity[2];  // [h]: the lane numbers 2j + h
    for (std::size_t j = 0; j < kTile / 2; ++j) parity[0][j] = 2 * j, parity[1][j] = 2 * j + 1;
    Halves c0[T][2], c1[T][2], c2[T][2], c3[T][2];
    for (int t = 0; t < T; ++t)
        for (int h = 0; h < 2; ++h) {
            c0[t][h] = Halves{};
            c1[t][h] = parity[h] + first[t];
            c2[t][h] = Halves{} + step;
            c3[t][h] = Halves{} + word3[t];
        }
    for (int round = 0; round < 10; ++round) {
        for (int t = 0; t < T; ++t)
            for (int h = 0; h < 2; ++h) {
                const Halves p0 = product(c0[t][h], 0xD2511F53u), p2 = product(c2[t][h], 0xCD9E8D57u);
                c0[t][h] = (p2 >> 32) ^ c1[t][h] ^ k0;
                c2[t][h] = (p0 >> 32) ^ c3[t][h] ^ k1;
                c1[t][h] = p2;
                c3[t][h] = p0;
            }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    constexpr std::uint64_t kLow = 0xFFFFFFFFu;
    auto interleave = [&](const Halves (&w)[2], std::uint32_t* to) {
        const auto lanes = reinterpret_cast<Lanes>((w[0] & kLow) | (w[1] << 32));
        __builtin_memcpy(to, &lanes, sizeof(Lanes));
    };
    for (int t = 0; t < T; ++t) {
        interleave(c0[t], tile[t].word[0]);
        interleave(c1[t], tile[t].word[1]);
        interleave(c2[t], tile[t].word[2]);
        interleave(c3[t], tile[t].word[3]);
    }
}

// The first blocks of `tiles` tiles (1 or 2) at once: built for AVX-512 (philox_tiles_split), and
// for x86-64-v3 (AVX2) and the baseline (philox_tiles, the loader picks one), chosen by what the
// CPU has (cpu_has_avx512). (Explicit dispatch rather than multiversioning by target: clang, which
// builds the fuzzers, does not multiversion by x86-64-v4.)
__attribute__((target("avx512f"))) void philox_avx512(int tiles, std::uint32_t k0, std::uint32_t k1,
                                                      const std::uint32_t* first, std::uint32_t step,
                                                      const std::uint32_t* word3, FirstBlocks* tile) {
    if (tiles == 2)
        philox_tiles_split<2>(k0, k1, first, step, word3, tile);
    else
        philox_tiles_split<1>(k0, k1, first, step, word3, tile);
}
__attribute__((target_clones("arch=x86-64-v3", "default"))) void philox_portable(int tiles, std::uint32_t k0,
                                                                               std::uint32_t k1,
                                                                               const std::uint32_t* first,
                                                                               std::uint32_t step,
                                                                               const std::uint32_t* word3,
                                                                               FirstBlocks* tile) {
    if (tiles == 2)
        philox_tiles<2>(k0, k1, first, step, word3, tile);
    else
        philox_tiles<1>(k0, k1, first, step, word3, tile);
}
void philox(int tiles, std::uint32_t k0, std::uint32_t k1, const std::uint32_t* first, std::uint32_t step,
            const std::uint32_t* word3, FirstBlocks* tile) {
    if (cpu_has_avx512())
        philox_avx512(tiles, k0, k1, first, step, word3, tile);
    else
        philox_portable(tiles, k0, k1, first, step, word3, tile);
}

}  // namespace

bool cpu_has_avx512() {
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                            std::getenv("TALENTSIM_PORTABLE") == nullptr;
    return has;
}

void first_blocks(std::uint64_t seed, std::int32_t step, StreamFamily family, std::uint32_t first,
                  std::uint32_t sub_key, FirstBlocks& out) {
    const std::uint32_t word3[1] = {family_word(family, sub_key)}, at[1] = {first};
    philox(1, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), at,
           static_cast<std::uint32_t>(step), word3, &out);
}

void first_blocks(std::uint64_t seed, std::int32_t step, StreamFamily family, std::array<std::uint32_t, 2> first,
                  std::uint32_t sub_key, std::array<FirstBlocks, 2>& out) {
    const std::uint32_t word3[2] = {family_word(family, sub_key), family_word(family, sub_key)};
    philox(2, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), first.data(),
           static_cast<std::uint32_t>(step), word3, out.data());
}

void first_blocks(std::uint64_t seed, std::int32_t step, std::array<StreamFamily, 2> families, std::uint32_t first,
                  std::uint32_t sub_key, std::array<FirstBlocks, 2>& out) {
    const std::uint32_t word3[2] = {family_word(families[0], sub_key), family_word(families[1], sub_key)},
                        at[2] = {first, first};
    philox(2, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), at,
           static_cast<std::uint32_t>(step), word3, out.data());
}

}  // namespace talentsim
