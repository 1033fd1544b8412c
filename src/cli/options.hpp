// What every command does with its options: parsing them with the command's positional argument,
// --help, the range checks of numbers, and the sbatch settings `sweep slurm` and `calibrate --slurm`
// share.
#pragma once
#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "sweep/sweep.hpp"

namespace talentsim {

// Parses `args` into `vm`: the named options, and `positional` for the first `count` arguments
// without a name (-1: all of them; nullptr: none). When --help is asked for, prints the options
// (then `help_tail`) and returns false: the command has nothing more to do and returns 0.
bool parse_options(const std::vector<std::string>& args, const boost::program_options::options_description& opts,
                   boost::program_options::variables_map& vm, const char* positional = nullptr, int count = 1,
                   const char* help_tail = "");

// The int option `name`; UsageError "--name must be between lo and hi" outside [lo, hi].
int int_option(const boost::program_options::variables_map& vm, const char* name, int lo, int hi);

// Runs at a time: 0 means one per core.
int jobs_or_cores(int jobs);

// --time, --partition, --account, --mem, --cpus-per-task, --setup and --binary (default: this
// executable), checked; throws UsageError.
void read_sbatch_settings(const boost::program_options::variables_map& vm, sweep::SlurmOptions& o);

}  // namespace talentsim
