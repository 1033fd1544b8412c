#include "io/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace talentsim {

namespace fs = std::filesystem;

void sync_file(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const std::string why = std::strerror(errno);
        if (fd >= 0) ::close(fd);
        throw std::runtime_error(path.string() + ": fsync failed: " + why);
    }
    ::close(fd);
}

void rename_durably(const fs::path& from, const fs::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0)
        throw std::runtime_error(to.string() + ": rename " + from.filename().string() +
                                 " to failed: " + std::strerror(errno));
    const fs::path dir = to.parent_path().empty() ? fs::path(".") : to.parent_path();
    if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
        ::fsync(d);
        ::close(d);
    }
}

void move_into_place(const fs::path& from, const fs::path& to) {
    sync_file(from);
    rename_durably(from, to);
}

void write_file_atomically(const fs::path& path, const std::string& text) {
    static std::atomic<unsigned> counter{0};
    const fs::path tmp = path.string() + ".partial." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    try {
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw std::runtime_error(tmp.string() + ": cannot create the file: " + std::strerror(errno));
            out << text;
            out.flush();
            if (!out) throw std::runtime_error(tmp.string() + ": write failed: " + std::strerror(errno));
        }
        move_into_place(tmp, path);
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
}

}  // namespace talentsim
