#include "vision/nn.h"

#include <dlfcn.h>
#include <malloc.h>
#include <oneapi/dnnl/dnnl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <string>

#include "tensor/engine.h"
#include "tensor/tensor.h"
#include "tensor/thread_pool.h"

namespace depict::vision {

using tensor::ShapeError;

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

// ---- Buffers ----------------------------------------------------------------------------------

constexpr size_t kPooledMinBytes = 64 * 1024;       // smaller buffers come from operator new
constexpr size_t kPoolIdleBytes = 4 * 1024 * 1024;  // idle blocks kept for reuse, at most

class BufferPool {
 public:
  std::shared_ptr<float> Acquire(size_t bytes) {
    bytes = (bytes + kPooledMinBytes - 1) / kPooledMinBytes * kPooledMinBytes;
    void* block = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      // The smallest idle block that fits: already resident, so reusing a larger one costs no
      // memory that is not in use anyway.
      const auto it = idle_.lower_bound(bytes);
      if (it != idle_.end()) {
        bytes = it->first;
        block = it->second;
        idle_bytes_ -= bytes;
        idle_.erase(it);
      }
    }
    if (block == nullptr) {
      block = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (block == MAP_FAILED) throw std::bad_alloc();
    }
    return std::shared_ptr<float>(static_cast<float*>(block),
                                  [this, bytes](float* p) { Release(p, bytes); });
  }

  size_t idle_bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return idle_bytes_;
  }

  void Drain() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [bytes, block] : idle_) munmap(block, bytes);
    idle_.clear();
    idle_bytes_ = 0;
  }

 private:
  void Release(float* p, size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (idle_bytes_ + bytes <= kPoolIdleBytes) {
        idle_.emplace(bytes, p);
        idle_bytes_ += bytes;
        return;
      }
    }
    munmap(p, bytes);
  }

  std::mutex mu_;
  std::multimap<size_t, void*> idle_;
  size_t idle_bytes_ = 0;
};

BufferPool& Pool() {
  static BufferPool* pool = new BufferPool;  // never destroyed: buffers may outlive statics
  return *pool;
}

// c[m, n] (row stride ldc) = a[m, k] (row stride lda) b[n, k]^T, oneDNN's f32 sgemm on the
// engine's thread count (an OpenMP setting of the calling thread, as engine.cc applies it).
void Gemm(const float* a, int64_t m, int64_t k, int64_t lda, const float* b, int64_t n, float* c,
          int64_t ldc) {
  using SetThreads = void (*)(int);
  static const SetThreads set_threads =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (set_threads != nullptr) set_threads(tensor::NumThreads());
  if (m == 0 || n == 0) return;
  if (dnnl_sgemm('N', 'T', m, n, k, 1.0f, a, lda, b, k, 0.0f, c, ldc) != dnnl_success) {
    throw ShapeError("vision: oneDNN sgemm failed");
  }
}

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

std::shared_ptr<float> PooledBuffer(int64_t n) {
  if (n < 0) throw ShapeError("vision: negative buffer size");
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float);
  if (bytes < kPooledMinBytes) {
    return std::shared_ptr<float>(new float[bytes / sizeof(float)], std::default_delete<float[]>());
  }
  return Pool().Acquire(bytes);
}

size_t PooledIdleBytes() { return Pool().idle_bytes(); }

void LimitHeapRetention() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif
}

