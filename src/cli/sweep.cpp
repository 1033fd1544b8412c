// `talentsim sweep plan | run | point | slurm | merge`: parameter sweeps on one machine and as
// Slurm array jobs. See docs/sweeps.md.
#include <boost/program_options.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "analysis/compare.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "run/run.hpp"
#include "sweep/sensitivity.hpp"
#include "sweep/sweep.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace talentsim {
namespace {

const char* kSweepUsage =
    "talentsim sweep - parameter sweeps on one machine or as Slurm array jobs (docs/sweeps.md)\n\n"
    "  talentsim sweep plan SWEEP.toml                       points, values and seeds; runs nothing\n"
    "  talentsim sweep run SWEEP.toml --out DIR [--jobs N] [--threads T] [--keep-runs] [--checkpoint-every S] "
    "[--quiet]\n"
    "                                                        all points here, N runs at a time; resumable;\n"
    "                                                        merges into DIR/sweep.h5 at the end\n"
    "  talentsim sweep slurm SWEEP.toml --out DIR [--array-limit M] [--chunk K] [--throttle R]\n"
    "                  [--time HH:MM:SS] [--partition P] [--account A] [--mem MEM] [--cpus-per-task C]\n"
    "                  [--setup LINE ...] [--checkpoint-every S] [--only-missing] [--submit]\n"
    "                                                        writes DIR/sweep.sbatch (an array job)\n"
    "  talentsim sweep point SWEEP.toml --out DIR --index I [--chunk K] [--threads T] [--checkpoint-every S]\n"
    "                                                        the points of array task I\n"
    "  talentsim sweep merge DIR                             gathers DIR/points into DIR/sweep.h5\n"
    "  talentsim sweep analyze DIR [--metric NAME ...]       Morris or Sobol indices of a morris or sobol\n"
    "                                                        sweep (DIR/sensitivity.h5)\n\n"
    "Exit codes: 0 every point complete, 1 some point failed, is missing or the run was interrupted\n"
    "(results so far are kept; run the same command again to resume), 2 bad usage or bad sweep file.\n";

sweep::Sweep load(const po::variables_map& vm) {
    if (!vm.count("sweep")) throw UsageError("needs a sweep file (talentsim sweep --help)");
    return sweep::load_sweep(vm["sweep"].as<std::string>());
}

fs::path out_dir(const po::variables_map& vm, const sweep::Sweep& s) {
    return vm.count("out") ? fs::path(vm["out"].as<std::string>()) : fs::path("results") / "sweeps" / s.name;
}

int report_merge(const sweep::MergeSummary& m, std::ostream& out) {
    out << m.file.string() << ": " << m.points << " points, " << m.complete << " complete, " << m.failed.size()
        << " failed, " << m.missing.size() << " missing\n";
    std::size_t shown = 0;
    for (const auto& [i, why] : m.errors) {
        if (++shown > 20) {
            out << "  ... and " << m.errors.size() - 20 << " more (see /points/status and /points/error)\n";
            break;
        }
        out << "  point " << i << ": " << why << "\n";
    }
    return m.errors.empty() ? 0 : 1;
}

int report_run(const sweep::Sweep& s, const fs::path& dir, const sweep::RunSummary& r, const char* command) {
    std::cout << "sweep " << s.name << ": " << r.points << " point(s); " << r.skipped << " already complete, " << r.ran
              << " run now, " << r.failed << " failed\n";
    std::size_t shown = 0;
    for (const auto& [i, err] : r.failures) {
        if (++shown > 20) {
            std::cout << "  ... and " << r.failures.size() - 20 << " more\n";
            break;
        }
        std::cout << "  point " << i << " failed: " << err << "\n";
    }
    if (r.interrupted) {
        std::cerr << "talentsim sweep " << command << ": interrupted; finished points are kept in "
                  << (dir / "points").string() << "; run the same command again to resume\n";
        return 1;
    }
    return r.failed ? 1 : 0;
}

int sweep_plan(const std::vector<std::string>& args) {
    const std::string usage = "talentsim sweep plan SWEEP.toml";
    po::options_description opts(usage, kHelpColumns);
    opts.add_options()("help,h", "show this help")("sweep", po::value<std::string>(), "sweep file");
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "sweep")) return 0;
    const sweep::Sweep s = load(vm);
    sweep::print_plan(s, std::cout);
    // Timeline events and target windows outside the run measure nothing: said before anything runs.
    const Scenario base = load_scenario(s.scenario, s.fixed);
    std::vector<std::string> warnings = base.warnings;
    for (const auto& t : s.targets)
        for (const auto& w : targets_outside_run(t, base.start_year * 100 + base.start_month,
                                                 static_cast<std::int32_t>(base.info.steps)))
            warnings.push_back(t.string() + ": " + w);
    for (const auto& w : warnings) std::cerr << "talentsim sweep plan: warning: " << w << "\n";
    return 0;
}

