// talentsim compare: targets files, statistics checked against direct reads of small result files
// made by the talentsim binary at test time, the command line (exit codes, --json, --strict), the
// plot scripts, and bad inputs (bad targets files, a non-HDF5 result file).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <string>

#include "analysis/compare.hpp"
#include "support.hpp"
#include "io/h5.hpp"
#include "model/scenario.hpp"

namespace fs = std::filesystem;
using namespace talentsim;

namespace {

const std::string kSource = TALENTSIM_SOURCE_DIR;

// Runs a shell command; returns its exit code and its stdout+stderr.
int sh(const std::string& cmd, std::string* output = nullptr) {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return -1;
    std::string out;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = pclose(p);
    if (output) *output = out;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

fs::path dir() {
    static const fs::path d = test::temp_dir("compare");
    return d;
}

// A small run of the calibrated scenario (3,000 candidates) with `extra` overrides, written to f.
void small_run(const fs::path& f, int seed, const std::string& extra) {
    const std::string cmd = std::string(TALENTSIM_BINARY) + " run " + kSource +
                            "/scenarios/china_ai_2024.toml --quiet --threads 2" + " --seed " + std::to_string(seed) +
                            " --out " + f.string() +
                            " --set population.candidates=3000 --set population.employers=150" +
                            " --set population.graduates_per_year=300 --set population.abroad_inflow_per_month=3" +
                            " --set events.15.count=1650 " +  // the entry_candidates event, scaled like the population
                            extra;
    std::string log;
    if (sh(cmd, &log) != 0) FAIL("talentsim run failed: " << log);
}

// Two small runs of the calibrated scenario (monthly panel), made once.
const std::vector<fs::path>& results() {
    static const std::vector<fs::path> files = [] {
        std::vector<fs::path> out;
        for (int seed : {11, 12}) {
            out.push_back(dir() / ("small_" + std::to_string(seed) + ".h5"));
            small_run(out.back(), seed, "--set output.panel_every=1 --set wages.months_per_year=13");
        }
        return out;
    }();
    return files;
}

fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir() / name;
    std::ofstream(p) << text;
    return p;
}

std::vector<double> col(const fs::path& f, const std::string& table, const std::string& field) {
    h5::File file = h5::open_read_only(f);
    return h5::read_column<double>(file, table, field);
}

const TargetOutcome& find(const Comparison& c, const std::string& name) {
    auto it = std::find_if(c.targets.begin(), c.targets.end(), [&](const TargetOutcome& t) { return t.name == name; });
    REQUIRE(it != c.targets.end());
    return *it;
}

// A targets file whose statistics the test recomputes from the raw tables.
const char* kProbe = R"([targets]
name = "probe"

[[target]]
name = "share"
source = "test"
statistic = "share_above"
table = "postings"
threshold = 500000
band = [0.0, 1.0]
[target.filter]
date = ["2025-01", "2025-02"]
role = ["llm_algorithm"]

[[target]]
name = "monthly_mean"
source = "test"
statistic = "mean"
table = "postings"
unit = "monthly"
band = [1, 1000000]
[target.filter]
steps = [24, 25]

[[target]]
name = "growth"
source = "test"
statistic = "growth"
table = "postings"
base_steps = [0, 2]
band = [-1, 100]
[target.filter]
steps = [12, 14]

[[target]]
name = "median_wage"
source = "test"
statistic = "quantile"
table = "panel"
q = 0.5
value = 500000
band = [0, 1e8]
distribution = "earned"
[target.filter]
steps = [35, 35]

[[target]]
name = "ratio"
source = "test"
statistic = "ratio"
band = [0, 1000]
[target.numerator]
table = "moves"
[target.numerator.filter]
job_to_job = true
[target.denominator]
table = "steps"
field = "hires"
aggregate = "sum"

[[target]]
name = "outside"
source = "test"
statistic = "share_below"
table = "panel"
threshold = 1e12
band = [0.0, 0.5]
weight = 2
)";

}  // namespace

