#include "diffusion/text_encoder.h"

#include <cstdint>
#include <cstring>
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

constexpr int kHeadSize = 64;  // CLIP's attention head size (ViT-L/14 and ViT-H/14 alike)
constexpr float kLayerNormEps = 1e-5f;

// Names of one layout: a prefix, and how the per-layer names are spelled.
struct Names {
  std::string prefix;
  std::string token_embedding, position_embedding, final_ln;
  std::string layer;  // the prefix of layer N, with "{}" standing for N
};

Names NamesFor(TextEncoderLayout layout) {
  switch (layout) {
    case TextEncoderLayout::kSd1SingleFile:
    case TextEncoderLayout::kDiffusers: {
      const std::string p = layout == TextEncoderLayout::kDiffusers
                                ? "text_model."
                                : "cond_stage_model.transformer.text_model.";
      return {p, p + "embeddings.token_embedding.weight",
              p + "embeddings.position_embedding.weight", p + "final_layer_norm.",
              p + "encoder.layers.{}."};
    }
    case TextEncoderLayout::kOpenClip: {
      const std::string p = "cond_stage_model.model.";
      return {p, p + "token_embedding.weight", p + "positional_embedding", p + "ln_final.",
              p + "transformer.resblocks.{}."};
    }
  }
  throw std::logic_error("unknown text encoder layout");
}

std::string LayerPrefix(const Names& names, int i) {
  std::string s = names.layer;
  s.replace(s.find("{}"), 2, std::to_string(i));
  return s;
}

class Reader : public WeightReader<TextEncoderError> {
 public:
  explicit Reader(const tensor::SafetensorsFile& file) : WeightReader(file, "text encoder") {}
};

// Rows [row0, row0 + rows) of a matrix or vector `t`, sharing its buffer.
Tensor Rows(const Tensor& t, int64_t row0, int64_t rows) {
  auto holder = std::make_shared<Tensor>(t);
  const int64_t row_elems = t.rank() == 1 ? 1 : t.numel() / t.dim(0);
  Shape shape = t.shape();
  shape[0] = rows;
  const auto* base = static_cast<const unsigned char*>(t.data());
  return Tensor::View(holder, base + row0 * row_elems * tensor::DTypeSize(t.dtype()), shape,
                      t.dtype());
}

// Row `row` of a [rows, n] matrix of any supported dtype, as f32, into `out`.
void ReadRow(const Tensor& m, int64_t row, float* out) {
  const int64_t n = m.dim(1);
  switch (m.dtype()) {
    case DType::kF32:
      std::memcpy(out, m.f32() + row * n, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::kF16: {
      const uint16_t* p = m.u16() + row * n;
      for (int64_t i = 0; i < n; ++i) out[i] = tensor::HalfToFloat(p[i]);
      return;
    }
    case DType::kBF16: {
      const uint16_t* p = m.u16() + row * n;
      for (int64_t i = 0; i < n; ++i) out[i] = tensor::BFloat16ToFloat(p[i]);
      return;
    }
  }
}

// x[B, T, H*D] -> [B, H, T, D].
Tensor SplitHeads(const Tensor& x, int64_t heads) {
  const int64_t b = x.dim(0), t = x.dim(1), w = x.dim(2);
  return tensor::Permute(x.Reshaped({b, t, heads, w / heads}), {0, 2, 1, 3});
}

}  // namespace

