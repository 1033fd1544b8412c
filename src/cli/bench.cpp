// `talentsim bench`: throughput, time per phase, memory and output cost of one run, measured in
// one process (scripts/bench.sh runs it over sizes and thread counts; docs/benchmarks.md).
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <tbb/global_control.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>
#include <tuple>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "run/output_paths.hpp"
#include "run/run.hpp"
#include "engine/rng.hpp"
#include "engine/simulation.hpp"
#include "version.hpp"
#include "io/writer.hpp"

namespace po = boost::program_options;

namespace talentsim {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Times every call into the real writer.
class TimedWriter : public Writer {
public:
    explicit TimedWriter(std::unique_ptr<Writer> inner) : inner_(std::move(inner)) {}
    double seconds = 0;
    void begin(const RunMetadata& m, std::span<const CandidateRow> c, std::span<const EmployerRow> e) override {
        const auto t = Clock::now();
        inner_->begin(m, c, e);
        seconds += since(t);
    }
    void write_step(const StepRow& r, std::span<const PostingRow> p, std::span<const OfferRow> o,
                    std::span<const MoveRow> m, const PanelSnapshot* panel) override {
        const auto t = Clock::now();
        inner_->write_step(r, p, o, m, panel);
        seconds += since(t);
    }
    void finish(bool complete) override {
        const auto t = Clock::now();
        inner_->finish(complete);
        seconds += since(t);
    }
    std::filesystem::path final_path() const override { return inner_->final_path(); }
    bool reads_tables() const override { return inner_->reads_tables(); }

private:
    std::unique_ptr<Writer> inner_;
};

// Bytes of agent state per candidate slot: what one step must at least stream through.
std::size_t candidate_state_bytes(const Candidates& c) {
    std::size_t bytes = 0;
#define TALENTSIM_BYTES(type, name, empty) bytes += c.name.capacity() * sizeof(type);
    TALENTSIM_CANDIDATE_COLUMNS(TALENTSIM_BYTES)
#undef TALENTSIM_BYTES
    return bytes;
}

// Seconds for one parallel copy of `bytes` (best of 5): the STREAM "copy" kernel.
double stream_copy_seconds(std::size_t bytes) {
    std::vector<char> a(bytes, 1), b(bytes, 0);
    double best = 1e30;
    const std::size_t chunk = 1 << 20;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t = Clock::now();
        tbb::parallel_for(std::size_t{0}, (bytes + chunk - 1) / chunk, [&](std::size_t k) {
            const std::size_t from = k * chunk, n = std::min(chunk, bytes - from);
            std::memcpy(b.data() + from, a.data() + from, n);
        });
        best = std::min(best, since(t));
    }
    if (b[bytes / 2] != 1) throw std::runtime_error("stream copy check failed");
    return best;
}

// Seconds (best of 5) to compute one Philox block for each of `agents` streams: tiled and
// vectorised as the fused pass does (first_blocks of two families' tiles at once: agents / 2
// agents, two blocks each), and one stream at a time (scalar).
std::pair<double, double> philox_seconds(std::size_t agents) {
    double tiled = 1e30, scalar = 1e30;
    std::atomic<std::uint32_t> sink{0};
    const std::size_t tiles = (agents + 2 * kTile - 1) / (2 * kTile);  // of two families
    for (int rep = 0; rep < 5; ++rep) {
        auto t = Clock::now();
        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, tiles, 256), [&](const tbb::blocked_range<std::size_t>& r) {
                std::array<FirstBlocks, 2> b;
                std::uint32_t x = 0;
                for (std::size_t k = r.begin(); k != r.end(); ++k) {
                    first_blocks(1, rep, {StreamFamily::separations, StreamFamily::search},
                                 static_cast<std::uint32_t>(k * kTile), 0, b);
                    x ^= b[0].word[0][0] ^ b[1].word[0][0];
                }
                sink ^= x;
            });
        tiled = std::min(tiled, since(t));
        t = Clock::now();
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, agents, 4096),
                          [&](const tbb::blocked_range<std::size_t>& r) {
                              std::uint32_t x = 0;
                              for (std::size_t i = r.begin(); i != r.end(); ++i)
                                  x ^= Stream(1, rep, StreamFamily::separations, static_cast<std::uint32_t>(i))();
                              sink ^= x;
                          });
        scalar = std::min(scalar, since(t));
    }
    return {tiled, scalar};
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

