// Planning throughput: prompts per second on one core in batch mode (plan + 8 image casts +
// JSON), and the per-prompt latency distribution (p50/p99 in microseconds).
//   build/bench/plan_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "lang/lexicon.h"
#include "plan/plan_json.h"
#include "plan/planner.h"
#include "safety/gate.h"
#include "text/lexer.h"

namespace depict::lang {
const std::map<std::string, std::string_view>& EmbeddedLexiconFiles();
}

namespace {

// A mix like real traffic: people with open, explicit and historical attributes, named people,
// groups, prompts without people and refusals.
const std::vector<std::string>& Prompts() {
  static const std::vector<std::string> kPrompts = {
      "a portrait of a doctor in a hospital corridor, soft light, 85mm",
      "a 1940s German soldier in a trench, black and white photograph",
      "the US Founding Fathers signing the Declaration of Independence, oil painting",
      "a Black female chemist in a laboratory",
      "an old Korean man playing baduk in a park",
      "a samurai in feudal Japan at dawn, ukiyo-e style",
      "Winston Churchill smoking a cigar",
      "children playing on the beach at sunset",
      "a crowd at a concert, wide angle, neon lights",
      "a cup of black coffee on a wooden table",
      "a Latino father with his son at a baseball game",
      "a medieval knight in shining armor on horseback",
      "a group of friends having a picnic in the park",
      "a lighthouse at night during a storm",
      "Muslims portrayed as rats",
      "a female pilot in the cockpit of a jet",
      "a Thai monk collecting alms at dawn",
      "a CEO giving a presentation to the board",
      "two nurses and a surgeon in an operating room",
      "Napoleon's soldiers crossing the Alps in winter",
  };
  return kPrompts;
}

// The same kinds of prompt in the eleven other languages and mixed with English tags.
const std::vector<std::string>& ForeignPrompts() {
  static const std::vector<std::string> kPrompts = {
      "一个1940年代的德国士兵，黑白照片",
      "一位医生在医院走廊里，柔和的光线",
      "江戸時代の侍、浮世絵風",
      "公園で遊ぶ子どもたち",
      "병원 복도에 서 있는 의사, 자연광",
      "이순신 장군의 초상화",
      "अस्पताल में एक डॉक्टर",
      "طبيبة تقف في ممر المستشفى",
      "un soldado alemán en 1943, fotografía en blanco y negro",
      "una abuela mexicana cocinando tortillas",
      "une infirmière dans un hôpital, photo réaliste",
      "le président Emmanuel Macron à l'Élysée",
      "eine Ärztin im Krankenhaus",
      "eine schwarze Katze auf dem Dach",
      "um médico negro no hospital",
      "i legionari romani sul vallo di Adriano",
      "врач в больнице, портрет",
      "солдаты вермахта, 1943 год, архивное фото",
      "masterpiece, best quality, 8k, 一个德国士兵, 1943, film grain",
      "niño desnudo",
  };
  return kPrompts;
}

depict::plan::Planner& SharedPlanner() {
  static depict::plan::Planner planner(depict::plan::LoadTables(""));
  return planner;
}

void BM_PlanBatch(benchmark::State& state) {
  auto& planner = SharedPlanner();
  const auto& prompts = Prompts();
  for (const auto& p : prompts) planner.Run(p, {1, 7});  // tables loaded before timing
  const depict::plan::Options options{static_cast<int>(state.range(0)), 7};
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const auto plan = planner.Run(prompts[i++ % prompts.size()], options);
    const std::string json = depict::plan::ToJson(plan);
    bytes += json.size();
    benchmark::DoNotOptimize(json.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_PlanBatch)->Arg(1)->Arg(8);

// Latency per prompt with 8 images, timed one by one; reports p50 and p99 as counters.
void BM_PlanLatency8(benchmark::State& state) {
  auto& planner = SharedPlanner();
  const auto& prompts = Prompts();
  std::vector<double> micros;
  micros.reserve(1 << 20);
  size_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto plan = planner.Run(prompts[i++ % prompts.size()], {8, 7});
    const std::string json = depict::plan::ToJson(plan);
    benchmark::DoNotOptimize(json.data());
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(micros.begin(), micros.end());
  if (!micros.empty()) {
    state.counters["p50_us"] = micros[micros.size() / 2];
    state.counters["p99_us"] = micros[micros.size() * 99 / 100];
    state.counters["max_us"] = micros.back();
  }
}
BENCHMARK(BM_PlanLatency8)->MinTime(2.0);

// The safety gate alone on the same prompts (lexed beforehand, no planner facts): its share of
// BM_PlanBatch is what the gate costs planning.
void BM_SafetyGate(benchmark::State& state) {
  const auto tables = SharedPlanner().tables();
  std::vector<depict::text::TokenList> tokens;
  for (const std::string& p : Prompts()) tokens.push_back(depict::text::Lex(p));
  const depict::safety::Facts facts;
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ % tokens.size();
    benchmark::DoNotOptimize(depict::safety::Check(*tables->rules, Prompts()[k], tokens[k], facts));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SafetyGate);

// Prompts in other languages: the language front end's reading, then the same planning.
void BM_PlanBatchForeign(benchmark::State& state) {
  auto& planner = SharedPlanner();
  const auto& prompts = ForeignPrompts();
  for (const auto& p : prompts) planner.Run(p, {1, 7});  // every language's tables loaded
  const depict::plan::Options options{static_cast<int>(state.range(0)), 7};
  size_t i = 0;
  for (auto _ : state) {
    const auto plan = planner.Run(prompts[i++ % prompts.size()], options);
    const std::string json = depict::plan::ToJson(plan);
    benchmark::DoNotOptimize(json.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlanBatchForeign)->Arg(1)->Arg(8);

// Loading every language's lexicons (indexing the embedded tables; the romanised-word maps are
// built on first use of a romanised prompt and are not counted here).
void BM_LoadLexicons(benchmark::State& state) {
  for (auto _ : state) {
    depict::lang::Lexicons lexicons(depict::lang::EmbeddedLexiconFiles());
    for (int l = 0; l < depict::lang::kLanguageCount; ++l) {
      benchmark::DoNotOptimize(&lexicons.Get(static_cast<depict::lang::Language>(l)));
    }
  }
}
BENCHMARK(BM_LoadLexicons)->Unit(benchmark::kMillisecond);

void BM_LoadTables(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(depict::plan::LoadTables(""));
}
BENCHMARK(BM_LoadTables)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
