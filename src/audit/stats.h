// The statistics every audit figure is made of: a share with its Wilson interval, the
// imbalance measures HEIM and DALL-Eval report, and the divergence of a distribution from the
// deployment's target. Each is a plain function of counts, so each is tested on counts whose
// answer is worked out by hand.
#ifndef DEPICT_AUDIT_STATS_H_
#define DEPICT_AUDIT_STATS_H_

#include <cstdint>
#include <vector>

namespace depict::audit {

// A figure as the summary reports it: its value, a 95% interval and the count behind it.
struct Estimate {
  double value = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  uint64_t n = 0;  // the observations the value rests on
};

// The share `hits / n` with its 95% Wilson score interval (z = 1.959964). n = 0 has no share;
// callers leave such a metric out rather than report 0.
Estimate Share(uint64_t hits, uint64_t n);

// HEIM's and DALL-Eval's gender imbalance |p_woman - 0.5|, with the interval the Wilson
// interval of p_woman maps to (0 when that interval holds 0.5).
Estimate GenderImbalance(uint64_t women, uint64_t n);

// Skin-tone imbalance (1/K) sum_k |p_k - 1/K| over K categories (the ten Monk tones in image
// mode), as DALL-Eval computes it; the interval is a bias-corrected bootstrap over the
// observations (400 multinomial resamples).
Estimate SkinToneImbalance(const std::vector<uint64_t>& counts);

// KL(P || Q) in nats: P the observed shares of `counts`, Q the target weights normalised. When
// the target gives a value no weight, every weight gets eps = sum / (1000 K) first, so a cast
// the target excludes costs much but not infinitely.
double KlDivergence(const std::vector<uint64_t>& counts, const std::vector<double>& target);

// KlDivergence with a 95% bootstrap interval: `resamples` multinomial resamples of the counts,
// deterministic for `seed`, shifted by the bootstrap's bias and widened to hold the value.
Estimate KlEstimate(const std::vector<uint64_t>& counts, const std::vector<double>& target,
                    int resamples = 400, uint64_t seed = 1);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_STATS_H_
