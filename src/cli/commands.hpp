// Commands of the talentsim executable that live outside main.cpp. Each takes the arguments
// after the command name and returns the exit code (0 ok, 1 run-time failure, 2 bad usage).
// Throw UsageError for bad usage, InputInvalid for bad input files (io/input_error.hpp).
#pragma once
#include <string>
#include <vector>

#include "io/input_error.hpp"

namespace talentsim {

int cmd_compare(const std::vector<std::string>& args);  // compare.cpp

int cmd_bench(const std::vector<std::string>& args);   // bench.cpp
int cmd_resume(const std::vector<std::string>& args);  // resume.cpp
int cmd_sweep(const std::vector<std::string>& args);   // sweep.cpp

}  // namespace talentsim
