// What `GET /metrics` reports, in Prometheus' text format: requests by status, plans,
// refusals by category, images, steps and their seconds, reloads, rate-limited requests, and
// the queue's depth. Counters are updated by the API files as requests are served.
#ifndef DEPICT_SERVICE_METRICS_H_
#define DEPICT_SERVICE_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace depict::service {

class Metrics {
 public:
  void Responded(int status);
  void Refused(const std::string& category);
  void Planned() { ++plans_; }
  void Step(double seconds);
  void Image() { ++images_; }
  void Batch(size_t images) {
    ++batches_;
    batch_images_ += images;
  }
  void JobEnded(const std::string& outcome);  // completed, failed, cancelled, expired
  void Reloaded(bool ok) { ++(ok ? reloads_ok_ : reloads_failed_); }
  void RateLimited() { ++rate_limited_; }
  // The text of /metrics; `queued` jobs wait for the engine, `running` hold it.
  std::string Text(int queued, int running) const;

 private:
  std::atomic<uint64_t> plans_{0}, images_{0}, steps_{0}, step_nanos_{0};
  std::atomic<uint64_t> reloads_ok_{0}, reloads_failed_{0}, rate_limited_{0};
  std::atomic<uint64_t> batches_{0}, batch_images_{0};
  mutable std::mutex mu_;
  std::map<int, uint64_t> responses_;         // by HTTP status
  std::map<std::string, uint64_t> refusals_;  // by category
  std::map<std::string, uint64_t> ended_;     // jobs by outcome
};

}  // namespace depict::service

#endif  // DEPICT_SERVICE_METRICS_H_
