// libFuzzer target: `--set key.path=value` overrides on top of scenarios/minimal.toml. Each line
// of the input is one override. Expected outcomes as in fuzz_scenario.cpp.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/scenario.hpp"

namespace {
const std::string& base() {
    static const std::string text = [] {
        std::ifstream in(TALENTSIM_SOURCE_DIR "/scenarios/minimal.toml");
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }();
    return text;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> overrides;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    for (std::string line; std::getline(in, line) && overrides.size() < 64;) overrides.push_back(line);
    try {
        talentsim::parse_scenario(base(), "minimal.toml", overrides);
    } catch (const talentsim::ScenarioInvalid&) {}
    return 0;
}
