// Calibration (src/sweep/calibrate*.cpp, src/cli/calibrate.cpp): file errors; parameter recovery
// on a small scenario with targets made by the model itself at known parameters (within two
// standard errors), a parameter the targets cannot identify reported as such, the J-test;
// resuming after kill -9 ends with the same result; the Slurm path equals the local one.
#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <thread>

#include "analysis/compare.hpp"
#include "io/h5.hpp"
#include "support.hpp"
#include "sweep/calibrate.hpp"

using namespace talentsim;
using talentsim::test::run_cli;
using talentsim::test::slurp;
using talentsim::test::source_path;
using talentsim::test::temp_dir;
namespace fs = std::filesystem;

namespace {

// The recovery problem: a small market of 12 months where the base wage moves posted salaries and
// the on-the-job search intensity moves job-to-job flows. Nobody is abroad, so the intensity of
// search from abroad has no effect at all: the targets cannot identify it.
const char* kSet =
    "\"population.candidates=1500\", \"population.employers=60\", \"population.abroad_share=0.0\", "
    "\"scenario.steps=12\"";
const double kTrueWage = 520000, kTrueIntensity = 0.12, kTrueAbroad = 0.05;

// Targets of the problem; value and band are filled in from a run at the true parameters.
std::string targets_text(const std::vector<double>& value) {
    const char* stats[] = {
        "statistic = \"mean\"\ntable = \"postings\"\n",
        "statistic = \"quantile\"\ntable = \"postings\"\nq = 0.9\n",
        "statistic = \"mean\"\ntable = \"steps\"\nfield = \"job_to_job_moves\"\n",
        "statistic = \"mean\"\ntable = \"steps\"\nfield = \"hires\"\n",
    };
    const char* names[] = {"posted_mean", "posted_p90", "moves_per_month", "hires_per_month"};
    std::ostringstream o;
    o << "[targets]\nname = \"recovery\"\n";
    for (std::size_t k = 0; k < 4; ++k) {
        const double v = value.empty() ? 1.0 : value[k];
        o << "[[target]]\nname = \"" << names[k] << "\"\nsource = \"the model at known parameters\"\n"
          << stats[k] << "value = " << sweep::exact(v) << "\nband = [" << sweep::exact(v * 0.95) << ", "
          << sweep::exact(v * 1.05) << "]\n[target.filter]\nsteps = [2, 11]\n";
    }
    return o.str();
}

// Writes DIR/targets.toml from a run at the true parameters with seed `seed`.
fs::path make_targets(const fs::path& dir, std::uint64_t seed) {
    test::write_file(dir / "template.toml", targets_text({}));
    const fs::path run = dir / "truth.h5";
    std::string out, err;
    const std::string cmd = "run " + source_path("scenarios/minimal.toml") + " --quiet --seed " + std::to_string(seed) +
                            " --out " + run.string() +
                            " --set population.candidates=1500 --set population.employers=60"
                            " --set population.abroad_share=0.0 --set scenario.steps=12"
                            " --set roles.llm_algorithm.base_wage=" +
                            sweep::exact(kTrueWage) +
                            " --set search.employed_intensity=" + sweep::exact(kTrueIntensity) +
                            " --set search.abroad_intensity=" + sweep::exact(kTrueAbroad);
    REQUIRE(run_cli(cmd, &out, &err) == 0);
    const Comparison c = compare_results({run}, dir / "template.toml");
    std::vector<double> v;
    for (const auto& t : c.targets) v.push_back(t.simulated_mean);
    test::write_file(dir / "targets.toml", targets_text(v));
    return dir / "targets.toml";
}

std::string calibration_text(const fs::path& targets, const std::string& method, bool abroad) {
    std::string s = std::string("[calibration]\nname = \"recovery\"\nscenario = \"") +
                    source_path("scenarios/minimal.toml") + "\"\nset = [" + kSet + "]\nseed = 3\nseeds = 6\n" +
                    "[[parameters]]\nname = \"base_wage\"\nkey = \"roles.llm_algorithm.base_wage\"\n"
                    "bounds = [300000, 900000]\nscale = \"log\"\n"
                    "[[parameters]]\nname = \"on_the_job_search\"\nkey = \"search.employed_intensity\"\n"
                    "bounds = [0.02, 0.4]\n";
    if (abroad)
        s += "[[parameters]]\nname = \"abroad_search\"\nkey = \"search.abroad_intensity\"\nbounds = [0.01, 0.5]\n";
    return s + "[[targets]]\nfile = \"" + targets.string() + "\"\n" + method;
}

template <class T>
std::vector<T> numbers(const fs::path& file, const std::string& name) {
    h5::File f = h5::open_read_only(file);
    return h5::read_rows<T>(f, name);
}

// First difference between the datasets of two files ("" when equal).
std::string h5_difference(const fs::path& a, const fs::path& b) {
    h5::File fa = h5::open_read_only(a), fb = h5::open_read_only(b);
    const auto la = h5::list_datasets(fa), lb = h5::list_datasets(fb);
    if (la.size() != lb.size()) return "dataset count differs";
    for (std::size_t i = 0; i < la.size(); ++i) {
        if (la[i].path != lb[i].path || la[i].shape != lb[i].shape) return la[i].path + ": differs in name or shape";
        h5::Dataset d = h5::open_dataset(fa, la[i].path);
        h5::Datatype t(H5Dget_type(d));
        if (H5Tget_class(t) == H5T_STRING ? h5::read_strings(fa, la[i].path) != h5::read_strings(fb, lb[i].path)
                                          : h5::read_raw(fa, la[i].path) != h5::read_raw(fb, lb[i].path))
            return la[i].path + ": values differ";
    }
    return "";
}

// A cheap calibration for the resume and Slurm tests: few points, few seeds.
const char* kCheap = "[method]\nglobal_points = 4\nbudget = 8\n[inference]\nprofile_points = 3\n";

}  // namespace

