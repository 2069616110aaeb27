// GroupNorm and LayerNorm on our pool. Statistics are accumulated in double over a first pass
// (mean), then the centred squares in a second (variance), which stays accurate for large
// offsets; each group or row is small enough (tens to hundreds of KiB) to stay in cache between
// the passes.
#include <algorithm>
#include <cmath>
#include <string>

#include "tensor/engine_internal.h"
#include "tensor/ops.h"
#include "tensor/ops_internal.h"
#include "tensor/thread_pool.h"

namespace depict::tensor {
namespace {

struct Moments {
  float mean;
  float rstd;
};

Moments ComputeMoments(const float* x, int64_t n, float eps) {
  // Four partial sums so the loop pipelines; double keeps 1e5-element sums exact enough.
  double s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; ++j) s[j] += x[i + j];
  }
  for (; i < n; ++i) s[0] += x[i];
  const double mean = (s[0] + s[1] + s[2] + s[3]) / static_cast<double>(n);
  double q[4] = {0, 0, 0, 0};
  i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; ++j) {
      const double d = x[i + j] - mean;
      q[j] += d * d;
    }
  }
  for (; i < n; ++i) q[0] += (x[i] - mean) * (x[i] - mean);
  const double var = (q[0] + q[1] + q[2] + q[3]) / static_cast<double>(n);
  return {static_cast<float>(mean), static_cast<float>(1.0 / std::sqrt(var + eps))};
}

// dst = src * a + b, optionally followed by SiLU.
DEPICT_KERNEL_CLONES void AffineSiLU(const float* src, float* dst, int64_t n, float a, float b) {
  for (int64_t i = 0; i < n; ++i) dst[i] = internal::SiLUApprox(src[i] * a + b);
}

void Affine(const float* src, float* dst, int64_t n, float a, float b) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i] * a + b;
}

Tensor GroupNormImpl(const char* op, const Tensor& x, int groups, const Tensor& gamma,
                     const Tensor& beta, float eps, bool silu) {
  if (x.rank() < 2) throw ShapeError(std::string(op) + ": x must be [N, C, ...]");
  const int64_t n = x.dim(0), c = x.dim(1);
  if (groups < 1 || c % groups != 0) {
    throw ShapeError(std::string(op) + ": " + std::to_string(c) + " channels in " +
                     std::to_string(groups) + " groups");
  }
  if (gamma.shape() != Shape{c} || beta.shape() != Shape{c}) {
    throw ShapeError(std::string(op) + ": gamma/beta must be [" + std::to_string(c) + "]");
  }
  const float* px = internal::In(x);
  Tensor gamma_holder, beta_holder;
  const float* pg = internal::AsF32(gamma, gamma_holder);
  const float* pb = internal::AsF32(beta, beta_holder);
  Tensor out = Tensor::Zeros(x.shape());
  float* po = out.f32();
  const int64_t inner = n * c == 0 ? 0 : x.numel() / (n * c);
  const int64_t per_group = c / groups;
  if (inner == 0) return out;
  ParallelFor(n * groups, 1, [&](int64_t s, int64_t e) {
    for (int64_t ng = s; ng < e; ++ng) {
      const int64_t g = ng % groups;
      const float* src = px + ng * per_group * inner;
      float* dst = po + ng * per_group * inner;
      const Moments m = ComputeMoments(src, per_group * inner, eps);
      for (int64_t ch = 0; ch < per_group; ++ch) {
        const int64_t channel = g * per_group + ch;
        const float a = m.rstd * pg[channel];
        const float b = pb[channel] - m.mean * a;
        const float* sc = src + ch * inner;
        float* dc = dst + ch * inner;
        if (silu) {
          AffineSiLU(sc, dc, inner, a, b);
        } else {
          Affine(sc, dc, inner, a, b);
        }
      }
    }
  });
  return out;
}

}  // namespace

Tensor GroupNorm(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta, float eps) {
  return GroupNormImpl("GroupNorm", x, groups, gamma, beta, eps, false);
}

Tensor GroupNormSiLU(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta,
                     float eps) {
  return GroupNormImpl("GroupNormSiLU", x, groups, gamma, beta, eps, true);
}

Tensor LayerNorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  if (x.rank() < 1) throw ShapeError("LayerNorm: scalar input");
  const int64_t c = x.shape().back();
  if (gamma.shape() != Shape{c} || beta.shape() != Shape{c}) {
    throw ShapeError("LayerNorm: gamma/beta must be [" + std::to_string(c) + "] for x " +
                     ShapeText(x.shape()));
  }
  const float* px = internal::In(x);
  Tensor gamma_holder, beta_holder;
  const float* pg = internal::AsF32(gamma, gamma_holder);
  const float* pb = internal::AsF32(beta, beta_holder);
  Tensor out = Tensor::Zeros(x.shape());
  float* po = out.f32();
  if (c == 0) return out;
  const int64_t rows = x.numel() / c;
  ParallelFor(rows, std::max<int64_t>(1, 8192 / c), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const float* src = px + r * c;
      float* dst = po + r * c;
      const Moments m = ComputeMoments(src, c, eps);
      for (int64_t i = 0; i < c; ++i) dst[i] = (src[i] - m.mean) * m.rstd * pg[i] + pb[i];
    }
  });
  return out;
}

}  // namespace depict::tensor