void ReleaseUnusedMemory() {
  Pool().Drain();
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

Map Map::Zeros(int h, int w, int c) {
  if (h < 0 || w < 0 || c < 0) throw ShapeError("vision::Map: negative size");
  Map m;
  m.h = h;
  m.w = w;
  m.c = c;
  m.buf = PooledBuffer(m.size());
  std::memset(m.buf.get(), 0, sizeof(float) * static_cast<size_t>(m.size()));
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
  conv.weight.resize(static_cast<size_t>(k * conv.cout));
  float* w = conv.weight.data();
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
  out.buf = PooledBuffer(pixels * conv.cout);  // the sgemm writes every value
  const int64_t k = static_cast<int64_t>(conv.kh) * conv.kw * conv.cin;
  // out[rows, :] = a[rows, k] W^T, with W the prepared f32 filter or, for a uint8 filter, its
  // codes expanded a block of output channels at a time (at most kExpandFloats at once).
  constexpr int64_t kExpandFloats = 256 * 1024;
  const int64_t block =
      conv.codes.empty() ? conv.cout : std::clamp<int64_t>(kExpandFloats / k, 1, conv.cout);
  std::shared_ptr<float> expanded;
  if (!conv.codes.empty()) expanded = PooledBuffer(block * k);
  const auto multiply = [&](const float* a, int64_t rows, int64_t lda, float* c) {
    for (int64_t o0 = 0; o0 < conv.cout; o0 += block) {
      const int64_t n = std::min(block, conv.cout - o0);
      const float* w = nullptr;
      if (conv.codes.empty()) {
        w = conv.weight.data() + o0 * k;
      } else {
        const uint8_t* codes = conv.codes.data() + o0 * k;
        float* e = expanded.get();
        for (int64_t i = 0; i < n * k; ++i) e[i] = conv.lut[codes[i]];
        w = e;
      }
      Gemm(a, rows, k, lda, w, n, c + o0, conv.cout);
    }
  };
  if (conv.kh == 1 && conv.kw == 1 && stride == 1) {
    multiply(x.data(), pixels, k, out.data());
  } else {
    const float* src = x.data();
    const std::shared_ptr<float> cols = PooledBuffer(std::min(kIm2colBlockPixels, pixels) * k);
    float* col = cols.get();
    for (int64_t p0 = 0; p0 < pixels; p0 += kIm2colBlockPixels) {
      const int64_t n = std::min(kIm2colBlockPixels, pixels - p0);
      tensor::ParallelFor(n, 64, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const int64_t p = p0 + i;
          const int oy = static_cast<int>(p / out.w), ox = static_cast<int>(p % out.w);
          float* dst = col + i * k;
          for (int ky = 0; ky < conv.kh; ++ky) {
            const int iy = oy * stride + ky - py.before;
            for (int kx = 0; kx < conv.kw; ++kx, dst += conv.cin) {
              const int ix = ox * stride + kx - px.before;
              if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) {
                for (int i = 0; i < conv.cin; ++i) dst[i] = 0.0f;  // padding
                continue;
              }
              // A plain loop: for the 3 channels of a first layer, a memcpy call costs more.
              const float* from = src + (static_cast<int64_t>(iy) * x.w + ix) * x.c;
              for (int i = 0; i < conv.cin; ++i) dst[i] = from[i];
            }
          }
        }
      });
      multiply(col, n, k, out.data() + p0 * conv.cout);
    }
  }
  BiasActivate(out.data(), pixels, out.c, conv.bias, act);
  return out;
}

