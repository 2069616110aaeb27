#include "service/jobs.h"

#include <random>

#include "service/service_internal.h"

namespace depict::service {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string NewId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  uint64_t bits = rng();
  for (char& c : id) {
    c = kHex[bits & 15];
    bits >>= 4;
  }
  return id;
}

}  // namespace

JobQueue::JobQueue(std::unique_ptr<JobRunner> runner, JobLimits limits)
    : runner_(std::move(runner)), limits_(limits) {}

JobQueue::~JobQueue() { runner_.reset(); }

const char* JobQueue::PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kQueued:
      return "queued";
    case Phase::kRunning:
      return "running";
    case Phase::kCompleted:
      return "completed";
    case Phase::kFailed:
      return "failed";
    case Phase::kCancelled:
      return "cancelled";
  }
  return "failed";
}

JobEvents JobQueue::EventsFor(const std::shared_ptr<Job>& job) {
  JobEvents events;
  events.on_start = [this, job] {
    std::lock_guard<std::mutex> lock(mu_);
    if (job->phase != Phase::kQueued) return;
    std::erase(queue_, job->id);
    job->phase = Phase::kRunning;
    job->started = Clock::now();
    ++job->version;
    changed_.notify_all();
  };
  events.on_step = [this, job](int image, int images, int step, int steps) {
    std::lock_guard<std::mutex> lock(mu_);
    job->image = image;
    job->images = images;
    job->step = step;
    job->steps = steps;
    const double done = static_cast<double>(image) * steps + step;
    if (done > 0) {
      seconds_per_step_ = std::chrono::duration<double>(Clock::now() - job->started).count() / done;
    }
    ++job->version;
    changed_.notify_all();
  };
  events.on_end = [this, job](EngineOutcome outcome, json result, std::string error) {
    std::lock_guard<std::mutex> lock(mu_);
    if (job->phase == Phase::kCompleted || job->phase == Phase::kFailed ||
        job->phase == Phase::kCancelled) {
      return;
    }
    std::erase(queue_, job->id);
    if (limits_.on_ended) limits_.on_ended(OutcomeName(outcome));
    job->result = std::move(result);
    Phase phase = Phase::kCompleted;
    if (outcome == EngineOutcome::kCancelled) phase = Phase::kCancelled;
    if (outcome == EngineOutcome::kFailed || outcome == EngineOutcome::kExpired) {
      phase = Phase::kFailed;
      job->error = error.empty() ? "internal error" : error;
      job->error_type = outcome == EngineOutcome::kExpired    ? "timeout"
                        : job->error == "internal error"      ? "internal"
                        : job->error.rfind("refused", 0) == 0 ? "refused"
                                                              : "invalid_request";
    }
    Finish(*job, phase);
  };
  return events;
}

std::string JobQueue::Submit(PreparedJob prepared, const std::string& owner) {
  auto job = std::make_shared<Job>();
  job->id = NewId();
  job->owner = owner;
  job->images = prepared.params.images;
  job->steps = prepared.params.steps;
  job->submitted = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= limits_.max_queued) {
      // One job's time, as the last job ran, or a few seconds before any has.
      const double per_job =
          seconds_per_step_ > 0 ? seconds_per_step_ * prepared.params.steps : 5.0;
      RequestError full(429, "queue_full", "the job queue is full; retry later");
      full.retry_after = std::max(1, static_cast<int>(per_job + 0.5));
      throw full;
    }
    jobs_[job->id] = job;
    queue_.push_back(job->id);
  }
  runner_->Start(job->id, prepared, std::chrono::system_clock::now() + limits_.timeout,
                 EventsFor(job));
  return job->id;
}

json JobQueue::Snapshot(const Job& job) const {
  json out = {{"id", job.id},       {"status", PhaseName(job.phase)},
              {"image", job.image}, {"images", job.images},
              {"step", job.step},   {"steps", job.steps}};
  if (job.phase == Phase::kQueued) {
    size_t position = 0;
    while (position < queue_.size() && queue_[position] != job.id) ++position;
    out["queue_position"] = position;
  }
  if (job.phase == Phase::kRunning && seconds_per_step_ > 0) {
    const int left = (job.images - job.image) * job.steps - job.step;
    out["eta_seconds"] = std::max(0, left) * seconds_per_step_;
  }
  if (!job.result.is_null()) out["result"] = job.result;
  if (job.phase == Phase::kFailed) {
    out["error"] = job.error;
    out["error_type"] = job.error_type;
  }
  return out;
}

std::optional<json> JobQueue::Status(const std::string& id, const std::string& owner) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->owner != owner) return std::nullopt;
  return Snapshot(*it->second);
}

bool JobQueue::Cancel(const std::string& id, const std::string& owner) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second->owner != owner) return false;
    const Phase phase = it->second->phase;
    if (phase != Phase::kQueued && phase != Phase::kRunning) return true;
  }
  runner_->Cancel(id);  // its on_end finishes the job
  return true;
}

int JobQueue::CancelRunning(const std::string& owner) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, job] : jobs_) {
      if (job->owner == owner && job->phase == Phase::kRunning) ids.push_back(id);
    }
  }
  for (const std::string& id : ids) runner_->Cancel(id);
  return static_cast<int>(ids.size());
}

json JobQueue::Wait(const std::string& id, const std::string& owner,
                    const std::function<bool()>& still_wanted) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto it = jobs_.find(id);
      if (it == jobs_.end() || it->second->owner != owner) {
        throw RequestError(500, "internal", "internal error");
      }
      const std::shared_ptr<Job> job = it->second;
      const auto done = [&job] {
        return job->phase != Phase::kQueued && job->phase != Phase::kRunning;
      };
      if (changed_.wait_for(lock, std::chrono::milliseconds(250), done)) return Snapshot(*job);
    }
    if (still_wanted && !still_wanted()) runner_->Cancel(id);
  }
}

uint64_t JobQueue::WaitForChange(const std::string& id, const std::string& owner, uint64_t version,
                                 std::chrono::milliseconds wait) const {
  std::unique_lock<std::mutex> lock(mu_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->owner != owner) return 0;
  const std::shared_ptr<Job> job = it->second;
  changed_.wait_for(lock, wait, [&] { return job->version != version; });
  return job->version;
}

std::optional<json> JobQueue::ProgressFor(const std::string& owner) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Job* pick = nullptr;
  for (const auto& [id, job] : jobs_) {
    const bool active = job->phase == Phase::kRunning || job->phase == Phase::kQueued;
    if (!active) continue;
    if (job->owner == owner &&
        (pick == nullptr || pick->owner != owner || job->phase == Phase::kRunning)) {
      pick = job.get();
    } else if (pick == nullptr && job->phase == Phase::kRunning) {
      pick = job.get();
    }
  }
  if (pick == nullptr) return std::nullopt;
  json out = Snapshot(*pick);
  out["elapsed_seconds"] =
      std::chrono::duration<double>(
          Clock::now() - (pick->phase == Phase::kRunning ? pick->started : pick->submitted))
          .count();
  return out;
}

int JobQueue::Queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(queue_.size());
}

int JobQueue::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  int running = 0;
  for (const auto& [id, job] : jobs_) running += job->phase == Phase::kRunning;
  return running;
}

void JobQueue::Finish(Job& job, Phase phase) {
  job.phase = phase;
  ++job.version;
  finished_.push_back(job.id);
  Forget();
  changed_.notify_all();
}

void JobQueue::Forget() {
  while (finished_.size() > limits_.keep_finished) {
    jobs_.erase(finished_.front());
    finished_.pop_front();
  }
}

}  // namespace depict::service
