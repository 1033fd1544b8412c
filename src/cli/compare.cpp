// talentsim compare RESULT.h5 [RESULT2.h5 ...] --targets FILE.toml [--json OUT] [--strict]
// One row per target (reported band, simulated mean and sd over the files, distance, inside),
// the weighted loss and the distribution distances; docs/compare.md.
// Exit codes: 0 ok; 1 --strict and a target outside its band, or the JSON cannot be written;
// 2 bad usage, a bad targets file, or a result file that cannot be read.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "analysis/compare.hpp"
#include "model/scenario.hpp"
#include "io/files.hpp"
#include "run/output_paths.hpp"

namespace po = boost::program_options;

namespace talentsim {
namespace {

// Numbers as people read them: money with thousands separators, shares with three decimals.
std::string human(double x, const std::string& unit) {
    if (std::isnan(x)) return "n/a";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char buf[64];
    if (unit.rfind("CNY", 0) == 0 || std::abs(x) >= 10000) {
        std::snprintf(buf, sizeof buf, "%.0f", x);
        std::string s = buf, out;
        const std::size_t first = (s[0] == '-') ? 1 : 0;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (i > first && (s.size() - i) % 3 == 0) out += ',';
            out += s[i];
        }
        return out;
    }
    std::snprintf(buf, sizeof buf, std::abs(x) >= 100 ? "%.1f" : "%.3f", x);
    return buf;
}

std::string band_text(const TargetOutcome& t) {
    if (t.reported_lo == t.reported_hi) return human(t.reported_value, t.unit);
    if (std::isinf(t.reported_hi)) return ">= " + human(t.reported_lo, t.unit);
    if (std::isinf(t.reported_lo)) return "<= " + human(t.reported_hi, t.unit);
    return human(t.reported_lo, t.unit) + " .. " + human(t.reported_hi, t.unit);
}

void print_table(const Comparison& c, std::ostream& out) {
    out << "talentsim compare: " << c.targets.size() << " targets (" << c.targets_file << ") on " << c.files.size()
        << " result file(s)\n";
    for (const auto& f : c.files) out << "  " << f << "\n";
    out << "\n";
    std::size_t w = 6;
    for (const auto& t : c.targets) w = std::max(w, t.name.size());
    out << std::left << std::setw(static_cast<int>(w)) << "target"
        << "  " << std::setw(11) << "statistic"
        << "  " << std::setw(10) << "unit"
        << "  " << std::right << std::setw(25) << "reported"
        << "  " << std::setw(13) << "simulated"
        << "  " << std::setw(11) << "sd"
        << "  " << std::setw(8) << "distance"
        << "  inside\n";
    int outside = 0, no_data = 0;
    for (const auto& t : c.targets) {
        std::ostringstream d;
        if (std::isnan(t.distance))
            d << "n/a";
        else
            d << std::fixed << std::setprecision(2) << (std::abs(t.distance) < 0.005 ? 0.0 : t.distance);  // no -0.00
        const bool missing = t.files == 0;
        outside += t.inside ? 0 : 1;
        no_data += missing ? 1 : 0;
        out << std::left << std::setw(static_cast<int>(w)) << t.name << "  " << std::setw(11) << t.statistic << "  "
            << std::setw(10) << t.unit << "  " << std::right << std::setw(25) << band_text(t) << "  " << std::setw(13)
            << human(t.simulated_mean, t.unit) << "  " << std::setw(11) << human(t.simulated_sd, t.unit) << "  "
            << std::setw(8) << d.str() << "  "
            << (missing    ? "no data"
                : t.inside ? "yes"
                           : "NO")
            << "\n";
    }
    out << "\n"
        << (c.targets.size() - static_cast<std::size_t>(outside)) << " of " << c.targets.size()
        << " targets inside their bands";
    if (no_data) out << " (" << no_data << " without data in these files)";
    out << "\nloss (weighted sum of squared distances over " << c.targets_used << " of " << c.targets.size()
        << " targets): " << std::fixed << std::setprecision(3) << c.loss << "\n";
    if (!c.distributions.empty()) {
        out << "\ndistribution distances (Kolmogorov-Smirnov at the reported points)\n";
        for (const auto& d : c.distributions) {
            out << "  " << std::left << std::setw(24) << d.name << " KS " << std::fixed << std::setprecision(3)
                << d.ks_mean;
            out << " (sd " << (c.files.size() > 1 ? human(d.ks_sd, "") : "n/a") << ")";
            out << "  over " << d.targets.size() << " point(s): ";
            for (std::size_t i = 0; i < d.targets.size(); ++i) out << (i ? ", " : "") << d.targets[i];
            out << "\n";
        }
    }
}

// JSON has no NaN or infinity: both are null (no data; an open side of a band).
nlohmann::ordered_json json_number(double x) {
    return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr);
}