void add_run_options(po::options_description& opts, bool local) {
    opts.add_options()("help,h", "show this help")("sweep", po::value<std::string>(), "sweep file")(
        "out,o", po::value<std::string>(), "output directory (default results/sweeps/<name>)")(
        "jobs,j", po::value<int>()->default_value(local ? 0 : 1),
        local ? "runs at a time (0 = one per core)" : "runs at a time")(
        "threads", po::value<int>()->default_value(0),
        "threads per run (0 = cores / jobs); results do not depend on it")(
        "keep-runs", "keep each run's result file in DIR/runs/pPPPPPP_rRRR.h5")(
        "checkpoint-every", po::value<std::int32_t>()->default_value(0),
        "checkpoint each run every N steps in DIR/checkpoints; a run cut short resumes from it when run again (0 = "
        "no)")("quiet,q", "no progress output");
}

sweep::ExecOptions exec_options(const po::variables_map& vm, int jobs) {
    sweep::ExecOptions o;
    o.jobs = jobs;
    o.threads = int_option(vm, "threads", 0, 1024);
    o.keep_runs = vm.count("keep-runs") > 0;
    o.checkpoint_every = vm["checkpoint-every"].as<std::int32_t>();
    if (o.checkpoint_every < 0) throw UsageError("--checkpoint-every must be 0 or more");
    o.progress = !vm.count("quiet");
    o.stop = &install_stop_handlers();
    return o;
}

int sweep_run(const std::vector<std::string>& args) {
    const std::string usage = "talentsim sweep run SWEEP.toml --out DIR [options]";
    po::options_description opts(usage, kHelpColumns);
    add_run_options(opts, true);
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "sweep")) return 0;
    const sweep::Sweep s = load(vm);
    const fs::path dir = out_dir(vm, s);
    const int jobs = jobs_or_cores(int_option(vm, "jobs", 0, 4096));
    const sweep::ExecOptions o = exec_options(vm, jobs);
    sweep::prepare_output(s, dir);
    std::vector<std::size_t> all(s.points.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    if (o.progress)
        std::cerr << "sweep " << s.name << ": " << s.points.size() << " points x " << s.replicates
                  << " replicates into " << dir.string() << ", " << jobs << " run(s) at a time\n";
    const sweep::RunSummary r = sweep::run_points(s, dir, all, o);
    const int rc = report_run(s, dir, r, "run");
    if (r.interrupted) return rc;
    const int merged = report_merge(sweep::merge(dir), std::cout);
    return std::max(rc, merged);
}

int sweep_point(const std::vector<std::string>& args) {
    const std::string usage = "talentsim sweep point SWEEP.toml --out DIR --index I [options]";
    po::options_description opts(usage, kHelpColumns);
    add_run_options(opts, false);
    opts.add_options()("index", po::value<std::int64_t>(), "array task index (SLURM_ARRAY_TASK_ID)")(
        "chunk", po::value<std::int64_t>()->default_value(1), "points per task: task I runs points I*K .. I*K+K-1");
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "sweep")) return 0;
    const sweep::Sweep s = load(vm);
    if (!vm.count("index")) throw UsageError("needs --index");
    const std::int64_t index = vm["index"].as<std::int64_t>(), chunk = vm["chunk"].as<std::int64_t>();
    const auto n = static_cast<std::int64_t>(s.points.size());
    if (chunk < 1) throw UsageError("--chunk must be at least 1");
    if (index < 0 || index * chunk >= n)
        throw UsageError("--index " + std::to_string(index) + " is out of range: " + std::to_string(n) +
                         " points in chunks of " + std::to_string(chunk) + " make tasks 0.." +
                         std::to_string((n + chunk - 1) / chunk - 1));
    const fs::path dir = out_dir(vm, s);
    const sweep::ExecOptions o = exec_options(vm, int_option(vm, "jobs", 1, 4096));
    sweep::prepare_output(s, dir);
    std::vector<std::size_t> mine;
    for (std::int64_t i = index * chunk; i < std::min(n, (index + 1) * chunk); ++i)
        mine.push_back(static_cast<std::size_t>(i));
    return report_run(s, dir, sweep::run_points(s, dir, mine, o), "point");
}

