// The files a run writes, checked before it starts (docs/reliability.md, "Files a run writes"):
// no two of them may be the same file, none may be an input, each must be a regular file or
// absent, and a second process writing any of them is refused before anything is opened.
#pragma once
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/file_lock.hpp"

namespace talentsim {

// A destination that must not be written (exit 2): the message names the path and says why.
// FileBusy (another process writes it) is reported the same way.
struct PathRefused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct OutputPaths {
    std::filesystem::path out;         // FILE.h5
    std::filesystem::path partial;     // FILE.h5.partial
    std::filesystem::path checkpoint;  // empty: no checkpoints
    std::filesystem::path journal;     // CHECKPOINT.journal (with a checkpoint)
    std::filesystem::path temporary;   // CHECKPOINT.tmp (with a checkpoint)
};

OutputPaths output_paths(const std::filesystem::path& out, const std::filesystem::path& checkpoint);

// Refuses (PathRefused) an empty or directory-like result name, two paths that are or resolve to
// the same file (symbolic and hard links included), a path that is one of `inputs`, and any path
// that exists but is not a regular file (directories, devices such as /dev/full, FIFOs, sockets).
// `inputs` are files the run reads and never writes (the scenario file).
void check_output_paths(const OutputPaths& paths, const std::vector<std::filesystem::path>& inputs);

// Refuses (PathRefused) an empty file name or one that names a directory (p/, ., ..): `what` names
// the file in the message, `option` the option that gave it, `example` a file name to suggest.
void check_file_name(const std::filesystem::path& p, const std::string& what, const std::string& option,
                     const char* example);

// The checks of check_output_paths for one file a command writes (`what` names it in messages): it
// exists only as a regular file, the nearest existing directory above it is writable, and it is not
// one of `inputs`.
void check_output_file(const std::filesystem::path& p, const std::string& what,
                       const std::vector<std::filesystem::path>& inputs);

// Creates the directories above p (check_output_file found the nearest existing one writable);
// PathRefused with the reason when that fails.
void create_parent_directories(const std::filesystem::path& p);

// Exclusive locks on the .partial file and, with checkpoints, the journal (the checkpoint itself
// is replaced by rename at every save, so its lock is the journal's, which keeps its inode); the
// directories they go in are created first (create_parent_directories).
// Throws PathRefused when another process holds one of them.
struct OutputLocks {
    FileLock partial, journal;
};
OutputLocks lock_outputs(const OutputPaths& paths);

// Refuses (PathRefused) an existing file at paths.out unless `force` (then it is replaced when the
// run completes); the message says what the file holds when it is a talentsim result (scenario, seed).
void refuse_existing_result(const OutputPaths& paths, bool force);

}  // namespace talentsim
