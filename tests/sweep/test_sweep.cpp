// Parameter sweeps (src/sweep/, src/cli/sweep.cpp): sweep-file errors, the plan (grid order,
// Latin hypercube strata, seeds), local runs (jobs and re-running a point alone change nothing),
// resuming, failing points, the merged file, the plot script, and the same sweep as an array job
// on a real single-node Slurm (tests/slurm/start.sh), merged bit for bit equal to the local one.
#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "analysis/compare.hpp"
#include "io/h5.hpp"
#include "run/process.hpp"
#include "support.hpp"
#include "run/run.hpp"
#include "sweep/sweep.hpp"

using namespace talentsim;
using talentsim::test::run_cli;
using talentsim::test::slurp;
using talentsim::test::source_path;
using talentsim::test::temp_dir;
namespace fs = std::filesystem;

namespace {

// Small enough that a run takes a fraction of a second, big enough that every mechanism acts.
const char* kSmall =
    "set = [\"population.candidates=2000\", \"population.employers=80\", \"population.graduates_per_year=200\",\n"
    "       \"population.abroad_inflow_per_month=5\"]\n";

// A small targets file of the test's own (docs/compare.md), so that the test does not follow
// the calibration targets as they change.
const char* kTargets =
    "[targets]\nname = \"sweep_test\"\n"
    "[[target]]\nname = \"posted_share_above_500k\"\nsource = \"test figure\"\nstatistic = \"share_above\"\n"
    "table = \"postings\"\nthreshold = 500000\nvalue = 0.368\nband = [0.328, 0.408]\n"
    "[target.filter]\ndate = [\"2025-01\", \"2025-02\"]\n"
    "[[target]]\nname = \"llm_posted_mean\"\nsource = \"test figure\"\nstatistic = \"mean\"\n"
    "table = \"postings\"\nvalue = 700000\nband = [600000, 800000]\n"
    "[target.filter]\ndate = [\"2024-01\", \"2024-12\"]\nrole = [\"llm_algorithm\"]\n";

fs::path targets_file() {
    const fs::path p = fs::temp_directory_path() / ("talentsim_sweep_targets_" + std::to_string(::getpid()) + ".toml");
    if (!fs::exists(p)) {
        std::ofstream out(p);
        out << kTargets;
    }
    return p;
}

// 2 x 2 x 2 grid, 2 replicates: a boolean, a linear range over every employer type, a log range;
// every built-in metric and a targets file.
std::string reference_sweep() {
    return std::string("[sweep]\nname = \"test_sweep\"\nscenario = \"") + source_path("scenarios/china_ai_2024.toml") +
           "\"\nseed = 7\nreplicates = 2\n" + kSmall +
           "[design]\nkind = \"grid\"\n"
           "[[parameters]]\nkey = \"noncompete.enabled\"\nvalues = [true, false]\n"
           "[[parameters]]\nname = \"enforcement\"\nkey = \"employer_types.*.noncompete_enforce_prob\"\nrange = [0.2, "
           "1.0]\npoints = 2\n"
           "[[parameters]]\nkey = \"relocation.city_cost\"\nlog_range = [20000, 320000]\npoints = 2\n"
           "[metrics]\nbuiltin = [\"**\"]\ntargets = [\"" +
           targets_file().string() + "\"]\nwindow = 6\n";
}

// First difference between two HDF5 files, dataset by dataset ("" when equal).
std::string h5_difference(const fs::path& a, const fs::path& b) {
    h5::File fa = h5::open_read_only(a), fb = h5::open_read_only(b);
    const auto la = h5::list_datasets(fa), lb = h5::list_datasets(fb);
    if (la.size() != lb.size())
        return "dataset count " + std::to_string(la.size()) + " vs " + std::to_string(lb.size());
    for (std::size_t i = 0; i < la.size(); ++i) {
        if (la[i].path != lb[i].path) return "dataset " + la[i].path + " vs " + lb[i].path;
        if (la[i].shape != lb[i].shape) return la[i].path + ": shape differs";
        h5::Dataset d = h5::open_dataset(fa, la[i].path);
        h5::Datatype t(H5Dget_type(d));
        if (H5Tget_class(t) == H5T_STRING) {
            if (h5::read_strings(fa, la[i].path) != h5::read_strings(fb, lb[i].path))
                return la[i].path + ": strings differ";
        } else if (h5::read_raw(fa, la[i].path) != h5::read_raw(fb, lb[i].path)) {
            return la[i].path + ": values differ";
        }
    }
    return "";
}

std::vector<std::string> strings(const fs::path& file, const std::string& name) {
    h5::File f = h5::open_read_only(file);
    return h5::read_strings(f, name);
}
template <class T>
std::vector<T> numbers(const fs::path& file, const std::string& name) {
    h5::File f = h5::open_read_only(file);
    return h5::read_rows<T>(f, name);
}

// Runs `sweep run` of the reference sweep into dir/out with the given extra options.
fs::path run_reference(const fs::path& dir, const std::string& extra) {
    const fs::path sweep = dir / "sweep.toml", out = dir / "out";
    test::write_file(sweep, reference_sweep());
    std::string o, e;
    const int rc = run_cli("sweep run " + sweep.string() + " --out " + out.string() + " --quiet " + extra, &o, &e);
    INFO(o << e);
    REQUIRE(rc == 0);
    return out;
}

}  // namespace

