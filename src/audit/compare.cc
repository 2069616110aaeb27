#include "audit/compare.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace depict::audit {
namespace {

using Json = nlohmann::json;

std::map<std::string, Estimate> MetricsOf(const Json& metrics) {
  std::map<std::string, Estimate> out;
  for (const auto& item : metrics.items()) {
    const std::string& name = item.key();
    const Json& m = item.value();
    if (!m.is_object() || !m.contains("value") || !m["value"].is_number()) continue;
    Estimate e;
    e.value = m["value"].get<double>();
    const auto number = [&](const char* key, double fallback) {
      return m.contains(key) && m[key].is_number() ? m[key].get<double>() : fallback;
    };
    e.ci_low = number("ci_low", e.value);
    e.ci_high = number("ci_high", e.value);
    e.n = m.contains("n") && m["n"].is_number_unsigned() ? m["n"].get<uint64_t>() : 0;
    out[name] = e;
  }
  return out;
}

}  // namespace

std::vector<Column> ColumnsFromSummary(const std::string& label, const std::string& json) {
  const Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("metrics") || !j["metrics"].is_object()) {
    throw std::runtime_error(label + ": not a depict audit summary.json");
  }
  std::vector<Column> cols;
  const std::string policy = j.value("policy", "");
  cols.push_back(
      {label + " (" + j.value("backend", "?") + (policy.empty() ? "" : ", " + policy) + ")",
       MetricsOf(j["metrics"])});
  if (j.contains("baselines") && j["baselines"].is_object()) {
    for (const auto& [name, b] : j["baselines"].items()) {
      if (b.is_object() && b.contains("metrics") && b["metrics"].is_object()) {
        cols.push_back({label + " (" + name + ")", MetricsOf(b["metrics"])});
      }
    }
  }
  return cols;
}

std::string CompareHtml(const std::vector<std::string>& labels,
                        const std::vector<Column>& columns) {
  std::string runs;
  for (const std::string& l : labels) runs += (runs.empty() ? "" : ", ") + HtmlEscape(l);
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>depict audit "
         "compare</title><style>body{font:14px sans-serif;margin:2em;max-width:1200px}table{"
         "border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;"
         "text-align:left}small{color:#555}.chart{display:block;margin:1em 0}</style></head>"
         "<body><h1>depict audit: " +
         runs + "</h1>" + MetricsTableHtml(columns) + MetricsChartSvg(columns) + "</body></html>\n";
}

std::string CompareText(const std::vector<Column>& columns) {
  std::set<std::string> names;
  for (const Column& c : columns) {
    for (const auto& [name, e] : c.metrics) names.insert(name);
  }
  std::string out;
  for (const Column& c : columns) out += "# " + c.name + "\n";
  for (const std::string& name : names) {
    char cell[96];
    std::snprintf(cell, sizeof cell, "%-24s", name.c_str());
    out += cell;
    for (const Column& c : columns) {
      const auto it = c.metrics.find(name);
      if (it == c.metrics.end()) {
        std::snprintf(cell, sizeof cell, "  %-24s", "-");
      } else {
        std::snprintf(cell, sizeof cell, "  %.3f [%.3f, %.3f]", it->second.value, it->second.ci_low,
                      it->second.ci_high);
      }
      out += cell;
    }
    out += "\n";
  }
  return out;
}

}  // namespace depict::audit
