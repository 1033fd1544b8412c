// Reading talentsim result files (the HDF5 layout of docs/output-format.md).
#pragma once
#include <filesystem>
#include <iosfwd>

#include "io/h5.hpp"

namespace talentsim {

// Opens a result file read-only. Throws std::runtime_error with a clear message when the file is
// missing, is not HDF5, or is not a talentsim result of the schema this program reads.
h5::File open_result_file(const std::filesystem::path& path);

// What a result file holds: run attributes, datasets and shapes, the last step and totals
// (`talentsim info`). Throws like open_result_file.
void print_info(const std::filesystem::path& path, std::ostream& out);

}  // namespace talentsim
