// Stable Diffusion 1.x/2.x's UNet (diffusers' UNet2DConditionModel): one denoising step, the
// noise prediction for latents at a timestep, conditioned on the text encoder's hidden states.
//
//   temb = linear_2(SiLU(linear_1(sinusoid(t))))    flip_sin_to_cos, freq_shift 0 (as SD)
//   h = conv_in(sample); skips = [h]
//   for each down block: layers_per_block x (resnet, transformer if the block has attentions),
//                        pushing each output to skips; then, except in the last, a stride 2 conv
//                        (also pushed)
//   h = resnet(h); h = transformer(h); h = resnet(h)          the mid block
//   for each up block:   layers_per_block + 1 x (h = concat(h, skips.pop()) on channels, resnet,
//                        transformer if the block has attentions); then, except in the last,
//                        a 2x nearest upsample and a 3x3 conv
//   out = conv_out(SiLU(GroupNorm(h)))
// A resnet is shortcut(x) + conv2(SiLU(GN(conv1(SiLU(GN(x))) + time_emb_proj(SiLU(temb))))),
// with a 1x1 shortcut conv where the channel count changes (group norm eps 1e-5).
// A transformer is x + proj_out(blocks(proj_in(GroupNorm(x)))) over the H*W positions (group
// norm eps 1e-6), proj_in / proj_out 1x1 convs (SD 1.x) or Linear (SD 2.x,
// use_linear_projection; found from the weights' rank). Each block is
//   h += attn1(LayerNorm(h)); h += attn2(LayerNorm(h), context); h += ff(LayerNorm(h))
// with multi-head attention (to_q, to_k, to_v without bias, to_out.0 with bias) and a GEGLU
// feed-forward (ff.net.0.proj to twice the inner width, GEGLU, ff.net.2).
//
// Weights come from a safetensors file in one of two layouts, found by their names:
//   - diffusers folders: unet/diffusion_pytorch_model.safetensors with conv_in, time_embedding.
//     linear_{1,2}, down_blocks.N.{resnets,attentions}.M, down_blocks.N.downsamplers.0.conv,
//     mid_block.{resnets.{0,1},attentions.0}, up_blocks.N.{resnets,attentions}.M, up_blocks.N.
//     upsamplers.0.conv, conv_norm_out, conv_out.
//   - single-file checkpoints (LDM names): model.diffusion_model.{time_embed.{0,2},
//     input_blocks.K, middle_block.{0,1,2}, output_blocks.K, out.{0,2}}. input_blocks.0.0 is
//     conv_in; then each down block's resnets (input_blocks.K.0) with their transformers
//     (input_blocks.K.1) and its downsampler (input_blocks.K.0.op) take one K each;
//     output_blocks.K.0 / .1 are an up block's resnets and transformers, and its upsampler is
//     the next entry of its last K (.1 or .2). Resnets are {in_layers.{0,2}, emb_layers.1,
//     out_layers.{0,3}, skip_connection}; transformers keep diffusers' inner names. Other
//     models of the checkpoint (VAE, text encoder) are ignored.
// The configuration comes from the shapes and the names present; the group count and the
// attention heads cannot be read from shapes, so they are options: SD 1.x has 8 heads in every
// transformer, SD 2.x has heads of size 64 (head_dim). Weights stay in the file's dtype and are
// read in place from the mapping (norm gains and biases are converted to f32 once); activations
// are f32.
#ifndef DEPICT_DIFFUSION_UNET_H_
#define DEPICT_DIFFUSION_UNET_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

#include "diffusion/lora.h"
#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::diffusion {

// A checkpoint without a UNet, or with a tensor missing or of the wrong shape; what() names the
// file and the tensor.
class UnetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class UnetLayout {
  kSingleFile,  // model.diffusion_model.*
  kDiffusers,   // conv_in.*, down_blocks.*, ...
};

struct UnetOptions {
  int norm_groups = 32;  // groups of every group norm (SD: 32)
  int num_heads = 8;     // heads of every transformer (SD 1.x: 8); used when head_dim is 0
  int head_dim = 0;      // > 0: heads of this size, channels / head_dim of them (SD 2.x: 64)
};

