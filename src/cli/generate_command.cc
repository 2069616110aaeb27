// `depict generate`: prompt -> plan (casting, safety) -> Stable Diffusion -> PNG files.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "cli/commands.h"
#include "cli/inspection_json.h"
#include "diffusion/pipeline.h"
#include "diffusion/png_writer.h"
#include "io/models_dir.h"
#include "plan/plan_json.h"
#include "plan/planner.h"
#include "plan/tables.h"
#include "studio/studio.h"
#include "tensor/engine.h"
#include "vision/image.h"
#include "vision/inspect.h"

namespace depict::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct GenerateArgs {
  std::string model;
  std::string prompt;
  std::string negative;
  int steps = 20;
  float cfg = 7.0f;
  std::string sampler = "DPM++ 2M";
  std::string schedule = "Automatic";
  std::optional<float> eta;
  std::string seed = "-1";
  std::optional<int> width;  // default: 512, or the init image's size
  std::optional<int> height;
  std::string init_image;                    // img2img
  std::optional<double> denoising_strength;  // default 0.75 with an init image
  int images = 1;
  std::vector<std::string> loras;
  std::vector<std::string> lora_dirs;
  std::string rng = "philox";
  int clip_skip = 1;
  int threads = 0;
  std::string out = "outputs";
  bool plan = true;
  std::string prediction = "auto";
  std::string models_dir;
  bool json = false;
  bool no_hash = false;
  bool inspect = false;
  std::string tables;
  std::string target;
};

// "2:05" or "1:02:05".
std::string Duration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

// Step i/N, s/it and ETA on stderr: a bar redrawn in place on a terminal, one line a step in a
// log. The first step is timed apart (it also prepares the weights), so s/it is the mean of the
// steps after it once there are some.
class Progress {
 public:
  Progress(int image, int images) : image_(image), images_(images), tty_(isatty(2) == 1) {}
  void Step(int step, int total) {
    const auto now = Clock::now();
    const double since_start = std::chrono::duration<double>(now - start_).count();
    if (step == 1) first_ = since_start;
    const double per_step = step > 1 ? (since_start - first_) / (step - 1) : since_start;  // s/it
    const double eta = per_step * (total - step);
    constexpr int kWidth = 24;
    const int filled = total > 0 ? step * kWidth / total : kWidth;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    char line[160];
    std::snprintf(line, sizeof line, "image %d/%d [%s] step %d/%d, %.2f s/it, ETA %s", image_,
                  images_, bar.c_str(), step, total, per_step, Duration(eta).c_str());
    std::cerr << (tty_ ? "\r" : "") << line << (tty_ && step < total ? "" : "\n") << std::flush;
  }

 private:
  int image_, images_;
  bool tty_;
  Clock::time_point start_ = Clock::now();
  double first_ = 0.0;
};

// The first free "NNNNN-" number in `dir`, as A1111 numbers its outputs.
int NextImageNumber(const fs::path& dir) {
  int next = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 6 || name[5] != '-') continue;
    int n = 0;
    bool digits = true;
    for (int i = 0; i < 5; ++i) {
      digits = digits && std::isdigit(static_cast<unsigned char>(name[static_cast<size_t>(i)]));
      n = n * 10 + (name[static_cast<size_t>(i)] - '0');
    }
    if (digits) next = std::max(next, n + 1);
  }
  return next;
}

// The prompts as typed: the planner's limit on a prompt applies with --no-plan too (the planner
// checks its own input), and to the negative prompt, which is never planned.
void CheckPromptBytes(const GenerateArgs& args) {
  const auto check = [](const std::string& text, const char* what) {
    if (text.size() > plan::kMaxPromptBytes) {
      throw std::invalid_argument(std::string(what) + " is " + std::to_string(text.size()) +
                                  " bytes, more than the limit of " +
                                  std::to_string(plan::kMaxPromptBytes));
    }
  };
  if (!args.plan) check(args.prompt, "--prompt");
  check(args.negative, "--negative");
}

// A1111's seeds: -1 (random) or 0..2^32-1, as its UI takes them. Image i of a batch uses
// seed + i unwrapped, as A1111 does, so it may pass 2^32-1.
depict::diffusion::Seed ParseCliSeed(const std::string& text) {
  namespace dd = depict::diffusion;
  const auto bad = [&] {
    return std::invalid_argument("--seed '" + text + "' is not -1 or an integer from 0 to " +
                                 std::to_string(dd::kMaxSeed));
  };
  dd::Seed seed;
  try {
    seed = dd::ParseSeed(text);
  } catch (const std::invalid_argument&) {
    throw bad();
  }
  if (!seed.random && seed.value > dd::kMaxSeed) throw bad();
  return seed;
}