po::options_description bench_options() {
    po::options_description opts("talentsim bench [options]", kHelpColumns);
    opts.add_options()("help,h", "show this help")(
        "scenario", po::value<std::string>()->default_value("scenarios/china_ai_2024.toml"),
        "scenario whose mechanisms are scaled")("candidates", po::value<std::int64_t>()->default_value(100000),
                                                "candidates (employers, graduates and inflow in proportion)")(
        "steps", po::value<std::int32_t>()->default_value(120), "steps (1 to 6000, as for run)")(
        "threads", po::value<int>()->default_value(0), "worker threads (0 = all cores, as for run; at most 1024)")(
        "out", po::value<std::string>(),
        "write the HDF5 output here (panel of all candidates every 12 steps); default: no output")(
        "force", "let --out replace an existing file")(
        "seed", po::value<std::uint64_t>()->default_value(1), "seed")(
        "set", po::value<std::vector<std::string>>()->composing(),
        "override a scenario key after the scaling: --set key.path=value");
    return opts;
}

// The base scenario scaled to n candidates: employers, graduates, inflow and entrants in
// proportion; with output, the panel of all candidates every 12 steps and every table, without
// none at all; then the --set overrides.
std::vector<std::string> scaled_overrides(const Scenario& base, std::int64_t n, bool output,
                                          const po::variables_map& vm) {
    const double scale = static_cast<double>(n) / static_cast<double>(base.population.candidates);
    auto scaled = [&](std::int64_t v) {
        return std::to_string(std::max<std::int64_t>(v > 0 ? 1 : 0, std::llround(v * scale)));
    };
    std::vector<std::string> overrides = {
        "population.candidates=" + std::to_string(n), "population.employers=" + scaled(base.population.employers),
        "population.graduates_per_year=" + scaled(base.population.graduates_per_year),
        "population.abroad_inflow_per_month=" + scaled(base.population.abroad_inflow_per_month)};
    for (std::size_t e = 0; e < base.events.size(); ++e)  // entrant firms and people in proportion too
        if (base.events[e].count > 0)
            overrides.push_back("events." + std::to_string(e) + ".count=" + scaled(base.events[e].count));
    for (const std::string o : {"output.panel_every=", "output.postings=", "output.offers=", "output.moves="})
        overrides.push_back(o + (o == "output.panel_every=" ? (output ? "12" : "0") : (output ? "true" : "false")));
    overrides.push_back("output.panel_sample=0");
    if (vm.count("set"))
        for (const std::string& o : vm["set"].as<std::vector<std::string>>()) overrides.push_back(o);
    return overrides;
}

// What one benchmark run measured.
struct BenchFigures {
    std::int64_t candidates = 0;
    std::int32_t steps = 0;
    int threads = 0;
    bool output = false;
    std::size_t slots = 0, employers = 0, state = 0;
    double init_seconds = 0, run_seconds = 0, write_seconds = 0, copy_seconds = 0;
    double philox_tiled = 0, philox_scalar = 0;  // one Philox block per active candidate (philox_seconds)
    std::int64_t active_steps = 0;               // candidates in the market (entered, not inactive), summed over steps
    long rss_before = 0, rss_peak = 0;
    std::int64_t wage_steps = 0, wage_rereads = 0;  // WageGuess::steps (burn-in included), rereads
    PhaseTimes times;
};

