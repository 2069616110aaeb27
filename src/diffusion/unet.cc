#include "diffusion/unet.h"

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

constexpr float kResnetEps = 1e-5f;       // resnets' and conv_norm_out's group norms
constexpr float kTransformerEps = 1e-6f;  // the transformers' group norms
constexpr float kLayerNormEps = 1e-5f;

class Reader : public WeightReader<UnetError> {
 public:
  explicit Reader(const tensor::SafetensorsFile& file) : WeightReader(file, "UNet") {}
};

std::string Num(int64_t i) { return std::to_string(i); }

// Names of one layout. Blocks are indexed in the order they run (diffusers' order); LDM numbers
// every resnet (with its transformer) and every resampler as one of input_blocks.k /
// output_blocks.k, in the order they run.
struct Names {
  UnetLayout layout;
  int layers = 0;  // resnets per down block, needed for LDM's numbering

  bool ldm() const { return layout == UnetLayout::kSingleFile; }
  static std::string Ldm() { return "model.diffusion_model."; }
  std::string Input(int k) const { return Ldm() + "input_blocks." + Num(k) + "."; }
  std::string Output(int k) const { return Ldm() + "output_blocks." + Num(k) + "."; }

  std::string ConvIn() const { return ldm() ? Input(0) + "0." : "conv_in."; }
  std::string TimeLinear(int j) const {
    return ldm() ? Ldm() + "time_embed." + Num(2 * j) + "."
                 : "time_embedding.linear_" + Num(j + 1) + ".";
  }
  std::string DownResnet(int i, int m) const {
    return ldm() ? Input(1 + i * (layers + 1) + m) + "0."
                 : "down_blocks." + Num(i) + ".resnets." + Num(m) + ".";
  }
  std::string DownAttention(int i, int m) const {
    return ldm() ? Input(1 + i * (layers + 1) + m) + "1."
                 : "down_blocks." + Num(i) + ".attentions." + Num(m) + ".";
  }
  std::string Downsample(int i) const {
    return ldm() ? Input(1 + i * (layers + 1) + layers) + "0.op."
                 : "down_blocks." + Num(i) + ".downsamplers.0.conv.";
  }
  std::string MidResnet(int j) const {
    return ldm() ? Ldm() + "middle_block." + Num(2 * j) + "." : "mid_block.resnets." + Num(j) + ".";
  }
  std::string MidAttention() const {
    return ldm() ? Ldm() + "middle_block.1." : "mid_block.attentions.0.";
  }
  std::string UpResnet(int i, int m) const {
    return ldm() ? Output(i * (layers + 1) + m) + "0."
                 : "up_blocks." + Num(i) + ".resnets." + Num(m) + ".";
  }
  std::string UpAttention(int i, int m) const {
    return ldm() ? Output(i * (layers + 1) + m) + "1."
                 : "up_blocks." + Num(i) + ".attentions." + Num(m) + ".";
  }
  // LDM's upsampler follows the last resnet (and transformer, when the block has them).
  std::string Upsample(int i, bool attention) const {
    return ldm() ? Output(i * (layers + 1) + layers) + (attention ? "2" : "1") + ".conv."
                 : "up_blocks." + Num(i) + ".upsamplers.0.conv.";
  }
  std::string NormOut() const { return ldm() ? Ldm() + "out.0." : "conv_norm_out."; }
  std::string ConvOut() const { return ldm() ? Ldm() + "out.2." : "conv_out."; }
  // Within a resnet.
  std::string Norm1() const { return ldm() ? "in_layers.0." : "norm1."; }
  std::string Conv1() const { return ldm() ? "in_layers.2." : "conv1."; }
  std::string TimeProj() const { return ldm() ? "emb_layers.1." : "time_emb_proj."; }
  std::string Norm2() const { return ldm() ? "out_layers.0." : "norm2."; }
  std::string Conv2() const { return ldm() ? "out_layers.3." : "conv2."; }
  std::string Shortcut() const { return ldm() ? "skip_connection." : "conv_shortcut."; }
};

}  // namespace

