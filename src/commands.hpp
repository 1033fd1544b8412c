// Commands of the talentsim executable that live outside main.cpp. Each takes the arguments
// after the command name and returns the exit code (0 ok, 1 run-time failure, 2 bad usage).
// Throw UsageError for bad usage, ScenarioInvalid for bad scenario files.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace talentsim {

struct UsageError : std::runtime_error { using std::runtime_error::runtime_error; };

}  // namespace talentsim
