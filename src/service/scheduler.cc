#include "service/scheduler.h"

#include <algorithm>
#include <iostream>

namespace depict::service {
namespace {

using Clock = std::chrono::steady_clock;

// Thrown from the step callback when every request in the batch has stopped.
struct BatchStopped {};

// A request the engine would refuse (a prompt too long to encode) shares no batch: it runs
// alone and fails alone.
bool Batchable(const diffusion::StableDiffusion& model, const diffusion::GenerationRequest& a,
               const diffusion::GenerationRequest& b) {
  try {
    return model.CanBatch(a, b);
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

const char* OutcomeName(EngineOutcome outcome) {
  switch (outcome) {
    case EngineOutcome::kCompleted:
      return "completed";
    case EngineOutcome::kFailed:
      return "failed";
    case EngineOutcome::kCancelled:
      return "cancelled";
    case EngineOutcome::kExpired:
      return "expired";
  }
  return "failed";
}

EngineOutcome OutcomeFromName(const std::string& name) {
  if (name == "completed") return EngineOutcome::kCompleted;
  if (name == "cancelled") return EngineOutcome::kCancelled;
  if (name == "expired") return EngineOutcome::kExpired;
  return EngineOutcome::kFailed;
}

Scheduler::Scheduler(size_t max_batch, std::function<void(double)> on_step_seconds,
                     std::function<void(size_t)> on_batch)
    : max_batch_(std::max<size_t>(1, max_batch)),
      on_step_seconds_(std::move(on_step_seconds)),
      on_batch_(std::move(on_batch)) {
  thread_ = std::thread([this] { Loop(); });
}

Scheduler::~Scheduler() {
  std::vector<std::shared_ptr<EngineJob>> ending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    for (const auto& job : running_) {
      job->stopping = true;
      job->stop_reason = EngineOutcome::kCancelled;
    }
    for (const auto& job : waiting_) {
      job->stopping = true;
      job->stop_reason = EngineOutcome::kCancelled;
      if (ReadyToEnd(*job)) ending.push_back(job);
    }
    waiting_.clear();
  }
  wake_.notify_all();
  thread_.join();
  for (const auto& job : ending) End(*job);
}

void Scheduler::Submit(std::shared_ptr<EngineJob> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (job->engine.empty() || stop_) {
      job->ended = true;
    } else {
      waiting_.push_back(job);
    }
  }
  if (job->ended) {
    if (job->on_end) job->on_end(EngineOutcome::kCompleted, {}, "");
    return;
  }
  wake_.notify_all();
}

void Scheduler::Cancel(const std::shared_ptr<EngineJob>& job) {
  bool end = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (job->ended || job->stopping) return;
    job->stopping = true;
    job->stop_reason = EngineOutcome::kCancelled;
    end = ReadyToEnd(*job);
  }
  if (end) End(*job);
}

bool Scheduler::ReadyToEnd(EngineJob& job) {
  if (job.ended || job.in_engine > 0) return false;
  if (!job.stopping && job.next < job.engine.size()) return false;
  job.ended = true;
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->get() == &job) {
      waiting_.erase(it);
      break;
    }
  }
  std::erase_if(running_, [&job](const auto& j) { return j.get() == &job; });
  return true;
}

void Scheduler::End(EngineJob& job) {
  if (!job.on_end) return;
  const EngineOutcome outcome = job.stopping ? job.stop_reason : EngineOutcome::kCompleted;
  job.on_end(outcome, std::move(job.images), job.error);
}

std::vector<Scheduler::Slot> Scheduler::TakeBatch() {
  std::vector<Slot> batch;
  if (waiting_.empty()) return batch;
  const EngineJob& head = *waiting_.front();
  const diffusion::GenerationRequest& first = head.engine[head.next];
  const studio::Parts& parts = head.studio->parts();
  for (auto it = waiting_.begin(); it != waiting_.end() && batch.size() < max_batch_;) {
    EngineJob& job = **it;
    const bool same_engine =
        job.studio->parts().model == parts.model && job.studio->parts().loras == parts.loras;
    bool took = false;
    while (same_engine && job.next < job.engine.size() && batch.size() < max_batch_ &&
           (batch.empty() || Batchable(*parts.model, first, job.engine[job.next]))) {
      batch.push_back({*it, job.next++, !job.started});
      job.started = true;
      ++job.in_engine;
      took = true;
    }
    if (took && std::find(running_.begin(), running_.end(), *it) == running_.end()) {
      running_.push_back(*it);
    }
    it = job.next == job.engine.size() ? waiting_.erase(it) : it + 1;
  }
  return batch;
}

