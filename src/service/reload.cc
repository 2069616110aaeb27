// Zero-downtime reload of what the service knows: the planner's tables, the LoRA folders and the
// checkpoints. The new tables are loaded and validated before anything is swapped (a bad set is
// rejected and the current one stays); requests already running keep the tables, LoRA library
// and model they started with (each holds its own reference). Triggered by SIGHUP, POST
// /v1/admin/reload, and a change on disk in the watched folders (inotify).
#include <poll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "service/service_internal.h"

namespace depict::service {

std::shared_ptr<diffusion::LoraLibrary> Loras(State& s) {
  std::lock_guard<std::mutex> lock(s.loras_mu);
  return s.loras;
}

namespace {

void Reload(State& s) {
  try {
    s.planner->Reload(s.config.tables, s.config.target);  // validates, then swaps
  } catch (const std::exception&) {
    s.metrics.Reloaded(false);
    throw;
  }
  std::vector<std::filesystem::path> dirs(s.config.lora_dirs.begin(), s.config.lora_dirs.end());
  auto fresh = std::make_shared<diffusion::LoraLibrary>(dirs);
  {
    std::lock_guard<std::mutex> lock(s.loras_mu);
    s.loras = std::move(fresh);  // adapters are read again when next named
  }
  if (s.models) s.models->ForgetUnused();  // a replaced checkpoint file is read again
  s.metrics.Reloaded(true);
}

}  // namespace

void ReloadAll(State& s) {
  // Loading the tables keeps a core busy for a while: that work runs on a thread of its own at a
  // lower priority, so the requests being served meanwhile are not the ones that wait.
  std::exception_ptr error;
  std::thread loader([&s, &error] {
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
    try {
      Reload(s);
    } catch (...) {
      error = std::current_exception();
    }
  });
  loader.join();
  if (error) std::rethrow_exception(error);
}

DiskWatcher::DiskWatcher(State& s, std::vector<std::string> dirs) : state_(s) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("inotify: " + std::string(std::strerror(errno)));
  constexpr uint32_t kMask =
      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB;
  std::vector<std::string> all;
  for (const std::string& dir : dirs) {
    if (dir.empty()) continue;
    all.push_back(dir);
    std::error_code ec;
    // The tables keep files in subfolders (safety/, ...): each is watched too.
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
      if (e.is_directory(ec)) all.push_back(e.path().string());
    }
  }
  for (const std::string& dir : all) {
    if (inotify_add_watch(fd_, dir.c_str(), kMask) < 0) {
      const std::string why = std::strerror(errno);
      close(fd_);
      throw std::runtime_error("cannot watch " + dir + ": " + why);
    }
    ++watched_;
  }
  if (watched_ > 0) thread_ = std::thread([this] { Loop(); });  // nothing to watch: no thread
}

DiskWatcher::~DiskWatcher() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  close(fd_);
}

void DiskWatcher::Loop() {
  using Clock = std::chrono::steady_clock;
  // A copy or an editor's save is several events: reload once they have settled.
  constexpr auto kSettle = std::chrono::milliseconds(300);
  bool dirty = false;
  auto last_event = Clock::now();
  alignas(inotify_event) char buffer[8192];
  while (!stop_) {
    // Sleeps in poll() until an event or a quarter second (to see stop_ and the settle time).
    pollfd ready = {fd_, POLLIN, 0};
    if (poll(&ready, 1, 250) > 0 && read(fd_, buffer, sizeof buffer) > 0) {
      dirty = true;
      last_event = Clock::now();
      continue;
    }
    if (dirty && Clock::now() - last_event >= kSettle) {
      dirty = false;
      try {
        ReloadAll(state_);
        std::cerr << "depict serve: reloaded after a change on disk\n";
      } catch (const std::exception& e) {
        std::cerr << "depict serve: a change on disk was rejected, keeping the current set: "
                  << e.what() << "\n";
      }
    }
  }
}

}  // namespace depict::service
