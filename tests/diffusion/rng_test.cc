#include "diffusion/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace depict::diffusion {
namespace {

using tensor::Shape;
using tensor::Tensor;

// Reference noise written by tools/make_rng_fixtures.py from the tools themselves: torch
// 1.13.1 and 2.15.0 on the CPU (both kernels) and A1111's modules/rng_philox.py.
//
// Tolerances. Every value must be within 1e-6 of the reference (absolute; the values are below
// 6 in magnitude, where a float32 step is at most 4.8e-7, so this allows about two units in the
// last place), and sums within 1e-6 per value. On top of that:
// - "cpu" draws of 16 or more values must be bit-identical (same FNV hash): they are pure IEEE
//   float arithmetic (Cephes polynomials, fma, sqrt), the same on every machine.
// - Draws that go through a C library's log/sin/cos ("cpu" below 16 values, in double then
//   rounded to float; "cpu-generic" in float; "philox" in double, where numpy may use its own
//   SIMD log and sin) match bit for bit with glibc, but another libm may round a value
//   differently by one unit; the test asks for the hash only where the values all match.
constexpr double kTolerance = 1e-6;

nlohmann::json ReadJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return nlohmann::json::parse(in);
}

std::vector<std::filesystem::path> FixtureFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(DEPICT_FIXTURES) / "rng")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

uint64_t Fnv1a64(const float* values, int64_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = std::bit_cast<uint32_t>(values[i]);
    for (int b = 0; b < 4; ++b) {
      h ^= (bits >> (8 * b)) & 0xFF;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

std::string Hex(uint64_t v) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(v));
  return buffer;
}

struct DrawCheck {
  int64_t values = 0;
  int64_t exact = 0;
};

// Compares one draw with its record; returns how many of the recorded values were bit-exact.
DrawCheck CheckDraw(const Tensor& t, const nlohmann::json& want, RngKind kind,
                    const std::string& where) {
  DrawCheck check;
  EXPECT_EQ(t.shape(), want["shape"].get<Shape>()) << where;
  const float* v = t.f32();
  const int64_t n = t.numel();
  auto compare = [&](int64_t i, double expected) {
    EXPECT_NEAR(v[i], expected, kTolerance) << where << " value " << i;
    ++check.values;
    if (v[i] == static_cast<float>(expected)) ++check.exact;
  };
  const auto& first = want["first"];
  EXPECT_EQ(static_cast<int64_t>(first.size()), std::min<int64_t>(n, 256)) << where;
  for (size_t i = 0; i < first.size() && static_cast<int64_t>(i) < n; ++i) {
    compare(static_cast<int64_t>(i), first[i].get<double>());
  }
  if (want.contains("sample")) {
    const int64_t stride = want["stride"].get<int64_t>();
    const auto& sample = want["sample"];
    for (size_t k = 0; k < sample.size(); ++k) {
      const int64_t i = 256 + static_cast<int64_t>(k) * stride;
      if (i >= n) {
        ADD_FAILURE() << where << ": sample index " << i << " past the end";
        break;
      }
      compare(i, sample[k].get<double>());
    }
  }
  double sum = 0;
  double sum_sq = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum += v[i];
    sum_sq += static_cast<double>(v[i]) * v[i];
  }
  EXPECT_NEAR(sum, want["sum"].get<double>(), kTolerance * static_cast<double>(n)) << where;
  EXPECT_NEAR(sum_sq, want["sum_sq"].get<double>(), 10 * kTolerance * static_cast<double>(n))
      << where;
  const std::string hash = Hex(Fnv1a64(v, n));
  if ((kind == RngKind::kCpu && n >= 16) || check.exact == check.values) {
    EXPECT_EQ(hash, want["fnv1a64"].get<std::string>()) << where << ": not bit-identical";
  }
  return check;
}

