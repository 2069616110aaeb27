#include "audit/audit.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "audit/backend.h"
#include "audit/cache.h"
#include "audit/observe.h"

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
  for (Policy p : order) run.runs.push_back(PolicyRun{p, std::string(PolicyName(p)), {}, {}});
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

namespace {

std::string SuiteNames(const std::vector<Case>& cases) {
  std::string out, last;
  for (const Case& c : cases) {
    if (c.suite == last) continue;
    last = c.suite;
    out += (out.empty() ? "" : "+") + c.suite;
  }
  return out;
}

}  // namespace

AuditRun RunImageAudit(const Backend& backend, const plan::Planner& planner,
                       std::vector<Case> cases, const ImageOptions& options,
                       const Progress& progress) {
  const auto start = std::chrono::steady_clock::now();
  AuditRun run;
  run.backend = backend.name();
  run.options.images = options.images;
  run.options.seed = options.seed;
  run.cases = std::move(cases);
  run.suite = SuiteNames(run.cases);
  run.target = planner.tables()->knowledge->target();
  const size_t n = run.cases.size();
  std::vector<Generation> generations(n);
  std::vector<std::string> errors(n);
  std::atomic<size_t> next{0}, done{0};
  std::mutex progress_mu;
  std::unique_ptr<GenerationCache> cache;
  if (!options.cache.empty()) cache = std::make_unique<GenerationCache>(options.cache);
  const auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      const std::string key = GenerationCache::Key(options.backend_id, run.cases[i].prompt,
                                                   options.seed, options.images);
      try {
        if (auto cached = cache ? cache->Find(key) : std::nullopt) {
          generations[i] = std::move(*cached);
        } else {
          generations[i] = backend.Generate(run.cases[i].prompt, options.images, options.seed);
          if (cache) cache->Add(key, generations[i]);
        }
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      const size_t d = ++done;
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mu);
        progress(d, n);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, options.parallel); ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  PolicyRun result{Policy::kDepict, backend.name(), {}, {}};
  Representation representation;
  for (size_t i = 0; i < n; ++i) {
    const Case& c = run.cases[i];
    plan::Plan plan;
    try {
      plan = planner.Run(c.prompt, {1, options.seed});
    } catch (const plan::InputError&) {
      plan.prompt = c.prompt;  // nobody depict can read; the backend was still asked
    }
    plan.refusal.reset();
    if (!errors[i].empty()) {
      run.errors.push_back(c.id + ": " + errors[i]);
      continue;
    }
    if (generations[i].refused) {
      plan.refusal =
          safety::Refusal{generations[i].category, "", generations[i].message, "", "", {}};
    }
    const Observed observed = Observe(plan, generations[i].inspections);
    result.results.push_back(ScoreCase(c, plan, observed, representation));
    result.results.back().thumbnails = generations[i].thumbnails;
  }
  result.summary = Summarize(result.results, representation, run.target,
                             static_cast<uint64_t>(options.images) * n);
  run.runs.push_back(std::move(result));
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

}  // namespace depict::audit
