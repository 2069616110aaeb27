// `depict audit` in plan mode: every case of the suites planned once, then judged under depict's
// policy and the two baselines, so a report shows what the prompt layer changes. The plans are
// the measurement (no image is generated), so a run is fast enough to gate every commit.
#ifndef DEPICT_AUDIT_AUDIT_H_
#define DEPICT_AUDIT_AUDIT_H_

#include <functional>
#include <string>
#include <vector>

#include "audit/policy.h"
#include "audit/score.h"
#include "audit/suite.h"
#include "plan/planner.h"

namespace depict::audit {

struct Options {
  int images = 8;                   // per prompt
  uint64_t seed = 0;                // image i of a prompt uses seed + i
  Policy policy = Policy::kDepict;  // the run the summary and the gate are about
};

struct PolicyRun {
  Policy policy = Policy::kDepict;
  std::string name;                 // the policy's name; in image mode the backend's
  std::vector<CaseResult> results;  // in the cases' order
  Summary summary;
};

struct AuditRun {
  std::string suite;             // the suites' names, joined by "+"
  std::string backend = "plan";  // plan, depict, a1111 or openai
  Options options;
  std::vector<Case> cases;
  std::vector<PolicyRun> runs;  // the chosen policy first, then the others
  cast::Target target;          // the deployment target the casts are measured against
  double seconds = 0.0;
  std::vector<std::string> errors;  // "ID: what failed", image mode
  const PolicyRun& chosen() const { return runs.front(); }
};

// Image mode: each case's prompt through `backend` (`parallel` requests at a time), each image
// inspected; depict's planner reads the prompt only to know who is in it. One run, named after
// the backend; a request that fails is reported in `errors` and its case is not measured.
struct ImageOptions {
  int images = 4;
  uint64_t seed = 0;
  int parallel = 1;
  std::string cache;       // a GenerationCache file; "" keeps nothing
  std::string backend_id;  // what identifies the backend's answers in the cache
};

// Called after each case with the number done and the total.
using Progress = std::function<void(size_t done, size_t total)>;

// Plans every case (a prompt the planner will not read is a case refused by input, reported as
// such) and scores it under every policy. Runs on the calling thread.
AuditRun RunPlanAudit(const plan::Planner& planner, std::vector<Case> cases, const Options& options,
                      const Progress& progress = {});

class Backend;
AuditRun RunImageAudit(const Backend& backend, const plan::Planner& planner,
                       std::vector<Case> cases, const ImageOptions& options,
                       const Progress& progress = {});

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_AUDIT_H_
