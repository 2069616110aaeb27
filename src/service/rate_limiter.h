// Per-caller rate limits: a token bucket for each API key (or address, without keys) that
// holds `burst` requests and refills at `per_minute`. Thread-safe.
#ifndef DEPICT_SERVICE_RATE_LIMITER_H_
#define DEPICT_SERVICE_RATE_LIMITER_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace depict::service {

class RateLimiter {
 public:
  // `per_minute` 0 turns limiting off.
  RateLimiter(int per_minute, int burst);
  // Takes one request from `caller`'s bucket at `now`. Returns 0 when allowed, else the whole
  // seconds until one is (for Retry-After).
  int Take(const std::string& caller, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  double per_second_;
  double burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace depict::service

#endif  // DEPICT_SERVICE_RATE_LIMITER_H_
