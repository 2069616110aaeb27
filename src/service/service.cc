#include "service/service.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "io/base64.h"
#include "io/models_dir.h"
#include "service/service_internal.h"

namespace depict::service {
namespace {

namespace fs = std::filesystem;

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char byte[3];
  for (unsigned char d : digest) {
    std::snprintf(byte, sizeof byte, "%02x", d);
    hex += byte;
  }
  return hex;
}

// Each line "sha256:HEX" (64 hex digits), or blank, or a "#" comment: keys are never stored in
// the clear. `depict serve --hash-key KEY` prints a line.
std::set<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  std::set<std::string> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::string hex = line.rfind("sha256:", 0) == 0 ? line.substr(7) : "";
    if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
      throw std::runtime_error(path + ":" + std::to_string(number) +
                               ": expected sha256:<64 lowercase hex digits>, the hash of a key");
    }
    out.insert(hex);
  }
  if (out.empty()) throw std::runtime_error(path + ": no keys");
  return out;
}

// The key a request carries: "Authorization: Bearer KEY" (OpenAI) or HTTP Basic with the key
// as the password (A1111's --api-auth user:password).
std::string RequestKey(const httplib::Request& req) {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0) return auth.substr(7);
  if (auth.rfind("Basic ", 0) == 0) {
    const std::string decoded = io::Base64Decode(auth.substr(6)).value_or("");
    const size_t colon = decoded.find(':');
    return colon == std::string::npos ? "" : decoded.substr(colon + 1);
  }
  return "";
}

}  // namespace