TEST_CASE("sweep files: every error is reported with file, line, column and key", "[sweep]") {
    const fs::path dir = temp_dir("sweep_errors");
    const fs::path file = dir / "bad.toml";
    test::write_file(file, std::string("[sweep]\n"         // 1
                                       "name = \"bad\"\n"  // 2
                                       "scenario = \"") +
                               source_path("scenarios/minimal.toml") +
                               "\"\n"                                                         // 3
                               "replicate = 3\n"                                              // 4 unknown key
                               "[design]\n"                                                   // 5
                               "kind = \"halton\"\n"                                          // 6 bad choice
                               "[[parameters]]\n"                                             // 7
                               "key = \"noncompete.buyout_horizon\"\n"                        // 8 not a scenario key
                               "values = [1.0]\n"                                             // 9
                               "[[parameters]]\n"                                             // 10
                               "key = \"employer_types.big_tech.noncompete_enforce_prob\"\n"  // 11
                               "values = [0.5, 1.5]\n"                                        // 12 out of range
                               "[[parameters]]\n"                                             // 13
                               "key = \"relocation.city_cost\"\n"                             // 14
                               "range = [5000, 1000]\n"                                       // 15 low > high
                               "[metrics]\n"                                                  // 16
                               "builtin = [\"unemployment_rate\", \"wage.paid.*\"]\n"         // 17 matches nothing
                               "colour = \"red\"\n");                                         // 18 unknown key
    try {
        (void)sweep::load_sweep(file);
        FAIL("an invalid sweep file was accepted");
    } catch (const ScenarioInvalid& e) {
        std::set<std::string> where;
        for (const auto& err : e.errors()) {
            CHECK(err.file == file.string());
            where.insert(std::to_string(err.line) + ":" + err.key);
        }
        INFO(e.what());
        CHECK(where.count("4:sweep.replicate"));
        CHECK(where.count("6:design.kind"));
        CHECK(where.count("8:parameters.0.key"));
        CHECK(where.count("10:parameters.1"));  // the scenario's own range check, at the parameter
        CHECK(where.count("15:parameters.2.range"));
        CHECK(where.count("17:metrics.builtin"));
        CHECK(where.count("18:metrics.colour"));
        CHECK(std::string(e.what()).find("out of range") != std::string::npos);
    }
    // The command line: exit 2, errors on stderr with file:line:column, nothing written.
    std::string out, err;
    CHECK(run_cli("sweep plan " + file.string(), &out, &err) == 2);
    CHECK(err.find(file.string() + ":6:") != std::string::npos);
    CHECK(err.find(": design.kind: expected one of grid|random|lhs|list|morris|sobol, found \"halton\"") !=
          std::string::npos);
    CHECK(run_cli("sweep run " + file.string() + " --out " + (dir / "out").string(), &out, &err) == 2);
    CHECK_FALSE(fs::exists(dir / "out"));
    CHECK(run_cli("sweep frobnicate", &out, &err) == 2);
    CHECK(run_cli("sweep merge " + (dir / "nowhere").string(), &out, &err) == 2);
}

