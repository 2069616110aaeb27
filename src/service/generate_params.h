// What a generation asks, whatever API it came from.
#ifndef DEPICT_SERVICE_GENERATE_PARAMS_H_
#define DEPICT_SERVICE_GENERATE_PARAMS_H_

#include <cstdint>
#include <functional>
#include <string>

namespace depict::service {

struct GenerateParams {
  std::string prompt, negative_prompt, model, sampler = "Euler a", scheduler = "Automatic";
  int width = 512, height = 512, steps = 20, images = 1, clip_skip = 1;
  float cfg_scale = 7.0f;
  int64_t seed = -1;
  // img2img (A1111's /sdapi/v1/img2img): the init image's file bytes (PNG or JPEG, decoded by
  // StudioRequest), empty for txt2img, and how much of it to redo (0..1).
  std::string init_image;
  double denoising_strength = 0.75;
};

// Called after each step of image `image` of `images`; returning false stops the job there.
using StepHook = std::function<bool(int image, int images, int step, int steps)>;

}  // namespace depict::service

#endif  // DEPICT_SERVICE_GENERATE_PARAMS_H_
