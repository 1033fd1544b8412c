// Philox4x32-10 for a tile of agents at once (rng.hpp).
#include "engine/rng.hpp"

namespace talentsim {
namespace {

// Ten Philox rounds on kTile counters held lane by lane; the loop over lanes vectorises. Built for
// x86-64-v4 (AVX-512), v3 (AVX2) and the baseline; the loader picks the best the CPU has.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void philox_lanes(
    std::uint32_t k0, std::uint32_t k1, std::uint32_t* __restrict c0, std::uint32_t* __restrict c1,
    std::uint32_t* __restrict c2, std::uint32_t* __restrict c3) {
    for (int round = 0; round < 10; ++round) {
        for (std::size_t k = 0; k < kTile; ++k) {  // as Stream::philox, one lane per agent
            const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * c0[k];
            const std::uint64_t p1 = std::uint64_t{0xCD9E8D57u} * c2[k];
            const auto n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1[k] ^ k0;
            const auto n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3[k] ^ k1;
            c1[k] = static_cast<std::uint32_t>(p1);
            c3[k] = static_cast<std::uint32_t>(p0);
            c0[k] = n0;
            c2[k] = n2;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

}  // namespace

void first_blocks(std::uint64_t seed, std::int32_t step, StreamFamily family, std::uint32_t first,
                  std::uint32_t sub_key, FirstBlocks& out) {
    for (std::size_t k = 0; k < kTile; ++k) {  // the counters of Stream(seed, step, family, first + k, sub_key)
        out.word[0][k] = 0;
        out.word[1][k] = first + static_cast<std::uint32_t>(k);
        out.word[2][k] = static_cast<std::uint32_t>(step);
        out.word[3][k] = (static_cast<std::uint32_t>(family) & 0xFFu) | (sub_key << 8);
    }
    philox_lanes(static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), out.word[0], out.word[1],
                 out.word[2], out.word[3]);
}

}  // namespace talentsim
