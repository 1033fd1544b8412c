// Reliability from the command line (docs/reliability.md): kill -9 and resume, SIGTERM, a full
// disk, hostile input files, runs too large for the machine, and replays of fuzzer findings.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "io/h5.hpp"
#include "run/run.hpp"
#include "run/process.hpp"
#include "support.hpp"
#include "sweep/sweep.hpp"

using namespace talentsim;
namespace fs = std::filesystem;
using test::Child;
using test::compare_files;
using test::q;
using test::slurp;
using test::wait_for_file;
using test::write_scenario;

TEST_CASE("kill -9 in the middle of a run, resume: the same result file as an uninterrupted run",
          "[reliability][slow]") {
    const auto dir = test::temp_dir("rel_kill");
    constexpr int kSteps = 600;  // long enough to be running when stopped (write_scenario)
    const fs::path scenario = write_scenario(dir, kSteps);
    REQUIRE(test::run_cli("run " + q(scenario) + " --out " + q(dir / "full.h5") + " --threads 2 -q") == 0);

    Child run({"run", scenario.string(), "--out", "part.h5", "--threads", "2", "-q", "--checkpoint-every", "5"}, dir);
    REQUIRE(wait_for_file(dir / "part.h5.ckpt", 120));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // rows beyond the checkpoint reach the journal
    REQUIRE(run.running());
    ::kill(run.pid, SIGKILL);
    CHECK(run.wait() == 128 + SIGKILL);
    CHECK_FALSE(fs::exists(dir / "part.h5"));  // never a file under the final name
    const auto saved = read_checkpoint_header(dir / "part.h5.ckpt");
    CHECK(saved.next_step > 0);
    CHECK(saved.next_step < kSteps);
    CHECK(fs::file_size(dir / "part.h5.ckpt.journal") >= saved.journal_bytes);

    std::string out, err;
    REQUIRE(test::run_cli("resume " + q(dir / "part.h5.ckpt") + " --threads 1", &out, &err) == 0);
    CHECK_THAT(out, Catch::Contains("resumed at step " + std::to_string(saved.next_step)));
    std::string report;
    CHECK(compare_files(dir / "full.h5", dir / "part.h5", &report) == 0);
    INFO(report);
    CHECK_THAT(report, Catch::Contains("identical"));
    CHECK_FALSE(fs::exists(dir / "part.h5.ckpt"));
    fs::remove_all(dir);
}

TEST_CASE("SIGTERM: exit 1, a valid .partial file marked incomplete, a checkpoint that resumes",
          "[reliability][slow]") {
    const auto dir = test::temp_dir("rel_term");
    constexpr int kSteps = 600;  // long enough to be running 300 ms after it starts writing (write_scenario)
    const fs::path scenario = write_scenario(dir, kSteps);

    SECTION("without checkpoints") {
        Child run({"run", scenario.string(), "--out", "r.h5", "-q"}, dir);
        REQUIRE(wait_for_file(dir / "r.h5.partial", 60));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        REQUIRE(run.running());
        ::kill(run.pid, SIGTERM);
        CHECK(run.wait() == 1);
        CHECK_THAT(slurp(run.err), Catch::Contains("incomplete results (complete = 0)"));
        CHECK_FALSE(fs::exists(dir / "r.h5"));
        const h5::File f = h5::open_read_only(dir / "r.h5.partial");
        CHECK(h5::read_attr<std::int64_t>(f, "complete") == 0);
        const auto written = h5::read_attr<std::int64_t>(f, "steps_written");
        CHECK(written >= 1);
        CHECK(written < kSteps);
        CHECK(static_cast<std::int64_t>(h5::read_rows<StepRow>(f, "steps").size()) == written);
    }
    SECTION("with checkpoints: the stop saves one, resume completes the run") {
        REQUIRE(test::run_cli("run " + q(scenario) + " --out " + q(dir / "full.h5") + " --threads 2 -q") == 0);
        Child run({"run", scenario.string(), "--out", "r.h5", "-q", "--threads", "2", "--checkpoint-every", "1000"},
                  dir);
        REQUIRE(wait_for_file(dir / "r.h5.partial", 60));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        REQUIRE(run.running());
        ::kill(run.pid, SIGTERM);
        CHECK(run.wait() == 1);
        CHECK_THAT(slurp(run.err), Catch::Contains("continue with: talentsim resume"));
        REQUIRE(fs::exists(dir / "r.h5.ckpt"));  // interval 1000: only the stop wrote it
        // Re-running the same command continues (what a requeued cluster job does).
        REQUIRE(test::run_cli("run " + q(scenario) + " --out " + q(dir / "r.h5") + " -q --checkpoint-every 1000") == 0);
        std::string report;
        CHECK(compare_files(dir / "full.h5", dir / "r.h5", &report) == 0);
        INFO(report);
    }
    fs::remove_all(dir);
}

