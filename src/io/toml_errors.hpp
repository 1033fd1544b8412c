// Shared by every TOML reader (scenarios, targets, sweeps): error collection with the position
// of the offending node, and the names of TOML types in messages.
#pragma once
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "model/scenario.hpp"

namespace talentsim {

// "an integer", "a string", ... for "expected X, found Y" messages.
std::string toml_type_name(const toml::node& n);

// Collects every error of one file, each with file:line:column and the key.
struct TomlErrors {
    std::string file;
    std::vector<ScenarioError> errors;
    void add(const toml::source_region& where, std::string key, std::string msg) {
        errors.push_back(ScenarioError{file, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column),
                                       std::move(key), std::move(msg)});
    }
};

}  // namespace talentsim