TEST(RngFixtureTest, MatchesReferenceNoise) {
  const auto files = FixtureFiles();
  std::set<std::string> generators;
  for (const auto& path : files) {
    const nlohmann::json fixture = ReadJson(path);
    const std::string name = fixture["generator"].get<std::string>();
    generators.insert(name);
    const RngKind kind = ParseRngKind(name);
    DrawCheck total;
    int draws = 0;
    for (const auto& c : fixture["cases"]) {
      const uint64_t seed = c["seed"].get<uint64_t>();
      const std::string where = path.filename().string() + " seed " + std::to_string(seed);
      std::vector<Tensor> got;
      if (c.contains("batch")) {
        const BatchSeeding seeding =
            c["seeding"] == "per_image" ? BatchSeeding::kPerImage : BatchSeeding::kSingleStream;
        BatchNoise batch(kind, seed, c["batch"].get<int64_t>(), c["image_shape"].get<Shape>(),
                         seeding);
        for (size_t i = 0; i < c["draws"].size(); ++i) got.push_back(batch.Next());
      } else {
        auto generator = NoiseGenerator::Create(kind, seed);
        for (const auto& d : c["draws"]) got.push_back(generator->Randn(d["shape"].get<Shape>()));
      }
      for (size_t i = 0; i < got.size(); ++i) {
        const std::string at = where + (c.contains("batch") ? " batch " : " ") +
                               tensor::ShapeText(got[i].shape()) + " draw " + std::to_string(i);
        const DrawCheck check = CheckDraw(got[i], c["draws"][i], kind, at);
        total.values += check.values;
        total.exact += check.exact;
        ++draws;
      }
    }
    EXPECT_GT(draws, 50) << path;
    std::printf("%s: %d draws, %lld of %lld recorded values bit-exact\n",
                path.filename().string().c_str(), draws, static_cast<long long>(total.exact),
                static_cast<long long>(total.values));
  }
  EXPECT_EQ(generators, (std::set<std::string>{"cpu", "cpu-generic", "philox"}));
}

// The first values of torch.randn(3, 4) on CUDA with seed 0 as A1111's rng_philox.py quotes
// them: the numpy imitation (and so depict) is within a few 1e-7 of the GPU's float intrinsics.
TEST(RngTest, PhiloxIsCloseToTorchCuda) {
  const float cuda[12] = {-0.92466259f, -0.42534415f, -2.6438457f,  0.14518388f,
                          -0.12086647f, -0.57972564f, -0.62285122f, -0.32838709f,
                          -1.07454231f, -0.36314407f, -1.67105067f, 2.26550497f};
  const Tensor t = NoiseGenerator::Create("philox", 0)->Randn({3, 4});
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(t.f32()[i], cuda[i], 1e-6) << i;
}

// torch.manual_seed(0); torch.randn(4) and torch.randn(16) on the CPU, widely quoted values.
TEST(RngTest, CpuKnownValues) {
  const Tensor small = NoiseGenerator::Create("cpu", 0)->Randn({4});
  const float want_small[4] = {1.5409961f, -0.2934289f, -2.1787894f, 0.56843126f};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(small.f32()[i], want_small[i]) << i;
  const Tensor large = NoiseGenerator::Create("cpu", 0)->Randn({1, 4, 64, 64});
  EXPECT_FLOAT_EQ(large.f32()[0], -1.1258398f);
  EXPECT_FLOAT_EQ(large.f32()[1], -1.1523602f);
}

const RngKind kKinds[] = {RngKind::kCpu, RngKind::kCpuGeneric, RngKind::kPhilox};

bool Same(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::equal(a.f32(), a.f32() + a.numel(), b.f32(), [](float x, float y) {
           return std::bit_cast<uint32_t>(x) == std::bit_cast<uint32_t>(y);
         });
}

TEST(RngTest, Deterministic) {
  for (RngKind kind : kKinds) {
    for (const Shape& shape : {Shape{1, 4, 64, 64}, Shape{7}, Shape{17}}) {
      auto a = NoiseGenerator::Create(kind, 1234);
      auto b = NoiseGenerator::Create(kind, 1234);
      for (int draw = 0; draw < 3; ++draw) {
        EXPECT_TRUE(Same(a->Randn(shape), b->Randn(shape)))
            << RngKindName(kind) << " " << tensor::ShapeText(shape) << " draw " << draw;
      }
    }
  }
}

TEST(RngTest, DifferentSeedsAndDrawsDiffer) {
  for (RngKind kind : kKinds) {
    const Shape shape{1, 4, 16, 16};
    auto a = NoiseGenerator::Create(kind, 0);
    const Tensor first = a->Randn(shape);
    EXPECT_FALSE(Same(first, a->Randn(shape))) << RngKindName(kind) << ": second draw";
    for (uint64_t seed : {uint64_t{1}, uint64_t{42}, uint64_t{4294967295}}) {
      const Tensor other = NoiseGenerator::Create(kind, seed)->Randn(shape);
      int equal = 0;
      for (int64_t i = 0; i < other.numel(); ++i) equal += other.f32()[i] == first.f32()[i];
      EXPECT_LT(equal, 2) << RngKindName(kind) << " seed " << seed;
    }
  }
}

// torch seeds its CPU generator with the low 32 bits; philox keys with all 64.
TEST(RngTest, SeedsAboveTwoToThe32) {
  const uint64_t big = (uint64_t{1} << 32) + 5;
  EXPECT_TRUE(Same(NoiseGenerator::Create("cpu", big)->Randn({64}),
                   NoiseGenerator::Create("cpu", 5)->Randn({64})));
  EXPECT_FALSE(Same(NoiseGenerator::Create("philox", big)->Randn({64}),
                    NoiseGenerator::Create("philox", 5)->Randn({64})));
}