TEST_CASE("compare computes each statistic from the right table", "[compare]") {
    const auto& files = results();
    const Comparison c = compare_results(files, write("probe.toml", kProbe));
    REQUIRE(c.targets.size() == 6);
    REQUIRE(c.files.size() == 2);
    for (std::size_t k = 0; k < files.size(); ++k) {
        const fs::path& f = files[k];
        const auto step = col(f, "postings", "step"), salary = col(f, "postings", "salary"),
                   role = col(f, "postings", "role");
        // Jan-Feb 2025 as steps of this run (the scenario may start before 2023).
        std::string start;
        {
            h5::File file = h5::open_read_only(f);
            start = h5::read_string_attr(file, "start");
        }
        const double jan2025 = 2025 * 12 - (std::stoi(start.substr(0, 4)) * 12 + std::stoi(start.substr(5, 2)) - 1);
        // share of llm_algorithm (role 0) postings above 500k in steps 24..25
        double n = 0, above = 0, sum = 0, cnt = 0, now = 0, base = 0;
        for (std::size_t i = 0; i < step.size(); ++i) {
            if (step[i] >= jan2025 && step[i] <= jan2025 + 1 && role[i] == 0) {
                n++;
                above += salary[i] > 500000;
            }
            if (step[i] >= 24 && step[i] <= 25) {
                sum += salary[i];
                cnt++;
            }
            now += step[i] >= 12 && step[i] <= 14;
            base += step[i] <= 2;
        }
        CHECK(find(c, "share").per_file[k] == Approx(above / n));
        CHECK(find(c, "monthly_mean").per_file[k] == Approx(sum / cnt / 13.0));  // wages.months_per_year = 13
        CHECK(find(c, "growth").per_file[k] == Approx(now / base - 1.0));
        // median earned wage of the employed at the last snapshot (panel_every = 1: row 35)
        h5::File file = h5::open_read_only(f);
        const auto dims = h5::shape(h5::open_dataset(file, "panel/wage"));
        std::vector<std::byte> w = h5::read_raw(file, "panel/wage", H5T_NATIVE_DOUBLE),
                               s = h5::read_raw(file, "panel/status", H5T_NATIVE_DOUBLE);
        const auto* wage = reinterpret_cast<const double*>(w.data()) + 35 * dims[1];
        const auto* status = reinterpret_cast<const double*>(s.data()) + 35 * dims[1];
        std::vector<double> employed;
        for (std::size_t j = 0; j < dims[1]; ++j)
            if (status[j] == 1) employed.push_back(wage[j]);
        std::sort(employed.begin(), employed.end());
        const double h = 0.5 * static_cast<double>(employed.size() - 1);
        const auto lo = static_cast<std::size_t>(h);
        const double median = employed[lo] + (h - static_cast<double>(lo)) *
                                                 (employed[std::min(lo + 1, employed.size() - 1)] - employed[lo]);
        CHECK(find(c, "median_wage").per_file[k] == Approx(median));
        // job-to-job moves per step over hires per step, whole run
        const auto from = col(f, "moves", "from_employer"), hires = col(f, "steps", "hires");
        const double j2j =
            static_cast<double>(std::count_if(from.begin(), from.end(), [](double x) { return x != 4294967295.0; }));
        CHECK(find(c, "ratio").per_file[k] == Approx(j2j / std::accumulate(hires.begin(), hires.end(), 0.0)));
    }
    // Mean and sd over the files, inside, distance, loss.
    for (const auto& t : c.targets) {
        CHECK(t.files == 2);
        const double m = 0.5 * (t.per_file[0] + t.per_file[1]);
        CHECK(t.simulated_mean == Approx(m));
        CHECK(t.simulated_sd == Approx(std::abs(t.per_file[0] - t.per_file[1]) / std::sqrt(2.0)).margin(1e-12));
    }
    const auto& out = find(c, "outside");
    CHECK(out.simulated_mean == 1.0);
    CHECK_FALSE(out.inside);
    CHECK(out.distance == Approx((1.0 - 0.25) / 0.25));
    CHECK(find(c, "share").inside);
    double loss = 0;
    for (const auto& t : c.targets) loss += t.weight * t.distance * t.distance;
    CHECK(c.loss == Approx(loss));
    REQUIRE(c.distributions.size() == 1);
    CHECK(c.distributions[0].ks_mean >= 0);
    CHECK(c.distributions[0].ks_mean <= 1);
}

