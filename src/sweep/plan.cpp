// Sweep files: parsing, validation (every error, with file:line:column and key), the design,
// the seeds, and the plan of points. See docs/sweeps.md for the format.
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>

#include "sweep/sweep.hpp"
#include "analysis/compare.hpp"
#include "sweep/internal.hpp"
#include "io/toml_reader.hpp"
#include "sweep/designs.hpp"

namespace talentsim::sweep {

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::real:
            return "float";
        case Kind::integer:
            return "integer";
        case Kind::boolean:
            return "bool";
        default:
            return "string";
    }
}

std::string exact(double x) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
}

std::string override_text(const Value& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, double>)
                return exact(x);
            else if constexpr (std::is_same_v<T, std::int64_t>)
                return std::to_string(x);
            else if constexpr (std::is_same_v<T, bool>)
                return x ? "true" : "false";
            else
                return quote(x);
        },
        v);
}

std::string display(const Value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* d = std::get_if<double>(&v)) {
        std::ostringstream o;
        o << std::setprecision(6) << *d;
        return o.str();
    }
    return override_text(v);
}

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

std::uint64_t replicate_seed(std::uint64_t sweep_seed, Seeds scheme, const std::vector<std::string>& point_overrides,
                             std::int64_t replicate) {
    std::uint64_t h = 0;
    if (scheme == Seeds::independent) {
        h = kFnvOffset;
        for (const auto& o : point_overrides) h = fnv1a(h, o + "\n");
    }
    const std::uint64_t x = splitmix(splitmix(splitmix(sweep_seed) ^ h) ^ static_cast<std::uint64_t>(replicate));
    return x >> 2;  // 62 bits: a valid scenario.seed and an int64
}

namespace {

constexpr std::int64_t kMaxPoints = 1000000;
constexpr std::int64_t kMaxRuns = 10000000;

std::string type_name_of(const toml::node& n) { return toml_type_name(n); }

// Strings, or one string, at t[key].
std::vector<std::pair<std::string, toml::source_region>> get_strings(const toml::table& t, const std::string& prefix,
                                                                     const char* key, InputErrors& c,
                                                                     bool one_allowed) {
    std::vector<std::pair<std::string, toml::source_region>> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    if (one_allowed && n->is_string()) {
        out.emplace_back(n->as_string()->get(), n->source());
        return out;
    }
    const toml::array* a = n->as_array();
    if (!a) {
        c.add(n->source(), prefix + key,
              std::string("expected ") + (one_allowed ? "a string or " : "") + "an array of strings, found " +
                  type_name_of(*n));
        return out;
    }
    for (const auto& el : *a) {
        if (!el.is_string())
            c.add(el.source(), prefix + key, "expected strings in the array, found " + type_name_of(el));
        else
            out.emplace_back(el.as_string()->get(), el.source());
    }
    return out;
}

std::string read_text(const std::filesystem::path& p, bool* ok) {
    std::optional<std::string> text = read_text_file(p);
    *ok = text.has_value();
    return text.value_or("");
}

// The node at a --set path ("roles.llm.share", "events.0.multiplier") in a parsed scenario.
const toml::node* node_at(const toml::table& root, const std::vector<std::string>& parts) {
    const toml::node* cur = &root;
    for (const auto& part : parts) {
        if (const auto* t = cur->as_table()) {
            cur = t->get(part);
        } else if (const auto* a = cur->as_array()) {
            std::size_t idx = 0;
            const auto r = std::from_chars(part.data(), part.data() + part.size(), idx);
            if (r.ec != std::errc{} || r.ptr != part.data() + part.size()) return nullptr;
            cur = a->get(idx);
        } else {
            return nullptr;
        }
        if (!cur) return nullptr;
    }
    return cur;
}

std::vector<std::string> split_key(const std::string& key) {
    std::vector<std::string> parts;
    std::stringstream ss(key);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    if (!key.empty() && key.back() == '.') parts.emplace_back();
    return parts;
}

// Expands `*` components against the resolved scenario (e.g. employer_types.*.noncompete_enforce_prob).
void expand(const toml::node& node, const std::vector<std::string>& parts, std::size_t i, const std::string& prefix,
            std::vector<std::string>& out) {
    if (i == parts.size()) {
        out.push_back(prefix);
        return;
    }
    const std::string sep = prefix.empty() ? "" : ".";
    if (parts[i] == "*") {
        if (const auto* t = node.as_table()) {
            // File order of the category entries (to_toml writes them in scenario order).
            std::vector<std::pair<toml::source_position, std::string>> keys;
            for (const auto& [k, v] : *t) keys.emplace_back(v.source().begin, std::string(k.str()));
            std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
                return std::pair{a.first.line, a.first.column} < std::pair{b.first.line, b.first.column};
            });
            for (const auto& [pos, k] : keys) expand(*t->get(k), parts, i + 1, prefix + sep + k, out);
        } else if (const auto* a = node.as_array()) {
            for (std::size_t k = 0; k < a->size(); ++k)
                expand(*a->get(k), parts, i + 1, prefix + sep + std::to_string(k), out);
        }
        return;
    }
    if (const auto* t = node.as_table()) {
        if (const toml::node* n = t->get(parts[i])) expand(*n, parts, i + 1, prefix + sep + parts[i], out);
    } else if (const auto* a = node.as_array()) {
        std::size_t idx = 0;
        const auto r = std::from_chars(parts[i].data(), parts[i].data() + parts[i].size(), idx);
        if (r.ec == std::errc{} && r.ptr == parts[i].data() + parts[i].size() && idx < a->size())
            expand(*a->get(idx), parts, i + 1, prefix + sep + parts[i], out);
    }
}

