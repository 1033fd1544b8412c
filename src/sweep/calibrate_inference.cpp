// Inference at the optimum of a calibration: the Jacobian of the moment conditions by central
// finite differences under common random numbers, identification (rank and condition number of
// W^1/2 G), sandwich standard errors with the simulation correction, and the J-test of the
// over-identifying restrictions. Formulas: docs/calibrate.md, "Standard errors" and "J-test".
#include <Eigen/Dense>
#include <boost/math/distributions/chi_squared.hpp>

#include <cmath>
#include <limits>

#include "sweep/calibrate.hpp"

namespace talentsim::sweep {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kVarianceFloor = 1e-6;  // distance units squared: a moment that does not vary across seeds

using Eigen::MatrixXd;
using Eigen::VectorXd;

// Per-seed moments in distance units (statistic / scale) of the chosen targets, and their
// covariance over the seeds whose values are all finite (diagonal when seeds - 1 < targets).
MatrixXd seed_covariance(const Calibration& c, const Evaluation& e, const std::vector<std::size_t>& idx,
                         bool* diagonal) {
    const auto K = static_cast<Eigen::Index>(idx.size());
    std::vector<VectorXd> rows;
    for (const auto& seed : e.per_seed) {
        VectorXd z(K);
        bool ok = true;
        for (Eigen::Index k = 0; k < K; ++k) {
            const auto& t = c.targets[idx[static_cast<std::size_t>(k)]];
            z(k) = seed[idx[static_cast<std::size_t>(k)]] / t.scale;
            ok = ok && std::isfinite(z(k));
        }
        if (ok) rows.push_back(z);
    }
    MatrixXd cov = MatrixXd::Zero(K, K);
    if (rows.size() < 2) {
        *diagonal = true;
        return MatrixXd::Identity(K, K) * kVarianceFloor;
    }
    VectorXd mean = VectorXd::Zero(K);
    for (const auto& z : rows) mean += z;
    mean /= static_cast<double>(rows.size());
    for (const auto& z : rows) cov += (z - mean) * (z - mean).transpose();
    cov /= static_cast<double>(rows.size() - 1);
    *diagonal = static_cast<Eigen::Index>(rows.size()) - 1 < K;
    if (*diagonal) cov = MatrixXd(cov.diagonal().asDiagonal());
    for (Eigen::Index k = 0; k < K; ++k) cov(k, k) = std::max(cov(k, k), kVarianceFloor);
    return cov;
}

MatrixXd to_eigen(const std::vector<std::vector<double>>& m, const std::vector<std::size_t>& idx) {
    MatrixXd out(idx.size(), idx.size());
    for (std::size_t i = 0; i < idx.size(); ++i)
        for (std::size_t j = 0; j < idx.size(); ++j) out(i, j) = m[idx[i]][idx[j]];
    return out;
}

MatrixXd sqrt_psd(const MatrixXd& m) {
    Eigen::SelfAdjointEigenSolver<MatrixXd> es(m);
    return es.eigenvectors() * es.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal() * es.eigenvectors().transpose();
}

// Rank, condition number and the parameters in the null space of A = W^1/2 G.
void identification(const MatrixXd& A, CalibrationResult& r, std::vector<bool>& unidentified) {
    const auto P = A.cols();
    unidentified.assign(static_cast<std::size_t>(P), false);
    Eigen::JacobiSVD<MatrixXd> svd(A, Eigen::ComputeFullV);
    const VectorXd sv = svd.singularValues();
    const double smax = sv.size() ? sv(0) : 0.0;
    r.rank = 0;
    for (Eigen::Index i = 0; i < sv.size(); ++i) r.rank += smax > 0 && sv(i) > 1e-6 * smax;
    const double smin = sv.size() == P ? sv(sv.size() - 1) : 0.0;
    r.condition = smin > 0 ? smax / smin : std::numeric_limits<double>::infinity();
    for (auto i = static_cast<Eigen::Index>(r.rank); i < P; ++i)
        for (Eigen::Index j = 0; j < P; ++j)
            if (std::abs(svd.matrixV()(j, i)) > 0.3) unidentified[static_cast<std::size_t>(j)] = true;
}

void j_test(const MatrixXd& G, const MatrixXd& W, const MatrixXd& Sigma, const MatrixXd& Hinv, const VectorXd& g,
            CalibrationResult& r) {
    const auto K = G.rows();
    r.j_df = static_cast<std::int64_t>(K - G.cols());
    r.j_stat = r.j_pvalue = kNaN;
    if (r.j_df <= 0) return;
    // g ~ N(0, M Sigma M') with M = I - G (G'WG)^-1 G'W, of rank K - P: J = g' (M Sigma M')^+ g.
    const MatrixXd M = MatrixXd::Identity(K, K) - G * Hinv * G.transpose() * W;
    const MatrixXd V = M * Sigma * M.transpose();
    Eigen::SelfAdjointEigenSolver<MatrixXd> es(0.5 * (V + V.transpose()));
    const VectorXd lam = es.eigenvalues();
    double J = 0;
    for (auto i = K - r.j_df; i < K; ++i)
        if (lam(i) > 1e-12 * lam(K - 1)) J += std::pow(es.eigenvectors().col(i).dot(g), 2) / lam(i);
    r.j_stat = J;
    r.j_pvalue = boost::math::cdf(boost::math::complement(boost::math::chi_squared(static_cast<double>(r.j_df)), J));
}

}  // namespace