namespace {

// Depthwise output rows [r0, r1) of a map whose input rows [in_lo, in_lo + in_rows) are at `src`
// (rows outside the input, in_h rows in all, are padding; rows needed must be in the window).
void DepthwiseRows(const float* src, int in_lo, int in_h, int in_w, const Depthwise& dw, int stride,
                   const AxisPads& py, const AxisPads& px, float* dst, int64_t dst_row0, int out_w,
                   int64_t r0, int64_t r1) {
  const int c = dw.c;
  const float* w = dw.weight.data();
  tensor::ParallelFor(r1 - r0, 1, [&](int64_t begin, int64_t end) {
    for (int64_t oy = r0 + begin; oy < r0 + end; ++oy) {
      float* orow = dst + (oy - dst_row0) * out_w * c;
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
  // Shares ownership of x's buffer, pointing at the first row.
  v.buf = std::shared_ptr<float>(x.buf, x.buf.get() + static_cast<int64_t>(first) * x.w * x.c);
  return v;
}

namespace {

Map DepthwiseWithPads(const Map& x, const Depthwise& dw, int stride, const AxisPads& py,
                      const AxisPads& px, Activation act) {
  if (x.c != dw.c) throw ShapeError("vision::DepthwiseConv2D: channel count differs");
  if (py.out <= 0 || px.out <= 0) {
    throw ShapeError("vision::DepthwiseConv2D: input smaller than filter");
  }
  Map out = Map::Zeros(py.out, px.out, x.c);
  DepthwiseRows(x.data(), 0, x.h, x.w, dw, stride, py, px, out.data(), 0, out.w, 0, out.h);
  BiasActivate(out.data(), static_cast<int64_t>(out.h) * out.w, x.c, dw.bias, act);
  return out;
}

AxisPads ExplicitPads(int in, int k, int stride, int before, int after) {
  AxisPads p;
  p.before = before;
  p.after = after;
  const int padded = in + before + after;
  p.out = padded >= k ? (padded - k) / stride + 1 : 0;
  return p;
}

}  // namespace

Map DepthwiseConv2D(const Map& x, const Depthwise& dw, int stride, Padding padding,
                    Activation act) {
  return DepthwiseWithPads(x, dw, stride, PadsFor(x.h, dw.kh, stride, padding),
                           PadsFor(x.w, dw.kw, stride, padding), act);
}

Map DepthwiseConv2DPadded(const Map& x, const Depthwise& dw, int stride, int top, int bottom,
                          int left, int right, Activation act) {
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    throw ShapeError("vision::DepthwiseConv2DPadded: negative padding");
  }
  return DepthwiseWithPads(x, dw, stride, ExplicitPads(x.h, dw.kh, stride, top, bottom),
                           ExplicitPads(x.w, dw.kw, stride, left, right), act);
}

RowSource MapRows(const Map& m) {
  return {m.h, m.w, m.c, [m](int first, int count) { return RowsView(m, first, count); }};
}

Map Materialize(const RowSource& source, int band_rows) {
  Map out = Map::Zeros(source.h, source.w, source.c);
  const int64_t row_floats = static_cast<int64_t>(source.w) * source.c;
  for (int r0 = 0; r0 < source.h; r0 += std::max(band_rows, 1)) {
    const int n = std::min(std::max(band_rows, 1), source.h - r0);
    const Map band = source.rows(r0, n);
    if (band.h != n || band.w != source.w || band.c != source.c) {
      throw ShapeError("vision::Materialize: a row source returned the wrong rows");
    }
    std::memcpy(out.data() + r0 * row_floats, band.data(),
                sizeof(float) * static_cast<size_t>(n * row_floats));
  }
  return out;
}

RowSource ConvThenDepthwiseRows(RowSource in, const Conv& conv, int stride, Padding padding,
                                Activation act, const Depthwise& dw, int dw_stride,
                                Padding dw_padding, Activation dw_act) {
  if (conv.cin != in.c || dw.c != conv.cout) {
    throw ShapeError("vision::ConvThenDepthwise: shapes do not chain");
  }
  const AxisPads cy = PadsFor(in.h, conv.kh, stride, padding);
  const AxisPads cx = PadsFor(in.w, conv.kw, stride, padding);
  if (cy.out <= 0 || cx.out <= 0) throw ShapeError("vision::ConvThenDepthwise: input too small");
  const AxisPads dy = PadsFor(cy.out, dw.kh, dw_stride, dw_padding);
  const AxisPads dx = PadsFor(cx.out, dw.kw, dw_stride, dw_padding);
  if (dy.out <= 0 || dx.out <= 0) throw ShapeError("vision::ConvThenDepthwise: input too small");
  RowSource out{dy.out, dx.out, dw.c, {}};
  const Conv* conv_p = &conv;
  const Depthwise* dw_p = &dw;
  out.rows = [=](int r0, int count) {
    const Conv& cv = *conv_p;
    const Depthwise& d = *dw_p;
    const int r1 = r0 + count;
    Map band = Map::Zeros(count, dx.out, d.c);
    // Convolution rows [lo, hi] under these output rows, and the input rows they read.
    const int lo = std::max(0, r0 * dw_stride - dy.before);
    const int hi = std::min(cy.out - 1, (r1 - 1) * dw_stride - dy.before + d.kh - 1);
    if (lo <= hi) {
      const int in0 = lo * stride - cy.before, rows = (hi - lo) * stride + cv.kh;
      const int v0 = std::max(in0, 0), v1 = std::min(in0 + rows, in.h);  // rows inside the input
      const Map src = in.rows(v0, v1 - v0);
      const int padded_w = in.w + cx.before + cx.after;
      Map mid;
      if (padded_w == in.w && v0 == in0 && v1 == in0 + rows) {
        mid = Conv2D(src, cv, stride, Padding::kValid, act);
      } else {
        // The band with its share of the padding, so that a 'valid' convolution of it gives
        // exactly the rows of the padded whole.
        Map padded = Map::Zeros(rows, padded_w, in.c);
        for (int iy = v0; iy < v1; ++iy) {
          std::memcpy(
              padded.data() + (static_cast<int64_t>(iy - in0) * padded_w + cx.before) * in.c,
              src.data() + static_cast<int64_t>(iy - v0) * in.w * in.c,
              sizeof(float) * static_cast<size_t>(in.w) * in.c);
        }
        mid = Conv2D(padded, cv, stride, Padding::kValid, act);
      }
      DepthwiseRows(mid.data(), lo, cy.out, cx.out, d, dw_stride, dy, dx, band.data(), r0, dx.out,
                    r0, r1);
    }
    BiasActivate(band.data(), static_cast<int64_t>(count) * dx.out, d.c, d.bias, dw_act);
    return band;
  };
  return out;
}

Map ConvThenDepthwise(const Map& x, const Conv& conv, int stride, Padding padding, Activation act,
                      const Depthwise& dw, int dw_stride, Padding dw_padding, Activation dw_act) {
  const RowSource rows = ConvThenDepthwiseRows(MapRows(x), conv, stride, padding, act, dw,
                                               dw_stride, dw_padding, dw_act);
  // Output rows per band: the convolution rows a band needs stay near kBandFloats.
  constexpr int64_t kBandFloats = 256 * 1024;
  const int64_t row_floats =
      static_cast<int64_t>(PadsFor(x.w, conv.kw, stride, padding).out) * conv.cout * dw_stride;
  const int band =
      static_cast<int>(std::max<int64_t>(1, kBandFloats / std::max<int64_t>(row_floats, 1)));
  return Materialize(rows, band);
}

Map PointwiseThenDepthwise(const Map& x, const Conv& pw, Activation pw_act, const Depthwise& dw,
                           int stride, Padding padding, Activation dw_act) {
  if (pw.kh != 1 || pw.kw != 1) throw ShapeError("vision::PointwiseThenDepthwise: not 1x1");
  return ConvThenDepthwise(x, pw, 1, Padding::kValid, pw_act, dw, stride, padding, dw_act);
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

std::vector<float> Dense(const std::vector<float>& x, const WeightTensor& w,
                         const std::vector<float>& b) {
  if (!w.quantized()) {
    if (w.shape.size() != 2) throw ShapeError("vision::Dense: weights are not [k, n]");
    return Dense(x, w.values, b, static_cast<int>(w.shape[0]), static_cast<int>(w.shape[1]));
  }
  if (w.shape.size() != 2 || static_cast<int64_t>(x.size()) != w.shape[0] ||
      (!b.empty() && static_cast<int64_t>(b.size()) != w.shape[1])) {
    throw ShapeError("vision::Dense: shapes do not match");
  }
  const int64_t k = w.shape[0], n = w.shape[1];
  std::vector<float> y(static_cast<size_t>(n), 0.0f);
  for (int64_t i = 0; i < k; ++i) {
    const float xi = x[static_cast<size_t>(i)];
    const uint8_t* row = w.codes.data() + i * n;
    for (int64_t j = 0; j < n; ++j) y[static_cast<size_t>(j)] += xi * w.lut[row[j]];
  }
  if (!b.empty()) {
    for (int64_t j = 0; j < n; ++j) y[static_cast<size_t>(j)] += b[static_cast<size_t>(j)];
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

}  // namespace depict::vision
