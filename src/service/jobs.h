// Every generation the service runs is a job, whichever API asked for it: checked and planned
// first (a refused prompt never becomes one), then queued on a runner (this process's engine,
// or workers on a Redis stream), with its own progress, deadline, result and cancellation, kept
// for its caller to fetch. A1111's and OpenAI's synchronous calls are jobs their handler waits
// for.
#ifndef DEPICT_SERVICE_JOBS_H_
#define DEPICT_SERVICE_JOBS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "service/generate_params.h"
#include "service/scheduler.h"
#include "studio/studio.h"

namespace depict::service {

// A generation ready to run: within the limits, planned and not refused, its model chosen.
struct PreparedJob {
  GenerateParams params;
  std::shared_ptr<const studio::Studio> studio;  // null on a server whose workers generate
  studio::Request request;
  plan::Plan plan;
};

// What a runner reports of a job; on_end exactly once, with the result made so far
// ({"images": [...], "language": ...}, ImagesJson's form) and, when it failed, why.
struct JobEvents {
  std::function<void()> on_start;
  std::function<void(int image, int images, int step, int steps)> on_step;
  std::function<void(EngineOutcome, nlohmann::json result, std::string error)> on_end;
};

// Where jobs run.
class JobRunner {
 public:
  virtual ~JobRunner() = default;
  virtual void Start(const std::string& id, const PreparedJob& job,
                     std::chrono::system_clock::time_point deadline, JobEvents events) = 0;
  // Stops a job of Start's: at once when it waits, after the current step when it runs.
  virtual void Cancel(const std::string& id) = 0;
};

struct JobLimits {
  size_t max_queued = 16;             // jobs waiting (not yet running); more are answered 429
  std::chrono::seconds timeout{600};  // from submission to the last image
  size_t keep_finished = 256;         // finished jobs kept for their callers
  std::function<void(const char* outcome)> on_ended;  // for /metrics; may be null
};

class JobQueue {
 public:
  JobQueue(std::unique_ptr<JobRunner> runner, JobLimits limits);
  ~JobQueue();  // stops the runner first: its last reports still find the queue
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Queues `job` for `owner` and returns its id. Throws RequestError 429 (with retry_after)
  // when the queue is full.
  std::string Submit(PreparedJob job, const std::string& owner);
  // The job as its owner sees it (status, queue position, step, ETA, the result or the error
  // when done); nullopt for an unknown id or another caller's job.
  std::optional<nlohmann::json> Status(const std::string& id, const std::string& owner) const;
  // Cancels a queued or running job of `owner`; false if there is none.
  bool Cancel(const std::string& id, const std::string& owner);
  // Cancels every running job of `owner` (A1111's /interrupt); how many.
  int CancelRunning(const std::string& owner);
  // Waits for the job to end and returns its last status; asks `still_wanted` about every
  // quarter second and cancels the job when it says no (its client has gone).
  nlohmann::json Wait(const std::string& id, const std::string& owner,
                      const std::function<bool()>& still_wanted);
  // Waits up to `wait` for the job to change after `version`; returns the job's version then
  // (0 for an unknown id or another caller's job).
  uint64_t WaitForChange(const std::string& id, const std::string& owner, uint64_t version,
                         std::chrono::milliseconds wait) const;
  // A1111's /progress: the caller's running or waiting job, else any running one.
  std::optional<nlohmann::json> ProgressFor(const std::string& owner) const;
  int Queued() const;
  int Running() const;

 private:
  enum class Phase { kQueued, kRunning, kCompleted, kFailed, kCancelled };
  struct Job {
    std::string id, owner;
    Phase phase = Phase::kQueued;
    int image = 0, images = 0, step = 0, steps = 0;
    std::chrono::steady_clock::time_point submitted, started;
    nlohmann::json result;
    std::string error, error_type;
    uint64_t version = 1;
  };
  static const char* PhaseName(Phase phase);
  nlohmann::json Snapshot(const Job& job) const;  // mu_ held
  JobEvents EventsFor(const std::shared_ptr<Job>& job);
  void Finish(Job& job, Phase phase);  // mu_ held
  void Forget();                       // mu_ held: drops the oldest finished jobs

  std::unique_ptr<JobRunner> runner_;
  const JobLimits limits_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::deque<std::string> queue_;     // waiting, oldest first
  std::deque<std::string> finished_;  // oldest first
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  double seconds_per_step_ = 0.0;  // the last running job's, for ETAs and Retry-After
};

}  // namespace depict::service

#endif  // DEPICT_SERVICE_JOBS_H_
