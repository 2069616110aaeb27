#include "audit/thresholds.h"

#include <nlohmann/json.hpp>

namespace depict::audit {

std::vector<std::string> MissedThresholds(const std::string& thresholds_json,
                                          const Summary& summary) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(thresholds_json);
  } catch (const nlohmann::json::exception& e) {
    throw ThresholdError(std::string("thresholds: ") + e.what());
  }
  if (!j.is_object() || j.empty()) {
    throw ThresholdError("thresholds: expected {\"METRIC\": {\"min\": X, \"max\": Y}, ...}");
  }
  std::vector<std::string> missed;
  for (const auto& [metric, bounds] : j.items()) {
    if (!bounds.is_object() || (!bounds.contains("min") && !bounds.contains("max"))) {
      throw ThresholdError("thresholds: " + metric + " needs \"min\" or \"max\"");
    }
    for (const auto& [key, v] : bounds.items()) {
      if ((key != "min" && key != "max") || !v.is_number()) {
        throw ThresholdError("thresholds: " + metric + "." + key + " is not a numeric min or max");
      }
    }
    const auto it = summary.metrics.find(metric);
    if (it == summary.metrics.end()) {
      missed.push_back(metric + " was not measured by this run");
      continue;
    }
    const double value = it->second.value;
    if (bounds.contains("min") && value < bounds.at("min").get<double>()) {
      missed.push_back(metric + " is " + std::to_string(value) + ", below the minimum " +
                       std::to_string(bounds.at("min").get<double>()));
    }
    if (bounds.contains("max") && value > bounds.at("max").get<double>()) {
      missed.push_back(metric + " is " + std::to_string(value) + ", above the maximum " +
                       std::to_string(bounds.at("max").get<double>()));
    }
  }
  return missed;
}

}  // namespace depict::audit
