#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "io/h5.hpp"
#include "io/result_file.hpp"
#include "io/writer.hpp"
#include "h5_compare.hpp"

using namespace talentsim;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path dir;
    TempDir() {
        auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
        dir = fs::temp_directory_path() /
              ("talentsim-test-" + std::to_string(std::random_device{}()) + "-" + std::to_string(tick));
        fs::create_directories(dir);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

constexpr std::uint32_t kCandidates = 10;

RunMetadata meta() {
    RunMetadata m;
    m.scenario_name = "unit-test";
    m.scenario_toml = "[scenario]\nname = \"unit-test\"\n";
    m.start = "2024-01";
    m.talentsim_version = "0.1.0+test";
    m.build_type = "Debug";
    m.seed = 0xFFFFFFFFFFFFFFF0ull;
    m.steps = 5;
    m.threads = 4;
    m.panel_every = 2;
    m.cities = {"Beijing", "Shanghai", "Shenzhen"};
    m.roles = {"research", "engineering"};
    m.tiers = {"top", "other"};
    m.employer_types = {"bigtech", "startup", "lab"};
    m.degrees = {"bachelor", "master", "phd"};
    m.statuses.assign(kStatusNames, kStatusNames + kStatusCount);
    return m;
}

StepRow step_row(int s) {
    StepRow r{};
    r.step = s;
    r.date = 202401 + s;
    r.employed = 100 + s;
    r.unemployed = 10 - s;
    r.students = 5;
    r.abroad = 2;
    r.hires = s;
    r.job_to_job_moves = 2 * s;
    r.tenure_months_ended = 1000000000000ll + s;
    r.wage_mean = 300000.5 + s;
    r.wage_p50 = 250000.25;
    r.noncompete_compensation = 1e6;
    return r;
}

// Writes `steps` steps: step s has s postings, 2s offers, s%2 moves; a panel snapshot on even
// steps when `panel` is set.
void write_run(Writer& w, int steps, bool panel = true) {
    std::vector<CandidateRow> cands;
    for (std::uint32_t i = 0; i < kCandidates; ++i) cands.push_back({i, 2, 0, 1, std::uint8_t(i % 3), 0, 1.5f});
    std::vector<EmployerRow> emps = {{0, 0, 1, 0, 1.2f, 5000.f, 1.1f}, {1, 2, 0, 3, 0.9f, -100.f, 0.8f}};
    w.begin(meta(), cands, emps);
    for (int s = 0; s < steps; ++s) {
        std::vector<PostingRow> postings;
        for (int i = 0; i < s; ++i)
            postings.push_back({s, 202401 + s, std::uint32_t(i), 1, 0, 2, 1, 0, 0, 400000.f + i, 0});
        std::vector<OfferRow> offers;
        for (int i = 0; i < 2 * s; ++i)
            offers.push_back({s, 202401 + s, std::uint32_t(i), 0, 1, 2, std::uint8_t(i % 3), 1, 500000.f});
        std::vector<MoveRow> moves;
        if (s % 2) moves.push_back({s, 202401 + s, 3, kNone, 1, 2, 1, 0, 0, 0.f, 450000.f});
        PanelSnapshot snap{s, std::vector<float>(kCandidates, 1000.f * s),
                           std::vector<std::uint32_t>(kCandidates, kNone), std::vector<std::uint8_t>(kCandidates, 1),
                           std::vector<std::uint8_t>(kCandidates, 2)};
        w.write_step(step_row(s), postings, offers, moves, panel && s % 2 == 0 ? &snap : nullptr);
    }
}

std::vector<hsize_t> shape_of(hid_t f, const std::string& path) {
    for (const auto& d : h5::list_datasets(f))
        if (d.path == path) return d.shape;
    FAIL("dataset " << path << " not found");
    return {};
}

using Shape = std::vector<hsize_t>;

}  // namespace

