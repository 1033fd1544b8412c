// talentsim resume CHECKPOINT: continues a run saved by `talentsim run --checkpoint-every N`.
#include <boost/program_options.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "run/run.hpp"

namespace po = boost::program_options;

namespace talentsim {

int cmd_resume(const std::vector<std::string>& args) {
    const std::string usage = "talentsim resume CHECKPOINT [options]";
    po::options_description opts(usage, kHelpColumns);
    opts.add_options()("help,h", "show this help")("checkpoint", po::value<std::string>(),
                                                   "checkpoint file written by talentsim run --checkpoint-every N")(
        "out,o", po::value<std::string>(), "result file (default: the one the run was started with)")(
        "checkpoint-every", po::value<std::int32_t>(), "steps between checkpoints (default: as the run was started)")(
        "threads", po::value<int>()->default_value(0), "worker threads (0 = all cores); results do not depend on it")(
        "force", "replace an existing result file")("quiet,q", "no progress line and no summary");
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "checkpoint")) return 0;
    if (!vm.count("checkpoint")) throw UsageError("resume needs a checkpoint file");
    const int threads = int_option(vm, "threads", 0, 1024);
    RunOptions options;
    if (vm.count("out")) {
        options.out = vm["out"].as<std::string>();
        if (options.out.empty()) throw UsageError("--out is empty; give a result file name");
    }
    options.replace_existing = vm.count("force") > 0;
    if (vm.count("checkpoint-every")) {
        options.checkpoint_every = vm["checkpoint-every"].as<std::int32_t>();
        if (options.checkpoint_every < 1) throw UsageError("--checkpoint-every must be at least 1");
    }
    const std::filesystem::path checkpoint = vm["checkpoint"].as<std::string>();
    return run_on_console("resume", threads, vm.count("quiet") > 0, options,
                          [&](const RunOptions& o) { return resume_simulation(checkpoint, o); });
}

}  // namespace talentsim
