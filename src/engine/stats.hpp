// The statistics talentsim reports, in one place: one quantile rule for the /steps wage columns
// and the sweep metrics. The rule: the q-quantile of n values is the order statistic of rank
// floor(q * (n - 1)) (0-based), a value that occurs in the data (no interpolation).
// Header-only; it lives in engine, the lowest layer that computes statistics (record), so that
// every layer above may use it.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace talentsim::stats {

// 0-based rank of the q-quantile among n >= 1 values.
inline std::size_t quantile_rank(std::size_t n, double q) {
    return static_cast<std::size_t>(q * static_cast<double>(n - 1));
}

// q-quantile of sorted values; NaN when there are none.
template <class T>
double quantile_of_sorted(const std::vector<T>& sorted, double q) {
    if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
    return static_cast<double>(sorted[quantile_rank(sorted.size(), q)]);
}

// Quantiles of unsorted values by selection, for increasing q: each selection only searches
// above the previous one. `values` is reordered; it must not be empty.
template <class T>
class QuantileSelector {
public:
    explicit QuantileSelector(std::vector<T>& values) : values_(values), from_(values.begin()) {}
    double operator()(double q) {
        const auto at = values_.begin() + static_cast<std::ptrdiff_t>(quantile_rank(values_.size(), q));
        std::nth_element(from_, at, values_.end());
        from_ = at;
        return static_cast<double>(*at);
    }

private:
    std::vector<T>& values_;
    typename std::vector<T>::iterator from_;
};

}  // namespace talentsim::stats
