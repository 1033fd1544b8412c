// The run loop with checkpoints, resume and clean stops (docs/reliability.md).
#include "run/run.hpp"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>
#include <thread>

#include "engine/population.hpp"
#include "io/writer.hpp"

namespace talentsim {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------------
// Memory available to this process: MemAvailable, lowered by a cgroup limit (v2 memory.max or
// v1 memory.limit_in_bytes, on the process's cgroup or any ancestor) minus that cgroup's usage.

std::uint64_t read_number(const fs::path& p) {
    std::ifstream in(p);
    std::string s;
    if (!(in >> s) || s == "max") return std::numeric_limits<std::uint64_t>::max();
    try {
        return std::stoull(s);
    } catch (const std::exception&) {
        return std::numeric_limits<std::uint64_t>::max();
    }
}

std::uint64_t meminfo_available() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t kb = 0;
    while (in >> key >> kb) {
        if (key == "MemAvailable:") return kb * 1024;
        in.ignore(256, '\n');
    }
    return std::numeric_limits<std::uint64_t>::max();
}

std::uint64_t cgroup_available() {
    std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line)) {  // "0::/path" (v2) or "4:memory:/path" (v1)
        const auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        const std::string controllers = line.substr(a + 1, b - a - 1);
        fs::path root, limit_file, usage_file;
        if (controllers.empty()) {
            root = "/sys/fs/cgroup";
            limit_file = "memory.max";
            usage_file = "memory.current";
        } else if (controllers == "memory") {
            root = "/sys/fs/cgroup/memory";
            limit_file = "memory.limit_in_bytes";
            usage_file = "memory.usage_in_bytes";
        } else
            continue;
        for (fs::path dir = root / fs::path(line.substr(b + 1)).relative_path();; dir = dir.parent_path()) {
            const std::uint64_t limit = read_number(dir / limit_file);
            if (limit < (1ull << 60)) {
                const std::uint64_t used = read_number(dir / usage_file);
                best = std::min(best, used < limit ? limit - used : 0);
            }
            if (dir == root || !dir.has_relative_path() || dir.parent_path() == dir) break;
        }
    }
    return best;
}

// Address space left under `ulimit -v` (RLIMIT_AS): the limit minus this process's VmSize.
std::uint64_t address_space_available() {
    struct rlimit lim {};
    if (::getrlimit(RLIMIT_AS, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY)
        return std::numeric_limits<std::uint64_t>::max();
    std::ifstream in("/proc/self/status");
    std::string key;
    std::uint64_t used_kb = 0;
    while (in >> key) {
        if (key == "VmSize:") {
            in >> used_kb;
            break;
        }
        in.ignore(4096, '\n');
    }
    const std::uint64_t used = used_kb * 1024;
    return lim.rlim_cur > used ? lim.rlim_cur - used : 0;
}

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

// ---------------------------------------------------------------------------------------------

fs::path journal_of(const fs::path& checkpoint) { return checkpoint.string() + ".journal"; }

fs::path checkpoint_of(const RunOptions& o) { return o.checkpoint.empty() ? default_checkpoint(o.out) : o.checkpoint; }

// First line where two resolved scenarios differ, for the refusal message.
std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream sa(a), sb(b);
    std::string la, lb, section;
    while (true) {
        const bool ga = static_cast<bool>(std::getline(sa, la)), gb = static_cast<bool>(std::getline(sb, lb));
        if (!ga && !gb) return "";
        if (!ga || !gb || la != lb)
            return (section.empty() ? "" : section + " ") + "'" + la + "' here, '" + lb + "' in the checkpoint";
        if (!la.empty() && la.front() == '[') section = la;
    }
}

void remove_quietly(const fs::path& p) {
    std::error_code ec;
    fs::remove(p, ec);
}

// Memory ran out in the middle of a step: the rows written so far are kept in the .partial file,
// marked incomplete (complete = 0), and the run ends with a clear message (exit 1).
[[noreturn]] void throw_out_of_memory(const Simulation& sim, Writer& out) {
    std::string kept = "no results were kept";
    try {
        out.finish(false);
        kept = "the steps before it are in " + out.final_path().string() + " (complete = 0)";
    } catch (const std::exception&) {}
    throw ResourceError("ran out of memory in step " + std::to_string(sim.next_step() + 1) + " of " +
                        std::to_string(sim.steps()) + " (estimated need " +
                        mib(estimated_memory_bytes(sim.scenario(), sim.steps())) + "); " + kept);
}

