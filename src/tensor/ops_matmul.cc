// Linear, BatchedMatMul and Attention on oneDNN matmul primitives.
#include <immintrin.h>

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

// Linear reads a weight stored in the compute dtype as it is (oneDNN reads [N, K] transposed in
// place). A weight in another dtype is converted into scratch on every call, nothing kept, when
// the product has at least this many rows; below, a converted copy in oneDNN's preferred layout
// is cached. Measured here: converting costs 0.08-0.21 ns per weight value (F16C, in or out of
// cache), the product 2 * rows flops per weight value at ~200 (f32) to ~400 (bf16) GFLOP/s,
// i.e. 0.005-0.01 ns * rows. From 256 rows (the UNet's projections at 16x16 and up) conversion
// costs 3-12% and keeps the weight compact; CLIP's 77 rows, cross-attention's 154-row context and
// the 8x8 block's 128 rows would pay 15-40% per call, so they keep a converted copy instead.
constexpr int64_t kConvertPerCallMinRows = 256;

struct LinearPrimitive {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
};

Precision LinearPrecision() {
  const Precision p = GetComputeConfig().linear;
  return p == Precision::kAuto ? internal::AutoPrecision() : p;
}

}  // namespace

Tensor Linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (x.rank() < 1) throw ShapeError("Linear: x must have at least one dim");
  if (weight.rank() != 2) {
    throw ShapeError("Linear: weight must be [N, K], got " + ShapeText(weight.shape()));
  }
  const int64_t k = weight.dim(1);
  const int64_t n = weight.dim(0);
  if (x.shape().back() != k) {
    throw ShapeError("Linear: x " + ShapeText(x.shape()) + " does not match weight " +
                     ShapeText(weight.shape()));
  }
  if (!bias.empty() && (bias.rank() != 1 || bias.dim(0) != n)) {
    throw ShapeError("Linear: bias " + ShapeText(bias.shape()) + " for " + std::to_string(n) +
                     " outputs");
  }
  const float* xf = internal::In(x);
  const int64_t m = k == 0 ? 0 : x.numel() / k;
  Shape out_shape = x.shape();
  out_shape.back() = n;
  Tensor out = Tensor::Zeros(out_shape);
  if (m == 0 || n == 0) return out;
  if (k == 0) {  // an empty sum: just the bias
    if (!bias.empty()) out = AddChannelBias(out.Reshaped({m, n}), bias).Reshaped(out_shape);
    return out;
  }

  const Precision precision = LinearPrecision();
  const bool bf16 = precision == Precision::kBF16;
  const DType compute = bf16 ? DType::kBF16 : DType::kF32;
  enum class WeightMode { kDirect, kConvertPerCall, kCached };
  const WeightMode mode = weight.dtype() == compute     ? WeightMode::kDirect
                          : m >= kConvertPerCallMinRows ? WeightMode::kConvertPerCall
                                                        : WeightMode::kCached;

  const std::string key = "linear|" + std::to_string(m) + "|" + std::to_string(k) + "|" +
                          std::to_string(n) + "|" + (bf16 ? "bf16" : "f32") + "|" +
                          std::to_string(static_cast<int>(mode)) + "|" +
                          (bias.empty() ? "nobias" : "bias");
  auto p = internal::Cached<LinearPrimitive>(key, [&] {
    const memory::desc src_md({m, k}, bf16 ? dt::bf16 : dt::f32, tag::ab);
    const memory::desc wei_md({k, n}, bf16 ? dt::bf16 : dt::f32,
                              mode == WeightMode::kCached ? tag::any : tag::ba);
    const memory::desc bias_md =
        bias.empty() ? memory::desc() : memory::desc({1, n}, dt::f32, tag::ab);
    const memory::desc dst_md({m, n}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, wei_md, bias_md, dst_md),
                                    internal::Attr(), Engine());
    return std::make_shared<LinearPrimitive>(LinearPrimitive{pd, dnnl::matmul(pd)});
  });

  dnnl::stream& stream = Stream();
  memory src(memory::desc({m, k}, dt::f32, tag::ab), Engine(), const_cast<float*>(xf));
  if (bf16) {  // activations to bf16 for the bf16 kernel
    memory src_bf16(p->pd.src_desc(), Engine(), internal::Scratch(0, p->pd.src_desc().get_size()));
    internal::Reorder(src, src_bf16);
    src = src_bf16;
  }
  memory wei;
  switch (mode) {
    case WeightMode::kDirect:
      wei = memory(p->pd.weights_desc(), Engine(), const_cast<void*>(weight.data()));
      break;
    case WeightMode::kConvertPerCall: {
      void* converted = internal::Scratch(1, static_cast<size_t>(n * k) * DTypeSize(compute));
      if (bf16) {
        internal::ConvertToBF16(weight, static_cast<uint16_t*>(converted));
      } else {
        internal::ConvertToF32(weight, static_cast<float*>(converted));
      }
      wei = memory(p->pd.weights_desc(), Engine(), converted);
      break;
    }
    case WeightMode::kCached:
      wei = internal::PreparedWeights(weight, {k, n}, tag::ba, p->pd.weights_desc());
      break;
  }
  Tensor bias_holder;
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src},
      {DNNL_ARG_WEIGHTS, wei},
      {DNNL_ARG_DST, memory(p->pd.dst_desc(), Engine(), out.f32())},
      {DNNL_ARG_SCRATCHPAD, internal::ScratchpadFor(p->pd)}};
  if (!bias.empty()) {
    const float* bf = internal::AsF32(bias, bias_holder);
    args.emplace(DNNL_ARG_BIAS, memory(p->pd.bias_desc(), Engine(), const_cast<float*>(bf)));
  }
  p->prim.execute(stream, args);
  stream.wait();
  return out;
}

