// Stable Diffusion's VAE decoder (the decode path of AutoencoderKL): scaled latents in, an RGB
// image in [-1, 1] out, 8 times the latent's height and width.
//
//   z = latents / scaling_factor              (0.18215 for SD 1.x/2.x)
//   z = post_quant_conv(z)                    1x1
//   h = conv_in(z)                            3x3, to the widest channel count
//   h = resnet(h); h = attention(h); h = resnet(h)     the mid block
//   for each up block (widest first): num_res_blocks + 1 resnets, then, except in the last,
//                                     a 2x nearest upsample and a 3x3 conv
//   image = clamp(conv_out(SiLU(GroupNorm(h))), -1, 1)
// A resnet is x + conv2(SiLU(GN(conv1(SiLU(GN(x)))))), with a 1x1 shortcut conv on x where the
// channel count changes. The mid attention is one head over the H*W positions, of size C, on
// GroupNorm(x), added back to x. Every group norm has eps 1e-6.
//
// Weights come from a safetensors file in one of two layouts, found by their names (the blocks
// and their tensors are described in vae_blocks.h):
//   - single-file checkpoints (LDM names): first_stage_model.post_quant_conv.*,
//     first_stage_model.decoder.{conv_in, mid.block_1, mid.attn_1.{norm, q, k, v, proj_out},
//     mid.block_2, up.N.block.M.{norm1, conv1, norm2, conv2, nin_shortcut}, up.N.upsample.conv,
//     norm_out, conv_out}. The attention projections are 1x1 convs ([C, C, 1, 1]) and the up
//     blocks are numbered from the narrowest: up.(n - 1) runs first.
//   - diffusers folders: vae/diffusion_pytorch_model.safetensors with post_quant_conv.* and
//     decoder.{conv_in, mid_block.resnets.{0,1}, mid_block.attentions.0.{group_norm, to_q, to_k,
//     to_v, to_out.0}, up_blocks.N.resnets.M (conv_shortcut), up_blocks.N.upsamplers.0.conv,
//     conv_norm_out, conv_out}. The projections are Linear ([C, C]); up_blocks.0 runs first.
// The configuration comes from the shapes: latent channels from post_quant_conv, each up block's
// width from its first resnet, the number of up blocks and of resnets per block from the names
// present. The group count cannot be read from shapes (SD uses 32): it is an option. Activations
// are f32. Encoder tensors are ignored (vae_encoder.h reads them).
#ifndef DEPICT_DIFFUSION_VAE_H_
#define DEPICT_DIFFUSION_VAE_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "diffusion/vae_blocks.h"
#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::diffusion {

struct VaeConfig {
  VaeLayout layout = VaeLayout::kSingleFile;
  int latent_channels = 0;  // 4 for SD
  int out_channels = 0;     // 3 (RGB)
  // Width of each up block in the order they run (SD: 512, 512, 256, 128), diffusers' order;
  // the first is also the mid block's width.
  std::vector<int> up_channels;
  int resnets_per_block = 0;  // num_res_blocks + 1 (SD: 3)
  int norm_groups = 0;
  float scaling_factor = 0.0f;
};

class VaeDecoder {
 public:
  // Reads the decoder's tensors from `file` (others, such as the encoder, UNet and text encoder
  // of a single-file checkpoint, are ignored). Throws VaeError, and std::invalid_argument for
  // bad options (a non-positive group count or scaling factor).
  explicit VaeDecoder(std::shared_ptr<const tensor::SafetensorsFile> file,
                      const VaeOptions& options = {});

  // A .safetensors checkpoint, or a diffusers folder (its vae/diffusion_pytorch_model.safetensors,
  // or a vae folder itself holding diffusion_pytorch_model.safetensors).
  static VaeDecoder Load(const std::filesystem::path& path, const VaeOptions& options = {});

  const VaeConfig& config() const { return config_; }

  // Images [B, out_channels, 8h, 8w] (2^(up blocks - 1) times the latent size) in [-1, 1] for
  // latents [B, latent_channels, h, w] f32 as the sampler leaves them (scaled: this divides by
  // the scaling factor). Throws tensor::ShapeError for latents of another shape or dtype.
  tensor::Tensor Decode(const tensor::Tensor& latents) const;
  // The same before the clamp to [-1, 1].
  tensor::Tensor DecodeUnclamped(const tensor::Tensor& latents) const;

 private:
  using Conv = vae_blocks::Conv;
  using Resnet = vae_blocks::Resnet;
  struct UpBlock {
    std::vector<Resnet> resnets;
    Conv upsample;  // empty in the last block
  };

  std::shared_ptr<const tensor::SafetensorsFile> file_;
  VaeConfig config_;
  Conv post_quant_conv_, conv_in_;
  Resnet mid_resnet1_, mid_resnet2_;
  vae_blocks::Attention mid_attention_;
  std::vector<UpBlock> up_blocks_;  // in the order they run
  vae_blocks::Norm norm_out_;
  Conv conv_out_;
};

// Image `index` of `images` [B, 3, H, W] f32 as 8-bit RGB, H * W * 3 bytes row by row:
// round(clamp(x / 2 + 0.5, 0, 1) * 255), as diffusers' image processor. Throws
// std::invalid_argument for another shape or dtype, or an index outside the batch.
std::vector<uint8_t> ImageToRgb8(const tensor::Tensor& images, int64_t index = 0);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_VAE_H_
