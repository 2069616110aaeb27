// The one place where a prompt becomes cast images: plan (casting and the safety gate), then
// generate each planned image, then, when asked, inspect it. `depict generate`, the service and
// the audit all call this; none of them talks to the planner and the engine separately.
#ifndef DEPICT_STUDIO_STUDIO_H_
#define DEPICT_STUDIO_STUDIO_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diffusion/pipeline.h"
#include "diffusion/rng.h"
#include "plan/planner.h"
#include "vision/inspect.h"

namespace depict::studio {

struct Request {
  std::string prompt;
  // Everything else the engine reads (size, steps, sampler, negative prompt, LoRAs); its prompt
  // and seed are set per image.
  diffusion::GenerationRequest settings;
  uint64_t seed = 0;  // image i uses seed + i, as A1111 numbers a batch
  int images = 1;
  bool plan = true;      // false: the prompt goes to the engine unchanged, nobody is cast
  bool inspect = false;  // needs an inspector
  // Images per UNet batch (A1111's batch_size): more is faster per image on a machine with
  // cores to spare, and costs memory. Each image is the same whatever it is batched with.
  int batch = 1;
};

struct Image {
  size_t index = 0;  // in the request's batch, and in plan.images when planned
  diffusion::GeneratedImage generated;
  std::string infotext;        // A1111's "parameters" text
  std::string display_prompt;  // the cast prompt in the prompt's own language; "" for English
  std::string cast_json;       // {"people": [...], "image": {...}} from the plan; "" unplanned
  std::optional<vision::InspectResult> inspection;
  double inspect_seconds = 0.0;
};

struct Result {
  plan::Plan plan;  // with its refusal, if any; empty when the request was not planned
  std::vector<Image> images;
  double plan_seconds = 0.0;
  bool refused() const { return plan.refusal.has_value(); }
};

struct Callbacks {
  // After each UNet evaluation of image `index` (0-based) of `images`.
  std::function<void(size_t index, size_t images, int step, int total)> on_step;
  // Each image as soon as it is done, before the next starts (Result holds them all too).
  std::function<void(const Image&)> on_image;
};

// What a studio works with. The planner and the inspector are shared and thread-safe; the model
// and its LoRA library are the engine's. A studio without a model only plans.
struct Parts {
  std::shared_ptr<const plan::Planner> planner;
  std::shared_ptr<const diffusion::StableDiffusion> model;  // may be null: planning only
  std::shared_ptr<diffusion::LoraLibrary> loras;            // may be null: no LoRA folders
  std::shared_ptr<const vision::Inspector> inspector;       // may be null: no inspection
  std::string model_hash;                                   // A1111's short hash; "" to omit
};

class Studio {
 public:
  explicit Studio(Parts parts);

  // Plans `request` without generating: the casts, or the refusal and its reasons. Throws
  // plan::InputError for a prompt the planner must not read.
  plan::Plan Plan(const Request& request) const;

  // Plans and generates. A refused prompt returns its plan and no images, and the engine is
  // never called. Throws plan::InputError (bad prompt), std::invalid_argument (bad settings,
  // inspection asked of a studio without an inspector, no model) and the engine's errors.
  Result Run(const Request& request, const Callbacks& callbacks = {}) const;

  // Generates the images of `plan`, made by Plan() for this request (a caller that plans first
  // loads a model only for a prompt that is not refused).
  Result Generate(const Request& request, plan::Plan plan, const Callbacks& callbacks = {}) const;

  // For a caller that schedules the engine itself (the service batches images of several
  // requests into one UNet batch): what the engine is asked for each image of `plan` (its cast
  // prompt and seed in `request.settings`), then each image made from them as Generate would
  // return it (infotext, cast, inspection). `plan` must not be a refusal.
  std::vector<diffusion::GenerationRequest> EngineRequests(const Request& request,
                                                           const plan::Plan& plan) const;
  Image Finish(const Request& request, const plan::Plan& plan, size_t index,
               const diffusion::GenerationRequest& engine_request,
               diffusion::GeneratedImage generated) const;

  const Parts& parts() const { return parts_; }

 private:
  Parts parts_;
};

}  // namespace depict::studio

#endif  // DEPICT_STUDIO_STUDIO_H_