// Steps `sim` to the end or until a stop, checkpointing on the way.
RunResult drive(Simulation& sim, Writer& out, JournalWriter* journal, CheckpointHeader header,
                const fs::path& checkpoint, const RunOptions& o, RunResult r) {
    r.scenario_name = sim.scenario().info.name;
    r.seed = sim.world().seed;
    r.steps = sim.steps();
    r.resumed_at = sim.next_step();
    auto save = [&] {
        std::tie(header.journal_bytes, header.journal_hash) =
            journal->sync();  // rows first, then the state that needs them
        header.next_step = sim.next_step();
        save_checkpoint(checkpoint, header, sim);
        r.checkpoint = checkpoint;
    };
    while (!sim.done()) {
        try {
            r.rows.push_back(sim.step(out));
            if (o.on_step) o.on_step(sim, r.rows.back());
        } catch (const std::bad_alloc&) {
            throw_out_of_memory(sim, out);
        }
        if (sim.done()) break;
        const bool stopping = o.stop && o.stop->load();
        if (journal && (stopping || sim.next_step() % header.every == 0)) save();
        if (stopping) {
            out.finish(false);
            r.file = out.final_path();
            return r;
        }
    }
    out.finish(true);
    r.complete = true;
    r.file = out.final_path();
    if (journal) {  // the result file is complete: the checkpoint has done its work
        remove_quietly(checkpoint);
        remove_quietly(journal->path());
        r.checkpoint.clear();
    }
    return r;
}

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int sig) {
    if (g_stop.exchange(true)) {  // second signal: stop now
        std::signal(sig, SIG_DFL);
        std::raise(sig);
        return;
    }
    static const char note[] = "\ntalentsim: stopping after the current step (send the signal again to stop at once)\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, note, sizeof note - 1);
}

std::string fmt_duration(double s) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(1) << s << "s";
    return o.str();
}

}  // namespace

fs::path default_checkpoint(const fs::path& out) { return out.string() + ".ckpt"; }

void check_resources(const Scenario& s, std::int32_t steps) {
    const Capacity cap = capacity_of(s, steps);
    if (cap.candidates >= kNone || cap.employers >= kNone)
        throw ResourceError("this run needs " + std::to_string(cap.candidates) + " candidate and " +
                            std::to_string(cap.employers) + " employer slots; at most " + std::to_string(kNone - 1) +
                            " of each fit in 32-bit ids; reduce population.candidates, population.graduates_per_year, "
                            "population.abroad_inflow_per_month or steps");
    const std::uint64_t need = estimated_memory_bytes(s, steps);
    const std::uint64_t have = std::min({meminfo_available(), cgroup_available(), address_space_available()});
    if (need > have)
        throw ResourceError("this run needs about " + mib(need) + " of memory but only " + mib(have) +
                            " are available; reduce population.candidates, population.graduates_per_year, "
                            "population.abroad_inflow_per_month or steps");
}

namespace {

Hdf5Options hdf5_options(const RunOptions& o) { return {.compress = !o.scratch, .sync = !o.scratch}; }

// A checkpoint at the default place of a run without checkpoints: it was left by an earlier run
// and is not used; say what it is so that nobody resumes it over this result unawares.
std::string describe_stale_checkpoint(const fs::path& out) {
    const fs::path stale = default_checkpoint(out);
    std::error_code ec;
    if (!fs::is_regular_file(stale, ec)) return "";
    std::string what = stale.string() + " was left by an earlier run";
    try {
        const CheckpointHeader h = read_checkpoint_header(stale);
        what += " (seed " + std::to_string(h.seed) + ", step " + std::to_string(h.next_step) + " of " +
                std::to_string(h.steps) + ")";
    } catch (const std::exception&) {
        what += " (not readable by this program)";
    }
    return what + " and was not used; delete it, or resume it elsewhere with talentsim resume " + stale.string() +
           " --out OTHER.h5";
}

// Continues `checkpoint` (header `h`) into `out`; the caller holds the locks.
RunResult continue_checkpoint(const fs::path& checkpoint, CheckpointHeader h, const fs::path& out,
                              const RunOptions& o) {
    verify_checkpoint(checkpoint);  // a flipped byte in the saved scenario is damage, not a bad scenario
    Scenario scenario;
    try {
        scenario = parse_scenario(h.scenario_toml, checkpoint.string() + " (saved scenario)");
    } catch (const ScenarioInvalid& e) {
        throw CheckpointError(checkpoint.string() + ": the saved scenario is not valid for this program:\n" + e.what());
    }
    if (to_toml(scenario) != h.scenario_toml)
        throw CheckpointError(checkpoint.string() + ": the saved scenario does not read back the same in this program");
    check_resources(scenario, h.steps);
    std::unique_ptr<Simulation> sim = load_checkpoint(checkpoint, scenario, &h);
    auto hdf5 = make_background_writer(make_hdf5_writer(out, hdf5_options(o)));
    RunResult r;
    auto journal = JournalWriter::replay(journal_of(checkpoint), h.journal_bytes, h.journal_hash, *hdf5, r.rows);
    if (r.rows.size() != static_cast<std::size_t>(h.next_step))
        throw CheckpointError(journal->path().string() + ": holds " + std::to_string(r.rows.size()) +
                              " steps, the checkpoint " + std::to_string(h.next_step));
    if (o.checkpoint_every > 0) h.every = o.checkpoint_every;
    if (h.every <= 0) h.every = std::numeric_limits<std::int32_t>::max();
    h.out = fs::absolute(out).string();
    return drive(*sim, *journal, journal.get(), h, checkpoint, o, std::move(r));
}

}  // namespace

