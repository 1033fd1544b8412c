// Simulated vs reported. A targets file (scenarios/targets/*.toml) is parsed and validated in full
// (every error with file:line:column and key), then each target's statistic is computed on each
// result file from the table that describes its side of the market: posted salaries from
// /postings and /offers, earned wages from /panel, flows from /moves and /steps.
// docs/compare.md documents the vocabulary, the filters, the distance, the loss and the KS distance.
#include "analysis/compare.hpp"
#include "io/toml_reader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "io/h5.hpp"
#include "io/records.hpp"
#include "io/result_file.hpp"
#include "model/scenario.hpp"

namespace talentsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// The vocabulary.

const std::vector<std::string> kStatistics = {"share_above", "share_below", "mean",  "quantile",
                                              "range_mass",  "ratio",       "growth"};
const std::vector<std::string> kTables = {"postings", "offers", "panel", "moves", "steps"};
const std::vector<std::string> kAggregates = {"count", "sum", "mean"};

// Fields a statistic may be taken of, per table; the first is the default. Money fields are
// annual CNY in the file and may be compared with monthly figures (unit = "monthly").
struct FieldInfo {
    std::string name;
    bool money;
};
const std::map<std::string, std::vector<FieldInfo>> kFields = {
    {"postings", {{"salary", true}, {"required_degree", false}}},
    {"offers", {{"salary", true}}},
    {"panel", {{"wage", true}}},
    {"moves", {{"raise", false}, {"new_wage", true}, {"old_wage", true}}},
    {"steps",
     [] {  // the columns of /steps (io/records.hpp) but step and date
         std::vector<FieldInfo> out;
#define TALENTSIM_FIELD(type, name) out.push_back({#name, false});
         TALENTSIM_STEP_TALLIES(TALENTSIM_FIELD)
         TALENTSIM_STATUS_COUNTS(TALENTSIM_FIELD)
         TALENTSIM_STEP_PAYMENTS(TALENTSIM_FIELD)
#undef TALENTSIM_FIELD
#define TALENTSIM_FIELD(type, name) out.push_back({#name, true});
         TALENTSIM_STEP_SALARIES(TALENTSIM_FIELD)
#undef TALENTSIM_FIELD
         return out;
     }()},
};

// Filters each table understands. Name lists select codes of /categories/*; see docs/compare.md.
const std::map<std::string, std::set<std::string>> kFilters = {
    {"postings", {"date", "steps", "role", "degree", "employer_type", "city", "channel"}},
    {"offers",
     {"date", "steps", "role", "degree", "tier", "employer_type", "city", "offer_kind", "accepted", "entrant"}},
    {"panel", {"date", "steps", "role", "degree", "tier", "employer_type", "city", "status", "entrant"}},
    {"moves",
     {"date", "steps", "role", "degree", "tier", "employer_type", "city", "from_status", "entrant", "job_to_job",
      "team_move"}},
    {"steps", {"date", "steps"}},
};
const std::set<std::string> kNameFilters = {"role",       "degree", "tier",        "employer_type", "city",
                                            "offer_kind", "status", "from_status", "channel"};
const std::set<std::string> kBoolFilters = {"accepted", "entrant", "job_to_job", "team_move"};
const char* kOfferKinds[] = {"posted", "poaching", "counteroffer"};

struct Filter {
    std::optional<std::pair<std::int32_t, std::int32_t>> date;   // yyyymm, inclusive
    std::optional<std::pair<std::int64_t, std::int64_t>> steps;  // inclusive
    std::map<std::string, std::vector<std::string>> names;       // dimension -> accepted names
    std::map<std::string, bool> flags;
};

struct Sample {
    std::string table, field, aggregate = "count";
    Filter filter;
};

struct Spec {
    std::string name, source, statistic, unit = "annual", distribution;
    Sample sample;                  // every statistic but ratio
    Sample numerator, denominator;  // ratio
    Filter base;                    // growth: the base window (date or steps only)
    double threshold = kNaN, q = kNaN, range_lo = kNaN, range_hi = kNaN;
    std::string at_least;  // share_above of required_degree: a degree name instead of a threshold code
    double value = kNaN, lo = kNaN, hi = kNaN, scale = kNaN, weight = 1;
};

// ---------------------------------------------------------------------------------------------
// Parsing and validation: every error, with file:line:column and key.

std::string kind_of(const toml::node& n) { return toml_type_name(n); }

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// Reads the keys of one table against an allowed list; reports unknown keys.
class Reader {
public:
    Reader(const toml::table& t, std::string prefix, InputErrors& e) : t_(t), prefix_(std::move(prefix)), e_(e) {}
    const toml::node* get(const std::string& k) {
        seen_.insert(k);
        return t_.get(k);
    }
    std::string key(const std::string& k) const { return prefix_ + k; }
    const toml::table& table() const { return t_; }
    InputErrors& errors() { return e_; }
    void unknown_keys() {
        for (const auto& [k, v] : t_)
            if (!seen_.count(std::string(k.str()))) e_.add(k.source(), prefix_ + std::string(k.str()), "unknown key");
    }
    std::optional<std::string> string(const std::string& k, bool required) {
        const toml::node* n = get(k);
        if (!n) {
            if (required) e_.add(t_.source(), key(k), "required key is missing");
            return std::nullopt;
        }
        if (!n->is_string()) {
            e_.add(n->source(), key(k), "expected a string, found " + kind_of(*n));
            return std::nullopt;
        }
        return n->as_string()->get();
    }
    std::optional<std::string> choice(const std::string& k, const std::vector<std::string>& choices, bool required) {
        auto v = string(k, required);
        if (v && !contains(choices, *v)) {
            e_.add(t_.get(k)->source(), key(k), "expected one of " + join(choices, "|") + ", found \"" + *v + "\"");
            return std::nullopt;
        }
        return v;
    }
    std::optional<double> number(const std::string& k, bool required, double lo = -kInf, double hi = kInf) {
        const toml::node* n = get(k);
        if (!n) {
            if (required) e_.add(t_.source(), key(k), "required key is missing");
            return std::nullopt;
        }
        return as_number(*n, key(k), lo, hi);
    }
    std::optional<double> as_number(const toml::node& n, const std::string& key, double lo, double hi) {
        std::optional<double> v;
        if (n.is_floating_point())
            v = n.as_floating_point()->get();
        else if (n.is_integer())
            v = static_cast<double>(n.as_integer()->get());
        if (!v) {
            e_.add(n.source(), key, "expected a number, found " + kind_of(n));
            return std::nullopt;
        }
        if (std::isnan(*v)) {
            e_.add(n.source(), key, "expected a number, found nan");
            return std::nullopt;
        }
        if (*v < lo || *v > hi) {
            std::ostringstream m;
            m << "value " << *v << " is out of range [" << lo << ", " << hi << "]";
            e_.add(n.source(), key, m.str());
            return std::nullopt;
        }
        return v;
    }
    // [a, b] of two numbers with a <= b (inf allowed where `open` is true).
    std::optional<std::pair<double, double>> pair(const std::string& k, bool required, bool open) {
        const toml::node* n = get(k);
        if (!n) {
            if (required) e_.add(t_.source(), key(k), "required key is missing");
            return std::nullopt;
        }
        const toml::array* a = n->as_array();
        if (!a || a->size() != 2) {
            e_.add(n->source(), key(k), "expected [low, high], found " + kind_of(*n));
            return std::nullopt;
        }
        auto x = as_number(*a->get(0), key(k), open ? -kInf : -1e300, open ? kInf : 1e300);
        auto y = as_number(*a->get(1), key(k), open ? -kInf : -1e300, open ? kInf : 1e300);
        if (!x || !y) return std::nullopt;
        if (*x > *y) {
            e_.add(n->source(), key(k), "low is above high");
            return std::nullopt;
        }
        return std::pair{*x, *y};
    }

private:
    const toml::table& t_;
    std::string prefix_;
    InputErrors& e_;
    std::set<std::string> seen_;
};