TEST_CASE("calibration files: every error is reported with file, line, column and key", "[calibrate]") {
    const fs::path dir = temp_dir("calibrate_errors");
    test::write_file(dir / "targets.toml", targets_text({}));
    const fs::path file = dir / "bad.toml";
    test::write_file(file, std::string("[calibration]\n"   // 1
                                       "name = \"bad\"\n"  // 2
                                       "scenario = \"") +
                               source_path("scenarios/minimal.toml") +
                               "\"\n"                                     // 3
                               "seeds = 1\n"                              // 4 out of range
                               "[[parameters]]\n"                         // 5
                               "key = \"search.employed_intensty\"\n"     // 6 not a key
                               "bounds = [0.02, 0.4]\n"                   // 7
                               "[[parameters]]\n"                         // 8
                               "key = \"search.unemployed_intensity\"\n"  // 9
                               "bounds = [0.5, 0.1]\n"                    // 10 low > high
                               "[[parameters]]\n"                         // 11
                               "key = \"population.employers\"\n"         // 12 an integer key
                               "bounds = [10, 100]\n"                     // 13
                               "scale = \"logarithmic\"\n"                // 14 bad choice
                               "[[targets]]\n"                            // 15
                               "file = \"targets.toml\"\n"                // 16
                               "weights = { posted_meen = 2.0 }\n"        // 17 no such target
                               "[method]\n"                               // 18
                               "local = \"newton\"\n"                     // 19 bad choice
                               "colour = 1\n"                             // 20 unknown key
                               "loss = \"median\"\n");                    // 21 bad choice
    try {
        (void)sweep::load_calibration(file);
        FAIL("an invalid calibration file was accepted");
    } catch (const ScenarioInvalid& e) {
        std::set<std::string> where;
        for (const auto& err : e.errors()) where.insert(std::to_string(err.line) + ":" + err.key);
        INFO(e.what());
        CHECK(where.count("4:calibration.seeds"));
        CHECK(where.count("10:parameters.1.bounds"));
        CHECK(where.count("14:parameters.2.scale"));
        CHECK(where.count("17:targets.0.weights.posted_meen"));
        CHECK(where.count("19:method.local"));
        CHECK(where.count("20:method.colour"));
        CHECK(where.count("21:method.loss"));
    }
    // Once the other errors are fixed, the keys are checked against the scenario.
    std::string text = slurp(file);
    for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{{"seeds = 1\n", "seeds = 2\n"},
                                                                            {"[0.5, 0.1]", "[0.1, 0.5]"},
                                                                            {"\"logarithmic\"", "\"log\""},
                                                                            {"posted_meen", "posted_mean"},
                                                                            {"\"newton\"", "\"bobyqa\""},
                                                                            {"colour = 1\n", ""},
                                                                            {"\"median\"", "\"per_seed\""}})
        text.replace(text.find(from), from.size(), to);
    test::write_file(file, text);
    try {
        (void)sweep::load_calibration(file);
        FAIL("an invalid calibration file was accepted");
    } catch (const ScenarioInvalid& e) {
        std::set<std::string> where;
        for (const auto& err : e.errors()) where.insert(std::to_string(err.line) + ":" + err.key);
        INFO(e.what());
        CHECK(where.count("5:parameters.0.key"));
        CHECK(where.count("11:parameters.2.key"));  // integer keys cannot be calibrated
        CHECK(where.size() == 2);
    }
    std::string out, err;
    CHECK(run_cli("calibrate " + file.string() + " --out " + (dir / "out").string(), &out, &err) == 2);
    CHECK(err.find(file.string() + ":5:") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("calibration recovers known parameters within two standard errors and names what it cannot identify",
          "[calibrate][slow]") {
    const fs::path dir = temp_dir("calibrate_recovery");
    const fs::path targets = make_targets(dir, 101);
    test::write_file(dir / "cal.toml", calibration_text(targets, "[method]\nbudget = 40\n", true));
    std::string out, err;
    const int rc =
        run_cli("calibrate " + (dir / "cal.toml").string() + " --out " + (dir / "out").string() + " --jobs 2 --quiet",
                &out, &err);
    INFO(out << err);
    REQUIRE(rc == 0);
    const fs::path h5 = dir / "out" / "calibration.h5";
    const auto est = numbers<double>(h5, "estimate/value"), se = numbers<double>(h5, "estimate/se");
    h5::File f = h5::open_read_only(h5);
    const auto identified = h5::read_strings(f, "estimate/identified");
    REQUIRE(est.size() == 3);
    // Recovery: each identified parameter within two standard errors of the truth.
    CHECK(identified[0] == "yes");
    CHECK(identified[1] == "yes");
    CHECK(std::abs(est[0] - kTrueWage) < 2 * se[0]);
    CHECK(std::abs(est[1] - kTrueIntensity) < 2 * se[1]);
    CHECK(se[0] > 0);
    CHECK(se[1] > 0);
    // Nobody is abroad: the abroad search intensity changes nothing, the Jacobian has rank 2.
    CHECK(identified[2] == "no");
    CHECK(std::isnan(se[2]));
    CHECK(h5::read_attr<std::int64_t>(h5::Object(H5Oopen(f, "inference", H5P_DEFAULT)), "rank") == 2);
    CHECK(out.find("not identified by the targets: abroad_search") != std::string::npos);
    // Four moments, two identified parameters: a J-test with 2 degrees of freedom.
    h5::Object inf(H5Oopen(f, "inference", H5P_DEFAULT));
    CHECK(h5::read_attr<std::int64_t>(inf, "j_df") == 2);
    const double p = h5::read_attr<double>(inf, "j_pvalue");
    CHECK(p >= 0);
    CHECK(p <= 1);
    // The loss of the best evaluation is the minimum over every evaluation of the optimisation.
    const auto loss = numbers<double>(h5, "evaluations/loss");
    const auto stage = h5::read_strings(f, "evaluations/stage");
    const auto best = h5::read_attr<std::int64_t>(h5::Object(H5Oopen(f, "best", H5P_DEFAULT)), "index");
    CHECK(h5::read_string_attr(h5::Object(H5Oopen(f, "best", H5P_DEFAULT)), "loss_kind") == "mean");
    // The chance that a new seed puts each target outside its band, from the best point's seeds.
    const auto chance = numbers<double>(h5, "best/chance_outside");
    REQUIRE(chance.size() == numbers<double>(h5, "targets/lo").size());
    for (double p : chance) CHECK((p >= 0 && p <= 1));
    for (std::size_t i = 0; i < loss.size(); ++i)
        if (stage[i] == "global" || stage[i] == "local") CHECK(loss[static_cast<std::size_t>(best)] <= loss[i]);
    // calibrated.toml runs as is and holds the estimates.
    CHECK(run_cli("validate " + (dir / "out" / "calibrated.toml").string(), &out, &err) == 0);
    const Scenario s = load_scenario(dir / "out" / "calibrated.toml");
    CHECK(s.search.employed_intensity == est[1]);
    // The plot script draws its figure.
    CHECK(std::system(("/usr/bin/python3 " + source_path("scripts/plot_calibration.py") + " " + h5.string() +
                       " --out " + (dir / "cal.png").string() + " >/dev/null 2>&1")
                          .c_str()) == 0);
    CHECK(fs::file_size(dir / "cal.png") > 10000);
}

TEST_CASE("a calibration killed with SIGKILL resumes and ends with the same result", "[calibrate][slow]") {
    const fs::path dir = temp_dir("calibrate_resume");
    const fs::path targets = make_targets(dir, 7);
    test::write_file(dir / "cal.toml", calibration_text(targets, kCheap, false));
    const std::string base = "calibrate " + (dir / "cal.toml").string() + " --jobs 2 --quiet --out ";
    std::string out, err;
    REQUIRE(run_cli(base + (dir / "whole").string(), &out, &err) == 0);

    // The same calibration in the background, killed once some batches are done.
    const fs::path cut = dir / "cut";
    const std::string cmd = std::string("cd ") + TALENTSIM_SOURCE_DIR + " && (" + TALENTSIM_BINARY + " " + base +
                            cut.string() + " >/dev/null 2>&1 & echo $! > " + (dir / "pid").string() + ")";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const pid_t pid = std::stoi(slurp(dir / "pid"));
    bool killed = false;
    for (int i = 0; i < 600 && !killed; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (fs::exists(cut / "batches" / "b0003")) killed = ::kill(pid, SIGKILL) == 0;
    }
    REQUIRE(killed);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK_FALSE(fs::exists(cut / "calibration.h5"));
    REQUIRE(run_cli(base + cut.string(), &out, &err) == 0);
    CHECK(h5_difference(dir / "whole" / "calibration.h5", cut / "calibration.h5").empty());
    CHECK(slurp(dir / "whole" / "calibrated.toml") == slurp(cut / "calibrated.toml"));
    // Running again on a finished directory only reads it back.
    REQUIRE(run_cli(base + cut.string(), &out, &err) == 0);
    CHECK(h5_difference(dir / "whole" / "calibration.h5", cut / "calibration.h5").empty());
    // Another calibration into the same directory is refused.
    test::write_file(dir / "other.toml", calibration_text(targets, "[method]\nbudget = 3\n", false));
    CHECK(run_cli("calibrate " + (dir / "other.toml").string() + " --quiet --out " + cut.string(), &out, &err) == 2);
}

namespace {
struct SlurmCluster {
    fs::path dir;
    bool up = false;
    std::string log;
    explicit SlurmCluster(const fs::path& d) : dir(d) {
        fs::create_directories(dir);
        const fs::path out = dir / "start.out";
        up = std::system(
                 (source_path("tests/slurm/start.sh") + " " + dir.string() + " >" + out.string() + " 2>&1").c_str()) ==
             0;
        log = slurp(out);
        if (up) ::setenv("SLURM_CONF", (dir / "slurm.conf").c_str(), 1);
    }
    ~SlurmCluster() {
        (void)std::system((source_path("tests/slurm/stop.sh") + " " + dir.string() + " >/dev/null 2>&1").c_str());
        ::unsetenv("SLURM_CONF");
    }
};
}  // namespace

TEST_CASE("a calibration evaluated as Slurm array jobs equals the local one", "[calibrate][slurm][slow]") {
    const fs::path dir = temp_dir("calibrate_slurm");
    const fs::path targets = make_targets(dir, 7);
    test::write_file(dir / "cal.toml", calibration_text(targets, kCheap, false));
    const std::string base = "calibrate " + (dir / "cal.toml").string() + " --quiet --out ";
    std::string out, err;
    REQUIRE(run_cli(base + (dir / "local").string() + " --jobs 2", &out, &err) == 0);
    SlurmCluster slurm(dir / "cluster");
    INFO(slurm.log);
    REQUIRE(slurm.up);
    const int rc = run_cli(base + (dir / "slurm").string() + " --slurm --submit --time 00:05:00", &out, &err);
    INFO(out << err);
    REQUIRE(rc == 0);
    CHECK(h5_difference(dir / "local" / "calibration.h5", dir / "slurm" / "calibration.h5").empty());
    std::size_t logs = 0;
    for (const auto& b : fs::directory_iterator(dir / "slurm" / "batches"))
        if (fs::is_directory(b.path() / "logs")) ++logs;
    CHECK(logs >= 3);  // the global stage, local steps, the Jacobian and the profiles ran as array jobs
}

namespace {
// A calibration of linear moments m_k(u) = a_k u with known per-seed noise, no simulation:
// the inference formulas in their textbook limits.
sweep::Calibration linear_problem(std::size_t K) {
    sweep::Calibration c;
    c.seeds = 4;
    c.fd_step = 0.1;
    sweep::CalParameter p;
    p.name = "u";
    c.parameters = {p};
    for (std::size_t k = 0; k < K; ++k) {
        std::string name = "m";  // appended, not "m" + ...: no GCC 12 -Wrestrict false positive
        name += std::to_string(k);
        c.targets.push_back({"t", name, 0.0, -1.0, 1.0, 1.0, 1.0, ""});
    }
    return c;
}
sweep::Evaluation linear_point(double u, const std::vector<double>& a, const std::vector<std::vector<double>>& noise) {
    sweep::Evaluation e;
    e.x = {u};
    for (const auto& row : noise) {
        std::vector<double> y;
        for (std::size_t k = 0; k < a.size(); ++k) y.push_back(a[k] * u + row[k]);
        e.per_seed.push_back(y);
    }
    return e;
}
}  // namespace

TEST_CASE("calibration inference: sandwich standard errors and the J-test in closed form", "[calibrate]") {
    const std::vector<std::vector<double>> noise = {{0.3, -0.1}, {-0.2, 0.25}, {0.1, -0.3}, {-0.2, 0.15}};
    const double u = 0.5;
    // One moment, one parameter (exactly identified): se = sqrt(1 + 1/S) sd / |a|, no J-test.
    {
        const auto c = linear_problem(1);
        const std::vector<std::vector<double>> n1 = {{0.3}, {-0.2}, {0.1}, {-0.2}};
        const std::vector<double> a = {2.0};
        sweep::CalibrationResult r;
        infer(c, {linear_point(0.4, a, n1), linear_point(0.6, a, n1)}, linear_point(u, a, n1), {u}, {{1.0}}, r);
        const double mean = (0.3 - 0.2 + 0.1 - 0.2) / 4, var = (std::pow(0.3 - mean, 2) + std::pow(-0.2 - mean, 2) +
                                                                std::pow(0.1 - mean, 2) + std::pow(-0.2 - mean, 2)) /
                                                               3;
        CHECK(r.jacobian[0][0] == Approx(2.0));
        CHECK(r.se[0] == Approx(std::sqrt((1 + 1.0 / 4) * var) / 2));
        CHECK(r.identified[0] == "yes");
        CHECK(r.j_df == 0);
        CHECK(std::isnan(r.j_stat));
    }
    // Two moments with the same slope, W = I, diagonal covariance sigma^2 I: J = (g1 - g2)^2 / (2 sigma^2).
    {
        const auto c = linear_problem(2);
        // Seed deviations of equal variance and no covariance; the moment means differ by 0.1.
        const std::vector<std::vector<double>> same = {{0.3, 0.2}, {-0.1, 0.2}, {0.3, -0.2}, {-0.1, -0.2}};
        const std::vector<double> a = {1.0, 1.0};
        sweep::CalibrationResult r;
        const auto best = linear_point(u, a, same);
        infer(c, {linear_point(0.4, a, same), linear_point(0.6, a, same)}, best, {u}, {{1, 0}, {0, 1}}, r);
        const double s2 = (1 + 1.0 / 4) * (4 * 0.04) / 3;  // (1 + 1/S) x the seed variance of each moment
        CHECK(r.distance_at_best[0] - r.distance_at_best[1] == Approx(0.1));
        CHECK_FALSE(r.diagonal_covariance);  // S - 1 = 3 >= K = 2
        CHECK(r.j_df == 1);
        const double g1 = r.distance_at_best[0], g2 = r.distance_at_best[1];
        CHECK(r.j_stat == Approx((g1 - g2) * (g1 - g2) / (2 * s2)));
        CHECK(r.j_pvalue > 0);
        CHECK(r.j_pvalue < 1);
    }
    // A moment that does not move with the parameter: not identified, no standard error.
    {
        const auto c = linear_problem(2);
        const std::vector<double> a = {0.0, 0.0};
        sweep::CalibrationResult r;
        infer(c, {linear_point(0.4, a, noise), linear_point(0.6, a, noise)}, linear_point(u, a, noise), {u},
              {{1, 0}, {0, 1}}, r);
        CHECK(r.rank == 0);
        CHECK(r.identified[0] == "no");
        CHECK(std::isnan(r.se[0]));
    }
}

TEST_CASE("the per-seed loss is the mean of each seed's loss: zero only when every seed is inside", "[calibrate]") {
    // Target 0 one-sided [0, inf) with half band 1, target 1 two-sided [-1, 1] around 0.
    auto c = linear_problem(2);
    c.targets[0].lo = 0.0;
    c.targets[0].hi = std::numeric_limits<double>::infinity();
    const std::vector<std::vector<double>> W = {{1, 0}, {0, 1}};
    // Target 0 of seed 0 is below its bound by 0.2; the mean over the seeds (0.15) is inside.
    const std::vector<std::vector<double>> seeds = {{-0.2, 0.3}, {0.1, -0.1}, {0.3, 0.2}, {0.4, -0.4}};
    const sweep::Evaluation e = linear_point(0.0, {1.0, 1.0}, seeds);
    const double mean1 = (0.3 - 0.1 + 0.2 - 0.4) / 4;
    c.loss = sweep::LossKind::mean;
    CHECK(sweep::loss_of(c, e, W) == Approx(mean1 * mean1));  // target 0 inside on the mean: no loss
    c.loss = sweep::LossKind::per_seed;
    const double squares1 = (0.09 + 0.01 + 0.04 + 0.16) / 4;
    CHECK(sweep::loss_of(c, e, W) == Approx(0.04 / 4 + squares1));
    // With every seed inside the one-sided band, only the two-sided target is left.
    const sweep::Evaluation in = linear_point(0.5, {1.0, 0.0}, seeds);
    CHECK(sweep::loss_of(c, in, W) == Approx(squares1));
    // The calibration file's choice (the targets' values do not matter here: no run is made).
    const fs::path dir = temp_dir("calibrate_per_seed");
    const fs::path targets = dir / "targets.toml";
    test::write_file(targets, targets_text({}));
    test::write_file(dir / "c.toml", calibration_text(targets, "[method]\nloss = \"per_seed\"\n", false));
    CHECK(sweep::load_calibration(dir / "c.toml").loss == sweep::LossKind::per_seed);
    test::write_file(dir / "c.toml", calibration_text(targets, "", false));
    CHECK(sweep::load_calibration(dir / "c.toml").loss == sweep::LossKind::mean);
}

namespace {
// Two targets for the penalised losses, rho = 10: target 0 one-sided [0, inf) with half band 1,
// target 1 two-sided [-1, 1] around 0 with weight 2.
sweep::Calibration penalty_problem(sweep::LossKind loss) {
    auto c = linear_problem(2);
    c.targets[0].lo = 0.0;
    c.targets[0].hi = std::numeric_limits<double>::infinity();
    c.targets[1].weight = 2.0;
    c.loss = loss;
    c.band_penalty = 10.0;
    return c;
}

// A calibration file with the given [method] keys (and a targets file of its own) in a fresh
// directory `name`, loaded.
sweep::Calibration calibration_with_method(const std::string& name, const std::string& method) {
    const fs::path dir = temp_dir(name);
    const fs::path targets = dir / "targets.toml";
    test::write_file(targets, targets_text({}));
    test::write_file(dir / "c.toml", calibration_text(targets, "[method]\n" + method, false));
    return sweep::load_calibration(dir / "c.toml");
}
}  // namespace

TEST_CASE("the bands loss is the loss of the mean plus rho for each seed outside a band", "[calibrate]") {
    const auto c = penalty_problem(sweep::LossKind::bands);
    const std::vector<std::vector<double>> W = {{1, 0}, {0, 2}};
    // Seed 0: target 0 below its bound by 0.2; seed 3: target 1 above its band by 0.5. The means
    // (0.15 and 0.4) are inside both bands.
    const std::vector<std::vector<double>> seeds = {{-0.2, 0.3}, {0.1, -0.1}, {0.3, -0.1}, {0.4, 1.5}};
    const sweep::Evaluation e = linear_point(0.0, {1.0, 1.0}, seeds);
    const double mean1 = (0.3 - 0.1 - 0.1 + 1.5) / 4;
    const double of_mean = 2 * mean1 * mean1;  // target 0 inside on the mean: no distance
    CHECK(sweep::band_penalty_of(c, e) == Approx(10.0 * (1 * 0.2 + 2 * 0.5) / 4));
    CHECK(sweep::loss_of(c, e, W) == Approx(of_mean + 10.0 * 1.2 / 4));
    // A seed inside a two-sided band costs nothing beyond the loss of the mean, wherever it is.
    const std::vector<std::vector<double>> inside = {{0.2, 0.9}, {0.1, -0.9}, {0.3, 0.5}, {0.4, 0.0}};
    const sweep::Evaluation in = linear_point(0.0, {1.0, 1.0}, inside);
    CHECK(sweep::band_penalty_of(c, in) == 0.0);
    CHECK(sweep::loss_of(c, in, W) == Approx(2 * 0.125 * 0.125));
    // The file's keys; a negative penalty is an error that names the key.
    const sweep::Calibration read = calibration_with_method("calibrate_bands", "loss = \"bands\"\nband_penalty = 25\n");
    CHECK(read.loss == sweep::LossKind::bands);
    CHECK(read.band_penalty == 25.0);
    CHECK_THROWS_WITH(calibration_with_method("calibrate_bands", "loss = \"bands\"\nband_penalty = -1\n"),
                      Catch::Contains("method.band_penalty"));
}

TEST_CASE("the coverage loss adds rho times the chance that a new seed puts each target outside its band",
          "[calibrate]") {
    const auto c = penalty_problem(sweep::LossKind::coverage);
    // Target 0: seeds 0 and 1 (mean 0.5, sd 1/sqrt 2 with n - 1): the bound 0 is 0.5 sqrt 2
    // standard deviations below the mean, chance Phi(-0.5 sqrt 2). Target 1: seeds -0.5 and 1.5
    // (mean 0.5, sd sqrt 2): chance Phi((-1 - 0.5) / sqrt 2) + Phi((0.5 - 1) / sqrt 2).
    const std::vector<std::vector<double>> seeds = {{0.0, -0.5}, {1.0, 1.5}};
    const sweep::Evaluation e = linear_point(0.0, {1.0, 1.0}, seeds);
    const auto Phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
    const double p0 = Phi(-0.5 * std::sqrt(2.0)), p1 = Phi(-1.5 / std::sqrt(2.0)) + Phi(-0.5 / std::sqrt(2.0));
    CHECK(sweep::chance_outside(c.targets[0], seeds, 0) == Approx(p0));
    CHECK(sweep::chance_outside(c.targets[1], seeds, 1) == Approx(p1));
    CHECK(sweep::coverage_penalty_of(c, e) == Approx(10.0 * (p0 + 2 * p1)));
    const std::vector<std::vector<double>> W = {{1, 0}, {0, 2}};
    CHECK(sweep::loss_of(c, e, W) == Approx(2 * 0.5 * 0.5 + 10.0 * (p0 + 2 * p1)));
    // The chance falls as the seeds move away from the edge, and as their spread narrows.
    const std::vector<std::vector<double>> further = {{1.0, 0.0}, {2.0, 0.0}};
    CHECK(sweep::chance_outside(c.targets[0], further, 0) < p0);
    const std::vector<std::vector<double>> narrower = {{0.25, 0.0}, {0.75, 0.0}};
    CHECK(sweep::chance_outside(c.targets[0], narrower, 0) < p0);
    // No spread: 1 outside the band, 0 inside; no data: not counted.
    const std::vector<std::vector<double>> same = {{-0.1, 0.2}, {-0.1, 0.2}};
    CHECK(sweep::chance_outside(c.targets[0], same, 0) == 1.0);
    CHECK(sweep::chance_outside(c.targets[1], same, 1) == 0.0);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<std::vector<double>> none = {{nan, 0.2}, {nan, 0.4}};
    CHECK(std::isnan(sweep::chance_outside(c.targets[0], none, 0)));
    CHECK(sweep::coverage_penalty_of(c, linear_point(0.0, {1.0, 1.0}, none)) ==
          Approx(10.0 * 2 * sweep::chance_outside(c.targets[1], none, 1)));
    // The file's key.
    const sweep::Calibration read = calibration_with_method("calibrate_coverage", "loss = \"coverage\"\nband_penalty = 40\n");
    CHECK(read.loss == sweep::LossKind::coverage);
    CHECK(read.band_penalty == 40.0);
}

TEST_CASE("with coverage_spread = global the coverage loss takes the global stage's pooled spread", "[calibrate]") {
    // Two global evaluations of target 0 with seed variances 0.5 and 2.0: pooled sd sqrt(1.25).
    // With that spread fixed, a point whose own seeds lie close together (or far apart) has the
    // chance of the pooled spread at its mean: narrowing the seeds no longer lowers the penalty.
    auto c = penalty_problem(sweep::LossKind::coverage);
    const std::vector<std::vector<double>> a = {{0.0, 0.0}, {1.0, 0.0}}, b = {{0.0, 0.0}, {2.0, 0.0}};
    const std::vector<sweep::Evaluation> global = {linear_point(0.0, {1.0, 1.0}, a), linear_point(0.0, {1.0, 1.0}, b)};
    const std::vector<double> sd = sweep::pooled_spread(c, global);
    REQUIRE(sd.size() == 2);
    CHECK(sd[0] == Approx(std::sqrt(1.25)));
    CHECK(sd[1] == 0.0);
    const auto Phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
    const std::vector<std::vector<double>> narrow = {{0.45, 0.0}, {0.55, 0.0}}, wide = {{-1.0, 0.0}, {2.0, 0.0}};
    const double own_narrow = sweep::chance_outside(c, narrow, 0);  // the point's own spread: tiny chance
    c.coverage_sd = {sd[0], std::numeric_limits<double>::quiet_NaN()};
    const double pooled = Phi(-0.5 / std::sqrt(1.25));
    CHECK(own_narrow < 1e-6);
    CHECK(sweep::chance_outside(c, narrow, 0) == Approx(pooled));
    CHECK(sweep::chance_outside(c, wide, 0) == Approx(pooled));
    CHECK(sweep::coverage_penalty_of(c, linear_point(0.0, {1.0, 1.0}, narrow)) ==
          Approx(10.0 * (pooled + 2 * sweep::chance_outside(c.targets[1], narrow, 1))));
    // A failed evaluation is left out of the pool; the file's key.
    std::vector<sweep::Evaluation> with_failed = global;
    with_failed.push_back(linear_point(0.0, {1.0, 1.0}, {{-50.0, 0.0}, {50.0, 0.0}}));
    with_failed.back().ok = false;
    CHECK(sweep::pooled_spread(c, with_failed)[0] == Approx(std::sqrt(1.25)));
    const sweep::Calibration read =
        calibration_with_method("calibrate_spread", "loss = \"coverage\"\ncoverage_spread = \"global\"\n");
    CHECK(read.spread_from_global);
    CHECK_FALSE(calibration_with_method("calibrate_spread", "loss = \"coverage\"\n").spread_from_global);
    CHECK_THROWS_WITH(calibration_with_method("calibrate_spread", "coverage_spread = \"seeds\"\n"),
                      Catch::Contains("method.coverage_spread"));
}

TEST_CASE("every calibration file shipped in scenarios/calibrations loads and validates", "[calibrate]") {
    int loaded = 0;
    for (const auto& entry : fs::directory_iterator(source_path("scenarios/calibrations"))) {
        const fs::path f = entry.path();
        if (f.extension() != ".toml" || f.filename() == "recovery_targets.toml") continue;  // a targets file
        INFO(f.string());
        const sweep::Calibration c = sweep::load_calibration(f);
        CHECK(!c.parameters.empty());
        CHECK(c.parameters.size() < c.targets.size());  // fewer free parameters than targets
        if (f.stem().string().ends_with("_ab")) {
            // sections A and B only: the four section C targets have weight 0
            CHECK(c.targets.size() == 18);
            for (const sweep::CalTarget& t : c.targets) CHECK(t.name[0] != 'C');
        }
        ++loaded;
    }
    CHECK(loaded >= 10);
}
