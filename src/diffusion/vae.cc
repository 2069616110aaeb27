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
using tensor::Shape;
using tensor::ShapeText;
using tensor::Tensor;

constexpr float kNormEps = 1e-6f;  // every group norm of the SD VAE

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
  std::string AttnNorm() const { return Attention() + (ldm() ? "norm." : "group_norm."); }
  std::string AttnProj(char which) const {  // 'q', 'k', 'v' or 'o'
    if (ldm())
      return Attention() + (which == 'o' ? std::string("proj_out.") : which + std::string("."));
    return Attention() +
           (which == 'o' ? std::string("to_out.0.") : "to_" + std::string(1, which) + ".");
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
  std::string Shortcut() const { return ldm() ? "nin_shortcut." : "conv_shortcut."; }
  std::string Upsample(int i) const {
    return UpBlock(i) + (ldm() ? "upsample.conv." : "upsamplers.0.conv.");
  }
  std::string NormOut() const { return Decoder() + (ldm() ? "norm_out." : "conv_norm_out."); }
  std::string ConvOut() const { return Decoder() + "conv_out."; }
};

class Reader : public WeightReader<VaeError> {
 public:
  explicit Reader(const tensor::SafetensorsFile& file) : WeightReader(file, "VAE") {}
};

}  // namespace

VaeDecoder::VaeDecoder(std::shared_ptr<const tensor::SafetensorsFile> file,
                       const VaeOptions& options)
    : file_(std::move(file)) {
  if (file_ == nullptr) throw std::invalid_argument("VaeDecoder: null file");
  if (options.norm_groups <= 0 || !(options.scaling_factor > 0.0f)) {
    throw std::invalid_argument("VaeDecoder: norm_groups and scaling_factor must be positive");
  }
  const Reader r(*file_);
  VaeConfig& c = config_;
  c.norm_groups = options.norm_groups;
  c.scaling_factor = options.scaling_factor;

  Names n{VaeLayout::kSingleFile};
  if (r.Has(n.Decoder() + "conv_in.weight")) {
    c.layout = VaeLayout::kSingleFile;
  } else if (n.layout = VaeLayout::kDiffusers; r.Has(n.Decoder() + "conv_in.weight")) {
    c.layout = VaeLayout::kDiffusers;
  } else {
    throw VaeError(file_->path() +
                   ": no VAE decoder (neither \"first_stage_model.decoder.conv_in.weight\" nor "
                   "\"decoder.conv_in.weight\")");
  }
  n.layout = c.layout;

  // A norm of `ch` channels, checked against the group count.
  const auto norm = [&](const std::string& p, int64_t ch) {
    if (ch % c.norm_groups != 0) {
      r.Fail(p + "weight", "has " + std::to_string(ch) + " channels, not a multiple of the " +
                               std::to_string(c.norm_groups) + " groups");
    }
    return Norm{r.GetF32(p + "weight", {ch}), r.GetF32(p + "bias", {ch})};
  };
  const auto conv = [&](const std::string& p, int64_t out, int64_t in, int64_t k) {
    Conv cv;
    cv.weight = r.Get(p + "weight", {out, in, k, k});
    cv.bias = r.GetF32(p + "bias", {cv.weight.dim(0)});
    return cv;
  };
  const auto resnet = [&](const std::string& p, int64_t in, int64_t out) {
    Resnet rn;
    rn.norm1 = norm(p + "norm1.", in);
    rn.conv1 = conv(p + "conv1.", out, in, 3);
    if (out < 0) out = rn.conv1.weight.dim(0);
    rn.norm2 = norm(p + "norm2.", out);
    rn.conv2 = conv(p + "conv2.", out, out, 3);
    if (in != out || r.Has(p + n.Shortcut() + "weight")) {
      rn.shortcut = conv(p + n.Shortcut(), out, in, 1);
    }
    return rn;
  };

  post_quant_conv_ = conv(n.PostQuantConv(), -1, -1, 1);
  c.latent_channels = static_cast<int>(post_quant_conv_.weight.dim(1));
  const int64_t z = c.latent_channels;
  post_quant_conv_ = conv(n.PostQuantConv(), z, z, 1);
  conv_in_ = conv(n.Decoder() + "conv_in.", -1, z, 3);
  const int64_t mid = conv_in_.weight.dim(0);

  mid_resnet1_ = resnet(n.MidResnet(0), mid, mid);
  mid_attention_.norm = norm(n.AttnNorm(), mid);
  for (char which : {'q', 'k', 'v', 'o'}) {
    const std::string p = n.AttnProj(which);
    Conv cv;
    if (n.ldm()) {
      cv.weight = r.Get(p + "weight", {mid, mid, 1, 1}).Reshaped({mid, mid});
    } else {
      cv.weight = r.Get(p + "weight", {mid, mid});
    }
    cv.bias = r.GetF32(p + "bias", {mid});
    (which == 'q'   ? mid_attention_.q
     : which == 'k' ? mid_attention_.k
     : which == 'v' ? mid_attention_.v
                    : mid_attention_.out) = std::move(cv);
  }
  mid_resnet2_ = resnet(n.MidResnet(1), mid, mid);

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
      b.resnets.push_back(resnet(n.Resnet(i, m), ch, m == 0 ? -1 : ch));
      ch = b.resnets.back().conv2.weight.dim(0);
    }
    c.up_channels.push_back(static_cast<int>(ch));
    if (i + 1 < n.up_blocks) b.upsample = conv(n.Upsample(i), ch, ch, 3);
    up_blocks_.push_back(std::move(b));
  }
  norm_out_ = norm(n.NormOut(), ch);
  conv_out_ = conv(n.ConvOut(), -1, ch, 3);
  c.out_channels = static_cast<int>(conv_out_.weight.dim(0));
}

