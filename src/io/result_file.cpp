// Reading result files: the checks every reader makes, and the summary `talentsim info` prints.
#include "io/result_file.hpp"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "io/writer.hpp"

namespace talentsim {
namespace {

namespace fs = std::filesystem;

std::string shape_text(const std::vector<hsize_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::string date_text(std::int64_t yyyymm) {
    std::ostringstream s;
    s << yyyymm / 100 << '-' << std::setw(2) << std::setfill('0') << yyyymm % 100;
    return s.str();
}

bool is_sweep_file(hid_t f) {
    return h5::has_attr(f, "schema") && h5::read_string_attr(f, "schema") == "talentsim-sweep";
}

// A merged sweep file: what it is, for info.
void print_sweep_info(const h5::File& f, const std::string& p, std::ostream& out) {
    out << p << ": a merged sweep file (talentsim sweep merge; layout in docs/sweeps.md)\n";
    for (const char* key : {"name", "design", "sweep_file", "scenario_file"})
        if (h5::has_attr(f, key)) out << "  " << std::left << std::setw(28) << key << h5::read_string_attr(f, key) << '\n';
    for (const char* key : {"points", "replicates", "runs", "complete"})
        if (h5::has_attr(f, key))
            out << "  " << std::left << std::setw(28) << key << h5::read_attr<std::int64_t>(f, key) << '\n';
}

// Whether table `name` of f has a column `field`.
bool has_column(hid_t f, const char* name, const char* field) {
    const h5::Dataset d = h5::open_dataset(f, name);
    const h5::Datatype t(H5Dget_type(d));
    return t.valid() && H5Tget_class(t) == H5T_COMPOUND && H5Tget_member_index(t, field) >= 0;
}

// /steps must be the table this program writes: one dimension, a compound with the columns info
// reads (HDF5 would otherwise fill a missing column with zeros and read a 2-D table as rows).
void check_step_table(hid_t f, const std::string& p, const std::vector<const char*>& columns) {
    const h5::Dataset d = h5::open_dataset(f, "steps");
    const std::vector<hsize_t> dims = h5::shape(d);
    if (dims.size() != 1)
        throw std::runtime_error(p + ": /steps has " + std::to_string(dims.size()) +
                                 " dimensions, a talentsim step table has 1");
    const h5::Datatype t(h5::check(H5Dget_type(d), p, "read the type of /steps"));
    if (H5Tget_class(t) != H5T_COMPOUND) throw std::runtime_error(p + ": /steps is not a table of step rows");
    for (const char* field : columns)
        if (H5Tget_member_index(t, field) < 0)
            throw std::runtime_error(p + ": /steps has no column " + field + "; not a talentsim step table");
}

}  // namespace

h5::File open_result_file(const std::filesystem::path& path) {
    const std::string p = path.string();
    std::error_code ec;
    if (!fs::exists(path, ec)) throw std::runtime_error(p + ": no such file");
    if (!fs::is_regular_file(path, ec) || !h5::is_hdf5(path)) throw std::runtime_error(p + ": not an HDF5 file");
    h5::File f = h5::open_read_only(path);
    if (is_sweep_file(f))
        throw std::runtime_error(p +
                                 ": a merged sweep file (talentsim sweep merge), not the result of one run; its "
                                 "target metrics are in /points/mean (sweep run --keep-runs keeps run results)");
    if (!h5::has_attr(f, "schema_version"))
        throw std::runtime_error(p + ": not a talentsim result file (no schema_version attribute)");
    // Version 1 lacks only the date columns of the event tables, which nothing here reads.
    if (auto v = h5::read_attr<std::int64_t>(f, "schema_version"); v < 1 || v > kSchemaVersion)
        throw std::runtime_error(p + ": schema version " + std::to_string(v) + ", this talentsim reads 1 to " +
                                 std::to_string(kSchemaVersion));
    return f;
}

namespace {
// The lines of `talentsim info` for a result file: a key padded to the longest dataset path, then
// its value.
struct InfoLines {
    const h5::File& f;
    std::ostream& out;
    std::size_t width = 26;  // the keys' column: the longest name, and two spaces after it

