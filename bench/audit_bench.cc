// The audit's own costs: plan mode per prompt (planning, three policies, scoring) over the shipped
// suites, and image mode's per-image work besides inspection (the preview).
#include <benchmark/benchmark.h>

#include <vector>

#include "audit/audit.h"
#include "audit/suite.h"
#include "audit/thumbnail.h"
#include "plan/planner.h"

namespace {

using namespace depict;

void BM_PlanAudit(benchmark::State& state) {
  static const plan::Planner planner(plan::LoadTables(""));
  std::vector<audit::Case> cases;
  for (const std::string& name : audit::ShippedSuites()) {
    const auto more = audit::LoadSuite(name);
    cases.insert(cases.end(), more.begin(), more.end());
  }
  audit::Options options;
  options.images = static_cast<int>(state.range(0));
  audit::RunPlanAudit(planner, cases, options);  // loads the lexicons the suites need, untimed
  for (auto _ : state) {
    const audit::AuditRun run = audit::RunPlanAudit(planner, cases, options);
    benchmark::DoNotOptimize(run.runs.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(cases.size()));
}
BENCHMARK(BM_PlanAudit)->Arg(8)->Unit(benchmark::kMillisecond);

void BM_Thumbnail512(benchmark::State& state) {
  std::vector<uint8_t> rgb(512 * 512 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 7);
  for (auto _ : state) benchmark::DoNotOptimize(audit::Thumbnail(rgb, 512, 512));
}
BENCHMARK(BM_Thumbnail512)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
