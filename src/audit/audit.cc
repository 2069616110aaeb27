#include "audit/audit.h"

#include <chrono>

namespace depict::audit {

AuditRun RunPlanAudit(const plan::Planner& planner, std::vector<Case> cases, const Options& options,
                      const Progress& progress) {
  const auto start = std::chrono::steady_clock::now();
  AuditRun run;
  run.options = options;
  run.cases = std::move(cases);
  std::vector<std::string> names;
  for (const Case& c : run.cases) {
    if (names.empty() || names.back() != c.suite) names.push_back(c.suite);
  }
  for (const std::string& n : names) run.suite += (run.suite.empty() ? "" : "+") + n;
  std::vector<Policy> order = {options.policy};
  for (Policy p : kPolicies) {
    if (p != options.policy) order.push_back(p);
  }
  std::vector<Representation> representations(order.size());
  for (Policy p : order) run.runs.push_back(PolicyRun{p, {}, {}});
  const auto tables = planner.tables();
  const cast::Target& target = tables->knowledge->target();
  run.target = target;
  for (size_t i = 0; i < run.cases.size(); ++i) {
    const Case& c = run.cases[i];
    plan::Plan plan;
    try {
      plan = planner.Run(c.prompt, {options.images, options.seed});
    } catch (const plan::InputError& e) {
      plan.prompt = c.prompt;
      plan.refusal = safety::Refusal{"input", "", e.what(), "", "", {}};
    }
    for (size_t k = 0; k < order.size(); ++k) {
      const plan::Plan judged = ApplyPolicy(order[k], plan, target, options.images, options.seed);
      run.runs[k].results.push_back(ScoreCase(c, judged, representations[k]));
    }
    if (progress) progress(i + 1, run.cases.size());
  }
  const uint64_t images = static_cast<uint64_t>(options.images) * run.cases.size();
  for (size_t k = 0; k < order.size(); ++k) {
    run.runs[k].summary = Summarize(run.runs[k].results, representations[k], target, images);
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

}  // namespace depict::audit