namespace {

struct MatMulPrimitive {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
};

// A matmul over strided views: src [b, m, k], weights [b, k, n] (both f32 or both bf16), f32 dst
// [b, m, n], each given by dims and strides, with an optional output scale. With packed_weights
// the weights are expected in the layout oneDNN prefers (pd.weights_desc(); the strides are
// then only the caller's source layout). Cached by the full geometry.
std::shared_ptr<MatMulPrimitive> StridedMatMul(
    const memory::dims& src_dims, const memory::dims& src_strides, const memory::dims& wei_dims,
    const memory::dims& wei_strides, const memory::dims& dst_dims, const memory::dims& dst_strides,
    float alpha, dt input = dt::f32, bool packed_weights = false) {
  std::string key = input == dt::bf16 ? "matmul-bf16" : "matmul";
  if (packed_weights) key += "-packed";
  for (const auto* v :
       {&src_dims, &src_strides, &wei_dims, &wei_strides, &dst_dims, &dst_strides}) {
    key += "|";
    for (int64_t d : *v) key += std::to_string(d) + ",";
  }
  key += "|" + internal::Key(alpha);
  return internal::Cached<MatMulPrimitive>(key, [&] {
    const memory::desc src_md(src_dims, input, src_strides);
    const memory::desc wei_md = packed_weights ? memory::desc(wei_dims, input, tag::any)
                                               : memory::desc(wei_dims, input, wei_strides);
    const memory::desc dst_md(dst_dims, dt::f32, dst_strides);
    dnnl::primitive_attr attr = internal::Attr();  // Attention runs these from pool threads
    if (alpha != 1.0f) attr.set_output_scales(0, {alpha});
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, wei_md, dst_md), attr, Engine());
    return std::make_shared<MatMulPrimitive>(MatMulPrimitive{pd, dnnl::matmul(pd)});
  });
}

void RunMatMul(const MatMulPrimitive& p, dnnl::stream& stream, const void* a, const void* b,
               float* c) {
  p.prim.execute(stream,
                 {{DNNL_ARG_SRC, memory(p.pd.src_desc(), Engine(), const_cast<void*>(a))},
                  {DNNL_ARG_WEIGHTS, memory(p.pd.weights_desc(), Engine(), const_cast<void*>(b))},
                  {DNNL_ARG_DST, memory(p.pd.dst_desc(), Engine(), c)},
                  {DNNL_ARG_SCRATCHPAD, internal::ScratchpadFor(p.pd)}});
}

}  // namespace

