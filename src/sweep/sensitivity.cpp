// `talentsim sweep analyze DIR`: the sweep's plan is rebuilt from its manifest (the design is a
// pure function of the sweep file), each metric's per-point mean is read from DIR/sweep.h5, and
// the Morris or Sobol indices (designs.cpp) are printed and written to DIR/sensitivity.h5.
#include "sweep/sensitivity.hpp"

#include <cmath>
#include <iomanip>

#include "io/files.hpp"
#include "io/h5.hpp"
#include "io/h5_out.hpp"
#include "sweep/internal.hpp"

namespace fs = std::filesystem;

namespace talentsim::sweep {
namespace {

std::vector<std::string> chosen_metrics(const std::vector<std::string>& all, const std::vector<std::string>& pats) {
    if (pats.empty()) return all;
    std::vector<std::string> out;
    for (const auto& p : pats) {
        bool any = false;
        for (const auto& m : all)
            if (glob_match(p, m)) {
                any = true;
                if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
            }
        if (!any) throw std::runtime_error("--metric " + p + " matches no metric of the sweep");
    }
    return out;
}

void write_interval(hid_t g, const std::string& name, const std::vector<Interval>& v) {
    std::vector<double> x, lo, hi;
    for (const auto& i : v) {
        x.push_back(i.value);
        lo.push_back(i.lo);
        hi.push_back(i.hi);
    }
    h5out::column(g, name, x);
    h5out::column(g, name + "_lo", lo);
    h5out::column(g, name + "_hi", hi);
}

void write_report(const SensitivityReport& r) {
    const fs::path tmp = r.file.string() + ".partial";
    {
        h5::File f = h5out::create_untimed(tmp);
        h5::set_attr(f, "schema", std::string("talentsim-sensitivity"));
        h5::set_attr(f, "schema_version", static_cast<std::int64_t>(1));
        h5::set_attr(f, "design", r.design);
        h5::set_attr(f, "points", static_cast<std::int64_t>(r.points));
        h5::set_attr(f, "replicates", static_cast<std::int64_t>(r.replicates));
        h5::set_attr(f, "resamples", static_cast<std::int64_t>(r.resamples));
        h5::set_attr(f, "confidence", 0.95);
        h5out::column(f, "parameter_names", r.parameters);
        h5out::column(f, "metric_names", r.metrics);
        for (std::size_t m = 0; m < r.metrics.size(); ++m) {
            h5::Object g = h5out::group(f, r.metrics[m]);
            if (r.design == "morris") {
                write_interval(g, "mu_star", r.morris[m].mu_star);
                h5out::column(g, "mu", r.morris[m].mu);
                h5out::column(g, "sigma", r.morris[m].sigma);
                h5::set_attr(g, "trajectories_used", static_cast<std::int64_t>(r.morris[m].trajectories_used));
            } else {
                write_interval(g, "first", r.sobol[m].first);
                write_interval(g, "total", r.sobol[m].total);
                h5::set_attr(g, "variance", r.sobol[m].variance);
                h5::set_attr(g, "samples_used", static_cast<std::int64_t>(r.sobol[m].samples_used));
            }
        }
        if (f.close() < 0) throw std::runtime_error(tmp.string() + ": cannot finish writing");
    }
    move_into_place(tmp, r.file);
}

std::string num(double x) {
    if (std::isnan(x)) return "-";
    std::ostringstream o;
    o << std::setprecision(3) << x;
    return o.str();
}

// "[lo, hi]", appended piecewise (a chain of + on temporaries trips GCC 12's -Wrestrict).
std::string interval(const Interval& x) {
    std::string s = "[";
    s += num(x.lo);
    s += ", ";
    s += num(x.hi);
    s += "]";
    return s;
}

}  // namespace

SensitivityReport analyze_sweep(const fs::path& dir, const std::vector<std::string>& metrics, std::size_t resamples) {
    const Manifest m = read_manifest(dir);
    if (m.design != "morris" && m.design != "sobol")
        throw std::runtime_error(dir.string() + ": a " + m.design +
                                 " sweep; sensitivity indices need design kind = \"morris\" or \"sobol\"");
    const Sweep s = parse_sweep(m.sweep_text, m.sweep_file);
    if (s.fingerprint != m.fingerprint)
        throw std::runtime_error(m.sweep_file + " (or its base scenario) no longer gives the plan of " + dir.string());
    const fs::path merged = dir / "sweep.h5";
    if (!fs::exists(merged)) throw std::runtime_error(merged.string() + ": missing; run talentsim sweep merge first");
    const h5::File f = h5::open_read_only(merged);
    SensitivityReport r;
    r.design = m.design;
    r.parameters = m.parameters;
    r.metrics = chosen_metrics(h5::read_strings(f, "metric_names"), metrics);
    r.points = s.points.size();
    r.replicates = static_cast<std::size_t>(s.replicates);
    r.resamples = resamples;
    r.file = dir / "sensitivity.h5";
    const MorrisDesign md = r.design == "morris" ? sweep_morris_design(s) : MorrisDesign{};
    for (const auto& name : r.metrics) {
        const auto y = h5::read_rows<double>(f, "points/mean/" + name);
        if (r.design == "morris")
            r.morris.push_back(morris_indices(md, y, resamples));
        else
            r.sobol.push_back(sobol_indices(s.parameters.size(), y, resamples));
    }
    write_report(r);
    return r;
}

void print_sensitivity(const SensitivityReport& r, std::ostream& out) {
    out << r.design << " design: " << r.points << " points x " << r.replicates << " replicates; "
        << "95 % bootstrap intervals from " << r.resamples << " resamples\n";
    std::size_t w = 9;
    for (const auto& p : r.parameters) w = std::max(w, p.size());
    const int W = static_cast<int>(w);
    for (std::size_t m = 0; m < r.metrics.size(); ++m) {
        out << "\n" << r.metrics[m];
        if (r.design == "morris") {
            const auto& x = r.morris[m];
            out << " (" << x.trajectories_used << " trajectories)\n";
            out << std::left << std::setw(W) << "parameter" << std::right << std::setw(12) << "mu*" << std::setw(24)
                << "95 % interval" << std::setw(12) << "mu" << std::setw(12) << "sigma\n";
            for (std::size_t i = 0; i < r.parameters.size(); ++i)
                out << std::left << std::setw(W) << r.parameters[i] << std::right << std::setw(12)
                    << num(x.mu_star[i].value) << std::setw(24) << interval(x.mu_star[i]) << std::setw(12)
                    << num(x.mu[i]) << std::setw(12) << num(x.sigma[i]) << "\n";
        } else {
            const auto& x = r.sobol[m];
            out << " (" << x.samples_used << " base samples, variance " << num(x.variance) << ")\n";
            out << std::left << std::setw(W) << "parameter" << std::right << std::setw(10) << "S1" << std::setw(22)
                << "95 % interval" << std::setw(10) << "ST" << std::setw(22) << "95 % interval\n";
            for (std::size_t i = 0; i < r.parameters.size(); ++i)
                out << std::left << std::setw(W) << r.parameters[i] << std::right << std::setw(10)
                    << num(x.first[i].value) << std::setw(22) << interval(x.first[i]) << std::setw(10)
                    << num(x.total[i].value) << std::setw(22) << interval(x.total[i]) << "\n";
        }
    }
    out << "\n" << r.file.string() << "\n";
}

}  // namespace talentsim::sweep
