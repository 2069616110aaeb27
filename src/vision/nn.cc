#include "vision/nn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "tensor/ops.h"
#include "tensor/thread_pool.h"

namespace depict::vision {

using tensor::ShapeError;
using tensor::Tensor;

namespace {

// The project builds for baseline x86-64 (SSE2); the hot loops of our own kernels are compiled
// for AVX-512 and AVX2 as well and the CPU's best is picked at load time (GCC/clang ifunc).
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__) && \
    !__has_feature(address_sanitizer)
#define DEPICT_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DEPICT_VECTOR_CLONES
#endif

// Pixels per im2col block: bounds the column buffer (a 3x3 convolution of 3 channels at 416x416
// would otherwise hold 18 MB of columns at once).
constexpr int64_t kIm2colBlockPixels = 4096;

inline float Activate(float v, Activation act) {
  switch (act) {
    case Activation::kNone:
      return v;
    case Activation::kRelu:
      return v > 0.0f ? v : 0.0f;
    case Activation::kRelu6:
      return std::min(std::max(v, 0.0f), 6.0f);
    case Activation::kLeaky: {
      // face-api computes relu(x - 0.1x) + 0.1x; the same value up to rounding.
      const float m = v * 0.10000000149011612f;
      const float d = v - m;
      return (d > 0.0f ? d : 0.0f) + m;
    }
  }
  return v;
}

// Adds the bias and applies the activation over rows of c values, in one pass. The activation
// is a template parameter so that each loop is branch-free and vectorizes.
template <Activation kAct>
DEPICT_VECTOR_CLONES void BiasActivateRows(float* __restrict rows, int64_t begin, int64_t end,
                                           int c, const float* __restrict bias) {
  for (int64_t r = begin; r < end; ++r) {
    float* __restrict row = rows + r * c;
    for (int i = 0; i < c; ++i) {
      const float v = bias != nullptr ? row[i] + bias[i] : row[i];
      row[i] = Activate(v, kAct);
    }
  }
}

void BiasActivate(float* rows, int64_t n_rows, int c, const std::vector<float>& bias,
                  Activation act) {
  if (bias.empty() && act == Activation::kNone) return;
  const float* b = bias.empty() ? nullptr : bias.data();
  tensor::ParallelFor(n_rows, 256, [&](int64_t begin, int64_t end) {
    switch (act) {
      case Activation::kNone:
        return BiasActivateRows<Activation::kNone>(rows, begin, end, c, b);
      case Activation::kRelu:
        return BiasActivateRows<Activation::kRelu>(rows, begin, end, c, b);
      case Activation::kRelu6:
        return BiasActivateRows<Activation::kRelu6>(rows, begin, end, c, b);
      case Activation::kLeaky:
        return BiasActivateRows<Activation::kLeaky>(rows, begin, end, c, b);
    }
  });
}

}  // namespace

// One kernel tap over a row of outputs: o[ox] += in[ox * stride + shift] * w, channel by
// channel. The inner loop has no branch, so it vectorizes.
static DEPICT_VECTOR_CLONES void DepthwiseTap(float* __restrict orow, const float* __restrict irow,
                                              const float* __restrict wk, int ox0, int ox1,
                                              int stride, int shift, int c) {
  for (int ox = ox0; ox < ox1; ++ox) {
    const float* __restrict in = irow + static_cast<int64_t>(ox * stride + shift) * c;
    float* __restrict o = orow + static_cast<int64_t>(ox) * c;
    for (int i = 0; i < c; ++i) o[i] += in[i] * wk[i];
  }
}

Map Map::Zeros(int h, int w, int c) {
  if (h < 0 || w < 0 || c < 0) throw ShapeError("vision::Map: negative size");
  Map m;
  m.h = h;
  m.w = w;
  m.c = c;
  m.t = Tensor::Zeros({static_cast<int64_t>(h) * w, c});
  return m;
}

Map Map::Clone() const {
  Map m = Zeros(h, w, c);
  if (size() > 0) std::memcpy(m.data(), data(), sizeof(float) * static_cast<size_t>(size()));
  return m;
}

AxisPads PadsFor(int in, int k, int stride, Padding padding) {
  AxisPads p;
  if (padding == Padding::kValid) {
    p.out = in >= k ? (in - k) / stride + 1 : 0;
    return p;
  }
  p.out = (in + stride - 1) / stride;
  const int total = std::max((p.out - 1) * stride + k - in, 0);
  p.before = total / 2;
  p.after = total - p.before;
  return p;
}

