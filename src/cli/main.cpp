// The talentsim command line: run, validate, info, reference.
// Exit codes: 0 success, 1 run-time failure (or interrupted), 2 bad usage, bad scenario or bad input file.
#include <boost/program_options.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "model/scenario.hpp"
#include "run/run.hpp"
#include "engine/simulation.hpp"
#include "version.hpp"
#include "io/result_file.hpp"
#include "io/writer.hpp"

namespace po = boost::program_options;
using namespace talentsim;

namespace {

constexpr const char* kDefaultScenario = "scenarios/china_ai_2024.toml";

const char* kUsage =
    "talentsim - agent-based simulator of markets for scarce technical talent\n\n"
    "Usage:\n"
    "  talentsim run [SCENARIO.toml] [--out FILE.h5] [--seed N] [--steps N] [--threads N]\n"
    "                [--set key.path=value ...] [--checkpoint-every N [--checkpoint FILE]] [--force] [--quiet]\n"
    "  talentsim resume CHECKPOINT [--out FILE.h5] [--checkpoint-every N] [--threads N] [--force] [--quiet]\n"
    "  talentsim validate SCENARIO.toml [--set key.path=value ...]\n"
    "  talentsim info FILE.h5\n"
    "  talentsim compare RESULT.h5 [RESULT2.h5 ...] --targets FILE.toml [--json OUT] [--strict]\n"
    "  talentsim bench [--scenario FILE] [--candidates N] [--steps N] [--threads N] [--seed N] [--set key=value ...]\n"
    "                  [--out FILE.h5]   performance figures (JSON)\n"
    "  talentsim sweep plan|run|slurm|point|merge|analyze ...   parameter sweeps (talentsim sweep --help)\n"
    "  talentsim calibrate FILE.toml [--out DIR] [--jobs N] [--slurm [--submit]]   estimate parameters\n"
    "  talentsim reference            print the scenario reference (Markdown)\n"
    "  talentsim --help | --version | <command> --help\n\n"
    "Exit codes: 0 success, 1 run-time failure or interrupted, 2 bad usage, bad scenario or bad input file.\n";

std::string version_string() { return "talentsim " + program_identity(); }

void print_warnings(const std::string& command, const std::string& file, const Scenario& s) {
    for (const auto& w : s.warnings) std::cerr << "talentsim " << command << ": warning: " << file << ": " << w << "\n";
}

// A seed as written on the command line: decimal digits only (no sign: "-1" must not wrap around).
std::uint64_t parse_seed(const std::string& text) {
    if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError("--seed " + text + ": expected a whole number from 0 to 18446744073709551615");
    try {
        return std::stoull(text);
    } catch (const std::exception&) {
        throw UsageError("--seed " + text + ": expected a whole number from 0 to 18446744073709551615");
    }
}

std::filesystem::path default_scenario() {
    if (std::filesystem::exists(kDefaultScenario)) return kDefaultScenario;
    const std::filesystem::path installed = std::filesystem::path(TALENTSIM_SOURCE_DIR) / kDefaultScenario;
    return std::filesystem::exists(installed) ? installed : std::filesystem::path(kDefaultScenario);
}

int cmd_run(const std::vector<std::string>& args) {
    const std::string usage = "talentsim run [SCENARIO.toml] [options]";
    po::options_description opts(usage, kHelpColumns);
    opts.add_options()("help,h", "show this help")("scenario", po::value<std::string>(),
                                                   "scenario file (default scenarios/china_ai_2024.toml)")(
        "out,o", po::value<std::string>(), "result file (default results/<scenario-name>.h5)")(
        "seed", po::value<std::string>(), "seed, 0 to 2^64-1 (default: scenario.seed)")(
        "steps", po::value<std::int32_t>(), "number of steps (default: scenario.steps)")(
        "threads", po::value<int>()->default_value(0), "worker threads (0 = all cores); results do not depend on it")(
        "set", po::value<std::vector<std::string>>()->composing(), "override a scenario key: --set key.path=value")(
        "checkpoint-every", po::value<std::int32_t>()->default_value(0),
        "save a checkpoint every N steps (0 = none); an existing checkpoint of the same run is continued")(
        "checkpoint", po::value<std::string>(), "checkpoint file (default: the result file + .ckpt)")(
        "force", "replace an existing result file")("quiet,q", "no progress line and no summary");
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "scenario")) return 0;
    const std::filesystem::path file =
        vm.count("scenario") ? std::filesystem::path(vm["scenario"].as<std::string>()) : default_scenario();
    const auto overrides = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const Scenario scenario = load_scenario(file, overrides);
    print_warnings("run", file.string(), scenario);
    const std::int32_t steps =
        vm.count("steps") ? vm["steps"].as<std::int32_t>() : static_cast<std::int32_t>(scenario.info.steps);
    if (steps < 1 || steps > 6000) throw UsageError("--steps must be between 1 and 6000");
    const std::uint64_t seed =
        vm.count("seed") ? parse_seed(vm["seed"].as<std::string>()) : static_cast<std::uint64_t>(scenario.info.seed);
    const int threads = int_option(vm, "threads", 0, 1024);

    RunOptions options;
    options.out = vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                                  : std::filesystem::path("results") / (scenario.info.name + ".h5");
    options.inputs = {file};
    options.replace_existing = vm.count("force") > 0;
    options.checkpoint_every = vm["checkpoint-every"].as<std::int32_t>();
    if (options.checkpoint_every < 0) throw UsageError("--checkpoint-every must not be negative");
    if (vm.count("checkpoint")) {
        if (options.checkpoint_every == 0) throw UsageError("--checkpoint needs --checkpoint-every N");
        options.checkpoint = vm["checkpoint"].as<std::string>();
    }
    try {
        check_resources(scenario, steps);
    } catch (const ResourceError& e) {
        std::cerr << "talentsim run: " << file.string() << ": " << e.what() << "; nothing was run\n";
        return 1;
    }
    return run_on_console("run", threads, vm.count("quiet") > 0, options,
                          [&](const RunOptions& o) { return run_simulation(scenario, seed, steps, o); });
}

