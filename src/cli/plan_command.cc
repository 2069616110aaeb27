#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "plan/plan_json.h"
#include "plan/planner.h"
#include "text/tsv.h"

namespace depict::cli {
namespace {

std::atomic<bool> g_reload_requested{false};

void OnHangup(int) { g_reload_requested.store(true); }

struct PlanArgs {
  std::string prompt;
  bool json = false;
  bool batch = false;
  bool explain = false;
  int images = 1;
  uint64_t seed = 0;
  std::string tables;
  std::string target;
};

// Batch mode: one prompt per line in, one result per line out, in order. A line the planner
// cannot read gets {"error": ...} and the rest go on. SIGHUP reloads the tables between lines.
int RunBatch(plan::Planner& planner, const PlanArgs& args) {
  signal(SIGHUP, OnHangup);
  std::string line;
  std::string out;
  out.reserve(1 << 20);
  plan::Options options{args.images, args.seed};
  const auto flush = [&out] {
    fwrite(out.data(), 1, out.size(), stdout);
    fflush(stdout);
    out.clear();
  };
  while (true) {
    // Flush before blocking for input, so an interactive caller sees every answer at once.
    if (std::cin.rdbuf()->in_avail() <= 0 || out.size() > (1 << 20)) flush();
    if (!std::getline(std::cin, line)) break;
    if (g_reload_requested.exchange(false)) {
      try {
        planner.Reload(args.tables, args.target);
        std::cerr << "depict: tables reloaded from " << planner.tables()->origin << "\n";
      } catch (const std::exception& e) {
        std::cerr << "depict: reload rejected, keeping the current tables: " << e.what() << "\n";
      }
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    try {
      const plan::Plan p = planner.Run(line, options);
      out += args.json ? plan::ToJson(p) : plan::ToText(p, args.explain);
    } catch (const plan::InputError& e) {
      out += args.json ? plan::ErrorJson(e.what()) : std::string("error: ") + e.what() + "\n";
    }
    out += '\n';
  }
  flush();
  return 0;
}

int RunPlan(const PlanArgs& args) {
  std::shared_ptr<const plan::Tables> tables;
  try {
    tables = plan::LoadTables(args.tables, args.target);
  } catch (const std::exception& e) {
    std::cerr << "depict: cannot load tables: " << e.what() << "\n";
    return 2;
  }
  plan::Planner planner(tables);
  if (args.batch) return RunBatch(planner, args);
  try {
    const plan::Plan p = planner.Run(args.prompt, {args.images, args.seed});
    std::cout << (args.json ? plan::ToJson(p) + "\n" : plan::ToText(p, args.explain));
  } catch (const plan::InputError& e) {
    std::cerr << "depict: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace

std::function<int()> AddPlanCommand(CLI::App& app) {
  auto args = std::make_shared<PlanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plan", "Decide who appears in each image of a prompt, or refuse a harmful one");
  cmd->add_option("prompt", args->prompt, "The prompt (omit with --batch)");
  cmd->add_flag("--json", args->json, "Print one JSON object per prompt");
  cmd->add_flag("--batch", args->batch, "Read prompts from stdin, one per line");
  cmd->add_flag("--explain", args->explain, "Say why each decision was made");
  cmd->add_option("--images,-n", args->images, "Images in the batch")
      ->check(CLI::Range(0, plan::kMaxImages));
  cmd->add_option("--seed,-s", args->seed, "Seed of the first image (image i gets seed + i)");
  cmd->add_option("--tables", args->tables,
                  "Load knowledge tables from this directory instead of the embedded ones "
                  "(in --batch mode, SIGHUP reloads them)");
  cmd->add_option("--target", args->target,
                  "JSON file with the deployment's target distribution of open attributes");
  return [args, cmd]() {
    if (!args->batch && cmd->count("prompt") == 0) {
      std::cerr << "depict plan: give a PROMPT, or --batch to read prompts from stdin\n";
      return 2;
    }
    return RunPlan(*args);
  };
}

std::function<int()> AddDemoCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "demo", "Plan a handful of example prompts with the embedded tables and explain them");
  return [cmd]() {
    (void)cmd;
    static const char* kExamples[] = {
        "a 1940s German soldier",
        "the US Founding Fathers signing the Declaration of Independence",
        "a portrait of a doctor",
        "a female pope",
        "a samurai in feudal Japan",
        "Frida Kahlo painting in her studio",
        "a black and white photo of a jazz band",
        "children playing on the beach",
        "a black cat on a windowsill",
        "Muslims portrayed as rats",
    };
    PlanArgs args;
    args.images = 4;
    args.seed = 1;
    std::shared_ptr<const plan::Tables> tables;
    try {
      tables = plan::LoadTables("");
    } catch (const std::exception& e) {
      std::cerr << "depict: cannot load tables: " << e.what() << "\n";
      return 2;
    }
    plan::Planner planner(tables);
    for (const char* prompt : kExamples) {
      std::cout << plan::ToText(planner.Run(prompt, {args.images, args.seed}), true) << "\n";
    }
    return 0;
  };
}

}  // namespace depict::cli