Conv Conv::FromTf(const std::vector<int64_t>& shape, const std::vector<float>& filter,
                  const std::vector<float>& bias) {
  if (shape.size() != 4 ||
      static_cast<int64_t>(filter.size()) != shape[0] * shape[1] * shape[2] * shape[3]) {
    throw ShapeError("vision::Conv: expects a [kh, kw, cin, cout] filter");
  }
  Conv conv;
  conv.kh = static_cast<int>(shape[0]);
  conv.kw = static_cast<int>(shape[1]);
  conv.cin = static_cast<int>(shape[2]);
  conv.cout = static_cast<int>(shape[3]);
  if (!bias.empty() && static_cast<int>(bias.size()) != conv.cout) {
    throw ShapeError("vision::Conv: bias has " + std::to_string(bias.size()) + " values for " +
                     std::to_string(conv.cout) + " output channels");
  }
  const int64_t k = static_cast<int64_t>(conv.kh) * conv.kw * conv.cin;
  conv.weight = Tensor::Zeros({conv.cout, k});
  float* w = conv.weight.f32();
  for (int64_t i = 0; i < k; ++i) {
    for (int o = 0; o < conv.cout; ++o) w[o * k + i] = filter[i * conv.cout + o];
  }
  conv.bias = bias;
  return conv;
}

Conv Conv::FromWeight(const WeightTensor& filter, const std::vector<float>& bias) {
  if (!filter.quantized()) return FromTf(filter.shape, filter.values, bias);
  if (filter.shape.size() != 4)
    throw ShapeError("vision::Conv: expects a [kh, kw, cin, cout] filter");
  Conv conv;
  conv.kh = static_cast<int>(filter.shape[0]);
  conv.kw = static_cast<int>(filter.shape[1]);
  conv.cin = static_cast<int>(filter.shape[2]);
  conv.cout = static_cast<int>(filter.shape[3]);
  if (!bias.empty() && static_cast<int>(bias.size()) != conv.cout) {
    throw ShapeError("vision::Conv: bias does not match the output channels");
  }
  const int64_t k = static_cast<int64_t>(conv.kh) * conv.kw * conv.cin;
  conv.codes.resize(static_cast<size_t>(k * conv.cout));
  for (int64_t i = 0; i < k; ++i) {
    for (int o = 0; o < conv.cout; ++o) conv.codes[o * k + i] = filter.codes[i * conv.cout + o];
  }
  conv.lut = filter.lut;
  conv.bias = bias;
  return conv;
}

Depthwise Depthwise::FromTf(const std::vector<int64_t>& shape, const std::vector<float>& filter,
                            const std::vector<float>& bias) {
  if (shape.size() != 4 || shape[3] != 1 ||
      static_cast<int64_t>(filter.size()) != shape[0] * shape[1] * shape[2]) {
    throw ShapeError("vision::Depthwise: expects a [kh, kw, c, 1] filter");
  }
  Depthwise dw;
  dw.kh = static_cast<int>(shape[0]);
  dw.kw = static_cast<int>(shape[1]);
  dw.c = static_cast<int>(shape[2]);
  if (!bias.empty() && static_cast<int>(bias.size()) != dw.c) {
    throw ShapeError("vision::Depthwise: bias does not match the channels");
  }
  dw.weight = filter;
  dw.bias = bias;
  return dw;
}

Map Pad(const Map& x, int top, int bottom, int left, int right) {
  Map out = Map::Zeros(x.h + top + bottom, x.w + left + right, x.c);
  const float* src = x.data();
  float* dst = out.data();
  for (int y = 0; y < x.h; ++y) {
    std::memcpy(dst + (static_cast<int64_t>(y + top) * out.w + left) * x.c,
                src + static_cast<int64_t>(y) * x.w * x.c,
                sizeof(float) * static_cast<size_t>(x.w) * x.c);
  }
  return out;
}