TEST(RngTest, OnlyTheNumberOfElementsMatters) {
  for (RngKind kind : kKinds) {
    const Tensor a = NoiseGenerator::Create(kind, 9)->Randn({2, 4, 8, 8});
    const Tensor b = NoiseGenerator::Create(kind, 9)->Randn({512});
    EXPECT_TRUE(std::equal(a.f32(), a.f32() + 512, b.f32())) << RngKindName(kind);
    std::vector<float> c(512);
    NoiseGenerator::Create(kind, 9)->Fill(c.data(), 512);
    EXPECT_TRUE(std::equal(c.begin(), c.end(), b.f32())) << RngKindName(kind);
  }
}

// torch's two paths: at 16 values and more, blocks of 16 (the last one redrawn when 16 does
// not divide the size); below 16, pairs with the second value kept for the next call.
TEST(RngTest, CpuPathsAndCache) {
  auto g = NoiseGenerator::Create("cpu", 3);
  const Tensor seven = g->Randn({7});   // 4 pairs: the 8th value stays cached
  const Tensor block = g->Randn({16});  // does not touch the cache
  const Tensor one = g->Randn({1});     // the cached value
  auto h = NoiseGenerator::Create("cpu", 3);
  const Tensor eight = h->Randn({8});
  EXPECT_TRUE(std::equal(seven.f32(), seven.f32() + 7, eight.f32()));
  EXPECT_EQ(one.f32()[0], eight.f32()[7]);
  // h has consumed the same 16 32-bit draws as g before its 16-value block.
  EXPECT_TRUE(Same(block, h->Randn({16})));

  // n = 17: element 0 from the first block, elements 1..16 from a block of 16 fresh uniforms.
  const Tensor seventeen = NoiseGenerator::Create("cpu", 11)->Randn({17});
  const Tensor sixteen = NoiseGenerator::Create("cpu", 11)->Randn({16});
  EXPECT_EQ(seventeen.f32()[0], sixteen.f32()[0]);
  EXPECT_NE(seventeen.f32()[1], sixteen.f32()[1]);
}

TEST(RngTest, EmptyDraws) {
  for (RngKind kind : {RngKind::kCpu, RngKind::kCpuGeneric}) {
    auto g = NoiseGenerator::Create(kind, 5);
    EXPECT_EQ(g->Randn({0}).numel(), 0);
    EXPECT_EQ(g->Randn({2, 0, 3}).numel(), 0);
    EXPECT_TRUE(Same(g->Randn({20}), NoiseGenerator::Create(kind, 5)->Randn({20})));
  }
  // Philox counts calls, as rng_philox.py does, empty ones included.
  auto p = NoiseGenerator::Create("philox", 5);
  p->Randn({0});
  auto q = NoiseGenerator::Create("philox", 5);
  q->Randn({3});
  EXPECT_TRUE(Same(p->Randn({20}), q->Randn({20})));
}

TEST(RngTest, LooksNormal) {
  for (RngKind kind : kKinds) {
    const Tensor t = NoiseGenerator::Create(kind, 77)->Randn({4, 128, 128});
    double sum = 0;
    double sum_sq = 0;
    float largest = 0;
    for (int64_t i = 0; i < t.numel(); ++i) {
      ASSERT_TRUE(std::isfinite(t.f32()[i]));
      sum += t.f32()[i];
      sum_sq += static_cast<double>(t.f32()[i]) * t.f32()[i];
      largest = std::max(largest, std::fabs(t.f32()[i]));
    }
    const double n = static_cast<double>(t.numel());
    EXPECT_NEAR(sum / n, 0.0, 0.02) << RngKindName(kind);
    EXPECT_NEAR(sum_sq / n, 1.0, 0.02) << RngKindName(kind);
    EXPECT_LT(largest, 6.5f) << RngKindName(kind);
  }
}

// The two CPU kernels differ in the last bits only.
TEST(RngTest, CpuKernelsAgreeClosely) {
  const Tensor a = NoiseGenerator::Create("cpu", 2024)->Randn({4, 64, 64});
  const Tensor b = NoiseGenerator::Create("cpu-generic", 2024)->Randn({4, 64, 64});
  float worst = 0;
  int64_t different = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    worst = std::max(worst, std::fabs(a.f32()[i] - b.f32()[i]));
    different += a.f32()[i] != b.f32()[i];
  }
  EXPECT_LT(worst, 5e-6f);
  EXPECT_GT(different, 0);
}

