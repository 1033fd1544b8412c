// The talentsim command line: run, validate, info, reference.
// Exit codes: 0 success, 1 run-time failure (or interrupted), 2 bad usage or bad scenario.
#include <boost/program_options.hpp>
#include <tbb/global_control.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "scenario.hpp"
#include "simulation.hpp"
#include "version.hpp"
#include "writer.hpp"

namespace po = boost::program_options;
using namespace talentsim;

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }


constexpr const char* kDefaultScenario = "scenarios/china_ai_2024.toml";

const char* kUsage =
    "talentsim - agent-based simulator of markets for scarce technical talent\n\n"
    "Usage:\n"
    "  talentsim run [SCENARIO.toml] [--out FILE.h5] [--seed N] [--steps N] [--threads N]\n"
    "                [--set key.path=value ...] [--quiet]\n"
    "  talentsim validate SCENARIO.toml [--set key.path=value ...]\n"
    "  talentsim info FILE.h5\n"
    "  talentsim reference            print the scenario reference (Markdown)\n"
    "  talentsim --help | --version | <command> --help\n\n"
    "Exit codes: 0 success, 1 run-time failure or interrupted, 2 bad usage or bad scenario.\n";

std::string version_string() { return std::string("talentsim ") + kVersion + "+" + kGitHash + " (" + kBuildType + ")"; }

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& named,
                        const po::positional_options_description& pos) {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(named).positional(pos).run(), vm);
    po::notify(vm);
    return vm;
}

std::filesystem::path default_scenario() {
    if (std::filesystem::exists(kDefaultScenario)) return kDefaultScenario;
    const std::filesystem::path installed = std::filesystem::path(TALENTSIM_SOURCE_DIR) / kDefaultScenario;
    return std::filesystem::exists(installed) ? installed : std::filesystem::path(kDefaultScenario);
}

std::uint64_t available_memory() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t kb = 0;
    while (in >> key >> kb) {
        if (key == "MemAvailable:") return kb * 1024;
        in.ignore(256, '\n');
    }
    return 0;
}

std::string fmt_duration(double s) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(1) << s << "s";
    return o.str();
}

void print_summary(const Simulation& sim, const std::vector<StepRow>& rows, const std::filesystem::path& file, double seconds) {
    std::int64_t hires = 0, moves = 0, co_made = 0, co_won = 0, blocked = 0, buyouts = 0, teams = 0, reloc = 0, returnees = 0;
    for (const auto& r : rows) {
        hires += r.hires; moves += r.job_to_job_moves; co_made += r.counteroffers_made; co_won += r.counteroffers_won;
        blocked += r.noncompete_blocked; buyouts += r.noncompete_buyouts; teams += r.team_moves; reloc += r.relocations;
        returnees += r.returnees;
    }
    const StepRow& last = rows.back();
    auto line = [](const std::string& k, const std::string& v) { std::cout << "  " << std::left << std::setw(30) << k << v << "\n"; };
    auto num = [](double x, int prec = 0) { std::ostringstream o; o << std::fixed << std::setprecision(prec) << x; return o.str(); };
    std::cout << "talentsim run: " << sim.scenario().scenario.name << ", seed " << sim.world().seed << ", "
              << rows.size() << " steps in " << fmt_duration(seconds) << "\n";
    line("final date", std::to_string(last.date / 100) + "-" + (last.date % 100 < 10 ? "0" : "") + std::to_string(last.date % 100));
    line("employed / unemployed", num(last.employed) + " / " + num(last.unemployed));
    line("students / abroad", num(last.students) + " / " + num(last.abroad));
    line("sitting out a non-compete", num(last.sitting_out));
    line("mean wage (employed)", num(last.wage_mean) + " CNY/year");
    line("p10 / p50 / p90 wage", num(last.wage_p10) + " / " + num(last.wage_p50) + " / " + num(last.wage_p90));
    line("mean posted salary", num(last.posted_mean) + " CNY/year");
    line("hires (all steps)", num(hires));
    line("job-to-job moves", num(moves));
    line("counteroffers made / won", num(co_made) + " / " + num(co_won));
    line("non-compete blocks / buyouts", num(blocked) + " / " + num(buyouts));
    line("team moves", num(teams));
    line("relocations / returnees", num(reloc) + " / " + num(returnees));
    line("output", file.string());
}

