// Record's wage statistics from the tallies of the pass over the candidates (wage_tally.hpp).
#include "engine/wage_tally.hpp"

#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>

#include <immintrin.h>

#include "engine/parallel.hpp"
#include "engine/rng.hpp"
#include "engine/stats.hpp"

namespace talentsim {
namespace {
constexpr auto kEmployed = static_cast<std::uint8_t>(Status::employed);
constexpr std::size_t kBlock = 512;  // candidates a call of add_block counts
constexpr std::size_t kLanes = 16;   // the AVX-512 version's lanes: it stores up to kLanes - 1 floats past a range's end

// Whether key lies in the range [lo, lo + width) (as unsigned: one comparison).
inline bool in_range(std::uint32_t key, std::uint32_t lo, std::uint32_t width) { return key - lo < width; }

// The employed among candidates [0, n) of a block, one by one (their wages packed first, without
// a branch on the status). keep[q]: whether range q's wages are kept.
void add_block_portable(const std::uint8_t* status, const float* wage, std::size_t n, const WageGuess& g,
                        const std::array<bool, 3>& keep, WageTally& t) {
    float v[kBlock];
    std::size_t m = 0;
    for (std::size_t k = 0; k < n; ++k) {
        v[m] = wage[k];
        m += status[k] == kEmployed ? 1 : 0;
    }
    for (std::size_t j = 0; j < m; ++j) {
        const float x = v[j];
        t.sum += x;
        t.least = std::min(t.least, x);
        if (x > 0) t.smallest_positive = std::min(t.smallest_positive, x);
        const std::uint32_t key = detail::order_key(x);
        for (std::size_t q = 0; q < 3; ++q) {
            t.below[q] += key < g.lo[q] ? 1 : 0;
            if (!in_range(key, g.lo[q], g.width[q])) continue;
            t.inside[q]++;
            if (keep[q]) t.kept[q][t.size[q]++] = x;
        }
    }
}

// The floats of half 0 or 1 of x as doubles. (The maskz forms, every lane kept: the plain ones draw
// a false -Wmaybe-uninitialized from GCC 12's header, as in rng.cpp.)
__attribute__((target("avx512f,avx512dq"), always_inline)) inline __m512d wide(__m512 x, int half) {
    const __m256 part = half == 0 ? _mm512_maskz_extractf32x8_ps(0xFF, x, 0) : _mm512_maskz_extractf32x8_ps(0xFF, x, 1);
    return _mm512_maskz_cvtps_pd(0xFF, part);
}

// The same for AVX-512, kLanes candidates at a time without a branch: the employed's lanes masked,
// the sums in independent lanes (any order: they are used only when every order gives the same
// sum) and the counts in the lanes of vectors, each range's wages packed by its mask (vcompressps
// into a register, then one full store: the compressing store to memory is microcoded on AMD Zen
// 4). Returns the candidates it counted, a multiple of kLanes: the caller counts the rest (the
// portable version called from here, a tail call, ran with the upper halves of the vector
// registers in use: no vzeroupper before the jump).
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))) std::size_t add_block_avx512(
    const std::uint8_t* status, const float* wage, std::size_t n, const WageGuess& g, const std::array<bool, 3>& keep,
    WageTally& t) {
    const __m128i employed = _mm_set1_epi8(static_cast<char>(kEmployed));
    const __m512 zero = _mm512_setzero_ps(), inf = _mm512_set1_ps(std::numeric_limits<float>::infinity());
    const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u)), ones = _mm512_set1_epi32(-1);
    __m512d sum[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()};
    __m512 least = inf, positive = inf;
    __m512i lo[3], width[3], below[3], inside[3];  // below, inside: counts of the lanes
    float* out[3];
    for (std::size_t q = 0; q < 3; ++q) {
        lo[q] = _mm512_set1_epi32(static_cast<int>(g.lo[q]));
        width[q] = _mm512_set1_epi32(static_cast<int>(g.width[q]));
        below[q] = inside[q] = _mm512_setzero_si512();
        out[q] = t.kept[q].data() + t.size[q];
    }
    std::size_t k = 0;
    for (; k + kLanes <= n; k += kLanes) {
        const __mmask16 e = _mm_cmpeq_epi8_mask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(status + k)), employed);
        const __m512 x = _mm512_maskz_loadu_ps(e, wage + k);
        for (int half = 0; half < 2; ++half)
            sum[half] = _mm512_mask_add_pd(sum[half], static_cast<__mmask8>(e >> (8 * half)), sum[half], wide(x, half));
        least = _mm512_mask_min_ps(least, e, least, x);
        positive = _mm512_mask_min_ps(positive, _mm512_mask_cmp_ps_mask(e, x, zero, _CMP_GT_OQ), positive, x);
        const __m512i u = _mm512_castps_si512(x);  // detail::order_key
        const __m512i key = _mm512_mask_blend_epi32(_mm512_movepi32_mask(u), _mm512_or_si512(u, sign),
                                                    _mm512_xor_si512(u, ones));
        for (std::size_t q = 0; q < 3; ++q) {
            below[q] = _mm512_mask_sub_epi32(below[q], _mm512_mask_cmplt_epu32_mask(e, key, lo[q]), below[q], ones);
            const __mmask16 in = _mm512_mask_cmplt_epu32_mask(e, _mm512_sub_epi32(key, lo[q]), width[q]);
            if (!keep[q]) {  // (counted in the lanes; the kept are counted by the end of their range)
                inside[q] = _mm512_mask_sub_epi32(inside[q], in, inside[q], ones);
                continue;
            }
            _mm512_storeu_ps(out[q], _mm512_maskz_compress_ps(in, x));
            out[q] += std::popcount(static_cast<unsigned>(in));
        }
    }
    // (The lanes added by stores and loops: _mm512_reduce_* draw a false -Wuninitialized from GCC 12's header.)
    std::int32_t count[kLanes];
    for (std::size_t q = 0; q < 3; ++q) {
        _mm512_storeu_si512(count, below[q]);  // (at most n / kLanes in a lane)
        for (const std::int32_t c : count) t.below[q] += c;
        _mm512_storeu_si512(count, inside[q]);
        for (const std::int32_t c : count) t.inside[q] += c;
        if (!keep[q]) continue;
        const auto size = static_cast<std::size_t>(out[q] - t.kept[q].data());
        t.inside[q] += static_cast<std::int64_t>(size - t.size[q]);
        t.size[q] = size;
    }
    double lane_sum[kLanes];
    float lane_least[kLanes], lane_positive[kLanes];
    _mm512_storeu_pd(lane_sum, sum[0]);
    _mm512_storeu_pd(lane_sum + 8, sum[1]);
    _mm512_storeu_ps(lane_least, least);
    _mm512_storeu_ps(lane_positive, positive);
    for (std::size_t j = 0; j < kLanes; ++j) {
        t.sum += lane_sum[j];
        t.least = std::min(t.least, lane_least[j]);
        t.smallest_positive = std::min(t.smallest_positive, lane_positive[j]);
    }
    return k;
}
}  // namespace