std::optional<Kind> kind_of(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::floating_point:
            return Kind::real;
        case toml::node_type::integer:
            return Kind::integer;
        case toml::node_type::boolean:
            return Kind::boolean;
        case toml::node_type::string:
            return Kind::text;
        default:
            return std::nullopt;
    }
}

// A value of the array element `el` for a key of kind k, or an error.
std::optional<Value> value_of(const toml::node& el, Kind k, const std::string& key, InputErrors& c) {
    switch (k) {
        case Kind::real:
            if (el.is_floating_point()) {
                const double v = el.as_floating_point()->get();
                if (std::isnan(v)) break;
                return Value{v};
            }
            if (el.is_integer()) return Value{static_cast<double>(el.as_integer()->get())};
            break;
        case Kind::integer:
            if (el.is_integer()) return Value{el.as_integer()->get()};
            break;
        case Kind::boolean:
            if (el.is_boolean()) return Value{el.as_boolean()->get()};
            break;
        case Kind::text:
            if (el.is_string()) return Value{el.as_string()->get()};
            break;
    }
    c.add(el.source(), key,
          std::string("expected ") +
              (k == Kind::real      ? "a number"
               : k == Kind::integer ? "an integer"
               : k == Kind::boolean ? "true or false"
                                    : "a string") +
              " (the scenario key is " +
              (k == Kind::integer ? "an integer"
               : k == Kind::real  ? "a float"
                                  : kind_name(k)) +
              "), found " + type_name_of(el));
    return std::nullopt;
}

std::optional<std::pair<double, double>> get_bounds(const toml::node& n, const std::string& key, bool log,
                                                    InputErrors& c) {
    const toml::array* a = n.as_array();
    if (!a || a->size() != 2) {
        c.add(n.source(), key,
              "expected [low, high], found " +
                  (a ? "an array of " + std::to_string(a->size()) + " values" : type_name_of(n)));
        return std::nullopt;
    }
    double b[2];
    for (int i = 0; i < 2; ++i) {
        const toml::node& el = *a->get(static_cast<std::size_t>(i));
        if (el.is_integer())
            b[i] = static_cast<double>(el.as_integer()->get());
        else if (el.is_floating_point())
            b[i] = el.as_floating_point()->get();
        else {
            c.add(el.source(), key, "expected a number, found " + type_name_of(el));
            return std::nullopt;
        }
        if (!std::isfinite(b[i])) {
            c.add(el.source(), key, "bounds must be finite");
            return std::nullopt;
        }
    }
    if (!(b[0] < b[1])) {
        c.add(n.source(), key, "expected low < high, found [" + exact(b[0]) + ", " + exact(b[1]) + "]");
        return std::nullopt;
    }
    if (log && b[0] <= 0) {
        c.add(n.source(), key, "a log range needs low > 0, found " + exact(b[0]));
        return std::nullopt;
    }
    return std::pair{b[0], b[1]};
}

// u in [0, 1] -> value of a range parameter.
Value range_value(const Parameter& p, double u) {
    double x = p.spacing == Parameter::Spacing::log ? std::exp(std::log(p.lo) + (std::log(p.hi) - std::log(p.lo)) * u)
                                                    : p.lo + (p.hi - p.lo) * u;
    if (u <= 0) x = p.lo;
    if (u >= 1) x = p.hi;
    if (p.kind == Kind::integer) return Value{static_cast<std::int64_t>(std::llround(x))};
    return Value{x};
}

double uniform(std::uint64_t key) { return static_cast<double>(splitmix(key) >> 11) * 0x1.0p-53; }  // [0, 1)

bool values_equal(const Value& a, const Value& b) {
    if (a.index() != b.index()) return false;
    if (const auto* x = std::get_if<double>(&a))
        return std::bit_cast<std::uint64_t>(*x) == std::bit_cast<std::uint64_t>(std::get<double>(b));
    return a == b;
}

// A key equal for equal values (values_equal), for sets of listed values.
std::string value_key(const Value& v) {
    if (const auto* x = std::get_if<double>(&v)) return "f" + std::to_string(std::bit_cast<std::uint64_t>(*x));
    if (const auto* x = std::get_if<std::int64_t>(&v)) return "i" + std::to_string(*x);
    if (const auto* x = std::get_if<bool>(&v)) return *x ? "b1" : "b0";
    return "s" + std::get<std::string>(v);
}

// Per-parameter values for a design point: grid index per parameter or a u in [0, 1).
Value sampled_value(const Parameter& p, double u) {
    if (p.spacing == Parameter::Spacing::listed) {
        const auto n = p.values.size();
        return p.values[std::min(n - 1, static_cast<std::size_t>(u * static_cast<double>(n)))];
    }
    if (p.kind == Kind::integer) {  // every integer in [lo, hi] equally likely (log: on the log scale)
        if (p.spacing == Parameter::Spacing::linear) {
            const double lo = std::ceil(p.lo), hi = std::floor(p.hi);
            return Value{static_cast<std::int64_t>(std::min(hi, lo + std::floor(u * (hi - lo + 1))))};
        }
    }
    return range_value(p, u);
}

