// `depict inspect IMAGE...`: faces (box, score, landmarks, perceived gender, age and skin tone)
// and NSFW class probabilities of PNG and JPEG images.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/inspection_json.h"
#include "io/models_dir.h"
#include "tensor/engine.h"
#include "vision/inspect.h"
#include "vision/nn.h"
#include "vision/nsfw.h"

namespace depict::cli {
namespace {

struct InspectArgs {
  std::vector<std::string> images;
  bool json = false;
  std::string detector = "tiny";
  double min_face = 0;
  std::string models;
  int threads = 0;
};

// oneDNN's OpenMP threads (libgomp) spin after each primitive by default and take the cores the
// thread pool of our own kernels needs: on 2 busy cores an SSD pass ran 5x slower on all cores
// than on one. libgomp reads OMP_WAIT_POLICY once, when it loads, so when it is unset the command
// runs itself again with it set to passive (argv from /proc/self/cmdline). On failure it goes on.
void PreferPassiveOpenMpWait() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < cmdline.size();) {
    const size_t end = cmdline.find('\0', start);
    args.push_back(cmdline.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (args.empty()) return;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  setenv("OMP_WAIT_POLICY", "passive", 1);
  execv("/proc/self/exe", argv.data());
  unsetenv("OMP_WAIT_POLICY");  // exec failed: go on as we are
}

nlohmann::json ResultJson(const std::string& path, const vision::InspectResult& r) {
  nlohmann::json j = {{"image", path}};
  j.update(InspectionJson(r));
  return j;
}

void PrintText(const std::string& path, const vision::InspectResult& r) {
  std::printf("%s: %dx%d\n", path.c_str(), r.width, r.height);
  std::vector<size_t> order = {0, 1, 2, 3, 4};
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return r.nsfw[a] > r.nsfw[b]; });
  std::printf("  nsfw:");
  for (size_t k = 0; k < order.size(); ++k) {
    std::printf("%s %s %.1f%%", k ? "," : "", vision::kNsfwClasses[order[k]],
                100.0 * r.nsfw[order[k]]);
  }
  std::printf("\n  faces: %zu (every estimate is perceived, not identity)\n", r.faces.size());
  for (size_t i = 0; i < r.faces.size(); ++i) {
    const vision::FaceResult& f = r.faces[i];
    std::printf("  face %zu: at %.0f,%.0f size %.0fx%.0f, score %.3f\n", i + 1, f.box.x, f.box.y,
                f.box.width, f.box.height, f.score);
    if (f.has_age_gender) {
      std::printf("    perceived gender: %s (%.1f%%)\n", f.gender.c_str(),
                  100.0 * f.gender_probability);
      std::printf("    perceived age: %.1f years\n", f.age);
    } else {
      std::printf("    perceived gender and age: not estimated (aligned face outside the image)\n");
    }
    if (f.skin.found) {
      std::printf("    skin tone: Monk %d, ITA %.1f degrees (%.0f%% of face pixels used)\n",
                  f.skin.monk, f.skin.ita, 100.0 * f.skin.fraction);
    } else {
      std::printf("    skin tone: no skin pixels found\n");
    }
  }
}

int Run(const InspectArgs& args) {
  if (args.threads != 1) PreferPassiveOpenMpWait();
  vision::LimitHeapRetention();
  if (args.threads > 0) tensor::SetNumThreads(args.threads);
  const vision::DetectorKind detector =
      args.detector == "ssd" ? vision::DetectorKind::kSsd : vision::DetectorKind::kTiny;
  std::unique_ptr<vision::Inspector> inspector;
  try {
    inspector = std::make_unique<vision::Inspector>(
        io::ModelsDir(args.models),
        vision::Inspector::Load{.tiny = detector == vision::DetectorKind::kTiny,
                                .ssd = detector == vision::DetectorKind::kSsd});
  } catch (const std::exception& e) {
    std::cerr << "depict inspect: " << e.what() << "\n";
    return 1;
  }
  vision::InspectOptions options;
  options.detector = detector;
  options.min_face = args.min_face;
  int status = 0;
  for (const std::string& path : args.images) {
    try {
      const vision::Image image = vision::LoadImage(path);
      const vision::InspectResult r = inspector->Inspect(image, options);
      if (args.json) {
        std::printf("%s\n", ResultJson(path, r).dump().c_str());
      } else {
        PrintText(path, r);
      }
    } catch (const vision::ImageError& e) {
      status = 2;
      std::cerr << "depict inspect: " << e.what() << "\n";
      if (args.json)
        std::printf("%s\n", nlohmann::json{{"image", path}, {"error", e.what()}}.dump().c_str());
    } catch (const std::exception& e) {
      status = status == 0 ? 1 : status;
      std::cerr << "depict inspect: " << path << ": " << e.what() << "\n";
      if (args.json)
        std::printf("%s\n", nlohmann::json{{"image", path}, {"error", e.what()}}.dump().c_str());
    }
    std::fflush(stdout);
  }
  return status;
}

}  // namespace

std::function<int()> AddInspectCommand(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Find faces and estimate perceived gender, age and skin tone, and NSFW content, in PNG and "
      "JPEG images (face-api and nsfwjs models; run scripts/fetch-models.sh first)");
  cmd->add_option("images", args->images, "PNG or JPEG files")->required();
  cmd->add_flag("--json", args->json, "one JSON object per image, one per line");
  cmd->add_option("--detector", args->detector,
                  "face detector: tiny (fast, default) or ssd (SSD MobileNetV1, more accurate)")
      ->check(CLI::IsMember({"tiny", "ssd"}));
  cmd->add_option("--min-face", args->min_face,
                  "ignore faces whose box is narrower or shorter than PX pixels")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--models-dir,--models", args->models,
                  "Where scripts/fetch-models.sh put the models (default: $DEPICT_MODELS_DIR, "
                  "else the repository's models/, else ./models)");
  cmd->add_option("--threads", args->threads, "compute threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  return [args] { return Run(*args); };
}

}  // namespace depict::cli
