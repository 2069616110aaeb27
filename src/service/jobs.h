// depict's job API underneath: generations queued and run one at a time on the engine, each
// with its own progress, result and cancellation, kept for their caller to fetch.
#ifndef DEPICT_SERVICE_JOBS_H_
#define DEPICT_SERVICE_JOBS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "service/generate_params.h"

namespace depict::service {

struct State;

class JobQueue {
 public:
  // At most `max_queued` jobs wait; `keep_finished` finished jobs stay for their callers.
  JobQueue(State& state, size_t max_queued, size_t keep_finished = 256);
  ~JobQueue();  // cancels the running job and stops the worker
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Queues a generation for `owner` and returns its id. Throws RequestError: 429 when the
  // queue is full (with the seconds to wait in `retry_after`).
  std::string Submit(const GenerateParams& params, const std::string& owner, int& retry_after);
  // The job as its owner sees it (status, queue position, step, ETA, the result when done);
  // nullopt for an unknown id or another caller's job.
  std::optional<nlohmann::json> Status(const std::string& id, const std::string& owner) const;
  // Cancels a queued or running job of `owner`; false if there is none.
  bool Cancel(const std::string& id, const std::string& owner);
  // Waits up to `wait` for the job to change after `version`; returns the job's version then
  // (0 for an unknown id or another caller's job).
  uint64_t WaitForChange(const std::string& id, const std::string& owner, uint64_t version,
                         std::chrono::milliseconds wait) const;
  // Jobs waiting and running, for /metrics.
  int Queued() const;

 private:
  enum class Phase { kQueued, kRunning, kCompleted, kFailed, kCancelled };
  struct Job {
    std::string id, owner;
    GenerateParams params;
    Phase phase = Phase::kQueued;
    int image = 0, images = 0, step = 0, steps = 0;
    std::chrono::steady_clock::time_point started;
    bool cancel = false;
    nlohmann::json result;
    std::string error;
    uint64_t version = 1;
  };
  static const char* PhaseName(Phase phase);
  nlohmann::json Snapshot(const Job& job) const;  // mu_ held
  void Work();
  void Run(Job& job);
  void Finish(Job& job, Phase phase);  // mu_ held
  void Forget();                       // mu_ held: drops the oldest finished jobs

  State& state_;
  const size_t max_queued_, keep_finished_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::deque<std::string> queue_;
  std::deque<std::string> finished_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  double seconds_per_step_ = 0.0;  // the last job's, for ETAs
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace depict::service

#endif  // DEPICT_SERVICE_JOBS_H_
