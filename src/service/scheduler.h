// The engine's scheduler. Generations from every API wait here as images, and one engine thread
// runs them in UNet batches: it takes the oldest waiting image and every waiting image of any
// request that can share its batch (the same loaded model and LoRA library, and
// diffusion::BatchCompatible settings), up to `max_batch`. A model is chosen per request and
// never switched under another; a cancelled or expired request stops after the current step
// (its batch goes on for the others in it).
#ifndef DEPICT_SERVICE_SCHEDULER_H_
#define DEPICT_SERVICE_SCHEDULER_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "studio/studio.h"

namespace depict::service {

// How a request left the engine.
enum class EngineOutcome { kCompleted, kFailed, kCancelled, kExpired };
const char* OutcomeName(EngineOutcome outcome);  // "completed", "failed", "cancelled", "expired"
EngineOutcome OutcomeFromName(const std::string& name);  // anything else: kFailed

struct EngineJob {
  std::shared_ptr<const studio::Studio> studio;  // its model, LoRAs and planner
  studio::Request request;
  plan::Plan plan;
  std::vector<diffusion::GenerationRequest> engine;  // one per image (Studio::EngineRequests)
  std::chrono::steady_clock::time_point deadline;
  // Called on the engine thread (on_end also from Cancel's caller), never under the
  // scheduler's lock. on_end is called exactly once, with the images made so far.
  std::function<void()> on_start;
  std::function<void(int image, int images, int step, int steps)> on_step;
  std::function<void(EngineOutcome, std::vector<studio::Image>, const std::string& error)> on_end;

 private:
  friend class Scheduler;
  size_t next = 0;       // the first image not yet given to the engine
  size_t in_engine = 0;  // images in the running batch
  bool started = false, stopping = false, ended = false;
  EngineOutcome stop_reason = EngineOutcome::kCancelled;
  std::string error;
  std::vector<studio::Image> images;
};

class Scheduler {
 public:
  // `on_step_seconds` (may be null) gets each batch step's wall time and `on_batch` each
  // batch's size, for /metrics.
  explicit Scheduler(size_t max_batch, std::function<void(double)> on_step_seconds = {},
                     std::function<void(size_t)> on_batch = {});
  ~Scheduler();  // waiting requests end cancelled; the running batch finishes its step
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void Submit(std::shared_ptr<EngineJob> job);
  // A waiting request ends now; a running one after the current step.
  void Cancel(const std::shared_ptr<EngineJob>& job);
  size_t max_batch() const { return max_batch_; }

 private:
  struct Slot {
    std::shared_ptr<EngineJob> job;
    size_t index;  // its image
    bool starts;   // the request's first image in the engine
  };
  void Loop();
  std::vector<Slot> TakeBatch();  // mu_ held
  void RunBatch(const std::vector<Slot>& batch);
  // Ends `job` if it has nothing left in the engine and is done or stopping; mu_ held. Returns
  // whether on_end must be called (outside the lock).
  bool ReadyToEnd(EngineJob& job);
  static void End(EngineJob& job);

  const size_t max_batch_;
  const std::function<void(double)> on_step_seconds_;
  const std::function<void(size_t)> on_batch_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<EngineJob>> waiting_;   // requests with images not yet started
  std::vector<std::shared_ptr<EngineJob>> running_;  // requests with images in the engine
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace depict::service

#endif  // DEPICT_SERVICE_SCHEDULER_H_
