// Activations and softmax on oneDNN's JIT eltwise/softmax kernels (vectorised exp and erf for
// AVX-512, which our portable loops would not get), and the plain elementwise ops on our pool.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "tensor/engine_internal.h"
#include "tensor/ops.h"
#include "tensor/ops_internal.h"
#include "tensor/thread_pool.h"

namespace depict::tensor {
namespace {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;
using internal::Engine;
using internal::Stream;

constexpr int64_t kGrain = 1 << 15;  // elements per task for memory-bound loops

struct EltwisePrimitive {
  dnnl::eltwise_forward::primitive_desc pd;
  dnnl::eltwise_forward prim;
};

// dst = f(src) over n dense f32 values (src == dst allowed).
void RunEltwise(dnnl::algorithm alg, float alpha, const float* src, float* dst, int64_t n) {
  if (n == 0) return;
  const std::string key = "eltwise|" + std::to_string(static_cast<int>(alg)) + "|" +
                          internal::Key(alpha) + "|" + std::to_string(n);
  auto p = internal::Cached<EltwisePrimitive>(key, [&] {
    const memory::desc md({n}, dt::f32, tag::a);
    dnnl::eltwise_forward::primitive_desc pd(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, alg, md, alpha, 0.0f),
        internal::Attr(), Engine());
    return std::make_shared<EltwisePrimitive>(EltwisePrimitive{pd, dnnl::eltwise_forward(pd)});
  });
  dnnl::stream& stream = Stream();
  p->prim.execute(stream,
                  {{DNNL_ARG_SRC, memory(p->pd.src_desc(), Engine(), const_cast<float*>(src))},
                   {DNNL_ARG_DST, memory(p->pd.dst_desc(), Engine(), dst)},
                   {DNNL_ARG_SCRATCHPAD, internal::ScratchpadFor(p->pd)}});
  stream.wait();
}

Tensor Eltwise(const Tensor& x, dnnl::algorithm alg, float alpha) {
  const float* src = internal::In(x);
  Tensor out = Tensor::Zeros(x.shape());
  RunEltwise(alg, alpha, src, out.f32(), x.numel());
  return out;
}

// One pass of GEGLU: out = value * GELU(gate), with our vectorisable erf (ops_internal.h), so
// that the strided halves need no gather into a buffer for oneDNN.
DEPICT_KERNEL_CLONES void GegluRow(const float* value, const float* gate, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = value[i] * internal::GELUApprox(gate[i]);
}

// Softmax over the last dim of a dense f32 [rows, cols] buffer (in place allowed).
struct SoftmaxPrimitive {
  dnnl::softmax_forward::primitive_desc pd;
  dnnl::softmax_forward prim;
};

std::shared_ptr<SoftmaxPrimitive> SoftmaxPrim(int64_t rows, int64_t cols) {
  const std::string key = "softmax|" + std::to_string(rows) + "|" + std::to_string(cols);
  return internal::Cached<SoftmaxPrimitive>(key, [&] {
    const memory::desc md({rows, cols}, dt::f32, tag::ab);
    dnnl::softmax_forward::primitive_desc pd(
        dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, md, 1), internal::Attr(),
        Engine());
    return std::make_shared<SoftmaxPrimitive>(SoftmaxPrimitive{pd, dnnl::softmax_forward(pd)});
  });
}

void RunSoftmax(const SoftmaxPrimitive& p, dnnl::stream& stream, const float* src, float* dst) {
  p.prim.execute(stream,
                 {{DNNL_ARG_SRC, memory(p.pd.src_desc(), Engine(), const_cast<float*>(src))},
                  {DNNL_ARG_DST, memory(p.pd.dst_desc(), Engine(), dst)},
                  {DNNL_ARG_SCRATCHPAD, internal::ScratchpadFor(p.pd)}});
}

void CheckSame(const char* op, const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) {
    throw ShapeError(std::string(op) + ": shapes " + ShapeText(a.shape()) + " and " +
                     ShapeText(b.shape()) + " differ");
  }
}

}  // namespace

Tensor SiLU(const Tensor& x) { return Eltwise(x, dnnl::algorithm::eltwise_swish, 1.0f); }
Tensor GELU(const Tensor& x) { return Eltwise(x, dnnl::algorithm::eltwise_gelu_erf, 0.0f); }
Tensor QuickGELU(const Tensor& x) { return Eltwise(x, dnnl::algorithm::eltwise_swish, 1.702f); }

