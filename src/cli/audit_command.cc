// `depict audit`: runs suites through a backend and writes a report (src/audit/).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit.h"
#include "audit/backend.h"
#include "audit/compare.h"
#include "audit/dataset.h"
#include "audit/report.h"
#include "audit/thresholds.h"
#include "cli/commands.h"
#include "diffusion/pipeline.h"
#include "io/models_dir.h"
#include "plan/planner.h"
#include "studio/studio.h"
#include "vision/inspect.h"

namespace depict::cli {
namespace {

constexpr int kGateMissed = 3;

struct AuditArgs {
  std::vector<std::string> suites;
  std::string backend = "plan";
  std::string policy = "depict";
  int images = 8;
  int64_t seed = 0;
  std::string out;
  std::string gate;
  std::string tables;
  std::string target;
  bool list = false;
  // Image mode.
  std::string url;
  std::string model;
  std::string models_dir;
  int parallel = 0;  // 0: 4 for a remote backend, 1 for depict's engine
  int steps = 20;
  int width = 512;
  int height = 512;
  std::string dataset;
  // `depict audit compare`.
  std::vector<std::string> compare;
  std::string compare_out;
};

std::string ReadFile(const std::string& path);
audit::Progress ProgressLine(const char* unit = "prompts");

// `depict audit --dataset SPEC`: a training set's images and captions.
int RunDataset(const AuditArgs& args) {
  if (args.out.empty()) {
    std::cerr << "depict audit: --dataset needs --out DIR\n";
    return 2;
  }
  try {
    const std::vector<audit::DatasetItem> items = audit::ListDataset(args.dataset);
    const auto models_dir = io::ModelsDir(args.models_dir);
    const vision::Inspector inspector(models_dir, vision::Inspector::Load{});
    const plan::Planner planner(plan::LoadTables(args.tables, args.target));
    const int parallel =
        args.parallel > 0 ? args.parallel : static_cast<int>(std::thread::hardware_concurrency());
    const auto results =
        audit::MeasureDataset(items, inspector, planner, parallel, ProgressLine("images"));
    const audit::DatasetSummary summary = audit::SummarizeDataset(results);
    audit::WriteDatasetReport(args.dataset, results, summary, args.out);
    std::cerr << "audit: " << summary.items << " images, " << summary.with_face << " with a face, "
              << summary.unreadable << " unreadable; " << args.out << "/report.html\n";
  } catch (const std::exception& e) {
    std::cerr << "depict audit: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

// `depict audit compare A B ...`: each a report folder or its summary.json.
int RunCompare(const AuditArgs& args) {
  std::vector<audit::Column> columns;
  for (const std::string& a : args.compare) {
    const std::string path = a.ends_with(".json") ? a : a + "/summary.json";
    try {
      for (audit::Column& c : audit::ColumnsFromSummary(a, ReadFile(path))) {
        columns.push_back(std::move(c));
      }
    } catch (const std::exception& e) {
      std::cerr << "depict audit compare: " << e.what() << "\n";
      return 2;
    }
  }
  std::cout << audit::CompareText(columns);
  if (args.compare_out.empty()) return 0;
  std::ofstream out(args.compare_out, std::ios::binary);
  out << audit::CompareHtml(args.compare, columns);
  if (!out) {
    std::cerr << "depict audit compare: cannot write " << args.compare_out << "\n";
    return 1;
  }
  return 0;
}

// The image backend `args` names, with the inspector it reports through. Throws.
std::unique_ptr<audit::Backend> MakeBackend(const AuditArgs& args,
                                            const std::shared_ptr<const plan::Planner>& planner) {
  const auto models_dir = io::ModelsDir(args.models_dir);
  auto inspector = std::make_shared<const vision::Inspector>(models_dir, vision::Inspector::Load{});
  if (args.backend == "a1111" || args.backend == "openai") {
    if (args.url.empty()) throw std::invalid_argument("--backend " + args.backend + " needs --url");
    const char* key = std::getenv("DEPICT_AUDIT_API_KEY");
    return audit::MakeHttpBackend(args.backend, args.url, key ? key : "", inspector);
  }
  if (args.model.empty()) throw std::invalid_argument("--backend depict needs --model FILE");
  diffusion::LoadOptions load;
  load.models_dir = models_dir.string();
  studio::Parts parts;
  parts.planner = planner;
  parts.model = diffusion::StableDiffusion::Load(args.model, load);
  parts.inspector = inspector;
  diffusion::GenerationRequest settings;
  settings.steps = args.steps;
  settings.width = args.width;
  settings.height = args.height;
  return audit::MakeStudioBackend(std::make_shared<const studio::Studio>(parts), settings);
}

// "audit: 300/600 prompts, 0.4 ms each, ETA 0.1 s" on stderr, at most twice a second.
audit::Progress ProgressLine(const char* unit) {
  const auto start = std::chrono::steady_clock::now();
  auto last = std::make_shared<double>(-1.0);
  return [start, last, unit](size_t done, size_t total) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // A terminal sees the line redrawn; a log gets the last one only.
    if (done != total && (elapsed - *last < 0.5 || !isatty(STDERR_FILENO))) return;
    *last = elapsed;
    const double each = elapsed / static_cast<double>(done);
    std::fprintf(stderr, "\raudit: %zu/%zu %s, %.2f ms each, ETA %.1f s%s", done, total, unit,
                 each * 1000.0, each * static_cast<double>(total - done),
                 done == total ? "\n" : "");
    std::fflush(stderr);
  };
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int RunAudit(const AuditArgs& args) {
  if (!args.dataset.empty()) return RunDataset(args);
  if (args.list) {
    for (const std::string& name : audit::ShippedSuites()) std::cout << name << "\n";
    return 0;
  }
  if (args.suites.empty() || args.out.empty()) {
    std::cerr << "depict audit: give --suite (a file or one of the shipped suites, "
                 "--list-suites) and --out DIR\n";
    return 2;
  }
  if (args.backend != "plan" && args.backend != "depict" && args.backend != "a1111" &&
      args.backend != "openai") {
    std::cerr << "depict audit: --backend must be plan, depict, a1111 or openai\n";
    return 2;
  }
  const auto policy = audit::ParsePolicy(args.policy);
  if (!policy) {
    std::cerr << "depict audit: --policy must be depict, passthrough or always-diversify\n";
    return 2;
  }
  std::vector<audit::Case> cases;
  std::string thresholds;
  std::shared_ptr<const plan::Tables> tables;
  try {
    for (const std::string& spec : args.suites) {
      std::vector<audit::Case> more = audit::LoadSuite(spec);
      cases.insert(cases.end(), more.begin(), more.end());
    }
    if (!args.gate.empty()) thresholds = ReadFile(args.gate);
    tables = plan::LoadTables(args.tables, args.target);
  } catch (const std::exception& e) {
    std::cerr << "depict audit: " << e.what() << "\n";
    return 2;
  }
  const auto planner = std::make_shared<const plan::Planner>(tables);
  audit::AuditRun run;
  if (args.backend == "plan") {
    audit::Options options;
    options.images = args.images;
    options.seed = static_cast<uint64_t>(args.seed);
    options.policy = *policy;
    run = audit::RunPlanAudit(*planner, std::move(cases), options, ProgressLine());
  } else {
    std::unique_ptr<audit::Backend> backend;
    try {
      backend = MakeBackend(args, planner);
    } catch (const std::exception& e) {
      std::cerr << "depict audit: " << e.what() << "\n";
      return 2;
    }
    audit::ImageOptions options;
    options.images = args.images;
    options.seed = static_cast<uint64_t>(args.seed);
    options.parallel = args.parallel > 0 ? args.parallel : (args.backend == "depict" ? 1 : 4);
    // Answers are kept in OUT/cache.jsonl: a run that stops resumes where it was.
    options.backend_id = args.backend == "depict"
                             ? "depict " + diffusion::ShortFileHash(args.model) + " " +
                                   std::to_string(args.steps) + " " + std::to_string(args.width) +
                                   "x" + std::to_string(args.height)
                             : args.backend + " " + args.url;
    std::error_code ec;
    std::filesystem::create_directories(args.out, ec);
    options.cache = args.out + "/cache.jsonl";
    try {
      run = audit::RunImageAudit(*backend, *planner, std::move(cases), options, ProgressLine());
    } catch (const std::exception& e) {
      std::cerr << "depict audit: " << e.what() << "\n";
      return 1;
    }
    for (const std::string& e : run.errors)
      std::cerr << "depict audit: request failed: " << e << "\n";
  }
  try {
    audit::WriteReport(run, args.out);
  } catch (const std::exception& e) {
    std::cerr << "depict audit: " << e.what() << "\n";
    return 1;
  }
  const audit::Summary& s = run.chosen().summary;
  std::cerr << "audit: " << s.passed << " of " << s.cases << " prompts passed every check; "
            << args.out << "/report.html\n";
  if (thresholds.empty()) return 0;
  try {
    const std::vector<std::string> missed = audit::MissedThresholds(thresholds, s);
    for (const std::string& m : missed) std::cerr << "gate: " << m << "\n";
    if (!missed.empty()) return kGateMissed;
    std::cerr << "gate: every threshold met\n";
  } catch (const audit::ThresholdError& e) {
    std::cerr << "depict audit: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace

std::function<int()> AddAuditCommand(CLI::App& app) {
  auto args = std::make_shared<AuditArgs>();
  CLI::App* cmd = app.add_subcommand(
      "audit", "Measure casting, fidelity and refusals on suites of prompts, and write a report");
  cmd->add_option("--suite", args->suites,
                  "A suite file (JSON Lines) or a shipped suite's name; repeat for several");
  cmd->add_option("--backend", args->backend,
                  "plan (depict's planner alone: the casts), depict (this engine, --model), "
                  "a1111 or openai (a server at --url; key from $DEPICT_AUDIT_API_KEY)")
      ->capture_default_str();
  cmd->add_option("--url", args->url, "http(s)://HOST:PORT of an a1111 or openai backend");
  cmd->add_option("--model", args->model, "Checkpoint for --backend depict");
  cmd->add_option("--models-dir", args->models_dir,
                  "Models folder (inspection weights, CLIP vocabulary); default $DEPICT_MODELS "
                  "or models/");
  cmd->add_option("--parallel", args->parallel,
                  "Requests at a time (default 4 for a server, 1 for depict's engine)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--steps", args->steps, "Sampling steps (--backend depict)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--width", args->width, "Width (--backend depict)")->capture_default_str();
  cmd->add_option("--height", args->height, "Height (--backend depict)")->capture_default_str();
  cmd->add_option("--policy", args->policy,
                  "The run the summary and --gate judge: depict, passthrough or always-diversify "
                  "(the report shows all three)")
      ->capture_default_str();
  cmd->add_option("--images", args->images, "Images per prompt")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of each prompt's first image")
      ->check(CLI::Range(int64_t{0}, int64_t{4294967295}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Folder for report.html, summary.json, results.jsonl");
  cmd->add_option("--gate", args->gate,
                  "thresholds.json: {\"METRIC\": {\"min\": X, \"max\": Y}}; exit 3 when missed");
  cmd->add_option("--tables", args->tables, "Knowledge tables folder instead of the embedded");
  cmd->add_option("--target", args->target, "Target distribution of open attributes (JSON)");
  cmd->add_flag("--list-suites", args->list, "Print the shipped suites' names");
  cmd->add_option("--dataset", args->dataset,
                  "Measure a training set instead: a folder of images with same-named .txt "
                  "captions, or JSON Lines of {\"image\", \"caption\"}");
  CLI::App* compare = cmd->add_subcommand(
      "compare", "Runs side by side: report folders (or summary.json files) of two or more audits");
  compare->add_option("runs", args->compare, "Report folders or summary.json files")
      ->required()
      ->expected(2, 16);
  compare->add_option("--out", args->compare_out, "Write the comparison page here (HTML)");
  return [args, compare]() { return compare->parsed() ? RunCompare(*args) : RunAudit(*args); };
}

}  // namespace depict::cli
