// libFuzzer target: the sweep-file parser (parse_sweep). The input is the sweep file; for its
// relative paths it lives in scenarios/sweeps/, beside the shipped sweeps of the seed corpus, so
// `scenario = "../china_ai_2024.toml"` finds a real base scenario. Expected outcomes: a plan, or
// ScenarioInvalid listing the errors.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sweep/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        talentsim::sweep::parse_sweep(text, TALENTSIM_SOURCE_DIR "/scenarios/sweeps/fuzz.toml");
    } catch (const talentsim::ScenarioInvalid&) {}
    return 0;
}
