// Running a simulation to its end, the way `talentsim run`, `talentsim resume` and sweeps do it:
// resources checked before anything is allocated, checkpoints every N steps, resume from a
// checkpoint, and a clean stop (checkpoint, file marked incomplete) on SIGINT / SIGTERM.
// Guarantees and tests: docs/reliability.md.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "run/checkpoint.hpp"
#include "run/output_paths.hpp"
#include "model/scenario.hpp"
#include "engine/simulation.hpp"

namespace talentsim {

struct RunOptions {
    std::filesystem::path out;                // result file FILE.h5 (FILE.h5.partial while running)
    int threads = 1;                          // recorded in the result file (results do not depend on it)
    std::int32_t checkpoint_every = 0;        // steps between checkpoints; 0 = none (resume: keep the saved interval)
    std::filesystem::path checkpoint;         // default FILE.h5.ckpt; its journal is CHECKPOINT.journal
    const std::atomic<bool>* stop = nullptr;  // once set: finish the step, checkpoint (if enabled), stop
    std::function<void(const Simulation&, const StepRow&)> on_step;  // after every step (progress)
    std::vector<std::filesystem::path> inputs;  // files the run reads (scenario): never written over
    bool replace_existing = true;  // false: an existing result file is refused (run/resume without --force)
    bool write_file = true;        // false: no result file at all (sweep runs whose metrics need none; no checkpoints)
    bool scratch = false;          // the result file is read once and deleted (sweep runs): uncompressed, not synced
};

struct RunResult {
    bool complete = false;             // false: stopped early; results are FILE.h5.partial with complete = 0
    std::filesystem::path file;        // the result file left behind
    std::filesystem::path checkpoint;  // checkpoint to resume from; empty once the run completed
    std::string scenario_name;
    std::uint64_t seed = 0;
    std::int32_t steps = 0;        // steps of the whole run
    std::int32_t resumed_at = 0;   // first step this process ran (0 = not resumed)
    std::vector<StepRow> rows;     // every step written so far, including those before a resume
    std::string stale_checkpoint;  // a run without checkpoints found FILE.h5.ckpt of an earlier run: what it is
};

// The run cannot be done on this machine (memory, 32-bit agent ids); nothing was allocated.
struct ResourceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Refuses (ResourceError) a run whose estimated memory exceeds what is available (MemAvailable,
// and the cgroup's memory.max when it is lower), or that needs more agents than 32-bit ids hold.
void check_resources(const Scenario& scenario, std::int32_t steps);

// Default checkpoint of a result file: FILE.h5.ckpt.
std::filesystem::path default_checkpoint(const std::filesystem::path& out);

// Before anything is opened for writing, both functions below check the files the run writes
// (run/output_paths.hpp: no aliases, no inputs, only regular files), lock the .partial file and
// the journal against a second writer, and refuse an existing result unless replace_existing
// (PathRefused, exit 2).
//
// Runs `scenario` to the end (or until options.stop). With checkpoint_every > 0 and an existing
// checkpoint at options.checkpoint, continues that checkpoint instead when it belongs to the same
// run (program version, scenario, seed, steps), and throws CheckpointError when it does not.
// This is what a sweep calls for each point: re-running a pre-empted point resumes it.
RunResult run_simulation(const Scenario& scenario, std::uint64_t seed, std::int32_t steps, const RunOptions& options);

// Continues the run saved in `checkpoint`. options.out empty: the result file the run was
// started with. options.checkpoint is ignored (the same checkpoint file is updated).
RunResult resume_simulation(const std::filesystem::path& checkpoint, const RunOptions& options);

// SIGINT and SIGTERM set the returned flag (a second one ends the process at once); SIGXFSZ is
// ignored, so exceeding a file-size limit is reported as a write error instead of killing the run.
const std::atomic<bool>& install_stop_handlers();

// The command-line side shared by `talentsim run` and `talentsim resume`: thread limit (0 = all
// cores), stop handlers, progress line (on a terminal, unless quiet), summary. `start` runs or
// resumes with the options it is given. Returns the exit code: 0 complete, 1 stopped early,
// 2 checkpoint or output path refused (CheckpointError, PathRefused: printed here). Other errors propagate.
int run_on_console(const std::string& command, int threads, bool quiet, RunOptions options,
                   const std::function<RunResult(const RunOptions&)>& start);

}  // namespace talentsim