Map Conv2D(const Map& x, const Conv& conv, int stride, Padding padding, Activation act) {
  if (x.c != conv.cin) {
    throw ShapeError("vision::Conv2D: input has " + std::to_string(x.c) + " channels, filter " +
                     std::to_string(conv.cin));
  }
  const AxisPads py = PadsFor(x.h, conv.kh, stride, padding);
  const AxisPads px = PadsFor(x.w, conv.kw, stride, padding);
  if (py.out <= 0 || px.out <= 0) throw ShapeError("vision::Conv2D: input smaller than filter");
  Map out;
  out.h = py.out;
  out.w = px.out;
  out.c = conv.cout;
  const int64_t pixels = static_cast<int64_t>(out.h) * out.w;
  const ScopedF32 f32;
  // The f32 filter: the prepared one, or the uint8 codes expanded into this thread's scratch
  // (tensor::Linear keeps no reference to f32 weights it uses directly).
  Tensor weight = conv.weight;
  thread_local std::vector<float> scratch;
  if (!conv.codes.empty()) {
    scratch.resize(conv.codes.size());
    for (size_t i = 0; i < conv.codes.size(); ++i) scratch[i] = conv.lut[conv.codes[i]];
    weight = Tensor::View(nullptr, scratch.data(),
                          {conv.cout, static_cast<int64_t>(conv.kh) * conv.kw * conv.cin},
                          tensor::DType::kF32);
  }
  if (conv.kh == 1 && conv.kw == 1 && stride == 1) {
    out.t = tensor::Linear(x.t, weight);
  } else {
    out.t = Tensor::Zeros({pixels, conv.cout});
    const int64_t k = static_cast<int64_t>(conv.kh) * conv.kw * conv.cin;
    const float* src = x.data();
    for (int64_t p0 = 0; p0 < pixels; p0 += kIm2colBlockPixels) {
      const int64_t n = std::min(kIm2colBlockPixels, pixels - p0);
      Tensor cols = Tensor::Zeros({n, k});
      float* col = cols.f32();
      tensor::ParallelFor(n, 64, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const int64_t p = p0 + i;
          const int oy = static_cast<int>(p / out.w), ox = static_cast<int>(p % out.w);
          float* dst = col + i * k;
          for (int ky = 0; ky < conv.kh; ++ky) {
            const int iy = oy * stride + ky - py.before;
            for (int kx = 0; kx < conv.kw; ++kx, dst += conv.cin) {
              const int ix = ox * stride + kx - px.before;
              if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;  // zeros already
              // A plain loop: for the 3 channels of a first layer, a memcpy call costs more.
              const float* from = src + (static_cast<int64_t>(iy) * x.w + ix) * x.c;
              for (int i = 0; i < conv.cin; ++i) dst[i] = from[i];
            }
          }
        }
      });
      const Tensor part = tensor::Linear(cols, weight);
      std::memcpy(out.data() + p0 * conv.cout, part.f32(),
                  sizeof(float) * static_cast<size_t>(n) * conv.cout);
    }
  }
  BiasActivate(out.data(), pixels, out.c, conv.bias, act);
  return out;
}

namespace {

// Depthwise output rows [r0, r1) of a map whose input rows [in_lo, in_lo + in_rows) are at `src`
// (rows outside the input, in_h rows in all, are padding; rows needed must be in the window).
void DepthwiseRows(const float* src, int in_lo, int in_h, int in_w, const Depthwise& dw, int stride,
                   const AxisPads& py, const AxisPads& px, float* dst, int out_w, int64_t r0,
                   int64_t r1) {
  const int c = dw.c;
  const float* w = dw.weight.data();
  tensor::ParallelFor(r1 - r0, 1, [&](int64_t begin, int64_t end) {
    for (int64_t oy = r0 + begin; oy < r0 + end; ++oy) {
      float* orow = dst + oy * out_w * c;
      for (int ky = 0; ky < dw.kh; ++ky) {
        const int iy = static_cast<int>(oy) * stride + ky - py.before;
        if (iy < 0 || iy >= in_h) continue;
        const float* irow = src + static_cast<int64_t>(iy - in_lo) * in_w * c;
        for (int kx = 0; kx < dw.kw; ++kx) {
          // Output columns whose input column ox * stride + kx - before lies inside the row.
          const int shift = kx - px.before;
          const int ox0 = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
          const int ox1 = std::min(out_w, (in_w - 1 - shift) / stride + 1);
          DepthwiseTap(orow, irow, w + (static_cast<int64_t>(ky) * dw.kw + kx) * c, ox0, ox1,
                       stride, shift, c);
        }
      }
    }
  });
}

}  // namespace

Map RowsView(const Map& x, int first, int count) {
  if (first < 0 || count < 0 || first + count > x.h) throw ShapeError("vision::RowsView: bad rows");
  Map v;
  v.h = count;
  v.w = x.w;
  v.c = x.c;
  v.t = Tensor::View(nullptr, x.data() + static_cast<int64_t>(first) * x.w * x.c,
                     {static_cast<int64_t>(count) * x.w, x.c}, tensor::DType::kF32);
  return v;
}

