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

// A1111's seeds are 32-bit unsigned.
constexpr int64_t kMaxSeed = 4294967295;

std::atomic<bool> g_reload_requested{false};

void OnHangup(int) { g_reload_requested.store(true); }

struct PlanArgs {
  std::string prompt;
  bool json = false;
  bool batch = false;
  bool explain = false;
  int images = 1;
  int64_t seed = 0;
  std::string tables;
  std::string target;
};

// Reads one line of stdin into `line`, keeping at most `limit` bytes of it, so an endless line
// costs no memory; `length` is the line's full length. False at end of input.
bool ReadBoundedLine(std::string& line, size_t limit, uint64_t& length) {
  line.clear();
  length = 0;
  std::streambuf* in = std::cin.rdbuf();
  bool any = false;
  for (int c = in->sbumpc(); c != std::char_traits<char>::eof(); c = in->sbumpc()) {
    any = true;
    if (c == '\n') return true;
    if (line.size() < limit) line.push_back(static_cast<char>(c));
    ++length;
  }
  return any;
}

// Batch mode: one prompt per line in, one result per line out, in order. A line the planner
// cannot read gets {"error": ...} and the rest go on; the exit code is then 2. SIGHUP reloads
// the tables between lines.
int RunBatch(plan::Planner& planner, const PlanArgs& args) {
  signal(SIGHUP, OnHangup);
  std::string line;
  std::string out;
  out.reserve(1 << 20);
  uint64_t lines = 0, failed = 0, length = 0;
  plan::Options options{args.images, static_cast<uint64_t>(args.seed)};
  const auto flush = [&out] {
    fwrite(out.data(), 1, out.size(), stdout);
    fflush(stdout);
    out.clear();
  };
  while (true) {
    // Flush before blocking for input, so an interactive caller sees every answer at once.
    if (std::cin.rdbuf()->in_avail() <= 0 || out.size() > (1 << 20)) flush();
    if (!ReadBoundedLine(line, plan::kMaxPromptBytes + 2, length)) break;
    if (g_reload_requested.exchange(false)) {
      try {
        planner.Reload(args.tables, args.target);
        std::cerr << "depict: tables reloaded from " << planner.tables()->origin << "\n";
      } catch (const std::exception& e) {
        std::cerr << "depict: reload rejected, keeping the current tables: " << e.what() << "\n";
      }
    }
    const bool truncated = length > line.size();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    try {
      if (truncated) {
        throw plan::InputError("prompt is " + std::to_string(length) + " bytes; the limit is " +
                               std::to_string(plan::kMaxPromptBytes));
      }
      const plan::Plan p = planner.Run(line, options);
      out += args.json ? plan::ToJson(p) : plan::ToText(p, args.explain);
    } catch (const plan::InputError& e) {
      out += args.json ? plan::ErrorJson(e.what()) : std::string("error: ") + e.what() + "\n";
      ++failed;
    }
    out += '\n';
    ++lines;
  }
  flush();
  if (failed > 0) {
    std::cerr << "depict: " << failed << " of " << lines << " lines could not be planned\n";
    return 2;
  }
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
    const plan::Plan p = planner.Run(args.prompt, {args.images, static_cast<uint64_t>(args.seed)});
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
  cmd->add_option("--seed,-s", args->seed,
                  "Seed of the first image, 0 to 4294967295 as A1111's seeds (image i gets "
                  "seed + i)")
      ->check(CLI::Range(int64_t{0}, int64_t{kMaxSeed}));
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
        "一个1940年代的德国士兵",
        "una abuela mexicana cocinando tortillas",
        "eine Ärztin im Krankenhaus",
    };
    PlanArgs args;
    args.images = 4;
    std::shared_ptr<const plan::Tables> tables;
    try {
      tables = plan::LoadTables("");
    } catch (const std::exception& e) {
      std::cerr << "depict: cannot load tables: " << e.what() << "\n";
      return 2;
    }
    plan::Planner planner(tables);
    for (const char* prompt : kExamples) {
      std::cout << plan::ToText(planner.Run(prompt, {args.images, 1}), true) << "\n";
    }
    return 0;
  };
}

}  // namespace depict::cli
