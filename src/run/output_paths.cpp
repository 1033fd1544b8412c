// Checks and locks on the files a run writes (see output_paths.hpp).
#include "run/output_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "io/h5.hpp"

namespace talentsim {

namespace fs = std::filesystem;

namespace {

// What kind of thing `p` is, for the refusal message; empty for a regular file or nothing.
std::string not_regular(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return "";
    if (S_ISREG(st.st_mode)) return "";
    if (S_ISDIR(st.st_mode)) return "a directory";
    if (S_ISCHR(st.st_mode)) return "a character device";
    if (S_ISBLK(st.st_mode)) return "a block device";
    if (S_ISFIFO(st.st_mode)) return "a FIFO";
    if (S_ISSOCK(st.st_mode)) return "a socket";
    return "not a regular file";
}

// Two paths name the same file: equal once symbolic links, "." and ".." are resolved, or (both
// existing) the same inode.
bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ea, eb;
    const fs::path ca = fs::weakly_canonical(fs::absolute(a), ea), cb = fs::weakly_canonical(fs::absolute(b), eb);
    if (!ea && !eb && ca == cb) return true;
    struct stat sa {
    }, sb{};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

// The nearest existing ancestor directory of `p` must be a directory we can write into.
void check_parent(const fs::path& p) {
    fs::path dir = fs::absolute(p).parent_path();
    std::error_code ec;
    while (!dir.empty() && !fs::exists(dir, ec) && dir.has_relative_path()) dir = dir.parent_path();
    if (!fs::is_directory(dir, ec))
        throw PathRefused(p.string() + ": cannot be created: " + dir.string() + " is not a directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw PathRefused(p.string() + ": cannot be created: no permission to write in " + dir.string());
}

}  // namespace

OutputPaths output_paths(const fs::path& out, const fs::path& checkpoint) {
    OutputPaths p;
    p.out = out;
    p.partial = out.string() + ".partial";
    if (!checkpoint.empty()) {
        p.checkpoint = checkpoint;
        p.journal = checkpoint.string() + ".journal";
        p.temporary = checkpoint.string() + ".tmp";
    }
    return p;
}

void check_file_name(const fs::path& p, const std::string& what, const std::string& option, const char* example) {
    const std::string& name = p.string();
    if (name.empty()) throw PathRefused("the " + what + " name is empty (" + option + " '')");
    const std::string file = p.filename().string();
    if (file.empty() || file == "." || file == ".." || name.back() == '/')
        throw PathRefused(name + ": names a directory; give a file name, e.g. " +
                          (p / example).lexically_normal().string());
}

void check_output_file(const fs::path& p, const std::string& what, const std::vector<fs::path>& inputs) {
    constexpr std::size_t kNameMax = 255;  // bytes of one file name on Linux file systems (NAME_MAX)
    if (p.filename().string().size() > kNameMax)
        throw PathRefused(p.string().substr(0, 60) + "...: the " + what + "'s name is longer than " +
                          std::to_string(kNameMax) + " bytes");
    if (const std::string kind = not_regular(p); !kind.empty())
        throw PathRefused(p.string() + ": the " + what + " is " + kind +
                          "; only a regular file can be written or replaced");
    check_parent(p);
    for (const fs::path& in : inputs)
        if (!in.empty() && same_file(p, in))
            throw PathRefused(p.string() + ": the " + what + " would overwrite the input file " + in.string());
}

void check_output_paths(const OutputPaths& paths, const std::vector<fs::path>& inputs) {
    check_file_name(paths.out, "result file", "--out", "result.h5");
    const std::pair<const char*, const fs::path*> written[] = {{"result file", &paths.out},
                                                               {"partial result file", &paths.partial},
                                                               {"checkpoint", &paths.checkpoint},
                                                               {"checkpoint journal", &paths.journal},
                                                               {"checkpoint temporary file", &paths.temporary}};
    for (const auto& [what, p] : written)
        if (!p->empty()) check_output_file(*p, what, inputs);
    for (std::size_t i = 0; i < std::size(written); ++i)
        for (std::size_t j = i + 1; j < std::size(written); ++j)
            if (!written[i].second->empty() && !written[j].second->empty() &&
                same_file(*written[i].second, *written[j].second))
                throw PathRefused(written[i].second->string() + ": the " + written[i].first + " and the " +
                                  written[j].first + " (" + written[j].second->string() +
                                  ") are the same file; give them different names");
}

void create_parent_directories(const fs::path& p) {
    const fs::path dir = p.parent_path();
    if (dir.empty()) return;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw PathRefused(p.string() + ": cannot create its directory " + dir.string() + ": " + ec.message());
}

OutputLocks lock_outputs(const OutputPaths& paths) {
    create_parent_directories(paths.partial);
    if (!paths.journal.empty()) create_parent_directories(paths.journal);
    try {
        OutputLocks locks;
        locks.partial = FileLock(paths.partial);
        if (!paths.journal.empty()) locks.journal = FileLock(paths.journal);
        return locks;
    } catch (const FileBusy& e) {
        throw PathRefused(e.what());
    }
}

void refuse_existing_result(const OutputPaths& paths, bool force) {
    std::error_code ec;
    if (force || !fs::exists(paths.out, ec)) return;
    std::string what = "a file that is not a talentsim result";
    try {
        if (h5::is_hdf5(paths.out)) {
            const h5::File f = h5::open_read_only(paths.out);
            what = "the result of " + h5::read_string_attr(f, "scenario_name") + ", seed " +
                   std::to_string(h5::read_attr<std::uint64_t>(f, "seed"));
        }
    } catch (const std::exception&) {}
    throw PathRefused(paths.out.string() + ": exists (" + what +
                      "); results are not replaced: give --force to replace it, or another --out");
}

}  // namespace talentsim
