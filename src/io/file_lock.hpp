// Exclusive advisory locks (flock) on the files a run writes, so that a second process writing
// the same result, checkpoint or journal is refused before it opens anything for writing
// (docs/reliability.md, "One writer per file").
#pragma once
#include <filesystem>
#include <stdexcept>

namespace talentsim {

// Another process holds the lock: the file is being written by another run.
struct FileBusy : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Holds an exclusive flock on `path` while it lives. The file is opened without truncation
// (created empty when missing); the lock is taken on the inode the path names after locking, so
// a file renamed or removed meanwhile is locked again under its new identity. On release the
// file is removed when this lock created it and it is still empty and still at `path` (a run
// refused before writing leaves nothing behind).
class FileLock {
public:
    FileLock() = default;
    explicit FileLock(const std::filesystem::path& path);  // throws FileBusy, std::runtime_error
    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

    const std::filesystem::path& path() const { return path_; }

private:
    void release() noexcept;
    std::filesystem::path path_;
    int fd_ = -1;
    bool created_ = false;
};

}  // namespace talentsim