TextEncoder::TextEncoder(std::shared_ptr<const tensor::SafetensorsFile> file)
    : file_(std::move(file)) {
  if (file_ == nullptr) throw std::invalid_argument("TextEncoder: null file");
  const Reader r(*file_);

  TextEncoderConfig& c = config_;
  if (r.Has(NamesFor(TextEncoderLayout::kSd1SingleFile).token_embedding)) {
    c.layout = TextEncoderLayout::kSd1SingleFile;
  } else if (r.Has(NamesFor(TextEncoderLayout::kOpenClip).token_embedding)) {
    c.layout = TextEncoderLayout::kOpenClip;
  } else if (r.Has(NamesFor(TextEncoderLayout::kDiffusers).token_embedding)) {
    c.layout = TextEncoderLayout::kDiffusers;
  } else {
    throw TextEncoderError(file_->path() +
                           ": no CLIP text encoder (none of the tensors "
                           "\"cond_stage_model.transformer.text_model.embeddings.token_embedding."
                           "weight\", \"cond_stage_model.model.token_embedding.weight\", "
                           "\"text_model.embeddings.token_embedding.weight\")");
  }
  const Names n = NamesFor(c.layout);
  const bool openclip = c.layout == TextEncoderLayout::kOpenClip;

  token_embedding_ = r.Get(n.token_embedding, {-1, -1});
  c.vocab = static_cast<int>(token_embedding_.dim(0));
  c.width = static_cast<int>(token_embedding_.dim(1));
  if (c.width <= 0 || c.width % kHeadSize != 0 || c.vocab <= 0) {
    r.Fail(n.token_embedding, "has shape " + ShapeText(token_embedding_.shape()) +
                                  ": the width must be a positive multiple of 64");
  }
  const int64_t w = c.width;
  c.heads = c.width / kHeadSize;
  position_embedding_ = r.Get(n.position_embedding, {-1, w});
  c.max_positions = static_cast<int>(position_embedding_.dim(0));
  if (c.max_positions < kClipContextLength) {
    r.Fail(n.position_embedding, "has " + std::to_string(c.max_positions) +
                                     " positions, fewer than the 77 tokens of a prompt");
  }

  const std::string ln1 = openclip ? "ln_1." : "layer_norm1.";
  const std::string ln2 = openclip ? "ln_2." : "layer_norm2.";
  const std::string fc1 = openclip ? "mlp.c_fc." : "mlp.fc1.";
  const std::string fc2 = openclip ? "mlp.c_proj." : "mlp.fc2.";
  const std::string out = openclip ? "attn.out_proj." : "self_attn.out_proj.";
  while (r.Has(LayerPrefix(n, c.layers) + ln1 + "weight")) ++c.layers;
  if (c.layers == 0) r.Fail(LayerPrefix(n, 0) + ln1 + "weight", "missing from the checkpoint");

  for (int i = 0; i < c.layers; ++i) {
    const std::string p = LayerPrefix(n, i);
    Layer l;
    l.ln1_g = r.GetF32(p + ln1 + "weight", {w});
    l.ln1_b = r.GetF32(p + ln1 + "bias", {w});
    if (openclip) {
      const Tensor in_w = r.Get(p + "attn.in_proj_weight", {3 * w, w});
      const Tensor in_b = r.GetF32(p + "attn.in_proj_bias", {3 * w});
      l.q_w = Rows(in_w, 0, w);
      l.k_w = Rows(in_w, w, w);
      l.v_w = Rows(in_w, 2 * w, w);
      l.q_b = Rows(in_b, 0, w);
      l.k_b = Rows(in_b, w, w);
      l.v_b = Rows(in_b, 2 * w, w);
    } else {
      l.q_w = r.Get(p + "self_attn.q_proj.weight", {w, w});
      l.q_b = r.GetF32(p + "self_attn.q_proj.bias", {w});
      l.k_w = r.Get(p + "self_attn.k_proj.weight", {w, w});
      l.k_b = r.GetF32(p + "self_attn.k_proj.bias", {w});
      l.v_w = r.Get(p + "self_attn.v_proj.weight", {w, w});
      l.v_b = r.GetF32(p + "self_attn.v_proj.bias", {w});
    }
    l.o_w = r.Get(p + out + "weight", {w, w});
    l.o_b = r.GetF32(p + out + "bias", {w});
    l.ln2_g = r.GetF32(p + ln2 + "weight", {w});
    l.ln2_b = r.GetF32(p + ln2 + "bias", {w});
    l.fc1_w = r.Get(p + fc1 + "weight", {i == 0 ? -1 : c.mlp_width, w});
    if (i == 0) c.mlp_width = static_cast<int>(l.fc1_w.dim(0));
    const int64_t m = c.mlp_width;
    l.fc1_b = r.GetF32(p + fc1 + "bias", {m});
    l.fc2_w = r.Get(p + fc2 + "weight", {w, m});
    l.fc2_b = r.GetF32(p + fc2 + "bias", {w});
    // LoRA files name transformers' CLIPTextModel modules whatever the checkpoint's layout.
    const std::string hf = "text_model.encoder.layers." + std::to_string(i) + ".";
    l.q_id = lora_targets_.Add(hf + "self_attn.q_proj", l.q_w.shape());
    l.k_id = lora_targets_.Add(hf + "self_attn.k_proj", l.k_w.shape());
    l.v_id = lora_targets_.Add(hf + "self_attn.v_proj", l.v_w.shape());
    l.o_id = lora_targets_.Add(hf + "self_attn.out_proj", l.o_w.shape());
    l.fc1_id = lora_targets_.Add(hf + "mlp.fc1", l.fc1_w.shape());
    l.fc2_id = lora_targets_.Add(hf + "mlp.fc2", l.fc2_w.shape());
    layers_.push_back(std::move(l));
  }
  final_ln_g_ = r.GetF32(n.final_ln + "weight", {w});
  final_ln_b_ = r.GetF32(n.final_ln + "bias", {w});

  // OpenCLIP (SD 2.x) and diffusers' conversion of it (width 1024, already one layer short) use
  // exact GELU; OpenAI's CLIP (SD 1.x) uses QuickGELU.
  c.activation = openclip || (c.layout == TextEncoderLayout::kDiffusers && c.width == 1024)
                     ? ClipActivation::kGelu
                     : ClipActivation::kQuickGelu;
  c.default_layers_run = openclip ? c.layers - 1 : c.layers;
  if (c.default_layers_run < 1) {
    r.Fail(LayerPrefix(n, 1) + ln1 + "weight",
           "missing: SD 2.x's encoder needs at least two layers (it uses the penultimate)");
  }
}

