#include "service/worker.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "plan/plan_json.h"
#include "service/model_cache.h"
#include "service/redis_client.h"
#include "service/redis_protocol.h"
#include "service/service_internal.h"

namespace depict::service {
namespace {

using json = nlohmann::json;

struct Cancelled {};

// Thrown from a step when the job's claim has passed to another worker.
struct TakenOver {};

// Renews a running job's claim every heartbeat_ms on a connection of its own, however long a
// step takes: the entry's idle time starts again, so no other worker takes a live job. Only a
// claim still this worker's is renewed (a stalled worker that was taken over must not take the
// job back); then lost() turns true and the job stops.
class Heartbeat {
 public:
  Heartbeat(const WorkerConfig& config, const std::string& consumer, const std::string& entry)
      : thread_([this, config, consumer, entry] {
          static constexpr const char* kRenew = R"(
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1)";
          std::unique_ptr<RedisClient> client;
          std::unique_lock<std::mutex> lock(mu_);
          while (!cv_.wait_for(lock, std::chrono::milliseconds(config.heartbeat_ms),
                               [this] { return done_; })) {
            try {
              if (!client) client = std::make_unique<RedisClient>(ParseRedisUrl(config.queue));
              if (client->Run({"EVAL", kRenew, "1", redis::kJobs, redis::kGroup, entry, consumer})
                      .integer == 0) {
                lost_ = true;
                return;
              }
            } catch (const std::exception& e) {
              std::cerr << "depict worker: heartbeat: " << e.what() << "\n";
              client.reset();
            }
          }
        }) {}
  ~Heartbeat() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  bool lost() const { return lost_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> lost_{false};
  std::thread thread_;  // last: it starts when the rest is ready
};

class Worker {
 public:
  Worker(const WorkerConfig& config, std::shared_ptr<const plan::Planner> planner)
      : config_(config),
        planner_(std::move(planner)),
        client_(ParseRedisUrl(config.queue)),
        models_(config.model, config.checkpoints, config.models_dir,
                config.model_cache_mb * (int64_t{1} << 20)),
        loras_(std::make_shared<diffusion::LoraLibrary>(
            std::vector<std::filesystem::path>(config.lora_dirs.begin(), config.lora_dirs.end()))) {
    consumer_ = config.consumer;
    if (consumer_.empty()) {
      char host[256] = {};
      gethostname(host, sizeof host - 1);
      consumer_ = std::string(host) + "-" + std::to_string(getpid());
    }
    try {
      client_.Run({"XGROUP", "CREATE", redis::kJobs, redis::kGroup, "0", "MKSTREAM"});
    } catch (const RedisError& e) {
      if (std::string(e.what()).find("BUSYGROUP") == std::string::npos) throw;
    }
  }

  const std::string& consumer() const { return consumer_; }

  // One job if there is one (a stale one of a dead worker first); false when none came.
  bool Next() {
    const RedisReply claimed =
        client_.Run({"XAUTOCLAIM", redis::kJobs, redis::kGroup, consumer_,
                     std::to_string(config_.claim_idle_ms), "0-0", "COUNT", "1"});
    std::vector<StreamEntry> entries;
    if (claimed.elements.size() >= 2) entries = StreamEntries(claimed.elements[1]);
    if (entries.empty()) {
      entries = StreamEntries(client_.Run({"XREADGROUP", "GROUP", redis::kGroup, consumer_, "COUNT",
                                           "1", "BLOCK", "1000", "STREAMS", redis::kJobs, ">"}));
    }
    for (const StreamEntry& entry : entries) Process(entry);
    return !entries.empty();
  }

 private:
  void Event(const std::string& job, const char* type, const json& data) {
    client_.Run({"XADD", redis::kEvents, "MAXLEN", "~", redis::kEventsMaxLen, "*", "job", job,
                 "type", type, "data", data.dump(-1, ' ', false, json::error_handler_t::replace)});
  }

  // The job's end and its acknowledgement in one step, and only by the worker that holds the
  // entry: a worker whose claim was taken over (it stalled past claim_idle_ms) ends nothing,
  // so every job ends exactly once. A dead letter is written in the same step.
  void End(const StreamEntry& entry, EngineOutcome outcome, const json& result,
           const std::string& error, bool dead_letter = false) {
    static constexpr const char* kScript = R"(
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
if ARGV[7] == '1' then
  redis.call('XADD', KEYS[3], '*', 'job', ARGV[5], 'params', ARGV[8], 'error', ARGV[9])
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'job', ARGV[5], 'type', 'end',
           'data', ARGV[6])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return 1)";
    const json data = {{"outcome", OutcomeName(outcome)},
                       {"result", result},
                       {"error", error},
                       {"worker", consumer_}};
    const RedisReply done =
        client_.Run({"EVAL", kScript, "3", redis::kJobs, redis::kEvents, redis::kDead,
                     redis::kGroup, entry.id, consumer_, redis::kEventsMaxLen, entry.Field("job"),
                     data.dump(-1, ' ', false, json::error_handler_t::replace),
                     dead_letter ? "1" : "0", entry.Field("params"), error});
    if (done.integer == 0) {
      std::cerr << "depict worker " << consumer_ << ": job " << entry.Field("job")
                << " was taken over by another worker; its result is dropped\n";
    }
  }