Filter read_filter(const toml::node* n, const std::string& prefix, const std::string& table, InputErrors& e,
                   bool window_only = false) {
    Filter f;
    if (!n) return f;
    const toml::table* t = n->as_table();
    if (!t) {
        e.add(n->source(), prefix, "expected a table, found " + kind_of(*n));
        return f;
    }
    const auto allowed_it = kFilters.find(table);
    for (const auto& [k0, v] : *t) {
        const std::string k(k0.str()), key = prefix + "." + k;
        const bool known = k == "date" || k == "steps" || kNameFilters.count(k) || kBoolFilters.count(k);
        if (!known) {
            e.add(k0.source(), key, "unknown key");
            continue;
        }
        if (window_only && k != "date" && k != "steps") {
            e.add(v.source(), key, "only date or steps may be given here");
            continue;
        }
        if (allowed_it != kFilters.end() && !allowed_it->second.count(k)) {
            std::vector<std::string> ok(allowed_it->second.begin(), allowed_it->second.end());
            e.add(v.source(), key, "not a filter of table " + table + " (it has: " + join(ok) + ")");
            continue;
        }
        if (k == "date") {
            const toml::array* a = v.as_array();
            std::optional<std::int32_t> x, y;
            if (a && a->size() == 2 && a->get(0)->is_string() && a->get(1)->is_string()) {
                x = parse_month(a->get(0)->as_string()->get());
                y = parse_month(a->get(1)->as_string()->get());
            }
            if (!x || !y)
                e.add(v.source(), key, "expected [\"YYYY-MM\", \"YYYY-MM\"] (first and last month, inclusive)");
            else if (*x > *y)
                e.add(v.source(), key, "first month is after the last");
            else
                f.date = std::pair{*x, *y};
        } else if (k == "steps") {
            const toml::array* a = v.as_array();
            if (!a || a->size() != 2 || !a->get(0)->is_integer() || !a->get(1)->is_integer())
                e.add(v.source(), key, "expected [first, last] step numbers (inclusive)");
            else {
                const auto x = a->get(0)->as_integer()->get(), y = a->get(1)->as_integer()->get();
                if (x < 0 || x > y)
                    e.add(v.source(), key, "expected 0 <= first <= last");
                else
                    f.steps = std::pair{x, y};
            }
        } else if (kBoolFilters.count(k)) {
            if (!v.is_boolean())
                e.add(v.source(), key, "expected true or false, found " + kind_of(v));
            else
                f.flags[k] = v.as_boolean()->get();
        } else {
            const toml::array* a = v.as_array();
            std::vector<std::string> names;
            bool ok = a && !a->empty();
            if (a)
                for (const auto& el : *a) {
                    if (el.is_string())
                        names.push_back(el.as_string()->get());
                    else
                        ok = false;
                }
            if (!ok) {
                e.add(v.source(), key, "expected a non-empty array of names");
                continue;
            }
            if (k == "offer_kind")
                for (const auto& x : names)
                    if (std::find(std::begin(kOfferKinds), std::end(kOfferKinds), x) == std::end(kOfferKinds))
                        e.add(v.source(), key, "\"" + x + "\" is not an offer kind (posted, poaching, counteroffer)");
            f.names[k] = names;
        }
    }
    if (f.date && f.steps) e.add(t->source(), prefix, "give date or steps, not both");
    return f;
}

// table, field, aggregate and filter of a population, read from `r` (a target or a ratio part).
Sample read_sample(Reader& r, bool with_aggregate, InputErrors& e) {
    Sample s;
    auto table = r.choice("table", kTables, true);
    if (!table) return s;
    s.table = *table;
    const auto& fields = kFields.at(s.table);
    std::vector<std::string> names;
    for (const auto& f : fields) names.push_back(f.name);
    if (auto f = r.choice("field", names, false))
        s.field = *f;
    else if (!r.table().get("field"))
        s.field = fields.front().name;
    if (with_aggregate) {
        if (auto a = r.choice("aggregate", kAggregates, false)) s.aggregate = *a;
    }
    s.filter = read_filter(r.get("filter"), r.key("filter"), s.table, e);
    return s;
}

bool is_money(const Sample& s) {
    if (s.table.empty() || s.field.empty()) return false;
    for (const auto& f : kFields.at(s.table))
        if (f.name == s.field) return f.money;
    return false;
}

// The reported figure: a band, a value, or both.
void read_reported(Reader& r, const toml::table& t, Spec& s, InputErrors& e) {
    const auto band = r.pair("band", false, true);
    auto value = r.number("value", false);
    if (value && !std::isfinite(*value)) {  // a reported figure is a number; open sides belong in band
        e.add(t.get("value")->source(), r.key("value"),
              "must be finite (a figure known only on one side is band = [x, inf] or [-inf, x])");
        value.reset();
    }
    if (band) {
        s.lo = band->first;
        s.hi = band->second;
    }
    if (value) s.value = *value;
    if (!band && !value)
        e.add(t.source(), r.key("band"), "give the reported figure as band = [low, high] and/or value = x");
    if (!band && value) {
        s.lo = s.hi = *value;
    }
    if (band && !value) {
        if (std::isfinite(s.lo) && std::isfinite(s.hi))
            s.value = 0.5 * (s.lo + s.hi);
        else if (std::isfinite(s.lo))
            s.value = s.lo;
        else if (std::isfinite(s.hi))
            s.value = s.hi;
        else
            e.add(t.get("band")->source(), r.key("band"), "a band open on both sides compares nothing");
    }
    if (band && value && (*value < s.lo || *value > s.hi))
        e.add(t.get("value")->source(), r.key("value"), "value lies outside the band");
}

