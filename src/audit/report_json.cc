#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "audit/report.h"

namespace depict::audit {
namespace {

using Json = nlohmann::json;

Json MetricsJson(const Summary& s) {
  Json metrics = Json::object();
  for (const auto& [name, e] : s.metrics) {
    Json m = {{"value", e.value}, {"ci_low", e.ci_low}, {"ci_high", e.ci_high}, {"n", e.n}};
    if (const auto it = s.excluded.find(name); it != s.excluded.end()) {
      m["excluded_refused_cases"] = it->second;
    }
    if (const auto it = s.unknown.find(name); it != s.unknown.end()) m["unknown"] = it->second;
    metrics[name] = m;
  }
  return metrics;
}

Json RepresentationJson(const Representation& r) {
  Json gender = {{"man", r.gender[0]}, {"woman", r.gender[1]}};
  Json ethnicity = Json::object();
  for (size_t v = 0; v < r.ethnicity.size(); ++v) {
    ethnicity[std::string(cast::ValueName(cast::Dim::kEthnicity, static_cast<int>(v)))] =
        r.ethnicity[v];
  }
  return {{"gender", gender}, {"ethnicity", ethnicity}};
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

Json SummaryJson(const AuditRun& run) {
  const PolicyRun& chosen = run.chosen();
  Json j = {{"suite", run.suite},
            {"backend", run.backend},
            {"policy", chosen.name},
            {"images", chosen.summary.images},
            {"images_per_prompt", run.options.images},
            {"seed", run.options.seed},
            {"cases", chosen.summary.cases},
            {"cases_passed", chosen.summary.passed},
            {"seconds", run.seconds},
            {"metrics", MetricsJson(chosen.summary)},
            {"open_casts", RepresentationJson(chosen.summary.representation)}};
  Json baselines = Json::object();
  for (size_t k = 1; k < run.runs.size(); ++k) {
    baselines[run.runs[k].name] = {
        {"metrics", MetricsJson(run.runs[k].summary)},
        {"cases_passed", run.runs[k].summary.passed},
        {"open_casts", RepresentationJson(run.runs[k].summary.representation)}};
  }
  j["baselines"] = baselines;
  // Image mode: observations the inspector could not make (no face), by the metric they would
  // have counted in, including metrics left with none at all.
  Json unseen = Json::object();
  for (const auto& [name, count] : chosen.summary.unknown) unseen[name] = count;
  if (!unseen.empty()) j["not_seen"] = unseen;
  if (!run.errors.empty()) j["failed_requests"] = run.errors;
  return j;
}

std::string ResultsJsonl(const AuditRun& run) {
  std::string out;
  for (const CaseResult& r : run.chosen().results) {
    Json checks = Json::array();
    for (const Check& k : r.checks) {
      Json c = {{"metric", k.metric}, {"hits", k.hits}, {"n", k.n}};
      if (!k.person.empty()) c["person"] = k.person;
      if (!k.dim.empty()) c["attribute"] = k.dim;
      if (!k.detail.empty()) c["detail"] = k.detail;
      checks.push_back(c);
    }
    Json line = {{"suite", r.c->suite},
                 {"id", r.c->id},
                 {"prompt", r.c->prompt},
                 {"policy", run.chosen().name},
                 {"decision", r.refused ? "refuse" : "generate"},
                 {"passed", r.passed()},
                 {"checks", checks},
                 {"casts", r.casts}};
    if (r.c->refuse) line["expected_decision"] = *r.c->refuse ? "refuse" : "generate";
    if (r.refused) line["refusal"] = {{"category", r.category}, {"triggers", r.triggers}};
    out += line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  }
  return out;
}

void WriteReport(const AuditRun& run, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
  const std::filesystem::path root(dir);
  WriteFile(root / "summary.json",
            SummaryJson(run).dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
  WriteFile(root / "results.jsonl", ResultsJsonl(run));
  WriteFile(root / "report.html", ReportHtml(run));
}

}  // namespace depict::audit
