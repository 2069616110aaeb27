#include "diffusion/vae_encoder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "diffusion/weight_reader.h"
#include "tensor/ops.h"
#include "tensor/thread_pool.h"

namespace depict::diffusion {
namespace {

using tensor::DType;
using tensor::ShapeText;
using tensor::Tensor;

// LDM's DiagonalGaussianDistribution clamps the log-variance to this range.
constexpr float kMinLogVar = -30.0f;
constexpr float kMaxLogVar = 20.0f;

// Names of one layout. Down blocks are numbered in the order they run in both.
struct Names {
  VaeLayout layout;

  bool ldm() const { return layout == VaeLayout::kSingleFile; }
  std::string Root() const { return ldm() ? "first_stage_model." : ""; }
  std::string Encoder() const { return Root() + "encoder."; }
  std::string QuantConv() const { return Root() + "quant_conv."; }
  std::string DownBlock(int i) const {
    return Encoder() + (ldm() ? "down." : "down_blocks.") + std::to_string(i) + ".";
  }
  std::string Resnet(int i, int m) const {
    return DownBlock(i) + (ldm() ? "block." : "resnets.") + std::to_string(m) + ".";
  }
  std::string Downsample(int i) const {
    return DownBlock(i) + (ldm() ? "downsample.conv." : "downsamplers.0.conv.");
  }
  std::string MidResnet(int j) const {
    return Encoder() + (ldm() ? "mid.block_" + std::to_string(j + 1) + "."
                              : "mid_block.resnets." + std::to_string(j) + ".");
  }
  std::string Attention() const {
    return Encoder() + (ldm() ? "mid.attn_1." : "mid_block.attentions.0.");
  }
  std::string NormOut() const { return Encoder() + (ldm() ? "norm_out." : "conv_norm_out."); }
  std::string ConvOut() const { return Encoder() + "conv_out."; }
};

// x [N, C, H, W] with a zero column on the right and a zero row at the bottom: the padding
// (0, 1, 0, 1) that diffusers and LDM put before each stride-2 downsampling conv (which itself
// pads nothing), so output pixel o reads input pixels 2o..2o+2.
Tensor PadRightBottom(const Tensor& x) {
  const int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  Tensor out = Tensor::Zeros({x.dim(0), x.dim(1), h + 1, w + 1});
  const float* src = x.f32();
  float* dst = out.f32();
  tensor::ParallelFor(planes, 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      for (int64_t y = 0; y < h; ++y) {
        std::memcpy(dst + (p * (h + 1) + y) * (w + 1), src + (p * h + y) * w,
                    static_cast<size_t>(w) * sizeof(float));
      }
    }
  });
  return out;
}

// Channels [first, first + count) of x [N, C, H, W].
Tensor Channels(const Tensor& x, int64_t first, int64_t count) {
  const int64_t n = x.dim(0), c = x.dim(1), hw = x.dim(2) * x.dim(3);
  Tensor out = Tensor::Zeros({n, count, x.dim(2), x.dim(3)});
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(out.f32() + i * count * hw, x.f32() + (i * c + first) * hw,
                static_cast<size_t>(count * hw) * sizeof(float));
  }
  return out;
}

}  // namespace

bool VaeEncoder::Present(const tensor::SafetensorsFile& file) {
  for (VaeLayout layout : {VaeLayout::kSingleFile, VaeLayout::kDiffusers}) {
    if (file.Find(Names{layout}.Encoder() + "conv_in.weight") != nullptr) return true;
  }
  return false;
}

VaeEncoder::VaeEncoder(std::shared_ptr<const tensor::SafetensorsFile> file,
                       const VaeOptions& options)
    : file_(std::move(file)) {
  if (file_ == nullptr) throw std::invalid_argument("VaeEncoder: null file");
  vae_blocks::CheckOptions(options, "VaeEncoder");
  VaeEncoderConfig& c = config_;
  c.norm_groups = options.norm_groups;
  c.scaling_factor = options.scaling_factor;
  Names n{VaeLayout::kSingleFile};
  if (file_->Find(n.Encoder() + "conv_in.weight") == nullptr) {
    n.layout = VaeLayout::kDiffusers;
    if (file_->Find(n.Encoder() + "conv_in.weight") == nullptr) {
      throw VaeError(file_->path() +
                     ": no VAE encoder (neither \"first_stage_model.encoder.conv_in.weight\" nor "
                     "\"encoder.conv_in.weight\"): img2img needs one");
    }
  }
  c.layout = n.layout;
  const vae_blocks::BlockReader r(*file_, c.layout, c.norm_groups);

  conv_in_ = r.ReadConv(n.Encoder() + "conv_in.", -1, -1, 3);
  c.in_channels = static_cast<int>(conv_in_.weight.dim(1));
  int blocks = 0;
  while (r.Has(n.Resnet(blocks, 0) + "conv1.weight")) ++blocks;
  if (blocks == 0) r.Fail(n.Resnet(0, 0) + "conv1.weight", "missing from the checkpoint");
  while (r.Has(n.Resnet(0, c.resnets_per_block) + "conv1.weight")) ++c.resnets_per_block;

  int64_t ch = conv_in_.weight.dim(0);
  for (int i = 0; i < blocks; ++i) {
    DownBlock b;
    for (int m = 0; m < c.resnets_per_block; ++m) {
      b.resnets.push_back(r.ReadResnet(n.Resnet(i, m), ch, m == 0 ? -1 : ch));
      ch = b.resnets.back().conv2.weight.dim(0);
    }
    c.down_channels.push_back(static_cast<int>(ch));
    if (i + 1 < blocks) b.downsample = r.ReadConv(n.Downsample(i), ch, ch, 3);
    down_blocks_.push_back(std::move(b));
  }
  mid_resnet1_ = r.ReadResnet(n.MidResnet(0), ch, ch);
  mid_attention_ = r.ReadAttention(n.Attention(), ch);
  mid_resnet2_ = r.ReadResnet(n.MidResnet(1), ch, ch);
  norm_out_ = r.ReadNorm(n.NormOut(), ch);
  conv_out_ = r.ReadConv(n.ConvOut(), -1, ch, 3);
  const int64_t moments = conv_out_.weight.dim(0);
  if (moments % 2 != 0) {
    r.Fail(n.ConvOut() + "weight", "has " + std::to_string(moments) +
                                       " output channels, not an even count (mean and "
                                       "log-variance)");
  }
  quant_conv_ = r.ReadConv(n.QuantConv(), moments, moments, 1);
  c.latent_channels = static_cast<int>(moments / 2);
}

