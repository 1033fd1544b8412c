// Thin RAII layer over the HDF5 C API (1.10): owning handles, error checking that names the
// file and the operation, and the few read helpers that `talentsim info` and the tests use.
#pragma once
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace talentsim::h5 {

// Owns one HDF5 identifier and closes it with Close.
template <herr_t (*Close)(hid_t)>
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) : id_(id) {}
    Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, H5I_INVALID_HID);
        }
        return *this;
    }
    ~Handle() { reset(); }
    operator hid_t() const { return id_; }
    bool valid() const { return id_ >= 0; }
    void reset() {
        if (id_ >= 0) Close(id_);
        id_ = H5I_INVALID_HID;
    }
    // Closes and reports failure (closing a file flushes it, which can fail).
    herr_t close() {
        herr_t r = id_ >= 0 ? Close(id_) : 0;
        id_ = H5I_INVALID_HID;
        return r;
    }

private:
    hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using Datatype = Handle<H5Tclose>;
using PropList = Handle<H5Pclose>;
using Attribute = Handle<H5Aclose>;
using Object = Handle<H5Oclose>;

// Turns off HDF5's printing of its error stack in the calling thread (errors surface as exceptions
// instead) and, once, its exit-time shutdown: after a failed H5Fclose (disk full) HDF5 1.10 would
// crash closing that file again at exit. Handles here are closed by RAII, so nothing is left open
// on normal paths. The library is built thread-safe, where each thread has its own error stack
// and printing: every thread that calls HDF5 (the background writer's too) must call this.
inline void quiet() {
    static const bool once = (H5dont_atexit(), true);
    thread_local const bool here = (H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr), true);
    (void)once;
    (void)here;
}

// Most specific message on the current HDF5 error stack, or "".
inline std::string error_detail() {
    std::string msg;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
            if (n == 0 && e->desc) *static_cast<std::string*>(data) = e->desc;
            return 0;
        },
        &msg);
    // I/O errors carry a long report; keep "file write failed: No space left on device".
    if (auto a = msg.find("error message = '"); a != std::string::npos) {
        a += 17;
        msg = msg.substr(0, msg.find(':')) + ": " + msg.substr(a, msg.find('\'', a) - a);
    }
    return msg.substr(0, msg.find('\n'));
}

[[noreturn]] inline void fail(const std::string& file, const std::string& what,
                              const std::string& detail = error_detail()) {
    throw std::runtime_error(file + ": " + what + " failed" + (detail.empty() ? "" : " (" + detail + ")"));
}

// Name of the file that `loc` belongs to, plus the object's path when `loc` is not the file.
inline std::string where(hid_t loc) {
    std::string file = "<hdf5>", obj;
    if (ssize_t n = H5Fget_name(loc, nullptr, 0); n > 0) {
        file.assign(n, '\0');
        H5Fget_name(loc, file.data(), n + 1);
    }
    if (H5Iget_type(loc) != H5I_FILE)
        if (ssize_t n = H5Iget_name(loc, nullptr, 0); n > 0) {
            obj.assign(n, '\0');
            H5Iget_name(loc, obj.data(), n + 1);
        }
    return obj.empty() ? file : file + ":" + obj;
}

// Result checks: negative ids / statuses throw std::runtime_error naming the file and operation.
template <class T>
T check(T r, const std::string& file, const std::string& what) {
    if (r < 0) fail(file, what);
    return r;
}
template <class T>
T check(T r, hid_t loc, const std::string& what) {
    if (r < 0) {
        std::string detail = error_detail();
        fail(where(loc), what, detail);
    }
    return r;
}