// A ratio's numerator and denominator, each a sample of its own.
void read_ratio_parts(Reader& r, const toml::table& t, Spec& s, InputErrors& e) {
    for (const char* part : {"numerator", "denominator"}) {
        const toml::node* n = r.get(part);
        if (!n) {
            e.add(t.source(), r.key(part), "required key is missing (ratio needs numerator and denominator)");
            continue;
        }
        const toml::table* pt = n->as_table();
        if (!pt) {
            e.add(n->source(), r.key(part), "expected a table, found " + kind_of(*n));
            continue;
        }
        Reader pr(*pt, r.key(part) + ".", e);
        Sample smp = read_sample(pr, true, e);
        pr.unknown_keys();
        (std::string(part) == "numerator" ? s.numerator : s.denominator) = smp;
    }
}

// The base window of a growth target: base_date or base_steps, errors reported at that key.
void read_growth_base(Reader& r, const toml::table& t, const std::string& prefix, Spec& s, InputErrors& e) {
    const bool has_base_date = t.get("base_date") != nullptr, has_base_steps = t.get("base_steps") != nullptr;
    toml::table base;
    if (has_base_date) base.insert("date", *t.get("base_date"));
    if (has_base_steps) base.insert("steps", *t.get("base_steps"));
    r.get("base_date");
    r.get("base_steps");
    if (!has_base_date && !has_base_steps)
        e.add(t.source(), r.key("base_date"), "required key is missing (growth needs base_date or base_steps)");
    else {
        InputErrors tmp{e.file};
        s.base = read_filter(&base, prefix + "base", s.sample.table, tmp, true);
        for (auto& err : tmp.errors) {  // report at the key in the file
            const toml::node* at = t.get(has_base_date ? "base_date" : "base_steps");
            err.line = static_cast<int>(at->source().begin.line);
            err.column = static_cast<int>(at->source().begin.column);
            err.key = r.key(has_base_date ? "base_date" : "base_steps");
            e.errors.push_back(err);
        }
    }
    if (!s.sample.filter.date && !s.sample.filter.steps)
        e.add(t.source(), r.key("filter.date"), "growth needs the window it measures: filter.date or filter.steps");
}

// Checks across keys: shares in [0, 1], monthly units for money only, distributions.
void check_target(Reader& r, const toml::table& t, const Spec& s, InputErrors& e) {
    const std::string& st = s.statistic;
    // Shares live in [0, 1].
    const bool share_stat = st == "share_above" || st == "share_below" || st == "range_mass";
    if (share_stat && !std::isnan(s.lo) && (s.lo < 0 || s.hi > 1) && std::isfinite(s.lo) && std::isfinite(s.hi))
        e.add(t.get("band") ? t.get("band")->source() : t.source(), r.key("band"), "a share lies in [0, 1]");
    // Units: monthly figures only make sense for money.
    const bool money = st != "ratio" && st != "growth" && is_money(s.sample);
    if (s.unit == "monthly" && !money)
        e.add(t.get("unit")->source(), r.key("unit"),
              "\"monthly\" applies only to money fields (salary, wage, new_wage, old_wage, wage_*, posted_mean)");
    if (!s.distribution.empty() && !(share_stat || st == "quantile"))
        e.add(t.get("distribution")->source(), r.key("distribution"),
              "only share_above, share_below, range_mass and quantile targets describe a distribution");
}

Spec read_target(const toml::table& t, const std::string& prefix, InputErrors& e) {
    Reader r(t, prefix, e);
    Spec s;
    if (auto v = r.string("name", true)) s.name = *v;
    if (auto v = r.string("source", true)) s.source = *v;
    r.string("note", false);
    if (auto v = r.choice("statistic", kStatistics, true)) s.statistic = *v;
    if (auto v = r.choice("unit", {"annual", "monthly"}, false)) s.unit = *v;
    if (auto v = r.string("distribution", false)) s.distribution = *v;
    if (auto v = r.number("weight", false, 0, 1e6)) s.weight = *v;
    if (auto v = r.number("scale", false, 0, kInf)) {
        if (*v <= 0) e.add(t.get("scale")->source(), r.key("scale"), "must be positive");
        s.scale = *v;
    }
    read_reported(r, t, s, e);

    const std::string& st = s.statistic;
    if (st == "ratio") {
        read_ratio_parts(r, t, s, e);
    } else if (!st.empty()) {
        s.sample = read_sample(r, st == "growth", e);
    }
    if (st == "share_above" && t.get("at_least")) {  // postings requiring at least a degree, by name
        if (auto v = r.string("at_least", true)) s.at_least = *v;
        if (s.sample.field != "required_degree")
            e.add(t.get("at_least")->source(), r.key("at_least"), "applies only to field = \"required_degree\"");
        if (t.get("threshold"))
            e.add(t.get("threshold")->source(), r.key("threshold"), "give threshold or at_least, not both");
    } else if (st == "share_above" || st == "share_below") {
        if (auto v = r.number("threshold", true)) s.threshold = *v;
    }
    if (st == "quantile") {
        if (auto v = r.number("q", true, 0, 1)) s.q = *v;
    }
    if (st == "range_mass") {
        if (auto v = r.pair("range", true, true)) {
            s.range_lo = v->first;
            s.range_hi = v->second;
        }
    }
    if (st == "growth") read_growth_base(r, t, prefix, s, e);
    check_target(r, t, s, e);
    r.unknown_keys();
    return s;
}

struct TargetsFile {
    std::string name, description;
    std::vector<Spec> specs;
};

