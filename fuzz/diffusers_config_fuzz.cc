// Fuzzes the reading of a diffusers folder's config files (unet/config.json, vae/config.json,
// scheduler/scheduler_config.json): hostile JSON must give a DiffusersConfigError, never a
// crash, a hang or another exception, and whatever is accepted must be in range.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "diffusion/diffusers_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace dd = depict::diffusion;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const dd::UnetOptions unet = dd::UnetOptionsFromConfig(text, "unet/config.json", {});
    if (unet.norm_groups < 1 || unet.norm_groups > dd::kMaxConfigGroups || unet.head_dim < 0 ||
        (unet.head_dim == 0 && (unet.num_heads < 1 || unet.num_heads > dd::kMaxConfigHeads))) {
      std::abort();
    }
  } catch (const dd::DiffusersConfigError&) {
  }
  try {
    const dd::VaeOptions vae = dd::VaeOptionsFromConfig(text, "vae/config.json", {});
    if (vae.norm_groups < 1 || !(vae.scaling_factor > 0.0f) || !std::isfinite(vae.scaling_factor)) {
      std::abort();
    }
  } catch (const dd::DiffusersConfigError&) {
  }
  try {
    dd::PredictionFromSchedulerConfig(text, "scheduler/scheduler_config.json");
  } catch (const dd::DiffusersConfigError&) {
  }
  return 0;
}
