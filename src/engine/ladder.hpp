// Posted wages of the Burdett-Mortensen equilibrium with heterogeneous employers (eq. 3c of
// docs/model.md; Bontemps, Robin and van den Berg 2000, International Economic Review 41(2)).
#pragma once
#include <span>
#include <vector>

namespace talentsim::ladder {

// The wage each employer posts when its value of a worker is `value[j]` and the offers of the
// market are distributed as the values weighted by `weight` (the month's vacancies), with
// friction kappa = lambda1 / delta and the job seekers' reservation wage b:
//
//   K(v) = v - (1 + kappa G(v))^2 [ integral_{v_min}^{v} (1 + kappa G(x))^-2 dx
//                                   + (v_min - min(b, v_min)) / (1 + kappa)^2 ],
//
// G(x) the weight share of values above x, taken at the mid-rank of an employer's own value (half
// its tie group's weight counts as above). Values must be finite and positive, weights >= 0 with a
// positive sum. Employers of weight 0 are priced against the others.
std::vector<double> posted_wages(std::span<const double> value, std::span<const double> weight, double kappa,
                                 double b);

// Job-to-job moves per separation into non-employment in the steady state of the job ladder at
// friction kappa = lambda1 / delta: (1 + kappa) ln(1 + kappa) / kappa - 1 (0 at kappa = 0).
double job_to_job_ratio(double kappa);

// The friction whose steady state has `job_to_job` moves per `separations` into non-employment
// (the inverse of job_to_job_ratio; Ridder and van den Berg 2003), within [0, kMaxFriction].
inline constexpr double kMaxFriction = 1000;
double friction_from_flows(double job_to_job, double separations);

}  // namespace talentsim::ladder
