// Unit tests of the counter-based random streams (src/engine/rng.hpp).
#include <catch2/catch.hpp>

#include <boost/random/normal_distribution.hpp>

#include <array>
#include <cmath>
#include <set>
#include <vector>

#include "engine/rng.hpp"

using talentsim::Stream;
using talentsim::StreamFamily;

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors", "[rng]") {
    using A4 = std::array<std::uint32_t, 4>;
    CHECK(Stream::philox(A4{0, 0, 0, 0}, {0, 0}) == A4{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
    CHECK(Stream::philox(A4{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}) ==
          A4{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
    CHECK(Stream::philox(A4{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}) ==
          A4{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("a stream is a pure function of (seed, step, phase, agent, sub-key)", "[rng]") {
    Stream a(42, 3, StreamFamily::search, 17), b(42, 3, StreamFamily::search, 17);
    for (int k = 0; k < 100; ++k) REQUIRE(a() == b());
    // Changing any part of the key changes the numbers.
    const std::uint32_t first = Stream(42, 3, StreamFamily::search, 17)();
    CHECK(Stream(43, 3, StreamFamily::search, 17)() != first);
    CHECK(Stream(42, 4, StreamFamily::search, 17)() != first);
    CHECK(Stream(42, 3, StreamFamily::decisions, 17)() != first);
    CHECK(Stream(42, 3, StreamFamily::search, 18)() != first);
    CHECK(Stream(42, 3, StreamFamily::search, 17, 1)() != first);
}

TEST_CASE("streams of neighbouring agents do not repeat each other", "[rng]") {
    std::set<std::uint32_t> seen;
    for (std::uint32_t agent = 0; agent < 2000; ++agent) {
        Stream s(7, 0, StreamFamily::wages, agent);
        for (int k = 0; k < 8; ++k) seen.insert(s());
    }
    // 16,000 draws of 32 bits: a collision or two is possible by chance, many would be a bug.
    CHECK(seen.size() >= 15990);
}

TEST_CASE("uniform and Boost normal draws have the right moments (4 standard errors)", "[rng][statistical]") {
    const int n = 200000;
    double su = 0, sz = 0, sz2 = 0;
    boost::random::normal_distribution<double> normal;
    for (int i = 0; i < n; ++i) {
        Stream s(1, 0, StreamFamily::init_candidates, static_cast<std::uint32_t>(i));
        const double u = s.uniform();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        su += u;
        const double z = normal(s);
        sz += z;
        sz2 += z * z;
    }
    CHECK(std::abs(su / n - 0.5) < 4 * std::sqrt(1.0 / 12.0 / n));
    CHECK(std::abs(sz / n) < 4 / std::sqrt(n));
    CHECK(std::abs(sz2 / n - 1.0) < 4 * std::sqrt(2.0 / n));
}

TEST_CASE("a tile's first blocks continue as the agents' own streams", "[rng]") {
    // A seed with both key words non-zero, a sub-key; tiles at the start, unaligned, at the end of the ids.
    for (const std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{0x123456789abcdefull}})
        for (const std::uint32_t first : {0u, 17u, 4294967280u}) {
            talentsim::FirstBlocks blocks;
            talentsim::first_blocks(seed, 5, StreamFamily::separations, first, 3, blocks);
            for (std::size_t k = 0; k < talentsim::kTile; ++k) {
                const auto agent = first + static_cast<std::uint32_t>(k);
                Stream own(seed, 5, StreamFamily::separations, agent, 3);
                Stream tiled(seed, 5, StreamFamily::separations, agent, 3, blocks.lane(k));
                for (int d = 0; d < 9; ++d) REQUIRE(tiled() == own());  // the first block, then the next ones
            }
        }
}

TEST_CASE("two families' tiles computed together continue as the agents' own streams", "[rng]") {
    for (const std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{0x123456789abcdefull}})
        for (const std::uint32_t first : {0u, 17u, 4294967280u}) {
            const std::array<StreamFamily, 2> families{StreamFamily::separations, StreamFamily::search};
            std::array<talentsim::FirstBlocks, 2> blocks;
            talentsim::first_blocks(seed, -7, families, first, 2, blocks);
            for (std::size_t f = 0; f < 2; ++f)
                for (std::size_t k = 0; k < talentsim::kTile; ++k) {
                    const auto agent = first + static_cast<std::uint32_t>(k);
                    Stream own(seed, -7, families[f], agent, 2);
                    Stream tiled(seed, -7, families[f], agent, 2, blocks[f].lane(k));
                    for (int d = 0; d < 9; ++d) REQUIRE(tiled() == own());
                }
        }
}

TEST_CASE("one family's two tiles computed together continue as the agents' own streams", "[rng]") {
    // Tiles next to each other, apart, and one at the end of the ids.
    const std::array<std::array<std::uint32_t, 2>, 3> pairs{{{0u, 16u}, {17u, 1000003u}, {4294967280u, 5u}}};
    for (const std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{0x123456789abcdefull}})
        for (const auto& first : pairs) {
            std::array<talentsim::FirstBlocks, 2> blocks;
            talentsim::first_blocks(seed, 11, StreamFamily::search, first, 4, blocks);
            for (std::size_t t = 0; t < 2; ++t)
                for (std::size_t k = 0; k < talentsim::kTile; ++k) {
                    const auto agent = first[t] + static_cast<std::uint32_t>(k);
                    Stream own(seed, 11, StreamFamily::search, agent, 4);
                    Stream tiled(seed, 11, StreamFamily::search, agent, 4, blocks[t].lane(k));
                    for (int d = 0; d < 9; ++d) REQUIRE(tiled() == own());
                }
        }
}

TEST_CASE("for_each_tile visits every agent once, with its own first block", "[rng]") {
    for (const std::size_t end : {std::size_t{0}, std::size_t{5}, std::size_t{32}, std::size_t{37}, std::size_t{70}}) {
        std::vector<int> seen(end, 0);
        talentsim::for_each_tile(9, 2, StreamFamily::separations, 3, end,
                                 [&](std::size_t tile, std::size_t n, const talentsim::FirstBlocks& blocks) {
                                     REQUIRE(n <= talentsim::kTile);
                                     REQUIRE(tile + n <= end);
                                     for (std::size_t k = 0; k < n; ++k) {
                                         ++seen[tile + k];
                                         Stream own(9, 2, StreamFamily::separations,
                                                    static_cast<std::uint32_t>(tile + k));
                                         REQUIRE(blocks.lane(k)[0] == own());
                                     }
                                 });
        for (std::size_t i = 0; i < end; ++i) CHECK(seen[i] == (i >= 3 ? 1 : 0));
    }
}
