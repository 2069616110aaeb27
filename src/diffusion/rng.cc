#include "diffusion/rng.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace depict::diffusion {
namespace {

using tensor::Shape;
using tensor::Tensor;

// ---------------------------------------------------------------------------------------------
// Cephes single-precision log, sin and cos, evaluated step by step as PyTorch's AVX2 normal
// kernel does (avx_mathfun.h, after Julien Pommier's sse_mathfun, itself a transcription of
// Stephen Moshier's Cephes logf/sinf/cosf). The coefficients are Cephes's. PyTorch's release
// builds are compiled by GCC with FMA enabled, which fuses a multiplication into the addition
// that consumes it; MulAdd marks each place where that happens, and the noise matches torch's
// bit for bit only with exactly these fusions (std::fma rounds once, as the instruction does).

float MulAdd(float a, float b, float c) { return std::fma(a, b, c); }

float Bits(uint32_t u) { return std::bit_cast<float>(u); }
uint32_t Bits(float f) { return std::bit_cast<uint32_t>(f); }

constexpr float kSqrtHalf = static_cast<float>(0.707106781186547524);
constexpr float kLogP[9] = {
    static_cast<float>(7.0376836292E-2), static_cast<float>(-1.1514610310E-1),
    static_cast<float>(1.1676998740E-1), static_cast<float>(-1.2420140846E-1),
    static_cast<float>(1.4249322787E-1), static_cast<float>(-1.6668057665E-1),
    static_cast<float>(2.0000714765E-1), static_cast<float>(-2.4999993993E-1),
    static_cast<float>(3.3333331174E-1)};
constexpr float kLogQ1 = static_cast<float>(-2.12194440e-4);
constexpr float kLogQ2 = 0.693359375f;

// Natural log for x > 0 (the kernel only passes (0, 1]); NaN for x <= 0.
float CephesLog(float x) {
  if (!(x > 0.0f)) return std::numeric_limits<float>::quiet_NaN();
  x = std::max(x, std::numeric_limits<float>::min());  // no subnormals
  const uint32_t bits = Bits(x);
  float e = static_cast<float>(static_cast<int32_t>(bits >> 23) - 0x7f);
  e = e + 1.0f;
  // The mantissa scaled into [0.5, 1).
  x = Bits((bits & ~0x7f800000u) | Bits(0.5f));
  // Below sqrt(1/2): one exponent less and x = 2x - 1, else x - 1 (written as the kernel
  // does, so that the roundings are the same).
  const bool small = x < kSqrtHalf;
  const float tmp = small ? x : 0.0f;
  x = x - 1.0f;
  e = e - (small ? 1.0f : 0.0f);
  x = x + tmp;
  const float z = x * x;
  float y = kLogP[0];
  for (int i = 1; i < 9; ++i) y = MulAdd(y, x, kLogP[i]);
  y = y * x;
  y = MulAdd(y, z, e * kLogQ1);
  y = MulAdd(-z, 0.5f, y);  // z * 0.5 is exact: fused or not, the same
  x = x + y;
  return MulAdd(e, kLogQ2, x);
}

constexpr float kFourOverPi = static_cast<float>(1.27323954473516);
constexpr float kMinusDp1 = -0.78515625f;
constexpr float kMinusDp2 = static_cast<float>(-2.4187564849853515625e-4);
constexpr float kMinusDp3 = static_cast<float>(-3.77489497744594108e-8);
constexpr float kSinP0 = static_cast<float>(-1.9515295891E-4);
constexpr float kSinP1 = static_cast<float>(8.3321608736E-3);
constexpr float kSinP2 = static_cast<float>(-1.6666654611E-1);
constexpr float kCosP0 = static_cast<float>(2.443315711809948E-005);
constexpr float kCosP1 = static_cast<float>(-1.388731625493765E-003);
constexpr float kCosP2 = static_cast<float>(4.166664568298827E-002);
constexpr uint32_t kSignBit = 0x80000000u;

// sin and cos of x, |x| well below 2^24 (the kernel passes [0, 2 pi)).
void CephesSinCos(float x, float* sin_out, float* cos_out) {
  uint32_t sin_sign = Bits(x) & kSignBit;
  x = std::fabs(x);
  // The octant: j = trunc(x * 4/pi), rounded up to even.
  int32_t j = static_cast<int32_t>(x * kFourOverPi);
  j = (j + 1) & ~1;
  const float y = static_cast<float>(j);
  const bool sin_poly_for_sin = (j & 2) == 0;  // else the cos polynomial gives the sine
  sin_sign ^= static_cast<uint32_t>(j & 4) << 29;
  const uint32_t cos_sign = static_cast<uint32_t>(~(j - 2) & 4) << 29;
  // x - j * pi/4 in three parts (Cody-Waite reduction).
  x = MulAdd(y, kMinusDp1, x);
  x = MulAdd(y, kMinusDp2, x);
  x = MulAdd(y, kMinusDp3, x);
  const float z = x * x;
  // cos on [-pi/4, pi/4]: 1 - z/2 + z^2 (c0 z^2 + c1 z + c2).
  float c = kCosP0;
  c = MulAdd(c, z, kCosP1);
  c = MulAdd(c, z, kCosP2);
  c = c * z;
  c = MulAdd(c, z, -(z * 0.5f));
  c = c + 1.0f;
  // sin on [-pi/4, pi/4]: x + x z (s0 z^2 + s1 z + s2).
  float s = kSinP0;
  s = MulAdd(s, z, kSinP1);
  s = MulAdd(s, z, kSinP2);
  s = s * z;
  s = MulAdd(s, x, x);
  // The kernel selects with masks and recombines with additions of +0; the sums are the same.
  const float sin_value = sin_poly_for_sin ? 0.0f + s : c + 0.0f;
  const float cos_value = sin_poly_for_sin ? c + 0.0f : 0.0f + s;
  *sin_out = Bits(Bits(sin_value) ^ sin_sign);
  *cos_out = Bits(Bits(cos_value) ^ cos_sign);
}

// ---------------------------------------------------------------------------------------------
// torch's CPU generator: MT19937 (std::mt19937 is the same engine, seeded the same way from a
// 32-bit value) plus the cached second value of the scalar Box-Muller path.

class CpuNoise final : public NoiseGenerator {
 public:
  CpuNoise(RngKind kind, uint64_t seed)
      : NoiseGenerator(kind, seed), engine_(static_cast<uint32_t>(seed)) {}