void WageTally::add(const std::uint8_t* status, const float* wage, std::size_t begin, std::size_t end,
                    const WageGuess& g) {
    const bool avx512 = cpu_has_avx512();
    for (std::size_t block = begin; block < end; block += kBlock) {
        const std::size_t n = std::min(kBlock, end - block);
        std::array<bool, 3> keep{};
        for (std::size_t q = 0; q < 3; ++q) {
            keep[q] = g.width[q] > 1 && size[q] + n <= g.most && size[q] == static_cast<std::size_t>(inside[q]);
            if (keep[q] && kept[q].size() < size[q] + n + kLanes) kept[q].resize(2 * (size[q] + n + kLanes));
        }
        const std::size_t done = avx512 ? add_block_avx512(status + block, wage + block, n, g, keep, *this) : 0;
        add_block_portable(status + block + done, wage + block + done, n - done, g, keep, *this);
    }
}

void WageTally::add(const WageTally& other) {
    sum += other.sum;
    least = std::min(least, other.least);
    smallest_positive = std::min(smallest_positive, other.smallest_positive);
    for (std::size_t q = 0; q < 3; ++q) {
        below[q] += other.below[q];
        inside[q] += other.inside[q];
        if (size[q] != static_cast<std::size_t>(inside[q] - other.inside[q]) ||
            other.size[q] != static_cast<std::size_t>(other.inside[q]))
            continue;  // (a range with wages not kept: its rank is found from the columns)
        kept[q].resize(size[q] + other.size[q]);
        std::copy_n(other.kept[q].begin(), other.size[q], kept[q].begin() + static_cast<std::ptrdiff_t>(size[q]));
        size[q] += other.size[q];
    }
}