VaeDecoder VaeDecoder::Load(const std::filesystem::path& path, const VaeOptions& options) {
  const std::filesystem::path file =
      ComponentFile<VaeError>(path, "vae", "diffusion_pytorch_model.safetensors");
  return VaeDecoder(tensor::SafetensorsFile::Open(file.string()), options);
}

Tensor VaeDecoder::RunResnet(const Resnet& r, const Tensor& x) const {
  const int g = config_.norm_groups;
  Tensor h = tensor::GroupNormSiLU(x, g, r.norm1.gamma, r.norm1.beta, kNormEps);
  h = tensor::Conv2d(h, r.conv1.weight, r.conv1.bias, 1, 1);
  h = tensor::GroupNormSiLU(h, g, r.norm2.gamma, r.norm2.beta, kNormEps);
  h = tensor::Conv2d(h, r.conv2.weight, r.conv2.bias, 1, 1);
  if (r.shortcut.weight.empty()) {
    tensor::AddInPlace(h, x);
  } else {
    tensor::AddInPlace(h, tensor::Conv2d(x, r.shortcut.weight, r.shortcut.bias));
  }
  return h;
}

Tensor VaeDecoder::RunAttention(const Attention& a, const Tensor& x) const {
  const int64_t b = x.dim(0), c = x.dim(1), hw = x.dim(2) * x.dim(3);
  const Tensor h = tensor::GroupNorm(x, config_.norm_groups, a.norm.gamma, a.norm.beta, kNormEps);
  // [B, C, HW] -> [B, HW, C]: one token per position.
  const Tensor tokens = tensor::Permute(h.Reshaped({b, c, hw}), {0, 2, 1});
  const Tensor q = tensor::Linear(tokens, a.q.weight, a.q.bias).Reshaped({b, 1, hw, c});
  const Tensor k = tensor::Linear(tokens, a.k.weight, a.k.bias).Reshaped({b, 1, hw, c});
  const Tensor v = tensor::Linear(tokens, a.v.weight, a.v.bias).Reshaped({b, 1, hw, c});
  const Tensor o = tensor::Attention(q, k, v).Reshaped({b, hw, c});
  Tensor out =
      tensor::Permute(tensor::Linear(o, a.out.weight, a.out.bias), {0, 2, 1}).Reshaped(x.shape());
  tensor::AddInPlace(out, x);
  return out;
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
  x = RunResnet(mid_resnet1_, x);
  x = RunAttention(mid_attention_, x);
  x = RunResnet(mid_resnet2_, x);
  for (const UpBlock& b : up_blocks_) {
    for (const Resnet& r : b.resnets) x = RunResnet(r, x);
    if (!b.upsample.weight.empty()) {
      x = tensor::Conv2d(tensor::UpsampleNearest2x(x), b.upsample.weight, b.upsample.bias, 1, 1);
    }
  }
  x = tensor::GroupNormSiLU(x, c.norm_groups, norm_out_.gamma, norm_out_.beta, kNormEps);
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
