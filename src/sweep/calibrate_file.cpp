// Calibration files: parsing and validation (every error, with file:line:column and key). The
// parameter keys are checked by planning a probe sweep over their bounds, so calibration
// parameters accept exactly what sweep parameters accept. docs/calibrate.md, "The calibration file".
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "analysis/compare.hpp"
#include "io/toml_reader.hpp"
#include "sweep/calibrate.hpp"
#include "sweep/internal.hpp"

namespace fs = std::filesystem;

namespace talentsim::sweep {

double CalParameter::value(double u) const {
    if (u <= 0) return lo;
    if (u >= 1) return hi;
    return log ? std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * u) : lo + (hi - lo) * u;
}
double CalParameter::unit(double x) const {
    return log ? (std::log(x) - std::log(lo)) / (std::log(hi) - std::log(lo)) : (x - lo) / (hi - lo);
}
double CalParameter::dvalue_du(double u) const { return log ? value(u) * (std::log(hi) - std::log(lo)) : hi - lo; }

bool CalTarget::two_sided() const { return std::isfinite(lo) && std::isfinite(hi); }
double CalTarget::distance(double m) const {
    if (two_sided() && std::isfinite(m)) return (m - value) / scale;
    return outside(m);
}
double CalTarget::outside(double m) const {
    if (!std::isfinite(m)) return std::numeric_limits<double>::quiet_NaN();
    if (m >= lo && m <= hi) return 0.0;
    return (m - (m < lo ? lo : hi)) / scale;
}

namespace {

using Collector = TomlErrors;

std::optional<double> number(const toml::node& n, const std::string& key, Collector& c) {
    if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
    if (n.is_floating_point() && std::isfinite(n.as_floating_point()->get())) return n.as_floating_point()->get();
    c.add(n.source(), key, "expected a finite number, found " + toml_type_name(n));
    return std::nullopt;
}

std::optional<double> real(const toml::table& t, const std::string& prefix, const char* key, double lo, double hi,
                           Collector& c) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    auto v = number(*n, prefix + key, c);
    if (v && (*v < lo || *v > hi)) {
        c.add(n->source(), prefix + key,
              "value " + exact(*v) + " is out of range [" + exact(lo) + ", " + exact(hi) + "]");
        return std::nullopt;
    }
    return v;
}

std::vector<std::pair<std::string, toml::source_region>> strings(const toml::table& t, const std::string& prefix,
                                                                 const char* key, Collector& c, bool one_allowed) {
    std::vector<std::pair<std::string, toml::source_region>> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    if (one_allowed && n->is_string()) return {{n->as_string()->get(), n->source()}};
    const toml::array* a = n->as_array();
    if (!a) {
        c.add(n->source(), prefix + key, "expected an array of strings, found " + toml_type_name(*n));
        return out;
    }
    for (const auto& el : *a) {
        if (el.is_string())
            out.emplace_back(el.as_string()->get(), el.source());
        else
            c.add(el.source(), prefix + key, "expected strings in the array, found " + toml_type_name(el));
    }
    return out;
}

fs::path relative_to(const fs::path& file, const std::string& p) {
    const fs::path q(p);
    return fs::absolute(q.is_absolute() ? q : (file.parent_path() / q)).lexically_normal();
}

void parse_head(const toml::table& root, Calibration& cal, Collector& c, toml::source_region& set_where,
                toml::source_region& scenario_where) {
    const toml::table* t = table_at(root, "calibration", c, true);
    if (!t) return;
    unknown_keys(*t, "calibration.", {"name", "description", "scenario", "set", "seed", "seeds"}, c);
    cal.name = get_string(*t, "calibration.", "name", c, true).value_or("");
    if (cal.name.find_first_of("/\\\n") != std::string::npos)
        c.add(t->get("name")->source(), "calibration.name", "a name cannot contain / or \\ or line breaks");
    cal.description = get_string(*t, "calibration.", "description", c, false).value_or("");
    if (auto sc = get_string(*t, "calibration.", "scenario", c, true)) {
        scenario_where = t->get("scenario")->source();
        cal.scenario = relative_to(cal.file, *sc);
    }
    for (auto& [o, where] : strings(*t, "calibration.", "set", c, false)) {
        cal.fixed.push_back(o);
        set_where = where;
        if (o.rfind("scenario.seed", 0) == 0)
            c.add(where, "calibration.set", "scenario.seed cannot be set here: seeds come from calibration.seed");
    }
    cal.seed = static_cast<std::uint64_t>(get_int(*t, "calibration.", "seed", 0, 9000000000000000000LL, c).value_or(1));
    cal.seeds = get_int(*t, "calibration.", "seeds", 2, 1000, c).value_or(4);
}