void write_json(const Comparison& c, std::ostream& out) {
    nlohmann::ordered_json j;
    j["targets_file"] = c.targets_file;
    j["files"] = c.files;
    j["loss"] = json_number(c.loss);
    j["targets_used"] = c.targets_used;
    j["targets"] = nlohmann::ordered_json::array();
    for (const auto& t : c.targets) {
        nlohmann::ordered_json per_file = nlohmann::ordered_json::array();
        for (double x : t.per_file) per_file.push_back(json_number(x));
        j["targets"].push_back({{"name", t.name},
                                {"statistic", t.statistic},
                                {"unit", t.unit},
                                {"table", t.table},
                                {"source", t.source},
                                {"reported_lo", json_number(t.reported_lo)},
                                {"reported_hi", json_number(t.reported_hi)},
                                {"reported_value", json_number(t.reported_value)},
                                {"simulated_mean", json_number(t.simulated_mean)},
                                {"simulated_sd", json_number(t.simulated_sd)},
                                {"files", t.files},
                                {"per_file", per_file},
                                {"distance", json_number(t.distance)},
                                {"weight", json_number(t.weight)},
                                {"inside", t.inside}});
    }
    j["distributions"] = nlohmann::ordered_json::array();
    for (const auto& d : c.distributions)
        j["distributions"].push_back({{"name", d.name},
                                      {"statistic", "ks"},
                                      {"ks_mean", json_number(d.ks_mean)},
                                      {"ks_sd", json_number(d.ks_sd)},
                                      {"targets", d.targets}});
    out << j.dump(2) << "\n";
}

// Whether the file at `path` is a comparison this command wrote (a JSON object with its
// targets_file, loss and targets): --json replaces such a file, and nothing else without --force.
bool is_comparison_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        return j.is_object() && j.contains("targets_file") && j.contains("loss") && j.contains("targets");
    } catch (const std::exception&) {
        return false;
    }
}

// The --json file, checked before anything is compared (exit 2, nothing written): a file name, not
// an input (a result or the targets file), a regular file or none, in a directory that can be made;
// an existing file only if it is an earlier comparison, or with --force.
void check_json_path(const std::filesystem::path& json, std::vector<std::filesystem::path> inputs, bool force) {
    check_file_name(json, "JSON file", "--json", "comparison.json");
    check_output_file(json, "JSON file", inputs);
    std::error_code ec;
    if (!force && std::filesystem::exists(json, ec) && !is_comparison_json(json))
        throw PathRefused(json.string() +
                          ": exists and is not a comparison written by talentsim compare; give --force to "
                          "replace it, or another --json");
}

}  // namespace

int cmd_compare(const std::vector<std::string>& args) {
    const std::string usage = "talentsim compare RESULT.h5 [RESULT2.h5 ...] --targets FILE.toml [options]";
    po::options_description opts(usage, kHelpColumns);
    opts.add_options()("help,h", "show this help")("results", po::value<std::vector<std::string>>(),
                                                   "result files (e.g. one per seed)")(
        "targets,t", po::value<std::string>(), "targets file (e.g. scenarios/targets/china_ai_2024.toml)")(
        "json", po::value<std::string>(), "also write the comparison as JSON to this file")(
        "force", "let --json replace a file that is not an earlier comparison")(
        "strict", "exit 1 when any target is outside its band");
    po::variables_map vm;
    if (!parse_options(args, opts, vm, "results", -1,
                       "Exit codes: 0 ok; 1 --strict with a target outside its band, or the JSON cannot be written;\n"
                       "2 bad usage, bad targets file, unreadable result file. See docs/compare.md.\n"))
        return 0;
    if (!vm.count("targets")) throw UsageError("compare needs --targets FILE.toml");
    if (!vm.count("results")) throw UsageError("compare needs at least one result file");
    std::vector<std::filesystem::path> results;
    for (const auto& r : vm["results"].as<std::vector<std::string>>()) results.emplace_back(r);
    if (vm.count("json")) {
        std::vector<std::filesystem::path> inputs = results;
        inputs.emplace_back(vm["targets"].as<std::string>());
        try {
            check_json_path(vm["json"].as<std::string>(), inputs, vm.count("force") > 0);
        } catch (const PathRefused& e) {
            std::cerr << "talentsim compare: " << e.what() << "; nothing was compared\n";
            return 2;
        }
    }
    Comparison c;
    try {
        c = compare_results(results, vm["targets"].as<std::string>());
    } catch (const ScenarioInvalid&) {
        throw;  // the targets file: reported with every error by main, exit 2
    } catch (const std::runtime_error& e) {
        std::cerr << "talentsim compare: " << e.what() << "\n";
        return 2;  // a result file that cannot be read is bad input
    }
    print_table(c, std::cout);
    // A target without data must never make the comparison look better: said loudly, and an
    // error under --strict.
    std::size_t no_data = 0;
    for (const auto& t : c.targets)
        if (t.files == 0) {
            ++no_data;
            std::cerr << "talentsim compare: " << (vm.count("strict") ? "error" : "WARNING") << ": target " << t.name
                      << " has no data in these files (its window or population is not in the run); the loss "
                         "leaves it out\n";
        }
    if (no_data)
        std::cerr << "talentsim compare: " << (vm.count("strict") ? "error" : "WARNING") << ": the loss uses "
                  << c.targets_used << " of " << c.targets.size() << " targets\n";
    if (vm.count("json")) {  // complete or absent: written beside it and renamed into place
        const std::filesystem::path path = vm["json"].as<std::string>();
        try {
            std::ostringstream text;
            write_json(c, text);
            create_parent_directories(path);
            write_file_atomically(path, text.str());
        } catch (const std::exception& e) {
            std::cerr << "talentsim compare: cannot write the JSON file: " << e.what() << "\n";
            return 1;
        }
    }
    if (vm.count("strict")) {
        for (const auto& t : c.targets)
            if (!t.inside) return 1;
    }
    return 0;
}

}  // namespace talentsim
