// Test support: an in-memory writer and short-hands to run small simulations in-process.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "model/scenario.hpp"
#include "engine/simulation.hpp"
#include "io/writer.hpp"

namespace talentsim::test {

// Keeps every row in memory (the HDF5 writer is tested on its own).
class MemoryWriter : public Writer {
public:
    RunMetadata meta;
    std::vector<CandidateRow> candidates;
    std::vector<EmployerRow> employers;
    std::vector<StepRow> steps;
    std::vector<PostingRow> postings;
    std::vector<OfferRow> offers;
    std::vector<MoveRow> moves;
    std::vector<PanelSnapshot> panels;
    bool finished = false, complete = false;
    bool tables = true;  // reads_tables: false for a writer that discards the tables

    void begin(const RunMetadata& m, std::span<const CandidateRow> c, std::span<const EmployerRow> e) override {
        meta = m;
        candidates.assign(c.begin(), c.end());
        employers.assign(e.begin(), e.end());
    }
    void write_step(const StepRow& row, std::span<const PostingRow> p, std::span<const OfferRow> o,
                    std::span<const MoveRow> mv, const PanelSnapshot* panel) override {
        steps.push_back(row);
        postings.insert(postings.end(), p.begin(), p.end());
        offers.insert(offers.end(), o.begin(), o.end());
        moves.insert(moves.end(), mv.begin(), mv.end());
        if (panel) panels.push_back(*panel);
    }
    void finish(bool c) override {
        finished = true;
        complete = c;
    }
    std::filesystem::path final_path() const override { return {}; }
    bool reads_tables() const override { return tables; }
};

// The bytes of a file, and a file written with exactly `bytes`.
inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
}

inline std::string source_path(const std::string& rel) { return std::string(TALENTSIM_SOURCE_DIR) + "/" + rel; }

inline Scenario scenario(const std::string& file, const std::vector<std::string>& overrides = {}) {
    return load_scenario(source_path(file), overrides);
}

// Runs the whole scenario in-process and returns everything it wrote (tables: whether the writer
// reads the tables of candidates and employers).
inline std::unique_ptr<MemoryWriter> run(const Scenario& s, std::uint64_t seed, std::int32_t steps,
                                         bool tables = true) {
    auto out = std::make_unique<MemoryWriter>();
    out->tables = tables;
    Simulation sim(s, seed, steps);
    sim.begin(*out, 1);
    while (!sim.done()) sim.step(*out);
    out->finish(true);
    return out;
}

// Runs the talentsim binary with `args` (a shell fragment); returns the exit code, fills output.
inline int run_cli(const std::string& args, std::string* out = nullptr, std::string* err = nullptr) {
    static int counter = 0;
    const auto dir = std::filesystem::temp_directory_path() / ("talentsim_cli_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto o = dir / ("out" + std::to_string(counter) + ".txt"),
               e = dir / ("err" + std::to_string(counter++) + ".txt");
    const std::string cmd = std::string("cd ") + TALENTSIM_SOURCE_DIR + " && " + TALENTSIM_BINARY + " " + args + " >" +
                            o.string() + " 2>" + e.string() + " </dev/null";
    const int status = std::system(cmd.c_str());
    auto slurp = [](const std::filesystem::path& p) {
        std::ifstream in(p);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    };
    if (out) *out = slurp(o);
    if (err) *err = slurp(e);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A fresh temporary directory for one test.
inline std::filesystem::path temp_dir(const std::string& name) {
    const auto d = std::filesystem::temp_directory_path() / ("talentsim_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

}  // namespace talentsim::test