TEST_CASE("compare filters postings by channel (eq. 9b)", "[compare]") {
    // A small run with campus and experienced postings: the mean posted salary of each channel, and
    // of open and experienced together (B11 and B12 of the shipped targets), as read from the table.
    const fs::path f = dir() / "campus.h5";
    small_run(f, 11, "--set vacancies.campus_share=0.4");
    const std::string one = R"(
[[target]]
name = "NAME"
source = "test"
statistic = "mean"
table = "postings"
band = [0, 1e9]
[target.filter]
channel = CHANNELS
)";
    std::string text = "[targets]\nname = \"channels\"\n";
    for (const auto& [name, list] :
         std::vector<std::pair<std::string, std::string>>{{"campus", R"(["campus"])"},
                                                          {"experienced", R"(["experienced"])"},
                                                          {"not_campus", R"(["open", "experienced"])"}}) {
        std::string t = one;
        t.replace(t.find("NAME"), 4, name);
        t.replace(t.find("CHANNELS"), 8, list);
        text += t;
    }
    const Comparison c = compare_results({f}, write("channels.toml", text));
    const auto channel = col(f, "postings", "channel"), salary = col(f, "postings", "salary");
    double sum[3] = {0, 0, 0}, n[3] = {0, 0, 0};
    for (std::size_t k = 0; k < channel.size(); ++k) {
        sum[static_cast<int>(channel[k])] += salary[k];
        n[static_cast<int>(channel[k])] += 1;
    }
    CHECK(n[0] == 0);
    REQUIRE(n[1] > 0);
    REQUIRE(n[2] > 0);
    CHECK(find(c, "campus").per_file[0] == Approx(sum[1] / n[1]));
    CHECK(find(c, "experienced").per_file[0] == Approx(sum[2] / n[2]));
    CHECK(find(c, "not_campus").per_file[0] == Approx(sum[2] / n[2]));
    CHECK(find(c, "experienced").per_file[0] > find(c, "campus").per_file[0]);
}

TEST_CASE("the shipped targets file evaluates on a small result", "[compare]") {
    const Comparison c = compare_results({results()[0]}, kSource + "/scenarios/targets/china_ai_2024.toml");
    CHECK(c.targets.size() >= 15);
    int with_data = 0;
    std::set<std::string> tables;
    for (const auto& t : c.targets) {
        CHECK_FALSE(t.source.empty());
        CHECK(t.reported_lo <= t.reported_hi);
        with_data += t.files;
        tables.insert(t.table);
    }
    // Each names the table whose rows it counts (the plot's axis says "share of postings").
    CHECK(tables == std::set<std::string>{"moves", "offers", "panel", "postings", "steps"});
    CHECK(with_data >= static_cast<int>(c.targets.size()) - 2);
}

TEST_CASE("a bad targets file reports every error with file:line:column and key", "[compare]") {
    const fs::path bad = write("bad.toml", R"([targets]
name = "bad"
colour = "red"

[[target]]
name = "x"
source = "s"
statistic = "median"
table = "postings"
band = [0, 1]

[[target]]
name = "y"
source = "s"
statistic = "share_above"
table = "postings"
band = [0.2, 0.1]
[target.filter]
tier = ["c4"]
date = ["2025-13", "2025-02"]

[[target]]
name = "z"
statistic = "mean"
table = "panel"
field = "salary"
unit = "monthly"
value = 3
)");
    try {
        compare_results(results(), bad);
        FAIL("no error");
    } catch (const ScenarioInvalid& e) {
        const std::string msg = e.what(), f = bad.string();
        CHECK(msg.find(f + ":3:1: targets.colour: unknown key") != std::string::npos);
        CHECK(msg.find(f + ":8:13: target.0.statistic: expected one of") != std::string::npos);
        CHECK(msg.find(f + ":15:1: target.1.threshold: required key is missing") ==
              std::string::npos);  // reported at the table
        CHECK(msg.find("target.1.threshold: required key is missing") != std::string::npos);
        CHECK(msg.find(f + ":17:8: target.1.band: low is above high") != std::string::npos);
        CHECK(msg.find(f + ":19:8: target.1.filter.tier: not a filter of table postings") != std::string::npos);
        CHECK(msg.find(f + ":20:8: target.1.filter.date: expected [\"YYYY-MM\"") != std::string::npos);
        CHECK(msg.find("target.2.source: required key is missing") != std::string::npos);
        CHECK(msg.find(f + ":26:9: target.2.field: expected one of wage") != std::string::npos);
        CHECK(e.errors().size() >= 8);
    }
    CHECK_THROWS_AS(compare_results(results(), dir() / "missing.toml"), ScenarioInvalid);
    CHECK_THROWS_AS(compare_results(results(), write("syntax.toml", "[targets\nname=1\n")), ScenarioInvalid);
}