// Points of a sized design (random, lhs, morris, sobol).
std::size_t planned_points(const Sweep& s) {
    const auto n = static_cast<std::size_t>(s.design_points), P = s.parameters.size();
    if (s.design == Design::morris) return n * (P + 1);
    if (s.design == Design::sobol) return n * saltelli_block(P);
    if (s.design == Design::list) return P ? s.parameters[0].values.size() : 0;
    return n;
}

}  // namespace

// Unit-cube coordinates of a morris or sobol design, in point order (also used by `sweep analyze`).
std::vector<UnitPoint> unit_design(const Sweep& s) {
    const auto n = static_cast<std::size_t>(s.design_points), P = s.parameters.size();
    if (s.design == Design::morris)
        return morris_design(n, P, static_cast<int>(s.morris_levels), splitmix(s.seed ^ 0x4D4F5252495331ull)).points;
    if (s.design == Design::sobol) return saltelli_design(n, P);
    return {};
}
MorrisDesign sweep_morris_design(const Sweep& s) {
    return morris_design(static_cast<std::size_t>(s.design_points), s.parameters.size(),
                         static_cast<int>(s.morris_levels), splitmix(s.seed ^ 0x4D4F5252495331ull));
}

namespace {

// The grid's points, the first parameter varying slowest.
std::vector<std::vector<Value>> grid_rows(const Sweep& s) {
    const std::size_t P = s.parameters.size();
    std::size_t total = 1;
    for (const auto& p : s.parameters) total *= p.values.size();
    std::vector<std::vector<Value>> rows;
    for (std::size_t n = 0; n < total; ++n) {
        std::vector<Value> row(P);
        std::size_t rest = n;
        for (std::size_t j = P; j-- > 0;) {
            const std::size_t k = s.parameters[j].values.size();
            row[j] = s.parameters[j].values[rest % k];
            rest /= k;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

// The points of a random or Latin hypercube design: design_points draws of each parameter, each from
// its own stream of the sweep seed (lhs: one in each of design_points strata, shuffled by
// Fisher-Yates with the parameter's stream).
std::vector<std::vector<Value>> sampled_rows(const Sweep& s) {
    const std::size_t P = s.parameters.size();
    const auto N = static_cast<std::size_t>(s.design_points);
    std::vector<std::vector<Value>> rows(N, std::vector<Value>(P));
    const std::uint64_t base = splitmix(s.seed ^ 0xD1B54A32D192ED03ull);
    for (std::size_t j = 0; j < P; ++j) {
        std::vector<std::size_t> stratum(N);
        std::iota(stratum.begin(), stratum.end(), 0);
        if (s.design == Design::lhs)
            for (std::size_t i = N; i-- > 1;) {
                const auto k = static_cast<std::size_t>(
                    uniform(base ^ splitmix(0xA0761D6478BD642Full * (j + 1) + i)) * static_cast<double>(i + 1));
                std::swap(stratum[i], stratum[std::min(k, i)]);
            }
        for (std::size_t i = 0; i < N; ++i) {
            const double v = uniform(base ^ splitmix(0xE7037ED1A0B428DBull * (j + 1) + splitmix(i)));
            const double u =
                s.design == Design::lhs ? (static_cast<double>(stratum[i]) + v) / static_cast<double>(N) : v;
            rows[i][j] = sampled_value(s.parameters[j], u);
        }
    }
    return rows;
}

std::vector<std::vector<Value>> design_rows(const Sweep& s) {
    const std::size_t P = s.parameters.size();
    std::vector<std::vector<Value>> rows;
    if (s.design == Design::grid) return grid_rows(s);
    if (s.design == Design::list) {
        for (std::size_t i = 0; P && i < s.parameters[0].values.size(); ++i) {
            std::vector<Value> row;
            for (const auto& p : s.parameters) row.push_back(p.values[i]);
            rows.push_back(std::move(row));
        }
    } else if (s.design == Design::morris || s.design == Design::sobol) {
        for (const auto& u : unit_design(s)) {  // designs.cpp
            std::vector<Value> row(P);
            for (std::size_t j = 0; j < P; ++j) row[j] = range_value(s.parameters[j], u[j]);
            rows.push_back(std::move(row));
        }
    } else {
        rows = sampled_rows(s);
    }
    return rows;
}

// The sweep's points: the design's rows, each with its overrides and its replicates' seeds.
void plan_points(Sweep& s) {
    const std::size_t P = s.parameters.size();
    const std::vector<std::vector<Value>> rows = design_rows(s);
    s.points.clear();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        Point p;
        p.index = i;
        p.values = rows[i];
        std::vector<std::string> own;
        for (std::size_t j = 0; j < P; ++j)
            for (const auto& key : s.parameters[j].keys) own.push_back(key + "=" + override_text(rows[i][j]));
        p.overrides = s.fixed;
        p.overrides.insert(p.overrides.end(), own.begin(), own.end());
        for (std::int64_t r = 0; r < s.replicates; ++r) p.seeds.push_back(replicate_seed(s.seed, s.seeds, own, r));
        s.points.push_back(std::move(p));
    }
}

std::string fingerprint_of(const Sweep& s) {
    std::uint64_t h = kFnvOffset;
    auto add = [&](std::string_view x) {
        h = fnv1a(h, x);
        h = fnv1a(h, "\x1f");
    };
    add("talentsim-sweep-1");
    add(s.scenario_text);
    add(std::to_string(s.replicates));
    add(std::to_string(s.window));
    for (const auto& m : s.builtin_metrics) add(m);
    for (const auto& t : s.targets_text) add(t);
    for (const auto& p : s.parameters) add(p.name);
    for (const auto& p : s.points) {
        for (const auto& o : p.overrides) add(o);
        for (auto seed : p.seeds) add(std::to_string(seed));
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace

// `*` matches any run of characters without a '.', `**` any run at all. Dynamic programming over
// (pattern token, text prefix): O(|pat| x |s|) time whatever the number of stars (a backtracking
// matcher is exponential in them, which a hostile sweep file can exploit).
bool glob_match(std::string_view pat, std::string_view s) {
    std::vector<char> cur(s.size() + 1, 0), next(s.size() + 1, 0);
    cur[0] = 1;  // the empty pattern matches the empty prefix
    for (std::size_t i = 0; i < pat.size(); ++i) {
        if (pat[i] == '*') {
            const bool any = i + 1 < pat.size() && pat[i + 1] == '*';
            if (any) ++i;
            next[0] = cur[0];
            for (std::size_t j = 1; j <= s.size(); ++j)
                next[j] = cur[j] || (next[j - 1] && (any || s[j - 1] != '.'));
        } else {
            next[0] = 0;
            for (std::size_t j = 1; j <= s.size(); ++j) next[j] = cur[j - 1] && s[j - 1] == pat[i];
        }
        std::swap(cur, next);
    }
    return cur[s.size()] != 0;
}

namespace {

const std::vector<std::string> kDefaultMetrics = {
    "unemployment_rate",
    "sitting_out_share",
    "move_rate",
    "moves",
    "hires",
    "counteroffer_win_rate",
    "noncompete_block_rate",
    "noncompete_buyouts",
    "relocation_share",
    "mean_unemployment_spell_months",
    "wage.earned.mean",
    "wage.earned.p10",
    "wage.earned.p50",
    "wage.earned.p90",
    "wage.posted.mean",
    "wage.posted.p50",
};

// design.points and design.levels, by design kind (docs/sweeps.md, "[design]").
void parse_design_size(const toml::table& design, Sweep& s, InputErrors& c) {
    if (auto n = get_int(design, "design.", "points", 1, kMaxPoints, c)) s.design_points = *n;
    const bool sized = s.design != Design::grid && s.design != Design::list;
    if (!sized && design.get("points"))
        c.add(design.get("points")->source(), "design.points",
              s.design == Design::grid
                  ? "a grid has one point per combination of parameter values; give points per parameter instead"
                  : "a list design has one point per listed value of each parameter");
    if (sized && !design.get("points"))
        c.add(design.source(), "design.points",
              std::string("required key is missing (") +
                  (s.design == Design::morris  ? "number of Morris trajectories"
                   : s.design == Design::sobol ? "number of Saltelli base samples"
                                               : "number of points of a random or lhs design") +
                  ")");
    if (const toml::node* l = design.get("levels")) {
        if (s.design != Design::morris)
            c.add(l->source(), "design.levels", "levels is for morris designs");
        else if (auto v = get_int(design, "design.", "levels", 2, 1000, c)) {
            if (*v % 2) c.add(l->source(), "design.levels", "Morris levels must be even, found " + std::to_string(*v));
            s.morris_levels = *v;
        }
    }
}

// One sweep file being read: parse_sweep's state, one method per section of the file.
class SweepReader {
public:
    SweepReader(const std::string& text, const std::filesystem::path& file)
        : file_(file), c_{file.string()}, root_(parse_toml(text, file.string())) {
        s.file = file;
        s.text = text;
        set_where_ = scenario_where_ = root_.source();
        unknown_keys(root_, "", {"sweep", "design", "parameters", "metrics"}, c_);
    }

    // [sweep]
    void read_sweep() {
        if (const toml::table* t = table_at(root_, "sweep", c_, true)) {
            unknown_keys(*t, "sweep.", {"name", "description", "scenario", "seed", "replicates", "seeds", "set"}, c_);
            s.name = get_string(*t, "sweep.", "name", c_, true).value_or("");
            s.description = get_string(*t, "sweep.", "description", c_, false).value_or("");
            if (auto sc = get_string(*t, "sweep.", "scenario", c_, true)) {
                scenario_where_ = t->get("scenario")->source();
                const std::filesystem::path p(*sc);
                s.scenario = p.is_absolute() ? p : (file_.parent_path() / p).lexically_normal();
            }
            s.seed =
                static_cast<std::uint64_t>(get_int(*t, "sweep.", "seed", 0, 9000000000000000000LL, c_).value_or(1));
            s.replicates = get_int(*t, "sweep.", "replicates", 1, 100000, c_).value_or(1);
            if (auto v = get_choice(*t, "sweep.", "seeds", {"independent", "common"}, c_))
                s.seeds = *v == "common" ? Seeds::common : Seeds::independent;
            for (auto& [o, where] : get_strings(*t, "sweep.", "set", c_, false)) {
                s.fixed.push_back(o);
                set_where_ = where;
                const auto eq = o.find('=');
                if (eq != std::string::npos && o.substr(0, eq) == "scenario.seed")
                    c_.add(where, "sweep.set",
                           "scenario.seed cannot be set here: replicate seeds come from sweep.seed");
            }
        }
        if (!s.name.empty() && s.name.find_first_of("/\\\n") != std::string::npos)
            c_.add(root_.at_path("sweep.name").node()->source(), "sweep.name",
                   "a name cannot contain / or \\ or line breaks");
    }

    // [design]
    void read_design() {
        const toml::table* design = table_at(root_, "design", c_, false);
        if (!design) return;
        unknown_keys(*design, "design.", {"kind", "points", "levels"}, c_);
        if (auto k = get_choice(*design, "design.", "kind", {"grid", "random", "lhs", "list", "morris", "sobol"}, c_))
            for (Design d : {Design::grid, Design::random, Design::lhs, Design::list, Design::morris, Design::sobol})
                if (*k == design_kind_name(d)) s.design = d;
        parse_design_size(*design, s, c_);  // points, levels
    }

    // The base scenario, with the fixed overrides: its keys decide the parameter types.
    void read_base() {
        if (s.scenario.empty()) return;
        bool readable = false;
        s.scenario_text = read_text(s.scenario, &readable);
        if (!readable) {
            c_.add(scenario_where_, "sweep.scenario", "cannot open the base scenario " + s.scenario.string());
            return;
        }
        try {
            base_ = parse_scenario(s.scenario_text, s.scenario.string(), s.fixed);
            resolved_ = toml::parse(to_toml(*base_));
        } catch (const ScenarioInvalid& e) {
            for (const auto& err : e.errors()) {
                if (err.line == 0 && err.file == "--set")
                    c_.add(set_where_, "sweep.set", err.key + ": " + err.message);
                else
                    c_.errors.push_back(err);  // an error in the base scenario itself
            }
        }
    }

    // [[parameters]]
    void read_parameters() {
        if (const toml::node* n = root_.get("parameters")) {
            const toml::array* a = n->as_array();
            if (!a)
                c_.add(n->source(), "parameters",
                       "expected an array of tables ([[parameters]]), found " + type_name_of(*n));
            else
                for (std::size_t i = 0; i < a->size(); ++i) {
                    const std::string prefix = "parameters." + std::to_string(i) + ".";
                    if (const toml::table* t = a->get(i)->as_table())
                        read_parameter(*t, prefix);
                    else
                        c_.add(a->get(i)->source(), prefix, "expected a table");
                }
        }
        if (s.parameters.empty() && !root_.get("parameters"))
            c_.add(root_.source(), "parameters", "required: at least one [[parameters]] entry");
        check_names_and_keys();
        check_values();
    }

    // [metrics], and the built-in metrics its patterns choose.
    void read_metrics() {
        std::vector<std::string> patterns = kDefaultMetrics;
        std::vector<toml::source_region> pattern_where(patterns.size(), root_.source());
        bool explicit_builtin = false;
        if (const toml::table* t = table_at(root_, "metrics", c_, false)) {
            unknown_keys(*t, "metrics.", {"builtin", "targets", "window"}, c_);
            if (t->get("builtin")) {
                explicit_builtin = true;
                patterns.clear();
                pattern_where.clear();
                for (auto& [pat, where] : get_strings(*t, "metrics.", "builtin", c_, false)) {
                    patterns.push_back(pat);
                    pattern_where.push_back(where);
                }
            }
            read_targets(*t);
            s.window = get_int(*t, "metrics.", "window", 1, 6000, c_).value_or(12);
        }
        if (!base_) return;
        const std::vector<std::string> catalog = builtin_catalog(*base_);
        std::vector<bool> chosen(catalog.size(), false);
        for (std::size_t k = 0; k < patterns.size(); ++k) {
            bool any = false;
            for (std::size_t m = 0; m < catalog.size(); ++m)
                if (glob_match(patterns[k], catalog[m])) chosen[m] = any = true;
            if (!any && explicit_builtin)
                c_.add(pattern_where[k], "metrics.builtin",
                       "\"" + patterns[k] + "\" matches no built-in metric (docs/sweeps.md lists them)");
        }
        for (std::size_t m = 0; m < catalog.size(); ++m)
            if (chosen[m]) s.builtin_metrics.push_back(catalog[m]);
    }

    // The list design's columns of equal length, and the number of points and runs within the limits.
    void check_size() {
        if (s.design == Design::list)
            for (std::size_t i = 1; i < s.parameters.size(); ++i)
                if (s.parameters[i].values.size() != s.parameters[0].values.size())
                    c_.add(param_where_[i], "parameters." + std::to_string(i) + ".values",
                           "a list design needs the same number of values for every parameter (" +
                               std::to_string(s.parameters[0].values.size()) + " for the first, " +
                               std::to_string(s.parameters[i].values.size()) + " here)");
        if (!c_.errors.empty()) return;
        std::size_t total = 1;
        for (const auto& p : s.parameters)
            total = std::min<std::size_t>(total * std::max<std::size_t>(p.values.size(), 1), kMaxPoints + 1);
        if (s.design == Design::grid && total > static_cast<std::size_t>(kMaxPoints))
            c_.add(root_.get("parameters")->source(), "parameters",
                   "the grid has more than " + std::to_string(kMaxPoints) + " points");
        else if (const std::size_t points = s.design == Design::grid ? total : planned_points(s);
                 points * static_cast<std::size_t>(s.replicates) > static_cast<std::size_t>(kMaxRuns))
            c_.add(root_.get("sweep") ? root_.get("sweep")->source() : root_.source(), "sweep.replicates",
                   std::to_string(points) + " points x " + std::to_string(s.replicates) + " replicates is more than " +
                       std::to_string(kMaxRuns) + " runs; split the sweep");
    }

    void throw_if_any() { c_.throw_if_any(); }

    Sweep s;

private:
    void read_parameter(const toml::table& t, const std::string& prefix) {
        unknown_keys(t, prefix, {"key", "keys", "name", "values", "range", "log_range", "points"}, c_);
        Parameter p;
        std::vector<std::pair<std::string, toml::source_region>> keys;
        if (t.get("key") && t.get("keys"))
            c_.add(t.source(), prefix + "key", "give key or keys, not both");
        else if (t.get("key"))
            keys = get_strings(t, prefix, "key", c_, true);
        else if (t.get("keys"))
            keys = get_strings(t, prefix, "keys", c_, false);
        else
            c_.add(t.source(), prefix + "key", "required key is missing (the scenario key to vary, as --set takes it)");
        if (t.get("keys") && !t.get("key") && t.get("keys")->is_array() && t.get("keys")->as_array()->empty())
            c_.add(t.get("keys")->source(), prefix + "keys", "needs at least one key");
        p.name = get_string(t, prefix, "name", c_, false).value_or(keys.empty() ? "" : keys.front().first);
        const int forms = (t.get("values") ? 1 : 0) + (t.get("range") ? 1 : 0) + (t.get("log_range") ? 1 : 0);
        if (forms != 1)
            c_.add(t.source(), prefix + "values",
                   forms == 0 ? "give values, range or log_range" : "give only one of values, range, log_range");
        const std::optional<Kind> kind = expand_keys(keys, prefix + (t.get("keys") ? "keys" : "key"), p);
        if (kind) {
            p.kind = *kind;
            if (const toml::node* v = t.get("values"))
                read_listed_values(t, *v, prefix, p);
            else if (const toml::node* r = t.get(t.get("range") ? "range" : "log_range"))
                read_range(t, *r, prefix, p);
        }
        param_where_.push_back(t.source());
        if (kind) grid_so_far_ *= static_cast<double>(std::max<std::size_t>(p.values.size(), 1));
        s.parameters.push_back(std::move(p));
    }

    // Expands the keys against the resolved base scenario into p.keys; their common kind.
    std::optional<Kind> expand_keys(const std::vector<std::pair<std::string, toml::source_region>>& keys,
                                    const std::string& key_field, Parameter& p) {
        std::optional<Kind> kind;
        for (const auto& [key, where] : keys) {
            if (!base_) break;
            if (key == "scenario.seed") {
                c_.add(where, key_field, "scenario.seed cannot be varied: replicate seeds come from sweep.seed");
                continue;
            }
            std::vector<std::string> expanded;
            expand(resolved_, split_key(key), 0, "", expanded);
            if (expanded.empty()) {
                c_.add(where, key_field,
                       "\"" + key + "\" is not a key of the scenario " + s.scenario.string() +
                           " (see talentsim reference)");
                continue;
            }
            for (const auto& k : expanded) {
                const toml::node* node = node_at(resolved_, split_key(k));
                const auto kk = node ? kind_of(*node) : std::nullopt;
                if (!kk) {
                    c_.add(where, key_field, "\"" + k + "\" is a table, not a value");
                    continue;
                }
                if (k.rfind("scenario.seed", 0) == 0) continue;
                if (kind && *kind != *kk) {
                    c_.add(where, key_field,
                           "\"" + k + "\" is " + kind_name(*kk) + " but other keys of this parameter are " +
                               kind_name(*kind));
                    continue;
                }
                kind = kk;
                if (std::find(p.keys.begin(), p.keys.end(), k) == p.keys.end()) p.keys.push_back(k);
            }
        }
        return kind;
    }

    // `values = [...]`
    void read_listed_values(const toml::table& t, const toml::node& v, const std::string& prefix, Parameter& p) {
        const toml::array* va = v.as_array();
        if (!va || va->empty())
            c_.add(v.source(), prefix + "values",
                   va ? "needs at least one value" : "expected an array, found " + type_name_of(v));
        else {
            std::set<std::string> listed;  // linear in the number of values (docs/reliability.md)
            for (const auto& el : *va)
                if (auto x = value_of(el, p.kind, prefix + "values", c_)) {
                    if (s.design != Design::list &&  // a list repeats values across points
                        !listed.insert(value_key(*x)).second)
                        c_.add(el.source(), prefix + "values", "value " + display(*x) + " is listed twice");
                    else
                        p.values.push_back(*x);
                }
        }
        if (t.get("points"))
            c_.add(t.get("points")->source(), prefix + "points", "points is for ranges; values are listed");
        if (s.design == Design::morris || s.design == Design::sobol)
            c_.add(v.source(), prefix + "values",
                   std::string("a ") + design_kind_name(s.design) + " design needs a range or log_range");
    }

    // `range = [lo, hi]` or `log_range = [lo, hi]`
    void read_range(const toml::table& t, const toml::node& r, const std::string& prefix, Parameter& p) {
        const bool log = !t.get("range");
        const std::string rk = prefix + (log ? "log_range" : "range");
        if (s.design == Design::list) {
            c_.add(r.source(), rk, "a list design takes listed values (one per point)");
        } else if (p.kind == Kind::boolean || p.kind == Kind::text) {
            c_.add(r.source(), rk,
                   std::string("the scenario key is a ") + kind_name(p.kind) + "; list its values instead");
        } else if (auto b = get_bounds(r, rk, log, c_)) {
            p.spacing = log ? Parameter::Spacing::log : Parameter::Spacing::linear;
            p.lo = b->first;
            p.hi = b->second;
            if (s.design == Design::grid) {
                read_grid_points(t, prefix, p);
            } else {
                if (t.get("points"))
                    c_.add(t.get("points")->source(), prefix + "points",
                           "points is for grid designs; design.points sets the number of points");
                p.values = {range_value(p, 0.0), range_value(p, 1.0)};  // the ends, checked below
            }
        }
    }

    // The grid values of a range: `points` of them, evenly spaced (on the log scale for log_range).
    void read_grid_points(const toml::table& t, const std::string& prefix, Parameter& p) {
        auto pts = get_int(t, prefix, "points", 1, kMaxPoints, c_);
        if (!t.get("points"))
            c_.add(t.source(), prefix + "points", "required key is missing (grid values of the range)");
        // Counted before expanding: a grid over the limit is refused without building it.
        if (pts && grid_so_far_ * static_cast<double>(*pts) > static_cast<double>(kMaxPoints)) {
            c_.add(t.get("points")->source(), prefix + "points",
                   "the grid has more than " + std::to_string(kMaxPoints) + " points");
            pts.reset();
        }
        if (!pts) return;
        p.values.reserve(static_cast<std::size_t>(*pts));
        for (std::int64_t k = 0; k < *pts; ++k) {
            const Value x = range_value(p, *pts == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(*pts - 1));
            // Range values are monotone, so values repeated after rounding to
            // integers are adjacent: each appears once, in linear time.
            if (p.values.empty() || !values_equal(x, p.values.back())) p.values.push_back(x);
        }
        p.grid_points = *pts;
    }

    // Parameter names used once, without '/'; each scenario key varied by one parameter.
    void check_names_and_keys() {
        std::set<std::string> names, keys;
        for (std::size_t i = 0; i < s.parameters.size(); ++i) {
            const auto& p = s.parameters[i];
            if (!p.name.empty() && !names.insert(p.name).second)
                c_.add(param_where_[i], "parameters." + std::to_string(i) + ".name",
                       "parameter name \"" + p.name + "\" is used twice");
            if (p.name.find('/') != std::string::npos)
                c_.add(param_where_[i], "parameters." + std::to_string(i) + ".name", "a name cannot contain /");
            for (const auto& k : p.keys)
                if (!keys.insert(k).second)
                    c_.add(param_where_[i], "parameters." + std::to_string(i) + ".key",
                           "\"" + k + "\" is varied by two parameters");
        }
    }

    // Each value of each parameter against the scenario's own checks (types, bounds, choices).
    // Errors that depend on several keys together (shares summing to 1) surface per point instead.
    void check_values() {
        if (!base_) return;
        for (std::size_t i = 0; i < s.parameters.size(); ++i) {
            const auto& p = s.parameters[i];
            if (p.keys.empty()) continue;  // its key is already reported
            std::set<std::string> seen;
            // Listed values one by one; a range by its two ends (scenario bounds are intervals).
            std::vector<Value> check = p.values;
            if (p.spacing != Parameter::Spacing::listed && !p.values.empty())
                check = {range_value(p, 0.0), range_value(p, 1.0)};
            for (const auto& v : check) {
                std::vector<std::string> o = s.fixed;
                for (const auto& k : p.keys) o.push_back(k + "=" + override_text(v));
                try {
                    (void)parse_scenario(s.scenario_text, s.scenario.string(), o);
                } catch (const ScenarioInvalid& e) {
                    for (const auto& err : e.errors())
                        if (err.line == 0 && seen.insert(err.key + err.message).second)
                            c_.add(param_where_[i], "parameters." + std::to_string(i),
                                   err.key + " = " + display(v) + ": " + err.message);
                }
            }
        }
    }

    // `targets`: files read now (their text is part of the plan's identity).
    void read_targets(const toml::table& t) {
        for (auto& [tf, where] : get_strings(t, "metrics.", "targets", c_, true)) {
            const std::filesystem::path p(tf);
            const auto full = p.is_absolute() ? p : (file_.parent_path() / p).lexically_normal();
            bool readable = false;
            std::string tt = read_text(full, &readable);
            if (!readable)
                c_.add(where, "metrics.targets", "cannot open the targets file " + full.string());
            else if (std::any_of(s.targets.begin(), s.targets.end(),
                                 [&](const auto& q) { return q.stem() == full.stem(); }))
                c_.add(where, "metrics.targets",
                       "two targets files named " + full.stem().string() + " (metric names come from the file name)");
            else {
                s.targets.push_back(full);
                s.targets_text.push_back(std::move(tt));
            }
        }
    }

    const std::filesystem::path file_;
    InputErrors c_;
    toml::table root_;
    toml::source_region set_where_, scenario_where_;
    std::optional<Scenario> base_;
    toml::table resolved_;
    std::vector<toml::source_region> param_where_;
    double grid_so_far_ = 1;  // grid points of the parameters read so far
};

}  // namespace

const char* design_kind_name(Design d) {
    switch (d) {
        case Design::grid:
            return "grid";
        case Design::random:
            return "random";
        case Design::lhs:
            return "lhs";
        case Design::list:
            return "list";
        case Design::morris:
            return "morris";
        default:
            return "sobol";
    }
}

Scenario point_scenario(const Sweep& s, const Point& p) {
    return parse_scenario(s.scenario_text, s.scenario.string(), p.overrides);
}

Sweep load_sweep(const std::filesystem::path& file) {
    bool ok = false;
    std::string text = read_text(file, &ok);
    if (!ok) throw InputInvalid({InputError{file.string(), 0, 0, "(file)", "cannot open the sweep file"}});
    return parse_sweep(text, file);
}

Sweep parse_sweep(const std::string& text, const std::filesystem::path& file) {
    SweepReader r(text, file);
    r.read_sweep();
    r.read_design();
    r.read_base();
    r.read_parameters();
    r.read_metrics();
    r.check_size();
    r.throw_if_any();
    Sweep s = std::move(r.s);
    // A targets file is validated here, once for plan, run, point and slurm: an invalid one is
    // refused before anything is planned or created (its own file:line errors, exit 2).
    for (const auto& t : s.targets) check_targets_file(t);
    plan_points(s);
    s.fingerprint = fingerprint_of(s);
    return s;
}

namespace {
// The plan's head: the sweep, its base, design, seeds, each parameter and the metrics.
void print_plan_head(const Sweep& s, std::ostream& out) {
    out << "sweep " << s.name << " (" << s.file.string() << ", plan " << s.fingerprint << ")\n";
    out << "  base scenario   " << s.scenario.string() << "\n";
    for (const auto& f : s.fixed) out << "  fixed           " << f << "\n";
    out << "  design          " << design_kind_name(s.design) << ", " << s.points.size() << " points x "
        << s.replicates << " replicates = " << s.runs() << " runs\n";
    out << "  seeds           " << (s.seeds == Seeds::common ? "common" : "independent") << ", from sweep seed "
        << s.seed << "\n";
    for (const auto& p : s.parameters) {
        out << "  parameter       " << p.name << " (" << kind_name(p.kind);
        if (p.keys.size() != 1 || p.keys.front() != p.name) {
            out << "; sets";
            for (const auto& k : p.keys) out << " " << k;
        }
        out << "): ";
        if (p.spacing != Parameter::Spacing::listed && s.design != Design::grid)
            out << (p.spacing == Parameter::Spacing::log ? "log-uniform on [" : "uniform on [") << exact(p.lo) << ", "
                << exact(p.hi) << "]";
        else
            for (std::size_t k = 0; k < p.values.size(); ++k) out << (k ? ", " : "") << display(p.values[k]);
        out << "\n";
    }
    out << "  metrics         " << s.builtin_metrics.size() << " built-in";
    for (const auto& t : s.targets) out << ", targets " << t.string();
    out << " (flows over the last " << s.window << " steps)\n\n";
}

// Point i's seeds, and "  INVALID: key: message" when its scenario does not validate.
std::pair<std::string, bool> point_tail(const Sweep& s, std::size_t i) {
    std::string tail;
    for (auto seed : s.points[i].seeds) {  // appended piecewise: GCC 12 -Wrestrict on " " + std::string&&
        if (!tail.empty()) tail += ' ';
        tail += std::to_string(seed);
    }
    try {
        (void)point_scenario(s, s.points[i]);
    } catch (const ScenarioInvalid& e) {
        return {tail + "  INVALID: " + e.errors().front().key + ": " + e.errors().front().message, false};
    }
    return {tail, true};
}
}  // namespace

void print_plan(const Sweep& s, std::ostream& out) {
    print_plan_head(s, out);
    std::vector<std::string> header{"point"};
    for (const auto& p : s.parameters) header.push_back(p.name);
    std::vector<std::vector<std::string>> rows;
    for (const auto& pt : s.points) {
        std::vector<std::string> row{std::to_string(pt.index)};
        for (const auto& v : pt.values) row.push_back(display(v));
        rows.push_back(std::move(row));
    }
    std::vector<std::size_t> width(header.size());
    for (std::size_t j = 0; j < header.size(); ++j) {
        width[j] = header[j].size();
        for (const auto& r : rows) width[j] = std::max(width[j], r[j].size());
    }
    auto line = [&](const std::vector<std::string>& r, const std::string& tail) {
        for (std::size_t j = 0; j < r.size(); ++j)
            out << (j ? "  " : "") << std::setw(static_cast<int>(width[j])) << r[j];
        out << "  " << tail << "\n";
    };
    line(header, "seeds");
    std::size_t invalid = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto [tail, valid] = point_tail(s, i);
        invalid += valid ? 0 : 1;
        line(rows[i], tail);
    }
    out << "\n" << s.points.size() << " points, " << s.runs() << " runs";
    if (invalid) out << "; " << invalid << " point(s) have an invalid scenario and will be recorded as failed";
    out << "\n";
}

}  // namespace talentsim::sweep
