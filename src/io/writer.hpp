// The one writer interface: begin, write_step (per step), finish.
// The HDF5 implementation lives in hdf5_writer.cpp; see docs/output-format.md.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/records.hpp"

namespace talentsim {

inline constexpr int kSchemaVersion = 2;  // 2: a `date` column on every event table, /panel/date

struct RunMetadata {
    std::string scenario_name;
    std::string scenario_toml;      // fully resolved scenario (overrides applied)
    std::string start;              // "YYYY-MM"
    std::string talentsim_version;  // "0.1.0+<git hash>"
    std::string build_type;
    std::uint64_t seed = 0;
    std::int32_t steps = 0;
    std::int32_t threads = 0;  // informational only: results do not depend on it
    std::int32_t panel_every = 0;
    // Category names, index = code stored in the tables.
    std::vector<std::string> cities, roles, tiers, employer_types, degrees, statuses;
};

class Writer {
public:
    virtual ~Writer() = default;
    virtual void begin(const RunMetadata& meta, std::span<const CandidateRow> candidates,
                       std::span<const EmployerRow> employers) = 0;
    // panel is null on steps without a snapshot.
    virtual void write_step(const StepRow& row, std::span<const PostingRow> postings, std::span<const OfferRow> offers,
                            std::span<const MoveRow> moves, const PanelSnapshot* panel) = 0;
    // complete = true: mark complete and rename FILE.h5.partial to FILE.h5.
    // complete = false (interrupted): mark incomplete and leave FILE.h5.partial.
    virtual void finish(bool complete) = 0;
    // Path of the file that finish() left behind.
    virtual std::filesystem::path final_path() const = 0;
    // Whether begin reads the tables of candidates and employers. A writer that discards them says
    // no, and Simulation::begin then passes empty tables without building them (at a million
    // candidates, a table of 32 MB built and freed before every run without a file).
    virtual bool reads_tables() const { return true; }
};

// Takes every step and writes nothing: a run whose results nobody reads from a file (run_simulation
// without a file, talentsim bench without --out).
class NoOutput final : public Writer {
public:
    void begin(const RunMetadata&, std::span<const CandidateRow>, std::span<const EmployerRow>) override {}
    void write_step(const StepRow&, std::span<const PostingRow>, std::span<const OfferRow>, std::span<const MoveRow>,
                    const PanelSnapshot*) override {}
    void finish(bool) override {}
    std::filesystem::path final_path() const override { return {}; }
    bool reads_tables() const override { return false; }
};

// How the HDF5 file is stored. A scratch file (a sweep run's, read once for its metrics and then
// deleted) is written uncompressed and not synced to disk: the same datasets and values, written
// and read back at a fraction of the cost, but several times larger.
struct Hdf5Options {
    bool compress = true;  // shuffle + deflate (h5::kDeflateLevel) on every dataset
    bool sync = true;      // fsync before the rename to the final name
};

// Writes to `path` + ".partial" while running. Throws std::runtime_error with the path on failure.
// If destroyed without finish() (an exception unwound the run), the partial file is removed.
std::unique_ptr<Writer> make_hdf5_writer(const std::filesystem::path& path, Hdf5Options options = {});

// Wraps a writer so that write_step returns after copying the step; a background thread does the
// writing (at most two steps queued). Same file, byte for byte, as writing in the foreground.
std::unique_ptr<Writer> make_background_writer(std::unique_ptr<Writer> inner);

}  // namespace talentsim