    void line(const std::string& key, const std::string& value) const {
        out << "  " << std::left << std::setw(static_cast<int>(width + 2)) << key << value << '\n';
    }
    std::string str(const char* name) const { return h5::has_attr(f, name) ? h5::read_string_attr(f, name) : "?"; }
    std::string num(const char* name) const {
        return h5::has_attr(f, name) ? std::to_string(h5::read_attr<std::int64_t>(f, name)) : "?";
    }
    std::vector<std::int64_t> col(const char* field) const { return h5::read_column<std::int64_t>(f, "steps", field); }
};

// The run's attributes: scenario, start, seed, steps, completeness and the program that wrote it.
void print_run(const InfoLines& info) {
    const h5::File& f = info.f;
    info.line("scenario", info.str("scenario_name"));
    info.line("start", info.str("start"));
    info.line("seed", h5::has_attr(f, "seed") ? std::to_string(h5::read_attr<std::uint64_t>(f, "seed")) : "?");
    info.line("steps", info.num("steps") + " declared, " + info.num("steps_written") + " written");
    info.line("complete", h5::has_attr(f, "complete") && h5::read_attr<std::int64_t>(f, "complete") ? "yes" : "no");
    info.line("schema version", info.num("schema_version"));
    info.line("talentsim version", info.str("talentsim_version"));
    info.line("build type", info.str("build_type"));
}

// Every dataset and its shape, and how many candidate slots enter later; whether there is /steps.
bool print_datasets(const InfoLines& info, const std::vector<h5::DatasetInfo>& sets) {
    info.out << "\ndatasets\n";
    bool has_steps = false, has_slots = false;
    for (const h5::DatasetInfo& d : sets) {
        info.line(d.path, shape_text(d.shape));
        has_steps |= d.path == "/steps";
        has_slots |= d.path == "/candidates/initial" && d.shape.size() == 1;
    }
    if (has_slots && has_column(info.f, "candidates/initial", "entry_step")) {  // one row per candidate slot
        const auto entry = h5::read_column<std::int32_t>(info.f, "candidates/initial", "entry_step");
        const auto later = std::count_if(entry.begin(), entry.end(), [](std::int32_t s) { return s > 0; });
        info.out << "  (/candidates/initial: one row per candidate slot, " << entry.size() - later
                 << " at the start and " << later << " entering later)\n";
    }
    return has_steps;
}

// The last step's statuses and wages, and the moves summed over the steps (step: /steps' column).
void print_steps(const InfoLines& info, const std::vector<std::int64_t>& step) {
    auto last = [&](const char* field) { return std::to_string(info.col(field).back()); };
    auto money = [&](const char* field) {
        std::ostringstream s;
        s << std::fixed << std::setprecision(0) << h5::read_column<double>(info.f, "steps", field).back()
          << " CNY/year";
        return s.str();
    };
    info.out << "\nlast step (step " << step.back() << ", " << date_text(info.col("date").back()) << ")\n";
    for (const char* field : {"employed", "unemployed", "students", "abroad"}) info.line(field, last(field));
    for (const char* field : {"sitting_out", "inactive"})  // (the other statuses: every count, when the file has it)
        if (has_column(info.f, "steps", field)) info.line(field, last(field));
    info.line("wage mean (employed)", money("wage_mean"));
    info.line("wage p50 (employed)", money("wage_p50"));

    info.out << "\ntotals over " << step.size() << " steps\n";
    for (const char* field : {"hires", "job_to_job_moves", "counteroffers_made", "counteroffers_won",
                              "noncompete_blocked", "team_moves", "relocations", "returnees"}) {
        std::int64_t total = 0;
        for (std::int64_t x : info.col(field)) total += x;
        info.line(field, std::to_string(total));
    }
}
}  // namespace

void print_info(const std::filesystem::path& path, std::ostream& out) {
    const std::string p = path.string();
    {
        std::error_code ec;
        if (fs::is_regular_file(path, ec) && h5::is_hdf5(path)) {
            const h5::File any = h5::open_read_only(path);
            if (is_sweep_file(any)) return print_sweep_info(any, p, out);
        }
    }
    h5::File f = open_result_file(path);
    const std::vector<h5::DatasetInfo> sets = h5::list_datasets(f);
    InfoLines info{f, out};
    for (const h5::DatasetInfo& d : sets) info.width = std::max(info.width, d.path.size());
    out << p << '\n';
    print_run(info);
    if (!print_datasets(info, sets)) return;
    check_step_table(f, p,
                     {"step", "date", "employed", "unemployed", "students", "abroad", "wage_mean", "wage_p50", "hires",
                      "job_to_job_moves", "counteroffers_made", "counteroffers_won", "noncompete_blocked",
                      "team_moves", "relocations", "returnees"});
    const std::vector<std::int64_t> step = info.col("step");
    if (step.empty()) {
        out << "\nno steps written\n";
        return;
    }
    print_steps(info, step);
}

}  // namespace talentsim