void Scheduler::Loop() {
  for (;;) {
    std::vector<Slot> batch;
    std::vector<std::shared_ptr<EngineJob>> expired;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stop_ || !waiting_.empty(); });
      if (stop_) return;
      const auto now = Clock::now();
      for (const auto& job :
           std::vector<std::shared_ptr<EngineJob>>(waiting_.begin(), waiting_.end())) {
        if (job->deadline >= now || job->stopping) continue;
        job->stopping = true;
        job->stop_reason = EngineOutcome::kExpired;
        job->error = "the job's deadline passed before it finished";
        if (ReadyToEnd(*job)) expired.push_back(job);
      }
      batch = TakeBatch();
    }
    for (const auto& job : expired) End(*job);
    if (!batch.empty()) RunBatch(batch);
  }
}

void Scheduler::RunBatch(const std::vector<Slot>& batch) {
  // The requests in the batch, each with its first image in it.
  std::vector<std::pair<std::shared_ptr<EngineJob>, size_t>> jobs;
  std::vector<diffusion::GenerationRequest> requests;
  for (const Slot& slot : batch) {
    if (slot.starts && slot.job->on_start) slot.job->on_start();
    if (jobs.empty() || jobs.back().first != slot.job) jobs.emplace_back(slot.job, slot.index);
    requests.push_back(slot.job->engine[slot.index]);
  }
  const studio::Parts& parts = batch.front().job->studio->parts();
  if (on_batch_) on_batch_(batch.size());
  auto last = Clock::now();
  const diffusion::StepCallback on_step = [&](int step, int total) {
    const auto now = Clock::now();
    if (on_step_seconds_) on_step_seconds_(std::chrono::duration<double>(now - last).count());
    last = now;
    std::vector<std::pair<std::shared_ptr<EngineJob>, size_t>> going;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [job, index] : jobs) {
        if (!job->stopping && job->deadline < now) {
          job->stopping = true;
          job->stop_reason = EngineOutcome::kExpired;
          job->error = "the job's deadline passed before it finished";
        }
        if (!job->stopping) going.emplace_back(job, index);
      }
    }
    if (going.empty()) throw BatchStopped{};
    for (const auto& [job, index] : going) {
      if (job->on_step) {
        job->on_step(static_cast<int>(index), static_cast<int>(job->engine.size()), step, total);
      }
    }
  };
  std::vector<diffusion::GeneratedImage> made;
  std::string error;
  try {
    made = parts.model->GenerateBatch(requests, parts.loras.get(), on_step);
  } catch (const BatchStopped&) {
  } catch (const std::invalid_argument& e) {  // GenerationError, PromptError: the request's
    error = e.what();
  } catch (const std::exception& e) {
    std::cerr << "depict serve: engine error: " << e.what() << "\n";
    error = "internal error";
  }
  // Which requests still want their images (Cancel may stop one from another thread).
  std::vector<bool> wanted(made.size());
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < made.size(); ++i) wanted[i] = !batch[i].job->stopping;
  }
  for (size_t i = 0; i < made.size(); ++i) {
    EngineJob& job = *batch[i].job;
    if (!wanted[i]) continue;
    try {
      job.images.push_back(job.studio->Finish(job.request, job.plan, batch[i].index, requests[i],
                                              std::move(made[i])));
    } catch (const std::exception& e) {
      std::cerr << "depict serve: finishing an image: " << e.what() << "\n";
      if (error.empty()) error = "internal error";
    }
  }
  std::vector<std::shared_ptr<EngineJob>> ending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Slot& slot : batch) --slot.job->in_engine;
    for (const auto& [job, index] : jobs) {
      if (!error.empty() && !job->stopping) {
        job->stopping = true;
        job->stop_reason = EngineOutcome::kFailed;
        job->error = error;
      }
      if (ReadyToEnd(*job)) ending.push_back(job);
    }
  }
  for (const auto& job : ending) End(*job);
}

}  // namespace depict::service