  int Deliveries(const std::string& entry_id) {
    const RedisReply r =
        client_.Run({"XPENDING", redis::kJobs, redis::kGroup, entry_id, entry_id, "1"});
    if (r.elements.empty() || r.elements[0].elements.size() < 4) return 1;
    return static_cast<int>(r.elements[0].elements[3].integer);
  }

  bool CancelRequested(const std::string& job) {
    return client_.Run({"EXISTS", redis::CancelKey(job)}).integer > 0;
  }

  void Process(const StreamEntry& entry) {
    const std::string job = entry.Field("job");
    const int deliveries = Deliveries(entry.id);
    if (deliveries > config_.max_deliveries) {
      const std::string error = "gave up after " + std::to_string(deliveries - 1) + " deliveries";
      client_.Run(
          {"XADD", redis::kDead, "*", "job", job, "params", entry.Field("params"), "error", error});
      End(entry, EngineOutcome::kFailed, json(), error);
      return;
    }
    const auto deadline = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(std::atoll(entry.Field("deadline_ms").c_str())));
    if (CancelRequested(job)) return End(entry, EngineOutcome::kCancelled, json(), "");
    if (std::chrono::system_clock::now() > deadline) {
      return End(entry, EngineOutcome::kExpired, json(),
                 "the job's deadline passed before a worker took it");
    }
    Event(job, "start", {{"worker", consumer_}, {"delivery", deliveries}});
    const Heartbeat heartbeat(config_, consumer_, entry.id);
    std::vector<studio::Image> images;
    try {
      Run(entry, job, deadline, heartbeat, images);
      End(entry, EngineOutcome::kCompleted, Result(images, language_), "");
    } catch (const TakenOver&) {
      std::cerr << "depict worker " << consumer_ << ": job " << job
                << " was taken over by another worker; stopped it\n";
    } catch (const Cancelled&) {
      End(entry, EngineOutcome::kCancelled, Result(images, language_), "");
    } catch (const RequestError& e) {
      End(entry, e.type == "timeout" ? EngineOutcome::kExpired : EngineOutcome::kFailed,
          Result(images, language_), e.what());
    } catch (const RedisError&) {
      throw;  // the entry stays pending; another worker (or this one, reconnected) retries it
    } catch (const std::invalid_argument& e) {
      End(entry, EngineOutcome::kFailed, json(), e.what());
    } catch (const plan::InputError& e) {
      End(entry, EngineOutcome::kFailed, json(), e.what());
    }
    // Anything else (out of memory, a crash) leaves the entry pending: it is delivered again,
    // and after max_deliveries it goes to depict:dead.
  }

  static json Result(const std::vector<studio::Image>& images, const std::string& language) {
    return {{"images", ImagesJson(images)}, {"language", language}};
  }

  void Run(const StreamEntry& entry, const std::string& job,
           std::chrono::system_clock::time_point deadline, const Heartbeat& heartbeat,
           std::vector<studio::Image>& images) {
    const GenerateParams params =
        redis::ParamsFromJson(json::parse(entry.Field("params"), nullptr, false));
    studio::Request request = StudioRequest(params);
    request.batch = std::max(1, config_.max_batch);
    studio::Parts parts;
    parts.planner = planner_;
    plan::Plan plan = studio::Studio(parts).Plan(request);
    language_ = std::string(lang::Code(plan.language));
    if (plan.refusal) throw RequestError(400, "refused", "refused: " + plan.refusal->category);
    try {
      parts.model = models_.Get(params.model, parts.model_hash);
    } catch (const UnknownModel& e) {
      throw RequestError(400, "invalid_request", e.what());
    }
    parts.loras = loras_;
    const studio::Studio studio(std::move(parts));
    studio::Callbacks callbacks;
    callbacks.on_step = [&](size_t image, size_t count, int step, int total) {
      Event(job, "step", {{"image", image}, {"images", count}, {"step", step}, {"steps", total}});
      if (heartbeat.lost()) throw TakenOver{};
      if (CancelRequested(job)) throw Cancelled{};
      if (std::chrono::system_clock::now() > deadline) {
        throw RequestError(504, "timeout", "the job's deadline passed before it finished");
      }
    };
    callbacks.on_image = [&images](const studio::Image& image) { images.push_back(image); };
    studio.Generate(request, std::move(plan), callbacks);
  }

  const WorkerConfig config_;
  const std::shared_ptr<const plan::Planner> planner_;
  RedisClient client_;
  ModelCache models_;
  std::shared_ptr<diffusion::LoraLibrary> loras_;
  std::string consumer_, language_;
};

}  // namespace

int RunWorker(const WorkerConfig& config, std::shared_ptr<const plan::Planner> planner,
              const std::atomic<bool>& stop) {
  Worker worker(config, std::move(planner));
  std::cerr << "depict worker " << worker.consumer() << ": waiting for jobs on " << config.queue
            << "\n";
  int ended = 0;
  while (!stop) {
    try {
      ended += worker.Next() ? 1 : 0;
    } catch (const RedisError& e) {
      std::cerr << "depict worker: " << e.what() << "\n";
      return ended;
    } catch (const std::exception& e) {
      // The job stays pending: it is delivered again, and after max_deliveries it goes to
      // depict:dead. This worker goes on with the next.
      std::cerr << "depict worker: a job failed: " << e.what() << "\n";
    }
  }
  return ended;
}

}  // namespace depict::service