// One JSON object (scripts/bench.sh collects them).
void print_json(const BenchFigures& f, std::ostream& out) {
    double phase_total = 0;
    for (double x : f.times.seconds) phase_total += x;
    const double step_seconds = phase_total / f.steps;
    nlohmann::ordered_json j;
    j["candidates"] = f.candidates;
    j["candidate_slots"] = f.slots;
    j["employers"] = f.employers;
    j["steps"] = f.steps;
    j["threads"] = f.threads;
    j["output"] = f.output;
    j["init_seconds"] = f.init_seconds;
    j["run_seconds"] = f.run_seconds;
    j["write_seconds"] = f.write_seconds;
    j["candidate_steps_per_second"] = static_cast<double>(f.candidates) * f.steps / f.run_seconds;  // per initial
    j["active_candidate_steps_per_second"] = static_cast<double>(f.active_steps) / f.run_seconds;
    j["state_bytes_per_candidate"] = static_cast<double>(f.state) / static_cast<double>(f.slots);
    j["peak_rss_bytes"] = f.rss_peak * 1024L;
    j["rss_growth_bytes"] = (f.rss_peak - f.rss_before) * 1024L;
    j["stream_copy_seconds"] = f.copy_seconds;
    j["memory_passes_per_step"] = step_seconds / f.copy_seconds;
    j["philox_tiled_seconds"] = f.philox_tiled;    // one block per active candidate, tiled (first_blocks)
    j["philox_scalar_seconds"] = f.philox_scalar;  // the same blocks, one Stream at a time
    j["wage_statistics_steps"] = f.wage_steps;      // steps whose row has wage statistics (someone employed)
    j["wage_statistics_rereads"] = f.wage_rereads;  // of them, those that read the wages again (wage_tally.hpp)
    for (int p = 0; p < kPhaseCount; ++p) j["phases"][kPhaseNames[p]] = f.times.seconds[p];
    for (int p = 0; p < kPhaseCount; ++p) j["phases_cpu"][kPhaseNames[p]] = f.times.cpu_seconds[p];  // all threads
    j["version"] = program_version();
    j["build_type"] = kBuildType;
    out << j.dump() << "\n";
}

}  // namespace

int cmd_bench(const std::vector<std::string>& args) {
    const po::options_description opts = bench_options();
    po::variables_map vm;
    if (!parse_options(args, opts, vm)) return 0;
    BenchFigures f;
    f.candidates = vm["candidates"].as<std::int64_t>();
    f.steps = vm["steps"].as<std::int32_t>();
    if (f.candidates < 100) throw UsageError("--candidates must be at least 100");
    if (f.steps < 1 || f.steps > 6000) throw UsageError("--steps must be between 1 and 6000");  // as for run
    f.threads = jobs_or_cores(int_option(vm, "threads", 0, 1024));
    f.output = vm.count("out") > 0;

    const Scenario base = load_scenario(vm["scenario"].as<std::string>());
    const Scenario s =
        load_scenario(vm["scenario"].as<std::string>(), scaled_overrides(base, f.candidates, f.output, vm));
    check_resources(s, f.steps);  // as for run: refused before anything is allocated

    // --out as run's --out: checked and locked before anything is allocated, written as FILE.partial
    // and renamed when complete; an existing file replaced only with --force (exit 2 otherwise).
    OutputLocks locks;
    if (f.output) {
        const OutputPaths paths = output_paths(vm["out"].as<std::string>(), {});
        try {
            check_output_paths(paths, {vm["scenario"].as<std::string>()});
            refuse_existing_result(paths, vm.count("force") > 0);
            locks = lock_outputs(paths);
        } catch (const PathRefused& e) {
            std::cerr << "talentsim bench: " << e.what() << "; nothing was run\n";
            return 2;
        }
    }
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(f.threads));
    f.rss_before = peak_rss_kib();
    auto t0 = Clock::now();
    Simulation sim(s, vm["seed"].as<std::uint64_t>(), f.steps);
    f.init_seconds = since(t0);
    sim.time_phases(&f.times);
    TimedWriter out(f.output ? make_background_writer(make_hdf5_writer(vm["out"].as<std::string>()))
                             : std::unique_ptr<Writer>(new NoOutput));
    t0 = Clock::now();
    sim.begin(out, f.threads);
    while (!sim.done()) {
        const StepRow& row = sim.step(out);
        f.active_steps += row.students + row.employed + row.unemployed + row.abroad + row.sitting_out;
    }
    out.finish(true);
    f.run_seconds = since(t0);
    f.rss_peak = peak_rss_kib();
    f.write_seconds = out.seconds;

    f.slots = sim.world().candidates.size();
    f.employers = sim.world().employers.size();
    f.state = candidate_state_bytes(sim.world().candidates);
    f.wage_steps = sim.world().wage_guess.steps;
    f.wage_rereads = sim.world().wage_guess.rereads;
    f.copy_seconds = stream_copy_seconds(f.state);
    std::tie(f.philox_tiled, f.philox_scalar) = philox_seconds(sim.world().active_candidates);
    print_json(f, std::cout);
    return 0;
}

}  // namespace talentsim