struct UnetConfig {
  UnetLayout layout = UnetLayout::kDiffusers;
  int in_channels = 0;   // 4 for SD
  int out_channels = 0;  // 4 for SD
  // Width of each down block (SD: 320, 640, 1280, 1280); the up blocks run them in reverse.
  std::vector<int> block_channels;
  std::vector<bool> down_attention;  // whether down block i has transformers (SD: all but last)
  std::vector<bool> up_attention;    // whether up block i has transformers (SD: all but first)
  int layers_per_block = 0;          // resnets per down block (SD: 2); up blocks have one more
  int time_embed_dim = 0;            // 4 x block_channels[0]
  int cross_attention_dim = 0;       // the context's width (SD 1.x: 768, SD 2.x: 1024)
  bool linear_projection = false;    // proj_in / proj_out are Linear (SD 2.x)
  int norm_groups = 0;
  int num_heads = 0;
  int head_dim = 0;
};

class Unet {
 public:
  // Reads the UNet's tensors from `file`. Throws UnetError, and std::invalid_argument for bad
  // options (a non-positive group count, or neither a positive head count nor head size).
  explicit Unet(std::shared_ptr<const tensor::SafetensorsFile> file,
                const UnetOptions& options = {});

  // A .safetensors file, or a diffusers folder (its unet/diffusion_pytorch_model.safetensors, or
  // a unet folder itself holding diffusion_pytorch_model.safetensors).
  static Unet Load(const std::filesystem::path& path, const UnetOptions& options = {});

  const UnetConfig& config() const { return config_; }

  // The model output [B, out_channels, h, w] for `sample` [B, in_channels, h, w] f32 at
  // `timestep` (the same for every batch item), conditioned on `context` [B, T,
  // cross_attention_dim] f32. h and w must be multiples of 2^(down blocks - 1). Throws
  // tensor::ShapeError for inputs of another shape or dtype.
  // `lora` (may be null) adds adapters bound to lora_targets() (lora.h).
  tensor::Tensor Forward(const tensor::Tensor& sample, float timestep,
                         const tensor::Tensor& context, const LoraLayers* lora = nullptr) const;

  // The Linear and Conv2d layers LoRA adapters can target, by diffusers module name.
  const LoraTargets& lora_targets() const { return lora_targets_; }

 private:
  struct Norm {
    tensor::Tensor gamma, beta;  // f32
  };
  struct Conv {
    tensor::Tensor weight, bias;  // bias f32 (may be empty for attention projections)
    int layer = -1;               // id in lora_targets_
  };
  struct Resnet {
    Norm norm1, norm2;
    Conv conv1, time_proj, conv2, shortcut;  // shortcut.weight empty when the width is kept
  };
  struct Attention {
    Conv q, k, v, out;  // weights [C, C] ([C, context width] for k and v of cross-attention)
  };
  struct Block {  // BasicTransformerBlock
    Norm norm1, norm2, norm3;
    Attention self_attn, cross_attn;
    Conv ff_in, ff_out;  // [2F, C] before GEGLU, [C, F] after
  };
  struct Transformer {
    Norm norm;
    Conv proj_in, proj_out;  // [C, C, 1, 1] or, with linear_projection, [C, C]
    std::vector<Block> blocks;
    int heads = 0;
  };
  struct Stage {  // a down or up block
    std::vector<Resnet> resnets;
    std::vector<Transformer> transformers;  // empty, or one per resnet
    Conv resample;                          // downsample or upsample conv; empty in the last
  };

  tensor::Tensor RunResnet(const Resnet& r, const tensor::Tensor& x,
                           const tensor::Tensor& temb_silu, const LoraLayers* lora) const;
  tensor::Tensor RunTransformer(const Transformer& t, const tensor::Tensor& x,
                                const tensor::Tensor& context, const LoraLayers* lora) const;

  std::shared_ptr<const tensor::SafetensorsFile> file_;
  UnetConfig config_;
  LoraTargets lora_targets_;
  Conv conv_in_, time_linear1_, time_linear2_;
  std::vector<Stage> down_, up_;
  Resnet mid_resnet1_, mid_resnet2_;
  Transformer mid_transformer_;
  Norm norm_out_;
  Conv conv_out_;
};

// The sinusoidal timestep embedding [B, dim] of diffusers' Timesteps(dim, flip_sin_to_cos=True,
// downscale_freq_shift=0): [cos(t f_i), sin(t f_i)] with f_i = exp(-ln(10000) i / (dim / 2)).
tensor::Tensor TimestepEmbedding(float timestep, int dim, int64_t batch = 1);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_UNET_H_
