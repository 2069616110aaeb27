// What the service's API files share: its state, errors as JSON, the generation every API
// family calls. Not part of the module's interface.
#ifndef DEPICT_SERVICE_SERVICE_INTERNAL_H_
#define DEPICT_SERVICE_SERVICE_INTERNAL_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "diffusion/pipeline.h"
#include "service/generate_params.h"
#include "service/jobs.h"
#include "service/metrics.h"
#include "service/model_cache.h"
#include "service/rate_limiter.h"
#include "service/service.h"
#include "studio/studio.h"

namespace depict::service {

// A request the service will not run: HTTP `status` with {"error": {"type", "message"}}.
class RequestError : public std::runtime_error {
 public:
  RequestError(int status, std::string type, const std::string& message)
      : std::runtime_error(message), status(status), type(std::move(type)) {}
  int status;
  std::string type;
  int retry_after = 0;  // seconds, sent as Retry-After when above 0
};

struct State {
  Config config;
  std::shared_ptr<plan::Planner> planner;
  httplib::Server http;
  std::set<std::string> key_hashes;  // hex SHA-256 of each API key
  std::unique_ptr<ModelCache> models;
  std::string default_model;  // models->default_name()
  std::mutex loras_mu;        // guards the pointer: a reload swaps in a new library
  std::shared_ptr<diffusion::LoraLibrary> loras;
  int port = 0;  // bound
  Metrics metrics;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<JobQueue> jobs;              // its runner stops before the rest goes
  std::unique_ptr<class DiskWatcher> watcher;  // last: stops first
};

// The LoRA library requests use now.
std::shared_ptr<diffusion::LoraLibrary> Loras(State& state);
// Reloads the tables (validated first: a bad set throws and the current one stays), the LoRA
// library and the list of checkpoints (reload.cc).
void ReloadAll(State& state);

// Reloads when a file in one of `dirs` changes (inotify), once the changes have settled.
class DiskWatcher {
 public:
  DiskWatcher(State& state, std::vector<std::string> dirs);  // throws std::runtime_error
  ~DiskWatcher();
  DiskWatcher(const DiskWatcher&) = delete;
  DiskWatcher& operator=(const DiskWatcher&) = delete;
  int watched() const { return watched_; }

 private:
  void Loop();
  State& state_;
  int fd_ = -1;
  int watched_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The JSON error body every API family answers with.
void SendError(httplib::Response& res, int status, const std::string& type,
               const std::string& message);
// The refusal as every API family reports it: 400 with category, clause, message, triggers.
void SendRefusal(State& s, httplib::Response& res, const safety::Refusal& refusal);
// The request body as a JSON object; throws RequestError(400) otherwise.
nlohmann::json ParseBody(const httplib::Request& req);
// Who is asking: the hash of their key, or their address when the service has no keys.
std::string Caller(const State& state, const httplib::Request& req);
// Standard base64 of `bytes` (OpenSSL).

// The checkpoint names a request may use: the default model and the checkpoints folder's
// *.safetensors files (names without the extension).
std::vector<std::string> ModelNames(const State& state);
// What the studio is asked for `params` (the seed drawn when -1); throws RequestError(400).
studio::Request StudioRequest(const GenerateParams& params);
// Checks `params` and plans them: a refusal comes back in the plan (nothing else done), bad
// parameters throw RequestError(400). Otherwise the job is ready for the queue: its studio
// holds the model the request names (loaded once, kept) unless this server's workers generate.
PreparedJob Prepare(State& state, const GenerateParams& params, double* plan_seconds = nullptr);
// Runs a prepared job and waits for it (A1111's and OpenAI's calls): its final status, with
// "result" ({"images": [...]}: ImagesJson's form). A client that disconnects cancels it; a
// failed job throws RequestError with its status (400 a bad request, 504 past its deadline,
// 500 otherwise); a cancelled one (A1111's /interrupt) returns the images done so far.
nlohmann::json RunAndWait(State& state, PreparedJob job, const httplib::Request& req);
// The images of a studio run as the APIs send them: base64 PNG (with A1111's infotext and the
// cast), the prompt the model read, the seed, A1111's infotext and the cast.
nlohmann::json ImagesJson(const std::vector<studio::Image>& images);
// The runner that generates in this process, on the scheduler (scheduler.h).
std::unique_ptr<JobRunner> LocalRunner(State& state);
// The runner that puts jobs on a Redis stream for `depict worker` processes (redis_runner.cc).
std::unique_ptr<JobRunner> RedisRunner(const std::string& url);
// Checks `params` against the configured limits; throws RequestError(400).
void CheckLimits(const Config& config, const GenerateParams& params);
// The A1111 sampler and scheduler names.
nlohmann::json SamplerList();

void RegisterA1111(State& state);
void RegisterOpenAi(State& state);
void RegisterDepict(State& state);
void RegisterJobs(State& state);
void RegisterAssets(State& state);
// The page and the OpenAPI document, served without a key.
bool IsPublicAsset(const std::string& path);

}  // namespace depict::service

#endif  // DEPICT_SERVICE_SERVICE_INTERNAL_H_