Map DepthwiseConv2D(const Map& x, const Depthwise& dw, int stride, Padding padding,
                    Activation act) {
  if (x.c != dw.c) throw ShapeError("vision::DepthwiseConv2D: channel count differs");
  const AxisPads py = PadsFor(x.h, dw.kh, stride, padding);
  const AxisPads px = PadsFor(x.w, dw.kw, stride, padding);
  if (py.out <= 0 || px.out <= 0) {
    throw ShapeError("vision::DepthwiseConv2D: input smaller than filter");
  }
  Map out = Map::Zeros(py.out, px.out, x.c);
  DepthwiseRows(x.data(), 0, x.h, x.w, dw, stride, py, px, out.data(), out.w, 0, out.h);
  BiasActivate(out.data(), static_cast<int64_t>(out.h) * out.w, x.c, dw.bias, act);
  return out;
}

Map PointwiseThenDepthwise(const Map& x, const Conv& pw, Activation pw_act, const Depthwise& dw,
                           int stride, Padding padding, Activation dw_act) {
  if (pw.kh != 1 || pw.kw != 1 || pw.cin != x.c || dw.c != pw.cout) {
    throw ShapeError("vision::PointwiseThenDepthwise: shapes do not chain");
  }
  const AxisPads py = PadsFor(x.h, dw.kh, stride, padding);
  const AxisPads px = PadsFor(x.w, dw.kw, stride, padding);
  if (py.out <= 0 || px.out <= 0) {
    throw ShapeError("vision::PointwiseThenDepthwise: input smaller than filter");
  }
  Map out = Map::Zeros(py.out, px.out, dw.c);
  // Output rows per band: the pointwise rows a band needs stay near kBandFloats.
  constexpr int64_t kBandFloats = 256 * 1024;
  const int64_t row_floats = static_cast<int64_t>(x.w) * pw.cout * stride;
  const int band =
      static_cast<int>(std::max<int64_t>(1, kBandFloats / std::max<int64_t>(row_floats, 1)));
  for (int r0 = 0; r0 < out.h; r0 += band) {
    const int r1 = std::min(out.h, r0 + band);
    const int lo = std::max(0, r0 * stride - py.before);
    const int hi = std::min(x.h - 1, (r1 - 1) * stride - py.before + dw.kh - 1);
    if (lo > hi) continue;  // only padding under these rows
    const Map mid = Conv2D(RowsView(x, lo, hi - lo + 1), pw, 1, Padding::kValid, pw_act);
    DepthwiseRows(mid.data(), lo, x.h, x.w, dw, stride, py, px, out.data(), out.w, r0, r1);
  }
  BiasActivate(out.data(), static_cast<int64_t>(out.h) * out.w, dw.c, dw.bias, dw_act);
  return out;
}

namespace {

template <bool kMax>
DEPICT_VECTOR_CLONES void PoolTap(float* __restrict acc, const float* __restrict in, int c) {
  for (int i = 0; i < c; ++i) {
    if constexpr (kMax) {
      acc[i] = acc[i] > in[i] ? acc[i] : in[i];
    } else {
      acc[i] += in[i];
    }
  }
}

template <bool kMax>
Map Pool(const Map& x, int k, int stride, Padding padding) {
  const AxisPads py = PadsFor(x.h, k, stride, padding);
  const AxisPads px = PadsFor(x.w, k, stride, padding);
  if (py.out <= 0 || px.out <= 0) throw ShapeError("vision::Pool: input smaller than window");
  Map out = Map::Zeros(py.out, px.out, x.c);
  const int c = x.c;
  const float* src = x.data();
  float* dst = out.data();
  tensor::ParallelFor(out.h, 1, [&](int64_t begin, int64_t end) {
    for (int64_t oy = begin; oy < end; ++oy) {
      for (int ox = 0; ox < out.w; ++ox) {
        float* o = dst + (oy * out.w + ox) * c;
        if constexpr (kMax) std::fill(o, o + c, -std::numeric_limits<float>::infinity());
        int count = 0;
        for (int ky = 0; ky < k; ++ky) {
          const int iy = static_cast<int>(oy) * stride + ky - py.before;
          if (iy < 0 || iy >= x.h) continue;
          for (int kx = 0; kx < k; ++kx) {
            const int ix = ox * stride + kx - px.before;
            if (ix < 0 || ix >= x.w) continue;
            PoolTap<kMax>(o, src + (static_cast<int64_t>(iy) * x.w + ix) * c, c);
            ++count;
          }
        }
        if constexpr (!kMax) {
          for (int i = 0; i < c; ++i) o[i] /= static_cast<float>(count);
        }
      }
    }
  });
  return out;
}

}  // namespace