Tensor TimestepEmbedding(float timestep, int dim, int64_t batch) {
  if (dim <= 0 || dim % 2 != 0 || batch <= 0) {
    throw std::invalid_argument("TimestepEmbedding: dim must be even and positive, batch positive");
  }
  const int half = dim / 2;
  Tensor out = Tensor::Zeros({batch, dim});
  float* p = out.f32();
  // As diffusers' get_timestep_embedding, in float32: exp(-ln(10000) * i / half) * t.
  const float log_period = std::log(10000.0f);
  for (int i = 0; i < half; ++i) {
    const float exponent = -log_period * static_cast<float>(i) / static_cast<float>(half);
    const float arg = timestep * std::exp(exponent);
    p[i] = std::cos(arg);  // flip_sin_to_cos: cosines first
    p[half + i] = std::sin(arg);
  }
  for (int64_t b = 1; b < batch; ++b) {
    for (int i = 0; i < dim; ++i) p[b * dim + i] = p[i];
  }
  return out;
}

Unet::Unet(std::shared_ptr<const tensor::SafetensorsFile> file, const UnetOptions& options)
    : file_(std::move(file)) {
  if (file_ == nullptr) throw std::invalid_argument("Unet: null file");
  if (options.norm_groups <= 0 || options.head_dim < 0 ||
      (options.head_dim == 0 && options.num_heads <= 0)) {
    throw std::invalid_argument(
        "Unet: norm_groups must be positive, and num_heads positive or head_dim positive");
  }
  const Reader r(*file_);
  UnetConfig& c = config_;
  c.norm_groups = options.norm_groups;
  c.num_heads = options.head_dim > 0 ? 0 : options.num_heads;
  c.head_dim = options.head_dim;

  Names n{UnetLayout::kSingleFile};
  if (r.Has(n.ConvIn() + "weight")) {
    c.layout = UnetLayout::kSingleFile;
  } else if (n.layout = UnetLayout::kDiffusers; r.Has(n.ConvIn() + "weight")) {
    c.layout = UnetLayout::kDiffusers;
  } else {
    throw UnetError(file_->path() +
                    ": no UNet (neither \"model.diffusion_model.input_blocks.0.0.weight\" nor "
                    "\"conv_in.weight\")");
  }
  n.layout = c.layout;
  Names dn{UnetLayout::kDiffusers};

  const auto norm = [&](const std::string& p, int64_t ch) {
    if (ch % c.norm_groups != 0) {
      r.Fail(p + "weight", "has " + Num(ch) + " channels, not a multiple of the " +
                               Num(c.norm_groups) + " groups");
    }
    return Norm{r.GetF32(p + "weight", {ch}), r.GetF32(p + "bias", {ch})};
  };
  const auto layer_norm = [&](const std::string& p, int64_t ch) {
    return Norm{r.GetF32(p + "weight", {ch}), r.GetF32(p + "bias", {ch})};
  };
  // `dp` is the layer's diffusers name, which LoRA files use whatever the checkpoint's layout.
  const auto conv = [&](const std::string& p, const std::string& dp, int64_t out, int64_t in,
                        int64_t k, int stride = 1) {
    Conv cv;
    cv.weight = r.Get(p + "weight", {out, in, k, k});
    cv.bias = r.GetF32(p + "bias", {cv.weight.dim(0)});
    cv.layer = lora_targets_.Add(dp, cv.weight.shape(), stride, static_cast<int>(k / 2));
    return cv;
  };
  const auto linear = [&](const std::string& p, const std::string& dp, int64_t out, int64_t in,
                          bool bias) {
    Conv cv;
    cv.weight = r.Get(p + "weight", {out, in});
    if (bias) cv.bias = r.GetF32(p + "bias", {cv.weight.dim(0)});
    cv.layer = lora_targets_.Add(dp, cv.weight.shape());
    return cv;
  };

  conv_in_ = conv(n.ConvIn(), dn.ConvIn(), -1, -1, 3);
  c.in_channels = static_cast<int>(conv_in_.weight.dim(1));
  int64_t ch = conv_in_.weight.dim(0);
  time_linear1_ = linear(n.TimeLinear(0), dn.TimeLinear(0), -1, ch, true);
  const int64_t temb = time_linear1_.weight.dim(0);
  c.time_embed_dim = static_cast<int>(temb);
  time_linear2_ = linear(n.TimeLinear(1), dn.TimeLinear(1), temb, temb, true);

  const auto resnet = [&](const std::string& p, const std::string& dp, int64_t in) {
    Resnet rn;
    rn.norm1 = norm(p + n.Norm1(), in);
    rn.conv1 = conv(p + n.Conv1(), dp + dn.Conv1(), -1, in, 3);
    const int64_t out = rn.conv1.weight.dim(0);
    rn.time_proj = linear(p + n.TimeProj(), dp + dn.TimeProj(), out, temb, true);
    rn.norm2 = norm(p + n.Norm2(), out);
    rn.conv2 = conv(p + n.Conv2(), dp + dn.Conv2(), out, out, 3);
    if (in != out || r.Has(p + n.Shortcut() + "weight")) {
      rn.shortcut = conv(p + n.Shortcut(), dp + dn.Shortcut(), out, in, 1);
    }
    return rn;
  };

  const auto attention = [&](const std::string& p, const std::string& dp, int64_t dim,
                             int64_t kv_dim) {
    Attention a;
    a.q = linear(p + "to_q.", dp + "to_q.", dim, dim, false);
    a.k = linear(p + "to_k.", dp + "to_k.", dim, kv_dim, false);
    a.v = linear(p + "to_v.", dp + "to_v.", dim, kv_dim, false);
    a.out = linear(p + "to_out.0.", dp + "to_out.0.", dim, dim, true);
    return a;
  };
  bool first_transformer = true;
  const auto transformer = [&](const std::string& p, const std::string& dp, int64_t dim) {
    Transformer t;
    t.norm = norm(p + "norm.", dim);
    const size_t rank = r.Rank(p + "proj_in.weight");
    if (first_transformer) c.linear_projection = rank == 2;
    const bool lin = c.linear_projection;
    t.proj_in = lin ? linear(p + "proj_in.", dp + "proj_in.", dim, dim, true)
                    : conv(p + "proj_in.", dp + "proj_in.", dim, dim, 1);
    t.proj_out = lin ? linear(p + "proj_out.", dp + "proj_out.", dim, dim, true)
                     : conv(p + "proj_out.", dp + "proj_out.", dim, dim, 1);
    if (c.head_dim > 0) {
      if (dim % c.head_dim != 0) {
        r.Fail(p + "proj_in.weight",
               "has " + Num(dim) + " channels, not a multiple of the head size " + Num(c.head_dim));
      }
      t.heads = static_cast<int>(dim / c.head_dim);
    } else {
      if (dim % c.num_heads != 0) {
        r.Fail(p + "proj_in.weight", "has " + Num(dim) + " channels, not a multiple of the " +
                                         Num(c.num_heads) + " heads");
      }
      t.heads = c.num_heads;
    }
    for (int k = 0; k == 0 || r.Has(p + "transformer_blocks." + Num(k) + ".norm1.weight"); ++k) {
      const std::string b = p + "transformer_blocks." + Num(k) + ".";
      const std::string db = dp + "transformer_blocks." + Num(k) + ".";
      Block blk;
      blk.norm1 = layer_norm(b + "norm1.", dim);
      blk.self_attn = attention(b + "attn1.", db + "attn1.", dim, dim);
      blk.norm2 = layer_norm(b + "norm2.", dim);
      if (first_transformer) {
        c.cross_attention_dim = static_cast<int>(r.Get(b + "attn2.to_k.weight", {dim, -1}).dim(1));
        first_transformer = false;
      }
      blk.cross_attn = attention(b + "attn2.", db + "attn2.", dim, c.cross_attention_dim);
      blk.norm3 = layer_norm(b + "norm3.", dim);
      blk.ff_in = linear(b + "ff.net.0.proj.", db + "ff.net.0.proj.", -1, dim, true);
      const int64_t ff2 = blk.ff_in.weight.dim(0);
      if (ff2 % 2 != 0) r.Fail(b + "ff.net.0.proj.weight", "has an odd number of rows");
      blk.ff_out = linear(b + "ff.net.2.", db + "ff.net.2.", dim, ff2 / 2, true);
      t.blocks.push_back(std::move(blk));
    }
    return t;
  };

  // Resnets per down block, then down blocks (LDM's numbering needs the former).
  if (n.ldm()) {
    while (r.Has(n.Input(1 + n.layers) + "0." + n.Conv1() + "weight")) ++n.layers;
  } else {
    while (r.Has(n.DownResnet(0, n.layers) + n.Conv1() + "weight")) ++n.layers;
  }
  if (n.layers == 0)
    r.Fail(n.DownResnet(0, 0) + n.Conv1() + "weight", "missing from the checkpoint");
  c.layers_per_block = n.layers;
  dn.layers = n.layers;
  int n_blocks = 0;
  while (r.Has(n.DownResnet(n_blocks, 0) + n.Conv1() + "weight")) ++n_blocks;

  std::vector<int64_t> skips = {ch};
  for (int i = 0; i < n_blocks; ++i) {
    const bool attn = r.Has(n.DownAttention(i, 0) + "norm.weight");
    Stage s;
    for (int m = 0; m < c.layers_per_block; ++m) {
      s.resnets.push_back(resnet(n.DownResnet(i, m), dn.DownResnet(i, m), ch));
      ch = s.resnets.back().conv2.weight.dim(0);
      if (attn) {
        s.transformers.push_back(transformer(n.DownAttention(i, m), dn.DownAttention(i, m), ch));
      }
      skips.push_back(ch);
    }
    c.block_channels.push_back(static_cast<int>(ch));
    c.down_attention.push_back(attn);
    if (i + 1 < n_blocks) {
      s.resample = conv(n.Downsample(i), dn.Downsample(i), ch, ch, 3, 2);
      skips.push_back(ch);
    }
    down_.push_back(std::move(s));
  }

  mid_resnet1_ = resnet(n.MidResnet(0), dn.MidResnet(0), ch);
  mid_transformer_ = transformer(n.MidAttention(), dn.MidAttention(), ch);
  mid_resnet2_ = resnet(n.MidResnet(1), dn.MidResnet(1), ch);

  for (int i = 0; i < n_blocks; ++i) {
    const bool attn = r.Has(n.UpAttention(i, 0) + "norm.weight");
    Stage s;
    for (int m = 0; m <= c.layers_per_block; ++m) {
      const int64_t in = ch + skips.back();
      skips.pop_back();
      s.resnets.push_back(resnet(n.UpResnet(i, m), dn.UpResnet(i, m), in));
      ch = s.resnets.back().conv2.weight.dim(0);
      if (attn) {
        s.transformers.push_back(transformer(n.UpAttention(i, m), dn.UpAttention(i, m), ch));
      }
    }
    c.up_attention.push_back(attn);
    if (i + 1 < n_blocks) s.resample = conv(n.Upsample(i, attn), dn.Upsample(i, attn), ch, ch, 3);
    up_.push_back(std::move(s));
  }

  norm_out_ = norm(n.NormOut(), ch);
  conv_out_ = conv(n.ConvOut(), dn.ConvOut(), -1, ch, 3);
  c.out_channels = static_cast<int>(conv_out_.weight.dim(0));
}

