// The compute kernels against PyTorch references (tests/fixtures/ops, made by
// tools/make_ops_fixtures.py) and against themselves (blocked vs naive attention, one thread vs
// all, cached vs fresh weights).
//
// Tolerances: the largest absolute error over an output, divided by the output's scale (its
// largest absolute value, at least 1), must be <= 1e-4 for f32 arithmetic, F16/BF16 weights
// included (they are converted exactly); <= 1e-2 where convolutions and matmuls run in bf16
// (measured: 1.5e-3 to 4.5e-3).
#include "tensor/ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tensor/engine.h"
#include "tensor/tensor.h"
#include "tensor/thread_pool.h"

namespace depict::tensor {
namespace {

const std::string kDir = std::string(DEPICT_FIXTURES) + "/ops/";

nlohmann::json LoadManifest() {
  std::ifstream in(kDir + "manifest.json");
  if (!in) return nlohmann::json::object({{"cases", nlohmann::json::array()}});
  return nlohmann::json::parse(in);
}

const nlohmann::json& Manifest() {
  static const nlohmann::json manifest = LoadManifest();
  return manifest;
}

Tensor LoadBin(const nlohmann::json& entry) {
  const Shape shape = entry.at("shape").get<Shape>();
  Tensor t = Tensor::Zeros(shape);
  std::ifstream in(kDir + entry.at("file").get<std::string>(), std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + entry.at("file").get<std::string>());
  in.read(static_cast<char*>(t.mutable_data()), static_cast<std::streamsize>(t.bytes()));
  if (in.gcount() != static_cast<std::streamsize>(t.bytes())) {
    throw std::runtime_error("short fixture " + entry.at("file").get<std::string>());
  }
  return t;  // little-endian f32, as on every machine this builds for
}

DType ParseDType(const std::string& s) {
  if (s == "f16") return DType::kF16;
  if (s == "bf16") return DType::kBF16;
  return DType::kF32;
}

Tensor Input(const nlohmann::json& c, const std::string& name) {
  Tensor t = LoadBin(c.at("inputs").at(name));
  if (c.at("dtypes").contains(name)) t = t.To(ParseDType(c.at("dtypes").at(name)));
  return t;
}

Tensor OptionalInput(const nlohmann::json& c, const std::string& name) {
  return c.at("inputs").contains(name) ? Input(c, name) : Tensor();
}

Tensor RunCase(const nlohmann::json& c) {
  const std::string op = c.at("op");
  const nlohmann::json& p = c.at("params");
  if (op == "conv2d") {
    return Conv2d(Input(c, "x"), Input(c, "weight"), OptionalInput(c, "bias"), p.at("stride"),
                  p.at("padding"), p.at("groups"));
  }
  if (op == "linear") return Linear(Input(c, "x"), Input(c, "weight"), OptionalInput(c, "bias"));
  if (op == "batched_matmul") {
    return BatchedMatMul(Input(c, "a"), Input(c, "b"), p.at("transpose_b"), p.at("alpha"));
  }
  if (op == "attention") {
    return Attention(Input(c, "q"), Input(c, "k"), Input(c, "v"), p.at("scale"), p.at("causal"));
  }
  if (op == "group_norm" || op == "group_norm_silu") {
    auto fn = op == "group_norm" ? GroupNorm : GroupNormSiLU;
    return fn(Input(c, "x"), p.at("groups"), Input(c, "gamma"), Input(c, "beta"), p.at("eps"));
  }
  if (op == "layer_norm") {
    return LayerNorm(Input(c, "x"), Input(c, "gamma"), Input(c, "beta"), p.at("eps"));
  }
  if (op == "silu") return SiLU(Input(c, "x"));
  if (op == "gelu") return GELU(Input(c, "x"));
  if (op == "quick_gelu") return QuickGELU(Input(c, "x"));
  if (op == "softmax") return Softmax(Input(c, "x"));
  if (op == "geglu") return GEGLU(Input(c, "x"));
  if (op == "add") return Add(Input(c, "a"), Input(c, "b"));
  if (op == "mul") return Mul(Input(c, "a"), Input(c, "b"));
  if (op == "scale") return Scale(Input(c, "x"), p.at("s"));
  if (op == "add_channel_bias") return AddChannelBias(Input(c, "x"), Input(c, "bias"));
  if (op == "upsample_nearest2x") return UpsampleNearest2x(Input(c, "x"));
  if (op == "concat") {
    std::vector<Tensor> parts;
    for (int i = 0; c.at("inputs").contains("p" + std::to_string(i)); ++i) {
      parts.push_back(Input(c, "p" + std::to_string(i)));
    }
    return Concat(parts, p.at("axis"));
  }
  if (op == "permute") return Permute(Input(c, "x"), p.at("perm").get<std::vector<int>>());
  throw std::runtime_error("unknown op " + op);
}

// max |a - b| / max(1, max |b|)
double RelError(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(ShapeText(a.shape()), ShapeText(b.shape()));
  if (a.shape() != b.shape()) return 1e30;
  const float* pa = a.f32();
  const float* pb = b.f32();
  double err = 0, scale = 1;
  for (int64_t i = 0; i < a.numel(); ++i) {
    if (!std::isfinite(pa[i])) return 1e30;
    err = std::max(err, std::fabs(static_cast<double>(pa[i]) - pb[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(pb[i])));
  }
  return err / scale;
}

Tensor Random(const Shape& shape, uint32_t seed, float scale = 1.0f) {
  Tensor t = Tensor::Zeros(shape);
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  float* p = t.f32();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

// Sets the compute config for one test and restores the previous one.
class ConfigScope {
 public:
  explicit ConfigScope(Precision p) : saved_(GetComputeConfig()) {
    SetComputeConfig(ComputeConfig{p, p, p});
  }
  ~ConfigScope() { SetComputeConfig(saved_); }

 private:
  ComputeConfig saved_;
};

// All cases, or those of the ops with a bf16 path (Conv2d, Linear, Attention).
std::vector<std::string> CaseNames(bool bf16_only) {
  std::vector<std::string> names;
  for (const auto& c : Manifest().at("cases")) {
    const std::string op = c.at("op");
    if (!bf16_only || op == "conv2d" || op == "linear" || op == "attention") {
      names.push_back(c.at("name"));
    }
  }
  return names;
}

const nlohmann::json& FindCase(const std::string& name) {
  for (const auto& c : Manifest().at("cases")) {
    if (c.at("name") == name) return c;
  }
  throw std::runtime_error("no case " + name);
}

// The measured error goes into --gtest_output=xml reports, to see the margin to the bound.
void RecordError(double error) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", error);
  ::testing::Test::RecordProperty("max_rel_error", text);
}

class OpsFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(OpsFixture, MatchesTorchInF32) {
  ConfigScope f32(Precision::kF32);
  const nlohmann::json& c = FindCase(GetParam());
  const Tensor expected = LoadBin(c.at("output"));
  const Tensor got = RunCase(c);
  const double error = RelError(got, expected);
  EXPECT_LE(error, 1e-4) << c.at("op");
  RecordError(error);
}

class OpsFixtureBF16 : public ::testing::TestWithParam<std::string> {};

TEST_P(OpsFixtureBF16, MatchesTorchInBF16) {
  const nlohmann::json& c = FindCase(GetParam());
  ConfigScope bf16(Precision::kBF16);
  const Tensor expected = LoadBin(c.at("output"));
  const Tensor got = RunCase(c);
  const double error = RelError(got, expected);
  EXPECT_LE(error, 1e-2) << c.at("op");
  RecordError(error);
}

TEST_P(OpsFixtureBF16, MatchesTorchWithDefaults) {
  const nlohmann::json& c = FindCase(GetParam());
  const Tensor expected = LoadBin(c.at("output"));
  EXPECT_LE(RelError(RunCase(c), expected), 1e-2) << c.at("op");
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }
INSTANTIATE_TEST_SUITE_P(Ops, OpsFixture, ::testing::ValuesIn(CaseNames(false)), CaseName);
INSTANTIATE_TEST_SUITE_P(Ops, OpsFixtureBF16, ::testing::ValuesIn(CaseNames(true)), CaseName);

TEST(OpsFixtures, ManifestIsPresent) {
  ASSERT_GE(Manifest().at("cases").size(), 40u) << "run tools/make_ops_fixtures.py";
}

// softmax(q k^T * scale) v in double, one query at a time.
Tensor NaiveAttention(const Tensor& q, const Tensor& k, const Tensor& v, double scale) {
  const int64_t bh = q.dim(0) * q.dim(1), tq = q.dim(2), tk = k.dim(2), d = q.dim(3);
  Tensor out = Tensor::Zeros(q.shape());
  std::vector<double> s(static_cast<size_t>(tk));
  for (int64_t h = 0; h < bh; ++h) {
    for (int64_t i = 0; i < tq; ++i) {
      const float* qi = q.f32() + (h * tq + i) * d;
      double mx = -1e300;
      for (int64_t j = 0; j < tk; ++j) {
        const float* kj = k.f32() + (h * tk + j) * d;
        double dot = 0;
        for (int64_t e = 0; e < d; ++e) dot += static_cast<double>(qi[e]) * kj[e];
        s[static_cast<size_t>(j)] = dot * scale;
        mx = std::max(mx, s[static_cast<size_t>(j)]);
      }
      double sum = 0;
      for (double& x : s) sum += (x = std::exp(x - mx));
      float* o = out.f32() + (h * tq + i) * d;
      for (int64_t e = 0; e < d; ++e) {
        double acc = 0;
        for (int64_t j = 0; j < tk; ++j) {
          acc += s[static_cast<size_t>(j)] * v.f32()[(h * tk + j) * d + e];
        }
        o[e] = static_cast<float>(acc / sum);
      }
    }
  }
  return out;
}

TEST(OpsProperty, BlockedAttentionEqualsNaive) {
  // Tk = 1100 gives 112-row query blocks: four full blocks and a tail for Tq = 470.
  const Tensor q = Random({1, 2, 470, 24}, 1, 1.5f);
  const Tensor k = Random({1, 2, 1100, 24}, 2, 1.5f);
  const Tensor v = Random({1, 2, 1100, 24}, 3);
  const Tensor q8 = Scale(q, 8.0f);  // large logits: a peaked softmax
  const double scale = 1.0 / std::sqrt(24.0);
  const Tensor naive = NaiveAttention(q, k, v, scale), naive8 = NaiveAttention(q8, k, v, scale);
  {
    ConfigScope f32(Precision::kF32);
    EXPECT_LE(RelError(Attention(q, k, v), naive), 1e-5);
    EXPECT_LE(RelError(Attention(q8, k, v), naive8), 1e-4);
  }
  {
    ConfigScope bf16(Precision::kBF16);
    EXPECT_LE(RelError(Attention(q, k, v), naive), 1e-2);
    EXPECT_LE(RelError(Attention(q8, k, v), naive8), 1e-2);
  }
}

TEST(OpsProperty, AttentionEqualsComposedOps) {
  // The same attention built from BatchedMatMul and Softmax.
  ConfigScope f32(Precision::kF32);
  const Tensor q = Random({2, 3, 50, 16}, 4);
  const Tensor k = Random({2, 3, 33, 16}, 5);
  const Tensor v = Random({2, 3, 33, 16}, 6);
  const Tensor s =
      Softmax(BatchedMatMul(q.Reshaped({6, 50, 16}), k.Reshaped({6, 33, 16}), true, 0.25f));
  const Tensor expected = BatchedMatMul(s, v.Reshaped({6, 33, 16})).Reshaped({2, 3, 50, 16});
  EXPECT_LE(RelError(Attention(q, k, v), expected), 1e-5);
}

class ThreadsScope {
 public:
  explicit ThreadsScope(int n) : saved_(NumThreads()) { SetNumThreads(n); }
  ~ThreadsScope() { SetNumThreads(saved_); }

 private:
  int saved_;
};

TEST(OpsProperty, CachedPrimitivesTellCloseScalesApart) {
  // Scales equal to 6 decimals must still get their own primitives.
  const Tensor a = Random({1, 4, 8}, 90), b = Random({1, 8, 4}, 91);
  const Tensor y1 = BatchedMatMul(a, b, false, 0.1234561f);
  const Tensor y2 = BatchedMatMul(a, b, false, 0.1234564f);
  EXPECT_LE(RelError(Scale(y1, 0.1234564f / 0.1234561f), y2), 1e-6);
  EXPECT_GT(RelError(y1, y2), 1e-7);
}

TEST(OpsProperty, OneThreadMatchesAllThreads) {
  ConfigScope f32(Precision::kF32);
  const Tensor x = Random({2, 64, 24, 20}, 7);
  const Tensor w = Random({96, 64, 3, 3}, 8, 0.05f);
  const Tensor b = Random({96}, 9);
  const Tensor tokens = Random({2, 300, 160}, 10);
  const Tensor lw = Random({200, 160}, 11, 0.1f);
  const Tensor lw16 = lw.To(DType::kF16);
  const Tensor q = Random({1, 4, 200, 40}, 12);
  const Tensor kv = Random({1, 4, 700, 40}, 13);
  const Tensor gamma = Random({64}, 14), beta = Random({64}, 15);
  const Tensor g160 = Random({160}, 16), b160 = Random({160}, 17);
  auto run = [&] {
    std::vector<Tensor> r;
    r.push_back(Conv2d(x, w, b, 1, 1));
    r.push_back(Conv2d(x, w, b, 2, 1));
    r.push_back(Linear(tokens, lw));
    r.push_back(Linear(tokens, lw16));
    r.push_back(Attention(q, kv, kv));
    r.push_back(GroupNormSiLU(x, 32, gamma, beta));
    r.push_back(LayerNorm(tokens, g160, b160));
    r.push_back(Softmax(tokens));
    r.push_back(GEGLU(tokens));
    r.push_back(Permute(tokens.Reshaped({2, 300, 8, 20}), {0, 2, 1, 3}));
    return r;
  };
  std::vector<Tensor> one, all;
  {
    ThreadsScope t(1);
    EXPECT_EQ(NumThreads(), 1);
    one = run();
  }
  {
    ThreadsScope t(0);
    all = run();
  }
  ASSERT_EQ(one.size(), all.size());
  for (size_t i = 0; i < one.size(); ++i) EXPECT_LE(RelError(all[i], one[i]), 1e-6) << "op " << i;
}

TEST(OpsProperty, OpsRunConcurrentlyFromSeveralThreads) {
  // Each primitive gets its scratchpad from the calling thread, so callers may overlap.
  ConfigScope f32(Precision::kF32);
  const Tensor x = Random({1, 32, 16, 16}, 80);
  const Tensor w = Random({32, 32, 3, 3}, 81, 0.05f).To(DType::kF16);
  const Tensor tokens = Random({77, 128}, 82);
  const Tensor lw = Random({256, 128}, 83, 0.1f).To(DType::kBF16);
  const Tensor q = Random({1, 2, 300, 32}, 84);
  const Tensor kv = Random({1, 2, 500, 32}, 85);
  auto run = [&] {
    return std::vector<Tensor>{Conv2d(x, w, Tensor(), 1, 1), Linear(tokens, lw),
                               Attention(q, kv, kv), Softmax(tokens), SiLU(tokens)};
  };
  const std::vector<Tensor> expected = run();
  std::vector<std::vector<Tensor>> got(3);
  std::vector<std::thread> threads;
  for (auto& g : got) {
    threads.emplace_back([&g, &run] {
      for (int i = 0; i < 3; ++i) g = run();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& g : got) {
    for (size_t i = 0; i < expected.size(); ++i) EXPECT_LE(RelError(g[i], expected[i]), 1e-6) << i;
  }
}

TEST(OpsProperty, ConvWeightsAreCachedOnceAndCanBeForgotten) {
  ConfigScope f32(Precision::kF32);
  const Tensor x = Random({1, 16, 10, 10}, 20);
  Tensor w = Random({8, 16, 3, 3}, 21, 0.1f).To(DType::kF16);
  const Tensor b = Random({8}, 22);
  const size_t before = WeightCacheBytes();
  const Tensor y1 = Conv2d(x, w, b, 1, 1);
  const size_t after_first = WeightCacheBytes();
  EXPECT_GT(after_first, before);
  const Tensor y2 = Conv2d(x, w, b, 1, 1);
  EXPECT_EQ(WeightCacheBytes(), after_first);  // no second reorder
  EXPECT_EQ(RelError(y2, y1), 0.0);
  // Change the weight in place (as a LoRA merge would); after ForgetWeights the new values count.
  auto* bits = static_cast<uint16_t*>(w.mutable_data());
  for (int64_t i = 0; i < w.numel(); ++i) bits[i] = FloatToHalf(-HalfToFloat(bits[i]));
  ForgetWeights(w);
  EXPECT_EQ(WeightCacheBytes(), before);
  const Tensor y3 = Conv2d(x, w, b, 1, 1);
  const Tensor y3_ref = Conv2d(x, w.To(DType::kF32), b, 1, 1);
  EXPECT_LE(RelError(y3, y3_ref), 1e-6);
  EXPECT_GT(RelError(y3, y1), 1e-2);
  ClearWeightCache();
  EXPECT_EQ(WeightCacheBytes(), 0u);
}

TEST(OpsProperty, WeightCacheKeepsToItsLimit) {
  ConfigScope f32(Precision::kF32);
  ClearWeightCache();
  const Tensor x = Random({1, 8, 6, 6}, 23);
  const Tensor w1 = Random({8, 8, 3, 3}, 24).To(DType::kBF16);
  const Tensor w2 = Random({8, 8, 3, 3}, 25).To(DType::kBF16);
  const Tensor y1 = Conv2d(x, w1, Tensor(), 1, 1);
  const size_t one = WeightCacheBytes();
  ASSERT_GT(one, 0u);
  SetWeightCacheLimit(one);  // room for one prepared weight: the older one goes
  const Tensor y2 = Conv2d(x, w2, Tensor(), 1, 1);
  EXPECT_EQ(WeightCacheBytes(), one);
  EXPECT_EQ(RelError(Conv2d(x, w1, Tensor(), 1, 1), y1), 0.0);  // prepared again, same result
  EXPECT_EQ(WeightCacheBytes(), one);
  SetWeightCacheLimit(0);  // a zero limit empties the cache
  EXPECT_EQ(WeightCacheBytes(), 0u);
  SetWeightCacheLimit(size_t{4} << 30);
  EXPECT_EQ(RelError(Conv2d(x, w2, Tensor(), 1, 1), y2), 0.0);
  ClearWeightCache();
}

TEST(OpsProperty, LinearWeightPathsAgree) {
  // A weight in the compute dtype is read in place; in another dtype it is converted per call
  // (many rows) or once into a cached copy (few rows). All must give the same product.
  const Tensor w = Random({48, 64}, 30, 0.1f).To(DType::kBF16);  // exact in f16, bf16 and f32
  const Tensor w16 = w.To(DType::kF16), w32 = w.To(DType::kF32);
  for (Precision p : {Precision::kF32, Precision::kBF16}) {
    ConfigScope scope(p);
    for (int64_t rows : {5, 77, 256, 600}) {
      const Tensor x = Random({rows, 64}, 31);
      const Tensor reference = Linear(x, p == Precision::kF32 ? w32 : w);  // read in place
      EXPECT_LE(RelError(Linear(x, w16), reference), 1e-6) << rows << " rows";
      EXPECT_LE(RelError(Linear(x, w32), reference), 1e-6) << rows << " rows";
      EXPECT_LE(RelError(Linear(x, w), reference), 1e-6) << rows << " rows";
    }
  }
  ClearWeightCache();
}

TEST(OpsProperty, ActivationsInPlaceMatch) {
  Tensor x = Random({3, 1000}, 40, 3.0f);
  const Tensor silu = SiLU(x), gelu = GELU(x);
  Tensor y = Scale(x, 1.0f);
  SiLUInPlace(y);
  EXPECT_EQ(RelError(y, silu), 0.0);
  y = Scale(x, 1.0f);
  GELUInPlace(y);
  EXPECT_EQ(RelError(y, gelu), 0.0);
  Tensor a = Scale(x, 2.0f);
  AddInPlace(a, x);
  EXPECT_LE(RelError(a, Scale(x, 3.0f)), 1e-6);
  ScaleInPlace(a, 0.5f);
  EXPECT_LE(RelError(a, Scale(x, 1.5f)), 1e-6);
  // The fused GroupNormSiLU equals GroupNorm then SiLU.
  const Tensor img = Random({2, 32, 9, 9}, 41, 2.0f);
  const Tensor gamma = Random({32}, 42), beta = Random({32}, 43);
  EXPECT_LE(RelError(GroupNormSiLU(img, 8, gamma, beta), SiLU(GroupNorm(img, 8, gamma, beta))),
            1e-5);
}

TEST(OpsProperty, PermuteRoundTripsAnyDType) {
  const Tensor x = Random({2, 5, 3, 7}, 50);
  for (DType dt : {DType::kF32, DType::kF16, DType::kBF16}) {
    const Tensor t = x.To(dt);
    const Tensor p = Permute(t, {0, 2, 1, 3});
    EXPECT_EQ(ShapeText(p.shape()), "[2, 3, 5, 7]");
    EXPECT_EQ(p.dtype(), dt);
    const Tensor back = Permute(p, {0, 2, 1, 3});
    EXPECT_EQ(std::memcmp(back.data(), t.data(), t.bytes()), 0);
  }
  const Tensor nchw = Random({2, 4, 3, 5}, 51);
  const Tensor nhwc = Permute(nchw, {0, 2, 3, 1});
  EXPECT_EQ(nhwc.f32()[(((1 * 3 + 2) * 5 + 4) * 4) + 3], nchw.f32()[((1 * 4 + 3) * 3 + 2) * 5 + 4]);
}

TEST(OpsProperty, ShapeErrorsThrow) {
  const Tensor x = Random({1, 4, 5, 5}, 60);
  EXPECT_THROW(Conv2d(x, Random({3, 5, 3, 3}, 61), Tensor()), ShapeError);
  EXPECT_THROW(Conv2d(x, Random({3, 4, 3, 3}, 61), Random({4}, 62)), ShapeError);
  EXPECT_THROW(Conv2d(x, Random({3, 2, 3, 3}, 61), Tensor(), 1, 0, 3), ShapeError);
  EXPECT_THROW(Linear(Random({3, 7}, 63), Random({5, 6}, 64)), ShapeError);
  EXPECT_THROW(BatchedMatMul(Random({2, 3, 4}, 65), Random({2, 5, 6}, 66)), ShapeError);
  EXPECT_THROW(
      Attention(Random({1, 2, 3, 4}, 67), Random({1, 2, 5, 8}, 68), Random({1, 2, 5, 8}, 69)),
      ShapeError);
  EXPECT_THROW(GroupNorm(x, 3, Random({4}, 70), Random({4}, 71)), ShapeError);
  EXPECT_THROW(Add(x, Random({1, 4, 5, 4}, 72)), ShapeError);
  EXPECT_THROW(GEGLU(Random({2, 5}, 73)), ShapeError);
  EXPECT_THROW(Concat({x, Random({1, 4, 5, 4}, 74)}, 1), ShapeError);
  EXPECT_THROW(Permute(x, {0, 1, 1, 2}), ShapeError);
  EXPECT_THROW(SiLU(x.To(DType::kF16)), ShapeError);  // activations are f32
  // Default-constructed tensors have no buffer: an error, not a crash.
  EXPECT_THROW(Add(Tensor(), Tensor()), ShapeError);
  EXPECT_THROW(Scale(Tensor(), 2.0f), ShapeError);
  EXPECT_THROW(Permute(Tensor(), {}), ShapeError);
  EXPECT_THROW(Concat({Tensor()}, 0), ShapeError);
  EXPECT_THROW(Softmax(Tensor()), ShapeError);
}

TEST(OpsThreadPool, CoversEveryIndexOnceAndRethrows) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(1001);
  pool.ParallelFor(1001, 10, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
  });
  for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
  EXPECT_THROW(pool.ParallelFor(100, 1,
                                [](int64_t b, int64_t) {
                                  if (b > 0) throw std::runtime_error("boom");
                                }),
               std::runtime_error);
  // Nested loops run inline rather than deadlock.
  std::atomic<int> total{0};
  pool.ParallelFor(4, 1, [&](int64_t b, int64_t e) {
    pool.ParallelFor(
        10, 1, [&](int64_t b2, int64_t e2) { total += static_cast<int>((e - b) * (e2 - b2)); });
  });
  EXPECT_EQ(total.load(), 40);
}

// --threads 100000 aborted on an uncaught std::system_error and -1 was accepted.
TEST(OpsProperty, ThreadCountsOutOfRangeAreRefusedAndKeepTheSetting) {
  const int before = NumThreads();
  EXPECT_GE(MaxThreads(), 4);
  EXPECT_LE(MaxThreads(), 1024);
  EXPECT_THROW(SetNumThreads(-1), std::invalid_argument);
  EXPECT_THROW(SetNumThreads(100000), std::invalid_argument);
  EXPECT_THROW(SetNumThreads(MaxThreads() + 1), std::invalid_argument);
  EXPECT_EQ(NumThreads(), before);
  {
    ThreadsScope t(MaxThreads());
    EXPECT_EQ(NumThreads(), MaxThreads());
  }
  EXPECT_EQ(NumThreads(), before);
}

}  // namespace
}  // namespace depict::tensor
