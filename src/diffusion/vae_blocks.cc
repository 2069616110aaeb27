#include "diffusion/vae_blocks.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "tensor/ops.h"

namespace depict::diffusion::vae_blocks {

using tensor::Tensor;

void CheckOptions(const VaeOptions& options, const char* who) {
  if (options.norm_groups <= 0 || !(options.scaling_factor > 0.0f)) {
    throw std::invalid_argument(std::string(who) +
                                ": norm_groups and scaling_factor must be positive");
  }
}

BlockReader::BlockReader(const tensor::SafetensorsFile& file, VaeLayout layout, int norm_groups)
    : reader_(file, "VAE"), layout_(layout), norm_groups_(norm_groups) {}

Norm BlockReader::ReadNorm(const std::string& prefix, int64_t channels) const {
  if (channels % norm_groups_ != 0) {
    Fail(prefix + "weight", "has " + std::to_string(channels) +
                                " channels, not a multiple of the " + std::to_string(norm_groups_) +
                                " groups");
  }
  return Norm{reader_.GetF32(prefix + "weight", {channels}),
              reader_.GetF32(prefix + "bias", {channels})};
}

Conv BlockReader::ReadConv(const std::string& prefix, int64_t out, int64_t in,
                           int64_t kernel) const {
  Conv cv;
  cv.weight = reader_.Get(prefix + "weight", {out, in, kernel, kernel});
  cv.bias = reader_.GetF32(prefix + "bias", {cv.weight.dim(0)});
  return cv;
}

Resnet BlockReader::ReadResnet(const std::string& prefix, int64_t in, int64_t out) const {
  Resnet rn;
  rn.norm1 = ReadNorm(prefix + "norm1.", in);
  rn.conv1 = ReadConv(prefix + "conv1.", out, in, 3);
  if (out < 0) out = rn.conv1.weight.dim(0);
  rn.norm2 = ReadNorm(prefix + "norm2.", out);
  rn.conv2 = ReadConv(prefix + "conv2.", out, out, 3);
  const std::string shortcut = prefix + (ldm() ? "nin_shortcut." : "conv_shortcut.");
  if (in != out || Has(shortcut + "weight")) rn.shortcut = ReadConv(shortcut, out, in, 1);
  return rn;
}

Attention BlockReader::ReadAttention(const std::string& prefix, int64_t channels) const {
  Attention a;
  a.norm = ReadNorm(prefix + (ldm() ? "norm." : "group_norm."), channels);
  const int64_t c = channels;
  for (char which : {'q', 'k', 'v', 'o'}) {
    std::string p = prefix;
    if (ldm()) {
      p += which == 'o' ? std::string("proj_out.") : std::string(1, which) + ".";
    } else {
      p += which == 'o' ? std::string("to_out.0.") : "to_" + std::string(1, which) + ".";
    }
    // LDM stores the projections as 1x1 convs, diffusers as Linear; some converted files mix
    // the two, so either shape is taken.
    Conv cv;
    if (reader_.Rank(p + "weight") == 4) {
      cv.weight = reader_.Get(p + "weight", {c, c, 1, 1}).Reshaped({c, c});
    } else {
      cv.weight = reader_.Get(p + "weight", {c, c});
    }
    cv.bias = reader_.GetF32(p + "bias", {c});
    (which == 'q' ? a.q : which == 'k' ? a.k : which == 'v' ? a.v : a.out) = std::move(cv);
  }
  return a;
}

Tensor RunResnet(const Resnet& r, const Tensor& x, int groups) {
  Tensor h = tensor::GroupNormSiLU(x, groups, r.norm1.gamma, r.norm1.beta, kNormEps);
  h = tensor::Conv2d(h, r.conv1.weight, r.conv1.bias, 1, 1);
  h = tensor::GroupNormSiLU(h, groups, r.norm2.gamma, r.norm2.beta, kNormEps);
  h = tensor::Conv2d(h, r.conv2.weight, r.conv2.bias, 1, 1);
  if (r.shortcut.weight.empty()) {
    tensor::AddInPlace(h, x);
  } else {
    tensor::AddInPlace(h, tensor::Conv2d(x, r.shortcut.weight, r.shortcut.bias));
  }
  return h;
}

Tensor RunAttention(const Attention& a, const Tensor& x, int groups) {
  const int64_t b = x.dim(0), c = x.dim(1), hw = x.dim(2) * x.dim(3);
  const Tensor h = tensor::GroupNorm(x, groups, a.norm.gamma, a.norm.beta, kNormEps);
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

}  // namespace depict::diffusion::vae_blocks