template <class T>
hid_t native() {
    if constexpr (std::is_same_v<T, std::int8_t>)
        return H5T_NATIVE_INT8;
    else if constexpr (std::is_same_v<T, std::uint8_t>)
        return H5T_NATIVE_UINT8;
    else if constexpr (std::is_same_v<T, std::int16_t>)
        return H5T_NATIVE_INT16;
    else if constexpr (std::is_same_v<T, std::uint16_t>)
        return H5T_NATIVE_UINT16;
    else if constexpr (std::is_same_v<T, std::int32_t>)
        return H5T_NATIVE_INT32;
    else if constexpr (std::is_same_v<T, std::uint32_t>)
        return H5T_NATIVE_UINT32;
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return H5T_NATIVE_INT64;
    else if constexpr (std::is_same_v<T, std::uint64_t>)
        return H5T_NATIVE_UINT64;
    else if constexpr (std::is_same_v<T, float>)
        return H5T_NATIVE_FLOAT;
    else {
        static_assert(std::is_same_v<T, double>, "no native HDF5 type");
        return H5T_NATIVE_DOUBLE;
    }
}

// Variable-length UTF-8 string type.
inline Datatype vlen_string() {
    quiet();
    Datatype t(check(H5Tcopy(H5T_C_S1), "<hdf5>", "copy string type"));
    check(H5Tset_size(t, H5T_VARIABLE), "<hdf5>", "set string size");
    check(H5Tset_cset(t, H5T_CSET_UTF8), "<hdf5>", "set string charset");
    return t;
}

struct Field {
    const char* name;
    std::size_t offset;
    hid_t type;
};
// Compound type of `size` bytes with the given members.
inline Datatype compound(std::size_t size, std::initializer_list<Field> fields) {
    quiet();
    Datatype t(check(H5Tcreate(H5T_COMPOUND, size), "<hdf5>", "create compound type"));
    for (const Field& f : fields)
        check(H5Tinsert(t, f.name, f.offset, f.type), "<hdf5>", std::string("insert field ") + f.name);
    return t;
}

inline bool is_hdf5(const std::filesystem::path& p) {
    quiet();
    return H5Fis_hdf5(p.c_str()) > 0;
}

inline File create_file(const std::filesystem::path& p) {  // truncates an existing file
    quiet();
    return File(check(H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), p.string(), "create HDF5 file"));
}
// As create_file, for a file the caller already holds an exclusive lock on (io/file_lock.hpp):
// HDF5's own flock on a second descriptor would conflict with that lock.
inline File create_locked_file(const std::filesystem::path& p) {
    quiet();
    PropList fapl(check(H5Pcreate(H5P_FILE_ACCESS), p.string(), "file access properties"));
    check(H5Pset_file_locking(fapl, false, true), p.string(), "file locking");
    return File(check(H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), p.string(), "create HDF5 file"));
}
inline File open_read_only(const std::filesystem::path& p) {
    quiet();
    return File(check(H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), p.string(), "open HDF5 file"));
}

// The deflate level of result files: level 1 writes about 40 % faster than level 4 for files about
// 5 % larger (docs/benchmarks.md, "Output cost"): the engine makes rows faster than level 4
// compresses them on two cores.
inline constexpr unsigned kDeflateLevel = 1;

// Chunked dataset compressed with shuffle + deflate at kDeflateLevel (uncompressed when `compress` is false),
// extendible along dimension 0 (and along any other dimension created with size 0). Missing parent
// groups are created.
inline Dataset create_dataset(hid_t loc, const std::string& name, hid_t type, std::vector<hsize_t> dims,
                              std::vector<hsize_t> chunk, bool compress = true) {
    std::vector<hsize_t> maxdims(dims);
    for (std::size_t i = 0; i < dims.size(); ++i)
        if (i == 0 || dims[i] == 0) maxdims[i] = H5S_UNLIMITED;
    const std::string what = "create dataset " + name;
    Dataspace space(check(H5Screate_simple(int(dims.size()), dims.data(), maxdims.data()), loc, what));
    PropList dcpl(check(H5Pcreate(H5P_DATASET_CREATE), loc, what));
    check(H5Pset_chunk(dcpl, int(chunk.size()), chunk.data()), loc, what + " (chunking)");
    if (compress) {
        check(H5Pset_shuffle(dcpl), loc, what + " (shuffle)");
        check(H5Pset_deflate(dcpl, kDeflateLevel), loc, what + " (deflate)");
    }
    PropList lcpl(check(H5Pcreate(H5P_LINK_CREATE), loc, what));
    check(H5Pset_create_intermediate_group(lcpl, 1), loc, what);
    return Dataset(check(H5Dcreate2(loc, name.c_str(), type, space, lcpl, dcpl, H5P_DEFAULT), loc, what));
}