TEST_CASE("a result file that is not HDF5, missing or not a talentsim result is named", "[compare]") {
    const fs::path probe = write("probe.toml", kProbe);
    const fs::path text = write("not_hdf5.h5", "this is not an HDF5 file\n");
    CHECK_THROWS_WITH(compare_results({text}, probe), Catch::Contains(text.string() + ": not an HDF5 file"));
    CHECK_THROWS_WITH(compare_results({dir() / "none.h5"}, probe), Catch::Contains("none.h5: no such file"));
    { h5::File f = h5::create_file(dir() / "other.h5"); }
    CHECK_THROWS_WITH(compare_results({dir() / "other.h5"}, probe), Catch::Contains("not a talentsim result file"));
    // A name the result file does not know.
    const std::string unknown_role =
        std::string(kProbe).replace(std::string(kProbe).find("llm_algorithm"), 13, "quantum_chef");
    CHECK_THROWS_WITH(compare_results(results(), write("unknown_role.toml", unknown_role)),
                      Catch::Contains("\"quantum_chef\" is not in /categories/roles"));
}

TEST_CASE("talentsim compare: table, --json, --strict and exit codes", "[compare][cli]") {
    const std::string bin = TALENTSIM_BINARY, a = results()[0].string(), b = results()[1].string();
    const fs::path probe = write("probe.toml", kProbe), json = dir() / "c.json";
    std::string out;
    CHECK(sh(bin + " compare " + a + " " + b + " --targets " + probe.string() + " --json " + json.string(), &out) == 0);
    CHECK(out.find("median_wage") != std::string::npos);
    CHECK(out.find("loss") != std::string::npos);
    CHECK(out.find("Kolmogorov-Smirnov") != std::string::npos);
    CHECK(sh(bin + " compare " + a + " --targets " + probe.string() + " --strict", &out) == 1);  // "outside" is outside
    const std::string inside_only =
        std::string(kProbe).substr(0, std::string(kProbe).find("[[target]]\nname = \"outside\""));
    CHECK(sh(bin + " compare " + a + " --targets " + write("inside.toml", inside_only).string() + " --strict", &out) ==
          0);
    CHECK(sh(bin + " compare " + a, &out) == 2);
    CHECK(out.find("--targets") != std::string::npos);
    CHECK(sh(bin + " compare --targets " + probe.string(), &out) == 2);
    CHECK(sh(bin + " compare " + write("x.h5", "text").string() + " --targets " + probe.string(), &out) == 2);
    CHECK(out.find("not an HDF5 file") != std::string::npos);
    CHECK(sh(bin + " compare " + a + " --targets " + write("bad2.toml", "[targets]\nname = 1\n").string(), &out) == 2);
    CHECK(out.find("bad2.toml:2:8: targets.name: expected a string") != std::string::npos);
    // The JSON parses and holds every target (checked with the Python that the plots use).
    CHECK(sh("/usr/bin/python3 -c \"import json,sys; c=json.load(open(sys.argv[1])); assert len(c['targets'])==6 and "
             "len(c['files'])==2, c\" " +
                 json.string(),
             &out) == 0);
}

TEST_CASE("plot scripts write non-empty PNG files", "[compare][plots]") {
    const std::string a = results()[0].string(), py = "/usr/bin/python3 " + kSource + "/scripts/";
    const fs::path json = dir() / "plot.json";
    REQUIRE(sh(std::string(TALENTSIM_BINARY) + " compare " + a + " --targets " + kSource +
               "/scenarios/targets/china_ai_2024.toml --json " + json.string()) == 0);
    const std::vector<std::pair<std::string, fs::path>> runs = {
        {py + "plot_salaries.py " + a + " --targets " + kSource + "/scenarios/targets/china_ai_2024.toml --out ",
         dir() / "s.png"},
        {py + "plot_market.py " + a + " --out ", dir() / "m.png"},
        {py + "plot_compare.py " + json.string() + " --out ", dir() / "c.png"},
    };
    for (const auto& [cmd, png] : runs) {
        std::string out;
        INFO(cmd << "\n" << out);
        CHECK(sh(cmd + png.string(), &out) == 0);
        REQUIRE(fs::exists(png));
        CHECK(fs::file_size(png) > 10000);
        std::ifstream in(png, std::ios::binary);
        char magic[8] = {};
        in.read(magic, 8);
        CHECK(std::string(magic + 1, 3) == "PNG");
    }
}
