// Internal to the ops: pieces shared between ops_*.cc files.
#ifndef DEPICT_TENSOR_OPS_INTERNAL_H_
#define DEPICT_TENSOR_OPS_INTERNAL_H_

#include <cstdint>
#include <cstring>

#include "tensor/engine.h"

namespace depict::tensor::internal {

// What Precision::kAuto means, from measurements (ops_policy.cc): the same for Conv2d, Linear
// and Attention on every shape measured.
Precision AutoPrecision();

// Kernels that call the approximations below are compiled for AVX-512, AVX2 and baseline x86-64
// and picked at load time (GCC and Clang function multiversioning). GCC vectorizes the clamps
// of ExpApprox only with AVX-512's masked selects; the other clones run scalar but still correct.
#define DEPICT_KERNEL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// exp(x) in plain branch-free arithmetic that compilers vectorize (std::exp does not): range
// reduction by n = round(x / ln2) (the 1.5 * 2^23 trick, exact for |n| < 2^22), r = x - n ln2 in
// two steps, a degree-6 Taylor polynomial in r in [-ln2/2, ln2/2], times 2^n built from bits.
// Relative error about 2.5e-7 (2 ulp); x is clamped to [-87.3, 88] (exp(-87.3) ~ 1e-38).
inline float ExpApprox(float x) {
  x = x < -87.3f ? -87.3f : x;  // two selects: GCC if-converts these, not a nested one
  x = x > 88.0f ? 88.0f : x;
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;  // ln2's leading bits: n * this is exact
  r = r - n * -2.12194440e-4f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return p * scale;
}

// x * sigmoid(x), with ExpApprox.
inline float SiLUApprox(float x) { return x / (1.0f + ExpApprox(-x)); }

// erf(x) by Abramowitz and Stegun 7.1.26 (absolute error <= 1.5e-7) with ExpApprox.
inline float ErfApprox(float x) {
  const float a = __builtin_fabsf(x);
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float y = 1.0f - p * t * ExpApprox(-a * a);
  return __builtin_copysignf(y, x);  // not a branch: GCC vectorizes this
}

// x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))), the exact GELU, with ErfApprox.
inline float GELUApprox(float x) { return 0.5f * x * (1.0f + ErfApprox(x * 0.70710678118654752f)); }

// f32 -> bf16, round to nearest even, NaN kept NaN; integer selects only, so it vectorizes.
inline uint16_t ToBF16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t rounded = (x + 0x7FFFu + ((x >> 16) & 1u)) >> 16;
  const uint32_t nan = (x >> 16) | 0x40u;
  return static_cast<uint16_t>((x & 0x7FFFFFFFu) > 0x7F800000u ? nan : rounded);
}

inline float FromBF16(uint16_t b) {
  const uint32_t x = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

}  // namespace depict::tensor::internal

#endif  // DEPICT_TENSOR_OPS_INTERNAL_H_