inline std::vector<hsize_t> shape(hid_t dset) {
    Dataspace s(check(H5Dget_space(dset), dset, "get dataspace"));
    std::vector<hsize_t> dims(check(H5Sget_simple_extent_ndims(s), dset, "get rank"));
    check(H5Sget_simple_extent_dims(s, dims.data(), nullptr), dset, "get shape");
    return dims;
}

// Appends `rows` rows of memory type `memtype` along dimension 0 (other dimensions unchanged).
inline void append(hid_t dset, hid_t memtype, const void* data, hsize_t rows) {
    if (rows == 0) return;
    std::vector<hsize_t> dims = shape(dset), start(dims.size(), 0), count(dims);
    start[0] = dims[0];
    count[0] = rows;
    dims[0] += rows;
    check(H5Dset_extent(dset, dims.data()), dset, "extend dataset");
    Dataspace fs(check(H5Dget_space(dset), dset, "get dataspace"));
    check(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr), dset, "select rows");
    Dataspace ms(check(H5Screate_simple(int(count.size()), count.data(), nullptr), dset, "create memory dataspace"));
    check(H5Dwrite(dset, memtype, ms, fs, H5P_DEFAULT, data), dset, "write rows");
}

// Creates or overwrites a scalar attribute.
inline void set_attr_raw(hid_t obj, const std::string& name, hid_t type, const void* value) {
    const std::string what = "write attribute " + name;
    Attribute a;
    if (check(H5Aexists(obj, name.c_str()), obj, what) > 0)
        a = Attribute(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), obj, what));
    else {
        Dataspace s(check(H5Screate(H5S_SCALAR), obj, what));
        a = Attribute(check(H5Acreate2(obj, name.c_str(), type, s, H5P_DEFAULT, H5P_DEFAULT), obj, what));
    }
    check(H5Awrite(a, type, value), obj, what);
}
template <class T>
void set_attr(hid_t obj, const std::string& name, T value) {
    set_attr_raw(obj, name, native<T>(), &value);
}
inline void set_attr(hid_t obj, const std::string& name, const std::string& value) {
    const char* p = value.c_str();
    set_attr_raw(obj, name, vlen_string(), &p);
}

// Whether the link `path` ("a/b") exists under loc, each level checked in turn.
inline bool has_link(hid_t loc, const std::string& path) {
    for (std::size_t at = path.find('/'); ; at = path.find('/', at + 1)) {
        const std::string prefix = path.substr(0, at);
        if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        if (at == std::string::npos) return true;
    }
}

inline bool has_attr(hid_t obj, const std::string& name) {
    return check(H5Aexists(obj, name.c_str()), obj, "look up attribute " + name) > 0;
}
// Numeric attribute converted to T (e.g. read_attr<std::int64_t>(file, "steps")).
template <class T>
T read_attr(hid_t obj, const std::string& name) {
    Attribute a(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), obj, "open attribute " + name));
    T v{};
    check(H5Aread(a, native<T>(), &v), obj, "read attribute " + name);
    return v;
}
// String attribute, variable or fixed length.
inline std::string read_string_attr(hid_t obj, const std::string& name) {
    const std::string what = "read attribute " + name;
    Attribute a(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), obj, what));
    Datatype ft(check(H5Aget_type(a), obj, what));
    if (H5Tget_class(ft) != H5T_STRING)
        throw std::runtime_error(where(obj) + ": attribute " + name + " is not a string");
    if (H5Tis_variable_str(ft) > 0) {
        char* p = nullptr;
        check(H5Aread(a, ft, &p), obj, what);
        std::string s = p ? p : "";
        H5free_memory(p);
        return s;
    }
    std::string s(H5Tget_size(ft), '\0');
    check(H5Aread(a, ft, s.data()), obj, what);
    return s.substr(0, s.find('\0'));
}

