// `depict serve --queue redis://...`: jobs go on the depict:jobs stream and their progress and
// results come back on depict:events (redis_protocol.h), read by one thread.
#include <atomic>
#include <iostream>
#include <map>
#include <thread>

#include "service/redis_client.h"
#include "service/redis_protocol.h"
#include "service/service_internal.h"

namespace depict::service {
namespace {

using json = nlohmann::json;
using SystemClock = std::chrono::system_clock;

// A job no worker has ended this long after its deadline is given up (no worker running).
constexpr auto kGrace = std::chrono::seconds(5);

int64_t EpochMs(SystemClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void EnsureGroup(RedisClient& client) {
  try {
    client.Run({"XGROUP", "CREATE", redis::kJobs, redis::kGroup, "0", "MKSTREAM"});
  } catch (const RedisError& e) {
    if (std::string(e.what()).find("BUSYGROUP") == std::string::npos) throw;
  }
}

class Redis : public JobRunner {
 public:
  explicit Redis(const std::string& url) : address_(ParseRedisUrl(url)), client_(address_) {
    EnsureGroup(client_);
    // Events from before this server started are not ours.
    const RedisReply last = client_.Run({"XREVRANGE", redis::kEvents, "+", "-", "COUNT", "1"});
    const std::vector<StreamEntry> entries = StreamEntries(last);
    last_event_ = entries.empty() ? "0-0" : entries[0].id;
    reader_ = std::thread([this] { Read(); });
  }

  ~Redis() override {
    stop_ = true;
    reader_.join();
    std::map<std::string, Pending> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      left.swap(pending_);
    }
    for (auto& [id, p] : left) p.events.on_end(EngineOutcome::kCancelled, json(), "");
  }

  void Start(const std::string& id, const PreparedJob& job, SystemClock::time_point deadline,
             JobEvents events) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_[id] = {std::move(events), deadline};
    }
    std::lock_guard<std::mutex> lock(client_mu_);
    client_.Run({"XADD", redis::kJobs, "*", "job", id, "params",
                 redis::ParamsJson(job.params).dump(), "deadline_ms",
                 std::to_string(EpochMs(deadline))});
  }

  void Cancel(const std::string& id) override {
    std::lock_guard<std::mutex> lock(client_mu_);
    client_.Run({"SET", redis::CancelKey(id), "1", "EX", "86400"});
  }

 private:
  struct Pending {
    JobEvents events;
    SystemClock::time_point deadline;
  };

  void Read() {
    std::unique_ptr<RedisClient> reader;
    while (!stop_) {
      try {
        if (!reader) reader = std::make_unique<RedisClient>(address_);
        const RedisReply reply = reader->Run(
            {"XREAD", "COUNT", "256", "BLOCK", "500", "STREAMS", redis::kEvents, last_event_});
        for (const StreamEntry& e : StreamEntries(reply)) {
          last_event_ = e.id;
          Dispatch(e);
        }
        ExpireAbandoned();
      } catch (const std::exception& e) {
        std::cerr << "depict serve: queue: " << e.what() << "; reconnecting\n";
        reader.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
  }

  void Dispatch(const StreamEntry& e) {
    const std::string id = e.Field("job"), type = e.Field("type");
    JobEvents* events = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto it = pending_.find(id);
      if (it == pending_.end()) return;  // another server's job, or one already ended
      events = &it->second.events;
    }
    const json data = json::parse(e.Field("data"), nullptr, false);
    if (type == "start") {
      if (events->on_start) events->on_start();
    } else if (type == "step" && data.is_object()) {
      if (events->on_step) {
        events->on_step(data.value("image", 0), data.value("images", 1), data.value("step", 0),
                        data.value("steps", 0));
      }
    } else if (type == "end") {
      Pending done;
      {
        std::lock_guard<std::mutex> lock(mu_);
        const auto it = pending_.find(id);
        if (it == pending_.end()) return;
        done = std::move(it->second);
        pending_.erase(it);
      }
      const json ok = data.is_object() ? data : json::object();
      done.events.on_end(OutcomeFromName(ok.value("outcome", "failed")), ok.value("result", json()),
                         ok.value("error", std::string()));
    }
  }

  // Jobs past their deadline and grace with no end: no worker took them in time.
  void ExpireAbandoned() {
    const auto now = SystemClock::now();
    std::vector<std::pair<std::string, Pending>> expired;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.deadline + kGrace < now) {
          expired.emplace_back(it->first, std::move(it->second));
          it = pending_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& [id, p] : expired) {
      Cancel(id);
      p.events.on_end(EngineOutcome::kExpired, json(),
                      "the job's deadline passed before a worker finished it");
    }
  }

  const RedisAddress address_;
  std::mutex client_mu_;  // guards client_
  RedisClient client_;
  std::mutex mu_;  // guards pending_
  std::map<std::string, Pending> pending_;
  std::string last_event_;  // the reader's only
  std::atomic<bool> stop_{false};
  std::thread reader_;
};

}  // namespace

std::unique_ptr<JobRunner> RedisRunner(const std::string& url) {
  try {
    return std::make_unique<Redis>(url);
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("--queue: ") + e.what());
  }
}

}  // namespace depict::service
