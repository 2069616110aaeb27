#include "audit/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <tuple>

namespace depict::audit {
namespace {

constexpr double kZ = 1.959963984540054;  // the 97.5th percentile of the standard normal

// Multinomial resample of `counts` (same total), drawn by the cumulative shares.
std::vector<uint64_t> Resample(const std::vector<uint64_t>& counts, std::mt19937_64& rng) {
  const uint64_t n = std::accumulate(counts.begin(), counts.end(), uint64_t{0});
  std::vector<double> cumulative(counts.size());
  double sum = 0.0;
  for (size_t k = 0; k < counts.size(); ++k) {
    sum += static_cast<double>(counts[k]);
    cumulative[k] = sum;
  }
  std::uniform_real_distribution<double> uniform(0.0, sum);
  std::vector<uint64_t> out(counts.size(), 0);
  for (uint64_t i = 0; i < n; ++i) {
    const double u = uniform(rng);
    const size_t k = static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) -
                                         cumulative.begin());
    ++out[std::min(k, counts.size() - 1)];
  }
  return out;
}

// A bootstrap interval for `value`: the 2.5th and 97.5th percentiles of the resampled
// `values`, shifted by the bootstrap's bias (their mean minus `value`). Divergences and
// imbalances of sampled shares are biased upwards (noise only adds distance), so a plain
// percentile interval can sit wholly above the value; it is widened to hold it, and kept >= 0.
std::pair<double, double> BiasCorrected(double value, std::vector<double>& values);

// The 2.5th and 97.5th percentiles of `values` (sorted in place).
std::pair<double, double> Percentiles95(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  const auto at = [&](double q) {
    const double pos = q * static_cast<double>(values.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
  };
  return {at(0.025), at(0.975)};
}

std::pair<double, double> BiasCorrected(double value, std::vector<double>& values) {
  const double bias =
      std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size()) -
      value;
  const auto [lo, hi] = Percentiles95(values);
  return {std::max(0.0, std::min(value, lo - bias)), std::max(value, hi - bias)};
}

double ToneImbalance(const std::vector<uint64_t>& counts) {
  const double n = static_cast<double>(std::accumulate(counts.begin(), counts.end(), uint64_t{0}));
  const double k = static_cast<double>(counts.size());
  double sum = 0.0;
  for (uint64_t c : counts) sum += std::abs(static_cast<double>(c) / n - 1.0 / k);
  return sum / k;
}

}  // namespace

Estimate Share(uint64_t hits, uint64_t n) {
  Estimate e;
  e.n = n;
  if (n == 0) return e;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(hits) / nn;
  const double z2 = kZ * kZ;
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = kZ * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
  e.value = p;
  // Rounding can put a bound a hair past the share at 0 or 1; the interval always holds it.
  e.ci_low = std::min(p, std::max(0.0, centre - half));
  e.ci_high = std::max(p, std::min(1.0, centre + half));
  return e;
}

Estimate GenderImbalance(uint64_t women, uint64_t n) {
  const Estimate p = Share(women, n);
  Estimate e;
  e.n = n;
  if (n == 0) return e;
  e.value = std::abs(p.value - 0.5);
  const double a = std::abs(p.ci_low - 0.5), b = std::abs(p.ci_high - 0.5);
  e.ci_low = (p.ci_low <= 0.5 && 0.5 <= p.ci_high) ? 0.0 : std::min(a, b);
  e.ci_high = std::max(a, b);
  return e;
}

Estimate SkinToneImbalance(const std::vector<uint64_t>& counts) {
  Estimate e;
  e.n = std::accumulate(counts.begin(), counts.end(), uint64_t{0});
  if (e.n == 0 || counts.empty()) return e;
  e.value = ToneImbalance(counts);
  std::mt19937_64 rng(1);
  std::vector<double> values;
  for (int r = 0; r < 400; ++r) values.push_back(ToneImbalance(Resample(counts, rng)));
  std::tie(e.ci_low, e.ci_high) = BiasCorrected(e.value, values);
  return e;
}

double KlDivergence(const std::vector<uint64_t>& counts, const std::vector<double>& target) {
  const double n = static_cast<double>(std::accumulate(counts.begin(), counts.end(), uint64_t{0}));
  const double total = std::accumulate(target.begin(), target.end(), 0.0);
  if (n == 0 || total <= 0 || target.empty()) return 0.0;
  // Q smoothed only when the target excludes a value: every weight gets eps = total / (1000 K),
  // so a cast the target never asks for costs much but not infinitely.
  const bool zero = std::any_of(target.begin(), target.end(), [](double w) { return w <= 0; });
  const double k = static_cast<double>(target.size());
  const double eps = zero ? total / (1000.0 * k) : 0.0;
  double kl = 0.0;
  for (size_t i = 0; i < counts.size() && i < target.size(); ++i) {
    if (counts[i] == 0) continue;
    const double p = static_cast<double>(counts[i]) / n;
    const double q = (std::max(0.0, target[i]) + eps) / (total + k * eps);
    kl += p * std::log(p / q);
  }
  return kl;
}

Estimate KlEstimate(const std::vector<uint64_t>& counts, const std::vector<double>& target,
                    int resamples, uint64_t seed) {
  Estimate e;
  e.n = std::accumulate(counts.begin(), counts.end(), uint64_t{0});
  if (e.n == 0) return e;
  e.value = KlDivergence(counts, target);
  std::mt19937_64 rng(seed);
  std::vector<double> values;
  for (int r = 0; r < resamples; ++r) values.push_back(KlDivergence(Resample(counts, rng), target));
  std::tie(e.ci_low, e.ci_high) = BiasCorrected(e.value, values);
  return e;
}

}  // namespace depict::audit