int cmd_run(const std::vector<std::string>& args) {
    po::options_description opts("talentsim run [SCENARIO.toml] [options]");
    opts.add_options()
        ("help,h", "show this help")
        ("scenario", po::value<std::string>(), "scenario file (default scenarios/china_ai_2024.toml)")
        ("out,o", po::value<std::string>(), "result file (default results/<scenario-name>.h5)")
        ("seed", po::value<std::uint64_t>(), "seed (default: scenario.seed)")
        ("steps", po::value<std::int32_t>(), "number of steps (default: scenario.steps)")
        ("threads", po::value<int>()->default_value(0), "worker threads (0 = all cores); results do not depend on it")
        ("set", po::value<std::vector<std::string>>()->composing(), "override a scenario key: --set key.path=value")
        ("quiet,q", "no progress line and no summary");
    po::positional_options_description pos;
    pos.add("scenario", 1);
    po::variables_map vm = parse(args, opts, pos);
    if (vm.count("help")) { std::cout << opts << "\n"; return 0; }
    const std::filesystem::path file = vm.count("scenario") ? std::filesystem::path(vm["scenario"].as<std::string>()) : default_scenario();
    const auto overrides = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const Scenario scenario = load_scenario(file, overrides);
    const std::int32_t steps = vm.count("steps") ? vm["steps"].as<std::int32_t>() : static_cast<std::int32_t>(scenario.scenario.steps);
    if (steps < 1 || steps > 6000) throw UsageError("--steps must be between 1 and 6000");
    const std::uint64_t seed = vm.count("seed") ? vm["seed"].as<std::uint64_t>() : static_cast<std::uint64_t>(scenario.scenario.seed);
    const int threads = vm["threads"].as<int>();
    if (threads < 0 || threads > 1024) throw UsageError("--threads must be between 0 and 1024");
    const bool quiet = vm.count("quiet") > 0;
    const std::filesystem::path out_path = vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                                                           : std::filesystem::path("results") / (scenario.scenario.name + ".h5");

    const std::uint64_t need = estimated_memory_bytes(scenario, steps), have = available_memory();
    if (have > 0 && need > have) {
        std::cerr << "talentsim run: " << file.string() << ": this run needs about " << (need >> 20) << " MiB but only "
                  << (have >> 20) << " MiB are available; reduce population.candidates or steps\n";
        return 1;
    }
    const int workers = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(workers));

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const auto t0 = std::chrono::steady_clock::now();
    Simulation sim(scenario, seed, steps);
    auto writer = make_hdf5_writer(out_path);
    sim.begin(*writer, workers);
    std::vector<StepRow> rows;
    const bool progress = !quiet && isatty(STDERR_FILENO);
    while (!sim.done()) {
        rows.push_back(sim.step(*writer));
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (progress) {
            const StepRow& r = rows.back();
            const double eta = elapsed / sim.next_step() * (sim.steps() - sim.next_step());
            std::fprintf(stderr, "\rstep %d/%d %d-%02d  employed %lld  vacancies %lld  hires %lld  moves %lld  elapsed %s  ETA %s   ",
                         sim.next_step(), sim.steps(), r.date / 100, r.date % 100, static_cast<long long>(r.employed),
                         static_cast<long long>(r.vacancies), static_cast<long long>(r.hires),
                         static_cast<long long>(r.job_to_job_moves), fmt_duration(elapsed).c_str(), fmt_duration(eta).c_str());
        }
        if (g_stop.load() && !sim.done()) {
            writer->finish(false);
            if (progress) std::fputc('\n', stderr);
            std::cerr << "talentsim run: interrupted after step " << sim.next_step() << " of " << sim.steps()
                      << "; incomplete results (complete = 0) in " << writer->final_path().string() << "\n";
            return 1;
        }
    }
    writer->finish(true);
    if (progress) std::fputc('\n', stderr);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!quiet) print_summary(sim, rows, writer->final_path(), seconds);
    return 0;
}

int cmd_validate(const std::vector<std::string>& args) {
    po::options_description opts("talentsim validate SCENARIO.toml [options]");
    opts.add_options()
        ("help,h", "show this help")
        ("scenario", po::value<std::string>(), "scenario file")
        ("set", po::value<std::vector<std::string>>()->composing(), "override a scenario key: --set key.path=value");
    po::positional_options_description pos;
    pos.add("scenario", 1);
    po::variables_map vm = parse(args, opts, pos);
    if (vm.count("help")) { std::cout << opts << "\n"; return 0; }
    if (!vm.count("scenario")) throw UsageError("validate needs a scenario file");
    const auto overrides = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const Scenario s = load_scenario(vm["scenario"].as<std::string>(), overrides);
    std::cout << vm["scenario"].as<std::string>() << ": valid (" << s.scenario.name << ", " << s.scenario.steps << " steps from "
              << s.scenario.start << ", " << s.population.candidates << " candidates, " << s.population.employers << " employers)\n";
    return 0;
}

int cmd_info(const std::vector<std::string>& args) {
    po::options_description opts("talentsim info FILE.h5");
    opts.add_options()("help,h", "show this help")("file", po::value<std::string>(), "result file");
    po::positional_options_description pos;
    pos.add("file", 1);
    po::variables_map vm = parse(args, opts, pos);
    if (vm.count("help")) { std::cout << opts << "\n"; return 0; }
    if (!vm.count("file")) throw UsageError("info needs a result file");
    print_info(vm["file"].as<std::string>(), std::cout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    const std::string cmd = args.empty() ? "" : args.front();
    if (!args.empty()) args.erase(args.begin());
    try {
        if (cmd == "--help" || cmd == "-h" || cmd == "help") { std::cout << kUsage; return 0; }
        if (cmd == "--version") { std::cout << version_string() << "\n"; return 0; }
        // One row per command; commands other than these live in their own files (commands.hpp).
        const std::pair<const char*, int (*)(const std::vector<std::string>&)> commands[] = {
            {"run", cmd_run},
            {"validate", cmd_validate},
            {"info", cmd_info},
            {"reference", [](const std::vector<std::string>&) { std::cout << scenario_reference_markdown(); return 0; }},
        };
        for (const auto& [name, fn] : commands)
            if (cmd == name) return fn(args);
        std::cerr << (cmd.empty() ? std::string("talentsim: no command given") : "talentsim: unknown command '" + cmd + "'") << "\n\n" << kUsage;
        return 2;
    } catch (const ScenarioInvalid& e) {
        std::cerr << e.what();
        std::cerr << "talentsim " << cmd << ": " << e.errors().size() << " error(s); nothing was run\n";
        return 2;
    } catch (const po::error& e) {
        std::cerr << "talentsim " << cmd << ": " << e.what() << " (see talentsim " << cmd << " --help)\n";
        return 2;
    } catch (const UsageError& e) {
        std::cerr << "talentsim " << cmd << ": " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "talentsim " << cmd << ": error: " << e.what() << "\n";
        return 1;
    }
}
