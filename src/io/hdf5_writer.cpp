// HDF5 result file: layout and lifecycle are described in docs/output-format.md.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstddef>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "io/files.hpp"
#include "io/h5.hpp"
#include "io/toml_reader.hpp"
#include "io/writer.hpp"

namespace talentsim {
namespace {

namespace fs = std::filesystem;

#define TS_FIELD(Row, member) \
    h5::Field { #member, offsetof(Row, member), h5::native < decltype(Row::member)>() }

#define TALENTSIM_COLUMN(type, name) TS_FIELD(R, name),
h5::Datatype step_type() {
    using R = StepRow;
    return h5::compound(sizeof(R), {TALENTSIM_STEP_COLUMNS(TALENTSIM_COLUMN)});
}

h5::Datatype posting_type() {
    using R = PostingRow;
    return h5::compound(sizeof(R), {TALENTSIM_POSTING_COLUMNS(TALENTSIM_COLUMN)});
}

h5::Datatype offer_type() {
    using R = OfferRow;
    return h5::compound(sizeof(R), {TALENTSIM_OFFER_COLUMNS(TALENTSIM_COLUMN)});
}

h5::Datatype move_type() {
    using R = MoveRow;
    return h5::compound(sizeof(R), {TALENTSIM_MOVE_COLUMNS(TALENTSIM_COLUMN)});
}

h5::Datatype candidate_type() {
    using R = CandidateRow;
    return h5::compound(sizeof(R), {TALENTSIM_CANDIDATE_ROW_COLUMNS(TALENTSIM_COLUMN)});
}

h5::Datatype employer_type() {
    using R = EmployerRow;
    return h5::compound(sizeof(R), {TALENTSIM_EMPLOYER_ROW_COLUMNS(TALENTSIM_COLUMN)});
}
#undef TALENTSIM_COLUMN

#undef TS_FIELD

constexpr std::size_t kChunkBytes = 64 * 1024;         // row tables
constexpr std::size_t kPanelChunkBytes = 1024 * 1024;  // panel: one snapshot row, capped

hsize_t chunk_rows(std::size_t row_bytes) { return std::max<hsize_t>(1, kChunkBytes / row_bytes); }

// A 1-D extendible compound table. Rows are buffered up to one chunk, then appended.
template <class Row>
class Table {
public:
    void create(hid_t file, const std::string& name, h5::Datatype type, bool compress) {
        type_ = std::move(type);
        chunk_ = chunk_rows(sizeof(Row));
        ds_ = h5::create_dataset(file, name, type_, {0}, {chunk_}, compress);
    }
    void add(std::span<const Row> rows) {
        buf_.insert(buf_.end(), rows.begin(), rows.end());
        if (buf_.size() >= chunk_) flush();
    }
    void flush() {
        h5::append(ds_, type_, buf_.data(), buf_.size());
        buf_.clear();
    }
    void close() {
        ds_.reset();
        type_.reset();
        buf_.clear();
        buf_.shrink_to_fit();
    }

private:
    h5::Dataset ds_;
    h5::Datatype type_;
    hsize_t chunk_ = 1;
    std::vector<Row> buf_;
};

void write_strings(hid_t file, const std::string& name, const std::vector<std::string>& values, bool compress) {
    h5::Datatype t = h5::vlen_string();
    h5::Dataset d = h5::create_dataset(file, name, t, {0}, {std::max<hsize_t>(1, values.size())}, compress);
    std::vector<const char*> ptrs;
    for (const std::string& v : values) ptrs.push_back(v.c_str());
    h5::append(d, t, ptrs.data(), ptrs.size());
}

// Codes and labels (docs/output-format.md, "Codes, labels and missing values"). Each coded column
// names the /categories list its codes index (attribute "FIELD.categories"; "categories" on the 2-D
// panel datasets), a column with a "none" value gives it ("FIELD.none"), and every dataset with a
// step column gives the month of step 0 ("date_of_step_0", yyyymm; one step is one month).
struct Label {
    const char* dataset;
    const char* field;       // "" for a panel dataset (not a compound)
    const char* categories;  // list under /categories, or nullptr
    std::int64_t none;       // the "none" value, or -1
};
constexpr Label kLabels[] = {
    {"postings", "role", "roles", -1},
    {"postings", "required_degree", "degrees", -1},
    {"postings", "city", "cities", 255},  // 255: abroad (overseas employers)
    {"postings", "employer_type", "employer_types", -1},
    {"postings", "channel", "posting_channels", -1},
    {"offers", "role", "roles", -1},
    {"offers", "degree", "degrees", -1},
    {"offers", "kind", "offer_kinds", -1},
    {"moves", "from_status", "statuses", -1},
    {"moves", "from_employer", nullptr, kNone},
    {"candidates/initial", "degree", "degrees", -1},
    {"candidates/initial", "tier", "tiers", -1},
    {"candidates/initial", "role", "roles", -1},
    {"candidates/initial", "home_city", "cities", -1},
    {"employers", "type", "employer_types", -1},
    {"employers", "city", "cities", 255},
    {"panel/status", "", "statuses", -1},
    {"panel/city", "", "cities", 255},  // 255: abroad (outside China)
    {"panel/employer", "", nullptr, kNone},
};
constexpr const char* kDated[] = {"steps", "postings", "offers", "moves", "panel/step"};
constexpr const char* kOfferKindNames[] = {"posted", "poaching", "counteroffer"};  // OfferKind codes 0, 1, 2
constexpr const char* kChannelNames[] = {"open", "campus", "experienced"};  // PostingChannel codes 0, 1, 2
static_assert(static_cast<int>(OfferKind::counteroffer) == 2);

// Writes the label attributes of every dataset in `datasets` (paths as in kLabels and kDated).
void write_labels(hid_t file, std::initializer_list<const char*> datasets, std::int32_t date_of_step_0) {
    for (const char* name : datasets) {
        h5::Dataset d = h5::open_dataset(file, name);
        for (const Label& l : kLabels) {
            if (std::string_view(l.dataset) != name) continue;
            const std::string key = *l.field ? std::string(l.field) + "." : "";
            if (l.categories) h5::set_attr(d, key + "categories", std::string("/categories/") + l.categories);
            if (l.none >= 0) h5::set_attr<std::int64_t>(d, key + "none", l.none);
        }
        for (const char* dated : kDated)
            if (std::string_view(dated) == name) h5::set_attr<std::int32_t>(d, "date_of_step_0", date_of_step_0);
    }
}

class Hdf5Writer final : public Writer {
public:
    Hdf5Writer(fs::path path, Hdf5Options options)
        : path_(std::move(path)), partial_(path_.string() + ".partial"), options_(options) {}

    ~Hdf5Writer() override {
        if (state_ == State::finished) return;
        close_all();  // errors ignored: we are unwinding
        file_.reset();
        std::error_code ec;
        if (state_ == State::begun) fs::remove(partial_, ec);
    }

    void begin(const RunMetadata& meta, std::span<const CandidateRow> candidates,
               std::span<const EmployerRow> employers) override {
        if (state_ != State::created) fail("begin called twice");
        if (fs::path dir = partial_.parent_path(); !dir.empty()) {
            std::error_code ec;
            fs::create_directories(dir, ec);
            if (ec) fail("cannot create directory " + dir.string() + ": " + ec.message());
        }
        file_ = h5::create_locked_file(partial_);  // run/run.cpp holds the lock
        state_ = State::begun;

        h5::set_attr<std::int32_t>(file_, "schema_version", kSchemaVersion);
        h5::set_attr(file_, "talentsim_version", meta.talentsim_version);
        h5::set_attr(file_, "scenario_name", meta.scenario_name);
        h5::set_attr(file_, "scenario_toml", meta.scenario_toml);
        h5::set_attr(file_, "start", meta.start);
        h5::set_attr(file_, "build_type", meta.build_type);
        h5::set_attr<std::uint64_t>(file_, "seed", meta.seed);
        h5::set_attr<std::int32_t>(file_, "steps", meta.steps);
        h5::set_attr<std::int32_t>(file_, "threads", meta.threads);
        h5::set_attr<std::int32_t>(file_, "panel_every", meta.panel_every);
        h5::set_attr<std::uint8_t>(file_, "complete", 0);
        h5::set_attr<std::int32_t>(file_, "steps_written", 0);

        write_strings(file_, "categories/cities", meta.cities, options_.compress);
        write_strings(file_, "categories/roles", meta.roles, options_.compress);
        write_strings(file_, "categories/tiers", meta.tiers, options_.compress);
        write_strings(file_, "categories/employer_types", meta.employer_types, options_.compress);
        write_strings(file_, "categories/degrees", meta.degrees, options_.compress);
        write_strings(file_, "categories/statuses", meta.statuses, options_.compress);

        Table<CandidateRow> cands;
        cands.create(file_, "candidates/initial", candidate_type(), options_.compress);
        cands.add(candidates);
        cands.flush();
        Table<EmployerRow> emps;
        emps.create(file_, "employers", employer_type(), options_.compress);
        emps.add(employers);
        emps.flush();

        steps_.create(file_, "steps", step_type(), options_.compress);
        postings_.create(file_, "postings", posting_type(), options_.compress);
        offers_.create(file_, "offers", offer_type(), options_.compress);
        moves_.create(file_, "moves", move_type(), options_.compress);
        write_strings(file_, "categories/offer_kinds", {std::begin(kOfferKindNames), std::end(kOfferKindNames)},
                      options_.compress);
        write_strings(file_, "categories/posting_channels", {std::begin(kChannelNames), std::end(kChannelNames)},
                      options_.compress);
        date_of_step_0_ = parse_month(meta.start).value_or(0);
        write_labels(file_, {"steps", "postings", "offers", "moves", "candidates/initial", "employers"},
                     date_of_step_0_);
    }

    void write_step(const StepRow& row, std::span<const PostingRow> postings, std::span<const OfferRow> offers,
                    std::span<const MoveRow> moves, const PanelSnapshot* panel) override {
        if (state_ != State::begun) fail("write_step outside begin/finish");
        h5::quiet();  // this may be the background writer's thread (h5.hpp: each thread its own)
        steps_.add({&row, 1});
        postings_.add(postings);
        offers_.add(offers);
        moves_.add(moves);
        if (panel) write_panel(*panel);
        ++steps_written_;
    }

    void finish(bool complete) override {
        if (state_ != State::begun) fail("finish called without begin or twice");
        h5::quiet();
        steps_.flush();
        postings_.flush();
        offers_.flush();
        moves_.flush();
        if (!panel_step_.valid()) create_panel(0);
        h5::set_attr<std::uint8_t>(file_, "complete", complete ? 1 : 0);
        h5::set_attr<std::int32_t>(file_, "steps_written", steps_written_);
        h5::check(H5Fflush(file_, H5F_SCOPE_GLOBAL), partial_.string(), "flush file");
        close_all();
        if (file_.close() < 0) h5::fail(partial_.string(), "close file");
        if (options_.sync) sync_file(partial_);  // the data reaches the disk before the name says "complete"
        final_ = partial_;
        state_ = State::finished;  // from here on the file is kept, even if the rename fails
        if (complete) {
            std::error_code ec;
            fs::rename(partial_, path_, ec);
            if (ec) fail("cannot rename to " + path_.string() + ": " + ec.message());
            final_ = path_;
        }
    }

    fs::path final_path() const override { return state_ == State::finished ? final_ : partial_; }

private:
    enum class State { created, begun, finished };

    [[noreturn]] void fail(const std::string& what) const { throw std::runtime_error(partial_.string() + ": " + what); }

    void create_panel(hsize_t n) {
        panel_n_ = n;
        auto make = [&](const char* name, hid_t type, std::size_t elem) {
            hsize_t cols = std::max<hsize_t>(1, std::min<hsize_t>(n, kPanelChunkBytes / elem));
            return h5::create_dataset(file_, name, type, {0, n}, {1, cols}, options_.compress);
        };
        panel_step_ = h5::create_dataset(file_, "panel/step", H5T_NATIVE_INT32, {0}, {1024}, options_.compress);
        panel_date_ = h5::create_dataset(file_, "panel/date", H5T_NATIVE_INT32, {0}, {1024}, options_.compress);
        panel_wage_ = make("panel/wage", H5T_NATIVE_FLOAT, sizeof(float));
        panel_employer_ = make("panel/employer", H5T_NATIVE_UINT32, sizeof(std::uint32_t));
        panel_status_ = make("panel/status", H5T_NATIVE_UINT8, 1);
        panel_city_ = make("panel/city", H5T_NATIVE_UINT8, 1);
        write_labels(file_, {"panel/step", "panel/status", "panel/city", "panel/employer"}, date_of_step_0_);
    }

    void write_panel(const PanelSnapshot& p) {
        if (!panel_step_.valid()) create_panel(p.wage.size());
        if (p.wage.size() != panel_n_ || p.employer.size() != panel_n_ || p.status.size() != panel_n_ ||
            p.city.size() != panel_n_)
            fail("panel snapshot at step " + std::to_string(p.step) + " does not have " + std::to_string(panel_n_) +
                 " values in every column");
        const std::int32_t date = month_after(date_of_step_0_, p.step);
        h5::append(panel_step_, H5T_NATIVE_INT32, &p.step, 1);
        h5::append(panel_date_, H5T_NATIVE_INT32, &date, 1);
        h5::append(panel_wage_, H5T_NATIVE_FLOAT, p.wage.data(), 1);
        h5::append(panel_employer_, H5T_NATIVE_UINT32, p.employer.data(), 1);
        h5::append(panel_status_, H5T_NATIVE_UINT8, p.status.data(), 1);
        h5::append(panel_city_, H5T_NATIVE_UINT8, p.city.data(), 1);
    }

    // Closes every object but the file.
    void close_all() {
        steps_.close();
        postings_.close();
        offers_.close();
        moves_.close();
        panel_step_.reset();
        panel_date_.reset();
        panel_wage_.reset();
        panel_employer_.reset();
        panel_status_.reset();
        panel_city_.reset();
    }

    fs::path path_, partial_, final_;
    Hdf5Options options_;
    State state_ = State::created;
    h5::File file_;
    Table<StepRow> steps_;
    Table<PostingRow> postings_;
    Table<OfferRow> offers_;
    Table<MoveRow> moves_;
    h5::Dataset panel_step_, panel_date_, panel_wage_, panel_employer_, panel_status_, panel_city_;
    hsize_t panel_n_ = 0;
    std::int32_t steps_written_ = 0;
    std::int32_t date_of_step_0_ = 0;
};

}  // namespace

std::unique_ptr<Writer> make_hdf5_writer(const std::filesystem::path& path, Hdf5Options options) {
    return std::make_unique<Hdf5Writer>(path, options);
}

}  // namespace talentsim