TEST_CASE("hdf5 writer: complete run round trip", "[hdf5]") {
    TempDir tmp;
    const fs::path path = tmp.dir / "sub" / "run.h5";
    {
        auto w = make_hdf5_writer(path);
        write_run(*w, 5);
        CHECK(fs::exists(path.string() + ".partial"));
        w->finish(true);
        CHECK(w->final_path() == path);
    }
    CHECK(fs::exists(path));
    CHECK_FALSE(fs::exists(path.string() + ".partial"));

    h5::File f = h5::open_read_only(path);
    CHECK(h5::read_attr<std::int32_t>(f, "schema_version") == kSchemaVersion);
    CHECK(h5::read_string_attr(f, "scenario_name") == "unit-test");
    CHECK(h5::read_string_attr(f, "scenario_toml") == meta().scenario_toml);
    CHECK(h5::read_string_attr(f, "start") == "2024-01");
    CHECK(h5::read_string_attr(f, "talentsim_version") == "0.1.0+test");
    CHECK(h5::read_string_attr(f, "build_type") == "Debug");
    CHECK(h5::read_attr<std::uint64_t>(f, "seed") == 0xFFFFFFFFFFFFFFF0ull);
    CHECK(h5::read_attr<std::int32_t>(f, "steps") == 5);
    CHECK(h5::read_attr<std::int32_t>(f, "threads") == 4);
    CHECK(h5::read_attr<std::int32_t>(f, "panel_every") == 2);
    CHECK(h5::read_attr<std::uint8_t>(f, "complete") == 1);
    CHECK(h5::read_attr<std::int32_t>(f, "steps_written") == 5);

    std::vector<StepRow> steps = h5::read_rows<StepRow>(f, "steps");
    REQUIRE(steps.size() == 5);
    for (int s = 0; s < 5; ++s) {
        const StepRow want = step_row(s);
        CHECK(steps[s].step == want.step);
        CHECK(steps[s].date == want.date);
        CHECK(steps[s].employed == want.employed);
        CHECK(steps[s].unemployed == want.unemployed);
        CHECK(steps[s].job_to_job_moves == want.job_to_job_moves);
        CHECK(steps[s].tenure_months_ended == want.tenure_months_ended);
        CHECK(steps[s].wage_mean == want.wage_mean);
        CHECK(steps[s].noncompete_compensation == want.noncompete_compensation);
    }
    CHECK(h5::read_column<double>(f, "steps", "wage_p50") == std::vector<double>(5, 250000.25));

    CHECK(shape_of(f, "/postings") == Shape{0 + 1 + 2 + 3 + 4});
    CHECK(shape_of(f, "/offers") == Shape{2 * (0 + 1 + 2 + 3 + 4)});
    CHECK(shape_of(f, "/moves") == Shape{2});
    CHECK(shape_of(f, "/candidates/initial") == Shape{kCandidates});
    CHECK(shape_of(f, "/employers") == Shape{2});
    auto postings = h5::read_rows<PostingRow>(f, "postings");
    REQUIRE(postings.size() == 10);
    CHECK(postings[9].step == 4);
    CHECK(postings[9].posting == 3);
    CHECK(postings[9].salary == 400003.f);
    for (const char* table : {"postings", "offers", "moves"}) {  // every event row carries its month
        INFO(table);
        const auto step = h5::read_column<std::int32_t>(f, table, "step");
        const auto date = h5::read_column<std::int32_t>(f, table, "date");
        REQUIRE(date.size() == step.size());
        for (std::size_t k = 0; k < step.size(); ++k) CHECK(date[k] == 202401 + step[k]);
    }
    auto moves = h5::read_rows<MoveRow>(f, "moves");
    REQUIRE(moves.size() == 2);
    CHECK(moves[1].step == 3);
    CHECK(moves[1].from_employer == kNone);
    CHECK(moves[1].new_wage == 450000.f);
    auto emps = h5::read_rows<EmployerRow>(f, "employers");
    REQUIRE(emps.size() == 2);
    CHECK(emps[1].entry_step == 3);
    CHECK(emps[1].amenity == -100.f);
    CHECK(h5::read_column<std::int32_t>(f, "offers", "kind") ==
          std::vector<std::int32_t>{0, 1, 0, 1, 2, 0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1});

    CHECK(h5::read_strings(f, "categories/cities") == meta().cities);
    CHECK(h5::read_strings(f, "categories/statuses") == meta().statuses);

    CHECK(shape_of(f, "/panel/step") == Shape{3});
    for (const char* p : {"/panel/wage", "/panel/employer", "/panel/status", "/panel/city"})
        CHECK(shape_of(f, p) == Shape{3, kCandidates});
    CHECK(h5::read_rows<std::int32_t>(f, "panel/step") == std::vector<std::int32_t>{0, 2, 4});
    CHECK(h5::read_rows<std::int32_t>(f, "panel/date") == std::vector<std::int32_t>{202401, 202403, 202405});
    std::vector<float> wage = h5::read_rows<float>(f, "panel/wage");
    REQUIRE(wage.size() == 3 * kCandidates);
    CHECK(wage[2 * kCandidates + 7] == 4000.f);
    CHECK(h5::read_raw(f, "panel/status").size() == 3 * kCandidates);
}