// [[parameters]]: key(s), name, bounds, scale, start.
void parse_parameters(const toml::table& root, Calibration& cal, Collector& c,
                      std::vector<toml::source_region>& where) {
    const toml::node* n = root.get("parameters");
    const toml::array* a = n ? n->as_array() : nullptr;
    if (!n || (a && a->empty())) {
        c.add(n ? n->source() : root.source(), "parameters", "required: at least one [[parameters]] entry");
        return;
    }
    if (!a) {
        c.add(n->source(), "parameters", "expected an array of tables ([[parameters]]), found " + toml_type_name(*n));
        return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string prefix = "parameters." + std::to_string(i) + ".";
        const toml::table* t = a->get(i)->as_table();
        if (!t) {
            c.add(a->get(i)->source(), prefix, "expected a table");
            continue;
        }
        unknown_keys(*t, prefix, {"key", "keys", "name", "bounds", "scale", "start"}, c);
        CalParameter p;
        if (t->get("key") && t->get("keys")) c.add(t->source(), prefix + "key", "give key or keys, not both");
        for (auto& [k, w] : strings(*t, prefix, t->get("keys") ? "keys" : "key", c, true)) p.keys.push_back(k);
        if (p.keys.empty())
            c.add(t->source(), prefix + "key", "required key is missing (the scenario key to estimate)");
        p.name = get_string(*t, prefix, "name", c, false).value_or(p.keys.empty() ? "" : p.keys.front());
        p.log = get_choice(*t, prefix, "scale", {"linear", "log"}, c).value_or("linear") == "log";
        const toml::node* b = t->get("bounds");
        const toml::array* ba = b ? b->as_array() : nullptr;
        if (!b)
            c.add(t->source(), prefix + "bounds", "required key is missing ([low, high])");
        else if (!ba || ba->size() != 2)
            c.add(b->source(), prefix + "bounds", "expected [low, high]");
        else {
            auto lo = number(*ba->get(0), prefix + "bounds", c), hi = number(*ba->get(1), prefix + "bounds", c);
            if (lo && hi && !(*lo < *hi))
                c.add(b->source(), prefix + "bounds",
                      "expected low < high, found [" + exact(*lo) + ", " + exact(*hi) + "]");
            else if (lo && hi && p.log && *lo <= 0)
                c.add(b->source(), prefix + "bounds", "a log scale needs low > 0, found " + exact(*lo));
            else if (lo && hi) {
                p.lo = *lo;
                p.hi = *hi;
            }
        }
        if (auto s = real(*t, prefix, "start", p.lo, p.hi, c)) p.start = p.unit(*s);
        where.push_back(t->source());
        cal.parameters.push_back(std::move(p));
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < cal.parameters.size(); ++i)
        if (!names.insert(cal.parameters[i].name).second || cal.parameters[i].name.find('/') != std::string::npos)
            c.add(where[i], "parameters." + std::to_string(i) + ".name",
                  "parameter name \"" + cal.parameters[i].name + "\" is used twice or contains /");
}

// The weights = { NAME = w } of a [[targets]] entry (prefix: its key path), each naming a target of
// spec (read from `file`) and not negative.
std::map<std::string, double> parse_weights(const toml::table& t, const std::string& prefix, const Comparison& spec,
                                            const fs::path& file, Collector& c) {
    std::map<std::string, double> weights;
    const toml::node* w = t.get("weights");
    if (!w) return weights;
    if (!w->is_table()) {
        c.add(w->source(), prefix + "weights", "expected a table { TARGET = weight }");
        return weights;
    }
    for (const auto& [k, v] : *w->as_table()) {
        const std::string name(k.str());
        auto x = number(v, prefix + "weights." + name, c);
        if (std::none_of(spec.targets.begin(), spec.targets.end(),
                         [&](const TargetOutcome& o) { return o.name == name; }))
            c.add(v.source(), prefix + "weights." + name, "no target " + name + " in " + file.string());
        else if (x && *x < 0)
            c.add(v.source(), prefix + "weights." + name, "a weight cannot be negative");
        else if (x)
            weights[name] = *x;
    }
    return weights;
}