  void Fill(float* out, int64_t n) override {
    if (n >= 16) {
      FillBlocks(out, n);
    } else {
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(NextScalarNormal());
    }
  }

 private:
  // at::uniform_real_distribution<float>(0, 1): 24 bits of one 32-bit draw.
  float UniformFloat() { return static_cast<float>(engine_() & 0xFFFFFFu) * (1.0f / 16777216.0f); }
  // at::uniform_real_distribution<double>(0, 1): 53 bits of a 64-bit draw.
  double UniformDouble() {
    const uint64_t hi = engine_();
    const uint64_t lo = engine_();
    const uint64_t r = (hi << 32) | lo;
    return static_cast<double>(r & ((uint64_t{1} << 53) - 1)) * (1.0 / 9007199254740992.0);
  }

  // at::normal_distribution<double>, the path of tensors with fewer than 16 elements.
  double NextScalarNormal() {
    if (cached_) {
      const double v = *cached_;
      cached_.reset();
      return v;
    }
    const double u1 = UniformDouble();
    const double u2 = UniformDouble();
    const double radius = std::sqrt(-2.0 * std::log1p(-u2));
    const double theta = 2.0 * std::numbers::pi * u1;
    cached_ = radius * std::sin(theta);
    return radius * std::cos(theta);
  }

  void FillBlocks(float* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] = UniformFloat();
    for (int64_t i = 0; i + 16 <= n; i += 16) Transform16(out + i);
    if (n % 16 != 0) {
      float* tail = out + n - 16;
      for (int i = 0; i < 16; ++i) tail[i] = UniformFloat();
      Transform16(tail);
    }
  }

  // Eight Box-Muller pairs: (d[j], d[j + 8]) -> (r cos t, r sin t).
  void Transform16(float* d) const {
    for (int j = 0; j < 8; ++j) {
      const float u1 = 1.0f - d[j];  // [0, 1) -> (0, 1]
      const float u2 = d[j + 8];
      float radius;
      float sin_theta;
      float cos_theta;
      if (kind() == RngKind::kCpu) {
        radius = std::sqrt(-2.0f * CephesLog(u1));
        const float theta = static_cast<float>(2.0 * std::numbers::pi) * u2;
        CephesSinCos(theta, &sin_theta, &cos_theta);
      } else {
        radius = std::sqrt(-2.0f * std::log(u1));
        const float theta = static_cast<float>(2.0 * std::numbers::pi * static_cast<double>(u2));
        sin_theta = std::sin(theta);
        cos_theta = std::cos(theta);
      }
      d[j] = radius * cos_theta;
      d[j + 8] = radius * sin_theta;
    }
  }

  std::mt19937 engine_;
  std::optional<double> cached_;
};

// ---------------------------------------------------------------------------------------------
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), laid
// out as A1111's rng_philox.py uses it.

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;

struct PhiloxWords {
  uint32_t w0;
  uint32_t w1;
};

PhiloxWords Philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                          uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    const uint64_t p0 = uint64_t{kPhiloxM0} * c0;
    const uint64_t p1 = uint64_t{kPhiloxM1} * c2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n1 = static_cast<uint32_t>(p1);
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    const uint32_t n3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
  }
  return {c0, c1};
}

class PhiloxNoise final : public NoiseGenerator {
 public:
  explicit PhiloxNoise(uint64_t seed) : NoiseGenerator(RngKind::kPhilox, seed) {}

