// Seed-compatible initial noise: the same seed gives the same latent noise as the tools people
// reproduce images from, so a seed from an AUTOMATIC1111 or ComfyUI image means the same here.
//
// Generators (`--rng NAME`):
//
//   "cpu"     torch.manual_seed(seed); torch.randn(shape) on the CPU, float32, as PyTorch computes
//             it on x86-64 machines with AVX2 (every x86-64 desktop or server since about 2013;
//             PyTorch uses its AVX2 kernel on AVX-512 machines too). This is ComfyUI's noise (it
//             always draws on the CPU) and A1111's with the "CPU" random number source (and on
//             Apple MPS). Checked bit for bit against torch 1.13.1 and 2.15.0.
//   "cpu-generic"
//             The same draws through PyTorch's portable kernel, which differs from "cpu" in the
//             last bits of about 40% of the values (by at most ~2e-6): PyTorch on machines
//             without AVX2 (ARM64, Apple silicon) or with ATEN_CPU_CAPABILITY=default.
//   "philox"  A1111's default "GPU" source, torch.randn on CUDA, as A1111's "NV" option
//             (modules/rng_philox.py) reproduces it without a GPU: Philox4x32-10 keyed by the
//             seed, one counter per element, Box-Muller in double rounded to float32.
//
// Algorithms, stated so that they can be checked against the tools (tests/diffusion/rng_test.cc
// compares with reference noise written by tools/make_rng_fixtures.py from the tools
// themselves):
//
// cpu, cpu-generic: a 32-bit Mersenne Twister (MT19937) seeded with the low 32 bits of the
//   seed (torch truncates: seeds 5 and 2^32 + 5 give the same noise). torch.randn(shape) with
//   n = numel(shape) elements then takes one of two paths:
//   - n >= 16: each element first gets a float uniform u = (r & 0xFFFFFF) * 2^-24 from one
//     32-bit draw r; then each block of 16 elements [i, i+16) becomes 8 Box-Muller pairs, element
//     i+j (j < 8) = radius * cos(theta) and element i+j+8 = radius * sin(theta), with
//     radius = sqrt(-2 log(1 - u[i+j])) and theta = 2 pi u[i+j+8], all in float32. When 16 does
//     not divide n, 16 more uniforms are drawn into the last 16 elements and that block is
//     transformed again (overwriting the tail of the last full block). "cpu" computes log, sin
//     and cos with the Cephes polynomials of PyTorch's AVX2 kernel (avx_mathfun.h), with the
//     fused multiply-adds GCC makes of them; "cpu-generic" with the C library's logf, sinf and
//     cosf (theta rounded to float from a double product).
//   - n < 16: one double normal per element from torch's scalar path: u1, u2 doubles of 53 bits
//     from two 64-bit draws (each two 32-bit draws, the first the high half),
//     radius = sqrt(-2 log1p(-u2)), theta = 2 pi u1, value = radius * cos(theta), rounded to
//     float32; radius * sin(theta) is kept in the generator and is the next such value (this
//     cache survives between calls, as in torch, and only the n < 16 path uses it).
//
// philox: for the k-th call (k = 0, 1, ...) of a generator and element i, counter =
//   (k, 0, i mod 2^32, i / 2^32) (rng_philox.py wraps i at 2^32 instead; no latent is that big)
//   and key = (seed mod 2^32, seed / 2^32); ten Philox4x32 rounds (multipliers 0xD2511F53 and
//   0xCD9E8D57, key increments 0x9E3779B9 and 0xBB67AE85) give words w0, w1;
//   u = w0 * a + a/2 and v = w1 * b + b/2 in double, with a = float(2.3283064e-10) and
//   b = float(2.3283064e-10 * 6.2831855); value = float(sqrt(-2 log u) * sin v). Every call
//   moves to the next k, whatever its size.
//
// Batches: A1111 gives image i of a batch the seed S + i and its own generator, so image i's
//   noise is exactly what a batch of one with seed S + i gets (BatchSeeding::kPerImage, the
//   default). ComfyUI draws the whole batch [B, C, H, W] from one generator seeded with S
//   (BatchSeeding::kSingleStream); with "cpu" that equals image i drawing C*H*W values after
//   images 0..i-1 when 16 divides C*H*W.
//
// Seeds are uint64 like the tools' (A1111 shows 0..2^32-1). -1 asks for a random seed, which is
// drawn from [0, 4294967294) as A1111 does; the seed chosen is reported back so that the image
// can be made again.
#ifndef DEPICT_DIFFUSION_RNG_H_
#define DEPICT_DIFFUSION_RNG_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tensor/tensor.h"