TargetsFile parse_targets(const std::filesystem::path& path) {
    const std::string file = path.string();
    const std::optional<std::string> text = read_text_file(path);
    if (!text) throw InputInvalid({InputError{file, 0, 0, "(file)", "cannot open the targets file"}});
    toml::table root = parse_toml(*text, file);
    InputErrors e{file};
    TargetsFile out;
    for (const auto& [k, v] : root) {
        const std::string key(k.str());
        if (key != "targets" && key != "target")
            e.add(k.source(), key, "unknown key (expected [targets] and [[target]])");
    }
    if (const toml::node* n = root.get("targets")) {
        if (const toml::table* t = n->as_table()) {
            Reader r(*t, "targets.", e);
            if (auto v = r.string("name", true)) out.name = *v;
            if (auto v = r.string("description", false)) out.description = *v;
            r.string("scenario", false);
            r.unknown_keys();
        } else
            e.add(n->source(), "targets", "expected a table, found " + kind_of(*n));
    } else
        e.add(root.source(), "targets", "required table is missing ([targets] with name)");
    const toml::node* n = root.get("target");
    const toml::array* a = n ? n->as_array() : nullptr;
    if (!n)
        e.add(root.source(), "target", "no targets ([[target]] tables)");
    else if (!a || !a->is_array_of_tables())
        e.add(n->source(), "target", "expected an array of tables ([[target]]), found " + kind_of(*n));
    else {
        std::map<std::string, std::size_t> names;
        for (std::size_t i = 0; i < a->size(); ++i) {
            const std::string prefix = "target." + std::to_string(i) + ".";
            Spec s = read_target(*a->get(i)->as_table(), prefix, e);
            if (!s.name.empty()) {
                if (auto [it, fresh] = names.emplace(s.name, i); !fresh)
                    e.add(a->get(i)->as_table()->get("name")->source(), prefix + "name",
                          "duplicate target name \"" + s.name + "\" (first at target." + std::to_string(it->second) +
                              ")");
            }
            out.specs.push_back(std::move(s));
        }
        // Members of one distribution describe the same variable.
        std::map<std::string, std::pair<std::string, std::string>> dist;
        for (std::size_t i = 0; i < out.specs.size(); ++i) {
            const Spec& s = out.specs[i];
            if (s.distribution.empty()) continue;
            const std::string var = s.sample.table + "." + s.sample.field;
            auto [it, fresh] = dist.emplace(s.distribution, std::pair{var, s.unit});
            if (!fresh && (it->second.first != var || it->second.second != s.unit))
                e.add(a->get(i)->as_table()->get("distribution")->source(),
                      "target." + std::to_string(i) + ".distribution",
                      "distribution \"" + s.distribution + "\" mixes " + it->second.first + " (" + it->second.second +
                          ") and " + var + " (" + s.unit + ")");
        }
    }
    e.throw_if_any();
    return out;
}

// ---------------------------------------------------------------------------------------------
// One result file, its datasets read once on first use.

// The numbers of one column, read as doubles from where they are stored (every `stride` bytes).
class Column {
public:
    enum class Kind { i8, u8, i16, u16, i32, u32, i64, u64, f32, f64 };
    Column(const std::byte* base, std::size_t n, std::size_t stride, Kind kind)
        : base_(base), n_(n), stride_(stride), kind_(kind) {}
    std::size_t size() const { return n_; }
    double operator[](std::size_t i) const {
        const std::byte* p = base_ + i * stride_;
        switch (kind_) {
            case Kind::i8:
                return load<std::int8_t>(p);
            case Kind::u8:
                return load<std::uint8_t>(p);
            case Kind::i16:
                return load<std::int16_t>(p);
            case Kind::u16:
                return load<std::uint16_t>(p);
            case Kind::i32:
                return load<std::int32_t>(p);
            case Kind::u32:
                return load<std::uint32_t>(p);
            case Kind::i64:
                return load<std::int64_t>(p);
            case Kind::u64:
                return load<std::uint64_t>(p);
            case Kind::f32:
                return load<float>(p);
            default:
                return load<double>(p);
        }
    }
    double at(std::size_t i) const {
        if (i >= n_) throw std::out_of_range("column index");
        return (*this)[i];
    }
    // The kind of a native integer or floating-point type.
    static Kind kind_of(hid_t type, const std::string& where) {
        const H5T_class_t cls = H5Tget_class(type);
        const std::size_t size = H5Tget_size(type);
        if (cls == H5T_FLOAT && (size == 4 || size == 8)) return size == 4 ? Kind::f32 : Kind::f64;
        if (cls != H5T_INTEGER || (size != 1 && size != 2 && size != 4 && size != 8))
            throw std::runtime_error(where + ": not a column of numbers");
        const bool sign = H5Tget_sign(type) == H5T_SGN_2;
        const int log2 = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
        return static_cast<Kind>(2 * log2 + (sign ? 0 : 1));
    }

private:
    template <class T>
    static double load(const std::byte* p) {
        T x;
        std::memcpy(&x, p, sizeof x);
        return static_cast<double>(x);
    }
    const std::byte* base_;
    std::size_t n_, stride_;
    Kind kind_;
};

class ResultFile {
public:
    explicit ResultFile(const std::filesystem::path& path) : path_(path.string()) {
        file_ = open_result_file(path);
        if (!h5::has_attr(file_, "complete") || h5::read_attr<std::int64_t>(file_, "complete") != 1)
            throw std::runtime_error(path_ + ": incomplete run (complete = 0); compare reads finished runs only");
        steps_written_ = h5::read_attr<std::int64_t>(file_, "steps_written");
        const auto start = parse_month(h5::read_string_attr(file_, "start"));
        if (!start) throw std::runtime_error(path_ + ": attribute start is not YYYY-MM");
        start_months_ = (*start / 100) * 12 + (*start % 100 - 1);
        try {
            const toml::table scen = toml::parse(h5::read_string_attr(file_, "scenario_toml"));
            const auto mpy = scen["wages"]["months_per_year"].value<std::int64_t>();
            if (!mpy || *mpy <= 0) throw std::runtime_error("wages.months_per_year is missing");
            months_per_year_ = static_cast<double>(*mpy);
        } catch (const toml::parse_error& err) {
            throw std::runtime_error(path_ + ": attribute scenario_toml is not valid TOML (" +
                                     std::string(err.description()) + ")");
        } catch (const std::runtime_error& err) {
            throw std::runtime_error(path_ + ": attribute scenario_toml: " + err.what());
        }
        for (const char* c : {"cities", "roles", "tiers", "employer_types", "degrees", "statuses"})
            categories_[c] = h5::read_strings(file_, std::string("categories/") + c);
        categories_["offer_kind"] = {kOfferKinds[0], kOfferKinds[1], kOfferKinds[2]};
        if (h5::has_link(file_, "categories/posting_channels"))  // older files have no channel column
            categories_["posting_channels"] = h5::read_strings(file_, "categories/posting_channels");
    }
    const std::string& path() const { return path_; }
    double months_per_year() const { return months_per_year_; }
    std::int64_t steps_written() const { return steps_written_; }
    std::int64_t step_of(std::int32_t yyyymm) const { return (yyyymm / 100) * 12 + (yyyymm % 100 - 1) - start_months_; }

