// Test support for command-line reliability tests: shell commands, the talentsim binary running in
// the background, a small scenario long enough to interrupt, and result-file comparison.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace talentsim::test {

// Runs a shell command from the source directory; returns its exit code (128 + signal if killed).
inline int run_cli_raw(const std::string& command, std::string* out) {
    const auto dir = std::filesystem::temp_directory_path() / ("talentsim_raw_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto o = dir / "out.txt";
    const int status = std::system(
        (std::string("cd ") + TALENTSIM_SOURCE_DIR + " && " + command + " >" + o.string() + " 2>&1 </dev/null")
            .c_str());
    if (out) {
        std::ifstream in(o, std::ios::binary);
        *out = {std::istreambuf_iterator<char>(in), {}};
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The talentsim binary running in the background, started in `dir`.
struct Child {
    pid_t pid = -1;
    std::filesystem::path err;

    Child(const std::vector<std::string>& args, const std::filesystem::path& dir) : err(dir / "child.err") {
        pid = ::fork();
        if (pid == 0) {
            if (::chdir(dir.c_str()) != 0) ::_exit(126);
            const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), n = ::open("/dev/null", O_RDWR);
            ::dup2(n, 0);
            ::dup2(n, 1);
            ::dup2(e, 2);
            std::vector<char*> argv{const_cast<char*>(TALENTSIM_BINARY)};
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(TALENTSIM_BINARY, argv.data());
            ::_exit(127);
        }
    }
    bool running() const { return ::waitpid(pid, nullptr, WNOHANG) == 0; }
    // Exit code, or 128 + signal.
    int wait() {
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    ~Child() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

inline bool wait_for_file(const std::filesystem::path& p, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!std::filesystem::exists(p)) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

// A fixed copy of the default scenario, small enough for tests but long enough to interrupt (0.3 s
// at 150 steps, 1.1 s at 600, on an idle 2-core host): its events keep their full-size counts
// (reference_candidates equal to the candidates, so nothing is scaled), which makes the run long
// enough for the signal and second-writer tests to act while it is still running.
// With `scaled`, the event counts scale with the candidates instead (a smaller, quicker market).
inline std::filesystem::path write_scenario(const std::filesystem::path& dir, std::int32_t steps, bool scaled = false) {
    const Scenario s = scenario(
        "scenarios/china_ai_2024.toml",
        {"population.candidates=6000",
         scaled ? "population.reference_candidates=100000" : "population.reference_candidates=6000",
         "population.employers=200", "population.graduates_per_year=600", "population.abroad_inflow_per_month=5",
         "scenario.steps=" + std::to_string(steps), "output.panel_every=6"});
    const std::filesystem::path p = dir / "scenario.toml";
    std::ofstream(p) << to_toml(s);
    return p;
}

// compare_results.py: every dataset field by field and every root attribute.
inline int compare_files(const std::filesystem::path& a, const std::filesystem::path& b, std::string* report) {
    return run_cli_raw("/usr/bin/python3 tests/reliability/compare_results.py " + a.string() + " " + b.string(),
                       report);
}

inline std::string q(const std::filesystem::path& p) {
    std::string s(1, '\'');  // built by appending: GCC 12 warns (-Wrestrict) about "'" + std::string&&
    s += p.string();
    s += '\'';
    return s;
}

}  // namespace talentsim::test