Unet Unet::Load(const std::filesystem::path& path, const UnetOptions& options) {
  const std::filesystem::path file =
      ComponentFile<UnetError>(path, "unet", "diffusion_pytorch_model.safetensors");
  return Unet(tensor::SafetensorsFile::Open(file.string()), options);
}

Tensor Unet::RunResnet(const Resnet& r, const Tensor& x, const Tensor& temb_silu,
                       const LoraLayers* lora) const {
  const int g = config_.norm_groups;
  Tensor h = tensor::GroupNormSiLU(x, g, r.norm1.gamma, r.norm1.beta, kResnetEps);
  h = Conv2dWithLora(h, r.conv1.weight, r.conv1.bias, 1, 1, lora, r.conv1.layer);
  h = tensor::AddChannelBias(
      h, LinearWithLora(temb_silu, r.time_proj.weight, r.time_proj.bias, lora, r.time_proj.layer));
  h = tensor::GroupNormSiLU(h, g, r.norm2.gamma, r.norm2.beta, kResnetEps);
  h = Conv2dWithLora(h, r.conv2.weight, r.conv2.bias, 1, 1, lora, r.conv2.layer);
  if (r.shortcut.weight.empty()) {
    tensor::AddInPlace(h, x);
  } else {
    tensor::AddInPlace(
        h, Conv2dWithLora(x, r.shortcut.weight, r.shortcut.bias, 1, 0, lora, r.shortcut.layer));
  }
  return h;
}