    // Column `field` of compound table `table` (or a whole plain dataset when field is empty), read
    // in place from the rows as stored.
    Column column(std::string_view table, std::string_view field = "") {  // called per row: builds no string
        auto t = columns_.find(table);
        if (t == columns_.end()) t = columns_.emplace(std::string(table), Columns{}).first;
        auto it = t->second.find(field);
        if (it == t->second.end())
            it = t->second.emplace(std::string(field), find_column(std::string(table), std::string(field))).first;
        return it->second;
    }
    std::vector<hsize_t> shape(const std::string& name) { return h5::shape(h5::open_dataset(file_, name)); }

    // Codes of the names in a filter (dimension = role, degree, ...); unknown names name the file.
    std::vector<std::uint8_t> codes(const std::string& dimension, const std::vector<std::string>& names,
                                    const std::string& target) const {
        const std::string cat = dimension == "role"            ? "roles"
                                : dimension == "degree"        ? "degrees"
                                : dimension == "tier"          ? "tiers"
                                : dimension == "employer_type" ? "employer_types"
                                : dimension == "city"          ? "cities"
                                : dimension == "offer_kind"    ? "offer_kind"
                                : dimension == "channel"       ? "posting_channels"
                                                               : "statuses";
        if (!categories_.count(cat))
            throw std::runtime_error(path_ + ": target " + target + ": filter " + dimension +
                                     ": this result has no /categories/" + cat +
                                     " (written before the column existed)");
        const auto& list = categories_.at(cat);
        std::vector<std::uint8_t> out;
        for (const auto& n : names) {
            auto it = std::find(list.begin(), list.end(), n);
            if (it == list.end())
                throw std::runtime_error(path_ + ": target " + target + ": " + dimension + " \"" + n +
                                         "\" is not in /categories/" + cat + " of this result (" + join(list) + ")");
            out.push_back(static_cast<std::uint8_t>(it - list.begin()));
        }
        return out;
    }

private:
    // Every value of a dataset (every row of a table) as stored, read in one pass over the file:
    // reading column by column would read (and decompress) the whole table once per column.
    struct Dataset {
        h5::Datatype type;  // native
        std::unique_ptr<std::byte[]> bytes;
        std::size_t rows = 0, row_size = 0;
    };
    Column find_column(const std::string& table, const std::string& field) {
        const Dataset& d = dataset(table);
        const std::string where = path_ + ": " + table;
        if (field.empty()) {
            if (H5Tget_class(d.type) == H5T_COMPOUND) throw std::runtime_error(where + ": a table, not a dataset");
            return Column(d.bytes.get(), d.rows, d.row_size, Column::kind_of(d.type, where));
        }
        if (H5Tget_class(d.type) != H5T_COMPOUND) throw std::runtime_error(where + ": not a table");
        const int k = H5Tget_member_index(d.type, field.c_str());
        if (k < 0) throw std::runtime_error(where + ": no column " + field);
        const std::size_t offset = H5Tget_member_offset(d.type, static_cast<unsigned>(k));
        const h5::Datatype member(H5Tget_member_type(d.type, static_cast<unsigned>(k)));
        return Column(d.bytes.get() + offset, d.rows, d.row_size, Column::kind_of(member, where + "/" + field));
    }

    const Dataset& dataset(const std::string& name) {
        auto it = datasets_.find(name);
        if (it != datasets_.end()) return it->second;
        Dataset r;
        const h5::Dataset d = h5::open_dataset(file_, name);
        const h5::Datatype stored(h5::check(H5Dget_type(d), d, "get type"));
        r.type = h5::Datatype(h5::check(H5Tget_native_type(stored, H5T_DIR_ASCEND), d, "get native type"));
        r.row_size = H5Tget_size(r.type);
        r.rows = 1;
        for (hsize_t e : h5::shape(d)) r.rows *= e;
        r.bytes.reset(new std::byte[std::max<std::size_t>(1, r.rows * r.row_size)]);  // not zeroed: read over
        if (r.rows) h5::check(H5Dread(d, r.type, H5S_ALL, H5S_ALL, H5P_DEFAULT, r.bytes.get()), d, "read dataset");
        return datasets_.emplace(name, std::move(r)).first->second;
    }

    std::string path_;
    h5::File file_;
    std::map<std::string, Dataset> datasets_;
    using Columns = std::map<std::string, Column, std::less<>>;
    std::map<std::string, Columns, std::less<>> columns_;  // [table][field]
    std::int64_t steps_written_ = 0, start_months_ = 0;
    double months_per_year_ = 12;
    std::map<std::string, std::vector<std::string>> categories_;
};

// ---------------------------------------------------------------------------------------------
// Drawing a population from a file.

struct Drawn {
    std::vector<double> x;   // the field's values of the rows that pass the filter
    std::int64_t steps = 0;  // steps of the window with data in the table (for per-step aggregates)
};

// Inclusive step window of a filter, clipped to the run.
std::pair<std::int64_t, std::int64_t> window(const Filter& f, const ResultFile& r) {
    std::int64_t a = 0, b = r.steps_written() - 1;
    if (f.date) {
        a = std::max(a, r.step_of(f.date->first));
        b = std::min(b, r.step_of(f.date->second));
    }
    if (f.steps) {
        a = std::max(a, f.steps->first);
        b = std::min(b, f.steps->second);
    }
    return {a, b};
}

class Matcher {
public:
    Matcher(const Filter& f, ResultFile& r, const std::string& target) {
        for (const auto& [dim, names] : f.names) {
            auto& mask = masks_[dim];
            mask.assign(256, 0);
            for (auto c : r.codes(dim, names, target)) mask[c] = 1;
        }
        flags_.insert(f.flags.begin(), f.flags.end());
    }
    bool has(std::string_view dim) const { return masks_.find(dim) != masks_.end(); }
    bool ok(std::string_view dim, double code) const {  // called per row: no string is built
        auto it = masks_.find(dim);
        if (it == masks_.end()) return true;
        return code >= 0 && code < 256 && it->second[static_cast<std::size_t>(code)];
    }
    std::optional<bool> flag(std::string_view k) const {
        auto it = flags_.find(k);
        return it == flags_.end() ? std::nullopt : std::optional<bool>(it->second);
    }

private:
    std::map<std::string, std::vector<std::uint8_t>, std::less<>> masks_;
    std::map<std::string, bool, std::less<>> flags_;
};