namespace {

RunResult run_without_file(const Scenario& scenario, std::uint64_t seed, std::int32_t steps, const RunOptions& o) {
    if (o.checkpoint_every > 0) throw std::invalid_argument("a run with checkpoints needs a result file");
    check_resources(scenario, steps);
    Simulation sim(scenario, seed, steps);
    NoOutput out;
    sim.begin(out, o.threads);
    return drive(sim, out, nullptr, CheckpointHeader{}, fs::path(), o, RunResult{});
}

}  // namespace

RunResult run_simulation(const Scenario& scenario, std::uint64_t seed, std::int32_t steps, const RunOptions& o) {
    if (o.checkpoint_every < 0) throw std::invalid_argument("checkpoint interval must not be negative");
    if (!o.write_file) return run_without_file(scenario, seed, steps, o);
    const fs::path checkpoint = checkpoint_of(o);
    const OutputPaths paths = output_paths(o.out, o.checkpoint_every > 0 ? checkpoint : fs::path());
    check_output_paths(paths, o.inputs);
    const OutputLocks locks = lock_outputs(paths);  // held until the run returns
    if (o.checkpoint_every > 0 && fs::exists(checkpoint)) {
        const CheckpointHeader h = read_checkpoint_header(checkpoint);
        const std::string toml = to_toml(scenario);
        std::string why;
        if (h.seed != seed)
            why = "seed " + std::to_string(seed) + " here, " + std::to_string(h.seed) + " in the checkpoint";
        else if (h.steps != steps)
            why = std::to_string(steps) + " steps here, " + std::to_string(h.steps) + " in the checkpoint";
        else if (h.scenario_toml != toml)
            why = "another scenario: " + first_difference(toml, h.scenario_toml);
        if (!why.empty())
            throw CheckpointError(checkpoint.string() + ": checkpoint of another run (" + why +
                                  "); delete it to start this run from step 0, or give another --checkpoint");
        refuse_existing_result(paths, o.replace_existing);
        return continue_checkpoint(checkpoint, h, o.out, o);
    }
    refuse_existing_result(paths, o.replace_existing);
    check_resources(scenario, steps);
    Simulation sim(scenario, seed, steps);
    auto hdf5 = make_background_writer(make_hdf5_writer(o.out, hdf5_options(o)));  // writing overlaps the next steps
    std::unique_ptr<JournalWriter> journal;
    CheckpointHeader header;
    if (o.checkpoint_every > 0) {
        journal = std::make_unique<JournalWriter>(journal_of(checkpoint), *hdf5);  // (its directory: lock_outputs)
        header.program = program_identity();
        header.scenario_toml = to_toml(scenario);
        header.seed = seed;
        header.steps = steps;
        header.every = o.checkpoint_every;
        header.out = fs::absolute(o.out).string();
    }
    Writer& out = journal ? static_cast<Writer&>(*journal) : *hdf5;
    sim.begin(out, o.threads);
    RunResult r;
    if (!journal) r.stale_checkpoint = describe_stale_checkpoint(o.out);
    try {
        return drive(sim, out, journal.get(), header, checkpoint, o, std::move(r));
    } catch (...) {  // failed before its first checkpoint: the journal can never be resumed
        if (journal && !fs::exists(checkpoint)) remove_quietly(journal->path());
        throw;
    }
}

RunResult resume_simulation(const fs::path& checkpoint, const RunOptions& o) {
    const fs::path out = o.out.empty() ? fs::path(read_checkpoint_header(checkpoint).out) : o.out;
    const OutputPaths paths = output_paths(out, checkpoint);
    check_output_paths(paths, o.inputs);
    const OutputLocks locks = lock_outputs(paths);                  // a second resume of this checkpoint stops here
    const CheckpointHeader h = read_checkpoint_header(checkpoint);  // again: it may have changed before the lock
    refuse_existing_result(paths, o.replace_existing);
    return continue_checkpoint(checkpoint, h, out, o);
}

const std::atomic<bool>& install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGXFSZ, SIG_IGN);
    return g_stop;
}