  void Fill(float* out, int64_t n) override {
    // rng_philox.py keeps its float32 constants as numpy float32 and computes with uint32 words,
    // which numpy promotes to double: u and v are doubles, the result is rounded to float32.
    const double a = static_cast<double>(2.3283064e-10f);
    const double b = static_cast<double>(static_cast<float>(2.3283064e-10 * 6.2831855));
    const double half_a = static_cast<double>(2.3283064e-10f / 2);
    const double half_b = static_cast<double>(static_cast<float>(2.3283064e-10 * 6.2831855) / 2);
    const uint32_t k0 = static_cast<uint32_t>(seed());
    const uint32_t k1 = static_cast<uint32_t>(seed() >> 32);
    const uint32_t call = static_cast<uint32_t>(offset_);
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t index = static_cast<uint64_t>(i);
      const PhiloxWords w = Philox4x32_10(call, 0, static_cast<uint32_t>(index),
                                          static_cast<uint32_t>(index >> 32), k0, k1);
      // Each product and sum rounded on its own, as numpy does (separate statements: neither
      // GCC in ISO mode nor clang by default fuses across statements).
      const double ua = static_cast<double>(w.w0) * a;
      const double u = ua + half_a;
      const double vb = static_cast<double>(w.w1) * b;
      const double v = vb + half_b;
      const double radius = std::sqrt(-2.0 * std::log(u));
      out[i] = static_cast<float>(radius * std::sin(v));
    }
    ++offset_;
  }

 private:
  uint64_t offset_ = 0;
};

}  // namespace

RngKind ParseRngKind(std::string_view name) {
  if (name == "cpu") return RngKind::kCpu;
  if (name == "cpu-generic") return RngKind::kCpuGeneric;
  if (name == "philox") return RngKind::kPhilox;
  throw std::invalid_argument("unknown random number generator '" + std::string(name) +
                              "' (choose cpu, cpu-generic or philox)");
}

std::string_view RngKindName(RngKind kind) {
  switch (kind) {
    case RngKind::kCpu:
      return "cpu";
    case RngKind::kCpuGeneric:
      return "cpu-generic";
    case RngKind::kPhilox:
      return "philox";
  }
  return "?";
}

uint64_t RandomSeed() {
  std::random_device device;
  const uint64_t r = (uint64_t{device()} << 32) | device();
  return r % kRandomSeedLimit;
}

Seed ResolveSeed(int64_t requested) {
  if (requested == -1) return {RandomSeed(), true};
  if (requested < 0) {
    throw std::invalid_argument("seed " + std::to_string(requested) +
                                " is negative (use -1 for a random seed)");
  }
  return {static_cast<uint64_t>(requested), false};
}

Seed ParseSeed(std::string_view text) {
  if (text == "-1") return {RandomSeed(), true};
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw std::invalid_argument("seed '" + std::string(text) +
                                "' is not -1 or an integer from 0 to 18446744073709551615");
  }
  return {value, false};
}

uint64_t ImageSeed(uint64_t seed, int64_t index) { return seed + static_cast<uint64_t>(index); }

std::unique_ptr<NoiseGenerator> NoiseGenerator::Create(RngKind kind, uint64_t seed) {
  if (kind == RngKind::kPhilox) return std::make_unique<PhiloxNoise>(seed);
  return std::make_unique<CpuNoise>(kind, seed);
}

std::unique_ptr<NoiseGenerator> NoiseGenerator::Create(std::string_view name, uint64_t seed) {
  return Create(ParseRngKind(name), seed);
}

Tensor NoiseGenerator::Randn(const Shape& shape) {
  Tensor t = Tensor::Zeros(shape, tensor::DType::kF32);
  Fill(t.f32(), t.numel());
  return t;
}

BatchNoise::BatchNoise(RngKind kind, uint64_t seed, int64_t batch, Shape image_shape,
                       BatchSeeding seeding)
    : image_shape_(std::move(image_shape)), seeding_(seeding) {
  if (batch < 1) throw std::invalid_argument("a batch needs at least one image");
  tensor::NumElements(image_shape_);  // throws ShapeError for a bad shape
  for (int64_t i = 0; i < batch; ++i) {
    seeds_.push_back(seeding == BatchSeeding::kPerImage ? ImageSeed(seed, i) : seed);
  }
  if (seeding == BatchSeeding::kPerImage) {
    for (uint64_t s : seeds_) generators_.push_back(NoiseGenerator::Create(kind, s));
  } else {
    generators_.push_back(NoiseGenerator::Create(kind, seed));
  }
}

Tensor BatchNoise::Next() {
  Shape shape = image_shape_;
  shape.insert(shape.begin(), static_cast<int64_t>(seeds_.size()));
  Tensor t = Tensor::Zeros(shape, tensor::DType::kF32);
  if (seeding_ == BatchSeeding::kSingleStream) {
    generators_[0]->Fill(t.f32(), t.numel());
  } else {
    const int64_t per_image = tensor::NumElements(image_shape_);
    for (size_t i = 0; i < generators_.size(); ++i) {
      generators_[i]->Fill(t.f32() + static_cast<int64_t>(i) * per_image, per_image);
    }
  }
  return t;
}

}  // namespace depict::diffusion
