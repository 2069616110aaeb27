// `depict serve`: the planner in front of the engine over HTTP, speaking AUTOMATIC1111's API
// (what webuiapi, Open WebUI and SillyTavern call), OpenAI's images API and depict's own plan
// API. Every generation goes through studio::Studio, so a refused prompt is answered with a 400
// and the reasons before any model work.
#ifndef DEPICT_SERVICE_SERVICE_H_
#define DEPICT_SERVICE_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "plan/planner.h"

namespace depict::service {

struct Config {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 7860;                 // A1111's, so its clients work unchanged; 0: any free port
  std::string model;               // the default checkpoint (a file, or a name in checkpoints)
  std::string checkpoints;         // folder of *.safetensors a request may name
  std::vector<std::string> lora_dirs;
  std::string models_dir;      // CLIP vocabulary (io::ModelsDir)
  std::string tables, target;  // the planner's (plan::LoadTables); reloads read them again
  bool watch = true;           // reload when the tables, LoRA or checkpoint folders change on disk
  std::string api_key_file;    // "sha256:HEX" lines; empty: no authentication
  size_t max_body_bytes = 1 << 20;  // request bodies
  int max_side = 2048;              // width and height
  int max_steps = 150;
  int max_images = 16;  // batch_size * n_iter, or n
  int read_timeout_seconds = 30;
  int http_threads = 64;          // connections served at once
  int rate_per_minute = 0;        // requests per minute per API key (or address); 0: no limit
  int rate_burst = 20;            // requests a caller may make at once before the rate applies
  int max_queued = 16;            // jobs waiting (any API); more are answered 429
  int max_batch = 4;              // images in one UNet batch, from one request or several
  int job_timeout_seconds = 600;  // from a job's submission to its last image
  // Checkpoints kept loaded besides the default, by file size; the least recently used one
  // not in use goes first. 0: no limit.
  int64_t model_cache_mb = 8192;
  // redis://HOST:PORT: jobs go on a Redis stream for `depict worker` processes; "" generates
  // in this process.
  std::string queue;
};

struct State;  // service_internal.h

// The line --api-key-file holds for `key`: "sha256:" and the hex SHA-256 of the key, so that
// keys are never stored in the clear.
std::string KeyFileLine(const std::string& key);

class Service {
 public:
  // Checks the configuration (the default model loads, the key file reads); throws
  // std::runtime_error naming what is wrong.
  Service(Config config, std::shared_ptr<plan::Planner> planner);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Binds (the port actually bound is returned: `port` 0 picks a free one). Throws
  // std::runtime_error when the address cannot be bound.
  int Bind();
  // Serves until Stop(); returns false if the server failed.
  bool Run();
  // Thread-safe; Run() returns soon after.
  void Stop();
  // Reloads the tables, LoRA folders and checkpoint list (see reload.cc); a bad set of tables
  // throws and the current one stays. Thread-safe (SIGHUP calls it).
  void Reload();

 private:
  std::unique_ptr<struct State> state_;
};

}  // namespace depict::service

#endif  // DEPICT_SERVICE_SERVICE_H_
