// Exclusive advisory locks on output files (see file_lock.hpp).
#include "io/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace talentsim {

namespace {

bool same_inode(int fd, const std::filesystem::path& path) {
    struct stat a {
    }, b{};
    return ::fstat(fd, &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

FileLock::FileLock(const std::filesystem::path& path) : path_(path) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        created_ = false;
        fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd_ < 0 && errno == ENOENT) {
            fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
            created_ = fd_ >= 0;
            if (fd_ < 0 && errno == EEXIST) continue;  // created meanwhile by someone else: open that one
        }
        if (fd_ < 0) {
            const std::string why = errno == ELOOP ? "it is a symbolic link, which is not written through; remove it"
                                                   : std::strerror(errno);
            throw std::runtime_error(path.string() + ": cannot open for writing: " + why);
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd_);
            fd_ = -1;
            throw std::runtime_error(path.string() + ": not a regular file");
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            ::close(fd_);
            fd_ = -1;
            if (err == EWOULDBLOCK)
                throw FileBusy(path.string() +
                               ": is being written by another talentsim process; wait for it to finish, or write "
                               "elsewhere (--out, --checkpoint)");
            throw std::runtime_error(path.string() + ": cannot lock: " + std::strerror(err));
        }
        if (same_inode(fd_, path)) return;
        ::close(fd_);  // renamed or removed between open and lock: lock what the path names now
        fd_ = -1;
    }
    throw std::runtime_error(path.string() + ": cannot lock: the file keeps changing");
}

FileLock::FileLock(FileLock&& o) noexcept
    : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)), created_(std::exchange(o.created_, false)) {}

FileLock& FileLock::operator=(FileLock&& o) noexcept {
    if (this != &o) {
        release();
        path_ = std::move(o.path_);
        fd_ = std::exchange(o.fd_, -1);
        created_ = std::exchange(o.created_, false);
    }
    return *this;
}

FileLock::~FileLock() { release(); }

void FileLock::release() noexcept {
    if (fd_ < 0) return;
    struct stat st {};
    // Removed while still locked, so no other process can have locked this inode in between.
    if (created_ && ::fstat(fd_, &st) == 0 && st.st_size == 0 && same_inode(fd_, path_)) ::unlink(path_.c_str());
    ::close(fd_);
    fd_ = -1;
}

}  // namespace talentsim