po::options_description slurm_options() {
    po::options_description opts("talentsim sweep slurm SWEEP.toml --out DIR [options]", kHelpColumns);
    opts.add_options()("help,h", "show this help")("sweep", po::value<std::string>(), "sweep file")(
        "out,o", po::value<std::string>(),
        "output directory on a file system the compute nodes share (default results/sweeps/<name>)")(
        "array-limit", po::value<std::int64_t>()->default_value(1000),
        "most array tasks (the cluster's MaxArraySize - 1)")(
        "chunk", po::value<std::int64_t>()->default_value(0),
        "points per array task (0 = as few as --array-limit allows)")(
        "throttle", po::value<std::int64_t>()->default_value(0),
        "most tasks running at once (--array=...%R; 0 = no limit)")(
        "time", po::value<std::string>()->default_value("01:00:00"), "time limit per task, [D-]HH:MM:SS")(
        "partition", po::value<std::string>()->default_value(""), "partition (queue)")(
        "account", po::value<std::string>()->default_value(""), "account to charge")(
        "mem", po::value<std::string>()->default_value(""), "memory per task, e.g. 4G")(
        "cpus-per-task", po::value<int>()->default_value(1), "CPUs per task (threads per run)")(
        "checkpoint-every", po::value<std::int32_t>()->default_value(0),
        "each task checkpoints its runs every N steps; a task resubmitted after its time limit resumes them (0 = no)")(
        "setup", po::value<std::vector<std::string>>()->composing(),
        "shell line run before talentsim, e.g. --setup 'module load hdf5 tbb'")(
        "binary", po::value<std::string>(), "talentsim on the compute nodes (default: this executable)")(
        "only-missing", "(re)submit DIR/sweep.sbatch for only the array tasks whose points lack complete results")(
        "submit", "call sbatch and print the job id")("sbatch", po::value<std::string>()->default_value("sbatch"),
                                                      "the sbatch program");
    return opts;
}

sweep::SlurmOptions slurm_settings(const po::variables_map& vm) {
    sweep::SlurmOptions o;
    o.array_limit = vm["array-limit"].as<std::int64_t>();
    o.chunk = vm["chunk"].as<std::int64_t>();
    o.throttle = vm["throttle"].as<std::int64_t>();
    o.checkpoint_every = vm["checkpoint-every"].as<std::int32_t>();
    if (o.checkpoint_every < 0) throw UsageError("--checkpoint-every must be 0 or more");
    if (o.array_limit < 1) throw UsageError("--array-limit must be at least 1");
    if (o.chunk < 0 || o.throttle < 0) throw UsageError("--chunk and --throttle must not be negative");
    read_sbatch_settings(vm, o);
    return o;
}

// --only-missing: the array tasks whose points lack complete results, as sbatch's --array takes
// them ("3,17%R"); empty when every point is complete.
std::string missing_tasks(const sweep::Sweep& s, const fs::path& dir, const sweep::SlurmScript& script,
                          std::int64_t throttle) {
    const auto tasks = sweep::incomplete_tasks(s, dir, script.chunk);
    std::string array;
    if (tasks.empty()) return array;
    for (auto t : tasks) {  // appended piecewise: GCC 12 warns (-Wrestrict) on "," + std::string&&
        if (!array.empty()) array += ',';
        array += std::to_string(t);
    }
    if (throttle > 0) {
        array += '%';
        array += std::to_string(throttle);
    }
    std::cout << tasks.size() << " task(s) lack complete results: " << array << "\n";
    return array;
}

// Runs sbatch (`cmd`) and prints the job id.
int submit(const std::string& cmd, const std::string& sbatch, const fs::path& dir) {
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) throw std::runtime_error("cannot start " + sbatch);
    std::string output;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) output += buf;
    const int status = ::pclose(p);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
    if (status != 0 || output.empty()) {
        std::cerr << "talentsim sweep slurm: " << cmd << " failed"
                  << (WIFEXITED(status) ? " (exit " + std::to_string(WEXITSTATUS(status)) + ")" : "") << ":\n"
                  << output << "\n";
        return 1;
    }
    const std::string line = output.substr(output.find_last_of('\n') + 1);
    const std::string job = line.substr(0, line.find(';'));
    std::cout << "submitted job " << job << "\n";
    std::cout << "when it has finished: talentsim sweep merge " << dir.string() << "\n";
    return 0;
}

