// What an audit writes: DIR/summary.json and DIR/results.jsonl for machines, DIR/report.html for
// people (one static page, no network, charts drawn as SVG here).
#ifndef DEPICT_AUDIT_REPORT_H_
#define DEPICT_AUDIT_REPORT_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"

namespace depict::audit {

// {"suite", "backend", "policy", "images", "metrics": {NAME: {"value", "ci_low", "ci_high",
// "n"}}, "baselines": {POLICY: {"metrics": ...}}, ...}; a metric that does not apply is absent.
nlohmann::json SummaryJson(const AuditRun& run);

// One JSON line per case of the chosen policy: decision, checks, casts.
std::string ResultsJsonl(const AuditRun& run);

// The report page.
std::string ReportHtml(const AuditRun& run);

// `s` with & < > " written as HTML references, for text in the report pages.
std::string HtmlEscape(std::string_view s);

// One column of figures side by side: a policy, a backend or a run.
struct Column {
  std::string name;
  std::map<std::string, Estimate> metrics;
};
std::vector<Column> ColumnsOf(const AuditRun& run);
// The metrics table and chart of the report, for any columns.
std::string MetricsTableHtml(const std::vector<Column>& columns);
std::string MetricsChartSvg(const std::vector<Column>& columns);

// Writes the three files into `dir` (created if missing). Throws std::runtime_error.
void WriteReport(const AuditRun& run, const std::string& dir);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_REPORT_H_