TEST_CASE("sweep plan: grid order, Latin hypercube strata, seeds", "[sweep]") {
    const fs::path dir = temp_dir("sweep_plan");
    const std::string head = std::string("[sweep]\nname = \"p\"\nscenario = \"") +
                             source_path("scenarios/minimal.toml") + "\"\nseed = 11\nreplicates = 3\n";
    const fs::path grid = dir / "grid.toml";
    test::write_file(grid,
                     head +
                         "[[parameters]]\nkey = \"teams.size\"\nvalues = [2, 4, 8]\n"
                         "[[parameters]]\nkey = \"relocation.city_cost\"\nlog_range = [1000, 100000]\npoints = 3\n");
    const sweep::Sweep g = sweep::load_sweep(grid);
    REQUIRE(g.points.size() == 9);
    CHECK(g.parameters[0].kind == sweep::Kind::integer);  // teams.size is an integer key
    CHECK(g.parameters[1].kind == sweep::Kind::real);
    // First parameter slowest; log range ends exact, middle at the geometric mean.
    CHECK(std::get<std::int64_t>(g.points[3].values[0]) == 4);
    CHECK(std::get<double>(g.points[0].values[1]) == 1000.0);
    CHECK(std::get<double>(g.points[1].values[1]) == Approx(10000.0).epsilon(1e-12));
    CHECK(std::get<double>(g.points[2].values[1]) == 100000.0);
    std::set<std::uint64_t> seeds;
    for (const auto& p : g.points)
        for (auto s : p.seeds) {
            seeds.insert(s);
            CHECK(s < (1ull << 62));
        }
    CHECK(seeds.size() == 27);

    // Independent seeds depend on the point's values only: the same values in another design
    // get the same seeds; another sweep seed gives other seeds; common seeds are shared.
    const fs::path sub = dir / "sub.toml";
    test::write_file(sub, head +
                              "[[parameters]]\nkey = \"teams.size\"\nvalues = [8]\n"
                              "[[parameters]]\nkey = \"relocation.city_cost\"\nvalues = [100000.0]\n");
    CHECK(sweep::load_sweep(sub).points[0].seeds == g.points[8].seeds);
    std::string other = head +
                        "[[parameters]]\nkey = \"teams.size\"\nvalues = [8]\n[[parameters]]\nkey = "
                        "\"relocation.city_cost\"\nvalues = [100000.0]\n";
    other.replace(other.find("seed = 11"), 9, "seed = 12");
    test::write_file(sub, other);
    CHECK(sweep::load_sweep(sub).points[0].seeds != g.points[8].seeds);
    test::write_file(
        sub, std::string("[sweep]\nname = \"p\"\nscenario = \"") + source_path("scenarios/minimal.toml") +
                 "\"\nseed = 11\nreplicates = 3\nseeds = \"common\"\n[[parameters]]\nkey = \"teams.size\"\nvalues = "
                 "[2, 4]\n");
    const sweep::Sweep c = sweep::load_sweep(sub);
    CHECK(c.points[0].seeds == c.points[1].seeds);
    CHECK(std::set<std::uint64_t>(c.points[0].seeds.begin(), c.points[0].seeds.end()).size() == 3);

    // Latin hypercube: each parameter hits each of the N strata exactly once.
    const fs::path lhs = dir / "lhs.toml";
    const int N = 40;
    test::write_file(lhs, head + "[design]\nkind = \"lhs\"\npoints = " + std::to_string(N) +
                              "\n[[parameters]]\nkey = \"search.signal_noise\"\nrange = [0.1, 0.5]\n"
                              "[[parameters]]\nkey = \"relocation.city_cost\"\nlog_range = [1000, 1000000]\n");
    const sweep::Sweep l = sweep::load_sweep(lhs);
    REQUIRE(l.points.size() == static_cast<std::size_t>(N));
    std::set<int> strata0, strata1;
    for (const auto& p : l.points) {
        const double u0 = (std::get<double>(p.values[0]) - 0.1) / 0.4;
        const double u1 = std::log(std::get<double>(p.values[1]) / 1000.0) / std::log(1000.0);
        strata0.insert(static_cast<int>(std::floor(u0 * N)));
        strata1.insert(static_cast<int>(std::floor(u1 * N)));
    }
    CHECK(strata0.size() == static_cast<std::size_t>(N));
    CHECK(strata1.size() == static_cast<std::size_t>(N));
    CHECK(*strata0.begin() == 0);
    CHECK(*strata0.rbegin() == N - 1);
    // The plan is a pure function of the file.
    CHECK(sweep::load_sweep(lhs).fingerprint == l.fingerprint);
    std::string out;
    CHECK(run_cli("sweep plan " + lhs.string(), &out) == 0);
    CHECK(out.find(std::to_string(N) + " points, " + std::to_string(3 * N) + " runs") != std::string::npos);

    // Floats pass through --set exactly.
    for (double x : {0.1, 1.0 / 3.0, 6.02214076e23, 5e-324, 123456789.0})
        CHECK(std::strtod(sweep::exact(x).c_str(), nullptr) == x);
}

