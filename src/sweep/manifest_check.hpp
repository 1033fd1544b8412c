// Checks of the files in a sweep directory, read like any other input (manifest_check.cpp).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include <toml++/toml.h>

namespace talentsim::sweep {

// Throws ScenarioInvalid (exit 2) when `file` exists and is not a regular file (a FIFO would
// block the reader) or is larger than `max_bytes`. A missing file is left to the reader.
void check_regular_input(const std::filesystem::path& file, std::uintmax_t max_bytes);

// Every error of a parsed DIR/manifest.toml (types, sizes, kinds, each point's values and seeds)
// with file:line, thrown together as ScenarioInvalid. After it passes, the manifest's counts
// agree with each other and are within the planner's limits.
void check_manifest(const toml::table& manifest, const std::string& file);

}  // namespace talentsim::sweep
