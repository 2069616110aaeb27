#include "service/metrics.h"

#include <sstream>

namespace depict::service {

void Metrics::Responded(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++responses_[status];
}

void Metrics::Refused(const std::string& category) {
  std::lock_guard<std::mutex> lock(mu_);
  ++refusals_[category];
}

void Metrics::JobEnded(const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++ended_[outcome];
}

void Metrics::Step(double seconds) {
  ++steps_;
  step_nanos_ += static_cast<uint64_t>(seconds * 1e9);
}

namespace {

void Family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

std::string Metrics::Text(int queued, int running) const {
  std::ostringstream out;
  Family(out, "depict_http_responses_total", "counter", "HTTP responses by status code.");
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [status, n] : responses_) {
      out << "depict_http_responses_total{code=\"" << status << "\"} " << n << '\n';
    }
    Family(out, "depict_refusals_total", "counter", "Prompts refused, by policy category.");
    for (const auto& [category, n] : refusals_) {
      out << "depict_refusals_total{category=\"" << category << "\"} " << n << '\n';
    }
  }
  Family(out, "depict_plans_total", "counter", "Prompts planned through /v1/plan.");
  out << "depict_plans_total " << plans_.load() << '\n';
  Family(out, "depict_images_total", "counter", "Images generated.");
  out << "depict_images_total " << images_.load() << '\n';
  Family(out, "depict_steps_total", "counter", "Sampling steps run.");
  out << "depict_steps_total " << steps_.load() << '\n';
  Family(out, "depict_unet_batches_total", "counter",
         "UNet batches run (one or more images sampled together).");
  out << "depict_unet_batches_total " << batches_.load() << '\n';
  Family(out, "depict_unet_batch_images_total", "counter", "Images sampled in those batches.");
  out << "depict_unet_batch_images_total " << batch_images_.load() << '\n';
  Family(out, "depict_step_seconds_total", "counter", "Seconds spent in sampling steps.");
  out << "depict_step_seconds_total " << static_cast<double>(step_nanos_.load()) / 1e9 << '\n';
  Family(out, "depict_reloads_total", "counter", "Table reloads, by result.");
  out << "depict_reloads_total{result=\"ok\"} " << reloads_ok_.load() << '\n';
  out << "depict_reloads_total{result=\"rejected\"} " << reloads_failed_.load() << '\n';
  Family(out, "depict_rate_limited_total", "counter", "Requests answered 429 by a rate limit.");
  out << "depict_rate_limited_total " << rate_limited_.load() << '\n';
  Family(out, "depict_jobs", "gauge", "Generation jobs by state.");
  out << "depict_jobs{state=\"queued\"} " << queued << '\n';
  out << "depict_jobs{state=\"running\"} " << running << '\n';
  Family(out, "depict_jobs_ended_total", "counter", "Jobs ended, by outcome.");
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const char* outcome : {"completed", "failed", "cancelled", "expired"}) {
      const auto it = ended_.find(outcome);
      out << "depict_jobs_ended_total{outcome=\"" << outcome << "\"} "
          << (it == ended_.end() ? 0 : it->second) << '\n';
    }
  }
  return out.str();
}

}  // namespace depict::service