// One [[targets]] entry (prefix: its key path): the file read by `compare`'s own reader, its
// targets with their weights (those of weight 0 left out).
void parse_target_entry(const toml::table& t, const std::string& prefix, Calibration& cal, Collector& c) {
    unknown_keys(t, prefix, {"file", "weights"}, c);
    auto f = get_string(t, prefix, "file", c, true);
    if (!f) return;
    const fs::path full = relative_to(cal.file, *f);
    const auto read = read_text_file(full);
    if (!read) {
        c.add(t.get("file")->source(), prefix + "file", "cannot open the targets file " + full.string());
        return;
    }
    if (std::any_of(cal.targets_files.begin(), cal.targets_files.end(),
                    [&](const fs::path& q) { return q.stem() == full.stem(); })) {
        c.add(t.get("file")->source(), prefix + "file", "two targets files named " + full.stem().string());
        return;
    }
    Comparison spec;
    try {
        spec = compare_results({}, full);
    } catch (const ScenarioInvalid& e) {
        for (const auto& err : e.errors()) c.errors.push_back(err);
        return;
    }
    std::map<std::string, double> weights = parse_weights(t, prefix, spec, full, c);
    for (const auto& o : spec.targets) {
        CalTarget tg{full.stem().string(),
                     o.name,
                     o.reported_value,
                     o.reported_lo,
                     o.reported_hi,
                     o.scale,
                     weights.count(o.name) ? weights[o.name] : o.weight,
                     o.unit};
        if (tg.weight > 0) cal.targets.push_back(tg);
    }
    cal.targets_files.push_back(full);
    cal.targets_text.push_back(*read);
}

// [[targets]]: file, weights = { NAME = w }. Targets come from `compare`'s own reader.
void parse_targets(const toml::table& root, Calibration& cal, Collector& c) {
    const toml::node* n = root.get("targets");
    const toml::array* a = n ? n->as_array() : nullptr;
    if (!n || !a || a->empty()) {
        c.add(n ? n->source() : root.source(), "targets", "required: at least one [[targets]] entry with a file");
        return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string prefix = "targets." + std::to_string(i) + ".";
        if (const toml::table* t = a->get(i)->as_table())
            parse_target_entry(*t, prefix, cal, c);
        else
            c.add(a->get(i)->source(), prefix, "expected a table");
    }
}

void parse_method(const toml::table& root, Calibration& cal, Collector& c) {
    if (const toml::table* t = table_at(root, "method", c, false)) {
        unknown_keys(*t, "method.", {"global", "global_points", "local", "budget", "initial_step", "xtol", "loss", "band_penalty",
                                      "coverage_spread"}, c);
        cal.global = get_choice(*t, "method.", "global", {"lhs", "sobol"}, c).value_or("lhs") == "sobol"
                         ? GlobalDesign::sobol
                         : GlobalDesign::lhs;
        cal.global_points = get_int(*t, "method.", "global_points", 1, 100000, c).value_or(0);
        const std::string local =
            get_choice(*t, "method.", "local", {"bobyqa", "neldermead", "sbplx", "cobyla"}, c).value_or("bobyqa");
        cal.local = local == "neldermead" ? LocalMethod::neldermead
                    : local == "sbplx"    ? LocalMethod::sbplx
                    : local == "cobyla"   ? LocalMethod::cobyla
                                          : LocalMethod::bobyqa;
        cal.budget = get_int(*t, "method.", "budget", 0, 100000, c).value_or(60);
        cal.initial_step = real(*t, "method.", "initial_step", 1e-6, 0.5, c).value_or(0.1);
        cal.xtol = real(*t, "method.", "xtol", 0.0, 0.5, c).value_or(1e-3);
        const std::string loss = get_choice(*t, "method.", "loss", {"mean", "per_seed", "bands", "coverage"}, c).value_or("mean");
        cal.loss = loss == "per_seed"   ? LossKind::per_seed
                   : loss == "bands"    ? LossKind::bands
                   : loss == "coverage" ? LossKind::coverage
                                        : LossKind::mean;
        cal.band_penalty = real(*t, "method.", "band_penalty", 0.0, 1e6, c).value_or(10.0);
        cal.spread_from_global =
            get_choice(*t, "method.", "coverage_spread", {"point", "global"}, c).value_or("point") == "global";
    }
    if (const toml::table* t = table_at(root, "weighting", c, false)) {
        unknown_keys(*t, "weighting.", {"matrix"}, c);
        cal.covariance_weighting =
            get_choice(*t, "weighting.", "matrix", {"bands", "covariance"}, c).value_or("bands") == "covariance";
    }
    if (const toml::table* t = table_at(root, "inference", c, false)) {
        unknown_keys(*t, "inference.", {"step", "profile_points", "data_variance"}, c);
        cal.fd_step = real(*t, "inference.", "step", 1e-4, 0.5, c).value_or(0.05);
        cal.profile_points = get_int(*t, "inference.", "profile_points", 0, 1000, c).value_or(9);
        cal.data_variance_from_bands =
            get_choice(*t, "inference.", "data_variance", {"simulation", "bands"}, c).value_or("simulation") == "bands";
    }
}