TEST_CASE("a full disk (file size limit) gives a clear error and exit 1, and no result file", "[reliability]") {
    const auto dir = test::temp_dir("rel_disk");
    const fs::path scenario = write_scenario(dir, 40, /*scaled=*/true);
    // ulimit -f: writes beyond the limit (in blocks of 512 bytes) fail with EFBIG, as on a full disk
    // (talentsim ignores SIGXFSZ).
    std::string out, err;
    const auto limited = [&](int blocks) {
        return "ulimit -f " + std::to_string(blocks) + " && exec " TALENTSIM_BINARY " run " + q(scenario) + " -q --out ";
    };
    SECTION("result file") {
        // The disk fills at different writes: in the main thread or in the background writer's
        // (whose HDF5 error stack is its own: it must not print either).
        for (int blocks : {128, 256, 384, 512, 1024}) {
            INFO("ulimit -f " << blocks);
            CHECK(test::run_cli_raw("sh -c \"" + limited(blocks) + q(dir / "r.h5") + "\"", &out) == 1);
            CHECK_THAT(out, Catch::Contains(dir.string() + "/r.h5.partial") && Catch::Contains("File too large"));
            CHECK_THAT(out, !Catch::Contains("HDF5-DIAG"));
            CHECK_FALSE(fs::exists(dir / "r.h5"));
            CHECK_FALSE(fs::exists(dir / "r.h5.partial"));
        }
    }
    SECTION("journal and checkpoint") {
        CHECK(test::run_cli_raw("sh -c \"" + limited(512) + q(dir / "r.h5") + " --checkpoint-every 2\"", &out) == 1);
        CHECK_THAT(out, Catch::Contains("File too large"));
        CHECK_FALSE(fs::exists(dir / "r.h5"));
        CHECK_FALSE(fs::exists(dir / "r.h5.ckpt.tmp"));
        // A journal is kept only beside a checkpoint it belongs to; otherwise it could never be resumed.
        if (!fs::exists(dir / "r.h5.ckpt")) CHECK_FALSE(fs::exists(dir / "r.h5.ckpt.journal"));
    }
    CHECK_THAT(out, !Catch::Contains("HDF5-DIAG"));  // only the clear message
    INFO(out);
    fs::remove_all(dir);
}

// --- Hostile scenario files: each a clear error (exit 2) naming the file, never a crash or a hang.

namespace {
int validate(const std::string& text, std::string* err, const std::string& name = "hostile.toml") {
    const auto dir = test::temp_dir("rel_hostile");
    std::ofstream(dir / name, std::ios::binary) << text;
    return test::run_cli("validate " + q(dir / name), nullptr, err);
}
std::string minimal_with(const std::string& population_lines) {
    std::string s = slurp(test::source_path("scenarios/minimal.toml"));
    const std::string anchor = "[population]\n";
    return s.insert(s.find(anchor) + anchor.size(), population_lines);
}
}  // namespace