int cmd_validate(const std::vector<std::string>& args) {
    const std::string usage = "talentsim validate SCENARIO.toml [options]";
    po::options_description opts(usage, kHelpColumns);
    opts.add_options()("help,h", "show this help")("scenario", po::value<std::string>(), "scenario file")(
        "set", po::value<std::vector<std::string>>()->composing(), "override a scenario key: --set key.path=value");
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "scenario")) return 0;
    if (!vm.count("scenario")) throw UsageError("validate needs a scenario file");
    const auto overrides = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const Scenario s = load_scenario(vm["scenario"].as<std::string>(), overrides);
    print_warnings("validate", vm["scenario"].as<std::string>(), s);
    std::cout << vm["scenario"].as<std::string>() << ": valid (" << s.info.name << ", " << s.info.steps
              << " steps from " << s.info.start << ", " << s.population.candidates << " candidates, "
              << s.population.employers << " employers)\n";
    return 0;
}

int cmd_info(const std::vector<std::string>& args) {
    const std::string usage = "talentsim info FILE.h5";
    po::options_description opts(usage, kHelpColumns);
    opts.add_options()("help,h", "show this help")("file", po::value<std::string>(), "result file");
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "file")) return 0;
    if (!vm.count("file")) throw UsageError("info needs a result file");
    try {
        print_info(vm["file"].as<std::string>(), std::cout);
    } catch (const std::runtime_error& e) {
        std::cerr << "talentsim info: " << e.what() << "\n";
        return 2;  // a file that is not a readable result is bad input, as for compare
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    keep_freed_memory();
    std::vector<std::string> args(argv + 1, argv + argc);
    const std::string cmd = args.empty() ? "" : args.front();
    if (!args.empty()) args.erase(args.begin());
    try {
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::cout << kUsage;
            return 0;
        }
        if (cmd == "--version") {
            std::cout << version_string() << "\n";
            return 0;
        }
        // One row per command; commands other than these live in their own files (commands.hpp).
        const std::pair<const char*, int (*)(const std::vector<std::string>&)> commands[] = {
            {"run", cmd_run},
            {"resume", cmd_resume},
            {"validate", cmd_validate},
            {"info", cmd_info},
            {"bench", cmd_bench},
            {"compare", cmd_compare},
            {"sweep", cmd_sweep},
            {"calibrate", cmd_calibrate},
            {"reference",
             [](const std::vector<std::string>& a) {
                 if (!a.empty() && (a.front() == "--help" || a.front() == "-h")) {
                     std::cout << "talentsim reference: print the scenario reference (every key: type, default, "
                                  "bounds, unit, meaning) as Markdown;\ndocs/scenario-reference.md is its output.\n";
                     return 0;
                 }
                 if (!a.empty()) throw UsageError("reference takes no arguments (see talentsim reference --help)");
                 std::cout << scenario_reference_markdown();
                 return 0;
             }},
        };
        for (const auto& [name, fn] : commands)
            if (cmd == name) return fn(args);
        std::cerr << (cmd.empty() ? std::string("talentsim: no command given")
                                  : "talentsim: unknown command '" + cmd + "'")
                  << "\n\n"
                  << kUsage;
        return 2;
    } catch (const ScenarioInvalid& e) {
        std::cerr << e.what();
        std::cerr << "talentsim " << cmd << ": " << e.errors().size() << " error(s); nothing was run\n";
        return 2;
    } catch (const po::error& e) {
        std::cerr << "talentsim " << cmd << ": " << e.what() << " (see talentsim " << cmd << " --help)\n";
        for (std::size_t i = 0; i + 1 < args.size(); ++i)  // "--set key value": the value became an argument
            if (args[i] == "--set" && args[i + 1].find('=') == std::string::npos)
                std::cerr << "talentsim " << cmd << ": hint: write --set " << args[i + 1]
                          << "=VALUE (one argument, with '=')\n";
        return 2;
    } catch (const UsageError& e) {
        std::cerr << "talentsim " << cmd << ": " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "talentsim " << cmd << ": error: " << e.what() << "\n";
        return 1;
    }
}
