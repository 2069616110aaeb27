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
#include <vector>

#include "diffusion/pipeline.h"
#include "service/generate_params.h"
#include "service/jobs.h"
#include "service/metrics.h"
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
};

// What one job is doing, for /sdapi/v1/progress and /interrupt.
struct Progress {
  std::mutex mu;
  std::string owner;  // who asked: a key's hash, or the client's address without keys
  int job_count = 0;
  int image = 0, images = 0;
  int step = 0, steps = 0;
  std::chrono::steady_clock::time_point started;
  bool interrupt = false;
};

struct State {
  Config config;
  std::shared_ptr<plan::Planner> planner;
  httplib::Server http;
  std::set<std::string> key_hashes;  // hex SHA-256 of each API key
  std::string default_model;         // a name of `models`
  std::mutex models_mu;              // guards models
  std::map<std::string, std::shared_ptr<const diffusion::StableDiffusion>> models;
  std::map<std::string, std::string> model_hashes;
  std::shared_ptr<diffusion::LoraLibrary> loras;
  std::mutex engine_mu;  // one generation at a time on this machine's engine
  Progress progress;
  std::atomic<int> queued{0};
  Metrics metrics;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<JobQueue> jobs;  // last: its worker stops before the rest goes
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
// Plans and generates `params` through the studio, one job at a time. A refusal comes back in
// the result (no model work); bad parameters throw RequestError(400); an interrupt by the same
// caller ends the job after the current step with the images done so far, and so does `hook`
// returning false.
studio::Result Generate(State& state, const GenerateParams& params, const std::string& owner,
                        const StepHook& hook = {});
// The images of a result as the APIs send them: base64 PNG (with A1111's infotext and the
// cast), the prompt the model read, and the cast.
nlohmann::json ImagesJson(const studio::Result& result);
// Checks `params` against the configured limits; throws RequestError(400).
void CheckLimits(const Config& config, const GenerateParams& params);
// The A1111 sampler and scheduler names.
nlohmann::json SamplerList();

void RegisterA1111(State& state);
void RegisterOpenAi(State& state);
void RegisterDepict(State& state);
void RegisterJobs(State& state);

}  // namespace depict::service

#endif  // DEPICT_SERVICE_SERVICE_INTERNAL_H_