namespace {

// Multi-head attention of tokens x [B, T, C] over kv [B, S, Ckv].
template <typename AttentionWeights>
Tensor MultiHead(const Tensor& x, const Tensor& kv, const AttentionWeights& a, int heads,
                 const LoraLayers* lora) {
  const int64_t b = x.dim(0), t = x.dim(1), c = a.q.weight.dim(0), s = kv.dim(1), d = c / heads;
  const auto split = [&](const Tensor& y, int64_t len) {
    return tensor::Permute(y.Reshaped({b, len, heads, d}), {0, 2, 1, 3});
  };
  const Tensor q = split(LinearWithLora(x, a.q.weight, Tensor(), lora, a.q.layer), t);
  const Tensor k = split(LinearWithLora(kv, a.k.weight, Tensor(), lora, a.k.layer), s);
  const Tensor v = split(LinearWithLora(kv, a.v.weight, Tensor(), lora, a.v.layer), s);
  const Tensor o = tensor::Permute(tensor::Attention(q, k, v), {0, 2, 1, 3}).Reshaped({b, t, c});
  return LinearWithLora(o, a.out.weight, a.out.bias, lora, a.out.layer);
}

}  // namespace

Tensor Unet::RunTransformer(const Transformer& tr, const Tensor& x, const Tensor& context,
                            const LoraLayers* lora) const {
  const int64_t b = x.dim(0), c = x.dim(1), hw = x.dim(2) * x.dim(3);
  Tensor h =
      tensor::GroupNorm(x, config_.norm_groups, tr.norm.gamma, tr.norm.beta, kTransformerEps);
  Tensor tokens;  // [B, HW, C]
  if (config_.linear_projection) {
    tokens = tensor::Permute(h.Reshaped({b, c, hw}), {0, 2, 1});
    tokens = LinearWithLora(tokens, tr.proj_in.weight, tr.proj_in.bias, lora, tr.proj_in.layer);
  } else {
    h = Conv2dWithLora(h, tr.proj_in.weight, tr.proj_in.bias, 1, 0, lora, tr.proj_in.layer);
    tokens = tensor::Permute(h.Reshaped({b, c, hw}), {0, 2, 1});
  }
  for (const Block& k : tr.blocks) {
    Tensor n = tensor::LayerNorm(tokens, k.norm1.gamma, k.norm1.beta, kLayerNormEps);
    tensor::AddInPlace(tokens, MultiHead(n, n, k.self_attn, tr.heads, lora));
    n = tensor::LayerNorm(tokens, k.norm2.gamma, k.norm2.beta, kLayerNormEps);
    tensor::AddInPlace(tokens, MultiHead(n, context, k.cross_attn, tr.heads, lora));
    n = tensor::LayerNorm(tokens, k.norm3.gamma, k.norm3.beta, kLayerNormEps);
    n = tensor::GEGLU(LinearWithLora(n, k.ff_in.weight, k.ff_in.bias, lora, k.ff_in.layer));
    tensor::AddInPlace(tokens,
                       LinearWithLora(n, k.ff_out.weight, k.ff_out.bias, lora, k.ff_out.layer));
  }
  Tensor out;
  if (config_.linear_projection) {
    tokens = LinearWithLora(tokens, tr.proj_out.weight, tr.proj_out.bias, lora, tr.proj_out.layer);
    out = tensor::Permute(tokens, {0, 2, 1}).Reshaped(x.shape());
  } else {
    out = tensor::Permute(tokens, {0, 2, 1}).Reshaped(x.shape());
    out = Conv2dWithLora(out, tr.proj_out.weight, tr.proj_out.bias, 1, 0, lora, tr.proj_out.layer);
  }
  tensor::AddInPlace(out, x);
  return out;
}

