// Stable Diffusion's CLIP text encoder: 77 token ids in, one hidden state per token out.
//
//   SD 1.x  OpenAI CLIP ViT-L/14's text model (width 768, 12 layers, 12 heads, QuickGELU): the
//           last layer's output through the final layer norm, [B, 77, 768]. `clip_skip` n > 1
//           takes the output of layer L - n + 1 instead, still through the final layer norm
//           (A1111's CLIP_stop_at_last_layers).
//   SD 2.x  OpenCLIP ViT-H/14's text tower (width 1024, 24 layers, 16 heads, exact GELU): the
//           output of the penultimate layer through ln_final, [B, 77, 1024], as SD 2.x's
//           FrozenOpenCLIPEmbedder(layer="penultimate") does. clip_skip is ignored (A1111 too).
// Every layer is pre-norm: x += attn(ln_1(x)) with a causal mask, x += mlp(ln_2(x)).
//
// Weights come from a safetensors file in one of three layouts, found by their names:
//   - SD 1.x single-file checkpoints: cond_stage_model.transformer.text_model.* (transformers'
//     CLIPTextModel names: embeddings.token_embedding, encoder.layers.N.self_attn.q_proj, ...).
//   - diffusers folders: text_encoder/model.safetensors with the same names under text_model.*.
//     A width of 1024 means diffusers' SD 2.x conversion, which already dropped OpenCLIP's last
//     layer: GELU and the last layer's output. Other widths are SD 1.x's QuickGELU.
//   - SD 2.x single-file checkpoints: OpenCLIP's cond_stage_model.model.* (token_embedding,
//     positional_embedding, transformer.resblocks.N.{ln_1, attn.in_proj_weight, ...}, ln_final).
// The configuration comes from the shapes: width and vocabulary from the token embedding,
// context length from the position embedding, the layer count from the layers present, heads =
// width / 64 (CLIP's head size). Weights stay in the file's dtype (F32, F16 or BF16) and are
// read in place from the mapping; activations are f32.
#ifndef DEPICT_DIFFUSION_TEXT_ENCODER_H_
#define DEPICT_DIFFUSION_TEXT_ENCODER_H_

#include <array>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "diffusion/clip_tokenizer.h"
#include "diffusion/lora.h"
#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::diffusion {

// A checkpoint without a text encoder, or with a tensor missing or of the wrong shape; what()
// names the file and the tensor. Also thrown by Encode for token ids outside the vocabulary.
class TextEncoderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class TextEncoderLayout {
  kSd1SingleFile,  // cond_stage_model.transformer.text_model.*
  kDiffusers,      // text_model.*
  kOpenClip,       // cond_stage_model.model.*
};

enum class ClipActivation { kQuickGelu, kGelu };

struct TextEncoderConfig {
  TextEncoderLayout layout = TextEncoderLayout::kSd1SingleFile;
  int width = 0;
  int layers = 0;  // in the file
  int heads = 0;
  int mlp_width = 0;
  int vocab = 0;
  int max_positions = 0;
  ClipActivation activation = ClipActivation::kQuickGelu;
  // Layers run by default: all of them, or all but the last for OpenCLIP (SD 2.x).
  int default_layers_run = 0;
};

struct TextEncoderOptions {
  // A1111's "Clip skip" (CLIP_stop_at_last_layers) for SD 1.x models: 1 is the last layer, 2
  // the one before it, ...; at least 1 and at most the layer count. Ignored for OpenCLIP.
  int clip_skip = 1;
};

using TokenIds = std::array<int, kClipContextLength>;

class TextEncoder {
 public:
  // Reads the text encoder's tensors from `file` (other tensors, such as a single-file
  // checkpoint's UNet and VAE, are ignored). Throws TextEncoderError.
  explicit TextEncoder(std::shared_ptr<const tensor::SafetensorsFile> file);

  // A .safetensors checkpoint, or a diffusers folder (its text_encoder/model.safetensors, or a
  // text_encoder folder itself holding model.safetensors).
  static TextEncoder Load(const std::filesystem::path& path);

  const TextEncoderConfig& config() const { return config_; }

  // Hidden states [B, 77, width] for B token sequences. Throws TextEncoderError for an id
  // outside [0, vocab) and std::invalid_argument for a bad clip_skip or an empty batch.
  // `lora` (may be null) adds adapters bound to lora_targets().
  tensor::Tensor Encode(const std::vector<TokenIds>& tokens, const TextEncoderOptions& options = {},
                        const LoraLayers* lora = nullptr) const;

  // The layers LoRA adapters can target, by transformers' CLIPTextModel module names.
  const LoraTargets& lora_targets() const { return lora_targets_; }

 private:
  struct Layer {
    tensor::Tensor ln1_g, ln1_b, q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b;
    tensor::Tensor ln2_g, ln2_b, fc1_w, fc1_b, fc2_w, fc2_b;
    int q_id = -1, k_id = -1, v_id = -1, o_id = -1, fc1_id = -1, fc2_id = -1;  // LoRA targets
  };

  std::shared_ptr<const tensor::SafetensorsFile> file_;
  TextEncoderConfig config_;
  LoraTargets lora_targets_;
  tensor::Tensor token_embedding_;     // [vocab, width]
  tensor::Tensor position_embedding_;  // [max_positions, width]
  std::vector<Layer> layers_;
  tensor::Tensor final_ln_g_, final_ln_b_;
};

// A1111's "Original" emphasis (sd_hijack_clip.py): each token's hidden state z[b, t, :] is
// multiplied by weights[b][t], then the whole tensor is rescaled so that its mean is the mean it
// had before: z = z * w; z = z * (old_mean / new_mean). `hidden` is [B, T, C] f32 and `weights`
// B rows of T. Throws std::invalid_argument on mismatched sizes.
tensor::Tensor ApplyPromptWeights(const tensor::Tensor& hidden,
                                  const std::vector<std::vector<float>>& weights);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_TEXT_ENCODER_H_
