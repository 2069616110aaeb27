// Jobs generated in this process: each becomes an EngineJob on the scheduler, which batches the
// images of every request that can share a UNet batch.
#include <map>

#include "plan/plan_json.h"
#include "service/service_internal.h"

namespace depict::service {
namespace {

class Local : public JobRunner {
 public:
  explicit Local(State& s)
      : state_(s),
        scheduler_(
            static_cast<size_t>(std::max(1, s.config.max_batch)),
            [&s](double seconds) { s.metrics.Step(seconds); },
            [&s](size_t images) { s.metrics.Batch(images); }) {}

  void Start(const std::string& id, const PreparedJob& prepared,
             std::chrono::system_clock::time_point deadline, JobEvents events) override {
    auto job = std::make_shared<EngineJob>();
    job->studio = prepared.studio;
    job->request = prepared.request;
    job->plan = prepared.plan;
    job->engine = job->studio->EngineRequests(job->request, job->plan);
    job->deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        deadline - std::chrono::system_clock::now());
    job->on_start = std::move(events.on_start);
    job->on_step = std::move(events.on_step);
    const std::string language(lang::Code(prepared.plan.language));
    job->on_end = [this, id, language, on_end = std::move(events.on_end)](
                      EngineOutcome outcome, std::vector<studio::Image> images,
                      const std::string& error) {
      for (size_t i = 0; i < images.size(); ++i) state_.metrics.Image();
      {
        std::lock_guard<std::mutex> lock(mu_);
        running_.erase(id);
      }
      on_end(outcome, {{"images", ImagesJson(images)}, {"language", language}}, error);
    };
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_[id] = job;
    }
    scheduler_.Submit(job);
  }

  void Cancel(const std::string& id) override {
    std::shared_ptr<EngineJob> job;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto it = running_.find(id);
      if (it == running_.end()) return;
      job = it->second;
    }
    scheduler_.Cancel(job);
  }

 private:
  State& state_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<EngineJob>> running_;
  Scheduler scheduler_;  // last: its thread stops before the map goes
};

}  // namespace

std::unique_ptr<JobRunner> LocalRunner(State& state) { return std::make_unique<Local>(state); }

}  // namespace depict::service
