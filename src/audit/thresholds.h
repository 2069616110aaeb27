// The release gate: `--gate thresholds.json` holds {"METRIC": {"min": X, "max": Y}, ...}; a run
// passes when every named metric was measured and lies within its bounds.
#ifndef DEPICT_AUDIT_THRESHOLDS_H_
#define DEPICT_AUDIT_THRESHOLDS_H_

#include <stdexcept>
#include <string>
#include <vector>

#include "audit/score.h"

namespace depict::audit {

// A thresholds file that cannot be read or names no known bound.
class ThresholdError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every threshold `summary` misses, each as one sentence; empty when the gate passes. A metric
// the run did not measure misses its threshold (a gate must not pass on what was not measured).
std::vector<std::string> MissedThresholds(const std::string& thresholds_json,
                                          const Summary& summary);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_THRESHOLDS_H_
