// LoRA adapters, applied per request as a low-rank term at run time: a layer with weight W
// computes W x + b + sum over adapters of scale * up(down(x)), with scale = multiplier * alpha /
// rank (kohya's convention; no alpha means scale = multiplier). The base weights are never
// changed, so there is nothing to un-merge, two requests with different adapters can run at the
// same time on one model, and switching adapters costs only binding them (a name lookup per
// layer). The price is two thin products per adapted layer per step (rank r against the layer's
// width: a few per cent of the step for r <= 64).
//
// Files (.safetensors), by their tensor names; module paths are diffusers' module names
// (down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q, text_model.encoder.layers.0.
// self_attn.q_proj), whatever layout the checkpoint itself uses:
//   kohya (sd-scripts, LyCORIS LoCon):  lora_unet_<path with _>.{lora_down,lora_up}.weight,
//                                       .alpha; lora_te_<path with _>... for the text encoder
//   diffusers / PEFT:                   unet.<path>.{lora_A,lora_B}.weight,
//                                       unet.<path>.lora.{down,up}.weight,
//                                       text_encoder.<path>..., text_encoder.<path>.
//                                       lora_linear_layer.{down,up}.weight
//   diffusers' older attention processors: unet.<attention>.processor.{to_q,to_k,to_v,to_out}_
//                                       lora.{down,up}.weight
// Linear layers take down [r, in] and up [out, r]; convolutions take down [r, in, kh, kw] (the
// layer's kernel, stride and padding) and up [out, r, 1, 1]; a 1x1 convolution and a Linear
// accept either form. Tensors of other kinds (SDXL's lora_te1_/lora_te2_, LoHa, DoRA
// magnitudes) are counted as ignored, and a file none of whose modules is known is an error.
#ifndef DEPICT_DIFFUSION_LORA_H_
#define DEPICT_DIFFUSION_LORA_H_

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "tensor/tensor.h"

namespace depict::diffusion {

// A LoRA file that cannot be read or applied: missing, not safetensors, a module without its
// down or up half, shapes that do not fit the layer. what() names the file and the tensor.
class LoraError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class LoraComponent : uint8_t { kUnet, kTextEncoder };

// One adapted layer of a file: f32 tensors, converted once at load.
struct LoraModule {
  LoraComponent component = LoraComponent::kUnet;
  std::string key;  // the layer's diffusers module path with '.' as '_': "down_blocks_0_..."
  tensor::Tensor down, up;
  float alpha_scale = 1.0f;  // alpha / rank, or 1 without alpha
};

class LoraFile {
 public:
  // Reads and validates `path`. Throws LoraError (and tensor::SafetensorsError).
  static std::shared_ptr<const LoraFile> Load(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const std::vector<LoraModule>& modules() const { return modules_; }
  int ignored_tensors() const { return ignored_; }

 private:
  std::filesystem::path path_;
  std::vector<LoraModule> modules_;
  int ignored_ = 0;
};

// A model's adaptable layers: each Linear or Conv2d of the UNet or text encoder gets an id (its
// index here) and its canonical key.
struct LoraTarget {
  std::string key;
  tensor::Shape weight_shape;
  int stride = 1;
  int padding = 0;
};

class LoraTargets {
 public:
  // Registers a layer; returns its id.
  int Add(std::string diffusers_prefix, tensor::Shape weight_shape, int stride = 1,
          int padding = 0);
  const std::vector<LoraTarget>& all() const { return targets_; }
  // The id of a canonical key, or -1.
  int Find(const std::string& key) const;

 private:
  std::vector<LoraTarget> targets_;
  std::unordered_map<std::string, int> index_;
};

// The low-rank terms bound to one component's layers for one request.
class LoraLayers {
 public:
  struct Term {
    tensor::Tensor down, up;  // shaped for the layer: 2-D for Linear, 4-D for Conv2d
    float scale = 1.0f;
    // Per batch item (the input's outermost dimension): a multiplier of `scale` for each
    // item, so that one UNet batch can carry images with different adapters (0: not this
    // item's). Empty: every item.
    std::vector<float> items;
  };
  bool empty() const { return count_ == 0; }
  int count() const { return count_; }
  const std::vector<Term>* terms(int layer) const {
    return layer >= 0 && static_cast<size_t>(layer) < by_layer_.size() && !by_layer_[layer].empty()
               ? &by_layer_[layer]
               : nullptr;
  }
  void Add(int layer, size_t layer_count, Term term);
  // The layers of a batch of `batch` items in which item b takes its adapters from
  // `per_item[b]` (a request's bound set): each term applies only to the items that use it
  // (a term several items share with the same scale is applied once).
  static LoraLayers ForBatch(const std::vector<const LoraLayers*>& per_item);

 private:
  std::vector<std::vector<Term>> by_layer_;
  int count_ = 0;
};

// Adapters bound to a model for one request; keeps their files alive.
struct LoraSet {
  LoraLayers unet;
  LoraLayers text_encoder;
  std::vector<std::shared_ptr<const LoraFile>> files;
  bool empty() const { return unet.empty() && text_encoder.empty(); }
};

// Binds `file`'s modules to the targets with the given multipliers (A1111's text-encoder and
// UNet weights). Throws LoraError when a module's shapes do not fit its layer or when no module
// of the file matches a layer of this model (a LoRA for another architecture).
void BindLora(const std::shared_ptr<const LoraFile>& file, float text_encoder_multiplier,
              float unet_multiplier, const LoraTargets& unet_targets,
              const LoraTargets& text_encoder_targets, LoraSet& set);

// The layer's output with the adapters' terms added: Linear(x, w, b) or Conv2d(x, w, b, stride,
// padding), plus scale * up(down(x)) for each term bound to `layer` (none when `loras` is null).
tensor::Tensor LinearWithLora(const tensor::Tensor& x, const tensor::Tensor& weight,
                              const tensor::Tensor& bias, const LoraLayers* loras, int layer);
tensor::Tensor Conv2dWithLora(const tensor::Tensor& x, const tensor::Tensor& weight,
                              const tensor::Tensor& bias, int stride, int padding,
                              const LoraLayers* loras, int layer);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_LORA_H_
