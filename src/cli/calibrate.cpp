// `talentsim calibrate FILE.toml [--out DIR] [--jobs N] [--slurm [sbatch options]] [--submit]`:
// method-of-simulated-moments calibration, resumable. See docs/calibrate.md.
#include <boost/program_options.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "run/run.hpp"
#include "sweep/calibrate.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace talentsim {
namespace {

constexpr const char* kUsage = "talentsim calibrate FILE.toml [--out DIR] [options] (docs/calibrate.md)";

po::options_description calibrate_options() {
    po::options_description opts(kUsage, kHelpColumns);
    opts.add_options()("help,h", "show this help")("file", po::value<std::string>(), "calibration file")(
        "out,o", po::value<std::string>(), "output directory (default results/calibrations/<name>)")(
        "jobs,j", po::value<int>()->default_value(0), "runs at a time here (0 = one per core)")(
        "threads", po::value<int>()->default_value(0),
        "threads per run (0 = cores / jobs); results do not depend on it")(
        "slurm", "evaluate each batch as a Slurm array job (one task per point)")(
        "submit", "with --slurm: submit each batch with sbatch and wait for it")(
        "time", po::value<std::string>()->default_value("01:00:00"), "--slurm: time limit per task")(
        "partition", po::value<std::string>()->default_value(""), "--slurm: partition")(
        "account", po::value<std::string>()->default_value(""), "--slurm: account")(
        "mem", po::value<std::string>()->default_value(""), "--slurm: memory per task")(
        "cpus-per-task", po::value<int>()->default_value(1), "--slurm: CPUs per task")(
        "setup", po::value<std::vector<std::string>>()->composing(), "--slurm: shell line before the run")(
        "binary", po::value<std::string>(), "--slurm: talentsim on the compute nodes (default: this executable)")(
        "sbatch", po::value<std::string>()->default_value("sbatch"), "the sbatch program")(
        "squeue", po::value<std::string>()->default_value("squeue"), "the squeue program")("quiet,q",
                                                                                           "no progress lines");
    return opts;
}

sweep::SlurmBatchOptions slurm_options(const po::variables_map& vm) {
    sweep::SlurmBatchOptions s;
    s.enabled = vm.count("slurm") > 0;
    s.submit = vm.count("submit") > 0;
    if (s.submit && !s.enabled) throw UsageError("--submit goes with --slurm");
    s.sbatch = vm["sbatch"].as<std::string>();
    s.squeue = vm["squeue"].as<std::string>();
    read_sbatch_settings(vm, s.sweep);
    return s;
}

}  // namespace

int cmd_calibrate(const std::vector<std::string>& args) {
    const po::options_description opts = calibrate_options();
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "file")) return 0;
    if (!vm.count("file")) throw UsageError("needs a calibration file (talentsim calibrate --help)");
    const sweep::Calibration c = sweep::load_calibration(vm["file"].as<std::string>());
    const fs::path dir =
        vm.count("out") ? fs::path(vm["out"].as<std::string>()) : fs::path("results") / "calibrations" / c.name;
    sweep::CalibrateOptions o;
    int jobs = vm["jobs"].as<int>(), threads = vm["threads"].as<int>();
    if (jobs < 0 || jobs > 4096 || threads < 0 || threads > 1024) throw UsageError("--jobs or --threads out of range");
    o.exec.jobs = jobs_or_cores(jobs);
    o.exec.threads = threads;
    o.exec.stop = &install_stop_handlers();
    o.slurm = slurm_options(vm);
    if (!vm.count("quiet")) o.log = &std::cerr;
    try {
        const sweep::CalibrationResult r = sweep::calibrate(c, dir, o);
        sweep::print_result(c, r, std::cout);
        std::cout << "\n" << (dir / "calibration.h5").string() << "\n" << (dir / "calibrated.toml").string() << "\n";
        return 0;
    } catch (const sweep::CalibrationPending& e) {
        std::cerr << "talentsim calibrate: " << e.what() << "\n(the state is in " << dir.string()
                  << "; the same command continues where this one stopped)\n";
        return 1;
    }
}

}  // namespace talentsim