// What drawing from any table needs: the file, the sample, its filter, the step window [a, b], and
// the checks of candidate and employer attributes by id.
struct Drawing {
    ResultFile& r;
    const Sample& s;
    const Matcher& m;
    std::int64_t a, b;
    const std::string& target;
    static constexpr double none = static_cast<double>(kNone);

    double lo() const { return static_cast<double>(a); }
    double hi() const { return static_cast<double>(b); }
    Column cand(const char* f) const { return r.column("candidates/initial", f); }
    Column empl(const char* f) const { return r.column("employers", f); }
    bool cand_ok(double id) const {
        if (id < 0 || id == none) return !(m.has("role") || m.has("degree") || m.has("tier") || m.flag("entrant"));
        const auto i = static_cast<std::size_t>(id);
        if (m.has("tier") && !m.ok("tier", cand("tier").at(i))) return false;
        if (auto e = m.flag("entrant"); e && (cand("entry_step").at(i) > 0) != *e) return false;
        return true;
    }
    bool empl_ok(double id) const {
        if (!m.has("employer_type") && !m.has("city")) return true;
        if (id == none) return false;
        const auto e = static_cast<std::size_t>(id);
        return m.ok("employer_type", empl("type").at(e)) && m.ok("city", empl("city").at(e));
    }
};

Drawn draw_steps(const Drawing& D) {
    Drawn d;
    const auto& step = D.r.column("steps", "step");
    const auto& x = D.r.column("steps", D.s.field);
    for (std::size_t k = 0; k < step.size(); ++k)
        if (step[k] >= D.lo() && step[k] <= D.hi()) {
            d.x.push_back(x[k]);
            d.steps++;
        }
    return d;
}

// Earned wages: one row per sampled candidate and snapshot (default: the employed).
Drawn draw_panel(const Drawing& D) {
    Drawn d;
    constexpr double none = Drawing::none;
    const auto snap = D.r.column("panel/step");
    const auto dims = D.r.shape("panel/wage");
    const std::size_t S = dims.size() == 2 ? dims[0] : 0, N = dims.size() == 2 ? dims[1] : 0;
    const bool candidate_filter = D.m.has("role") || D.m.has("degree") || D.m.has("tier") || D.m.flag("entrant");
    const std::size_t slots = D.r.shape("candidates/initial").at(0);
    if (candidate_filter && N != slots)
        throw std::runtime_error(D.r.path() + ": target " + D.target + ": the panel holds a sample of " +
                                 std::to_string(N) + " of " + std::to_string(slots) +
                                 " candidates, so role/degree/tier/entrant filters cannot be applied "
                                 "(run with output.panel_sample = 0)");
    const auto& wage = D.r.column("panel/wage");
    const auto& status = D.r.column("panel/status");
    const auto& employer = D.r.column("panel/employer");
    const auto& city = D.r.column("panel/city");
    const Column none_read(nullptr, 0, 0, Column::Kind::u8);
    const Column role = candidate_filter ? D.cand("role") : none_read,
                 degree = candidate_filter ? D.cand("degree") : none_read;
    std::vector<std::uint8_t> status_ok(256, 0);
    if (D.m.has("status"))
        for (int k = 0; k < 256; ++k) status_ok[k] = D.m.ok("status", k);
    else
        status_ok[static_cast<int>(Status::employed)] = 1;  // earned wages: the employed
    for (std::size_t t = 0; t < S; ++t) {
        if (snap[t] < D.lo() || snap[t] > D.hi()) continue;
        d.steps++;
        for (std::size_t j = 0; j < N; ++j) {
            const std::size_t k = t * N + j;
            if (!status_ok[static_cast<std::size_t>(status[k])]) continue;
            if (candidate_filter) {
                if (!D.m.ok("role", role[j]) || !D.m.ok("degree", degree[j]) || !D.cand_ok(static_cast<double>(j)))
                    continue;
            }
            if (D.m.has("employer_type") &&
                (employer[k] == none ||
                 !D.m.ok("employer_type", D.empl("type").at(static_cast<std::size_t>(employer[k])))))
                continue;
            if (D.m.has("city") && !D.m.ok("city", city[k])) continue;
            d.x.push_back(wage[k]);
        }
    }
    return d;
}

Drawn draw_postings(const Drawing& D, Drawn d) {
    const auto& step = D.r.column("postings", "step");
    const auto& x = D.r.column("postings", D.s.field);
    const auto& role = D.r.column("postings", "role");
    const auto& degree = D.r.column("postings", "required_degree");
    const auto& type = D.r.column("postings", "employer_type");
    const auto& city = D.r.column("postings", "city");
    const bool by_channel = D.m.has("channel");
    const auto channel = by_channel ? D.r.column("postings", "channel") : city;
    for (std::size_t k = 0; k < step.size(); ++k) {
        if (step[k] < D.lo() || step[k] > D.hi()) continue;
        if (D.m.ok("role", role[k]) && D.m.ok("degree", degree[k]) && D.m.ok("employer_type", type[k]) &&
            D.m.ok("city", city[k]) && (!by_channel || D.m.ok("channel", channel[k])))
            d.x.push_back(x[k]);
    }
    return d;
}

Drawn draw_offers(const Drawing& D, Drawn d) {
    const auto& step = D.r.column("offers", "step");
    const auto& x = D.r.column("offers", D.s.field);
    const auto& role = D.r.column("offers", "role");
    const auto& degree = D.r.column("offers", "degree");
    const auto& kind = D.r.column("offers", "kind");
    const auto& accepted = D.r.column("offers", "accepted");
    const auto& candidate = D.r.column("offers", "candidate");
    const auto& employer = D.r.column("offers", "employer");
    const auto acc = D.m.flag("accepted");
    for (std::size_t k = 0; k < step.size(); ++k) {
        if (step[k] < D.lo() || step[k] > D.hi()) continue;
        if (!D.m.ok("role", role[k]) || !D.m.ok("degree", degree[k]) || !D.m.ok("offer_kind", kind[k])) continue;
        if (acc && (accepted[k] != 0) != *acc) continue;
        if (!D.cand_ok(candidate[k]) || !D.empl_ok(employer[k])) continue;
        d.x.push_back(x[k]);
    }
    return d;
}