Tensor BatchedMatMul(const Tensor& a, const Tensor& b, bool transpose_b, float alpha) {
  if (a.rank() != 3 || b.rank() != 3) {
    throw ShapeError("BatchedMatMul: expects 3-D tensors, got " + ShapeText(a.shape()) + " and " +
                     ShapeText(b.shape()));
  }
  const int64_t batch = a.dim(0), m = a.dim(1), k = a.dim(2);
  const int64_t bk = transpose_b ? b.dim(2) : b.dim(1);
  const int64_t n = transpose_b ? b.dim(1) : b.dim(2);
  if ((b.dim(0) != batch && b.dim(0) != 1) || bk != k) {
    throw ShapeError("BatchedMatMul: " + ShapeText(a.shape()) + " and " + ShapeText(b.shape()) +
                     (transpose_b ? " (b transposed)" : "") + " do not match");
  }
  const float* af = internal::In(a);
  const float* bf = internal::In(b);
  Tensor out = Tensor::Zeros({batch, m, n});
  if (out.numel() == 0) return out;
  if (k == 0) return out;
  const int64_t wb = b.dim(0);
  const memory::dims wei_strides =
      transpose_b ? memory::dims{n * k, 1, k} : memory::dims{k * n, n, 1};
  auto p = StridedMatMul({batch, m, k}, {m * k, k, 1}, {wb, k, n}, wei_strides, {batch, m, n},
                         {m * n, n, 1}, alpha);
  dnnl::stream& stream = Stream();
  RunMatMul(*p, stream, af, bf, out.f32());
  stream.wait();
  return out;
}

namespace {

// exp(p[i] - max p) over a row of n scores, in place or (when `rounded` is given) into bf16;
// returns the sum of the stored values, so bf16 weights are exactly normalised. This is the
// softmax's share of attention (a third of its time when scalar), hence hand-written AVX-512
// below, with a portable fallback.
float ExpRowPortable(float* p, int64_t n, uint16_t* rounded) {
  float mx = -3.4e38f;
  for (int64_t i = 0; i < n; ++i) mx = p[i] > mx ? p[i] : mx;
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float e = internal::ExpApprox(p[i] - mx);
    if (rounded != nullptr) {
      rounded[i] = internal::ToBF16(e);
      sum += internal::FromBF16(rounded[i]);
    } else {
      p[i] = e;
      sum += e;
    }
  }
  return sum;
}

// GCC 12 reports -Wuninitialized inside many AVX-512 intrinsics (their headers pass
// _mm512_undefined_*() as the unused merge source); these spell out the merge source instead.
constexpr __mmask16 kAll = 0xFFFF;
#define DEPICT_AVX512 __attribute__((target("avx512f"))) inline
DEPICT_AVX512 __m512 Max(__m512 a, __m512 b) { return _mm512_mask_max_ps(a, kAll, a, b); }
DEPICT_AVX512 __m512 Min(__m512 a, __m512 b) { return _mm512_mask_min_ps(a, kAll, a, b); }
DEPICT_AVX512 __m512i Shr16(__m512i a) { return _mm512_mask_srli_epi32(a, kAll, a, 16); }

// ExpApprox's algorithm on 16 lanes: clamp, n = round(x / ln2), r = x - n ln2 in two steps, a
// degree-6 polynomial, and scalef for the 2^n.
DEPICT_AVX512 __m512 Exp16(__m512 x) {
  x = Min(Max(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.0f));
  const __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f));
  const __m512 n =
      _mm512_mask_roundscale_ps(t, kAll, t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 poly = _mm512_set1_ps(1.0f / 720.0f);
  poly = _mm512_fmadd_ps(poly, r, _mm512_set1_ps(1.0f / 120.0f));
  poly = _mm512_fmadd_ps(poly, r, _mm512_set1_ps(1.0f / 24.0f));
  poly = _mm512_fmadd_ps(poly, r, _mm512_set1_ps(1.0f / 6.0f));
  poly = _mm512_fmadd_ps(poly, r, _mm512_set1_ps(0.5f));
  poly = _mm512_fmadd_ps(poly, r, _mm512_set1_ps(1.0f));
  poly = _mm512_fmadd_ps(poly, r, _mm512_set1_ps(1.0f));
  return _mm512_mask_scalef_ps(poly, kAll, poly, n);
}

