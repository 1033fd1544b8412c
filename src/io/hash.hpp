// The one hash of talentsim: FNV-1a 64 (checkpoint and journal checksums, sweep fingerprints and
// replicate seeds). Not cryptographic; stable across platforms and program versions.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace talentsim {

inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;

// Continues the hash `h` over `n` bytes at `data`.
inline std::uint64_t fnv1a(std::uint64_t h, const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}
inline std::uint64_t fnv1a(std::uint64_t h, std::string_view s) { return fnv1a(h, s.data(), s.size()); }

}  // namespace talentsim
