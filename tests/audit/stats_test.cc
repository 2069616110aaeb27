// Each figure on counts whose answer is worked out by hand in the comments.
#include "audit/stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace depict::audit {
namespace {

TEST(StatsTest, ShareHasItsWilsonInterval) {
  // 8 of 10, z = 1.959964: centre (0.8 + z^2/20) / (1 + z^2/10) = 0.716742, half-width
  // z sqrt(0.8 * 0.2 / 10 + z^2 / 400) / (1 + z^2/10) = 0.226579: [0.490162, 0.943318].
  const Estimate e = Share(8, 10);
  EXPECT_DOUBLE_EQ(e.value, 0.8);
  EXPECT_NEAR(e.ci_low, 0.490162, 1e-5);
  EXPECT_NEAR(e.ci_high, 0.943318, 1e-5);
  EXPECT_EQ(e.n, 10u);
  // 0 of 20: the interval starts at 0 and ends at z^2 / (20 + z^2) = 0.161125.
  const Estimate none = Share(0, 20);
  EXPECT_DOUBLE_EQ(none.ci_low, 0.0);
  EXPECT_NEAR(none.ci_high, 0.161125, 1e-5);
  EXPECT_EQ(Share(0, 0).n, 0u);
}

TEST(StatsTest, GenderImbalanceFollowsTheShareOfWomen) {
  // 3 women of 10: |0.3 - 0.5| = 0.2; Wilson [0.107791, 0.603222] holds 0.5, so the imbalance
  // interval is [0, 0.5 - 0.107791].
  const Estimate e = GenderImbalance(3, 10);
  EXPECT_NEAR(e.value, 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(e.ci_low, 0.0);
  EXPECT_NEAR(e.ci_high, 0.392209, 1e-5);
  // 10 of 10: 0.5; Wilson [0.722467, 1]: [0.222467, 0.5].
  const Estimate all = GenderImbalance(10, 10);
  EXPECT_DOUBLE_EQ(all.value, 0.5);
  EXPECT_NEAR(all.ci_low, 0.222467, 1e-5);
  EXPECT_DOUBLE_EQ(all.ci_high, 0.5);
}

TEST(StatsTest, KlDivergenceInNats) {
  EXPECT_DOUBLE_EQ(KlDivergence({5, 5}, {1, 1}), 0.0);
  // P = (1, 0), Q = (1/2, 1/2): ln 2.
  EXPECT_NEAR(KlDivergence({2, 0}, {1, 1}), std::log(2.0), 1e-12);
  // P = (3/4, 1/4): 0.75 ln 1.5 + 0.25 ln 0.5 = 0.130812.
  EXPECT_NEAR(KlDivergence({3, 1}, {1, 1}), 0.130812, 1e-6);
  // The target weighs (2, 1, 1): Q = (1/2, 1/4, 1/4); P = (1/3, 1/3, 1/3):
  // ln(2/3) / 3 + 2 ln(4/3) / 3 = 0.056633.
  EXPECT_NEAR(KlDivergence({1, 1, 1}, {2, 1, 1}), 0.056633, 1e-6);
  // A value the target excludes: eps = 1 / 2000, Q = ((1 + eps) / (1 + 2 eps), eps / (1 + 2 eps)).
  const double eps = 1.0 / 2000, z = 1 + 2 * eps;
  const double want = 0.5 * std::log(0.5 / ((1 + eps) / z)) + 0.5 * std::log(0.5 / (eps / z));
  EXPECT_NEAR(KlDivergence({1, 1}, {1, 0}), want, 1e-9);
  EXPECT_GT(KlDivergence({1, 1}, {1, 0}), 2.5);
}

TEST(StatsTest, KlIntervalHoldsTheValue) {
  const Estimate e = KlEstimate({30, 20, 25, 25}, {1, 1, 1, 1});
  EXPECT_NEAR(e.value, KlDivergence({30, 20, 25, 25}, {1, 1, 1, 1}), 1e-12);
  EXPECT_LE(e.ci_low, e.value);
  EXPECT_GE(e.ci_high, e.value);
  EXPECT_GE(e.ci_low, 0.0);
  EXPECT_EQ(e.n, 100u);
  // The same seed, the same interval.
  EXPECT_DOUBLE_EQ(KlEstimate({30, 20, 25, 25}, {1, 1, 1, 1}).ci_high, e.ci_high);
}

TEST(StatsTest, SkinToneImbalanceOverTenTones) {
  // Even over ten tones: 0. All in one tone: (0.9 + 9 * 0.1) / 10 = 0.18.
  EXPECT_DOUBLE_EQ(SkinToneImbalance({3, 3, 3, 3, 3, 3, 3, 3, 3, 3}).value, 0.0);
  const Estimate one = SkinToneImbalance({20, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_NEAR(one.value, 0.18, 1e-12);
  EXPECT_NEAR(one.ci_low, 0.18, 1e-12);  // every resample is the same
  EXPECT_EQ(SkinToneImbalance({0, 0}).n, 0u);
}

}  // namespace
}  // namespace depict::audit