__attribute__((target("avx512f"))) float ExpRowAvx512(float* p, int64_t n, uint16_t* rounded) {
  const int64_t whole = n / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (n - whole)) - 1u);
  const __m512 lowest = _mm512_set1_ps(-3.4e38f);
  __m512 vmax = lowest;
  for (int64_t i = 0; i < whole; i += 16) vmax = Max(vmax, _mm512_loadu_ps(p + i));
  vmax = Max(vmax, _mm512_mask_loadu_ps(lowest, tail, p + whole));
  // Horizontal max and sum through memory (GCC 12's _mm512_reduce_* have the same warning).
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, vmax);
  float row_max = lanes[0];
  for (float v : lanes) row_max = v > row_max ? v : row_max;
  const __m512 mx = _mm512_set1_ps(row_max);
  __m512 vsum = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = i < whole ? kAll : tail;
    const __m512 e = Exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, p + i), mx));
    if (rounded == nullptr) {
      _mm512_mask_storeu_ps(p + i, m, e);
      vsum = _mm512_add_ps(vsum, _mm512_maskz_mov_ps(m, e));
    } else {  // round to nearest even in the integer domain (e is finite and positive)
      __m512i bits = _mm512_castps_si512(e);
      const __m512i odd = _mm512_and_si512(Shr16(bits), _mm512_set1_epi32(1));
      bits = _mm512_add_epi32(bits, _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), odd));
      bits = _mm512_and_si512(bits, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u)));
      vsum = _mm512_add_ps(vsum, _mm512_maskz_mov_ps(m, _mm512_castsi512_ps(bits)));
      const __m256i halves = _mm512_mask_cvtepi32_epi16(_mm256_setzero_si256(), kAll, Shr16(bits));
      if (m == kAll) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(rounded + i), halves);
      } else {
        alignas(32) uint16_t buf[16];
        _mm256_store_si256(reinterpret_cast<__m256i*>(buf), halves);
        std::memcpy(rounded + i, buf, static_cast<size_t>(n - i) * 2);
      }
    }
  }
  _mm512_store_ps(lanes, vsum);
  float sum = 0.0f;
  for (float v : lanes) sum += v;
  return sum;
}
#undef DEPICT_AVX512

float ExpRow(float* p, int64_t n, uint16_t* rounded) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512 ? ExpRowAvx512(p, n, rounded) : ExpRowPortable(p, n, rounded);
}

// dst = bf16(src), n values, in parallel.
void ToBF16(const float* src, uint16_t* dst, int64_t n) {
  ParallelFor(n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = internal::ToBF16(src[i]);
  });
}

Precision AttentionPrecision() {
  const Precision p = GetComputeConfig().attention;
  return p == Precision::kAuto ? internal::AutoPrecision() : p;
}

}  // namespace