// img2img's settings: --init-image read (PNG or JPEG) and --denoising-strength checked; the
// size is --width/--height (the image is resized to it, as A1111's "Just resize"), or without
// them the image's own when both its sides are multiples of 64. Throws std::invalid_argument,
// and vision::ImageError for a file that cannot be read as an image.
void SetUpImg2Img(const GenerateArgs& args, depict::diffusion::GenerationRequest& base) {
  namespace dd = depict::diffusion;
  if (args.init_image.empty()) {
    if (args.denoising_strength) {
      throw std::invalid_argument("--denoising-strength needs --init-image (it is img2img's)");
    }
    return;
  }
  const double strength = args.denoising_strength.value_or(0.75);  // A1111's default
  if (!(strength >= 0.0 && strength <= 1.0)) {
    throw std::invalid_argument("--denoising-strength must be a number from 0 to 1");
  }
  vision::Image image = vision::LoadImage(args.init_image);
  if (!args.width && !args.height &&
      (image.width % 64 != 0 || image.height % 64 != 0 || image.width > 4096 ||
       image.height > 4096)) {
    throw std::invalid_argument(
        "--init-image " + args.init_image + " is " + std::to_string(image.width) + "x" +
        std::to_string(image.height) +
        ", not a size depict can generate (multiples of 64 up to 4096): give --width and "
        "--height, and it is resized to them (A1111's \"Just resize\")");
  }
  base.width = args.width.value_or(args.height ? 512 : image.width);
  base.height = args.height.value_or(args.width ? 512 : image.height);
  base.denoising_strength = strength;
  base.init_image = std::make_shared<const dd::InitImage>(
      dd::InitImage{image.width, image.height, std::move(image.rgb)});
}

// The settings every image shares, checked; throws std::invalid_argument for a bad one.
depict::diffusion::GenerationRequest BaseRequest(const GenerateArgs& args) {
  namespace dd = depict::diffusion;
  dd::GenerationRequest base;
  base.negative_prompt = args.negative;
  base.width = args.width.value_or(512);
  base.height = args.height.value_or(512);
  base.steps = args.steps;
  base.cfg_scale = args.cfg;
  base.sampler = dd::ParseSampler(args.sampler, args.schedule);
  if (args.eta && !(*args.eta >= 0.0f && *args.eta <= dd::kMaxEta)) {
    throw std::invalid_argument("--eta must be a number from 0 to 1");
  }
  base.eta = args.eta;
  base.rng = dd::ParseRngKind(args.rng);
  base.clip_skip = args.clip_skip;
  for (const std::string& spec : args.loras) {
    // name[:weight[:unet weight]], the arguments of A1111's <lora:...> tag.
    const auto tags = dd::ExtractLoraTags("<lora:" + spec + ">").loras;
    if (tags.empty()) throw std::invalid_argument("bad --lora \"" + spec + "\"");
    base.loras.push_back(tags.front());
  }
  if (args.images < 1 || args.images > plan::kMaxImages) {
    throw std::invalid_argument("--images must be between 1 and " +
                                std::to_string(plan::kMaxImages));
  }
  CheckPromptBytes(args);
  SetUpImg2Img(args, base);
  return base;
}

