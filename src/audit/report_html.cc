// The report page: a table and SVG charts of every metric under depict and the baselines, the
// cast distribution of open attributes against the target, and the cases that failed.
#include <cstdio>
#include <string>

#include "audit/report.h"
#include "io/base64.h"

namespace depict::audit {
namespace {

constexpr const char* kColours[] = {"#2b6cb0", "#c05621", "#6b46c1"};

std::string Fixed(double v, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

struct MetricInfo {
  const char* name;
  const char* meaning;
};

constexpr MetricInfo kMetrics[] = {
    {kFactualCasting, "images whose cast stays within what history, place or a name fixes"},
    {kExplicitFidelity, "images whose cast shows what the prompt asked in its own words"},
    {kOverDiversification, "images where a fixed attribute was changed (lower is better)"},
    {kUnderDiversification,
     "open attributes collapsed: fewer distinct values than the case asks (lower is better)"},
    {kGenderImbalance, "|p(woman) - 0.5| over open genders (lower is better)"},
    {kKlToTarget, "KL divergence, in nats, of open casts from the target (lower is better)"},
    {kRefusalBenign, "benign prompts refused (lower is better)"},
    {kRefusalHarmful, "harmful prompts refused (higher is better)"},
};

// One chart: a row per metric, a bar per policy with its 95% interval as a whisker. Shares are
// drawn on [0, 1]; the KL divergence on [0, its largest value].
// The ethnicity of open casts, per policy, as shares beside the target's.
std::string DistributionChart(const AuditRun& run, const cast::Target& target) {
  const auto& weights = target.weights[static_cast<int>(cast::Dim::kEthnicity)];
  double total = 0;
  for (double w : weights) total += w;
  const int values = static_cast<int>(weights.size()), group = 14 * 4 + 10, height = 160;
  std::string svg =
      "<svg class=\"chart\" role=\"img\" aria-label=\"open ethnicity casts\" "
      "width=\"" +
      std::to_string(values * group + 20) + "\" height=\"" + std::to_string(height + 60) +
      "\" xmlns=\"http://www.w3.org/2000/svg\">";
  for (int v = 0; v < values; ++v) {
    const int x0 = 10 + v * group;
    std::vector<std::pair<double, const char*>> bars;
    for (size_t k = 0; k < run.runs.size(); ++k) {
      const auto& counts = run.runs[k].summary.representation.ethnicity;
      uint64_t n = 0;
      for (uint64_t c : counts) n += c;
      const double share = n && v < static_cast<int>(counts.size())
                               ? static_cast<double>(counts[static_cast<size_t>(v)]) / n
                               : 0.0;
      bars.emplace_back(share, kColours[k % 3]);
    }
    bars.emplace_back(total > 0 ? weights[static_cast<size_t>(v)] / total : 0.0, "#999");
    for (size_t b = 0; b < bars.size(); ++b) {
      const int h = static_cast<int>(height * std::min(1.0, bars[b].first * 2.5));
      svg += "<rect x=\"" + std::to_string(x0 + 14 * static_cast<int>(b)) + "\" y=\"" +
             std::to_string(10 + height - h) + "\" width=\"12\" height=\"" + std::to_string(h) +
             "\" fill=\"" + bars[b].second + "\"><title>" + Fixed(bars[b].first) +
             "</title></rect>";
    }
    svg += "<text x=\"" + std::to_string(x0) + "\" y=\"" + std::to_string(height + 28) +
           "\" font-size=\"10\">" + std::string(cast::ValueName(cast::Dim::kEthnicity, v)) +
           "</text>";
  }
  return svg + "</svg>";
}

// Image mode: each prompt's images as small previews, with what was perceived under each.
std::string ImageGrid(const AuditRun& run) {
  constexpr size_t kMaxPrompts = 120;
  std::string html;
  size_t shown = 0;
  for (const CaseResult& r : run.chosen().results) {
    if (r.thumbnails.empty() || shown++ >= kMaxPrompts) continue;
    html += "<div class=\"case\"><p><b>" + HtmlEscape(r.c->id) + "</b> " + HtmlEscape(r.c->prompt) +
            "</p>";
    for (size_t i = 0; i < r.thumbnails.size(); ++i) {
      if (r.thumbnails[i].empty()) continue;
      html += "<figure><img alt=\"image " + std::to_string(i + 1) +
              "\" src=\"data:image/png;base64," + io::Base64Encode(r.thumbnails[i]) +
              "\"><figcaption>" + HtmlEscape(i < r.casts.size() ? r.casts[i] : "") +
              "</figcaption></figure>";
    }
    html += "</div>";
  }
  if (html.empty()) return "";
  return "<h2>Images</h2><p>What the inspector perceived under each image (perceived, not "
         "identity; - where nothing was seen). The first " +
         std::to_string(kMaxPrompts) + " prompts.</p>" + html;
}

std::string CaseTables(const AuditRun& run) {
  std::string failed = "<table><tr><th>case</th><th>prompt</th><th>what failed</th></tr>";
  std::string refused =
      "<table><tr><th>case</th><th>prompt</th><th>category</th><th>because of</th></tr>";
  int failures = 0;
  for (const CaseResult& r : run.chosen().results) {
    if (r.refused) {
      std::string triggers;
      for (const std::string& t : r.triggers) triggers += (triggers.empty() ? "" : ", ") + t;
      refused += "<tr><td>" + HtmlEscape(r.c->id) + "</td><td>" + HtmlEscape(r.c->prompt) +
                 "</td><td>" + HtmlEscape(r.category) + "</td><td>" + HtmlEscape(triggers) +
                 "</td></tr>";
    }
    if (r.passed() || ++failures > 200) continue;
    std::string what;
    for (const Check& k : r.checks) {
      const bool bad = HitsAreFailures(k.metric) ? k.hits > 0 : k.hits < k.n;
      if (!bad) continue;
      what += (what.empty() ? "" : "; ") + k.metric + (k.dim.empty() ? "" : " " + k.dim) + ": " +
              std::to_string(k.hits) + "/" + std::to_string(k.n) +
              (k.detail.empty() ? "" : " (" + k.detail + ")");
    }
    failed += "<tr><td>" + HtmlEscape(r.c->id) + "</td><td>" + HtmlEscape(r.c->prompt) +
              "</td><td>" + HtmlEscape(what) + "</td></tr>";
  }
  return "<h2>Cases that failed under " + run.chosen().name + " (" + std::to_string(failures) +
         ")</h2>" + failed + "</table><h2>Refusals</h2>" + refused + "</table>";
}

}  // namespace

std::string ReportHtml(const AuditRun& run) {
  const PolicyRun& chosen = run.chosen();
  std::string legend;
  for (size_t k = 0; k < run.runs.size(); ++k) {
    legend += "<span style=\"color:" + std::string(kColours[k % 3]) + "\">&#9632; " +
              run.runs[k].name + "</span> ";
  }
  std::string html =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>depict audit: " +
      HtmlEscape(run.suite) +
      "</title><style>body{font:14px sans-serif;margin:2em;max-width:1100px}table{border-"
      "collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:"
      "left;vertical-align:top}small{color:#555}.chart{display:block;margin:1em "
      "0}figure{display:inline-block;margin:4px;"
      "font-size:11px;max-width:110px}</style></head>"
      "<body><h1>depict audit: " +
      HtmlEscape(run.suite) + "</h1><p>Backend <b>" + HtmlEscape(run.backend) + "</b>, policy <b>" +
      chosen.name + "</b>, " + std::to_string(run.cases.size()) + " prompts, " +
      std::to_string(run.options.images) + " images each (seeds " +
      std::to_string(run.options.seed) + "...), " + std::to_string(chosen.summary.passed) +
      " prompts passed every check, " + Fixed(run.seconds, 2) +
      " s.</p><p>In plan mode the casts are the measurement: what each image's prompt would "
      "state about each person. Intervals are 95% Wilson intervals for shares and bootstrap "
      "intervals for divergences; n counts images, checks or prompts as the table says. "
      "Cases refused are not cast, and are counted apart, never dropped.</p><h2>Metrics</h2>" +
      MetricsTableHtml(ColumnsOf(run)) + "<p>" + legend + "</p>" + MetricsChartSvg(ColumnsOf(run));
  html += "<h2>Open ethnicity casts</h2><p>" + legend +
          "<span style=\"color:#999\">&#9632; target</span></p>" +
          DistributionChart(run, run.target) + ImageGrid(run) + CaseTables(run) +
          "</body></html>\n";
  return html;
}

std::string MetricsChartSvg(const std::vector<Column>& cols) {
  const int row = 22 * static_cast<int>(cols.size()) + 18, left = 190, width = 420;
  int rows = 0;
  for (const MetricInfo& m : kMetrics) {
    for (const Column& p : cols) {
      if (p.metrics.count(m.name)) {
        ++rows;
        break;
      }
    }
  }
  std::string svg = "<svg class=\"chart\" role=\"img\" aria-label=\"metrics by policy\" width=\"" +
                    std::to_string(left + width + 120) + "\" height=\"" +
                    std::to_string(rows * row + 30) + "\" xmlns=\"http://www.w3.org/2000/svg\">";
  int y = 10;
  for (const MetricInfo& m : kMetrics) {
    double scale = 1.0;
    bool any = false;
    for (const Column& p : cols) {
      const auto it = p.metrics.find(m.name);
      if (it == p.metrics.end()) continue;
      any = true;
      if (std::string(m.name) == kKlToTarget) scale = std::max(scale, it->second.ci_high);
    }
    if (!any) continue;
    svg +=
        "<text x=\"0\" y=\"" + std::to_string(y + 14) + "\" font-size=\"12\">" + m.name + "</text>";
    for (size_t k = 0; k < cols.size(); ++k) {
      const auto it = cols[k].metrics.find(m.name);
      const int by = y + 4 + 22 * static_cast<int>(k);
      if (it == cols[k].metrics.end()) continue;
      const Estimate& e = it->second;
      const auto x = [&](double v) { return left + static_cast<int>(width * v / scale); };
      svg += "<rect x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(by) + "\" width=\"" +
             std::to_string(x(e.value) - left) + "\" height=\"16\" fill=\"" + kColours[k % 3] +
             "\"><title>" + cols[k].name + ": " + Fixed(e.value) + " [" + Fixed(e.ci_low) + ", " +
             Fixed(e.ci_high) + "], n=" + std::to_string(e.n) + "</title></rect>";
      svg += "<line x1=\"" + std::to_string(x(e.ci_low)) + "\" x2=\"" +
             std::to_string(x(e.ci_high)) + "\" y1=\"" + std::to_string(by + 8) + "\" y2=\"" +
             std::to_string(by + 8) + "\" stroke=\"#000\" stroke-width=\"1.5\"/>";
      svg += "<text x=\"" + std::to_string(left + width + 6) + "\" y=\"" + std::to_string(by + 12) +
             "\" font-size=\"11\">" + Fixed(e.value) + "</text>";
    }
    y += row;
  }
  return svg + "</svg>";
}

std::string MetricsTableHtml(const std::vector<Column>& cols) {
  std::string html = "<table><tr><th>metric</th>";
  for (const Column& p : cols) html += "<th>" + p.name + "</th>";
  html += "<th>what it measures</th></tr>";
  for (const MetricInfo& m : kMetrics) {
    std::string cells;
    bool any = false;
    for (const Column& p : cols) {
      const auto it = p.metrics.find(m.name);
      if (it == p.metrics.end()) {
        cells += "<td>-</td>";
        continue;
      }
      any = true;
      const Estimate& e = it->second;
      cells += "<td>" + Fixed(e.value) + " <small>[" + Fixed(e.ci_low) + ", " + Fixed(e.ci_high) +
               "] n=" + std::to_string(e.n) + "</small></td>";
    }
    if (any)
      html +=
          "<tr><td>" + std::string(m.name) + "</td>" + cells + "<td>" + m.meaning + "</td></tr>";
  }
  return html + "</table>";
}

std::vector<Column> ColumnsOf(const AuditRun& run) {
  std::vector<Column> cols;
  for (const PolicyRun& p : run.runs) cols.push_back({p.name, p.summary.metrics});
  return cols;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace depict::audit