Drawn draw_moves(const Drawing& D, Drawn d) {
    constexpr double none = Drawing::none;
    const auto& step = D.r.column("moves", "step");
    const auto& candidate = D.r.column("moves", "candidate");
    const auto& from = D.r.column("moves", "from_employer");
    const auto& to = D.r.column("moves", "to_employer");
    const auto& from_status = D.r.column("moves", "from_status");
    const auto& team = D.r.column("moves", "team_move");
    const auto& old_wage = D.r.column("moves", "old_wage");
    const auto& new_wage = D.r.column("moves", "new_wage");
    const auto j2j = D.m.flag("job_to_job"), tm = D.m.flag("team_move");
    for (std::size_t k = 0; k < step.size(); ++k) {
        if (step[k] < D.lo() || step[k] > D.hi()) continue;
        if (!D.m.ok("from_status", from_status[k])) continue;
        if (j2j && (from[k] != none) != *j2j) continue;
        if (tm && (team[k] != 0) != *tm) continue;
        const auto i = static_cast<std::size_t>(candidate[k]);
        if ((D.m.has("role") && !D.m.ok("role", D.cand("role").at(i))) ||
            (D.m.has("degree") && !D.m.ok("degree", D.cand("degree").at(i))))
            continue;
        if (!D.cand_ok(candidate[k]) || !D.empl_ok(to[k])) continue;
        if (D.s.field == "raise") {
            if (!(old_wage[k] > 0)) continue;  // a raise needs a wage before the move
            d.x.push_back(new_wage[k] / old_wage[k] - 1.0);
        } else
            d.x.push_back(D.s.field == "new_wage" ? new_wage[k] : old_wage[k]);
    }
    return d;
}

Drawn draw(ResultFile& r, const Sample& s, const Filter& windowing, const std::string& target) {
    const auto [a, b] = window(windowing, r);
    const Matcher m(s.filter, r, target);
    if (b < a) return Drawn{};
    const Drawing D{r, s, m, a, b, target};
    if (s.table == "steps") return draw_steps(D);
    if (s.table == "panel") return draw_panel(D);
    Drawn d;
    d.steps = b - a + 1;
    if (s.table == "postings") return draw_postings(D, std::move(d));
    if (s.table == "offers") return draw_offers(D, std::move(d));
    if (s.table == "moves") return draw_moves(D, std::move(d));
    return d;
}

