// `depict worker`: generates the jobs `depict serve --queue` puts on a Redis stream.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "plan/tables.h"
#include "service/worker.h"
#include "tensor/engine.h"

namespace depict::cli {
namespace {

struct WorkerArgs {
  service::WorkerConfig config;
  std::string tables, target;
  int threads = 0;
};

int RunWorkerCommand(const WorkerArgs& args) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts: all inherit it
  static std::atomic<bool> stop{false};
  // SIGINT and SIGTERM end the worker after its current job (within a second when idle); a
  // job cut short some other way is delivered again to another worker.
  std::thread([set] {
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    std::cerr << "depict worker: stopping after the current job\n";
    stop = true;
  }).detach();
  try {
    tensor::SetNumThreads(args.threads);
    auto planner = std::make_shared<plan::Planner>(plan::LoadTables(args.tables, args.target));
    const int jobs = service::RunWorker(args.config, planner, stop);
    std::cerr << "depict worker: ended " << jobs << " job" << (jobs == 1 ? "" : "s") << "\n";
    return stop ? 0 : 1;  // a worker that returns on its own lost the queue
  } catch (const std::exception& e) {
    std::cerr << "depict worker: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

std::function<int()> AddWorkerCommand(CLI::App& app) {
  auto args = std::make_shared<WorkerArgs>();
  CLI::App* cmd = app.add_subcommand(
      "worker", "Generate the jobs `depict serve --queue` puts on a Redis stream");
  service::WorkerConfig& c = args->config;
  cmd->add_option("--queue", c.queue, "redis://HOST:PORT")->required();
  cmd->add_option("--model,-m", c.model, "The default checkpoint (.safetensors or diffusers)")
      ->required();
  cmd->add_option("--checkpoints", c.checkpoints,
                  "Folder of *.safetensors checkpoints a job may name");
  cmd->add_option("--lora-dir", c.lora_dirs, "Where LoRA name.safetensors files are");
  cmd->add_option("--tables", args->tables, "Knowledge tables folder (default: embedded)");
  cmd->add_option("--target", args->target, "Target distribution of open attributes (JSON)");
  cmd->add_option("--models-dir", c.models_dir,
                  "Where scripts/fetch-models.sh put the models (default: $DEPICT_MODELS_DIR, "
                  "else the repository's models/, else ./models)");
  cmd->add_option("--name", c.consumer, "This worker's name in the consumer group (host-pid)");
  cmd->add_option("--max-batch", c.max_batch, "Images of a job in one UNet batch (4)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--heartbeat-ms", c.heartbeat_ms,
                  "How often a running job renews its claim (2000)")
      ->check(CLI::Range(50, 600000));
  cmd->add_option("--claim-idle-ms", c.claim_idle_ms,
                  "A job idle this long (its worker died) is taken over (15000)")
      ->check(CLI::Range(100, 86400000));
  cmd->add_option("--max-deliveries", c.max_deliveries,
                  "Deliveries before a job goes to depict:dead (3)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--model-cache-mb", c.model_cache_mb,
                  "Checkpoints kept loaded besides the default, by file size (8192)");
  cmd->add_option("--threads", args->threads,
                  "Threads, 1 to " + std::to_string(tensor::MaxThreads()) + " (0: all cores)")
      ->check(CLI::Range(0, tensor::MaxThreads()));
  return [args] { return RunWorkerCommand(*args); };
}

}  // namespace depict::cli