TEST_CASE("local sweep: results do not depend on --jobs, and one point re-run alone reproduces it", "[sweep]") {
    const fs::path dir = temp_dir("sweep_local");
    const fs::path a = run_reference(dir, "--jobs 2 --keep-runs");
    const fs::path b = dir / "out_jobs1";
    std::string o, e;
    REQUIRE(
        run_cli("sweep run " + (dir / "sweep.toml").string() + " --out " + b.string() + " --jobs 1 --threads 2 --quiet",
                &o, &e) == 0);
    CHECK(h5_difference(a / "sweep.h5", b / "sweep.h5").empty());

    const fs::path file = a / "sweep.h5";
    const auto status = strings(file, "/runs/status");
    REQUIRE(status.size() == 16);
    for (const auto& s : status) CHECK(s == "ok");
    CHECK(numbers<std::int64_t>(file, "/incomplete").empty());
    h5::File f = h5::open_read_only(file);
    CHECK(h5::read_attr<std::int32_t>(f, "complete") == 1);

    // Degenerate case: without non-competes nobody is blocked or sits out; with them, some are.
    const auto enabled = numbers<std::uint8_t>(file, "/runs/parameters/noncompete.enabled");
    const auto blocked = numbers<double>(file, "/runs/metrics/noncompete_blocked");
    const auto sitting = numbers<double>(file, "/runs/metrics/sitting_out_share");
    double blocked_on = 0;
    for (std::size_t r = 0; r < enabled.size(); ++r) {
        if (!enabled[r]) {
            CHECK(blocked[r] == 0);
            CHECK(sitting[r] == 0);
        } else
            blocked_on += blocked[r];
    }
    CHECK(blocked_on > 0);
    // Wage quantiles are ordered, rates are rates.
    const auto p10 = numbers<double>(file, "/runs/metrics/wage.earned.p10"),
               p50 = numbers<double>(file, "/runs/metrics/wage.earned.p50"),
               p90 = numbers<double>(file, "/runs/metrics/wage.earned.p90"),
               u = numbers<double>(file, "/runs/metrics/unemployment_rate");
    for (std::size_t r = 0; r < p10.size(); ++r) {
        CHECK(p10[r] > 0);
        CHECK(p10[r] <= p50[r]);
        CHECK(p50[r] <= p90[r]);
        CHECK(u[r] >= 0);
        CHECK(u[r] <= 1);
    }
    // Per-point mean and sd over the two replicates, from the per-run rows.
    const auto m = numbers<double>(file, "/points/mean/move_rate"), sd = numbers<double>(file, "/points/sd/move_rate");
    const auto runs = numbers<double>(file, "/runs/metrics/move_rate");
    for (std::size_t i = 0; i < m.size(); ++i) {
        CHECK(m[i] == Approx((runs[2 * i] + runs[2 * i + 1]) / 2));
        CHECK(sd[i] == Approx(std::abs(runs[2 * i] - runs[2 * i + 1]) / std::sqrt(2.0)));
    }

    // Targets become metrics: the value and loss of run (point 0, replicate 0) are what
    // `compare` gives on its kept result file.
    const Comparison cmp = compare_results({a / "runs" / "p000000_r000.h5"}, targets_file());
    const std::string prefix = "/runs/metrics/target." + targets_file().stem().string() + ".";
    CHECK(numbers<double>(file, prefix + "loss")[0] == cmp.loss);
    REQUIRE(cmp.targets.size() == 2);
    for (const auto& t : cmp.targets) {
        CHECK(numbers<double>(file, prefix + t.name)[0] == t.simulated_mean);
        CHECK(numbers<double>(file, prefix + t.name + ".distance")[0] == t.distance);
    }
    CHECK(numbers<double>(file, prefix + "posted_share_above_500k")[0] > 0);

    // One point alone, as an array task runs it, gives the same metrics bit for bit.
    const fs::path c = dir / "out_point";
    REQUIRE(run_cli("sweep point " + (dir / "sweep.toml").string() + " --out " + c.string() + " --index 5 --quiet", &o,
                    &e) == 0);
    const sweep::Sweep s = sweep::load_sweep(dir / "sweep.toml");
    const auto alone = sweep::read_point(c, 5, s.fingerprint), together = sweep::read_point(a, 5, s.fingerprint);
    REQUIRE(alone);
    REQUIRE(together);
    REQUIRE(alone->runs.size() == 2);
    for (std::size_t r = 0; r < 2; ++r) {
        CHECK(alone->runs[r].seed == together->runs[r].seed);
        CHECK(alone->runs[r].metric_names == together->runs[r].metric_names);
        REQUIRE(alone->runs[r].metric_values.size() == together->runs[r].metric_values.size());
        for (std::size_t k = 0; k < alone->runs[r].metric_values.size(); ++k) {
            const double x = alone->runs[r].metric_values[k], y = together->runs[r].metric_values[k];
            CHECK((x == y || (std::isnan(x) && std::isnan(y))));
        }
    }
    // Other replicates are other runs.
    CHECK(together->runs[0].metric_values != together->runs[1].metric_values);
    // Where each run's seconds went: every part measured, none negative, together at most the whole.
    for (const auto& run : together->runs) {
        const auto& t = run.timing;
        CHECK(t.scenario > 0);
        CHECK(t.init >= 0);
        CHECK(t.steps > 0);
        CHECK(t.output >= 0);
        CHECK(t.metrics > 0);  // the targets were compared
        CHECK(t.scenario + t.init + t.steps + t.output + t.metrics <= run.seconds * (1 + 1e-9));
    }

    // The plot script: a line plot with bands, a heatmap, and a clear error for a wrong name.
    const std::string py =
        std::string("/usr/bin/python3 ") + source_path("scripts/plot_sweep.py") + " " + file.string();
    const fs::path line = dir / "line.png", heat = dir / "heat.png";
    CHECK(std::system((py + " --x enforcement --metric move_rate --out " + line.string() + " >/dev/null").c_str()) ==
          0);
    CHECK(std::system((py + " --x enforcement --y relocation.city_cost --metric wage.earned.p50 --out " +
                       heat.string() + " >/dev/null")
                          .c_str()) == 0);
    for (const auto& png : {line, heat}) CHECK(slurp(png).substr(1, 3) == "PNG");
    const int bad = std::system(
        (py + " --x enforcement --metric no_such_metric --out " + (dir / "x.png").string() + " 2>/dev/null").c_str());
    CHECK(WEXITSTATUS(bad) == 2);
}

