// Commands of the talentsim executable that live outside main.cpp. Each takes the arguments
// after the command name and returns the exit code (0 ok, 1 run-time failure, 2 bad usage).
// Throw UsageError for bad usage, InputInvalid for bad input files (io/input_error.hpp).
#pragma once
#include <algorithm>
#include <boost/program_options.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "io/input_error.hpp"

namespace talentsim {

// Width of --help output: wide enough that no path or key is broken in the middle of a word.
inline constexpr unsigned kHelpColumns = 120;

// Prints `usage` and the options of `opts` but those given by position (`pos`): the usage line names
// those (SCENARIO.toml, FILE.h5, DIR, ...), so --help does not list them again as --scenario etc.
inline void print_help(std::ostream& out, const std::string& usage,
                       const boost::program_options::options_description& opts,
                       const boost::program_options::positional_options_description& pos) {
    boost::program_options::options_description shown(usage, kHelpColumns);
    for (const auto& o : opts.options()) {
        bool positional = false;
        for (unsigned i = 0; i < std::min(pos.max_total_count(), 8u); ++i)
            positional = positional || pos.name_for_position(i) == o->long_name();
        if (!positional) shown.add(o);
    }
    out << shown;
}

int cmd_compare(const std::vector<std::string>& args);  // compare.cpp

int cmd_bench(const std::vector<std::string>& args);      // bench.cpp
int cmd_resume(const std::vector<std::string>& args);     // resume.cpp
int cmd_sweep(const std::vector<std::string>& args);      // sweep.cpp
int cmd_calibrate(const std::vector<std::string>& args);  // calibrate.cpp

}  // namespace talentsim