double quantile(std::vector<double> x, double q) {  // linear interpolation between order statistics
    if (x.empty()) return kNaN;
    std::sort(x.begin(), x.end());
    const double h = q * static_cast<double>(x.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, x.size() - 1);
    return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

double share_if(const std::vector<double>& x, auto pred) {
    if (x.empty()) return kNaN;
    std::size_t n = 0;
    for (double v : x) n += pred(v) ? 1 : 0;
    return static_cast<double>(n) / static_cast<double>(x.size());
}

double aggregate(const Drawn& d, const std::string& how) {
    if (d.steps == 0) return kNaN;
    if (how == "count") return static_cast<double>(d.x.size()) / static_cast<double>(d.steps);
    const double sum = std::accumulate(d.x.begin(), d.x.end(), 0.0);
    if (how == "sum") return sum / static_cast<double>(d.steps);
    return d.x.empty() ? kNaN : sum / static_cast<double>(d.x.size());
}

struct Evaluated {
    double value = kNaN;     // the statistic, in the target's unit
    double ks_point = kNaN;  // |simulated CDF - reported CDF| at the target's point (distribution members)
};

Evaluated evaluate(const Spec& s, ResultFile& r) {
    Evaluated out;
    const std::string& st = s.statistic;
    if (st == "ratio") {
        const double num = aggregate(draw(r, s.numerator, s.numerator.filter, s.name), s.numerator.aggregate);
        const double den = aggregate(draw(r, s.denominator, s.denominator.filter, s.name), s.denominator.aggregate);
        out.value = den != 0 && std::isfinite(den) ? num / den : kNaN;
        return out;
    }
    if (st == "growth") {
        const double now = aggregate(draw(r, s.sample, s.sample.filter, s.name), s.sample.aggregate);
        const double base = aggregate(draw(r, s.sample, s.base, s.name), s.sample.aggregate);
        out.value = base != 0 && std::isfinite(base) ? now / base - 1.0 : kNaN;
        return out;
    }
    const Drawn d = draw(r, s.sample, s.sample.filter, s.name);
    const double k = (s.unit == "monthly") ? r.months_per_year() : 1.0;  // reported unit -> annual
    if (st == "share_above" && !s.at_least.empty()) {  // codes are in level order (docs/output-format.md)
        const double code = r.codes("degree", {s.at_least}, s.name).front();
        out.value = share_if(d.x, [&](double v) { return v >= code; });
    } else if (st == "share_above")
        out.value = share_if(d.x, [&](double v) { return v > s.threshold * k; });
    else if (st == "share_below")
        out.value = share_if(d.x, [&](double v) { return v < s.threshold * k; });
    else if (st == "range_mass")
        out.value = share_if(d.x, [&](double v) { return v >= s.range_lo * k && v <= s.range_hi * k; });
    else if (st == "mean")
        out.value =
            d.x.empty() ? kNaN : std::accumulate(d.x.begin(), d.x.end(), 0.0) / static_cast<double>(d.x.size()) / k;
    else if (st == "quantile")
        out.value = quantile(d.x, s.q) / k;
    if (!s.distribution.empty()) {
        if (st == "quantile") {  // the simulated CDF at the reported quantile vs q
            const double at = s.value * k;
            const double cdf = share_if(d.x, [&](double v) { return v <= at; });
            out.ks_point = std::abs(cdf - s.q);
        } else
            out.ks_point = std::abs(out.value - s.value);
    }
    return out;
}

std::string unit_of(const Spec& s) {
    const std::string& st = s.statistic;
    if (st == "share_above" || st == "share_below" || st == "range_mass") return "share";
    if (st == "ratio") return "ratio";
    if (st == "growth") return "growth";
    if (s.sample.table == "moves" && s.sample.field == "raise") return "raise";
    if (is_money(s.sample)) return s.unit == "monthly" ? "CNY/month" : "CNY/year";
    return s.sample.field;
}

std::pair<double, double> mean_sd(const std::vector<double>& v) {
    std::vector<double> f;
    for (double x : v)
        if (std::isfinite(x)) f.push_back(x);
    if (f.empty()) return {kNaN, kNaN};
    const double m = std::accumulate(f.begin(), f.end(), 0.0) / static_cast<double>(f.size());
    if (f.size() < 2) return {m, kNaN};  // no spread from one file: n/a, not 0
    double ss = 0;
    for (double x : f) ss += (x - m) * (x - m);
    return {m, std::sqrt(ss / static_cast<double>(f.size() - 1))};
}

// Every target evaluated in every result file: [file][target].
std::vector<std::vector<Evaluated>> evaluate_files(const std::vector<std::filesystem::path>& results,
                                                   const TargetsFile& tf) {
    std::vector<std::vector<Evaluated>> by_file;
    for (const auto& path : results) {
        ResultFile r(path);
        std::vector<Evaluated> row;
        try {
            for (const Spec& s : tf.specs) row.push_back(evaluate(s, r));
        } catch (const std::out_of_range&) {  // ids in /moves or /offers that name no candidate or employer
            throw std::runtime_error(path.string() +
                                     ": holds candidate or employer ids out of range; not a consistent talentsim "
                                     "result (damaged or edited)");
        }
        by_file.push_back(std::move(row));
    }
    return by_file;
}

// Target t of `s` against its simulated values in every file: mean, scale and distance.
TargetOutcome outcome_of(const Spec& s, const std::vector<std::vector<Evaluated>>& by_file, std::size_t t) {
    TargetOutcome o;
    o.name = s.name;
    o.statistic = s.statistic;
    o.source = s.source;
    o.reported_lo = s.lo;
    o.reported_hi = s.hi;
    o.reported_value = s.value;
    o.weight = s.weight;
    o.unit = unit_of(s);
    o.table = s.statistic == "ratio" ? s.numerator.table : s.sample.table;
    for (const auto& row : by_file) o.per_file.push_back(row[t].value);
    o.files = static_cast<int>(
        std::count_if(o.per_file.begin(), o.per_file.end(), [](double x) { return std::isfinite(x); }));
    std::tie(o.simulated_mean, o.simulated_sd) = mean_sd(o.per_file);
    // Scale: the stated one, else half the band, else 10 % of the reported value (docs/compare.md).
    double scale = s.scale;
    if (std::isnan(scale)) {
        if (std::isfinite(s.lo) && std::isfinite(s.hi) && s.hi > s.lo)
            scale = 0.5 * (s.hi - s.lo);
        else
            scale = s.value != 0 ? 0.1 * std::abs(s.value) : 1.0;
    }
    o.scale = scale;
    const bool open = !std::isfinite(s.lo) || !std::isfinite(s.hi);
    const double m = o.simulated_mean;
    o.inside = std::isfinite(m) && m >= s.lo && m <= s.hi;
    if (!std::isfinite(m))
        o.distance = kNaN;
    else if (!open)
        o.distance = (m - s.value) / scale;
    else if (o.inside)
        o.distance = 0.0;  // a one-sided figure ("more than x") is met anywhere past x
    else
        o.distance = (m - (m < s.lo ? s.lo : s.hi)) / scale;
    return o;
}

// Distribution distances: the largest CDF gap over the group's reported points, per file.
std::vector<DistributionOutcome> distribution_outcomes(const TargetsFile& tf,
                                                       const std::vector<std::vector<Evaluated>>& by_file) {
    std::vector<DistributionOutcome> out;
    std::vector<std::string> groups;
    for (const Spec& s : tf.specs)
        if (!s.distribution.empty() && !contains(groups, s.distribution)) groups.push_back(s.distribution);
    for (const auto& g : groups) {
        DistributionOutcome d;
        d.name = g;
        for (const Spec& s : tf.specs)
            if (s.distribution == g) d.targets.push_back(s.name);
        std::vector<double> ks;
        for (const auto& row : by_file) {
            double worst = kNaN;
            for (std::size_t t = 0; t < tf.specs.size(); ++t) {
                if (tf.specs[t].distribution != g || !std::isfinite(row[t].ks_point)) continue;
                worst = std::isnan(worst) ? row[t].ks_point : std::max(worst, row[t].ks_point);
            }
            ks.push_back(worst);
        }
        std::tie(d.ks_mean, d.ks_sd) = mean_sd(ks);
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
Comparison compare_results(const std::vector<std::filesystem::path>& results, const std::filesystem::path& targets) {
    const TargetsFile tf = parse_targets(targets);
    Comparison out;
    out.targets_file = targets.string();
    const std::vector<std::vector<Evaluated>> by_file = evaluate_files(results, tf);  // [file][target]
    for (const auto& path : results) out.files.push_back(path.string());
    for (std::size_t t = 0; t < tf.specs.size(); ++t) {
        TargetOutcome o = outcome_of(tf.specs[t], by_file, t);
        if (std::isfinite(o.distance)) {
            out.loss += o.weight * o.distance * o.distance;
            ++out.targets_used;
        }
        out.targets.push_back(std::move(o));
    }
    out.distributions = distribution_outcomes(tf, by_file);
    return out;
}

// ---------------------------------------------------------------------------------------------
namespace {
// The step window of `f` in a run starting at `start` (yyyymm); nullopt when it has none.
std::optional<std::pair<std::int64_t, std::int64_t>> steps_of(const Filter& f, std::int32_t start) {
    auto step = [&](std::int32_t yyyymm) {
        return std::int64_t{yyyymm / 100 - start / 100} * 12 + (yyyymm % 100 - start % 100);
    };
    if (f.date) return std::pair{step(f.date->first), step(f.date->second)};
    return f.steps;
}
}  // namespace

void check_targets_file(const std::filesystem::path& targets) { (void)parse_targets(targets); }

std::vector<std::string> targets_outside_run(const std::filesystem::path& targets, std::int32_t start,
                                             std::int32_t steps) {
    const TargetsFile tf = parse_targets(targets);
    std::vector<std::string> out;
    for (const Spec& s : tf.specs) {
        for (const Filter* f : {&s.sample.filter, &s.numerator.filter, &s.denominator.filter, &s.base}) {
            const auto w = steps_of(*f, start);
            if (!w) continue;
            const bool none = w->second < 0 || w->first >= steps, part = w->first < 0 || w->second >= steps;
            if (!none && !part) continue;
            out.push_back("target " + s.name + ": its window (steps " + std::to_string(w->first) + " to " +
                          std::to_string(w->second) + ") lies " + (none ? "outside" : "partly outside") +
                          " the run (steps 0 to " + std::to_string(steps - 1) + ")" +
                          (none ? "; it will have no data and the loss will leave it out" : ""));
            break;
        }
    }
    return out;
}

}  // namespace talentsim