void SendError(httplib::Response& res, int status, const std::string& type,
               const std::string& message) {
  res.status = status;
  const nlohmann::json body = {{"error", {{"type", type}, {"message", message}}}};
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void SendRefusal(State& s, httplib::Response& res, const safety::Refusal& refusal) {
  s.metrics.Refused(refusal.category);
  res.status = 400;
  const nlohmann::json body = {{"error",
                                {{"type", "refused"},
                                 {"category", refusal.category},
                                 {"clause", refusal.clause},
                                 {"message", refusal.message},
                                 {"triggers", refusal.triggers}}}};
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

nlohmann::json ParseBody(const httplib::Request& req) {
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    throw RequestError(400, "invalid_request", "the body must be a JSON object");
  }
  return body;
}

std::string Caller(const State& state, const httplib::Request& req) {
  if (!state.key_hashes.empty()) return Sha256Hex(RequestKey(req));
  return req.remote_addr;
}

std::vector<std::string> ModelNames(const State& state) { return state.models->Names(); }

std::string KeyFileLine(const std::string& key) { return "sha256:" + Sha256Hex(key); }

Service::Service(Config config, std::shared_ptr<plan::Planner> planner)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.config = std::move(config);
  s.planner = std::move(planner);
  if (!s.config.api_key_file.empty()) s.key_hashes = ReadKeyFile(s.config.api_key_file);
  if (s.config.model.empty()) throw std::runtime_error("a default model is needed (--model)");
  std::vector<fs::path> dirs(s.config.lora_dirs.begin(), s.config.lora_dirs.end());
  s.loras = std::make_shared<diffusion::LoraLibrary>(dirs);
  // A server whose workers generate loads no weights: it only needs the names.
  s.models = std::make_unique<ModelCache>(s.config.model, s.config.checkpoints, s.config.models_dir,
                                          s.config.model_cache_mb * (int64_t{1} << 20),
                                          /*load_default=*/s.config.queue.empty());
  s.default_model = s.models->default_name();

  httplib::Server& http = s.http;
  http.set_payload_max_length(s.config.max_body_bytes);
  // Headers and body go out as separate writes: without TCP_NODELAY each small answer waits
  // for the client's delayed ACK (40 ms on Linux).
  http.set_tcp_nodelay(true);
  http.set_read_timeout(s.config.read_timeout_seconds, 0);
  // A thread per connection being served: keep-alive clients and synchronous generations each
  // hold one while they wait, so the pool is far larger than the cores (httplib's default is
  // 8, which 8 waiting txt2img calls would fill, stalling every plan behind them).
  const size_t threads = static_cast<size_t>(std::max(4, s.config.http_threads));
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Every error is JSON, and no exception's text reaches a client.
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const RequestError& e) {
          if (e.retry_after > 0) res.set_header("Retry-After", std::to_string(e.retry_after));
          SendError(res, e.status, e.type, e.what());
        } catch (const std::exception& e) {
          std::cerr << "depict serve: internal error: " << e.what() << "\n";
          SendError(res, 500, "internal", "internal error");
        } catch (...) {
          SendError(res, 500, "internal", "internal error");
        }
      });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    SendError(res, res.status, res.status == 404 ? "not_found" : "invalid_request",
              res.status == 404 ? "no such endpoint" : "the request cannot be served");
  });
  s.limiter = std::make_unique<RateLimiter>(s.config.rate_per_minute, s.config.rate_burst);
  // Authentication, then the caller's rate limit, before any route except the health check.
  http.set_pre_routing_handler([&s](const httplib::Request& req,
                                    httplib::Response& res) -> httplib::Server::HandlerResponse {
    if (req.path == "/healthz" || IsPublicAsset(req.path)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (!s.key_hashes.empty() && s.key_hashes.count(Sha256Hex(RequestKey(req))) == 0) {
      // The Basic challenge is for A1111's --api-auth clients; a bearer-token caller (the page,
      // OpenAI clients) gets none, so a browser does not open its own login prompt.
      const bool bearer = req.get_header_value("Authorization").rfind("Bearer ", 0) == 0;
      res.set_header("WWW-Authenticate",
                     bearer ? "Bearer realm=\"depict\"" : "Basic realm=\"depict\"");
      SendError(res, 401, "unauthorized", "a valid API key is required");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (const int wait = s.limiter->Take(Caller(s, req), std::chrono::steady_clock::now())) {
      s.metrics.RateLimited();
      res.set_header("Retry-After", std::to_string(wait));
      SendError(res, 429, "rate_limited",
                "too many requests; retry after " + std::to_string(wait) + " s");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_logger([&s](const httplib::Request&, const httplib::Response& res) {
    s.metrics.Responded(res.status);
  });
  RegisterA1111(s);
  RegisterOpenAi(s);
  RegisterDepict(s);
  JobLimits limits;
  limits.max_queued = static_cast<size_t>(std::max(1, s.config.max_queued));
  limits.timeout = std::chrono::seconds(std::max(1, s.config.job_timeout_seconds));
  limits.on_ended = [&s](const char* outcome) { s.metrics.JobEnded(outcome); };
  s.jobs = std::make_unique<JobQueue>(
      s.config.queue.empty() ? LocalRunner(s) : RedisRunner(s.config.queue), limits);
  RegisterJobs(s);
  RegisterAssets(s);
  if (s.config.watch) {
    std::vector<std::string> dirs = s.config.lora_dirs;
    dirs.push_back(s.config.tables);
    dirs.push_back(s.config.checkpoints);
    s.watcher = std::make_unique<DiskWatcher>(s, dirs);
  }
}

Service::~Service() { Stop(); }

int Service::Bind() {
  State& s = *state_;
  const int port = s.config.port == 0
                       ? s.http.bind_to_any_port(s.config.host)
                       : (s.http.bind_to_port(s.config.host, s.config.port) ? s.config.port : -1);
  if (port < 0) {
    throw std::runtime_error("cannot listen on " + s.config.host + ":" +
                             std::to_string(s.config.port));
  }
  s.port = port;
  return port;
}

bool Service::Run() { return state_->http.listen_after_bind(); }

void Service::Stop() { state_->http.stop(); }

void Service::Reload() { ReloadAll(*state_); }

}  // namespace depict::service