int sweep_slurm(const std::vector<std::string>& args) {
    const po::options_description opts = slurm_options();
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "sweep")) return 0;
    const sweep::Sweep s = load(vm);
    const fs::path dir = out_dir(vm, s);
    const sweep::SlurmOptions o = slurm_settings(vm);

    sweep::prepare_output(s, dir);
    const bool only_missing = vm.count("only-missing") > 0;
    sweep::SlurmScript script;
    if (only_missing) {  // the script already written, with its chunks, time and partition
        script = sweep::read_slurm_script(s, dir);
        std::cout << script.path.string() << ": " << script.tasks << " array task(s) of " << script.chunk
                  << " point(s)\n";
    } else {
        script = sweep::write_slurm_script(s, dir, o);
        std::cout << script.path.string() << ": " << script.tasks << " array task(s) of " << script.chunk
                  << " point(s); " << s.points.size() << " points, " << s.runs() << " runs\n";
    }
    std::string array;
    if (only_missing) {
        array = missing_tasks(s, dir, script, o.throttle);
        if (array.empty()) {
            std::cout << "every point has complete results; nothing to submit\n";
            return 0;
        }
    }
    std::string cmd = vm["sbatch"].as<std::string>() + " --parsable";
    if (!array.empty()) cmd += " --array=" + array;
    cmd += " '" + script.path.string() + "'";
    if (!vm.count("submit")) {
        std::cout << "submit with: " << cmd << "\nthen, when it has finished: talentsim sweep merge " << dir.string()
                  << "\n";
        return 0;
    }
    return submit(cmd, vm["sbatch"].as<std::string>(), dir);
}

int sweep_merge(const std::vector<std::string>& args) {
    const std::string usage = "talentsim sweep merge DIR";
    po::options_description opts(usage, kHelpColumns);
    opts.add_options()("help,h", "show this help")("dir", po::value<std::string>(), "output directory of the sweep");
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "dir")) return 0;
    if (!vm.count("dir")) throw UsageError("merge needs the sweep's output directory");
    const fs::path dir = vm["dir"].as<std::string>();
    if (!fs::is_directory(dir)) throw UsageError(dir.string() + ": no such directory");
    if (!fs::exists(dir / "manifest.toml"))
        throw UsageError(dir.string() + ": not the output directory of a sweep (no manifest.toml)");
    return report_merge(sweep::merge(dir), std::cout);
}

// `sweep analyze DIR [--metric NAME ...] [--resamples B]` (docs/calibrate.md, "Sensitivity analysis").
int sweep_analyze(const std::vector<std::string>& args) {
    const std::string usage = "talentsim sweep analyze DIR [--metric NAME ...]";
    po::options_description opts(usage, kHelpColumns);
    opts.add_options()("help,h", "show this help")("dir", po::value<std::string>(), "output directory of the sweep")(
        "metric", po::value<std::vector<std::string>>()->composing(), "metric (or pattern); default every metric")(
        "resamples", po::value<int>()->default_value(1000), "bootstrap resamples for the intervals");
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "dir")) return 0;
    if (!vm.count("dir")) throw UsageError("analyze needs the sweep's output directory");
    const fs::path dir = vm["dir"].as<std::string>();
    if (!fs::exists(dir / "manifest.toml"))
        throw UsageError(dir.string() + ": not the output directory of a sweep (no manifest.toml)");
    const int resamples = vm["resamples"].as<int>();
    if (resamples < 0 || resamples > 1000000) throw UsageError("--resamples must be between 0 and 1000000");
    std::vector<std::string> metrics;
    if (vm.count("metric")) metrics = vm["metric"].as<std::vector<std::string>>();
    sweep::SensitivityReport r;
    try {
        r = sweep::analyze_sweep(dir, metrics, static_cast<std::size_t>(resamples));
    } catch (const ScenarioInvalid&) {
        throw;
    } catch (const std::exception& e) {
        throw UsageError(e.what());
    }
    sweep::print_sensitivity(r, std::cout);
    return 0;
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args) {
    const std::string sub = args.empty() ? "" : args.front();
    const std::vector<std::string> rest(args.empty() ? args.begin() : args.begin() + 1, args.end());
    if (sub == "--help" || sub == "-h" || sub == "help") {
        std::cout << kSweepUsage;
        return 0;
    }
    const std::pair<const char*, int (*)(const std::vector<std::string>&)> subcommands[] = {
        {"plan", sweep_plan},   {"run", sweep_run},     {"point", sweep_point},
        {"slurm", sweep_slurm}, {"merge", sweep_merge}, {"analyze", sweep_analyze},
    };
    for (const auto& [name, fn] : subcommands)
        if (sub == name) return fn(rest);
    throw UsageError((sub.empty() ? std::string("needs a subcommand") : "unknown subcommand '" + sub + "'") +
                     " (plan, run, point, slurm, merge, analyze; see talentsim sweep --help)");
}

}  // namespace talentsim
