#include "studio/studio.h"

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

// What the engine reads for each image: the planner's cast prompts, or the prompt unchanged.
struct Planned {
  std::string prompt;
  uint64_t seed = 0;
};

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

Result Studio::Generate(const Request& request, plan::Plan plan, const Callbacks& callbacks) const {
  if (request.images < 1 || request.images > plan::kMaxImages) {
    throw std::invalid_argument("images must be between 1 and " + std::to_string(plan::kMaxImages));
  }
  if (request.inspect && !parts_.inspector) {
    throw std::invalid_argument("inspection asked of a studio without an inspector");
  }
  Result result;
  result.plan = std::move(plan);
  if (request.plan && result.refused()) return result;  // the engine never sees a refused prompt
  if (!parts_.model) throw std::invalid_argument("generation asked of a studio without a model");
  diffusion::GenerationRequest settings = request.settings;
  std::vector<Planned> planned;
  if (request.plan) {
    // A prompt pasted with A1111's "Negative prompt:" brings its own, unless one was given.
    if (settings.negative_prompt.empty()) settings.negative_prompt = result.plan.negative_prompt;
    for (const cast::ImageCast& image : result.plan.images) {
      planned.push_back({image.prompt, image.seed});
    }
  } else {
    plan::CheckPrompt(request.prompt);  // the planner's limits on a prompt hold unplanned too
    for (int i = 0; i < request.images; ++i) {
      planned.push_back({request.prompt, diffusion::ImageSeed(request.seed, i)});
    }
  }

  const bool foreign = request.plan && result.plan.language != lang::Language::kEn;
  for (size_t i = 0; i < planned.size(); ++i) {
    diffusion::GenerationRequest one = settings;
    one.prompt = planned[i].prompt;
    one.seed = planned[i].seed;
    Image image;
    image.index = i;
    diffusion::StepCallback on_step;
    if (callbacks.on_step) {
      on_step = [&](int step, int total) { callbacks.on_step(i, planned.size(), step, total); };
    }
    image.generated = parts_.model->Generate(one, parts_.loras.get(), on_step);
    image.infotext =
        diffusion::InfoText(one, image.generated, parts_.model->info(), parts_.model_hash);
    if (request.plan) {
      image.cast_json = plan::ImageCastJson(result.plan, i);
      if (foreign) image.display_prompt = result.plan.images[i].display_prompt;
    }
    if (request.inspect) {
      const auto start = Clock::now();
      vision::Image pixels{image.generated.width, image.generated.height, image.generated.rgb};
      image.inspection = parts_.inspector->Inspect(pixels, vision::InspectOptions{});
      image.inspect_seconds = SecondsSince(start);
    }
    if (callbacks.on_image) callbacks.on_image(image);
    result.images.push_back(std::move(image));
  }
  return result;
}

}  // namespace depict::studio
