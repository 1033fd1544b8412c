#include "io/toml_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace talentsim {

std::string InputError::format() const {
    std::string out = file;
    if (line > 0) {  // appended piecewise: GCC 12 -Wrestrict on ":" + std::string&&
        out += ':';
        out += std::to_string(line);
        out += ':';
        out += std::to_string(column);
    }
    return out + ": " + key + ": " + message;
}

static std::string join_errors(const std::vector<InputError>& errors) {
    std::string s;
    for (const auto& e : errors) s += e.format() + "\n";
    return s;
}
InputInvalid::InputInvalid(std::vector<InputError> errors)
    : std::runtime_error(join_errors(errors)), errors_(std::move(errors)) {}

std::string toml_type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        default:
            return "a date/time";
    }
}

toml::table parse_toml(const std::string& text, const std::string& file) {
    try {
        return toml::parse(text, file);
    } catch (const toml::parse_error& e) {
        throw InputInvalid(
            {InputError{file, static_cast<int>(e.source().begin.line), static_cast<int>(e.source().begin.column),
                        "(syntax)", std::string(e.description())}});
    }
}

std::optional<std::string> read_text_file(const std::filesystem::path& path) {
    std::error_code ec;  // devices and FIFOs never end: only regular files up to 64 MiB are read
    if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) > (64u << 20))
        return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

std::string toml_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += static_cast<char>(ch);
        } else if (ch == '\n')
            out += "\\n";
        else if (ch < 0x20 || ch == 0x7F) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04X", ch);
            out += b;
        } else
            out += static_cast<char>(ch);
    }
    return out + "\"";
}

std::optional<std::int32_t> parse_month(const std::string& s) {
    if (s.size() != 7 || s[4] != '-') return std::nullopt;
    for (int i : {0, 1, 2, 3, 5, 6})
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
    const int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2));
    if (m < 1 || m > 12 || y < 1900 || y > 2999) return std::nullopt;
    return y * 100 + m;
}

bool InputErrors::is_override(const std::string& key) const {
    return std::any_of(overridden.begin(), overridden.end(), [&](const std::string& o) {
        return key == o || key.rfind(o + ".", 0) == 0 || o.rfind(key + ".", 0) == 0;
    });
}

void InputErrors::add(const toml::source_region& where, std::string key, std::string msg) {
    const bool from_override = where.begin.line == 0 && is_override(key);
    errors.push_back(InputError{from_override ? "--set" : file, static_cast<int>(where.begin.line),
                                static_cast<int>(where.begin.column), std::move(key), std::move(msg)});
}

void InputErrors::throw_if_any() {
    if (!errors.empty()) throw InputInvalid(std::move(errors));
}

// Keys of `t` not in `known` are errors.
void unknown_keys(const toml::table& t, const std::string& prefix, std::initializer_list<std::string_view> known,
                  InputErrors& c) {
    for (const auto& [k, v] : t)
        if (std::find(known.begin(), known.end(), k.str()) == known.end())
            c.add(v.source(), prefix + std::string(k.str()), "unknown key");
}

const toml::table* table_at(const toml::table& root, const char* name, InputErrors& c, bool required) {
    const toml::node* n = root.get(name);
    if (!n) {
        if (required) c.add(root.source(), name, "required table is missing");
        return nullptr;
    }
    if (!n->is_table()) {
        c.add(n->source(), name, "expected a table, found " + toml_type_name(*n));
        return nullptr;
    }
    return n->as_table();
}

std::optional<std::string> get_string(const toml::table& t, const std::string& prefix, const char* key, InputErrors& c,
                                      bool required) {
    const toml::node* n = t.get(key);
    if (!n) {
        if (required) c.add(t.source(), prefix + key, "required key is missing");
        return std::nullopt;
    }
    if (!n->is_string()) {
        c.add(n->source(), prefix + key, "expected a string, found " + toml_type_name(*n));
        return std::nullopt;
    }
    return n->as_string()->get();
}

std::optional<std::string> get_choice(const toml::table& t, const std::string& prefix, const char* key,
                                      std::initializer_list<std::string_view> choices, InputErrors& c) {
    auto v = get_string(t, prefix, key, c, false);
    if (!v) return std::nullopt;
    if (std::find(choices.begin(), choices.end(), *v) == choices.end()) {
        std::string message = "expected one of ";  // appended piecewise: GCC 12 -Wrestrict on "|" + std::string&&
        for (std::size_t k = 0; k < choices.size(); ++k) {
            if (k) message += '|';
            message += choices.begin()[k];
        }
        message += ", found \"";
        message += *v;
        message += '"';
        c.add(t.get(key)->source(), prefix + key, message);
        return std::nullopt;
    }
    return v;
}

std::optional<std::int64_t> get_int(const toml::table& t, const std::string& prefix, const char* key, std::int64_t lo,
                                    std::int64_t hi, InputErrors& c) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
        c.add(n->source(), prefix + key, "expected an integer, found " + toml_type_name(*n));
        return std::nullopt;
    }
    const std::int64_t v = n->as_integer()->get();
    if (v < lo || v > hi) {
        c.add(
            n->source(), prefix + key,
            "value " + std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        return std::nullopt;
    }
    return v;
}

}  // namespace talentsim
