// What the VAE's decoder (vae.h) and encoder (vae_encoder.h) share: their options and error, the
// two tensor layouts, and the blocks both are built of, read and run the same way.
//
//   resnet     x + conv2(SiLU(GN(conv1(SiLU(GN(x)))))), with a 1x1 shortcut conv on x where the
//              channel count changes (LDM: nin_shortcut, diffusers: conv_shortcut)
//   attention  one head over the H*W positions, of size C, on GroupNorm(x), added back to x
//              (LDM: norm, q, k, v, proj_out as 1x1 convs [C, C, 1, 1]; diffusers: group_norm,
//              to_q, to_k, to_v, to_out.0 as Linear [C, C]; either shape is read in either layout)
// Every group norm has eps 1e-6. Weights stay in the file's dtype (F32, F16 or BF16) and are
// read in place from the mapping; norm gains and biases and conv biases are converted to f32.
#ifndef DEPICT_DIFFUSION_VAE_BLOCKS_H_
#define DEPICT_DIFFUSION_VAE_BLOCKS_H_

#include <cstdint>
#include <stdexcept>
#include <string>

#include "diffusion/weight_reader.h"
#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::diffusion {

// A checkpoint without the VAE part asked for, or with a tensor missing or of the wrong shape;
// what() names the file and the tensor.
class VaeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class VaeLayout {
  kSingleFile,  // first_stage_model.{decoder, encoder, quant_conv, post_quant_conv}.*
  kDiffusers,   // {decoder, encoder, quant_conv, post_quant_conv}.*
};

inline constexpr float kSdVaeScalingFactor = 0.18215f;  // SD 1.x and 2.x

struct VaeOptions {
  int norm_groups = 32;  // groups of every group norm (SD: 32)
  float scaling_factor = kSdVaeScalingFactor;
};

namespace vae_blocks {

inline constexpr float kNormEps = 1e-6f;  // every group norm of the SD VAE

struct Norm {
  tensor::Tensor gamma, beta;  // f32
};
struct Conv {
  tensor::Tensor weight, bias;  // bias f32
};
struct Resnet {
  Norm norm1, norm2;
  Conv conv1, conv2, shortcut;  // shortcut.weight empty when the width does not change
};
struct Attention {
  Norm norm;
  Conv q, k, v, out;  // weights [C, C]
};

// Throws std::invalid_argument naming `who` for a non-positive group count or scaling factor.
void CheckOptions(const VaeOptions& options, const char* who);

// The blocks of one layout, read from a checkpoint; every problem is a VaeError naming the file
// and tensor.
class BlockReader {
 public:
  BlockReader(const tensor::SafetensorsFile& file, VaeLayout layout, int norm_groups);

  bool ldm() const { return layout_ == VaeLayout::kSingleFile; }
  bool Has(const std::string& name) const { return reader_.Has(name); }
  [[noreturn]] void Fail(const std::string& name, const std::string& what) const {
    reader_.Fail(name, what);
  }

  // A group norm of `channels` channels (checked against the group count).
  Norm ReadNorm(const std::string& prefix, int64_t channels) const;
  // A conv `prefix`weight [out, in, k, k] (a size < 0: any) and its bias.
  Conv ReadConv(const std::string& prefix, int64_t out, int64_t in, int64_t kernel) const;
  // A resnet from `in` to `out` channels (out < 0: as its conv1 says).
  Resnet ReadResnet(const std::string& prefix, int64_t in, int64_t out) const;
  // The attention at `prefix` (mid.attn_1. or mid_block.attentions.0.) on `channels` channels.
  Attention ReadAttention(const std::string& prefix, int64_t channels) const;

 private:
  WeightReader<VaeError> reader_;
  VaeLayout layout_;
  int norm_groups_;
};

tensor::Tensor RunResnet(const Resnet& r, const tensor::Tensor& x, int groups);
tensor::Tensor RunAttention(const Attention& a, const tensor::Tensor& x, int groups);

}  // namespace vae_blocks
}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_VAE_BLOCKS_H_