namespace {

// Columns of the terminal on stderr (80 when unknown).
std::size_t terminal_columns() {
    struct winsize w {};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
    return 80;
}

// One updating line: cut to the terminal's width (a line that wraps makes "\r" start a new line
// at every update), the rest of the line cleared.
void print_progress(const Simulation& sim, const StepRow& r, double elapsed, std::int32_t first_step) {
    const double done = sim.next_step() - first_step;
    const double eta = done > 0 ? elapsed / done * (sim.steps() - sim.next_step()) : 0;
    char line[256];
    std::snprintf(line, sizeof line,
                  "step %d/%d %d-%02d  ETA %s  elapsed %s  employed %lld  vacancies %lld  hires %lld  moves %lld",
                  sim.next_step(), sim.steps(), r.date / 100, r.date % 100, fmt_duration(eta).c_str(),
                  fmt_duration(elapsed).c_str(), static_cast<long long>(r.employed),
                  static_cast<long long>(r.vacancies), static_cast<long long>(r.hires),
                  static_cast<long long>(r.job_to_job_moves));
    std::string text = line;
    const std::size_t width = terminal_columns();
    if (text.size() >= width) text.resize(width > 1 ? width - 1 : 0);
    std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
}

void print_run_summary(const RunResult& res, double seconds, std::ostream& out) {
    const auto& rows = res.rows;
    if (rows.empty()) return;
    StepTallies total;
    for (const auto& r : rows) total += r;
    const StepRow& last = rows.back();
    auto line = [&](const std::string& k, const std::string& v) {
        out << "  " << std::left << std::setw(30) << k << v << "\n";
    };
    auto num = [](double x, int prec = 0) {
        std::ostringstream o;
        o << std::fixed << std::setprecision(prec) << x;
        return o.str();
    };
    out << "talentsim run: " << res.scenario_name << ", seed " << res.seed << ", " << rows.size() << " steps";
    if (res.resumed_at > 0) out << " (resumed at step " << res.resumed_at << ")";
    out << " in " << fmt_duration(seconds) << "\n";
    line("final date",
         std::to_string(last.date / 100) + "-" + (last.date % 100 < 10 ? "0" : "") + std::to_string(last.date % 100));
    line("employed / unemployed", num(last.employed) + " / " + num(last.unemployed));
    line("students / abroad / inactive", num(last.students) + " / " + num(last.abroad) + " / " + num(last.inactive));
    line("sitting out a non-compete", num(last.sitting_out));
    line("mean wage (employed)", num(last.wage_mean) + " CNY/year");
    line("p10 / p50 / p90 wage", num(last.wage_p10) + " / " + num(last.wage_p50) + " / " + num(last.wage_p90));
    line("mean posted salary", num(last.posted_mean) + " CNY/year");
    line("hires (all steps)", num(total.hires));
    line("job-to-job moves", num(total.job_to_job_moves));
    line("counteroffers made / won", num(total.counteroffers_made) + " / " + num(total.counteroffers_won));
    line("non-compete blocks / buyouts", num(total.noncompete_blocked) + " / " + num(total.noncompete_buyouts));
    line("team moves", num(total.team_moves));
    line("relocations / returnees", num(total.relocations) + " / " + num(total.returnees));
    line("output", res.file.string());
}

}  // namespace

int run_on_console(const std::string& command, int threads, bool quiet, RunOptions options,
                   const std::function<RunResult(const RunOptions&)>& start) {
    const int workers = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(workers));
    options.threads = workers;
    options.stop = &install_stop_handlers();
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    const bool progress = !quiet && isatty(STDERR_FILENO);
    std::int32_t first_step = -1;
    if (progress)
        options.on_step = [&](const Simulation& sim, const StepRow& row) {
            if (first_step < 0) first_step = sim.next_step() - 1;
            print_progress(sim, row, elapsed(), first_step);
        };
    RunResult r;
    try {
        r = start(options);
    } catch (const CheckpointError& e) {
        if (progress) std::fputc('\n', stderr);
        std::cerr << "talentsim " << command << ": " << e.what() << "\n";
        return 2;
    } catch (const PathRefused& e) {
        if (progress) std::fputc('\n', stderr);
        std::cerr << "talentsim " << command << ": " << e.what() << "; nothing was written\n";
        return 2;
    }
    if (progress) std::fputc('\n', stderr);
    if (!r.complete) {
        std::cerr << "talentsim " << command << ": stopped after step " << r.rows.size() << " of " << r.steps
                  << "; incomplete results (complete = 0) in " << r.file.string() << "\n";
        if (!r.checkpoint.empty())
            std::cerr << "talentsim " << command << ": continue with: talentsim resume " << r.checkpoint.string()
                      << "\n";
        return 1;
    }
    if (!quiet) print_run_summary(r, elapsed(), std::cout);
    if (!r.stale_checkpoint.empty()) std::cerr << "talentsim " << command << ": note: " << r.stale_checkpoint << "\n";
    return 0;
}

}  // namespace talentsim