TextEncoder TextEncoder::Load(const std::filesystem::path& path) {
  const std::filesystem::path file =
      ComponentFile<TextEncoderError>(path, "text_encoder", "model.safetensors");
  return TextEncoder(tensor::SafetensorsFile::Open(file.string()));
}

Tensor TextEncoder::Encode(const std::vector<TokenIds>& tokens, const TextEncoderOptions& options,
                           const LoraLayers* lora) const {
  const TextEncoderConfig& c = config_;
  if (tokens.empty()) throw std::invalid_argument("TextEncoder::Encode: no token sequences");
  int layers_run = c.default_layers_run;
  if (c.layout != TextEncoderLayout::kOpenClip) {
    if (options.clip_skip < 1 || options.clip_skip > c.layers) {
      throw std::invalid_argument("TextEncoder::Encode: clip_skip " +
                                  std::to_string(options.clip_skip) + " outside 1.." +
                                  std::to_string(c.layers));
    }
    layers_run = c.layers - (options.clip_skip - 1);
  }

  const int64_t b = static_cast<int64_t>(tokens.size());
  const int64_t t = kClipContextLength;
  const int64_t w = c.width;

  // Token embedding plus position embedding.
  Tensor x = Tensor::Zeros({b, t, w});
  {
    float* px = x.f32();
    std::vector<float> pos(static_cast<size_t>(w));
    for (int64_t j = 0; j < t; ++j) {
      ReadRow(position_embedding_, j, pos.data());
      for (int64_t i = 0; i < b; ++i) {
        const int id = tokens[static_cast<size_t>(i)][static_cast<size_t>(j)];
        if (id < 0 || id >= c.vocab) {
          throw TextEncoderError("TextEncoder::Encode: token id " + std::to_string(id) +
                                 " at sequence " + std::to_string(i) + ", position " +
                                 std::to_string(j) + " is outside the vocabulary of " +
                                 std::to_string(c.vocab));
        }
        float* row = px + (i * t + j) * w;
        ReadRow(token_embedding_, id, row);
        for (int64_t k = 0; k < w; ++k) row[k] += pos[static_cast<size_t>(k)];
      }
    }
  }

  for (int li = 0; li < layers_run; ++li) {
    const Layer& l = layers_[static_cast<size_t>(li)];
    {
      const Tensor h = tensor::LayerNorm(x, l.ln1_g, l.ln1_b, kLayerNormEps);
      const Tensor q = SplitHeads(LinearWithLora(h, l.q_w, l.q_b, lora, l.q_id), c.heads);
      const Tensor k = SplitHeads(LinearWithLora(h, l.k_w, l.k_b, lora, l.k_id), c.heads);
      const Tensor v = SplitHeads(LinearWithLora(h, l.v_w, l.v_b, lora, l.v_id), c.heads);
      const Tensor a = tensor::Attention(q, k, v, 0.0f, /*causal=*/true);
      const Tensor merged = tensor::Permute(a, {0, 2, 1, 3}).Reshaped({b, t, w});
      tensor::AddInPlace(x, LinearWithLora(merged, l.o_w, l.o_b, lora, l.o_id));
    }
    {
      Tensor h = LinearWithLora(tensor::LayerNorm(x, l.ln2_g, l.ln2_b, kLayerNormEps), l.fc1_w,
                                l.fc1_b, lora, l.fc1_id);
      if (c.activation == ClipActivation::kGelu) {
        tensor::GELUInPlace(h);
      } else {
        h = tensor::QuickGELU(h);
      }
      tensor::AddInPlace(x, LinearWithLora(h, l.fc2_w, l.fc2_b, lora, l.fc2_id));
    }
  }
  return tensor::LayerNorm(x, final_ln_g_, final_ln_b_, kLayerNormEps);
}

