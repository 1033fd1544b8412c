// The files a run writes (docs/reliability.md, "Files a run writes"): one writer per file, no two
// paths naming one file, no input overwritten, only regular files replaced, no result replaced
// without --force, and a default output that stays inside results/.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "io/h5.hpp"
#include "run/process.hpp"
#include "run/run.hpp"
#include "support.hpp"

using namespace talentsim;
namespace fs = std::filesystem;
using test::Child;
using test::q;
using test::slurp;
using test::wait_for_file;

namespace {

// Files in `dir` other than the ones named in `keep`.
std::vector<std::string> stray_files(const fs::path& dir, const std::vector<std::string>& keep) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (std::find(keep.begin(), keep.end(), e.path().filename().string()) == keep.end())
            out.push_back(e.path().filename().string());
    return out;
}

// A run of the minimal scenario stopped after its first step, with its checkpoint and journal.
fs::path stopped_run(const fs::path& out, std::uint64_t seed) {
    const std::atomic<bool> stop{true};
    RunOptions o;
    o.out = out;
    o.checkpoint_every = 5;
    o.stop = &stop;
    const RunResult r = run_simulation(test::scenario("scenarios/minimal.toml"), seed, 6, o);
    REQUIRE_FALSE(r.complete);
    REQUIRE(fs::exists(r.checkpoint));
    return r.checkpoint;
}

std::uint64_t seed_of(const fs::path& result) {
    const h5::File f = h5::open_read_only(result);
    return h5::read_attr<std::uint64_t>(f, "seed");
}

}  // namespace

TEST_CASE("a second writer of a result or checkpoint is refused before it touches anything", "[reliability][slow]") {
    const auto dir = test::temp_dir("paths_two_writers");
    // 600 steps: each section's first process must still run when the second one starts, 300 ms
    // after it (the resume: after most of the run was done). 150 steps ran in 0.3 s on a 2-core
    // host, and the resume had ended by then.
    const fs::path scenario = test::write_scenario(dir, 600);
    std::string err;
    SECTION("two runs, one result file") {
        REQUIRE(test::run_cli("run " + q(scenario) + " --out " + q(dir / "full.h5") + " --seed 1 -q") == 0);
        Child first({"run", scenario.string(), "--out", "same.h5", "--seed", "1", "-q"}, dir);
        REQUIRE(wait_for_file(dir / "same.h5.partial", 60));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        REQUIRE(first.running());
        CHECK(test::run_cli("run " + q(scenario) + " --out " + q(dir / "same.h5") + " --seed 2 -q", nullptr, &err) ==
              2);
        CHECK_THAT(err, Catch::Contains("same.h5.partial") && Catch::Contains("another talentsim process"));
        CHECK(first.wait() == 0);
        std::string report;
        CHECK(test::compare_files(dir / "full.h5", dir / "same.h5", &report) == 0);  // every dataset inflates
        INFO(report);
    }
    SECTION("two runs, one checkpoint") {
        Child first(
            {"run", scenario.string(), "--out", "a.h5", "--checkpoint", "c.ckpt", "--checkpoint-every", "5", "-q"},
            dir);
        REQUIRE(wait_for_file(dir / "c.ckpt", 60));
        REQUIRE(first.running());
        CHECK(test::run_cli("run " + q(scenario) + " --out " + q(dir / "b.h5") + " --checkpoint " + q(dir / "c.ckpt") +
                                " --checkpoint-every 5 -q",
                            nullptr, &err) == 2);
        CHECK_THAT(err, Catch::Contains("c.ckpt.journal") && Catch::Contains("another talentsim process"));
        CHECK(first.wait() == 0);
        CHECK_FALSE(fs::exists(dir / "b.h5.partial"));
        CHECK_FALSE(fs::exists(dir / "b.h5"));
    }
    SECTION("two resumes of one checkpoint") {
        REQUIRE(test::run_cli("run " + q(scenario) + " --out " + q(dir / "full.h5") + " -q") == 0);
        Child run({"run", scenario.string(), "--out", "r.h5", "-q", "--checkpoint-every", "1000"}, dir);
        REQUIRE(wait_for_file(dir / "r.h5.partial", 60));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ::kill(run.pid, SIGTERM);
        REQUIRE(run.wait() == 1);
        REQUIRE(fs::exists(dir / "r.h5.ckpt"));
        Child first({"resume", "r.h5.ckpt", "-q"}, dir);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        REQUIRE(first.running());
        CHECK(test::run_cli("resume " + q(dir / "r.h5.ckpt") + " -q", nullptr, &err) == 2);
        CHECK_THAT(err, Catch::Contains("another talentsim process"));
        CHECK(first.wait() == 0);
        std::string report;
        CHECK(test::compare_files(dir / "full.h5", dir / "r.h5", &report) == 0);
        INFO(report);
    }
    fs::remove_all(dir);
}