TEST_CASE("hostile input: huge counts (10^12 candidates)", "[reliability]") {
    std::string err;
    std::string text = slurp(test::source_path("scenarios/minimal.toml"));
    text.replace(text.find("candidates = 1000"), 17, "candidates = 1000000000000");
    CHECK(validate(text, &err) == 2);
    CHECK_THAT(err, Catch::Contains("hostile.toml") && Catch::Contains("population.candidates"));
    CHECK(test::run_cli("run scenarios/minimal.toml -q --out /tmp/never.h5 --set population.candidates=1000000000000",
                        nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("population.candidates"));
}

TEST_CASE("hostile input: negative and NaN values", "[reliability]") {
    std::string err;
    CHECK(validate(minimal_with("student_share = -0.5\n"), &err) == 2);
    CHECK_THAT(err, Catch::Contains("population.student_share"));
    CHECK(validate(minimal_with("student_share = nan\n"), &err) == 2);
    CHECK_THAT(err, Catch::Contains("population.student_share"));
    CHECK(validate(minimal_with("experience_mean_years = inf\n"), &err) == 2);
    CHECK_THAT(err, Catch::Contains("population.experience_mean_years"));
    CHECK(test::run_cli("validate scenarios/minimal.toml --set population.employers=-3", nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("population.employers"));
    CHECK(test::run_cli("validate scenarios/minimal.toml --set wages.annual_raise=nan", nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("wages.annual_raise"));
}

TEST_CASE("hostile input: deeply nested values", "[reliability]") {
    std::string err;
    const std::string arrays = "x = " + std::string(100000, '[') + std::string(100000, ']') + "\n";
    CHECK(validate(arrays, &err) == 2);
    CHECK_THAT(err, Catch::Contains("hostile.toml"));
    std::string tables = "x = ";
    for (int k = 0; k < 20000; ++k) tables += "{a = ";
    tables += "1" + std::string(20000, '}') + "\n";
    CHECK(validate(tables, &err) == 2);
    CHECK_THAT(err, Catch::Contains("hostile.toml"));
    std::string keys = "[a";
    for (int k = 0; k < 20000; ++k) keys += ".a";
    CHECK(validate(keys + "]\nb = 1\n", &err) == 2);
    CHECK_THAT(err, Catch::Contains("hostile.toml"));
}

TEST_CASE("hostile input: enormous files", "[reliability]") {
    std::string err;
    // 40 MB: a long string value, and a million unknown keys.
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(validate(minimal_with("") + "[scenario_extra]\nnote = \"" + std::string(40u << 20, 'x') + "\"\n", &err) == 2);
    std::string many;
    for (int k = 0; k < 1000000; ++k) {
        many += 'k';
        many += std::to_string(k);
        many += " = 1\n";
    }
    CHECK(validate(minimal_with("") + "[junk]\n" + many, &err) == 2);
    CHECK_THAT(err.substr(0, 4000), Catch::Contains("hostile.toml"));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120));  // no hang
    // Not a file at all: devices and FIFOs would never end (timeout exits 124 on a hang).
    std::string out;
    CHECK(test::run_cli_raw("timeout 30 " TALENTSIM_BINARY " validate /dev/zero", &out) == 2);
    CHECK_THAT(out, Catch::Contains("/dev/zero") && Catch::Contains("not a regular file"));
    const auto fifo = test::temp_dir("rel_fifo") / "scenario.toml";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(test::run_cli_raw("timeout 30 " TALENTSIM_BINARY " validate " + fifo.string(), &out) == 2);
    CHECK(test::run_cli("validate /dev/null", nullptr, &err) == 2);
    CHECK(test::run_cli("validate /tmp", nullptr, &err) != 0);
    CHECK(test::run_cli("validate /nonexistent/scenario.toml", nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("/nonexistent/scenario.toml"));
}

TEST_CASE("hostile input: non-UTF-8 bytes", "[reliability]") {
    std::string err;
    CHECK(validate(minimal_with("") + "\n[scenario_x]\nname = \"\xff\xfe\xc0\xaf\"\n", &err) == 2);
    CHECK_THAT(err, Catch::Contains("hostile.toml"));
    std::string text = slurp(test::source_path("scenarios/minimal.toml"));
    text.replace(text.find("\"minimal\""), 9, "\"min\xc3\x28imal\"");
    CHECK(validate(text, &err) == 2);
    CHECK(validate(std::string("\x00\x01\x02\xff\xfe", 5), &err) == 2);
    CHECK(validate(std::string("\xef\xbb\xbf", 3) + std::string(4096, '\xff'), &err) == 2);
}

TEST_CASE("hostile input: result files that are not HDF5 or not talentsim results", "[reliability]") {
    const auto dir = test::temp_dir("rel_results");
    std::ofstream(dir / "text.h5") << "this is not an HDF5 file\n";
    std::ofstream(dir / "empty.h5");
    {
        h5::File f = h5::create_file(dir / "foreign.h5");  // valid HDF5, no talentsim schema
        h5::set_attr<std::int32_t>(f, "answer", 42);
        h5::File g = h5::create_file(dir / "future.h5");  // a schema this program does not read
        h5::set_attr<std::int32_t>(g, "schema_version", 99);
    }
    {  // the first KiB of a real result: a truncated file
        REQUIRE(test::run_cli("run scenarios/minimal.toml -q --out " + q(dir / "real.h5")) == 0);
        const std::string bytes = slurp(dir / "real.h5");
        std::ofstream(dir / "truncated.h5", std::ios::binary) << bytes.substr(0, 1024);
    }
    const std::vector<std::pair<std::string, std::string>> cases = {{"text.h5", "not an HDF5 file"},
                                                                    {"empty.h5", "not an HDF5 file"},
                                                                    {"foreign.h5", "not a talentsim result file"},
                                                                    {"future.h5", "schema version 99"},
                                                                    {"truncated.h5", "truncated.h5"},
                                                                    {"missing.h5", "no such file"}};
    for (const auto& [file, message] : cases) {
        INFO(file);
        std::string err;
        CHECK(test::run_cli("info " + q(dir / file), nullptr, &err) == 2);  // bad input
        CHECK_THAT(err, Catch::Contains(message));
        // compare reads result files too: a clear refusal, never a crash.
        const int cmp = test::run_cli("compare " + q(dir / file) + " --targets scenarios/targets/china_ai_2024.toml",
                                      nullptr, &err);
        CHECK(cmp == 2);
        CHECK_THAT(err, Catch::Contains(file));
    }
    // A checkpoint that is not one.
    std::string err;
    CHECK(test::run_cli("resume " + q(dir / "text.h5"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("not a talentsim checkpoint"));
    CHECK(test::run_cli("resume " + q(dir / "missing.ckpt"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("no such checkpoint"));
    fs::remove_all(dir);
}

TEST_CASE("a run that would not fit in memory or in 32-bit ids is refused before it starts", "[reliability]") {
    const auto dir = test::temp_dir("rel_memory");
    std::string err;
    // 10^8 candidates plus 10^8 graduates a year for ten years: ~1.1e9 slots, far beyond 24 GiB.
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(test::run_cli(
              "run scenarios/minimal.toml -q --out " + q(dir / "r.h5") +
                  " --steps 120 --set population.candidates=100000000 --set population.graduates_per_year=100000000",
              nullptr, &err) == 1);
    CHECK_THAT(
        err, Catch::Contains("needs about") && Catch::Contains("MiB of memory") && Catch::Contains("nothing was run"));
    // 10^7 returnees a month for 500 years: more slots than 32-bit ids hold.
    CHECK(test::run_cli("run scenarios/minimal.toml -q --out " + q(dir / "r.h5") +
                            " --steps 6000 --set population.abroad_inflow_per_month=10000000",
                        nullptr, &err) == 1);
    CHECK_THAT(err, Catch::Contains("32-bit ids"));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));  // refused up front, not after allocating
    CHECK_FALSE(fs::exists(dir / "r.h5.partial"));
    CHECK_FALSE(fs::exists(dir / "r.h5"));
    // The estimate is sensible: more than the agent arrays alone, and not absurdly more.
    const Scenario s = test::scenario("scenarios/china_ai_2024.toml");
    const auto need = estimated_memory_bytes(s, 42);
    CHECK(need > 40000u * 76u);
    CHECK(need < (1ull << 30));
    fs::remove_all(dir);
}

TEST_CASE("fuzzer findings and seeds replay without a crash", "[reliability][fuzz]") {
    // tests/fuzz/regressions/<target>/*: inputs that once crashed or misbehaved; each must now give
    // a scenario (or plan) or a clear ScenarioInvalid, and nothing else.
    std::size_t replayed = 0;
    const fs::path root = test::source_path("tests/fuzz/regressions");
    for (const auto& target : fs::directory_iterator(root)) {
        if (!target.is_directory()) continue;
        for (const auto& input : fs::directory_iterator(target.path())) {
            INFO(input.path().string());
            const std::string text = slurp(input.path());
            const std::string kind = target.path().filename().string();
            try {
                if (kind == "sweep") {
                    sweep::parse_sweep(text, test::source_path("scenarios/sweeps/fuzz.toml"));
                } else if (kind == "overrides") {
                    std::vector<std::string> lines;
                    std::istringstream in(text);
                    for (std::string line; std::getline(in, line);) lines.push_back(line);
                    parse_scenario(slurp(test::source_path("scenarios/minimal.toml")), "minimal.toml", lines);
                } else {
                    const Scenario s = parse_scenario(text, "regression.toml");
                    CHECK(to_toml(parse_scenario(to_toml(s), "again.toml")) == to_toml(s));
                }
            } catch (const ScenarioInvalid&) {}
            ++replayed;
        }
    }
    CHECK(replayed >= 1);
}

TEST_CASE("a run without a result file takes the same steps and leaves no file", "[reliability]") {
    const Scenario s = test::scenario("scenarios/china_ai_2024.toml",
                                      {"population.candidates=3000", "population.employers=100", "scenario.steps=8"});
    const fs::path dir = test::temp_dir("no_result_file");
    RunOptions with;
    with.out = dir / "run.h5";
    const RunResult a = run_simulation(s, 11, 8, with);
    RunOptions without;
    without.out = dir / "none.h5";
    without.write_file = false;
    const RunResult b = run_simulation(s, 11, 8, without);
    CHECK(a.complete);
    CHECK(b.complete);
    CHECK(b.file.empty());
    REQUIRE(a.rows.size() == 8);
    REQUIRE(b.rows.size() == a.rows.size());
    for (std::size_t k = 0; k < a.rows.size(); ++k) {
        CHECK(a.rows[k].employed == b.rows[k].employed);
        CHECK(a.rows[k].hires == b.rows[k].hires);
        CHECK(a.rows[k].job_to_job_moves == b.rows[k].job_to_job_moves);
        CHECK(a.rows[k].wage_mean == b.rows[k].wage_mean);
        CHECK(a.rows[k].wage_p90 == b.rows[k].wage_p90);
    }
    CHECK(a.rows.back().job_to_job_moves + a.rows.back().hires > 0);  // the run did something
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
    CHECK(files == 1);  // run.h5 only
    RunOptions checkpointed = without;
    checkpointed.checkpoint_every = 2;
    CHECK_THROWS_AS(run_simulation(s, 11, 8, checkpointed), std::invalid_argument);
    fs::remove_all(dir);
}