Tensor ApplyPromptWeights(const Tensor& hidden, const std::vector<std::vector<float>>& weights) {
  if (hidden.rank() != 3 || hidden.dtype() != DType::kF32) {
    throw std::invalid_argument("ApplyPromptWeights: hidden states must be [B, T, C] f32, not " +
                                ShapeText(hidden.shape()));
  }
  const int64_t b = hidden.dim(0), t = hidden.dim(1), c = hidden.dim(2);
  if (static_cast<int64_t>(weights.size()) != b) {
    throw std::invalid_argument("ApplyPromptWeights: " + std::to_string(weights.size()) +
                                " weight rows for a batch of " + std::to_string(b));
  }
  for (const auto& row : weights) {
    if (static_cast<int64_t>(row.size()) != t) {
      throw std::invalid_argument("ApplyPromptWeights: a weight row of " +
                                  std::to_string(row.size()) + " for " + std::to_string(t) +
                                  " tokens");
    }
  }
  const int64_t n = hidden.numel();
  Tensor out = Tensor::Zeros(hidden.shape());
  const float* src = hidden.f32();
  float* dst = out.f32();
  // Means in double: torch sums float32 pairwise, so both are within rounding of the exact mean.
  double old_sum = 0.0, new_sum = 0.0;
  for (int64_t i = 0; i < b; ++i) {
    for (int64_t j = 0; j < t; ++j) {
      const float wt = weights[static_cast<size_t>(i)][static_cast<size_t>(j)];
      const int64_t base = (i * t + j) * c;
      for (int64_t k = 0; k < c; ++k) {
        old_sum += src[base + k];
        dst[base + k] = src[base + k] * wt;
        new_sum += dst[base + k];
      }
    }
  }
  if (n == 0) return out;
  const float old_mean = static_cast<float>(old_sum / static_cast<double>(n));
  const float new_mean = static_cast<float>(new_sum / static_cast<double>(n));
  tensor::ScaleInPlace(out, old_mean / new_mean);
  return out;
}

}  // namespace depict::diffusion
