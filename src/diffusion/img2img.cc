#include "diffusion/img2img.h"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "diffusion/init_image.h"
#include "diffusion/rng.h"
#include "diffusion/weight_reader.h"
#include "tensor/ops.h"

namespace depict::diffusion {

namespace fs = std::filesystem;
using tensor::Tensor;

std::optional<VaeEncoder> LoadVaeEncoder(const fs::path& path,
                                         std::shared_ptr<const tensor::SafetensorsFile> single,
                                         const VaeOptions& options) {
  std::shared_ptr<const tensor::SafetensorsFile> file = std::move(single);
  if (file == nullptr) {
    file = tensor::SafetensorsFile::Open(
        ComponentFile<VaeError>(path, "vae", "diffusion_pytorch_model.safetensors").string());
  }
  if (!VaeEncoder::Present(*file)) return std::nullopt;
  return VaeEncoder(std::move(file), options);
}

void CheckVaeEncoder(const VaeEncoderConfig& encoder, const VaeConfig& decoder,
                     const fs::path& path) {
  const int upscale = 1 << (decoder.up_channels.size() - 1);
  if (encoder.latent_channels != decoder.latent_channels || encoder.downscale() != upscale ||
      encoder.in_channels != decoder.out_channels) {
    throw VaeError(path.string() + ": the VAE encoder makes " +
                   std::to_string(encoder.latent_channels) + " latent channels at 1/" +
                   std::to_string(encoder.downscale()) + " of the image but the decoder reads " +
                   std::to_string(decoder.latent_channels) + " at 1/" + std::to_string(upscale));
  }
}

void CheckImg2Img(const GenerationRequest& request) {
  if (request.init_image == nullptr) return;
  try {
    CheckInitImage(*request.init_image);
  } catch (const std::invalid_argument& e) {
    throw GenerationError(e.what());
  }
  const double s = request.denoising_strength;
  if (!(s >= 0.0 && s <= 1.0)) {
    throw GenerationError("denoising strength must be between 0 and 1, not " + std::to_string(s));
  }
}

Tensor StableDiffusion::EncodeInitLatents(const std::vector<GenerationRequest>& requests) const {
  std::vector<Tensor> latents;
  const InitImage* encoded = nullptr;  // the image `posterior` is of
  VaePosterior posterior;
  for (const GenerationRequest& request : requests) {
    // A batch usually repeats one image: it is encoded once.
    if (request.init_image.get() != encoded) {
      encoded = request.init_image.get();
      posterior = vae_encoder_->Encode(InitImageTensor(*encoded, request.width, request.height));
    }
    // The posterior sample's noise: torch's CPU generator seeded with the image's seed, the
    // draw A1111 makes when the generation before it ended with that seed (see pipeline.h).
    const Tensor noise =
        NoiseGenerator::Create(RngKind::kCpu, request.seed)->Randn(posterior.mean.shape());
    latents.push_back(vae_encoder_->Latent(posterior, &noise));
  }
  return latents.size() == 1 ? latents[0] : tensor::Concat(latents, 0);
}

}  // namespace depict::diffusion