// Every dataset below `loc`, with its path ("/steps", "/panel/wage") and shape, in name order.
struct DatasetInfo {
    std::string path;
    std::vector<hsize_t> shape;
};
inline std::vector<DatasetInfo> list_datasets(hid_t loc) {
    std::vector<DatasetInfo> out;
    auto visit = [](hid_t g, const char* name, const H5L_info_t* info, void* data) -> herr_t {
        if (info->type != H5L_TYPE_HARD) return 0;
        try {
            Object obj(check(H5Oopen(g, name, H5P_DEFAULT), g, std::string("open ") + name));
            if (H5Iget_type(obj) == H5I_DATASET)
                static_cast<std::vector<DatasetInfo>*>(data)->push_back({std::string("/") + name, shape(obj)});
            return 0;
        } catch (...) {
            return -1;
        }  // no exceptions through the C library
    };
    check(H5Lvisit(loc, H5_INDEX_NAME, H5_ITER_INC, visit, &out), loc, "list datasets");
    return out;
}

inline Dataset open_dataset(hid_t loc, const std::string& name) {
    return Dataset(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), loc, "open dataset " + name));
}

// Whole dataset as raw bytes in `memtype` (default: the native equivalent of the stored type;
// for the compound tables that is the layout of the row struct). Fixed-size types only.
inline std::vector<std::byte> read_raw(hid_t loc, const std::string& name, hid_t memtype = H5I_INVALID_HID) {
    Dataset d = open_dataset(loc, name);
    Datatype owned;
    if (memtype < 0) {
        Datatype ft(check(H5Dget_type(d), d, "get type"));
        owned = Datatype(check(H5Tget_native_type(ft, H5T_DIR_ASCEND), d, "get native type"));
        memtype = owned;
    }
    hsize_t n = 1;
    for (hsize_t e : shape(d)) n *= e;
    std::vector<std::byte> buf(n * H5Tget_size(memtype));
    if (n) check(H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), d, "read dataset");
    return buf;
}
// Whole dataset as rows of T (T must match the native layout of the stored type).
template <class T>
std::vector<T> read_rows(hid_t loc, const std::string& name) {
    std::vector<std::byte> raw = read_raw(loc, name);
    if (raw.size() % sizeof(T)) throw std::runtime_error(where(loc) + ": " + name + ": row size mismatch");
    std::vector<T> out(raw.size() / sizeof(T));
    if (!raw.empty()) std::memcpy(out.data(), raw.data(), raw.size());
    return out;
}
// One field of a compound dataset, converted to T.
template <class T>
std::vector<T> read_column(hid_t loc, const std::string& name, const std::string& field) {
    Datatype t = compound(sizeof(T), {{field.c_str(), 0, native<T>()}});
    std::vector<std::byte> raw = read_raw(loc, name, t);
    std::vector<T> out(raw.size() / sizeof(T));
    if (!raw.empty()) std::memcpy(out.data(), raw.data(), raw.size());
    return out;
}
// 1-D string dataset (variable-length strings).
inline std::vector<std::string> read_strings(hid_t loc, const std::string& name) {
    Dataset d = open_dataset(loc, name);
    std::vector<hsize_t> dims = shape(d);
    std::vector<char*> ptrs(dims.empty() ? 1 : dims[0]);
    Datatype t = vlen_string();
    if (ptrs.empty()) return {};
    check(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), d, "read strings");
    std::vector<std::string> out(ptrs.begin(), ptrs.end());
    Dataspace s(check(H5Dget_space(d), d, "get dataspace"));
    H5Dvlen_reclaim(t, s, H5P_DEFAULT, ptrs.data());
    return out;
}

}  // namespace talentsim::h5
