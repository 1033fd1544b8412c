// Sensitivity analysis (src/sweep/designs.cpp, src/sweep/sensitivity.cpp): the estimators on
// analytic functions (Ishigami's known Sobol indices, exact elementary effects of a linear
// function), the designs' structure, and `sweep analyze` on small morris and sobol sweeps of the
// model (an input that changes nothing has index 0 exactly under common seeds).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "io/h5.hpp"
#include "support.hpp"
#include "sweep/designs.hpp"

using namespace talentsim;
using namespace talentsim::sweep;
using talentsim::test::run_cli;
using talentsim::test::source_path;
using talentsim::test::temp_dir;
namespace fs = std::filesystem;

namespace {

// Ishigami and Homma (1990): f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on [-pi, pi]^3.
constexpr double kA = 7, kB = 0.1;
double ishigami(const UnitPoint& u) {
    const double x1 = -M_PI + 2 * M_PI * u[0], x2 = -M_PI + 2 * M_PI * u[1], x3 = -M_PI + 2 * M_PI * u[2];
    return std::sin(x1) + kA * std::pow(std::sin(x2), 2) + kB * std::pow(x3, 4) * std::sin(x1);
}

}  // namespace

TEST_CASE("Sobol indices of the Ishigami function match their analytic values within their intervals",
          "[sensitivity]") {
    const double pi4 = std::pow(M_PI, 4), pi8 = std::pow(M_PI, 8);
    const double V1 = 0.5 * std::pow(1 + kB * pi4 / 5, 2), V2 = kA * kA / 8, V13 = 8 * kB * kB * pi8 / 225 - 0.0;
    const double V = kA * kA / 8 + kB * pi4 / 5 + kB * kB * pi8 / 18 + 0.5;
    const double first[] = {V1 / V, V2 / V, 0.0};
    const double total[] = {(V1 + V13) / V, V2 / V, V13 / V};
    const std::size_t n = 4096;
    const auto pts = saltelli_design(n, 3);
    REQUIRE(pts.size() == n * 5);
    std::vector<double> y;
    for (const auto& u : pts) y.push_back(ishigami(u));
    const SobolIndices s = sobol_indices(3, y, 500);
    CHECK(s.samples_used == n);
    CHECK(s.variance == Approx(V).epsilon(0.03));
    for (int i = 0; i < 3; ++i) {
        INFO("x" << i + 1 << ": S1 " << s.first[i].value << " [" << s.first[i].lo << ", " << s.first[i].hi
                 << "] analytic " << first[i] << "; ST " << s.total[i].value << " [" << s.total[i].lo << ", "
                 << s.total[i].hi << "] analytic " << total[i]);
        CHECK(s.first[i].lo <= first[i]);
        CHECK(first[i] <= s.first[i].hi);
        CHECK(s.total[i].lo <= total[i]);
        CHECK(total[i] <= s.total[i].hi);
        CHECK(s.first[i].hi - s.first[i].lo < 0.1);  // informative intervals, not everything
    }
}

TEST_CASE("Morris elementary effects of a linear function are its coefficients", "[sensitivity]") {
    const MorrisDesign d = morris_design(10, 3, 4, 42);
    REQUIRE(d.points.size() == 10 * 4);
    CHECK(d.delta == Approx(2.0 / 3.0));
    // Each step of a trajectory moves one coordinate by +/- delta; each coordinate once per trajectory.
    for (std::size_t t = 0; t < 10; ++t) {
        std::vector<int> moved(3, 0);
        for (std::size_t k = 0; k < 3; ++k) {
            const auto& a = d.points[t * 4 + k];
            const auto& b = d.points[t * 4 + k + 1];
            const std::size_t i = d.moved[t * 3 + k];
            ++moved[i];
            CHECK(std::abs(b[i] - a[i]) == Approx(d.delta));
            for (std::size_t j = 0; j < 3; ++j) {
                CHECK(b[j] >= 0.0);
                CHECK(b[j] <= 1.0);
                if (j != i) CHECK(b[j] == a[j]);
            }
        }
        CHECK(moved == std::vector<int>{1, 1, 1});
    }
    std::vector<double> y, z;
    for (const auto& u : d.points) {
        y.push_back(3 * u[0] - 2 * u[1]);  // no interaction, x3 inert
        z.push_back(u[0] * u[1]);          // interaction: effects vary across the space
    }
    const MorrisIndices m = morris_indices(d, y);
    CHECK(m.mu_star[0].value == Approx(3.0));
    CHECK(m.mu_star[1].value == Approx(2.0));
    CHECK(m.mu_star[2].value == 0.0);
    CHECK(m.mu[1] == Approx(-2.0));
    CHECK(m.sigma[0] == Approx(0.0).margin(1e-12));
    const MorrisIndices mi = morris_indices(d, z);
    CHECK(mi.sigma[0] > 0.1);
    CHECK(mi.mu_star[2].value == 0.0);
}

