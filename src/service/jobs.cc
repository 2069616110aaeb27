#include "service/jobs.h"

#include <random>

#include "service/service_internal.h"

namespace depict::service {
namespace {

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

JobQueue::JobQueue(State& state, size_t max_queued, size_t keep_finished)
    : state_(state), max_queued_(max_queued), keep_finished_(keep_finished) {
  worker_ = std::thread([this] { Work(); });
}

JobQueue::~JobQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    for (auto& [id, job] : jobs_) job->cancel = true;
  }
  changed_.notify_all();
  worker_.join();
}

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

std::string JobQueue::Submit(const GenerateParams& params, const std::string& owner,
                             int& retry_after) {
  CheckLimits(state_.config, params);
  auto job = std::make_shared<Job>();
  job->id = NewId();
  job->owner = owner;
  job->params = params;
  job->images = params.images;
  job->steps = params.steps;
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= max_queued_) {
    // One job's time, as the last job ran, or a few seconds before any has.
    const double per_job = seconds_per_step_ > 0 ? seconds_per_step_ * params.steps : 5.0;
    retry_after = std::max(1, static_cast<int>(per_job + 0.5));
    throw RequestError(429, "queue_full", "the job queue is full; retry later");
  }
  jobs_[job->id] = job;
  queue_.push_back(job->id);
  changed_.notify_all();
  return job->id;
}

nlohmann::json JobQueue::Snapshot(const Job& job) const {
  nlohmann::json out = {{"id", job.id},       {"status", PhaseName(job.phase)},
                        {"image", job.image}, {"images", job.images},
                        {"step", job.step},   {"steps", job.steps}};
  if (job.phase == Phase::kQueued) {
    size_t position = 0;
    while (position < queue_.size() && queue_[position] != job.id) ++position;
    out["queue_position"] = position;
  }
  if (job.phase == Phase::kRunning && seconds_per_step_ > 0) {
    const int left = (job.images - job.image) * job.steps - job.step;
    out["eta_seconds"] = left * seconds_per_step_;
  }
  if (job.phase == Phase::kCompleted || job.phase == Phase::kCancelled) {
    if (!job.result.is_null()) out["result"] = job.result;
  }
  if (job.phase == Phase::kFailed) out["error"] = job.error;
  return out;
}

std::optional<nlohmann::json> JobQueue::Status(const std::string& id,
                                               const std::string& owner) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->owner != owner) return std::nullopt;
  return Snapshot(*it->second);
}

bool JobQueue::Cancel(const std::string& id, const std::string& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->owner != owner) return false;
  Job& job = *it->second;
  if (job.phase == Phase::kQueued) {
    std::erase(queue_, id);
    Finish(job, Phase::kCancelled);
  } else if (job.phase == Phase::kRunning) {
    job.cancel = true;  // the worker ends it after the current step
  }
  return true;
}

uint64_t JobQueue::WaitForChange(const std::string& id, const std::string& owner, uint64_t version,
                                 std::chrono::milliseconds wait) const {
  std::unique_lock<std::mutex> lock(mu_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->owner != owner) return 0;
  const std::shared_ptr<Job> job = it->second;
  changed_.wait_for(lock, wait, [&] { return job->version != version || stop_; });
  return job->version;
}

int JobQueue::Queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(queue_.size());
}

void JobQueue::Finish(Job& job, Phase phase) {
  job.phase = phase;
  ++job.version;
  finished_.push_back(job.id);
  Forget();
  changed_.notify_all();
}

void JobQueue::Forget() {
  while (finished_.size() > keep_finished_) {
    jobs_.erase(finished_.front());
    finished_.pop_front();
  }
}

void JobQueue::Work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = jobs_[queue_.front()];
      queue_.pop_front();
      job->phase = Phase::kRunning;
      job->started = std::chrono::steady_clock::now();
      ++job->version;
      changed_.notify_all();
    }
    Run(*job);
  }
}

void JobQueue::Run(Job& job) {
  const StepHook hook = [this, &job](int image, int images, int step, int steps) {
    std::lock_guard<std::mutex> lock(mu_);
    job.image = image;
    job.images = images;
    job.step = step;
    job.steps = steps;
    const double done = static_cast<double>(image) * steps + step;
    if (done > 0) {
      seconds_per_step_ =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - job.started).count() /
          done;
    }
    ++job.version;
    changed_.notify_all();
    return !job.cancel;
  };
  nlohmann::json result;
  std::string error;
  Phase phase = Phase::kCompleted;
  try {
    const studio::Result generated = Generate(state_, job.params, job.owner, hook);
    if (generated.refused()) {
      phase = Phase::kFailed;
      error = "refused: " + generated.plan.refusal->category;
    } else {
      result = {{"images", ImagesJson(generated)}};
    }
  } catch (const std::exception& e) {
    phase = Phase::kFailed;
    error = dynamic_cast<const RequestError*>(&e) != nullptr ? e.what() : "internal error";
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (job.cancel && phase == Phase::kCompleted) phase = Phase::kCancelled;
  job.result = std::move(result);
  job.error = std::move(error);
  Finish(job, phase);
}

}  // namespace depict::service