Tensor Unet::Forward(const Tensor& sample, float timestep, const Tensor& context,
                     const LoraLayers* lora) const {
  const UnetConfig& c = config_;
  const int64_t factor = int64_t{1} << (down_.size() - 1);
  if (sample.dtype() != DType::kF32 || sample.rank() != 4 || sample.dim(1) != c.in_channels ||
      sample.numel() == 0 || sample.dim(2) % factor != 0 || sample.dim(3) % factor != 0) {
    throw tensor::ShapeError("Unet::Forward: sample must be [B, " + Num(c.in_channels) +
                             ", h, w] f32 with h and w multiples of " + Num(factor) + ", not " +
                             ShapeText(sample.shape()) + " " +
                             std::string(tensor::DTypeName(sample.dtype())));
  }
  if (context.dtype() != DType::kF32 || context.rank() != 3 || context.dim(0) != sample.dim(0) ||
      context.dim(2) != c.cross_attention_dim || context.dim(1) == 0) {
    throw tensor::ShapeError("Unet::Forward: context must be [" + Num(sample.dim(0)) + ", T, " +
                             Num(c.cross_attention_dim) + "] f32, not " +
                             ShapeText(context.shape()) + " " +
                             std::string(tensor::DTypeName(context.dtype())));
  }
  Tensor temb =
      TimestepEmbedding(timestep, static_cast<int>(time_linear1_.weight.dim(1)), sample.dim(0));
  temb = tensor::SiLU(
      LinearWithLora(temb, time_linear1_.weight, time_linear1_.bias, lora, time_linear1_.layer));
  temb = LinearWithLora(temb, time_linear2_.weight, time_linear2_.bias, lora, time_linear2_.layer);
  const Tensor temb_silu = tensor::SiLU(temb);  // every resnet's time_emb_proj input

  Tensor x = Conv2dWithLora(sample, conv_in_.weight, conv_in_.bias, 1, 1, lora, conv_in_.layer);
  std::vector<Tensor> skips = {x};
  for (const Stage& s : down_) {
    for (size_t m = 0; m < s.resnets.size(); ++m) {
      x = RunResnet(s.resnets[m], x, temb_silu, lora);
      if (!s.transformers.empty()) x = RunTransformer(s.transformers[m], x, context, lora);
      skips.push_back(x);
    }
    if (!s.resample.weight.empty()) {
      x = Conv2dWithLora(x, s.resample.weight, s.resample.bias, 2, 1, lora, s.resample.layer);
      skips.push_back(x);
    }
  }
  x = RunResnet(mid_resnet1_, x, temb_silu, lora);
  x = RunTransformer(mid_transformer_, x, context, lora);
  x = RunResnet(mid_resnet2_, x, temb_silu, lora);
  for (const Stage& s : up_) {
    for (size_t m = 0; m < s.resnets.size(); ++m) {
      x = tensor::Concat({x, skips.back()}, 1);
      skips.pop_back();
      x = RunResnet(s.resnets[m], x, temb_silu, lora);
      if (!s.transformers.empty()) x = RunTransformer(s.transformers[m], x, context, lora);
    }
    if (!s.resample.weight.empty()) {
      x = Conv2dWithLora(tensor::UpsampleNearest2x(x), s.resample.weight, s.resample.bias, 1, 1,
                         lora, s.resample.layer);
    }
  }
  x = tensor::GroupNormSiLU(x, c.norm_groups, norm_out_.gamma, norm_out_.beta, kResnetEps);
  return Conv2dWithLora(x, conv_out_.weight, conv_out_.bias, 1, 1, lora, conv_out_.layer);
}

}  // namespace depict::diffusion