TEST(RngBatchTest, PerImageSeedsAsA1111) {
  for (RngKind kind : kKinds) {
    const Shape image{4, 8, 8};
    BatchNoise batch(kind, 100, 3, image);
    EXPECT_EQ(batch.seeds(), (std::vector<uint64_t>{100, 101, 102}));
    const Tensor first = batch.Next();
    const Tensor second = batch.Next();
    EXPECT_EQ(first.shape(), (Shape{3, 4, 8, 8}));
    for (int i = 0; i < 3; ++i) {
      // Image i is what a batch of one with seed 100 + i gets, draw after draw.
      auto alone = NoiseGenerator::Create(kind, 100 + i);
      const Tensor a = alone->Randn(image);
      const Tensor b = alone->Randn(image);
      EXPECT_TRUE(std::equal(a.f32(), a.f32() + 256, first.f32() + i * 256)) << i;
      EXPECT_TRUE(std::equal(b.f32(), b.f32() + 256, second.f32() + i * 256)) << i;
      BatchNoise single(kind, 100 + i, 1, image);
      EXPECT_TRUE(std::equal(a.f32(), a.f32() + 256, single.Next().f32())) << i;
    }
  }
}

TEST(RngBatchTest, SingleStreamAsComfyUi) {
  for (RngKind kind : kKinds) {
    BatchNoise batch(kind, 8, 2, {4, 8, 8}, BatchSeeding::kSingleStream);
    EXPECT_EQ(batch.seeds(), (std::vector<uint64_t>{8, 8}));
    auto g = NoiseGenerator::Create(kind, 8);
    EXPECT_TRUE(Same(batch.Next(), g->Randn({2, 4, 8, 8})));
    EXPECT_TRUE(Same(batch.Next(), g->Randn({2, 4, 8, 8})));
  }
  // With "cpu" and 16 dividing the image size, image i of one stream is the i-th draw.
  BatchNoise batch(RngKind::kCpu, 8, 2, {4, 8, 8}, BatchSeeding::kSingleStream);
  const Tensor both = batch.Next();
  auto g = NoiseGenerator::Create("cpu", 8);
  const Tensor a = g->Randn({4, 8, 8});
  const Tensor b = g->Randn({4, 8, 8});
  EXPECT_TRUE(std::equal(a.f32(), a.f32() + 256, both.f32()));
  EXPECT_TRUE(std::equal(b.f32(), b.f32() + 256, both.f32() + 256));
}

TEST(RngBatchTest, SeedsWrapAndBadBatches) {
  EXPECT_EQ(ImageSeed(std::numeric_limits<uint64_t>::max(), 2), 1u);
  EXPECT_EQ(ImageSeed(4294967295, 1), 4294967296u);
  EXPECT_THROW(BatchNoise(RngKind::kCpu, 0, 0, {4, 8, 8}), std::invalid_argument);
  EXPECT_THROW(BatchNoise(RngKind::kCpu, 0, 1, {4, -1, 8}), tensor::ShapeError);
}

TEST(RngSeedTest, ParseAndResolve) {
  EXPECT_EQ(ParseSeed("0").value, 0u);
  EXPECT_FALSE(ParseSeed("0").random);
  EXPECT_EQ(ParseSeed("4294967295").value, 4294967295u);
  EXPECT_EQ(ParseSeed("18446744073709551615").value, std::numeric_limits<uint64_t>::max());
  for (const char* bad : {"", "-2", "+1", " 1", "1 ", "1e3", "abc", "18446744073709551616", "-"}) {
    EXPECT_THROW(ParseSeed(bad), std::invalid_argument) << "'" << bad << "'";
  }
  std::set<uint64_t> drawn;
  for (int i = 0; i < 20; ++i) {
    const Seed s = ParseSeed("-1");
    EXPECT_TRUE(s.random);
    EXPECT_LT(s.value, kRandomSeedLimit);
    drawn.insert(s.value);
  }
  EXPECT_GT(drawn.size(), 15u);
  EXPECT_TRUE(ResolveSeed(-1).random);
  EXPECT_LT(ResolveSeed(-1).value, kRandomSeedLimit);
  EXPECT_EQ(ResolveSeed(42).value, 42u);
  EXPECT_FALSE(ResolveSeed(42).random);
  EXPECT_THROW(ResolveSeed(-5), std::invalid_argument);
}

TEST(RngSeedTest, Names) {
  for (RngKind kind : kKinds) EXPECT_EQ(ParseRngKind(RngKindName(kind)), kind);
  EXPECT_THROW(ParseRngKind("gpu"), std::invalid_argument);
  EXPECT_THROW(NoiseGenerator::Create("CPU", 0), std::invalid_argument);
  EXPECT_EQ(NoiseGenerator::Create("philox", 7)->seed(), 7u);
  EXPECT_EQ(NoiseGenerator::Create("cpu-generic", 7)->kind(), RngKind::kCpuGeneric);
}

}  // namespace
}  // namespace depict::diffusion
