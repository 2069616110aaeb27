// `depict worker`: takes jobs from the depict:jobs Redis stream (see redis_protocol.h) as one
// consumer of the depict-workers group, plans and generates each with its own planner and
// models, and writes progress and the result back. A worker that dies mid-job loses nothing:
// its pending entry is claimed by another worker once it has been idle `claim_idle_ms`; a
// running job renews its claim every `heartbeat_ms`; a job delivered more than
// `max_deliveries` times goes to depict:dead with its error.
#ifndef DEPICT_SERVICE_WORKER_H_
#define DEPICT_SERVICE_WORKER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plan/planner.h"

namespace depict::service {

struct WorkerConfig {
  std::string queue;  // redis://HOST:PORT
  std::string model;  // the default checkpoint
  std::string checkpoints;
  std::vector<std::string> lora_dirs;
  std::string models_dir;
  std::string consumer;  // a name unique among the workers; "" host name and process id
  int max_batch = 4;
  int heartbeat_ms = 2000;
  int claim_idle_ms = 15000;
  int max_deliveries = 3;
  int64_t model_cache_mb = 8192;
};

// Serves jobs until `stop` becomes true (checked at least every second); returns how many
// jobs it ended. Throws std::runtime_error when the queue cannot be reached at start or the
// default model does not load.
int RunWorker(const WorkerConfig& config, std::shared_ptr<const plan::Planner> planner,
              const std::atomic<bool>& stop);

}  // namespace depict::service

#endif  // DEPICT_SERVICE_WORKER_H_
