// DIR/manifest.toml and DIR/points/*.toml are inputs like any other (docs/reliability.md,
// "Sweep directories"): every error is collected with file:line before anything is allocated
// from what they say, and nothing but a regular file is opened.
#include <sys/stat.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sweep/manifest_check.hpp"
#include "sweep/internal.hpp"

namespace fs = std::filesystem;

namespace talentsim::sweep {
namespace {

// The planner's limits (plan.cpp): a manifest asking for more was not written by talentsim.
constexpr std::int64_t kMaxPoints = 1000000, kMaxReplicates = 100000, kMaxRuns = 10000000;

struct ManifestErrors {
    std::string file;
    std::vector<ScenarioError> errors;
    void add(const toml::node* at, const std::string& key, const std::string& message) {
        const int line = at ? static_cast<int>(at->source().begin.line) : 0;
        const int column = at ? static_cast<int>(at->source().begin.column) : 0;
        errors.push_back(ScenarioError{file, line, column, key, message});
    }
};

const toml::node* need(const toml::table& t, const char* key, bool (toml::node::*is)() const noexcept, const char* what,
                       ManifestErrors& e) {
    const toml::node* n = t.get(key);
    if (!n)
        e.add(&t, key, "required key is missing");
    else if (!(n->*is)())
        e.add(n, key, std::string("expected ") + what);
    else
        return n;
    return nullptr;
}

std::optional<std::int64_t> need_int(const toml::table& t, const char* key, std::int64_t lo, std::int64_t hi,
                                     ManifestErrors& e) {
    const toml::node* n = need(t, key, &toml::node::is_integer, "an integer", e);
    if (!n) return std::nullopt;
    const std::int64_t v = n->as_integer()->get();
    if (v < lo || v > hi) {
        e.add(
            n, key,
            "value " + std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        return std::nullopt;
    }
    return v;
}

// An array of strings; its size, or -1 when it is not one.
std::int64_t need_strings(const toml::table& t, const char* key, ManifestErrors& e,
                          std::vector<std::string>* out = nullptr) {
    const toml::node* n = need(t, key, &toml::node::is_array, "an array of strings", e);
    if (!n) return -1;
    for (const auto& el : *n->as_array()) {
        if (!el.is_string()) {
            e.add(&el, key, "expected an array of strings");
            return -1;
        }
        if (out) out->push_back(el.as_string()->get());
    }
    return static_cast<std::int64_t>(n->as_array()->size());
}

bool value_fits(const toml::node& v, const std::string& kind) {
    if (kind == "float") return v.is_floating_point() || v.is_integer();
    if (kind == "integer") return v.is_integer();
    if (kind == "bool") return v.is_boolean();
    return v.is_string();
}

void check_point(const toml::node& el, std::size_t i, const std::vector<std::string>& kinds,
                 std::optional<std::int64_t> replicates, ManifestErrors& e) {
    const std::string key = "point." + std::to_string(i);
    const toml::table* p = el.as_table();
    if (!p) return e.add(&el, key, "expected a table ([[point]])");
    if (const auto idx = need_int(*p, "index", 0, kMaxPoints, e); idx && *idx != static_cast<std::int64_t>(i))
        e.add(p->get("index"), key + ".index", "is " + std::to_string(*idx) + ", expected " + std::to_string(i));
    if (const toml::node* v = need(*p, "values", &toml::node::is_array, "an array", e)) {
        const toml::array& a = *v->as_array();
        if (a.size() != kinds.size())
            e.add(v, key + ".values",
                  std::to_string(a.size()) + " values for " + std::to_string(kinds.size()) + " parameters");
        else
            for (std::size_t j = 0; j < a.size(); ++j)
                if (!value_fits(*a.get(j), kinds[j]))
                    e.add(a.get(j), key + ".values", "value " + std::to_string(j) + " is not of kind " + kinds[j]);
    }
    if (const toml::node* s = need(*p, "seeds", &toml::node::is_array, "an array of seeds", e)) {
        const toml::array& a = *s->as_array();
        if (replicates && static_cast<std::int64_t>(a.size()) != *replicates)
            e.add(s, key + ".seeds",
                  std::to_string(a.size()) + " seeds for " + std::to_string(*replicates) + " replicates");
        for (const auto& sd : a)
            if (!sd.is_integer() || sd.as_integer()->get() < 0) {
                e.add(&sd, key + ".seeds", "expected whole numbers 0 or more");
                break;
            }
    }
}

}  // namespace

void check_regular_input(const fs::path& file, std::uintmax_t max_bytes) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return;  // missing: the reader says so
    if (!S_ISREG(st.st_mode))
        throw ScenarioInvalid({ScenarioError{file.string(), 0, 0, "(file)", "not a regular file"}});
    if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
        throw ScenarioInvalid(
            {ScenarioError{file.string(), 0, 0, "(file)", "larger than " + std::to_string(max_bytes >> 20) + " MiB"}});
}

void check_manifest(const toml::table& t, const std::string& file) {
    ManifestErrors e{file, {}};
    for (const char* key : {"fingerprint", "name", "sweep_file", "scenario_file", "design", "seeds", "sweep_text",
                            "scenario_text", "schema"})
        need(t, key, &toml::node::is_string, "a string", e);
    need_int(t, "schema_version", 1, 1, e);
    need_int(t, "seed", 0, std::numeric_limits<std::int64_t>::max(), e);
    need_int(t, "window", 0, std::numeric_limits<std::int32_t>::max(), e);
    const auto replicates = need_int(t, "replicates", 1, kMaxReplicates, e);
    const auto points = need_int(t, "points", 0, kMaxPoints, e);
    if (replicates && points && *replicates * *points > kMaxRuns)
        e.add(t.get("replicates"), "replicates", "points x replicates exceeds " + std::to_string(kMaxRuns) + " runs");
    std::vector<std::string> kinds;
    const std::int64_t P = need_strings(t, "parameters", e);
    const std::int64_t K = need_strings(t, "parameter_kinds", e, &kinds);
    need_strings(t, "builtin_metrics", e);
    need_strings(t, "targets", e);
    for (const auto& k : kinds)
        if (k != "float" && k != "integer" && k != "bool" && k != "string")
            e.add(t.get("parameter_kinds"), "parameter_kinds", "unknown kind \"" + k + "\"");
    if (P >= 0 && K >= 0 && P != K)
        e.add(t.get("parameter_kinds"), "parameter_kinds",
              std::to_string(K) + " kinds for " + std::to_string(P) + " parameters");
    if (const toml::node* keys = need(t, "parameter_keys", &toml::node::is_array, "an array of arrays", e)) {
        if (P >= 0 && static_cast<std::int64_t>(keys->as_array()->size()) != P)
            e.add(keys, "parameter_keys", "one list of keys per parameter expected");
        for (const auto& el : *keys->as_array())
            if (!el.is_array() || !el.as_array()->is_homogeneous(toml::node_type::string))
                e.add(&el, "parameter_keys", "expected arrays of strings");
    }
    const toml::node* pts = t.get("point");
    if (points && *points > 0 &&
        (!pts || !pts->is_array() || pts->as_array()->size() != static_cast<std::size_t>(*points)))
        e.add(pts ? pts : &t, "point",
              "expected " + std::to_string(*points) + " [[point]] entries, found " +
                  std::to_string(pts && pts->is_array() ? pts->as_array()->size() : 0));
    else if (pts && pts->is_array() && e.errors.empty())
        for (std::size_t i = 0; i < pts->as_array()->size() && e.errors.size() < 50; ++i)
            check_point(*pts->as_array()->get(i), i, kinds, replicates, e);
    if (!e.errors.empty()) throw ScenarioInvalid(std::move(e.errors));
}

}  // namespace talentsim::sweep
