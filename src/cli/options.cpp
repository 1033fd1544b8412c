// Option parsing shared by the commands (options.hpp).
#include "cli/options.hpp"

#include <algorithm>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "cli/commands.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace talentsim {

namespace {
// The caption an options_description was made with (Boost 1.74 has no accessor): what it prints
// before the first ":\n".
std::string caption_of(const po::options_description& opts) {
    std::ostringstream out;
    out << opts;
    const std::string text = out.str();
    const auto end = text.find(":\n");
    return end == std::string::npos ? std::string() : text.substr(0, end);
}
}  // namespace

bool parse_options(const std::vector<std::string>& args, const po::options_description& opts, po::variables_map& vm,
                   const char* positional, int count, const char* help_tail) {
    po::positional_options_description pos;
    if (positional) pos.add(positional, count);
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
    if (!vm.count("help")) return true;
    print_help(std::cout, caption_of(opts), opts, pos);
    std::cout << "\n" << help_tail;
    return false;
}

int int_option(const po::variables_map& vm, const char* name, int lo, int hi) {
    const int v = vm[name].as<int>();
    if (v < lo || v > hi)
        throw UsageError(std::string("--") + name + " must be between " + std::to_string(lo) + " and " +
                         std::to_string(hi));
    return v;
}

int jobs_or_cores(int jobs) {
    return jobs > 0 ? jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void read_sbatch_settings(const po::variables_map& vm, sweep::SlurmOptions& o) {
    o.time = vm["time"].as<std::string>();
    o.partition = vm["partition"].as<std::string>();
    o.account = vm["account"].as<std::string>();
    o.mem = vm["mem"].as<std::string>();
    o.cpus_per_task = vm["cpus-per-task"].as<int>();
    if (vm.count("setup")) o.setup = vm["setup"].as<std::vector<std::string>>();
    if (o.cpus_per_task < 1 || o.cpus_per_task > 1024) throw UsageError("--cpus-per-task must be between 1 and 1024");
    static const std::regex kTime(R"(^(\d+-)?\d{1,2}:\d{2}:\d{2}$|^\d+$)");
    if (!std::regex_match(o.time, kTime))
        throw UsageError("--time must look like HH:MM:SS or D-HH:MM:SS, found '" + o.time + "'");
    static const std::regex kSafe(R"(^[A-Za-z0-9_.,:=+-]*$)");
    for (const auto* v : {&o.partition, &o.account, &o.mem})
        if (!std::regex_match(*v, kSafe))
            throw UsageError("--partition, --account and --mem take plain names, found '" + *v + "'");
    std::error_code ec;
    o.binary = vm.count("binary") ? fs::path(vm["binary"].as<std::string>()) : fs::read_symlink("/proc/self/exe", ec);
    if (o.binary.empty()) throw UsageError("cannot tell where this executable is; give --binary");
    o.binary = fs::absolute(o.binary);
}

}  // namespace talentsim
