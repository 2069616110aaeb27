// `depict audit compare A B ...`: two or more runs (their summary.json) side by side: the same
// table and chart as a report, a column per run, and a text table on stdout.
#ifndef DEPICT_AUDIT_COMPARE_H_
#define DEPICT_AUDIT_COMPARE_H_

#include <string>
#include <vector>

#include "audit/report.h"

namespace depict::audit {

// A run's columns read back from its summary.json text (its chosen run, then its baselines);
// `label` names it. Throws std::runtime_error for a file that is no summary.
std::vector<Column> ColumnsFromSummary(const std::string& label, const std::string& json);

// The comparison page and the text table of `columns`.
std::string CompareHtml(const std::vector<std::string>& labels, const std::vector<Column>& columns);
std::string CompareText(const std::vector<Column>& columns);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_COMPARE_H_