namespace {
// The employed's wages in id order (the columns' N candidates), packed in parallel by chunks
// without a branch on the status (collect_indices' branch made record's miss steps slower).
std::vector<float> employed_wages(const std::uint8_t* status, const float* wage, std::size_t N) {
    const std::size_t chunks = (N + kGrain - 1) / kGrain;
    std::vector<std::size_t> at(chunks + 1, 0);
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t k) {
        std::size_t m = 0;
        for (std::size_t i = k * kGrain, end = std::min(N, (k + 1) * kGrain); i < end; ++i)
            m += status[i] == kEmployed ? 1 : 0;
        at[k + 1] = m;
    });
    for (std::size_t k = 0; k < chunks; ++k) at[k + 1] += at[k];
    std::vector<float> out(at.back());
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t k) {
        std::size_t j = at[k];
        for (std::size_t i = k * kGrain, end = std::min(N, (k + 1) * kGrain); i < end; ++i) {
            if (j < at[k + 1]) out[j] = wage[i];  // (the next employed's place unless employed)
            j += status[i] == kEmployed ? 1 : 0;
        }
    });
    return out;
}

// The wages summed in id order in blocks of kGrain, as parallel_deterministic_reduce adds them
// (the same for any thread count).
double sum_in_id_order(const std::vector<float>& v) {
    return tbb::parallel_deterministic_reduce(
        tbb::blocked_range<std::size_t>(0, v.size(), kGrain), 0.0,
        [&](const tbb::blocked_range<std::size_t>& r, double acc) {
            for (std::size_t k = r.begin(); k != r.end(); ++k) acc += v[k];
            return acc;
        },
        std::plus<double>());
}

// Whether the sum of the tally's wages is the same in any order of addition: none is negative, and
// every value is a multiple of 2^q (q: the exponent of the unit in the last place of the smallest
// positive one) with a sum under 2^(52 + q), so that every partial sum is exact
// (detail::sum_is_exact, the rule of sums_by_cell in parallel.hpp). A sum of non-negative values
// crosses that bound in every order of its additions or in none, so the tally's sum, in its own
// order, tells. A value that is not finite makes the sum so, and fails it.
bool exact_in_any_order(const WageTally& t) {
    if (!std::isfinite(t.sum) || t.least < 0) return false;
    if (std::isinf(t.smallest_positive)) return true;  // (only zeros)
    return detail::sum_is_exact(t.sum, detail::ulp_exponent_field(t.smallest_positive));
}

// The value of 0-based rank `rank` among v in the order of their keys (detail::order_key: the
// order of the values, with -0 before +0), which a histogram of the keys' high bits and a
// selection within a bin also give. (The selection runs on the keys: integers compare faster.)
float select_by_key(const std::vector<float>& v, std::size_t n, std::size_t rank) {
    std::vector<std::uint32_t> key(n);
    for (std::size_t k = 0; k < n; ++k) key[k] = detail::order_key(v[k]);
    std::nth_element(key.begin(), key.begin() + static_cast<std::ptrdiff_t>(rank), key.end());
    return detail::key_value(key[rank]);
}

// Where each percentile's rank fell against its range (WageGuess).
struct RangeCheck {
    std::array<bool, 3> within{};  // among the wages inside the range
    std::array<bool, 3> found{};   // and they were kept, or all have the range's one key
};
RangeCheck check_ranges(const WageTally& t, const WageGuess& g, const std::array<std::size_t, 3>& rank) {
    RangeCheck out;
    for (std::size_t q = 0; q < 3; ++q) {
        const auto below = static_cast<std::size_t>(t.below[q]), inside = static_cast<std::size_t>(t.inside[q]);
        out.within[q] = g.width[q] > 0 && below <= rank[q] && rank[q] < below + inside;
        out.found[q] = out.within[q] && (g.width[q] == 1 || t.size[q] == inside);
    }
    return out;
}

