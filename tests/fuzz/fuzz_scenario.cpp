// libFuzzer target: the scenario parser (parse_scenario) on arbitrary bytes.
// Expected outcomes: a frozen scenario, or ScenarioInvalid listing the errors. Anything else
// (another exception, a sanitizer report, a crash, a hang) is a finding. A scenario that parses
// must also survive the checkpoint round trip: to_toml() parses back to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

#include "model/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const talentsim::Scenario s = talentsim::parse_scenario(text, "fuzz.toml");
        const std::string resolved = talentsim::to_toml(s);
        const talentsim::Scenario again = talentsim::parse_scenario(resolved, "resolved.toml");
        if (talentsim::to_toml(again) != resolved) {
            std::fprintf(stderr, "to_toml does not round-trip:\n%s\n", resolved.c_str());
            std::abort();
        }
    } catch (const talentsim::ScenarioInvalid&) {
        // the expected answer to bad input
    }
    return 0;
}