namespace {
int filters_of(hid_t f, const std::string& dataset) {
    const h5::Dataset d = h5::open_dataset(f, dataset);
    const h5::PropList dcpl(H5Dget_create_plist(d));
    return H5Pget_nfilters(dcpl);
}
// The level of the deflate filter of a dataset, -1 without one.
int deflate_level(hid_t f, const std::string& dataset) {
    const h5::Dataset d = h5::open_dataset(f, dataset);
    const h5::PropList dcpl(H5Dget_create_plist(d));
    unsigned flags = 0, config = 0, level = 0;
    std::size_t n = 1;
    if (H5Pget_filter_by_id2(dcpl, H5Z_FILTER_DEFLATE, &flags, &n, &level, 0, nullptr, &config) < 0) return -1;
    return static_cast<int>(level);
}
}  // namespace

TEST_CASE("hdf5 writer: a scratch file holds the same datasets, uncompressed", "[hdf5]") {
    TempDir tmp;
    const fs::path kept = tmp.dir / "kept.h5", scratch = tmp.dir / "scratch.h5";
    for (const auto& [path, options] :
         {std::pair{kept, Hdf5Options{}}, std::pair{scratch, Hdf5Options{false, false}}}) {
        auto w = make_hdf5_writer(path, options);
        write_run(*w, 5);
        w->finish(true);
        CHECK(w->final_path() == path);
    }
    test::check_same_datasets(kept, scratch);
    const h5::File k = h5::open_read_only(kept), s = h5::open_read_only(scratch);
    CHECK(h5::read_attr<std::uint8_t>(s, "complete") == 1);
    for (const auto& d : h5::list_datasets(k)) {
        INFO(d.path);
        CHECK(filters_of(k, d.path) == 2);  // shuffle + deflate, at the level docs/output-format.md states
        CHECK(deflate_level(k, d.path) == static_cast<int>(h5::kDeflateLevel));
        CHECK(h5::kDeflateLevel == 1);
        CHECK(filters_of(s, d.path) == 0);
    }
}

TEST_CASE("hdf5 writer: interrupted run keeps the partial file", "[hdf5]") {
    TempDir tmp;
    const fs::path path = tmp.dir / "run.h5";
    auto w = make_hdf5_writer(path);
    write_run(*w, 3, /*panel=*/false);
    w->finish(false);
    CHECK(w->final_path() == fs::path(path.string() + ".partial"));
    w.reset();
    CHECK_FALSE(fs::exists(path));
    REQUIRE(fs::exists(path.string() + ".partial"));
    h5::File f = h5::open_read_only(path.string() + ".partial");
    CHECK(h5::read_attr<std::uint8_t>(f, "complete") == 0);
    CHECK(h5::read_attr<std::int32_t>(f, "steps_written") == 3);
    CHECK(shape_of(f, "/steps") == Shape{3});
    CHECK(shape_of(f, "/panel/step") == Shape{0});
    CHECK(shape_of(f, "/panel/wage") == Shape{0, 0});
}

TEST_CASE("hdf5 writer: destroyed without finish leaves no file", "[hdf5]") {
    TempDir tmp;
    const fs::path path = tmp.dir / "run.h5";
    {
        auto w = make_hdf5_writer(path);
        write_run(*w, 2);
        REQUIRE(fs::exists(path.string() + ".partial"));
    }
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(path.string() + ".partial"));
}

TEST_CASE("hdf5 writer: large steps, stale partial, bad input", "[hdf5]") {
    TempDir tmp;
    const fs::path path = tmp.dir / "big.h5";
    std::ofstream(path.string() + ".partial") << "stale";
    auto w = make_hdf5_writer(path);
    w->begin(meta(), {}, {});
    std::vector<PostingRow> postings(10000);
    for (std::uint32_t i = 0; i < postings.size(); ++i) postings[i] = {0, 202401, i, i, 0, 0, 0, 0, 0, float(i), 1};
    w->write_step(step_row(0), postings, {}, {}, nullptr);
    w->write_step(step_row(1), postings, {}, {}, nullptr);
    PanelSnapshot bad{1, {1.f, 2.f}, {1}, {1, 1}, {0, 0}};
    CHECK_THROWS_AS(w->write_step(step_row(2), {}, {}, {}, &bad), std::runtime_error);
    w->finish(true);
    h5::File f = h5::open_read_only(path);
    auto slots = h5::read_column<std::uint32_t>(f, "postings", "posting");
    REQUIRE(slots.size() == 20000);
    CHECK(slots[19999] == 9999);
    CHECK(shape_of(f, "/candidates/initial") == Shape{0});

    // The parent "directory" is a regular file: begin must fail with the path in the message.
    auto w2 = make_hdf5_writer(path / "x.h5");
    CHECK_THROWS_WITH(w2->begin(meta(), {}, {}), Catch::Contains(path.string()));
}