VaeEncoder VaeEncoder::Load(const std::filesystem::path& path, const VaeOptions& options) {
  const std::filesystem::path file =
      ComponentFile<VaeError>(path, "vae", "diffusion_pytorch_model.safetensors");
  return VaeEncoder(tensor::SafetensorsFile::Open(file.string()), options);
}

VaePosterior VaeEncoder::Encode(const Tensor& images) const {
  const VaeEncoderConfig& c = config_;
  const int64_t side = c.downscale();
  if (images.dtype() != DType::kF32 || images.rank() != 4 || images.dim(1) != c.in_channels ||
      images.numel() == 0 || images.dim(2) % side != 0 || images.dim(3) % side != 0) {
    throw tensor::ShapeError("VaeEncoder::Encode: images must be [B, " +
                             std::to_string(c.in_channels) + ", H, W] f32 with H and W multiples " +
                             "of " + std::to_string(side) + ", not " + ShapeText(images.shape()) +
                             " " + std::string(tensor::DTypeName(images.dtype())));
  }
  const int g = c.norm_groups;
  Tensor x = tensor::Conv2d(images, conv_in_.weight, conv_in_.bias, 1, 1);
  for (const DownBlock& b : down_blocks_) {
    for (const Resnet& r : b.resnets) x = vae_blocks::RunResnet(r, x, g);
    if (!b.downsample.weight.empty()) {
      x = tensor::Conv2d(PadRightBottom(x), b.downsample.weight, b.downsample.bias, 2, 0);
    }
  }
  x = vae_blocks::RunResnet(mid_resnet1_, x, g);
  x = vae_blocks::RunAttention(mid_attention_, x, g);
  x = vae_blocks::RunResnet(mid_resnet2_, x, g);
  x = tensor::GroupNormSiLU(x, g, norm_out_.gamma, norm_out_.beta, vae_blocks::kNormEps);
  x = tensor::Conv2d(x, conv_out_.weight, conv_out_.bias, 1, 1);
  x = tensor::Conv2d(x, quant_conv_.weight, quant_conv_.bias);
  VaePosterior posterior;
  posterior.mean = Channels(x, 0, c.latent_channels);
  posterior.logvar = Channels(x, c.latent_channels, c.latent_channels);
  float* lv = posterior.logvar.f32();
  for (int64_t i = 0; i < posterior.logvar.numel(); ++i) {
    lv[i] = std::clamp(lv[i], kMinLogVar, kMaxLogVar);
  }
  return posterior;
}

Tensor VaeEncoder::Latent(const VaePosterior& posterior, const Tensor* noise) const {
  const Tensor& mean = posterior.mean;
  if (mean.dtype() != DType::kF32 || posterior.logvar.shape() != mean.shape() ||
      (noise != nullptr && (noise->dtype() != DType::kF32 || noise->shape() != mean.shape()))) {
    throw tensor::ShapeError("VaeEncoder::Latent: the mean " + ShapeText(mean.shape()) +
                             ", log-variance and noise must be f32 of one shape");
  }
  Tensor out = Tensor::Zeros(mean.shape());
  const float* m = mean.f32();
  const float* lv = posterior.logvar.f32();
  float* o = out.f32();
  const float scale = config_.scaling_factor;
  const int64_t count = mean.numel();
  for (int64_t i = 0; i < count; ++i) {
    // In float32 as torch computes it: std = exp(0.5 * logvar), z = mean + std * eps, then the
    // scale (A1111's get_first_stage_encoding, diffusers' scaling_factor * latent_dist.sample()).
    float z = m[i];
    if (noise != nullptr) z = m[i] + std::exp(0.5f * lv[i]) * noise->f32()[i];
    o[i] = scale * z;
  }
  return out;
}

}  // namespace depict::diffusion