TEST_CASE("paths that name one file twice, or an input, are refused with exit 2 and nothing written", "[reliability]") {
    const auto dir = test::temp_dir("paths_alias");
    const fs::path scenario = dir / "s.toml";
    fs::copy_file(test::source_path("scenarios/minimal.toml"), scenario);
    const std::string text = slurp(scenario);
    const std::string run = "run " + q(scenario) + " -q --steps 3 ";
    std::string err;
    CHECK(test::run_cli(run + "--out " + q(dir / "r.h5") + " --checkpoint " + q(dir / "r.h5") + " --checkpoint-every 2",
                        nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("same file"));
    CHECK(test::run_cli(
              run + "--out " + q(dir / "r3.h5") + " --checkpoint " + q(dir / "r3.h5.partial") + " --checkpoint-every 2",
              nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("same file"));
    CHECK(test::run_cli(run + "--out " + q(scenario) + " --force", nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("input file"));
    fs::create_symlink(scenario, dir / "link.h5");
    CHECK(test::run_cli(run + "--out " + q(dir / "link.h5") + " --force", nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("input file"));
    CHECK(test::run_cli(run + "--out " + q(dir / "x.h5") + " --checkpoint " + q(scenario) + " --checkpoint-every 2",
                        nullptr, &err) == 2);
    CHECK(slurp(scenario) == text);
    CHECK(stray_files(dir, {"s.toml", "link.h5"}).empty());

    // resume: the result must not be the checkpoint or its journal.
    const fs::path ckpt = stopped_run(dir / "r.h5", 7);
    for (const char* target : {"r.h5.ckpt", "r.h5.ckpt.journal", "r.h5.ckpt.tmp"}) {
        CHECK(test::run_cli("resume " + q(ckpt) + " -q --out " + q(dir / target), nullptr, &err) == 2);
        CHECK_THAT(err, Catch::Contains("same file"));
        CHECK(fs::exists(ckpt));
        CHECK(fs::exists(ckpt.string() + ".journal"));
    }
    CHECK(test::run_cli("resume " + q(ckpt) + " -q", nullptr, &err) == 0);
    CHECK(seed_of(dir / "r.h5") == 7);
    fs::remove_all(dir);
}

TEST_CASE("only a regular file may be replaced: devices, FIFOs, directories and '' are refused up front",
          "[reliability]") {
    const auto dir = test::temp_dir("paths_kinds");
    fs::create_directories(dir / "existing_dir");
    REQUIRE(::mkfifo((dir / "fifo.h5").c_str(), 0600) == 0);
    const std::string run = "timeout 30 " TALENTSIM_BINARY " run scenarios/minimal.toml -q --steps 3 --force --out ";
    std::string out;
    for (const std::string& target : {std::string("/dev/full"), std::string("/dev/null"), (dir / "fifo.h5").string(),
                                      (dir / "existing_dir").string(), (dir / "existing_dir").string() + "/",
                                      std::string("''"), std::string("/")}) {
        INFO(target);
        CHECK(test::run_cli_raw(run + target, &out) == 2);
        CHECK_THAT(out, Catch::Contains("nothing was written") || Catch::Contains("is empty"));
    }
    struct stat st {};
    REQUIRE(::stat("/dev/full", &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK(stray_files(dir, {"existing_dir", "fifo.h5"}).empty());
    CHECK(fs::is_empty(dir / "existing_dir"));
    CHECK_FALSE(fs::exists("/.partial"));
    // A checkpoint that is a FIFO is refused without blocking.
    CHECK(test::run_cli_raw("timeout 30 " TALENTSIM_BINARY " resume " + q(dir / "fifo.h5"), &out) == 2);
    fs::remove_all(dir);
}

TEST_CASE("scenario.name keeps the default result inside results/, category names are addressable", "[reliability]") {
    std::string err;
    for (const char* name : {"../escape", "/tmp/abs", "''", "a/b", ".."}) {
        INFO(name);
        CHECK(test::run_cli(std::string("validate scenarios/minimal.toml --set scenario.name=") + name, nullptr,
                            &err) == 2);
        CHECK_THAT(err, Catch::Contains("scenario.name"));
    }
    const auto dir = test::temp_dir("paths_names");
    std::string text = slurp(test::source_path("scenarios/minimal.toml"));
    const std::string cities = "[cities.";
    const auto at = text.find(cities);
    REQUIRE(at != std::string::npos);
    const auto end = text.find(']', at);
    const std::string city = text.substr(at + cities.size(), end - at - cities.size());
    std::string upper = city;
    upper[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[0])));
    std::ofstream(dir / "case.toml") << std::string(text).replace(at, end - at + 1, "[cities." + upper + "]") +
                                            "\n[cities." + city + "]\ncandidate_share = 0\nemployer_share = 0\n";
    CHECK(test::run_cli("validate " + q(dir / "case.toml"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("only in case"));
    std::ofstream(dir / "dot.toml") << std::string(text).replace(at, end - at + 1, "[cities.\"a.b\"]");
    CHECK(test::run_cli("validate " + q(dir / "dot.toml"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("cities.a.b") && Catch::Contains("--set could not address"));
    fs::remove_all(dir);
}

TEST_CASE("run and resume never replace a result without --force, and a stale checkpoint is reported", "[reliability]") {
    const auto dir = test::temp_dir("paths_force");
    const std::string run = "run scenarios/minimal.toml -q --steps 3 --out " + q(dir / "r.h5");
    std::string err;
    REQUIRE(test::run_cli(run + " --seed 1") == 0);
    CHECK(test::run_cli(run + " --seed 2", nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("exists") && Catch::Contains("seed 1") && Catch::Contains("--force"));
    CHECK(seed_of(dir / "r.h5") == 1);
    CHECK(test::run_cli(run + " --seed 2 --force") == 0);
    CHECK(seed_of(dir / "r.h5") == 2);

    // A checkpoint of seed 20240101 left at s.h5.ckpt; seed 3 is then run to s.h5 without checkpoints.
    const fs::path ckpt = stopped_run(dir / "s.h5", 20240101);
    CHECK(test::run_cli("run scenarios/minimal.toml --steps 3 --seed 3 --out " + q(dir / "s.h5"), nullptr, &err) == 0);
    CHECK_THAT(err, Catch::Contains("s.h5.ckpt was left by an earlier run (seed 20240101"));
    CHECK(test::run_cli("resume " + q(ckpt) + " -q", nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("seed 3"));
    CHECK(seed_of(dir / "s.h5") == 3);
    CHECK(fs::exists(ckpt));
    fs::remove_all(dir);
}

TEST_CASE("negative seeds are refused", "[cli]") {
    std::string err;
    CHECK(test::run_cli("run scenarios/minimal.toml -q --steps 2 --out /tmp/never.h5 --seed -1", nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("--seed"));
    CHECK_FALSE(fs::exists("/tmp/never.h5"));
}

// --- Resources (docs/reliability.md, "Memory estimate").

namespace {
fs::path minimal_with_entry(const fs::path& dir, long long firms) {
    const fs::path p = dir / ("entry_" + std::to_string(firms) + ".toml");
    std::ofstream(p) << slurp(test::source_path("scenarios/minimal.toml"))
                     << "\n[[events]]\ndate = \"2024-02\"\nkind = \"entry\"\nemployer_type = \"big_tech\"\ncount = "
                     << firms << "\n";
    return p;
}
}  // namespace

TEST_CASE("the memory estimate bounds what a run allocates, and a run that cannot fit is refused up front",
          "[reliability][slow]") {
    const auto dir = test::temp_dir("paths_memory");
    std::string err, out;
    // 10^7 entrant firms (each may list 20 postings a role: about 20 GiB) under an 8 GiB address-space
    // limit, so that the answer does not depend on what else the machine holds: refused at once.
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(test::run_cli_raw("sh -c \"ulimit -v 8388608 && exec " TALENTSIM_BINARY " run " +
                                q(minimal_with_entry(dir, 10000000)) + " -q --steps 3 --out " + q(dir / "r.h5") + "\"",
                            &err) == 1);
    CHECK_THAT(err, Catch::Contains("needs about") && Catch::Contains("MiB of memory"));
    // 10^6 firms under a 2 GiB address-space limit (ulimit -v): refused, not a bare bad_alloc.
    CHECK(test::run_cli_raw("sh -c \"ulimit -v 2097152 && exec " TALENTSIM_BINARY " run " +
                                q(minimal_with_entry(dir, 1000000)) + " -q --steps 3 --out " + q(dir / "r.h5") + "\"",
                            &out) == 1);
    CHECK_THAT(out, Catch::Contains("needs about") && Catch::Contains("nothing was run"));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
    CHECK(stray_files(dir, {"entry_10000000.toml", "entry_1000000.toml"}).empty());

    // The estimate is above the measured peak of a run dominated by entrant firms' vacancies.
    const fs::path scenario = minimal_with_entry(dir, 20000);
    const Scenario s = load_scenario(scenario);
    const std::uint64_t estimate = estimated_memory_bytes(s, 4);
    REQUIRE(test::run_cli_raw("/usr/bin/time -f 'peak_kib=%M' " TALENTSIM_BINARY " run " + q(scenario) +
                                  " -q --steps 4 --threads 1 --out " + q(dir / "m.h5") + " --set output.postings=true",
                              &out) == 0);
    const auto at = out.find("peak_kib=");
    REQUIRE(at != std::string::npos);
    const std::uint64_t peak = std::stoull(out.substr(at + 9)) * 1024;
    INFO("peak " << (peak >> 20) << " MiB, estimate " << (estimate >> 20) << " MiB");
    CHECK(peak < estimate);
    fs::remove_all(dir);
}

TEST_CASE("running out of memory in mid-run: exit 1, the .partial kept and marked incomplete", "[reliability]") {
    const auto dir = test::temp_dir("paths_oom");
    RunOptions o;
    o.out = dir / "r.h5";
    o.on_step = [](const Simulation& sim, const StepRow&) {
        if (sim.next_step() == 2) throw std::bad_alloc();
    };
    try {
        run_simulation(test::scenario("scenarios/minimal.toml"), 1, 6, o);
        FAIL("no error");
    } catch (const ResourceError& e) {
        CHECK_THAT(e.what(), Catch::Contains("ran out of memory in step 3 of 6") && Catch::Contains("complete = 0"));
    }
    CHECK_FALSE(fs::exists(dir / "r.h5"));
    const h5::File f = h5::open_read_only(dir / "r.h5.partial");
    CHECK(h5::read_attr<int>(f, "complete") == 0);
    CHECK(h5::read_attr<int>(f, "steps_written") == 2);
    fs::remove_all(dir);
}

TEST_CASE("a flipped byte in a checkpoint's saved scenario is reported as a damaged checkpoint", "[checkpoint]") {
    const auto dir = test::temp_dir("paths_flip");
    const fs::path ckpt = stopped_run(dir / "r.h5", 5);
    std::string bytes = slurp(ckpt);
    for (const std::string text : {"follow_prob = ", "name = \"minimal\""}) {  // still valid TOML, or not
        std::string damaged = bytes;
        const auto at = damaged.find(text);
        REQUIRE(at != std::string::npos);
        damaged[at + text.size() - 2] ^= 0x01;
        std::ofstream(ckpt, std::ios::binary | std::ios::trunc) << damaged;
        std::string err;
        CHECK(test::run_cli("resume " + q(ckpt) + " -q", nullptr, &err) == 2);
        CHECK_THAT(err, Catch::Contains("damaged checkpoint") && Catch::Contains("checksum mismatch"));
    }
    std::ofstream(ckpt, std::ios::binary | std::ios::trunc) << bytes;
    CHECK(test::run_cli("resume " + q(ckpt) + " -q") == 0);
    fs::remove_all(dir);
}

TEST_CASE("run creates the directories of its result, and from another working directory the default results/",
          "[reliability]") {
    const auto dir = test::temp_dir("paths_dirs");
    const fs::path nested = dir / "new" / "sub" / "r.h5";
    std::string err;
    CHECK(test::run_cli("run scenarios/minimal.toml -q --steps 2 --out " + q(nested), nullptr, &err) == 0);
    INFO(err);
    CHECK(fs::exists(nested));
    CHECK_FALSE(fs::exists(nested.string() + ".partial"));
    const fs::path ckpt = dir / "ck" / "deeper" / "c.ckpt";
    CHECK(test::run_cli("run scenarios/minimal.toml -q --steps 4 --checkpoint-every 2 --checkpoint " + q(ckpt) +
                            " --out " + q(dir / "c.h5"),
                        nullptr, &err) == 0);
    CHECK(fs::exists(dir / "c.h5"));
    // The default output results/<name>.h5, relative to a working directory without results/.
    const fs::path scenario = test::source_path("scenarios/minimal.toml");
    const std::string cmd = "cd " + q(dir) + " && " TALENTSIM_BINARY " run " + q(scenario) + " -q --steps 2";
    CHECK(test::run_cli_raw(cmd, &err) == 0);
    INFO(err);
    CHECK(fs::exists(dir / "results" / "minimal.h5"));
    // A name the file system cannot hold is refused up front (exit 2), with no directory made.
    CHECK(test::run_cli("run scenarios/minimal.toml -q --steps 2 --out " + q(dir / "long" / (std::string(250, 'x') + ".h5")),
                        nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("longer than 255 bytes"));
    CHECK_FALSE(fs::exists(dir / "long"));
    // A .partial that is a symbolic link is not written through, and the message says why.
    fs::create_symlink(dir / "elsewhere.h5", dir / "linked.h5.partial");
    CHECK(test::run_cli("run scenarios/minimal.toml -q --steps 2 --out " + q(dir / "linked.h5"), nullptr, &err) != 0);
    CHECK_THAT(err, Catch::Contains("symbolic link"));
    CHECK_FALSE(fs::exists(dir / "elsewhere.h5"));
    fs::remove_all(dir);
}

TEST_CASE("compare --json never overwrites an input or a file that is not a comparison without --force",
          "[reliability]") {
    const auto dir = test::temp_dir("paths_json");
    const fs::path result = dir / "r.h5", targets = dir / "t.toml";
    REQUIRE(test::run_cli("run scenarios/china_ai_2024.toml -q --set population.candidates=3000 --out " + q(result)) ==
            0);
    fs::copy_file(test::source_path("scenarios/targets/china_ai_2024.toml"), targets);
    const std::string compare = "compare " + q(result) + " --targets " + q(targets) + " --json ";
    const std::string result_bytes = slurp(result), targets_text = slurp(targets);
    std::string err;
    for (const fs::path& input : {result, targets}) {
        INFO(input);
        CHECK(test::run_cli(compare + q(input) + " --force", nullptr, &err) == 2);
        CHECK_THAT(err, Catch::Contains("input file") && Catch::Contains("nothing was compared"));
    }
    CHECK(slurp(result) == result_bytes);
    CHECK(slurp(targets) == targets_text);
    std::ofstream(dir / "notes.txt") << "my notes\n";
    CHECK(test::run_cli(compare + q(dir / "notes.txt"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("not a comparison") && Catch::Contains("--force"));
    CHECK(slurp(dir / "notes.txt") == "my notes\n");
    CHECK(test::run_cli(compare + q(dir / "existing_dir/"), nullptr, &err) == 2);
    CHECK(test::run_cli(compare + "/dev/full", nullptr, &err) == 2);
    // A new file in a new directory, then an earlier comparison replaced, then --force.
    const fs::path json = dir / "out" / "c.json";
    CHECK(test::run_cli(compare + q(json), nullptr, &err) == 0);
    CHECK_THAT(slurp(json), Catch::Contains("\"targets_file\""));
    CHECK(test::run_cli(compare + q(json)) == 0);
    CHECK(test::run_cli(compare + q(dir / "notes.txt") + " --force") == 0);
    CHECK_THAT(slurp(dir / "notes.txt"), Catch::Contains("\"loss\""));
    CHECK(stray_files(dir / "out", {"c.json"}).empty());
    fs::remove_all(dir);
}

TEST_CASE("bench --out is checked as run's --out: no input overwritten, no file replaced without --force",
          "[reliability]") {
    const auto dir = test::temp_dir("paths_bench");
    const fs::path scenario = dir / "s.toml";
    fs::copy_file(test::source_path("scenarios/minimal.toml"), scenario);
    const std::string text = slurp(scenario);
    const std::string bench = "bench --scenario " + q(scenario) + " --candidates 200 --steps 2 --threads 1 --out ";
    std::string err;
    CHECK(test::run_cli(bench + q(scenario) + " --force", nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("input file"));
    CHECK(slurp(scenario) == text);
    std::ofstream(dir / "notes.txt") << "my notes\n";
    CHECK(test::run_cli(bench + q(dir / "notes.txt"), nullptr, &err) == 2);
    CHECK_THAT(err, Catch::Contains("exists") && Catch::Contains("--force"));
    CHECK(slurp(dir / "notes.txt") == "my notes\n");
    CHECK(test::run_cli(bench + q(dir / "b" / "o.h5"), nullptr, &err) == 0);
    CHECK(fs::exists(dir / "b" / "o.h5"));
    CHECK_FALSE(fs::exists(dir / "b" / "o.h5.partial"));
    CHECK(test::run_cli(bench + q(dir / "b" / "o.h5"), nullptr, &err) == 2);
    CHECK(test::run_cli(bench + q(dir / "b" / "o.h5") + " --force", nullptr, &err) == 0);
    fs::remove_all(dir);
}

TEST_CASE("a sweep or calibration never writes into a directory of the user's files", "[reliability]") {
    const auto dir = test::temp_dir("paths_dirs_of_user");
    fs::create_directories(dir / "mine");
    test::write_file(dir / "mine" / "notes.txt", "my notes\n");
    test::write_file(dir / "file.txt", "a file\n");
    const std::string sweep = "sweep run scenarios/sweeps/morris_minimal.toml --quiet --out ";
    const std::string calibrate = "calibrate scenarios/calibrations/recovery.toml --quiet --out ";
    std::string err;
    for (const std::string& command : {sweep, calibrate}) {
        INFO(command);
        CHECK(test::run_cli(command + q(dir / "mine"), nullptr, &err) == 2);
        CHECK_THAT(err, Catch::Contains("notes.txt") && Catch::Contains("new or empty directory"));
        CHECK(test::run_cli(command + q(dir / "file.txt"), nullptr, &err) == 2);
        CHECK_THAT(err, Catch::Contains("not a directory"));
    }
    CHECK(stray_files(dir / "mine", {"notes.txt"}).empty());
    CHECK(slurp(dir / "mine" / "notes.txt") == "my notes\n");
    CHECK(slurp(dir / "file.txt") == "a file\n");
    // (What a sweep itself leaves, such as a pre-empted run's checkpoint, is not refused: the test
    // "a sweep run cut short resumes from its checkpoint and gives the same results".)
    fs::remove_all(dir);
}