// The guess of the next step, from this step's percentiles (`value`) and where their ranks fell.
// The range is centred where the percentile's key would be if it moved as in the last step (when
// that step's rank fell within its range: a jump, such as the month of the annual raises, is not
// taken to repeat), or on its key. Its half width is scaled (by at most 4 either way) towards
// holding about 1/256 of the wages (a few thousand of a million) when the rank fell within it, and
// widened 4 times otherwise. A half width of 0 (the range of one key) holds a percentile that many
// wages share, without keeping them.
void next_guess(WageGuess& g, const std::array<float, 3>& value, const RangeCheck& check, const WageTally& t,
                std::size_t employed) {
    constexpr std::uint64_t kFirstHalf = std::uint64_t{1} << 18, kMostHalf = std::uint64_t{1} << 30;
    const double target = std::max(1024.0, static_cast<double>(employed) / 256);
    for (std::size_t q = 0; q < 3; ++q) {
        const std::uint32_t key = detail::order_key(value[q]);
        std::uint64_t half = g.half[q];
        if (!g.started) {
            half = kFirstHalf;
        } else if (!check.within[q]) {
            half = 4 * std::max<std::uint64_t>(half, 1);
        } else {
            const double scale = std::clamp(target / std::max(1.0, static_cast<double>(t.inside[q])), 0.25, 4.0);
            half = static_cast<std::uint64_t>(static_cast<double>(half) * scale);
            if (scale > 1 && half == 0) half = 1;
        }
        const bool moves = g.started && check.within[q];
        const std::int64_t drift = moves ? static_cast<std::int64_t>(key) - g.last[q] : 0;
        half = std::min(std::max(half, 2 * static_cast<std::uint64_t>(std::abs(drift))), kMostHalf);
        const std::int64_t centre = std::clamp<std::int64_t>(key + drift, 0, 0xFFFFFFFFll);
        const std::int64_t lo = std::max<std::int64_t>(0, centre - static_cast<std::int64_t>(half));
        const std::int64_t hi = std::min<std::int64_t>(0xFFFFFFFFll, centre + static_cast<std::int64_t>(half) + 1);
        g.last[q] = key;
        g.half[q] = half;
        g.lo[q] = static_cast<std::uint32_t>(lo);
        g.width[q] = static_cast<std::uint32_t>(hi - lo);
    }
    g.most = std::max<std::size_t>(std::size_t{1} << 16, employed / 8);
    g.started = true;
}
}  // namespace

WageStatistics wage_statistics(WageTally& t, std::size_t employed, const std::uint8_t* status, const float* wage,
                               std::size_t N, WageGuess& guess) {
    std::array<std::size_t, 3> rank{};
    for (std::size_t q = 0; q < 3; ++q) rank[q] = stats::quantile_rank(employed, kWageLevels[q]);
    const RangeCheck check = check_ranges(t, guess, rank);
    const bool all_found = std::all_of(check.found.begin(), check.found.end(), [](bool f) { return f; });
    const bool exact = exact_in_any_order(t);
    WageStatistics out;
    std::vector<float> all;  // the employed's wages from the columns, when the tally does not tell
    if (!exact || !all_found) all = employed_wages(status, wage, N);
    out.mean = (exact ? t.sum : sum_in_id_order(all)) / static_cast<double>(employed);
    if (!all_found) {
        out.quantile = order_statistics<3>(all, rank);  // (a histogram of the keys' high bits, then the buckets)
    } else {
        tbb::parallel_for(std::size_t{0}, std::size_t{3}, [&](std::size_t q) {  // (the three selections at once)
            const std::size_t within = rank[q] - static_cast<std::size_t>(t.below[q]);
            out.quantile[q] = guess.width[q] == 1 ? detail::key_value(guess.lo[q])
                                                  : select_by_key(t.kept[q], t.size[q], within);
        });
    }
    out.from_tally = exact && all_found;
    guess.steps++;
    guess.rereads += out.from_tally ? 0 : 1;
    next_guess(guess, out.quantile, check, t, employed);
    return out;
}

}  // namespace talentsim
