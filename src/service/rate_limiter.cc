#include "service/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace depict::service {

// A caller idle this long has a full bucket again; its entry is dropped so that the map only
// holds callers seen recently.
constexpr auto kForgetAfter = std::chrono::minutes(10);
constexpr size_t kSweepAt = 4096;

RateLimiter::RateLimiter(int per_minute, int burst)
    : per_second_(per_minute / 60.0), burst_(std::max(1, burst)) {}

int RateLimiter::Take(const std::string& caller, std::chrono::steady_clock::time_point now) {
  if (per_second_ <= 0) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() >= kSweepAt) {
    std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.at > kForgetAfter; });
  }
  auto [it, fresh] = buckets_.try_emplace(caller);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = burst_;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
  }
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / per_second_)));
}

}  // namespace depict::service