TEST_CASE("sweep analyze: Morris and Sobol indices of model sweeps", "[sensitivity][slow]") {
    const fs::path dir = temp_dir("sensitivity");
    auto sweep_text = [](const std::string& design) {
        return std::string("[sweep]\nname = \"sens\"\nscenario = \"") + source_path("scenarios/minimal.toml") +
               "\"\nseed = 5\nreplicates = 1\nseeds = \"common\"\n"
               "set = [\"population.candidates=800\", \"population.employers=40\", \"population.abroad_share=0.0\"]\n"
               "[design]\n" +
               design +
               "\n"
               "[[parameters]]\nkey = \"roles.llm_algorithm.base_wage\"\nlog_range = [300000, 900000]\n"
               "[[parameters]]\nkey = \"search.abroad_intensity\"\nrange = [0.01, 0.5]\n"
               "[metrics]\nbuiltin = [\"wage.posted.mean\", \"move_rate\"]\nwindow = 6\n";
    };
    std::ofstream(dir / "morris.toml") << sweep_text("kind = \"morris\"\npoints = 4\nlevels = 4");
    std::ofstream(dir / "sobol.toml") << sweep_text("kind = \"sobol\"\npoints = 8");
    std::string out, err;
    REQUIRE(
        run_cli("sweep run " + (dir / "morris.toml").string() + " --out " + (dir / "m").string() + " --jobs 2 --quiet",
                &out, &err) == 0);
    REQUIRE(run_cli("sweep analyze " + (dir / "m").string(), &out, &err) == 0);
    INFO(out << err);
    CHECK(out.find("morris design: 12 points") != std::string::npos);
    {
        h5::File f = h5::open_read_only(dir / "m" / "sensitivity.h5");
        const auto mu = h5::read_rows<double>(f, "wage.posted.mean/mu_star");
        REQUIRE(mu.size() == 2);
        CHECK(mu[0] > 0);     // the base wage moves posted salaries
        CHECK(mu[1] == 0.0);  // nobody is abroad: the abroad search intensity changes nothing
    }
    REQUIRE(
        run_cli("sweep run " + (dir / "sobol.toml").string() + " --out " + (dir / "s").string() + " --jobs 2 --quiet",
                &out, &err) == 0);
    REQUIRE(run_cli("sweep analyze " + (dir / "s").string() + " --metric wage.posted.mean", &out, &err) == 0);
    {
        h5::File f = h5::open_read_only(dir / "s" / "sensitivity.h5");
        CHECK(h5::read_strings(f, "metric_names") == std::vector<std::string>{"wage.posted.mean"});
        const auto st = h5::read_rows<double>(f, "wage.posted.mean/total");
        CHECK(st[0] > 0.5);
        CHECK(st[1] == 0.0);
    }
    CHECK(std::system(("/usr/bin/python3 " + source_path("scripts/plot_sensitivity.py") + " " +
                       (dir / "s" / "sensitivity.h5").string() + " --out " + (dir / "s.png").string() +
                       " >/dev/null 2>&1")
                          .c_str()) == 0);
    CHECK(fs::exists(dir / "s.png"));
    // Not a sensitivity design, or an unknown metric: exit 2.
    CHECK(run_cli("sweep analyze " + (dir / "s").string() + " --metric no.such.metric", &out, &err) == 2);
    CHECK(run_cli("sweep analyze " + (dir / "nowhere").string(), &out, &err) == 2);
}
