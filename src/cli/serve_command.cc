// `depict serve`: the A1111, OpenAI and depict APIs, the planner in front of every generation.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "plan/tables.h"
#include "service/service.h"
#include "tensor/engine.h"

namespace depict::cli {
namespace {

struct ServeArgs {
  service::Config config;
  std::string tables, target;
  std::string hash_key;
  int threads = 0;
};

// SIGINT and SIGTERM stop the server; SIGHUP reloads the tables (running plans finish on the
// old set). Signals are taken by sigwait on a thread of their own, so no handler runs inside
// the server's threads.
void WaitForSignals(service::Service& server, plan::Planner& planner, sigset_t set) {
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      try {
        server.Reload();
        std::cerr << "depict serve: tables reloaded from " << planner.tables()->origin << "\n";
      } catch (const std::exception& e) {
        std::cerr << "depict serve: reload rejected, keeping the current tables: " << e.what()
                  << "\n";
      }
      continue;
    }
    server.Stop();
    // The HTTP library waits for idle keep-alive connections (up to the read timeout) before
    // it returns; a stopped server should not hold a client's idle socket that long. Nothing
    // is lost by leaving then: jobs live in memory, and no file is being written.
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      std::cerr << "depict serve: stopped (idle connections dropped)\n";
      std::_Exit(0);
    }).detach();
    return;
  }
}

int RunServe(const ServeArgs& args) {
  if (!args.hash_key.empty()) {  // a line for --api-key-file; the key itself is never stored
    std::printf("%s\n", service::KeyFileLine(args.hash_key).c_str());
    return 0;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts: all inherit it
  std::shared_ptr<plan::Planner> planner;
  std::unique_ptr<service::Service> server;
  int port = 0;
  try {
    tensor::SetNumThreads(args.threads);
    planner = std::make_shared<plan::Planner>(plan::LoadTables(args.tables, args.target));
    service::Config config = args.config;
    config.tables = args.tables;
    config.target = args.target;
    server = std::make_unique<service::Service>(config, planner);
    port = server->Bind();
  } catch (const std::exception& e) {
    std::cerr << "depict serve: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "depict serve: listening on http://" << args.config.host << ":" << port << "\n"
            << std::flush;
  std::thread signals(WaitForSignals, std::ref(*server), std::ref(*planner), set);
  const bool ok = server->Run();
  if (!ok) {
    std::cerr << "depict serve: the server failed\n";
    pthread_kill(signals.native_handle(), SIGTERM);
  }
  signals.join();
  return ok ? 0 : 1;
}

}  // namespace

std::function<int()> AddServeCommand(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the A1111 and OpenAI image APIs, with the planner before every image");
  service::Config& c = args->config;
  cmd->add_option("--model,-m", c.model, "The default checkpoint (.safetensors or diffusers)");
  cmd->add_option("--checkpoints", c.checkpoints,
                  "Folder of *.safetensors checkpoints a request may name");
  cmd->add_option("--lora-dir", c.lora_dirs, "Where LoRA name.safetensors files are");
  cmd->add_option("--tables", args->tables, "Knowledge tables folder (default: embedded)");
  cmd->add_option("--target", args->target, "Target distribution of open attributes (JSON)");
  cmd->add_option("--host", c.host, "Address to listen on (default 127.0.0.1: this machine only)");
  cmd->add_option("--port", c.port, "Port (default 7860, A1111's; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--api-key-file", c.api_key_file,
                  "Accepted API keys, one 'sha256:HEX' line each (see --hash-key)");
  cmd->add_option("--hash-key", args->hash_key, "Print the --api-key-file line for a key");
  cmd->add_option("--models-dir", c.models_dir,
                  "Where scripts/fetch-models.sh put the models (default: $DEPICT_MODELS_DIR, "
                  "else the repository's models/, else ./models)");
  cmd->add_option("--max-body", c.max_body_bytes, "Largest request body in bytes (1 MiB)");
  cmd->add_option("--max-side", c.max_side, "Largest width or height (2048)");
  cmd->add_option("--max-steps", c.max_steps, "Most steps a request may ask (150)");
  cmd->add_option("--max-images", c.max_images, "Most images a request may ask (16)");
  cmd->add_option("--rate-limit", c.rate_per_minute,
                  "Requests per minute per API key or address (default 0: no limit)");
  cmd->add_option("--rate-burst", c.rate_burst, "Requests allowed at once before the limit (20)");
  cmd->add_option("--http-threads", c.http_threads,
                  "Connections served at once (64); each waiting txt2img call holds one")
      ->check(CLI::Range(4, 4096));
  cmd->add_option("--max-queue", c.max_queued, "Jobs that may wait, from any API (16)");
  cmd->add_option("--max-batch", c.max_batch,
                  "Images in one UNet batch, from one request or several alike (4)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--job-timeout", c.job_timeout_seconds,
                  "Seconds from a job's submission to its last image (600)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--model-cache-mb", c.model_cache_mb,
                  "Checkpoints kept loaded besides the default, by file size (8192; 0: no limit)");
  cmd->add_option("--queue", c.queue,
                  "redis://HOST:PORT: put jobs on a Redis stream for `depict worker` processes");
  cmd->add_flag("!--no-watch", c.watch,
                "Do not reload when the tables, LoRA or checkpoint folders change on disk");
  cmd->add_option("--threads", args->threads,
                  "Threads, 1 to " + std::to_string(tensor::MaxThreads()) + " (0: all cores)")
      ->check(CLI::Range(0, tensor::MaxThreads()));
  return [args] { return RunServe(*args); };
}

}  // namespace depict::cli
