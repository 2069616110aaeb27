// The service's rate limiter and metrics, alone (the HTTP side is tests/service/service_test.py).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "service/metrics.h"
#include "service/rate_limiter.h"

namespace depict::service {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimiterTest, ABurstThenTheRatePerCaller) {
  RateLimiter limiter(60, 3);  // one a second, three at once
  const auto t0 = std::chrono::steady_clock::time_point{} + seconds(1000);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", t0), 0) << i;
  EXPECT_EQ(limiter.Take("a", t0), 1);  // empty: retry in a second
  EXPECT_EQ(limiter.Take("b", t0), 0);  // another caller has its own bucket
  EXPECT_EQ(limiter.Take("a", t0 + milliseconds(500)), 1);
  EXPECT_EQ(limiter.Take("a", t0 + milliseconds(1600)), 0);  // refilled by then
  EXPECT_EQ(limiter.Take("a", t0 + milliseconds(1700)), 1);
  // A long pause refills only up to the burst.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", t0 + seconds(100)), 0) << i;
  EXPECT_GT(limiter.Take("a", t0 + seconds(100)), 0);
}

TEST(RateLimiterTest, ZeroMeansNoLimit) {
  RateLimiter limiter(0, 1);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.Take("a", t0), 0);
}

TEST(MetricsTest, PrometheusTextCountsWhatHappened) {
  Metrics m;
  m.Responded(200);
  m.Responded(200);
  m.Responded(429);
  m.Refused("hate");
  m.Planned();
  m.Step(0.25);
  m.Step(0.5);
  m.Image();
  m.Reloaded(true);
  m.Reloaded(false);
  m.RateLimited();
  const std::string text = m.Text(2, 1);
  for (const char* line :
       {"depict_http_responses_total{code=\"200\"} 2\n",
        "depict_http_responses_total{code=\"429\"} 1\n",
        "depict_refusals_total{category=\"hate\"} 1\n", "depict_plans_total 1\n",
        "depict_steps_total 2\n", "depict_step_seconds_total 0.75\n", "depict_images_total 1\n",
        "depict_reloads_total{result=\"ok\"} 1\n", "depict_reloads_total{result=\"rejected\"} 1\n",
        "depict_rate_limited_total 1\n", "depict_jobs{state=\"queued\"} 2\n",
        "depict_jobs{state=\"running\"} 1\n", "# TYPE depict_jobs gauge\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

}  // namespace
}  // namespace depict::service
