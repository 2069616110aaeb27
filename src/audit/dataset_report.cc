// The dataset report: summary.json, results.jsonl and a page with the perceived distributions.
#include <filesystem>
#include <fstream>

#include "audit/dataset.h"
#include "audit/report.h"
#include "cast/attributes.h"

namespace depict::audit {
namespace {

using Json = nlohmann::json;

// Bars of counts with their labels, as shares of their total.
std::string Bars(const std::vector<std::pair<std::string, uint64_t>>& bars) {
  uint64_t total = 0;
  for (const auto& b : bars) total += b.second;
  const int width = 60, height = 140;
  std::string svg = "<svg class=\"chart\" role=\"img\" width=\"" +
                    std::to_string(bars.size() * width + 20) + "\" height=\"" +
                    std::to_string(height + 50) + "\" xmlns=\"http://www.w3.org/2000/svg\">";
  for (size_t i = 0; i < bars.size(); ++i) {
    const double share = total ? static_cast<double>(bars[i].second) / total : 0.0;
    const int h = static_cast<int>(height * share);
    const int x = 10 + static_cast<int>(i) * width;
    svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(10 + height - h) +
           "\" width=\"" + std::to_string(width - 12) + "\" height=\"" + std::to_string(h) +
           "\" fill=\"#2b6cb0\"><title>" + std::to_string(bars[i].second) + "</title></rect>";
    svg += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(height + 28) +
           "\" font-size=\"10\">" + HtmlEscape(bars[i].first) + "</text>";
  }
  return svg + "</svg>";
}

Json MetricsJson(const std::map<std::string, Estimate>& metrics) {
  Json j = Json::object();
  for (const auto& [name, e] : metrics) {
    j[name] = {{"value", e.value}, {"ci_low", e.ci_low}, {"ci_high", e.ci_high}, {"n", e.n}};
  }
  return j;
}

}  // namespace

Json DatasetSummaryJson(const std::string& spec, const DatasetSummary& s) {
  Json gender = {{"man", s.gender[0]}, {"woman", s.gender[1]}};
  Json age = Json::object(), monk = Json::object(), stated = Json::object();
  for (int v = 0; v < 4; ++v) age[std::string(cast::ValueName(cast::Dim::kAge, v))] = s.age[v];
  for (int t = 0; t < 10; ++t) monk[std::to_string(t + 1)] = s.monk[t];
  for (int v = 0; v < 9; ++v) {
    stated[std::string(cast::ValueName(cast::Dim::kEthnicity, v))] = s.caption_ethnicity[v];
  }
  return {{"dataset", spec},
          {"backend", "dataset"},
          {"items", s.items},
          {"unreadable", s.unreadable},
          {"with_face", s.with_face},
          {"captioned", s.captioned},
          {"metrics", MetricsJson(s.metrics)},
          {"perceived", {{"gender", gender}, {"age", age}, {"monk", monk}}},
          {"captions_state_ethnicity", stated}};
}

void WriteDatasetReport(const std::string& spec, const std::vector<ItemResult>& results,
                        const DatasetSummary& s, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
  const auto write = [&](const char* name, const std::string& text) {
    std::ofstream out(fs::path(dir) / name, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + (fs::path(dir) / name).string());
  };
  write("summary.json",
        DatasetSummaryJson(spec, s).dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
  std::string lines;
  for (const ItemResult& r : results) {
    Json j = {{"image", r.image}, {"faces", r.faces}, {"caption_people", r.caption_people}};
    if (!r.error.empty()) j["error"] = r.error;
    if (r.gender >= 0) j["perceived_gender"] = cast::ValueName(cast::Dim::kGender, r.gender);
    if (r.age >= 0) j["perceived_age"] = cast::ValueName(cast::Dim::kAge, r.age);
    if (r.monk > 0) j["monk"] = r.monk;
    if (r.caption_gender >= 0) {
      j["caption_gender"] = cast::ValueName(cast::Dim::kGender, r.caption_gender);
    }
    lines += j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  }
  write("results.jsonl", lines);
  std::vector<std::pair<std::string, uint64_t>> gender = {{"man", s.gender[0]},
                                                          {"woman", s.gender[1]}};
  std::vector<std::pair<std::string, uint64_t>> monk, stated;
  for (int t = 0; t < 10; ++t) monk.push_back({"Monk " + std::to_string(t + 1), s.monk[t]});
  for (int v = 0; v < 9; ++v) {
    stated.push_back(
        {std::string(cast::ValueName(cast::Dim::kEthnicity, v)), s.caption_ethnicity[v]});
  }
  std::string table = "<table><tr><th>metric</th><th>value [95% interval]</th><th>n</th></tr>";
  for (const auto& [name, e] : s.metrics) {
    char cell[96];
    std::snprintf(cell, sizeof cell, "%.3f [%.3f, %.3f]", e.value, e.ci_low, e.ci_high);
    table +=
        "<tr><td>" + name + "</td><td>" + cell + "</td><td>" + std::to_string(e.n) + "</td></tr>";
  }
  table += "</table>";
  write("report.html",
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>depict audit: "
        "dataset</title><style>body{font:14px sans-serif;margin:2em;max-width:1000px}table{"
        "border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}.chart{display:"
        "block;margin:1em 0}</style></head><body><h1>depict audit: dataset " +
            HtmlEscape(spec) + "</h1><p>" + std::to_string(s.items) + " images (" +
            std::to_string(s.unreadable) + " unreadable), " + std::to_string(s.with_face) +
            " with a face, " + std::to_string(s.captioned) +
            " captioned. Perceived figures are what the inspector's models say a face looks "
            "like, never who the person is (face-api: about 95% gender accuracy overall, "
            "69-88% under 18).</p>" +
            table + "<h2>Perceived gender</h2>" + Bars(gender) +
            "<h2>Perceived skin tone (Monk)</h2>" + Bars(monk) +
            "<h2>Ethnicity the captions state</h2>" + Bars(stated) + "</body></html>\n");
}

}  // namespace depict::audit