// Attention splits its work itself: each pool thread takes whole (batch*head, query block) items
// and runs single-threaded oneDNN matmuls on them, so there is no fork-join per small matmul and
// each thread's scores stay in its own cache. Per item:
//   scores[rows, Tk] = q_block k^T * scale        (oneDNN, k read transposed in place)
//   p = exp(scores - row max), row sums           (ExpRow, in place or into bf16)
//   out_block[rows, D] = p v / row sums           (oneDNN, then D divisions per row)
// The softmax normalisation is applied to the D outputs of a row instead of its Tk scores. In
// bf16, v is rounded to bf16 once up front and p as it is made; q k^T stays f32.
Tensor Attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale, bool causal) {
  if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
    throw ShapeError("Attention: expects [B, H, T, D] tensors");
  }
  const int64_t batch = q.dim(0), heads = q.dim(1), tq = q.dim(2), d = q.dim(3);
  const int64_t tk = k.dim(2);
  if (k.dim(0) != batch || k.dim(1) != heads || k.dim(3) != d || v.shape() != k.shape()) {
    throw ShapeError("Attention: q " + ShapeText(q.shape()) + ", k " + ShapeText(k.shape()) +
                     ", v " + ShapeText(v.shape()) + " do not match");
  }
  if (causal && tk < tq) {
    throw ShapeError("Attention: causal needs at least as many keys as queries");
  }
  const float* qf = internal::In(q);
  const float* kf = internal::In(k);
  const float* vf = internal::In(v);
  Tensor out = Tensor::Zeros(q.shape());
  if (out.numel() == 0) return out;
  if (tk == 0) throw ShapeError("Attention: no keys");
  if (scale <= 0.0f) scale = 1.0f / std::sqrt(static_cast<float>(d));

  // bf16 only for p v: rounding the probabilities costs ~2e-3 of the output whatever the
  // logits, while rounding q and k shifts each logit by ~2^-8 of its size, which a peaked softmax
  // (logits of tens) turns into errors of several percent.
  const bool bf16 = AttentionPrecision() == Precision::kBF16;
  Tensor vb;
  const void* va = vf;
  if (bf16) {
    vb = Tensor::Zeros(v.shape(), DType::kBF16);
    ToBF16(vf, static_cast<uint16_t*>(vb.mutable_data()), v.numel());
    va = vb.data();
  }
  const dt pv_input = bf16 ? dt::bf16 : dt::f32;
  const int64_t v_esize = bf16 ? 2 : 4;

  // Query rows per block: about 512 KiB of scores per thread, a multiple of 16, at least 16.
  const int64_t block = std::min(tq, std::max<int64_t>(16, ((int64_t{1} << 17) / tk) / 16 * 16));
  const int64_t blocks = (tq + block - 1) / block;
  const int64_t tail = tq - (blocks - 1) * block;
  float* of = out.f32();

  ParallelFor(batch * heads * blocks, 1, [&](int64_t begin, int64_t end) {
    internal::SingleThreaded one_thread;
    struct Prims {
      std::shared_ptr<MatMulPrimitive> qk, pv;
    };
    // k^T and v are packed once per head into the layout oneDNN's kernels read fastest; with
    // plain layouts it would repack them inside every block's product.
    auto make = [&](int64_t rows) {
      return Prims{StridedMatMul({rows, d}, {d, 1}, {d, tk}, {1, d}, {rows, tk}, {tk, 1}, scale,
                                 dt::f32, true),
                   StridedMatMul({rows, tk}, {tk, 1}, {tk, d}, {d, 1}, {rows, d}, {d, 1}, 1.0f,
                                 pv_input, true)};
    };
    const Prims full = make(block);
    const Prims last = tail == block ? full : make(tail);
    auto* scores = static_cast<float*>(internal::Scratch(2, static_cast<size_t>(block * tk) * 4));
    auto* sums = static_cast<float*>(internal::Scratch(3, static_cast<size_t>(block) * 4));
    auto* probs =
        bf16 ? static_cast<uint16_t*>(internal::Scratch(4, static_cast<size_t>(block * tk) * 2))
             : nullptr;
    dnnl::stream& stream = Stream();
    int64_t packed_head = -1;
    const Prims* packed_for = nullptr;
    memory k_packed, v_packed;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t bh = item / blocks;
      const int64_t r0 = (item % blocks) * block;
      const Prims& prims = r0 + block <= tq ? full : last;
      const int64_t rows = std::min(block, tq - r0);
      if (bh != packed_head || packed_for == nullptr ||
          packed_for->qk->pd.weights_desc() != prims.qk->pd.weights_desc() ||
          packed_for->pv->pd.weights_desc() != prims.pv->pd.weights_desc()) {
        const memory k_head(memory::desc({d, tk}, dt::f32, memory::dims{1, d}), Engine(),
                            const_cast<float*>(kf + bh * tk * d));
        const memory v_head(
            memory::desc({tk, d}, pv_input, memory::dims{d, 1}), Engine(),
            const_cast<char*>(static_cast<const char*>(va) + bh * tk * d * v_esize));
        const memory::desc kd = prims.qk->pd.weights_desc(), vd = prims.pv->pd.weights_desc();
        k_packed = memory(kd, Engine(), internal::Scratch(5, kd.get_size()));
        v_packed = memory(vd, Engine(), internal::Scratch(6, vd.get_size()));
        internal::Reorder(k_head, k_packed);
        internal::Reorder(v_head, v_packed);
        packed_head = bh;
        packed_for = &prims;
      }
      RunMatMul(*prims.qk, stream, qf + (bh * tq + r0) * d, k_packed.get_data_handle(), scores);
      stream.wait();
      for (int64_t r = 0; r < rows; ++r) {
        float* row = scores + r * tk;
        uint16_t* prow = bf16 ? probs + r * tk : nullptr;
        // Causal: query i sees keys up to i + (tk - tq); the rest get probability 0.
        const int64_t visible = causal ? r0 + r + 1 + (tk - tq) : tk;
        sums[r] = ExpRow(row, visible, prow);
        if (visible < tk) {
          if (bf16) {
            std::memset(prow + visible, 0, static_cast<size_t>(tk - visible) * 2);
          } else {
            std::memset(row + visible, 0, static_cast<size_t>(tk - visible) * 4);
          }
        }
      }
      float* ob = of + (bh * tq + r0) * d;
      RunMatMul(*prims.pv, stream, bf16 ? static_cast<const void*>(probs) : scores,
                v_packed.get_data_handle(), ob);
      stream.wait();
      for (int64_t r = 0; r < rows; ++r) {
        const float inv = 1.0f / sums[r];
        for (int64_t e = 0; e < d; ++e) ob[r * d + e] *= inv;
      }
    }
  });
  return out;
}

}  // namespace depict::tensor