void SiLUInPlace(Tensor& x) {
  float* p = internal::InOut(x);
  RunEltwise(dnnl::algorithm::eltwise_swish, 1.0f, p, p, x.numel());
}

void GELUInPlace(Tensor& x) {
  float* p = internal::InOut(x);
  RunEltwise(dnnl::algorithm::eltwise_gelu_erf, 0.0f, p, p, x.numel());
}

Tensor GEGLU(const Tensor& x) {
  if (x.rank() < 1 || x.shape().back() % 2 != 0) {
    throw ShapeError("GEGLU: last dim must be even, got " + ShapeText(x.shape()));
  }
  const float* src = internal::In(x);
  const int64_t f = x.shape().back() / 2;
  const int64_t rows = f == 0 ? 0 : x.numel() / (2 * f);
  Shape shape = x.shape();
  shape.back() = f;
  Tensor out = Tensor::Zeros(shape);
  float* dst = out.f32();
  ParallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(f, 1)),
              [&](int64_t b, int64_t e) {
                for (int64_t r = b; r < e; ++r) {
                  GegluRow(src + r * 2 * f, src + r * 2 * f + f, dst + r * f, f);
                }
              });
  return out;
}

Tensor Softmax(const Tensor& x) {
  if (x.rank() < 1) throw ShapeError("Softmax: scalar input");
  const float* src = internal::In(x);
  Tensor out = Tensor::Zeros(x.shape());
  const int64_t cols = x.shape().back();
  if (out.numel() == 0) return out;
  auto p = SoftmaxPrim(x.numel() / cols, cols);
  dnnl::stream& stream = Stream();
  RunSoftmax(*p, stream, src, out.f32());
  stream.wait();
  return out;
}

Tensor Add(const Tensor& a, const Tensor& b) {
  CheckSame("Add", a, b);
  const float* pa = internal::In(a);
  const float* pb = internal::In(b);
  Tensor out = Tensor::Zeros(a.shape());
  float* po = out.f32();
  ParallelFor(a.numel(), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) po[i] = pa[i] + pb[i];
  });
  return out;
}

Tensor Mul(const Tensor& a, const Tensor& b) {
  CheckSame("Mul", a, b);
  const float* pa = internal::In(a);
  const float* pb = internal::In(b);
  Tensor out = Tensor::Zeros(a.shape());
  float* po = out.f32();
  ParallelFor(a.numel(), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) po[i] = pa[i] * pb[i];
  });
  return out;
}

Tensor Scale(const Tensor& x, float s) {
  const float* px = internal::In(x);
  Tensor out = Tensor::Zeros(x.shape());
  float* po = out.f32();
  ParallelFor(x.numel(), kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) po[i] = px[i] * s;
  });
  return out;
}

void AddInPlace(Tensor& a, const Tensor& b) {
  CheckSame("AddInPlace", a, b);
  float* pa = internal::InOut(a);
  const float* pb = internal::In(b);
  ParallelFor(a.numel(), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) pa[i] += pb[i];
  });
}

void ScaleInPlace(Tensor& x, float s) {
  float* px = internal::InOut(x);
  ParallelFor(x.numel(), kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) px[i] *= s;
  });
}

Tensor AddChannelBias(const Tensor& x, const Tensor& bias) {
  if (x.rank() < 2) throw ShapeError("AddChannelBias: x must be [N, C, ...]");
  const int64_t n = x.dim(0), c = x.dim(1);
  const bool per_item = bias.rank() == 2;
  if (!((bias.rank() == 1 && bias.dim(0) == c) ||
        (per_item && bias.dim(0) == n && bias.dim(1) == c))) {
    throw ShapeError("AddChannelBias: bias " + ShapeText(bias.shape()) + " for x " +
                     ShapeText(x.shape()));
  }
  const float* px = internal::In(x);
  Tensor bias_holder;
  const float* pb = internal::AsF32(bias, bias_holder);
  Tensor out = Tensor::Zeros(x.shape());
  float* po = out.f32();
  const int64_t inner = n * c == 0 ? 0 : x.numel() / (n * c);
  ParallelFor(n * c, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)),
              [&](int64_t s, int64_t e) {
                for (int64_t row = s; row < e; ++row) {
                  const float v = pb[per_item ? row : row % c];
                  const float* src = px + row * inner;
                  float* dst = po + row * inner;
                  for (int64_t i = 0; i < inner; ++i) dst[i] = src[i] + v;
                }
              });
  return out;
}

}  // namespace depict::tensor