// The parameter keys, bounds and fixed overrides, checked by planning a sweep over the bounds of
// each parameter; its errors are reported at the calibration file's own lines.
std::string probe_sweep(const Calibration& cal, const CalParameter& p) {
    std::ostringstream o;
    o << "[sweep]\nname = \"probe\"\nscenario = " << quote(cal.scenario.string()) << "\nset = [";
    for (std::size_t i = 0; i < cal.fixed.size(); ++i) o << (i ? ", " : "") << quote(cal.fixed[i]);
    o << "]\n[design]\nkind = \"random\"\npoints = 1\n";
    o << "[[parameters]]\nname = \"probe\"\nkeys = [";
    for (std::size_t k = 0; k < p.keys.size(); ++k) o << (k ? ", " : "") << quote(p.keys[k]);
    o << "]\n" << (p.log ? "log_range" : "range") << " = [" << exact(p.lo) << ", " << exact(p.hi) << "]\n";
    o << "[metrics]\nbuiltin = []\n";
    return o.str();
}

void check_keys(Calibration& cal, Collector& c, const std::vector<toml::source_region>& where,
                const toml::source_region& set_where, const toml::source_region& scenario_where) {
    std::set<std::string> seen;  // errors of the base scenario and the fixed overrides, once
    for (std::size_t i = 0; i < cal.parameters.size(); ++i) {
        const std::string prefix = "parameters." + std::to_string(i);
        try {
            const Sweep probe = parse_sweep(probe_sweep(cal, cal.parameters[i]), cal.file);
            cal.parameters[i].expanded = probe.parameters[0].keys;
            if (probe.parameters[0].kind != Kind::real)
                c.add(where[i], prefix + ".key",
                      std::string("calibration parameters are float keys; this one is ") +
                          kind_name(probe.parameters[0].kind));
        } catch (const ScenarioInvalid& e) {
            for (const auto& err : e.errors()) {
                if (err.key.rfind("parameters.0", 0) == 0)
                    c.add(where[i], prefix + (err.key.find(".key") != std::string::npos ? ".key" : ".bounds"),
                          err.message);
                else if (!seen.insert(err.file + err.key + err.message).second)
                    continue;
                else if (err.file != cal.file.string())
                    c.errors.push_back(err);  // the base scenario's own errors, at its lines
                else if (err.key == "sweep.set")
                    c.add(set_where, "calibration.set", err.message);
                else
                    c.add(scenario_where, err.key == "sweep.scenario" ? "calibration.scenario" : err.key, err.message);
            }
        }
    }
}

std::string fingerprint_of(const Calibration& cal) {
    std::uint64_t h = kFnvOffset;
    for (const std::string* s : {&cal.text, &cal.scenario_text}) h = fnv1a(h, *s + "\x1f");
    for (const auto& t : cal.targets_text) h = fnv1a(h, t + "\x1f");
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace

Calibration load_calibration(const fs::path& file) {
    const auto text = read_text_file(file);
    if (!text)
        throw ScenarioInvalid({ScenarioError{file.string(), 0, 0, "(file)", "cannot open the calibration file"}});
    return parse_calibration(*text, file);
}

Calibration parse_calibration(const std::string& text, const fs::path& file) {
    Collector c{file.string()};
    const toml::table root = parse_toml(text, file.string());
    Calibration cal;
    cal.file = file;
    cal.text = text;
    unknown_keys(root, "", {"calibration", "parameters", "targets", "method", "weighting", "inference"}, c);
    toml::source_region set_where = root.source(), scenario_where = root.source();
    parse_head(root, cal, c, set_where, scenario_where);
    std::vector<toml::source_region> where;
    const std::size_t before = c.errors.size();
    parse_parameters(root, cal, c, where);
    const bool parameters_ok = c.errors.size() == before;
    parse_targets(root, cal, c);
    parse_method(root, cal, c);
    if (!cal.scenario.empty()) {
        const auto read = read_text_file(cal.scenario);
        cal.scenario_text = read.value_or("");
        if (!read)
            c.add(scenario_where, "calibration.scenario", "cannot open the base scenario " + cal.scenario.string());
        else if (parameters_ok)
            check_keys(cal, c, where, set_where, scenario_where);
    }
    if (c.errors.empty() && cal.targets.empty())
        c.add(root.get("targets")->source(), "targets", "every target has weight 0: nothing to calibrate against");
    if (!c.errors.empty()) throw ScenarioInvalid(std::move(c.errors));
    cal.fingerprint = fingerprint_of(cal);
    return cal;
}

}  // namespace talentsim::sweep