TEST_CASE("print_info", "[hdf5]") {
    TempDir tmp;
    std::ostringstream out;
    CHECK_THROWS_WITH(print_info(tmp.dir / "missing.h5", out), Catch::Contains("missing.h5"));

    const fs::path text = tmp.dir / "text.h5";
    std::ofstream(text) << "not hdf5\n";
    CHECK_THROWS_WITH(print_info(text, out), Catch::Contains("not an HDF5 file"));

    const fs::path other = tmp.dir / "other.h5";
    h5::create_file(other);
    CHECK_THROWS_WITH(print_info(other, out), Catch::Contains("no schema_version attribute"));
    {
        h5::File f = h5::create_file(other);
        h5::set_attr<std::int32_t>(f, "schema_version", 7);
    }
    CHECK_THROWS_WITH(print_info(other, out), Catch::Contains("schema version 7, this talentsim reads 1 to 2"));

    const fs::path good = tmp.dir / "good.h5";
    auto w = make_hdf5_writer(good);
    write_run(*w, 5);
    w->finish(true);
    print_info(good, out);
    const std::string s = out.str();
    CHECK_THAT(s, Catch::Contains("unit-test"));
    CHECK_THAT(s, Catch::Contains("/steps"));
    CHECK_THAT(s, Catch::Contains("/panel/wage"));
    CHECK_THAT(s, Catch::Contains("[3, 10]"));
    CHECK_THAT(s, Catch::Contains("18446744073709551600"));
    // Every dataset's shape stands apart from its name, the longest name included.
    std::istringstream lines(s);
    int datasets = 0;
    for (std::string l; std::getline(lines, l);)
        if (l.rfind("  /", 0) == 0) {
            ++datasets;
            const auto shape = l.find('[');
            REQUIRE(shape != std::string::npos);
            CHECK(l.substr(shape - 2, 2) == "  ");
        }
    CHECK(datasets > 10);
    CHECK_THAT(s, Catch::Contains("/categories/posting_channels"));
}

TEST_CASE("hdf5 writer: every coded column names its labels, and tables with steps carry the date of step 0", "[hdf5]") {
    TempDir tmp;
    const fs::path path = tmp.dir / "run.h5";
    auto w = make_hdf5_writer(path);
    write_run(*w, 3);
    w->finish(true);
    h5::File f = h5::open_read_only(path);
    // Every 1-byte member of a table is a code, except the 0/1 flags.
    const std::vector<std::string> flags = {"accepted", "relocated", "team_move", "noncompete_bought_out"};
    int coded = 0;
    for (const char* table : {"postings", "offers", "moves", "candidates/initial", "employers"}) {
        h5::Dataset d = h5::open_dataset(f, table);
        h5::Datatype t(H5Dget_type(d));
        for (int k = 0; k < H5Tget_nmembers(t); ++k) {
            char* raw = H5Tget_member_name(t, static_cast<unsigned>(k));
            const std::string name = raw;
            H5free_memory(raw);
            h5::Datatype m(H5Tget_member_type(t, static_cast<unsigned>(k)));
            if (H5Tget_size(m) != 1 || std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
            INFO(table << "." << name);
            REQUIRE(h5::has_attr(d, name + ".categories"));
            const std::string list = h5::read_string_attr(d, name + ".categories");
            CHECK_FALSE(h5::read_strings(f, list.substr(1)).empty());
            ++coded;
        }
    }
    CHECK(coded == 15);  // postings: role, required_degree, city, employer_type, channel; offers 3; moves 1;
                         // candidates 4; employers 2
    CHECK(h5::read_string_attr(h5::open_dataset(f, "postings"), "required_degree.categories") == "/categories/degrees");
    CHECK(h5::read_strings(f, "categories/offer_kinds") ==
          std::vector<std::string>{"posted", "poaching", "counteroffer"});
    CHECK(h5::read_attr<std::int64_t>(h5::open_dataset(f, "moves"), "from_employer.none") == kNone);
    CHECK(h5::read_attr<std::int64_t>(h5::open_dataset(f, "panel/employer"), "none") == kNone);
    CHECK(h5::read_attr<std::int64_t>(h5::open_dataset(f, "panel/city"), "none") == 255);
    CHECK(h5::read_string_attr(h5::open_dataset(f, "panel/status"), "categories") == "/categories/statuses");
    for (const char* table : {"steps", "postings", "offers", "moves", "panel/step"}) {
        INFO(table);
        CHECK(h5::read_attr<std::int32_t>(h5::open_dataset(f, table), "date_of_step_0") == 202401);
    }
}
