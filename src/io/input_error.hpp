// Errors in what a user gives talentsim: input files (scenarios, targets, sweeps, calibration
// files) and command-line usage. Every layer may throw them; the command line turns them into
// exit code 2 (docs/reliability.md).
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace talentsim {

// One error in an input file: file:line:column (line 0 = no position), the key, what is wrong.
struct InputError {
    std::string file;
    int line = 0, column = 0;
    std::string key, message;
    std::string format() const;
};

// Every error found in one input file.
class InputInvalid : public std::runtime_error {
public:
    explicit InputInvalid(std::vector<InputError> errors);
    const std::vector<InputError>& errors() const { return errors_; }

private:
    std::vector<InputError> errors_;
};

// Names kept from when scenarios were the only input files.
using ScenarioError = InputError;
using ScenarioInvalid = InputInvalid;

// Bad usage: a wrong option, a directory that belongs to something else, a missing file argument.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace talentsim
