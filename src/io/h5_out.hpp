// Writers of whole datasets for small self-describing result files (a merged sweep, calibration,
// sensitivity analysis): groups and datasets (1-D columns, n-D matrices) without modification
// times, so the same results always give the same bytes.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "io/h5.hpp"

namespace talentsim::h5out {

// A dataset name with '/' in it: create the groups it names (make), or refuse it as HDF5 does (refuse).
enum class Parents { make, refuse };

inline h5::PropList untimed(hid_t cls, hid_t loc) {
    h5::PropList p(h5::check(H5Pcreate(cls), loc, "create property list"));
    h5::check(H5Pset_obj_track_times(p, false), loc, "switch off time tracking");
    return p;
}

inline h5::File create_untimed(const std::filesystem::path& path) {
    h5::quiet();
    h5::PropList fcpl(h5::check(H5Pcreate(H5P_FILE_CREATE), path.string(), "create property list"));
    return h5::File(h5::check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), path.string(), "create file"));
}

inline h5::Object group(hid_t loc, const std::string& name) {
    h5::PropList gcpl = untimed(H5P_GROUP_CREATE, loc);
    return h5::Object(
        h5::check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), loc, "create group " + name));
}

inline h5::Dataset dataset(hid_t loc, const std::string& name, hid_t type, const std::vector<hsize_t>& dims,
                           Parents parents = Parents::make) {
    h5::Dataspace space(h5::check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), loc,
                                  "create dataspace for " + name));
    h5::PropList dcpl = untimed(H5P_DATASET_CREATE, loc);
    h5::PropList lcpl;
    if (parents == Parents::make) {
        lcpl = h5::PropList(h5::check(H5Pcreate(H5P_LINK_CREATE), loc, "create property list"));
        h5::check(H5Pset_create_intermediate_group(lcpl, 1), loc, "intermediate groups");
    }
    return h5::Dataset(h5::check(
        H5Dcreate2(loc, name.c_str(), type, space, lcpl.valid() ? hid_t(lcpl) : H5P_DEFAULT, dcpl, H5P_DEFAULT), loc,
        "create dataset " + name));
}

template <class T>
void matrix(hid_t loc, const std::string& name, const std::vector<T>& v, const std::vector<std::size_t>& shape,
            Parents parents = Parents::make) {
    std::vector<hsize_t> dims(shape.begin(), shape.end());
    h5::Dataset d = dataset(loc, name, h5::native<T>(), dims, parents);
    if (!v.empty()) h5::check(H5Dwrite(d, h5::native<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), d, "write");
}

template <class T>
void column(hid_t loc, const std::string& name, const std::vector<T>& v, Parents parents = Parents::make) {
    matrix(loc, name, v, {v.size()}, parents);
}

inline void column(hid_t loc, const std::string& name, const std::vector<std::string>& v,
                   Parents parents = Parents::make) {
    h5::Datatype t = h5::vlen_string();
    h5::Dataset d = dataset(loc, name, t, {v.size()}, parents);
    std::vector<const char*> ptrs;
    for (const auto& s : v) ptrs.push_back(s.c_str());
    if (!v.empty()) h5::check(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), d, "write");
}

}  // namespace talentsim::h5out
