// Stable Diffusion's VAE encoder (the encode path of AutoencoderKL): an RGB image in [-1, 1] in,
// a scaled latent of 1/8 its height and width out, as img2img starts from.
//
//   h = conv_in(image)                        3x3, to the first block's width
//   for each down block: num_res_blocks resnets, then, except in the last, a zero pad of one
//                        column on the right and one row at the bottom and a 3x3 conv of
//                        stride 2 (diffusers' Downsample2D with padding 0, LDM's Downsample)
//   h = resnet(h); h = attention(h); h = resnet(h)     the mid block
//   moments = quant_conv(conv_out(SiLU(GroupNorm(h))))    [B, 2 * latent, h, w]
//   mean, logvar = the two halves of moments; logvar clamped to [-30, 20]
//   latent = scaling_factor * (mean + exp(logvar / 2) * noise)   (DiagonalGaussianDistribution
//                                                                 .sample(), then the scale)
// The resnets and the attention are vae_blocks.h's.
//
// Weights come from a safetensors file in one of two layouts, found by their names:
//   - single-file checkpoints (LDM names): first_stage_model.quant_conv.*,
//     first_stage_model.encoder.{conv_in, down.N.block.M.{norm1, conv1, norm2, conv2,
//     nin_shortcut}, down.N.downsample.conv, mid.block_1, mid.attn_1.{norm, q, k, v, proj_out},
//     mid.block_2, norm_out, conv_out}. The down blocks are numbered in the order they run.
//   - diffusers folders: vae/diffusion_pytorch_model.safetensors with quant_conv.* and
//     encoder.{conv_in, down_blocks.N.resnets.M (conv_shortcut), down_blocks.N.downsamplers.0.conv,
//     mid_block.resnets.{0,1}, mid_block.attentions.0.{group_norm, to_q, to_k, to_v, to_out.0},
//     conv_norm_out, conv_out}.
// The configuration comes from the shapes (input channels from conv_in, latent channels from
// quant_conv, each block's width from its first resnet, the counts from the names present); the
// group count and the scaling factor are options, as for the decoder.
#ifndef DEPICT_DIFFUSION_VAE_ENCODER_H_
#define DEPICT_DIFFUSION_VAE_ENCODER_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "diffusion/vae_blocks.h"
#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::diffusion {

struct VaeEncoderConfig {
  VaeLayout layout = VaeLayout::kSingleFile;
  int in_channels = 0;      // 3 (RGB)
  int latent_channels = 0;  // 4 for SD (quant_conv has twice as many: mean and log-variance)
  // Width of each down block in the order they run (SD: 128, 256, 512, 512); the last is also
  // the mid block's width.
  std::vector<int> down_channels;
  int resnets_per_block = 0;  // num_res_blocks (SD: 2)
  int norm_groups = 0;
  float scaling_factor = 0.0f;
  // How many times smaller the latent is than the image: 2^(down blocks - 1) (SD: 8).
  int downscale() const { return 1 << (down_channels.empty() ? 0 : down_channels.size() - 1); }
};

// The encoder's posterior: [B, latent_channels, h, w] each, f32, unscaled.
struct VaePosterior {
  tensor::Tensor mean;
  tensor::Tensor logvar;  // clamped to [-30, 20], as LDM's DiagonalGaussianDistribution does
};

class VaeEncoder {
 public:
  // Reads the encoder's tensors from `file` (others are ignored). Throws VaeError when the file
  // has no encoder or a tensor is missing or misshapen, and std::invalid_argument for bad options.
  explicit VaeEncoder(std::shared_ptr<const tensor::SafetensorsFile> file,
                      const VaeOptions& options = {});

  // Whether `file` holds an encoder at all (its conv_in, in either layout).
  static bool Present(const tensor::SafetensorsFile& file);
  // A .safetensors checkpoint, or a diffusers folder (its vae/diffusion_pytorch_model.safetensors,
  // or a vae folder itself).
  static VaeEncoder Load(const std::filesystem::path& path, const VaeOptions& options = {});

  const VaeEncoderConfig& config() const { return config_; }

  // The posterior of images [B, in_channels, H, W] f32 in [-1, 1], H and W multiples of
  // downscale(). Throws tensor::ShapeError for another shape or dtype.
  VaePosterior Encode(const tensor::Tensor& images) const;
  // scaling_factor * (mean + exp(logvar / 2) * noise) (LDM's get_first_stage_encoding of
  // posterior.sample(), with `noise` as the sample's standard normal draw, the mean's shape), or
  // scaling_factor * mean without noise (the posterior's mode). Throws tensor::ShapeError when
  // the noise's shape differs.
  tensor::Tensor Latent(const VaePosterior& posterior, const tensor::Tensor* noise = nullptr) const;

 private:
  using Conv = vae_blocks::Conv;
  using Resnet = vae_blocks::Resnet;
  struct DownBlock {
    std::vector<Resnet> resnets;
    Conv downsample;  // empty in the last block
  };

  std::shared_ptr<const tensor::SafetensorsFile> file_;
  VaeEncoderConfig config_;
  Conv conv_in_;
  std::vector<DownBlock> down_blocks_;
  Resnet mid_resnet1_, mid_resnet2_;
  vae_blocks::Attention mid_attention_;
  vae_blocks::Norm norm_out_;
  Conv conv_out_, quant_conv_;
};

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_VAE_ENCODER_H_
