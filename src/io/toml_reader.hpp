// The toolkit every TOML reader uses (scenarios, targets, sweeps, calibration files): parsing with
// syntax errors reported as InputInvalid, one error collector with the position of the offending
// node, the names of TOML types in messages, and calendar months "YYYY-MM".
#pragma once
#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/input_error.hpp"

namespace talentsim {

// "an integer", "a string", ... for "expected X, found Y" messages.
std::string toml_type_name(const toml::node& n);

// Parses `text`; a syntax error is thrown as InputInvalid at its line and column, key "(syntax)".
toml::table parse_toml(const std::string& text, const std::string& file);

// The whole file as text; nullopt when it is not a regular file of at most 64 MiB or cannot be read.
std::optional<std::string> read_text_file(const std::filesystem::path& path);

// "YYYY-MM" (years 1900..2999) as yyyymm; nullopt for anything else.
std::optional<std::int32_t> parse_month(const std::string& s);

// `s` as a TOML basic string, quotes included: every TOML file talentsim writes uses this.
std::string toml_string(const std::string& s);

// Collects every error of one file, each with file:line:column and the key. Errors at keys set on
// the command line (`overridden`, from --set) are reported against "--set" instead of the file.
struct InputErrors {
    // `InputErrors c{file}`; `{file, {}}` (the earlier aggregate form) also compiles.
    explicit InputErrors(std::string file_name, std::vector<InputError> found = {})
        : file(std::move(file_name)), errors(std::move(found)) {}
    std::string file;
    std::vector<InputError> errors;
    std::vector<std::string> overridden;

    bool is_override(const std::string& key) const;
    void add(const toml::source_region& where, std::string key, std::string msg);
    // Throws InputInvalid with every error collected, if any.
    void throw_if_any();
};

using TomlErrors = InputErrors;  // earlier name

// Typed getters shared by the sweep and calibration readers; each error goes to `c` with the key.
// Keys of `t` not in `known` are errors.
void unknown_keys(const toml::table& t, const std::string& prefix, std::initializer_list<std::string_view> known,
                  InputErrors& c);
// The table `name` of `root`, or nullptr (an error when required or not a table).
const toml::table* table_at(const toml::table& root, const char* name, InputErrors& c, bool required);
std::optional<std::string> get_string(const toml::table& t, const std::string& prefix, const char* key, InputErrors& c,
                                      bool required);
// One of `choices`; absent gives nullopt without an error.
std::optional<std::string> get_choice(const toml::table& t, const std::string& prefix, const char* key,
                                      std::initializer_list<std::string_view> choices, InputErrors& c);
// An integer in [lo, hi]; absent gives nullopt without an error.
std::optional<std::int64_t> get_int(const toml::table& t, const std::string& prefix, const char* key, std::int64_t lo,
                                    std::int64_t hi, InputErrors& c);

}  // namespace talentsim
