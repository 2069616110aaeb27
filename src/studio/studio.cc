#include "studio/studio.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

#include "plan/plan_json.h"

namespace depict::studio {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Studio::Studio(Parts parts) : parts_(std::move(parts)) {
  if (!parts_.planner) throw std::invalid_argument("studio::Studio: a planner is required");
}

plan::Plan Studio::Plan(const Request& request) const {
  return parts_.planner->Run(request.prompt, {request.images, request.seed});
}

Result Studio::Run(const Request& request, const Callbacks& callbacks) const {
  if (!request.plan) return Generate(request, {}, callbacks);
  const auto start = Clock::now();
  plan::Plan planned = Plan(request);
  const double seconds = SecondsSince(start);
  Result result = Generate(request, std::move(planned), callbacks);
  result.plan_seconds = seconds;
  return result;
}

std::vector<diffusion::GenerationRequest> Studio::EngineRequests(const Request& request,
                                                                 const plan::Plan& plan) const {
  if (request.images < 1 || request.images > plan::kMaxImages) {
    throw std::invalid_argument("images must be between 1 and " + std::to_string(plan::kMaxImages));
  }
  if (request.plan && plan.refusal) {
    throw std::invalid_argument("the engine is never asked for a refused prompt");
  }
  diffusion::GenerationRequest settings = request.settings;
  std::vector<diffusion::GenerationRequest> out;
  if (request.plan) {
    // A prompt pasted with A1111's "Negative prompt:" brings its own, unless one was given.
    if (settings.negative_prompt.empty()) settings.negative_prompt = plan.negative_prompt;
    for (const cast::ImageCast& image : plan.images) {
      out.push_back(settings);
      out.back().prompt = image.prompt;
      out.back().seed = image.seed;
    }
  } else {
    plan::CheckPrompt(request.prompt);  // the planner's limits on a prompt hold unplanned too
    for (int i = 0; i < request.images; ++i) {
      out.push_back(settings);
      out.back().prompt = request.prompt;
      out.back().seed = diffusion::ImageSeed(request.seed, i);
    }
  }
  return out;
}

Image Studio::Finish(const Request& request, const plan::Plan& plan, size_t index,
                     const diffusion::GenerationRequest& engine_request,
                     diffusion::GeneratedImage generated) const {
  Image image;
  image.index = index;
  image.generated = std::move(generated);
  image.infotext =
      diffusion::InfoText(engine_request, image.generated, parts_.model->info(), parts_.model_hash);
  if (request.plan) {
    image.cast_json = plan::ImageCastJson(plan, index);
    if (plan.language != lang::Language::kEn)
      image.display_prompt = plan.images[index].display_prompt;
  }
  if (request.inspect) {
    const auto start = Clock::now();
    vision::Image pixels{image.generated.width, image.generated.height, image.generated.rgb};
    image.inspection = parts_.inspector->Inspect(pixels, vision::InspectOptions{});
    image.inspect_seconds = SecondsSince(start);
  }
  return image;
}

Result Studio::Generate(const Request& request, plan::Plan plan, const Callbacks& callbacks) const {
  if (request.inspect && !parts_.inspector) {
    throw std::invalid_argument("inspection asked of a studio without an inspector");
  }
  if (request.batch < 1) throw std::invalid_argument("batch must be at least 1");
  Result result;
  result.plan = std::move(plan);
  if (request.plan && result.refused()) return result;  // the engine never sees a refused prompt
  if (!parts_.model) throw std::invalid_argument("generation asked of a studio without a model");
  const std::vector<diffusion::GenerationRequest> engine = EngineRequests(request, result.plan);
  const auto batch = static_cast<size_t>(request.batch);
  for (size_t first = 0, end = 0; first < engine.size(); first = end) {
    // Consecutive images that can share a UNet batch (cast prompts of one length), up to
    // `batch` of them.
    end = first + 1;
    while (end < engine.size() && end - first < batch &&
           parts_.model->CanBatch(engine[first], engine[end])) {
      ++end;
    }
    const std::vector<diffusion::GenerationRequest> group(engine.begin() + first,
                                                          engine.begin() + end);
    diffusion::StepCallback on_step;
    if (callbacks.on_step) {
      on_step = [&](int step, int total) { callbacks.on_step(first, engine.size(), step, total); };
    }
    std::vector<diffusion::GeneratedImage> made =
        parts_.model->GenerateBatch(group, parts_.loras.get(), on_step);
    for (size_t i = first; i < end; ++i) {
      Image image = Finish(request, result.plan, i, engine[i], std::move(made[i - first]));
      if (callbacks.on_image) callbacks.on_image(image);
      result.images.push_back(std::move(image));
    }
  }
  return result;
}

}  // namespace depict::studio