// Loads the checkpoint (and the inspector with --inspect) into `parts`; an exit code on failure.
int LoadEngine(const GenerateArgs& args, const fs::path& models_dir, studio::Parts& parts) {
  namespace dd = depict::diffusion;
  try {
    dd::LoadOptions load;
    load.models_dir = models_dir.string();
    if (args.prediction != "auto") load.prediction = dd::ParsePrediction(args.prediction);
    const auto start = Clock::now();
    std::shared_ptr<const dd::StableDiffusion> model = dd::StableDiffusion::Load(args.model, load);
    const dd::ModelInfo& info = model->info();
    std::cerr << "depict: loaded " << info.name << " (" << dd::ModelFamilyName(info.family) << ", "
              << dd::PredictionName(info.prediction) << "-prediction"
              << (info.prediction_detected ? ", detected" : "") << ") in "
              << std::chrono::duration<double>(Clock::now() - start).count() << " s, "
              << tensor::NumThreads() << " threads\n";
    parts.model = std::move(model);
    if (!args.no_hash) parts.model_hash = dd::ShortFileHash(args.model);
    if (args.inspect) {
      parts.inspector =
          std::make_shared<const vision::Inspector>(models_dir, vision::Inspector::Load{});
    }
    fs::create_directories(args.out);
  } catch (const std::exception& e) {
    std::cerr << "depict: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// Writes one image as A1111 names its files, with its infotext and cast, and prints its path
// (or, with --json, a line describing it).
void WriteImage(const GenerateArgs& args, const studio::Image& image, int& number) {
  namespace dd = depict::diffusion;
  const dd::GeneratedImage& g = image.generated;
  std::vector<std::pair<std::string, std::string>> text = {{"parameters", image.infotext}};
  if (!image.cast_json.empty()) text.emplace_back("depict", image.cast_json);
  // The prompt as its writer reads it (the "parameters" chunk holds what the model read).
  if (!image.display_prompt.empty()) text.emplace_back("display_prompt", image.display_prompt);
  std::fprintf(stderr,
               "image %zu/%d: text encoder %.2f s, sampling %.2f s (%d steps), VAE decode "
               "%.2f s\n",
               image.index + 1, args.images, g.encode_seconds, g.sample_seconds, args.steps,
               g.decode_seconds);
  char name[64];
  std::snprintf(name, sizeof name, "%05d-%llu.png", number++,
                static_cast<unsigned long long>(g.seed));
  const fs::path path = fs::path(args.out) / name;
  dd::WritePng(path, g.rgb, g.width, g.height, text);
  if (args.json) {
    nlohmann::json line = {{"path", path.string()},
                           {"seed", g.seed},
                           {"prompt", g.prompt},
                           {"width", g.width},
                           {"height", g.height}};
    if (!image.cast_json.empty()) line["cast"] = nlohmann::json::parse(image.cast_json);
    if (!image.display_prompt.empty()) line["display_prompt"] = image.display_prompt;
    if (image.inspection) line["inspection"] = InspectionJson(*image.inspection);
    std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << path.string() << "\n";
  }
  std::cout.flush();
}

int RunGenerate(const GenerateArgs& args) {
  namespace dd = depict::diffusion;
  dd::GenerationRequest base;
  dd::Seed seed;
  try {
    base = BaseRequest(args);
    seed = ParseCliSeed(args.seed);
    tensor::SetNumThreads(args.threads);
  } catch (const std::system_error& e) {  // the system could not start the threads
    std::cerr << "depict: cannot start " << args.threads << " threads: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "depict: " << e.what() << "\n";
    return 2;
  }

  studio::Request request;
  request.prompt = args.prompt;
  request.settings = base;
  request.seed = seed.value;
  request.images = args.images;
  request.plan = args.plan;
  request.inspect = args.inspect;
  const fs::path models_dir = io::ModelsDir(args.models_dir);

  // Plan first: a refused prompt never loads a checkpoint.
  studio::Parts parts;
  plan::Plan planned;
  try {
    parts.planner =
        std::make_shared<const plan::Planner>(plan::LoadTables(args.tables, args.target));
    if (args.plan) {
      planned = studio::Studio(parts).Plan(request);
      if (planned.refusal) {
        std::cerr << "depict: refused (" << planned.refusal->category
                  << "): " << planned.refusal->message << "\n";
        return 3;
      }
    } else {
      plan::CheckPrompt(args.prompt);
    }
  } catch (const plan::InputError& e) {
    std::cerr << "depict: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {  // tables that do not load
    std::cerr << "depict: cannot load tables: " << e.what() << "\n";
    return 2;
  }

  if (const int code = LoadEngine(args, models_dir, parts); code != 0) return code;
  parts.loras = std::make_shared<dd::LoraLibrary>(
      std::vector<fs::path>(args.lora_dirs.begin(), args.lora_dirs.end()));
  const studio::Studio studio(std::move(parts));

  int number = NextImageNumber(args.out);
  std::unique_ptr<Progress> progress;
  studio::Callbacks callbacks;
  callbacks.on_step = [&](size_t index, size_t images, int step, int total) {
    if (step == 1 || !progress) {
      progress = std::make_unique<Progress>(static_cast<int>(index) + 1, static_cast<int>(images));
    }
    progress->Step(step, total);
  };
  callbacks.on_image = [&](const studio::Image& image) {
    progress.reset();
    WriteImage(args, image, number);
  };
  try {
    if (args.plan) {
      studio.Generate(request, std::move(planned), callbacks);
    } else {
      studio.Run(request, callbacks);
    }
  } catch (const dd::GenerationError& e) {
    std::cerr << "depict: " << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {  // PromptError, sampler settings
    std::cerr << "depict: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "depict: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

std::function<int()> AddGenerateCommand(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "Generate images with a Stable Diffusion 1.x/2.x checkpoint, cast by the planner");
  cmd->add_option("--model,-m", args->model,
                  "Checkpoint: a single-file .safetensors or a diffusers folder")
      ->required();
  cmd->add_option("--prompt,-p", args->prompt, "Prompt (A1111 syntax: (word:1.2), <lora:name:w>)")
      ->required();
  cmd->add_option("--negative,-n", args->negative, "Negative prompt");
  cmd->add_option("--steps", args->steps, "Sampling steps")->check(CLI::Range(1, 1000));
  cmd->add_option("--cfg", args->cfg, "Classifier-free guidance scale")->check(CLI::Range(0, 100));
  cmd->add_option("--sampler", args->sampler,
                  "Euler, Euler a, DPM++ 2M, DPM++ 2M Karras, DDIM, LCM");
  cmd->add_option("--schedule", args->schedule, "Automatic, Uniform, Karras, Exponential");
  cmd->add_option("--eta", args->eta, "Eta, 0 to 1 (Euler a: default 1, DDIM: default 0)");
  cmd->add_option("--seed", args->seed,
                  "Seed, 0 to 4294967295 (-1: random); image i uses seed + i");
  cmd->add_option("--width,-W", args->width,
                  "Width, a multiple of 64 (default 512, or the init image's width)");
  cmd->add_option("--height,-H", args->height,
                  "Height, a multiple of 64 (default 512, or the init image's height)");
  cmd->add_option("--init-image", args->init_image,
                  "img2img: start from this PNG or JPEG, resized to the width and height");
  cmd->add_option("--denoising-strength", args->denoising_strength,
                  "img2img: how much of the init image to redo, 0 to 1 (default 0.75)");
  cmd->add_option("--images", args->images, "Number of images");
  cmd->add_option("--lora", args->loras, "LoRA to apply: name[:weight[:unet weight]] (repeatable)");
  cmd->add_option("--lora-dir", args->lora_dirs, "Where LoRA name.safetensors files are");
  cmd->add_option("--rng", args->rng,
                  "Initial noise: philox (A1111's default GPU noise) or cpu (torch CPU, "
                  "ComfyUI and A1111 'CPU')");
  cmd->add_option("--clip-skip", args->clip_skip, "A1111's Clip skip (SD 1.x)");
  cmd->add_option("--threads", args->threads,
                  "Threads, 1 to " + std::to_string(tensor::MaxThreads()) + " (0: all cores)")
      ->check(CLI::Range(0, tensor::MaxThreads()));
  cmd->add_option("--out,-o", args->out, "Output directory");
  cmd->add_flag("--plan,!--no-plan", args->plan,
                "Cast the prompt with the planner first (default), or send it unchanged");
  cmd->add_option("--prediction", args->prediction, "auto, eps or v");
  cmd->add_option("--models-dir", args->models_dir,
                  "Where scripts/fetch-models.sh put the models (default: $DEPICT_MODELS_DIR, "
                  "else the repository's models/, else ./models)");
  cmd->add_flag("--json", args->json, "Print one JSON line per image instead of its path");
  cmd->add_flag("--inspect", args->inspect,
                "Inspect each image (faces, perceived gender and age, skin tone, NSFW); with "
                "--json, each line holds the inspection");
  cmd->add_option("--tables", args->tables,
                  "Load knowledge tables from this directory instead of the embedded ones");
  cmd->add_option("--target", args->target,
                  "JSON file with the deployment's target distribution of open attributes");
  cmd->add_flag("--no-hash", args->no_hash, "Skip the checkpoint's SHA-256 (A1111's model hash)");
  return [args] { return RunGenerate(*args); };
}

}  // namespace depict::cli
