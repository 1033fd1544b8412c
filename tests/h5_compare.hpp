// Test support: two result files hold the same datasets (variable-length strings compared as text).
#pragma once
#include <catch2/catch.hpp>

#include <filesystem>

#include "io/h5.hpp"

namespace talentsim::test {

inline void check_same_datasets(const std::filesystem::path& a, const std::filesystem::path& b) {
    const h5::File fa = h5::open_read_only(a), fb = h5::open_read_only(b);
    const auto da = h5::list_datasets(fa), db = h5::list_datasets(fb);
    REQUIRE(da.size() == db.size());
    REQUIRE(da.size() >= 15);
    for (std::size_t k = 0; k < da.size(); ++k) {
        INFO(da[k].path);
        REQUIRE(da[k].path == db[k].path);
        CHECK(da[k].shape == db[k].shape);
        if (da[k].path.rfind("/categories/", 0) == 0)
            CHECK(h5::read_strings(fa, da[k].path) == h5::read_strings(fb, db[k].path));
        else
            CHECK(h5::read_raw(fa, da[k].path) == h5::read_raw(fb, db[k].path));
    }
}

}  // namespace talentsim::test