namespace depict::diffusion {

enum class RngKind : uint8_t { kCpu, kCpuGeneric, kPhilox };

// "cpu", "cpu-generic" or "philox"; anything else throws std::invalid_argument naming the choices.
RngKind ParseRngKind(std::string_view name);
std::string_view RngKindName(RngKind kind);

// A seed as the user gave it, resolved: `random` is true when -1 asked for a random one.
struct Seed {
  uint64_t value = 0;
  bool random = false;
};

// The largest seed A1111's UI takes (2^32 - 1); depict's CLI refuses larger ones.
inline constexpr uint64_t kMaxSeed = 4294967295;
// The seeds A1111 draws for -1 lie in [0, kRandomSeedLimit).
inline constexpr uint64_t kRandomSeedLimit = 4294967294;

// A random seed in [0, kRandomSeedLimit), from std::random_device.
uint64_t RandomSeed();
// -1: a random seed; 0 or more: that seed; other negative values throw std::invalid_argument.
Seed ResolveSeed(int64_t requested);
// Decimal text: "-1" (random) or an integer in [0, 2^64 - 1]; anything else (a sign, spaces,
// another negative number, overflow) throws std::invalid_argument.
Seed ParseSeed(std::string_view text);

// The seed of image `index` of a batch whose first image has `seed`: seed + index, modulo 2^64.
uint64_t ImageSeed(uint64_t seed, int64_t index);

// A stream of standard normal float32 noise. Not thread-safe: one generator per thread.
class NoiseGenerator {
 public:
  static std::unique_ptr<NoiseGenerator> Create(RngKind kind, uint64_t seed);
  static std::unique_ptr<NoiseGenerator> Create(std::string_view name, uint64_t seed);

  virtual ~NoiseGenerator() = default;
  NoiseGenerator(const NoiseGenerator&) = delete;
  NoiseGenerator& operator=(const NoiseGenerator&) = delete;

  RngKind kind() const { return kind_; }
  uint64_t seed() const { return seed_; }

  // The next draw, as the matched tool's randn(shape) gives it after the draws this generator
  // has already made (the first call after Create is torch.manual_seed(seed); torch.randn(shape)).
  // Only the number of elements matters, not how they are arranged in dimensions.
  tensor::Tensor Randn(const tensor::Shape& shape);
  // The same numbers for a draw of `n` elements, written to out[0, n).
  virtual void Fill(float* out, int64_t n) = 0;

 protected:
  NoiseGenerator(RngKind kind, uint64_t seed) : kind_(kind), seed_(seed) {}

 private:
  RngKind kind_;
  uint64_t seed_;
};

enum class BatchSeeding : uint8_t {
  kPerImage,      // A1111: image i has seed + i and its own generator.
  kSingleStream,  // ComfyUI: one generator with the seed draws the whole batch at once.
};

// The noise of a batch of images, [batch, image_shape...], for the initial latent and then for
// each step of an ancestral sampler, drawn from per-image generators (kept between calls, as
// A1111's ImageRNG keeps them) or from one stream.
class BatchNoise {
 public:
  BatchNoise(RngKind kind, uint64_t seed, int64_t batch, tensor::Shape image_shape,
             BatchSeeding seeding = BatchSeeding::kPerImage);

  // The seed of each image: seed + i per image; with one stream, every image has the seed (image
  // i is made again by a batch of i + 1 with it).
  const std::vector<uint64_t>& seeds() const { return seeds_; }
  // The first call gives the initial noise; each later call the next noise from the same
  // generators.
  tensor::Tensor Next();

 private:
  tensor::Shape image_shape_;
  BatchSeeding seeding_;
  std::vector<uint64_t> seeds_;
  std::vector<std::unique_ptr<NoiseGenerator>> generators_;
};

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_RNG_H_
