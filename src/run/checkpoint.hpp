// Checkpoints and the row journal (docs/reliability.md).
//
// A checkpoint is one binary file holding the whole state of a Simulation after some step, plus a
// header that says which program, scenario, seed and output it belongs to. It is written
// atomically (FILE.tmp, fsync, rename, fsync of the directory) and ends with a checksum.
//
// The journal (CHECKPOINT.journal) records every call the run made to its result writer: the
// metadata and static tables of begin(), then every step's rows. The checkpoint header holds the
// journal's length and checksum at the checkpoint, so a resumed run rebuilds its result file from
// the journal (up to the checkpoint) and then continues: the HDF5 writer sees exactly the calls of
// an uninterrupted run, and writes the same datasets.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/scenario.hpp"
#include "engine/simulation.hpp"
#include "io/writer.hpp"
#include "version.hpp"  // program_identity(), written into checkpoints

namespace talentsim {

inline constexpr std::uint32_t kCheckpointFormat = 2;  // 2: event rows carry their date

// A checkpoint or journal that cannot be used: written by another program version, for another
// run, damaged, or not a checkpoint at all. The message names the file and says what to do.
struct CheckpointError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct CheckpointHeader {
    std::string program;        // program_identity() of the writer; others are refused
    std::string scenario_toml;  // to_toml() of the scenario: parsed again on resume
    std::uint64_t seed = 0;
    std::int32_t steps = 0;                             // steps of the whole run
    std::int32_t next_step = 0;                         // steps completed
    std::int32_t every = 0;                             // checkpoint interval of the run
    std::string out;                                    // absolute path of the result file (FILE.h5)
    std::uint64_t journal_bytes = 0, journal_hash = 0;  // journal at the checkpoint
};

// Writes the header and the state of `sim` to `path` atomically. On failure (disk full, ...) the
// previous checkpoint at `path` is left untouched and std::runtime_error names the file.
void save_checkpoint(const std::filesystem::path& path, const CheckpointHeader& header, const Simulation& sim);

// Reads the header only. Throws CheckpointError for a file that is not a checkpoint, has another
// format or was written by another program version.
CheckpointHeader read_checkpoint_header(const std::filesystem::path& path);

// Verifies the checksum of the whole file (CheckpointError "damaged checkpoint" on mismatch), so
// that damage in the header (the saved scenario text) is reported as damage, not as a bad scenario.
void verify_checkpoint(const std::filesystem::path& path);

// Reads header and state. `scenario` must be the scenario parsed from header.scenario_toml. The
// checksum is verified; the result continues at header.next_step.
std::unique_ptr<Simulation> load_checkpoint(const std::filesystem::path& path, const Scenario& scenario,
                                            CheckpointHeader* header = nullptr);

// Journal of writer calls. A Writer that forwards every call to `inner` after recording it.
class JournalWriter final : public Writer {
public:
    // Creates (truncates) the journal file.
    JournalWriter(const std::filesystem::path& journal, Writer& inner);
    ~JournalWriter() override;

    // Re-opens the journal of a checkpoint: verifies that its first `bytes` bytes have checksum
    // `hash`, replays them into `inner` (begin and every recorded step), drops anything written
    // after the checkpoint, and appends from there. Returns the replayed step rows in `rows`.
    static std::unique_ptr<JournalWriter> replay(const std::filesystem::path& journal, std::uint64_t bytes,
                                                 std::uint64_t hash, Writer& inner, std::vector<StepRow>& rows);

    void begin(const RunMetadata& meta, std::span<const CandidateRow> candidates,
               std::span<const EmployerRow> employers) override;
    void write_step(const StepRow& row, std::span<const PostingRow> postings, std::span<const OfferRow> offers,
                    std::span<const MoveRow> moves, const PanelSnapshot* panel) override;
    void finish(bool complete) override;
    std::filesystem::path final_path() const override;

    // Makes everything recorded so far durable (write + fsync); returns {bytes, checksum}.
    std::pair<std::uint64_t, std::uint64_t> sync();
    const std::filesystem::path& path() const;

private:
    struct Impl;
    JournalWriter(std::unique_ptr<Impl> impl, Writer& inner);
    std::unique_ptr<Impl> impl_;
    Writer& inner_;
};

}  // namespace talentsim
