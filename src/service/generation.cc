// One generation for any API family: the model a request names, its limits, the studio run,
// progress and interruption.
#include <filesystem>

#include "diffusion/png_writer.h"
#include "io/base64.h"
#include "io/file.h"
#include "io/models_dir.h"
#include "service/service_internal.h"

namespace depict::service {
namespace {

namespace fs = std::filesystem;

// Thrown from a step callback when the job's own caller interrupted it.
struct Interrupted {};

// The model `name` names: the default, or a *.safetensors file inside the checkpoints folder
// (never a path, never outside it), loaded once and kept.
std::shared_ptr<const diffusion::StableDiffusion> ModelFor(State& s, const std::string& name,
                                                           std::string& hash) {
  const std::string wanted = name.empty() ? s.default_model : name;
  std::lock_guard<std::mutex> lock(s.models_mu);
  if (const auto it = s.models.find(wanted); it != s.models.end()) {
    hash = s.model_hashes[wanted];
    return it->second;
  }
  if (s.config.checkpoints.empty()) {
    throw RequestError(400, "invalid_request", "unknown model '" + wanted + "'");
  }
  fs::path path;
  try {
    path = io::ResolveInside(s.config.checkpoints, wanted, {".safetensors"}, "checkpoint");
  } catch (const io::FileError&) {
    throw RequestError(400, "invalid_request", "unknown model '" + wanted + "'");
  }
  diffusion::LoadOptions load;
  load.models_dir = io::ModelsDir(s.config.models_dir).string();
  std::shared_ptr<const diffusion::StableDiffusion> model =
      diffusion::StableDiffusion::Load(path, load);
  hash = diffusion::ShortFileHash(path);
  s.models[wanted] = model;
  s.model_hashes[wanted] = hash;
  return model;
}

}  // namespace

void CheckLimits(const Config& c, const GenerateParams& p) {
  const auto bad = [](const std::string& message) {
    throw RequestError(400, "invalid_request", message);
  };
  if (p.width < 64 || p.height < 64 || p.width > c.max_side || p.height > c.max_side) {
    bad("width and height must be from 64 to " + std::to_string(c.max_side));
  }
  if (p.steps < 1 || p.steps > c.max_steps) {
    bad("steps must be from 1 to " + std::to_string(c.max_steps));
  }
  if (p.images < 1 || p.images > c.max_images) {
    bad("a request makes 1 to " + std::to_string(c.max_images) + " images");
  }
  if (!(p.cfg_scale >= 0.0f && p.cfg_scale <= 100.0f)) bad("cfg_scale must be from 0 to 100");
  if (p.clip_skip < 1 || p.clip_skip > 12) bad("clip_skip must be from 1 to 12");
}

studio::Result Generate(State& s, const GenerateParams& p, const std::string& owner,
                        const StepHook& hook) {
  CheckLimits(s.config, p);
  studio::Request request;
  request.prompt = p.prompt;
  request.images = p.images;
  try {
    request.seed = diffusion::ResolveSeed(p.seed).value;
    request.settings.sampler = diffusion::ParseSampler(p.sampler, p.scheduler);
    plan::CheckPrompt(p.prompt);
    if (!p.negative_prompt.empty()) plan::CheckPrompt(p.negative_prompt);
  } catch (const std::invalid_argument& e) {
    throw RequestError(400, "invalid_request", e.what());
  }
  request.settings.negative_prompt = p.negative_prompt;
  request.settings.width = p.width;
  request.settings.height = p.height;
  request.settings.steps = p.steps;
  request.settings.cfg_scale = p.cfg_scale;
  request.settings.clip_skip = p.clip_skip;

  // Plan first, outside the engine's lock: a refusal never waits for another job.
  studio::Parts parts;
  parts.planner = s.planner;
  plan::Plan planned = studio::Studio(parts).Plan(request);
  if (planned.refusal) {
    studio::Result refused;
    refused.plan = std::move(planned);
    return refused;
  }
  parts.model = ModelFor(s, p.model, parts.model_hash);
  parts.loras = s.loras;
  const studio::Studio studio(std::move(parts));

  ++s.queued;
  std::lock_guard<std::mutex> engine(s.engine_mu);
  --s.queued;
  {
    std::lock_guard<std::mutex> lock(s.progress.mu);
    s.progress.owner = owner;
    s.progress.job_count = 1;
    s.progress.image = 0;
    s.progress.images = p.images;
    s.progress.step = 0;
    s.progress.steps = p.steps;
    s.progress.started = std::chrono::steady_clock::now();
    s.progress.interrupt = false;
  }
  studio::Result result;
  result.plan = planned;
  studio::Callbacks callbacks;
  auto last_step = std::chrono::steady_clock::now();
  callbacks.on_step = [&s, &last_step, &hook, &p](size_t image, size_t, int step, int total) {
    const auto now = std::chrono::steady_clock::now();
    s.metrics.Step(std::chrono::duration<double>(now - last_step).count());
    last_step = now;
    if (hook && !hook(static_cast<int>(image), p.images, step, total)) throw Interrupted{};
    std::lock_guard<std::mutex> lock(s.progress.mu);
    s.progress.image = static_cast<int>(image);
    s.progress.step = step;
    s.progress.steps = total;
    if (s.progress.interrupt) throw Interrupted{};
  };
  callbacks.on_image = [&s, &result](const studio::Image& image) {
    s.metrics.Image();
    result.images.push_back(image);
  };
  try {
    studio.Generate(request, std::move(planned), callbacks);
  } catch (const Interrupted&) {
    // The images done so far are the answer, as A1111 answers an interrupted batch.
  } catch (const diffusion::GenerationError& e) {
    std::lock_guard<std::mutex> lock(s.progress.mu);
    s.progress.job_count = 0;
    throw RequestError(400, "invalid_request", e.what());
  } catch (const std::invalid_argument& e) {
    std::lock_guard<std::mutex> lock(s.progress.mu);
    s.progress.job_count = 0;
    throw RequestError(400, "invalid_request", e.what());
  } catch (...) {
    std::lock_guard<std::mutex> lock(s.progress.mu);
    s.progress.job_count = 0;
    throw;
  }
  std::lock_guard<std::mutex> lock(s.progress.mu);
  s.progress.job_count = 0;
  return result;
}

nlohmann::json ImagesJson(const studio::Result& result) {
  nlohmann::json images = nlohmann::json::array();
  for (const studio::Image& image : result.images) {
    const diffusion::GeneratedImage& g = image.generated;
    const std::string png = diffusion::EncodePng(
        g.rgb, g.width, g.height, {{"parameters", image.infotext}, {"depict", image.cast_json}});
    nlohmann::json cast = nlohmann::json::parse(image.cast_json, nullptr, false);
    images.push_back({{"b64_png", io::Base64Encode(png)},
                      {"prompt", g.prompt},
                      {"seed", g.seed},
                      {"cast", cast.is_discarded() ? nlohmann::json() : cast}});
  }
  return images;
}

nlohmann::json SamplerList() {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& name : diffusion::SamplerNames()) {
    out.push_back({{"name", name}, {"aliases", nlohmann::json::array()}, {"options", {}}});
  }
  return out;
}

}  // namespace depict::service
