// Conv2d on oneDNN's convolution primitive.
//
// Activations arrive and leave as plain NCHW f32 (the Tensor contract), while oneDNN's fast
// kernels want channel-blocked layouts (nChw16c) and, for bf16, bf16 data. We let oneDNN choose
// every layout (format_tag::any) and reorder the input and output around the primitive: the two
// reorders cost a few percent of a 3x3 convolution and buy its fastest kernel. Weights are
// reordered once into the layout the primitive asked for and cached per weight tensor
// (engine.h: keyed by the data pointer, holding a reference so the pointer stays unique).
#include <string>

#include "tensor/engine_internal.h"
#include "tensor/ops.h"
#include "tensor/ops_internal.h"

namespace depict::tensor {
namespace {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;
using internal::Engine;
using internal::Stream;

struct ConvPrimitive {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  bool reorder_src = false;
  bool reorder_dst = false;
  dnnl::reorder src_reorder;
  dnnl::reorder dst_reorder;
};

}  // namespace

Tensor Conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, int padding,
              int groups) {
  if (x.rank() != 4 || weight.rank() != 4) {
    throw ShapeError("Conv2d: expects x [N, C, H, W] and weight [O, C/groups, kh, kw], got " +
                     ShapeText(x.shape()) + " and " + ShapeText(weight.shape()));
  }
  if (stride < 1 || padding < 0 || groups < 1) {
    throw ShapeError("Conv2d: bad stride/padding/groups");
  }
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const int64_t o = weight.dim(0), kh = weight.dim(2), kw = weight.dim(3);
  if (c % groups != 0 || o % groups != 0 || weight.dim(1) != c / groups) {
    throw ShapeError("Conv2d: x " + ShapeText(x.shape()) + " and weight " +
                     ShapeText(weight.shape()) + " with " + std::to_string(groups) +
                     " groups do not match");
  }
  if (!bias.empty() && (bias.rank() != 1 || bias.dim(0) != o)) {
    throw ShapeError("Conv2d: bias " + ShapeText(bias.shape()) + " for " + std::to_string(o) +
                     " output channels");
  }
  const int64_t ho = (h + 2 * padding - kh) / stride + 1;
  const int64_t wo = (w + 2 * padding - kw) / stride + 1;
  if (ho <= 0 || wo <= 0) throw ShapeError("Conv2d: kernel larger than padded input");
  const float* xf = internal::In(x);
  Tensor out = Tensor::Zeros({n, o, ho, wo});
  if (out.numel() == 0) return out;

  Precision precision = GetComputeConfig().conv;
  if (precision == Precision::kAuto) precision = internal::AutoPrecision();
  const bool bf16 = precision == Precision::kBF16;
  const dt compute = bf16 ? dt::bf16 : dt::f32;

  const memory::dims src_dims{n, c, h, w};
  const memory::dims dst_dims{n, o, ho, wo};
  const memory::dims wei_dims = groups == 1 ? memory::dims{o, c, kh, kw}
                                            : memory::dims{groups, o / groups, c / groups, kh, kw};
  const memory::desc user_src(src_dims, dt::f32, tag::nchw);
  const memory::desc user_dst(dst_dims, dt::f32, tag::nchw);

  const std::string key = "conv|" + ShapeText(x.shape()) + ShapeText(weight.shape()) + "|" +
                          std::to_string(stride) + "|" + std::to_string(padding) + "|" +
                          std::to_string(groups) + "|" + (bf16 ? "bf16" : "f32") + "|" +
                          (bias.empty() ? "nobias" : "bias");
  auto p = internal::Cached<ConvPrimitive>(key, [&] {
    const memory::desc src_md(src_dims, compute, tag::any);
    const memory::desc wei_md(wei_dims, compute, tag::any);
    const memory::desc bias_md = bias.empty() ? memory::desc() : memory::desc({o}, dt::f32, tag::x);
    const memory::desc dst_md(dst_dims, dt::f32, tag::any);
    const memory::dims strides{stride, stride};
    const memory::dims pad{padding, padding};
    dnnl::convolution_forward::primitive_desc pd(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                        dnnl::algorithm::convolution_direct, src_md, wei_md,
                                        bias_md, dst_md, strides, pad, pad),
        internal::Attr(), Engine());
    auto prim = std::make_shared<ConvPrimitive>();
    prim->pd = pd;
    prim->prim = dnnl::convolution_forward(pd);
    prim->reorder_src = pd.src_desc() != user_src;
    prim->reorder_dst = pd.dst_desc() != user_dst;
    if (prim->reorder_src) {
      prim->src_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(
          Engine(), user_src, Engine(), pd.src_desc(), internal::Attr()));
    }
    if (prim->reorder_dst) {
      prim->dst_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(
          Engine(), pd.dst_desc(), Engine(), user_dst, internal::Attr()));
    }
    return prim;
  });

  dnnl::stream& stream = Stream();
  const memory wei = internal::PreparedWeights(
      weight, wei_dims, groups == 1 ? tag::oihw : tag::goihw, p->pd.weights_desc());
  memory src(user_src, Engine(), const_cast<float*>(xf));
  if (p->reorder_src) {
    memory blocked(p->pd.src_desc(), Engine(), internal::Scratch(0, p->pd.src_desc().get_size()));
    internal::Reorder(p->src_reorder, src, blocked);
    src = blocked;
  }
  memory dst(user_dst, Engine(), out.f32());
  memory conv_dst = dst;
  if (p->reorder_dst) {
    conv_dst =
        memory(p->pd.dst_desc(), Engine(), internal::Scratch(1, p->pd.dst_desc().get_size()));
  }
  Tensor bias_holder;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src},
                                       {DNNL_ARG_WEIGHTS, wei},
                                       {DNNL_ARG_DST, conv_dst},
                                       {DNNL_ARG_SCRATCHPAD, internal::ScratchpadFor(p->pd)}};
  if (!bias.empty()) {
    const float* bf = internal::AsF32(bias, bias_holder);
    args.emplace(DNNL_ARG_BIAS, memory(p->pd.bias_desc(), Engine(), const_cast<float*>(bf)));
  }
  p->prim.execute(stream, args);
  if (p->reorder_dst) internal::Reorder(p->dst_reorder, conv_dst, dst);
  stream.wait();
  return out;
}

}  // namespace depict::tensor