Map MaxPool(const Map& x, int k, int stride, Padding padding) {
  return Pool<true>(x, k, stride, padding);
}

Map AvgPool(const Map& x, int k, int stride, Padding padding) {
  return Pool<false>(x, k, stride, padding);
}

Map ResizeBilinear(const Map& x, int out_h, int out_w, bool align_corners) {
  if (x.h <= 0 || x.w <= 0 || out_h <= 0 || out_w <= 0) {
    throw ShapeError("vision::ResizeBilinear: empty input or output");
  }
  Map out = Map::Zeros(out_h, out_w, x.c);
  // TF.js's resize_bilinear kernel: the scale in f32 maths over the same ratios, the source
  // coordinate as a float, its floor and the next pixel clamped to the edge.
  const auto scale = [&](int in, int outn) {
    return (align_corners && outn > 1) ? static_cast<float>(in - 1) / static_cast<float>(outn - 1)
                                       : static_cast<float>(in) / static_cast<float>(outn);
  };
  const float sy = scale(x.h, out_h), sx = scale(x.w, out_w);
  const int c = x.c;
  const float* src = x.data();
  float* dst = out.data();
  tensor::ParallelFor(out_h, 1, [&](int64_t begin, int64_t end) {
    for (int64_t oy = begin; oy < end; ++oy) {
      const float fy = sy * static_cast<float>(oy);
      const int y0 = static_cast<int>(std::floor(fy));
      const int y1 = std::min(y0 + 1, x.h - 1);
      const float dy = fy - static_cast<float>(y0);
      for (int ox = 0; ox < out_w; ++ox) {
        const float fx = sx * static_cast<float>(ox);
        const int x0 = static_cast<int>(std::floor(fx));
        const int x1 = std::min(x0 + 1, x.w - 1);
        const float dx = fx - static_cast<float>(x0);
        const float* tl = src + (static_cast<int64_t>(y0) * x.w + x0) * c;
        const float* tr = src + (static_cast<int64_t>(y0) * x.w + x1) * c;
        const float* bl = src + (static_cast<int64_t>(y1) * x.w + x0) * c;
        const float* br = src + (static_cast<int64_t>(y1) * x.w + x1) * c;
        float* o = dst + (oy * out_w + ox) * c;
        for (int i = 0; i < c; ++i) {
          const float top = tl[i] + (tr[i] - tl[i]) * dx;
          const float bottom = bl[i] + (br[i] - bl[i]) * dx;
          o[i] = top + (bottom - top) * dy;
        }
      }
    }
  });
  return out;
}

void Apply(Map& x, Activation act) {
  BiasActivate(x.data(), static_cast<int64_t>(x.h) * x.w, x.c, {}, act);
}

void AddInPlace(Map& x, const Map& y) {
  if (x.h != y.h || x.w != y.w || x.c != y.c) throw ShapeError("vision::AddInPlace: shapes differ");
  float* a = x.data();
  const float* b = y.data();
  tensor::ParallelFor(x.size(), 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) a[i] += b[i];
  });
}

std::vector<float> Dense(const std::vector<float>& x, const std::vector<float>& w,
                         const std::vector<float>& b, int k, int n) {
  if (static_cast<int>(x.size()) != k || static_cast<int64_t>(w.size()) != int64_t{k} * n ||
      (!b.empty() && static_cast<int>(b.size()) != n)) {
    throw ShapeError("vision::Dense: shapes do not match");
  }
  std::vector<float> y(n, 0.0f);
  for (int i = 0; i < k; ++i) {
    const float xi = x[i];
    const float* row = w.data() + static_cast<int64_t>(i) * n;
    for (int j = 0; j < n; ++j) y[j] += xi * row[j];
  }
  if (!b.empty()) {
    for (int j = 0; j < n; ++j) y[j] += b[j];
  }
  return y;
}

std::vector<float> Softmax(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  if (x.empty()) return y;
  const float m = *std::max_element(x.begin(), x.end());
  float sum = 0.0f;
  for (size_t i = 0; i < x.size(); ++i) sum += (y[i] = std::exp(x[i] - m));
  for (float& v : y) v /= sum;
  return y;
}

ScopedF32::ScopedF32() : saved_(tensor::GetComputeConfig()) {
  tensor::ComputeConfig f32 = saved_;
  f32.conv = tensor::Precision::kF32;
  f32.linear = tensor::Precision::kF32;
  tensor::SetComputeConfig(f32);
}

ScopedF32::~ScopedF32() { tensor::SetComputeConfig(saved_); }

}  // namespace depict::vision