TEST_CASE("resuming a half-finished local sweep runs only what is missing and gives the same file", "[sweep]") {
    const fs::path dir = temp_dir("sweep_resume");
    const fs::path full = run_reference(dir, "--jobs 2");
    const fs::path half = dir / "half";
    const std::string sweep = (dir / "sweep.toml").string();
    std::string o, e;
    for (int i : {0, 1, 2})  // as three array tasks would have left it
        REQUIRE(
            run_cli("sweep point " + sweep + " --out " + half.string() + " --index " + std::to_string(i) + " --quiet",
                    &o, &e) == 0);
    test::write_file(sweep::point_file(half, 5), "fingerprint = \"torn");          // a torn write
    test::write_file(half / "points" / "000006.toml.partial.1.0", "index = 6\n");  // leftover of a killed run

    // Merging now lists what is missing, never drops it.
    CHECK(run_cli("sweep merge " + half.string(), &o, &e) == 1);
    CHECK(o.find("3 complete, 0 failed, 5 missing") != std::string::npos);
    CHECK(numbers<std::int64_t>(half / "sweep.h5", "/incomplete") == std::vector<std::int64_t>{3, 4, 5, 6, 7});
    const auto status = strings(half / "sweep.h5", "/runs/status");
    CHECK(std::count(status.begin(), status.end(), "missing") == 10);
    const auto pstatus = strings(half / "sweep.h5", "/points/status");
    CHECK(pstatus[2] == "ok");
    CHECK(pstatus[5] == "missing");
    CHECK(std::isnan(numbers<double>(half / "sweep.h5", "/points/mean/move_rate")[5]));

    CHECK_FALSE(h5_difference(full / "sweep.h5", half / "sweep.h5").empty());  // the comparison can fail
    const auto before = fs::last_write_time(sweep::point_file(half, 1));
    const std::string text_before = slurp(sweep::point_file(half, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(run_cli("sweep run " + sweep + " --out " + half.string() + " --jobs 2 --quiet", &o, &e) == 0);
    CHECK(o.find("3 already complete, 5 run now, 0 failed") != std::string::npos);
    CHECK(fs::last_write_time(sweep::point_file(half, 1)) == before);
    CHECK(slurp(sweep::point_file(half, 1)) == text_before);
    CHECK_FALSE(fs::exists(half / "points" / "000006.toml.partial.1.0"));
    CHECK(h5_difference(full / "sweep.h5", half / "sweep.h5").empty());
    // Running a finished sweep again runs nothing.
    REQUIRE(run_cli("sweep run " + sweep + " --out " + half.string() + " --quiet", &o, &e) == 0);
    CHECK(o.find("8 already complete, 0 run now") != std::string::npos);
    // Another plan never mixes with these results.
    std::string changed = reference_sweep();
    changed.replace(changed.find("seed = 7"), 8, "seed = 8");
    test::write_file(dir / "other.toml", changed);
    CHECK(run_cli("sweep run " + (dir / "other.toml").string() + " --out " + half.string() + " --quiet", &o, &e) == 2);
    CHECK(e.find("another sweep plan") != std::string::npos);
}

TEST_CASE("a failing point is recorded with its error and does not stop the others", "[sweep]") {
    const fs::path dir = temp_dir("sweep_fail");
    const fs::path file = dir / "fail.toml";
    // llm_algorithm.share = 0.25 makes the role shares sum to 1.1: those points are invalid.
    test::write_file(file, std::string("[sweep]\nname = \"fail\"\nscenario = \"") +
                               source_path("scenarios/china_ai_2024.toml") + "\"\nreplicates = 2\n" + kSmall +
                               "[[parameters]]\nkey = \"roles.llm_algorithm.share\"\nvalues = [0.15, 0.25]\n"
                               "[[parameters]]\nkey = \"teams.follow_prob\"\nvalues = [0.1, 0.6]\n"
                               "[metrics]\nbuiltin = [\"move_rate\", \"wage.earned.p50\"]\n");
    std::string o, e;
    CHECK(run_cli("sweep plan " + file.string(), &o, &e) == 0);
    CHECK(o.find("2 point(s) have an invalid scenario") != std::string::npos);

    const fs::path out = dir / "out";
    CHECK(run_cli("sweep run " + file.string() + " --out " + out.string() + " --jobs 2 --quiet", &o, &e) == 1);
    CHECK(o.find("0 already complete, 4 run now, 2 failed") != std::string::npos);
    CHECK(o.find("point 2 failed: invalid scenario at this point: roles.*.share: shares sum to 1.1, expected 1") !=
          std::string::npos);
    CHECK(o.find("2 complete, 2 failed, 0 missing") != std::string::npos);
    const fs::path h5file = out / "sweep.h5";
    CHECK(strings(h5file, "/points/status") == std::vector<std::string>{"ok", "ok", "failed", "failed"});
    CHECK(strings(h5file, "/points/error")[3].find("shares sum to") != std::string::npos);
    CHECK(numbers<std::int64_t>(h5file, "/incomplete") == std::vector<std::int64_t>{2, 3});
    const auto moves = numbers<double>(h5file, "/runs/metrics/move_rate");
    CHECK(moves[0] > 0);
    CHECK(std::isnan(moves[4]));
    h5::File f = h5::open_read_only(h5file);
    CHECK(h5::read_attr<std::int32_t>(f, "complete") == 0);

    // A run-time failure (its result file cannot be written) fails only that point.
    const fs::path out2 = dir / "out2";
    fs::create_directories(out2 / "runs" / "p000001_r001.h5.partial");
    test::write_file(out2 / "runs" / "p000001_r001.h5.partial" / "blocker", "x");
    CHECK(run_cli("sweep run " + file.string() + " --out " + out2.string() + " --keep-runs --quiet", &o, &e) == 1);
    CHECK(o.find("4 run now, 3 failed") != std::string::npos);
    CHECK(o.find("point 1 failed: ") != std::string::npos);
    CHECK(strings(out2 / "sweep.h5", "/points/status")[0] == "ok");
    CHECK(strings(out2 / "sweep.h5", "/runs/status")[2] == "ok");      // point 1, replicate 0
    CHECK(strings(out2 / "sweep.h5", "/runs/status")[3] == "failed");  // point 1, replicate 1

    // Re-running re-does failed points and skips complete ones.
    fs::remove_all(out2 / "runs" / "p000001_r001.h5.partial");
    CHECK(run_cli("sweep run " + file.string() + " --out " + out2.string() + " --keep-runs --quiet", &o, &e) == 1);
    CHECK(o.find("1 already complete, 3 run now, 2 failed") != std::string::npos);
}

TEST_CASE("sweep slurm writes an array job script of chunks", "[sweep]") {
    const fs::path dir = temp_dir("sweep_sbatch");
    test::write_file(dir / "sweep.toml", reference_sweep());
    std::string o, e;
    REQUIRE(run_cli("sweep slurm " + (dir / "sweep.toml").string() + " --out " + (dir / "out").string() +
                        " --array-limit 3 --time 00:10:00 --partition short --cpus-per-task 2 --throttle 2 --setup "
                        "'module load hdf5'",
                    &o, &e) == 0);
    const std::string script = slurp(dir / "out" / "sweep.sbatch");
    CHECK(script.find("#SBATCH --array=0-2%2\n") != std::string::npos);  // 8 points in chunks of 3
    CHECK(script.find("#SBATCH --time=00:10:00\n") != std::string::npos);
    CHECK(script.find("#SBATCH --partition=short\n") != std::string::npos);
    CHECK(script.find("#SBATCH --cpus-per-task=2\n") != std::string::npos);
    CHECK(script.find("\nmodule load hdf5\n") != std::string::npos);
    CHECK(script.find("sweep point") != std::string::npos);
    CHECK(script.find("--index \"${SLURM_ARRAY_TASK_ID}\" --chunk 3") != std::string::npos);
    CHECK(fs::exists(dir / "out" / "manifest.toml"));
    CHECK(run_cli("sweep slurm " + (dir / "sweep.toml").string() + " --out " + (dir / "out").string() + " --time 10min",
                  &o, &e) == 2);
    CHECK(run_cli("sweep point " + (dir / "sweep.toml").string() + " --out " + (dir / "out").string() +
                      " --index 3 --chunk 3",
                  &o, &e) == 2);
}

namespace {

// A single-node Slurm on loopback for the length of one test; always shut down.
struct SlurmCluster {
    fs::path dir;
    bool up = false;
    std::string log;
    explicit SlurmCluster(const fs::path& d) : dir(d) {
        fs::create_directories(dir);
        const fs::path out = dir / "start.out";
        const int rc = std::system(
            (source_path("tests/slurm/start.sh") + " " + dir.string() + " >" + out.string() + " 2>&1").c_str());
        log = slurp(out);
        up = rc == 0;
        if (up) ::setenv("SLURM_CONF", (dir / "slurm.conf").c_str(), 1);
    }
    ~SlurmCluster() {
        (void)std::system((source_path("tests/slurm/stop.sh") + " " + dir.string() + " >/dev/null 2>&1").c_str());
        ::unsetenv("SLURM_CONF");
    }
};

std::string job_id(const std::string& out) {
    const auto p = out.find("submitted job ");
    if (p == std::string::npos) return "";
    return out.substr(p + 14, out.find('\n', p) - p - 14);
}

// Waits until the job has left the queue (bounded); returns false on timeout.
bool wait_for_job(const std::string& id, int seconds) {
    for (int i = 0; i < seconds * 4; ++i) {
        const std::string cmd = "squeue -h -j " + id + " 2>/dev/null | grep -q .";
        if (std::system(cmd.c_str()) != 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
}

}  // namespace

TEST_CASE("the same sweep as a Slurm array job merges to the same file as the local run", "[sweep][slurm]") {
    const fs::path dir = temp_dir("sweep_slurm");
    const fs::path local = run_reference(dir, "--jobs 2");
    SlurmCluster slurm(dir / "cluster");
    INFO(slurm.log);
    REQUIRE(slurm.up);

    const fs::path out = dir / "on_slurm";
    const std::string sweep = (dir / "sweep.toml").string();
    std::string o, e;
    REQUIRE(run_cli("sweep slurm " + sweep + " --out " + out.string() +
                        " --array-limit 3 --cpus-per-task 1 --time 00:05:00 --submit",
                    &o, &e) == 0);
    const std::string id = job_id(o);
    INFO(o << e);
    REQUIRE_FALSE(id.empty());
    REQUIRE(wait_for_job(id, 90));
    INFO(slurp(dir / "cluster" / "slurmctld.log").substr(0, 4000));
    REQUIRE(run_cli("sweep merge " + out.string(), &o, &e) == 0);
    CHECK(h5_difference(local / "sweep.h5", out / "sweep.h5").empty());
    // Every task wrote its log.
    std::size_t logs = 0;
    for (const auto& f : fs::directory_iterator(out / "logs"))
        logs += f.path().string().find("task-" + id) != std::string::npos;
    CHECK(logs == 3);

    // A lost point: only its task is resubmitted, and the merged file is whole again.
    fs::remove(sweep::point_file(out, 4));
    const std::string script = slurp(out / "sweep.sbatch");
    REQUIRE(run_cli("sweep slurm " + sweep + " --out " + out.string() + " --only-missing --submit", &o, &e) == 0);
    CHECK(o.find("1 task(s) lack complete results: 1\n") != std::string::npos);
    CHECK(slurp(out / "sweep.sbatch") == script);  // the same script, only task 1
    const std::string again = job_id(o);
    REQUIRE_FALSE(again.empty());
    REQUIRE(wait_for_job(again, 60));
    REQUIRE(run_cli("sweep merge " + out.string(), &o, &e) == 0);
    CHECK(h5_difference(local / "sweep.h5", out / "sweep.h5").empty());
    REQUIRE(run_cli("sweep slurm " + sweep + " --out " + out.string() + " --only-missing --submit", &o, &e) == 0);
    CHECK(o.find("nothing to submit") != std::string::npos);
}

TEST_CASE("a sweep run cut short resumes from its checkpoint and gives the same results", "[sweep][checkpoint]") {
    const fs::path dir = temp_dir("sweep_checkpoint");
    const fs::path full = run_reference(dir, "--jobs 2");
    const fs::path half = dir / "half";
    const fs::path sweep_file = dir / "sweep.toml";
    // Point 0, replicate 0 as a pre-empted task leaves it: stopped 3 steps before the end (inside
    // the metrics window), with a checkpoint every 2 steps where the sweep keeps them.
    const sweep::Sweep s = sweep::load_sweep(sweep_file);
    const Scenario scenario = sweep::point_scenario(s, s.points[0]);
    const auto steps = static_cast<std::int32_t>(scenario.info.steps);
    const fs::path checkpoint = half / "checkpoints" / "p000000_r000.h5.ckpt";
    fs::create_directories(checkpoint.parent_path());
    std::atomic<bool> stop{false};
    RunOptions o;
    o.out = dir / "cut.h5";
    o.checkpoint_every = 2;
    o.checkpoint = checkpoint;
    o.stop = &stop;
    o.on_step = [&](const Simulation& sim, const StepRow&) {
        if (sim.next_step() == steps - 3) stop = true;
    };
    const RunResult cut = run_simulation(scenario, s.points[0].seeds[0], steps, o);
    REQUIRE_FALSE(cut.complete);
    REQUIRE(fs::exists(checkpoint));

    std::string out, err;
    REQUIRE(run_cli("sweep run " + sweep_file.string() + " --out " + half.string() +
                        " --jobs 2 --checkpoint-every 2 --quiet",
                    &out, &err) == 0);
    CHECK_FALSE(fs::exists(checkpoint));  // used and removed when the run completed
    CHECK(h5_difference(full / "sweep.h5", half / "sweep.h5").empty());
}

TEST_CASE("sweep run --jobs N runs N replicates at once, also beyond the number of cores", "[sweep][slow]") {
    // TBB's default worker pool has one thread fewer than the cores; the sweep must not be capped by it.
    const int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) + 2;
    const auto dir = temp_dir("sweep_jobs");
    const fs::path file = dir / "jobs.toml", out = dir / "out";
    test::write_file(file, "[sweep]\nname = \"jobs\"\nscenario = \"" + source_path("scenarios/minimal.toml") +
                               "\"\nseed = 1\nreplicates = " + std::to_string(jobs) +
                               "\nset = [\"scenario.steps=120\", \"population.candidates=20000\"]\n"
                               "[[parameters]]\nkey = \"noncompete.enabled\"\nvalues = [true]\n");
    test::Child child({"sweep", "run", file.string(), "--out", out.string(), "--jobs", std::to_string(jobs),
                       "--threads", "1", "--keep-runs", "--quiet"},
                      dir);
    int most = 0;  // run files being written at the same time
    while (child.running()) {
        int now = 0;
        std::error_code ec;
        for (fs::directory_iterator it(out / "runs", ec), end; !ec && it != end; it.increment(ec))
            now += it->path().extension() == ".partial";
        most = std::max(most, now);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(child.wait() == 0);
    CHECK(most == jobs);
    fs::remove_all(dir);
}

TEST_CASE("a sweep without targets runs without result files and gives the same results as with kept files",
          "[sweep]") {
    const fs::path dir = temp_dir("sweep_nofile");
    const fs::path file = dir / "nofile.toml";
    test::write_file(file, std::string("[sweep]\nname = \"nofile\"\nscenario = \"") +
                               source_path("scenarios/china_ai_2024.toml") + "\"\nreplicates = 2\n" + kSmall +
                               "[[parameters]]\nkey = \"teams.follow_prob\"\nvalues = [0.1, 0.6]\n"
                               "[metrics]\nbuiltin = [\"move_rate\", \"hires\", \"wage.earned.p50\"]\n");
    std::string o, e;
    const fs::path kept = dir / "kept", plain = dir / "plain";
    REQUIRE(run_cli("sweep run " + file.string() + " --out " + kept.string() + " --keep-runs --quiet", &o, &e) == 0);
    REQUIRE(run_cli("sweep run " + file.string() + " --out " + plain.string() + " --jobs 2 --quiet", &o, &e) == 0);
    CHECK(h5_difference(kept / "sweep.h5", plain / "sweep.h5").empty());
    CHECK(fs::exists(kept / "runs" / "p000001_r001.h5"));
    CHECK_FALSE(fs::exists(plain / "runs"));
    const auto hires = numbers<double>(plain / "sweep.h5", "/runs/metrics/hires");
    REQUIRE(hires.size() == 4);
    for (double h : hires) CHECK(h > 0);
}

TEST_CASE("an array task removes the leftovers of its own points only, not the files other tasks are writing",
          "[sweep]") {
    const fs::path dir = temp_dir("sweep_partial_points");
    fs::create_directories(dir / "points");
    // Point 0's leftover of an interrupted write, and point 3's file as another task writes it.
    test::write_file(dir / "points" / "000000.toml.partial.1.0", "x");
    test::write_file(dir / "points" / "000003.toml.partial.2.0", "being written");
    std::string o, e;
    REQUIRE(run_cli("sweep point scenarios/sweeps/morris_minimal.toml --out " + dir.string() + " --index 0 --quiet", &o,
                    &e) == 0);
    CHECK(fs::exists(dir / "points" / "000000.toml"));
    CHECK_FALSE(fs::exists(dir / "points" / "000000.toml.partial.1.0"));
    CHECK(slurp(dir / "points" / "000003.toml.partial.2.0") == "being written");
    fs::remove_all(dir);
}
