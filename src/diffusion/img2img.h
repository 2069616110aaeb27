// The pipeline's img2img parts (pipeline.h, "img2img"), internal to the diffusion library: the
// checkpoint's VAE encoder, and the checks of a request's init image.
#ifndef DEPICT_DIFFUSION_IMG2IMG_H_
#define DEPICT_DIFFUSION_IMG2IMG_H_

#include <filesystem>
#include <memory>
#include <optional>

#include "diffusion/pipeline.h"
#include "diffusion/vae.h"
#include "diffusion/vae_encoder.h"
#include "tensor/safetensors.h"

namespace depict::diffusion {

// The checkpoint's VAE encoder when it has one: `single`'s for a single-file checkpoint (not
// null), else the diffusers folder's vae/diffusion_pytorch_model.safetensors. Checkpoints and
// VAE folders without one load all the same, for txt2img; one that is there must be whole
// (VaeError otherwise).
std::optional<VaeEncoder> LoadVaeEncoder(const std::filesystem::path& path,
                                         std::shared_ptr<const tensor::SafetensorsFile> single,
                                         const VaeOptions& options);

// Throws VaeError unless the encoder makes the latents the decoder reads, at its scale.
void CheckVaeEncoder(const VaeEncoderConfig& encoder, const VaeConfig& decoder,
                     const std::filesystem::path& path);

// Throws GenerationError for a request's bad init image or denoising strength (nothing to check
// without an init image).
void CheckImg2Img(const GenerationRequest& request);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_IMG2IMG_H_
