#include "diffusion/vae.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "diffusion/weight_reader.h"
#include "tensor/ops.h"

namespace depict::diffusion {
namespace {

using tensor::DType;
using tensor::ShapeText;
using tensor::Tensor;

// Names of one layout. Up blocks are indexed in the order they run (diffusers' order).
struct Names {
  VaeLayout layout;
  int up_blocks = 0;  // needed for LDM's reversed numbering

  bool ldm() const { return layout == VaeLayout::kSingleFile; }
  std::string Root() const { return ldm() ? "first_stage_model." : ""; }
  std::string Decoder() const { return Root() + "decoder."; }
  std::string PostQuantConv() const { return Root() + "post_quant_conv."; }
  std::string MidResnet(int j) const {
    return Decoder() + (ldm() ? "mid.block_" + std::to_string(j + 1) + "."
                              : "mid_block.resnets." + std::to_string(j) + ".");
  }
  std::string Attention() const {
    return Decoder() + (ldm() ? "mid.attn_1." : "mid_block.attentions.0.");
  }
  std::string UpBlock(int i) const {
    return Decoder() + (ldm() ? "up." + std::to_string(up_blocks - 1 - i) + "."
                              : "up_blocks." + std::to_string(i) + ".");
  }
  // With up_blocks unknown (while counting them), LDM's index is taken as is.
  std::string UpBlockRaw(int n) const {
    return Decoder() + (ldm() ? "up." : "up_blocks.") + std::to_string(n) + ".";
  }
  std::string Resnet(int i, int m) const {
    return UpBlock(i) + (ldm() ? "block." : "resnets.") + std::to_string(m) + ".";
  }
  std::string Upsample(int i) const {
    return UpBlock(i) + (ldm() ? "upsample.conv." : "upsamplers.0.conv.");
  }
  std::string NormOut() const { return Decoder() + (ldm() ? "norm_out." : "conv_norm_out."); }
  std::string ConvOut() const { return Decoder() + "conv_out."; }
};

}  // namespace

VaeDecoder::VaeDecoder(std::shared_ptr<const tensor::SafetensorsFile> file,
                       const VaeOptions& options)
    : file_(std::move(file)) {
  if (file_ == nullptr) throw std::invalid_argument("VaeDecoder: null file");
  vae_blocks::CheckOptions(options, "VaeDecoder");
  VaeConfig& c = config_;
  c.norm_groups = options.norm_groups;
  c.scaling_factor = options.scaling_factor;

  Names n{VaeLayout::kSingleFile};
  if (file_->Find(n.Decoder() + "conv_in.weight") != nullptr) {
    c.layout = VaeLayout::kSingleFile;
  } else if (n.layout = VaeLayout::kDiffusers; file_->Find(n.Decoder() + "conv_in.weight")) {
    c.layout = VaeLayout::kDiffusers;
  } else {
    throw VaeError(file_->path() +
                   ": no VAE decoder (neither \"first_stage_model.decoder.conv_in.weight\" nor "
                   "\"decoder.conv_in.weight\")");
  }
  n.layout = c.layout;
  const vae_blocks::BlockReader r(*file_, c.layout, c.norm_groups);

  post_quant_conv_ = r.ReadConv(n.PostQuantConv(), -1, -1, 1);
  c.latent_channels = static_cast<int>(post_quant_conv_.weight.dim(1));
  const int64_t z = c.latent_channels;
  post_quant_conv_ = r.ReadConv(n.PostQuantConv(), z, z, 1);
  conv_in_ = r.ReadConv(n.Decoder() + "conv_in.", -1, z, 3);
  const int64_t mid = conv_in_.weight.dim(0);

  mid_resnet1_ = r.ReadResnet(n.MidResnet(0), mid, mid);
  mid_attention_ = r.ReadAttention(n.Attention(), mid);
  mid_resnet2_ = r.ReadResnet(n.MidResnet(1), mid, mid);

  while (
      r.Has(n.UpBlockRaw(n.up_blocks) + (n.ldm() ? "block.0." : "resnets.0.") + "conv1.weight")) {
    ++n.up_blocks;
  }
  if (n.up_blocks == 0) {
    r.Fail(n.UpBlockRaw(0) + (n.ldm() ? "block.0." : "resnets.0.") + "conv1.weight",
           "missing from the checkpoint");
  }
  while (r.Has(n.Resnet(0, c.resnets_per_block) + "conv1.weight")) ++c.resnets_per_block;

  int64_t ch = mid;
  for (int i = 0; i < n.up_blocks; ++i) {
    UpBlock b;
    for (int m = 0; m < c.resnets_per_block; ++m) {
      b.resnets.push_back(r.ReadResnet(n.Resnet(i, m), ch, m == 0 ? -1 : ch));
      ch = b.resnets.back().conv2.weight.dim(0);
    }
    c.up_channels.push_back(static_cast<int>(ch));
    if (i + 1 < n.up_blocks) b.upsample = r.ReadConv(n.Upsample(i), ch, ch, 3);
    up_blocks_.push_back(std::move(b));
  }
  norm_out_ = r.ReadNorm(n.NormOut(), ch);
  conv_out_ = r.ReadConv(n.ConvOut(), -1, ch, 3);
  c.out_channels = static_cast<int>(conv_out_.weight.dim(0));
}

VaeDecoder VaeDecoder::Load(const std::filesystem::path& path, const VaeOptions& options) {
  const std::filesystem::path file =
      ComponentFile<VaeError>(path, "vae", "diffusion_pytorch_model.safetensors");
  return VaeDecoder(tensor::SafetensorsFile::Open(file.string()), options);
}

Tensor VaeDecoder::DecodeUnclamped(const Tensor& latents) const {
  const VaeConfig& c = config_;
  if (latents.dtype() != DType::kF32 || latents.rank() != 4 ||
      latents.dim(1) != c.latent_channels || latents.numel() == 0) {
    throw tensor::ShapeError("VaeDecoder::Decode: latents must be [B, " +
                             std::to_string(c.latent_channels) + ", h, w] f32, not " +
                             ShapeText(latents.shape()) + " " +
                             std::string(tensor::DTypeName(latents.dtype())));
  }
  Tensor x = tensor::Scale(latents, 1.0f / c.scaling_factor);
  x = tensor::Conv2d(x, post_quant_conv_.weight, post_quant_conv_.bias);
  x = tensor::Conv2d(x, conv_in_.weight, conv_in_.bias, 1, 1);
  x = vae_blocks::RunResnet(mid_resnet1_, x, c.norm_groups);
  x = vae_blocks::RunAttention(mid_attention_, x, c.norm_groups);
  x = vae_blocks::RunResnet(mid_resnet2_, x, c.norm_groups);
  for (const UpBlock& b : up_blocks_) {
    for (const Resnet& r : b.resnets) x = vae_blocks::RunResnet(r, x, c.norm_groups);
    if (!b.upsample.weight.empty()) {
      x = tensor::Conv2d(tensor::UpsampleNearest2x(x), b.upsample.weight, b.upsample.bias, 1, 1);
    }
  }
  x = tensor::GroupNormSiLU(x, c.norm_groups, norm_out_.gamma, norm_out_.beta,
                            vae_blocks::kNormEps);
  return tensor::Conv2d(x, conv_out_.weight, conv_out_.bias, 1, 1);
}

Tensor VaeDecoder::Decode(const Tensor& latents) const {
  Tensor x = DecodeUnclamped(latents);
  float* p = x.f32();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) p[i] = std::clamp(p[i], -1.0f, 1.0f);
  return x;
}

std::vector<uint8_t> ImageToRgb8(const Tensor& images, int64_t index) {
  if (images.dtype() != DType::kF32 || images.rank() != 4 || images.dim(1) != 3) {
    throw std::invalid_argument("ImageToRgb8: images must be [B, 3, H, W] f32, not " +
                                ShapeText(images.shape()));
  }
  if (index < 0 || index >= images.dim(0)) {
    throw std::invalid_argument("ImageToRgb8: image " + std::to_string(index) +
                                " outside a batch of " + std::to_string(images.dim(0)));
  }
  const int64_t hw = images.dim(2) * images.dim(3);
  const float* src = images.f32() + index * 3 * hw;
  std::vector<uint8_t> out(static_cast<size_t>(hw * 3));
  for (int64_t ch = 0; ch < 3; ++ch) {
    for (int64_t i = 0; i < hw; ++i) {
      const float v = std::clamp(src[ch * hw + i] * 0.5f + 0.5f, 0.0f, 1.0f) * 255.0f;
      out[static_cast<size_t>(i * 3 + ch)] = static_cast<uint8_t>(std::nearbyint(v));
    }
  }
  return out;
}

}  // namespace depict::diffusion