std::vector<std::vector<double>> covariance_weighting_of(const Calibration& c, const Evaluation& e) {
    std::vector<std::size_t> all(c.targets.size());
    for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
    bool diagonal = false;
    const MatrixXd cov = seed_covariance(c, e, all, &diagonal);
    Eigen::LDLT<MatrixXd> ldlt(cov);
    const MatrixXd W = ldlt.info() == Eigen::Success && ldlt.isPositive()
                           ? MatrixXd(ldlt.solve(MatrixXd::Identity(cov.rows(), cov.cols())))
                           : MatrixXd(cov.diagonal().cwiseInverse().asDiagonal());
    std::vector<std::vector<double>> out(all.size(), std::vector<double>(all.size()));
    for (std::size_t i = 0; i < all.size(); ++i)
        for (std::size_t j = 0; j < all.size(); ++j)
            out[i][j] = W(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
    return out;
}

void infer(const Calibration& c, const std::vector<Evaluation>& jac, const Evaluation& best,
           const std::vector<double>& ub, const std::vector<std::vector<double>>& W, CalibrationResult& r) {
    const std::size_t K = c.targets.size(), P = c.parameters.size();
    const auto mean = best.mean();
    r.estimate = best.x;
    r.moments_at_best = mean;
    r.distance_at_best.resize(K);
    for (std::size_t k = 0; k < K; ++k) r.distance_at_best[k] = c.targets[k].distance(mean[k]);
    r.weight = W;
    r.jacobian.assign(K, std::vector<double>(P, kNaN));
    for (std::size_t j = 0; j < P; ++j) {
        const double du = std::min(1.0, ub[j] + c.fd_step) - std::max(0.0, ub[j] - c.fd_step);
        const auto lo = jac[2 * j].mean(), hi = jac[2 * j + 1].mean();
        for (std::size_t k = 0; k < K; ++k)
            r.jacobian[k][j] = (c.targets[k].distance(hi[k]) - c.targets[k].distance(lo[k])) / du;
    }
    // Active moment conditions: defined, and not a one-sided figure met inside its band.
    std::vector<std::size_t> idx;
    r.active.assign(K, false);
    for (std::size_t k = 0; k < K; ++k) {
        bool ok = std::isfinite(r.distance_at_best[k]) && (c.targets[k].two_sided() || r.distance_at_best[k] != 0);
        for (std::size_t j = 0; j < P; ++j) ok = ok && std::isfinite(r.jacobian[k][j]);
        if (ok) {
            idx.push_back(k);
            r.active[k] = true;
        }
    }
    const auto Ka = static_cast<Eigen::Index>(idx.size());
    MatrixXd G(Ka, static_cast<Eigen::Index>(P));
    VectorXd g(Ka);
    for (Eigen::Index k = 0; k < Ka; ++k) {
        g(k) = r.distance_at_best[idx[static_cast<std::size_t>(k)]];
        for (std::size_t j = 0; j < P; ++j)
            G(k, static_cast<Eigen::Index>(j)) = r.jacobian[idx[static_cast<std::size_t>(k)]][j];
    }
    const MatrixXd Wa = to_eigen(W, idx);
    // Sigma = Omega_data + Omega_sim / S: the variance of the reported figures plus that of the
    // simulated mean over S seeds; with Omega_data = Omega_sim this is (1 + 1/S) Omega_sim.
    const auto S = static_cast<double>(best.per_seed.size());
    const MatrixXd Osim = seed_covariance(c, best, idx, &r.diagonal_covariance);
    MatrixXd Odata = Osim;
    if (c.data_variance_from_bands) {
        Odata = MatrixXd::Zero(Ka, Ka);
        for (Eigen::Index k = 0; k < Ka; ++k) Odata(k, k) = 1.0 / c.targets[idx[static_cast<std::size_t>(k)]].weight;
    }
    const MatrixXd Sigma = Odata + Osim / S;
    r.covariance.assign(K, std::vector<double>(K, kNaN));
    for (Eigen::Index i = 0; i < Ka; ++i)
        for (Eigen::Index j = 0; j < Ka; ++j)
            r.covariance[idx[static_cast<std::size_t>(i)]][idx[static_cast<std::size_t>(j)]] = Sigma(i, j);

    std::vector<bool> unidentified;
    identification(sqrt_psd(Wa) * G, r, unidentified);
    std::vector<Eigen::Index> keep;
    for (std::size_t j = 0; j < P; ++j)
        if (!unidentified[j]) keep.push_back(static_cast<Eigen::Index>(j));
    MatrixXd GI(Ka, static_cast<Eigen::Index>(keep.size()));
    for (std::size_t j = 0; j < keep.size(); ++j) GI.col(static_cast<Eigen::Index>(j)) = G.col(keep[j]);
    r.se.assign(P, kNaN);
    r.se_unit.assign(P, kNaN);
    r.identified.assign(P, "no");
    if (keep.empty() || Ka == 0) return;
    const MatrixXd Hinv = (GI.transpose() * Wa * GI).inverse();
    const MatrixXd V = Hinv * GI.transpose() * Wa * Sigma * Wa * GI * Hinv;
    for (std::size_t j = 0; j < keep.size(); ++j) {
        const auto p = static_cast<std::size_t>(keep[j]);
        r.se_unit[p] = std::sqrt(std::max(0.0, V(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j))));
        r.se[p] = r.se_unit[p] * c.parameters[p].dvalue_du(ub[p]);
        r.identified[p] = 2 * r.se_unit[p] > 1 ? "weak" : "yes";
    }
    j_test(GI, Wa, Sigma, Hinv, g, r);
}

}  // namespace talentsim::sweep
