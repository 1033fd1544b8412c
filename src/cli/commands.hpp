// Commands of the talentsim executable that live outside main.cpp. Each takes the arguments
// after the command name and returns the exit code (0 ok, 1 run-time failure, 2 bad usage).
// Throw UsageError for bad usage, ScenarioInvalid for bad scenario files.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace talentsim {

// Width of --help output: wide enough that no path or key is broken in the middle of a word.
inline constexpr unsigned kHelpColumns = 120;

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

int cmd_compare(const std::vector<std::string>& args);  // cmd_compare.cpp

int cmd_bench(const std::vector<std::string>& args);   // cmd_bench.cpp
int cmd_resume(const std::vector<std::string>& args);  // cmd_resume.cpp
int cmd_sweep(const std::vector<std::string>& args);   // cmd_sweep.cpp

}  // namespace talentsim
