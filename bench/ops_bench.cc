// Compute kernels at Stable Diffusion 1.5 shapes (batch 2 = conditional + unconditional, 64x64
// latents): Linear, Conv2d and Attention with a FLOP/s counter, norms and activations with a
// bytes/s counter. Precision and weight dtype are benchmark arguments, so f32 and bf16 paths can
// be compared on the machine at hand.
//   build/bench/ops_bench [--threads=N] [--benchmark_filter=...] [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tensor/engine.h"
#include "tensor/ops.h"
#include "tensor/tensor.h"

namespace {

using depict::tensor::ComputeConfig;
using depict::tensor::DType;
using depict::tensor::Precision;
using depict::tensor::Tensor;
namespace ops = depict::tensor;

Tensor Random(const depict::tensor::Shape& shape, uint32_t seed, float scale = 1.0f) {
  Tensor t = Tensor::Zeros(shape);
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  float* p = t.f32();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

// Arguments shared by Linear and Conv2d: precision (0 f32, 1 bf16) and weight dtype (0 f32,
// 1 f16, 2 bf16).
Precision PrecisionArg(int64_t a) { return a == 1 ? Precision::kBF16 : Precision::kF32; }
DType DTypeArg(int64_t a) { return a == 1 ? DType::kF16 : (a == 2 ? DType::kBF16 : DType::kF32); }

std::string Label(int64_t precision, int64_t dtype) {
  return std::string(precision == 1 ? "bf16 compute" : "f32 compute") + ", " +
         std::string(depict::tensor::DTypeName(DTypeArg(dtype))) + " weights";
}

void SetFlops(benchmark::State& state, double flops) {
  state.counters["FLOP/s"] = benchmark::Counter(
      flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void SetBytes(benchmark::State& state, double bytes) {
  state.counters["bytes/s"] = benchmark::Counter(
      bytes, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1024);
}

// Args: M, K, N, precision, weight dtype.
void BM_Linear(benchmark::State& state) {
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  ops::SetComputeConfig(ComputeConfig{Precision::kAuto, PrecisionArg(state.range(3))});
  const Tensor x = Random({m, k}, 1);
  const Tensor w = Random({n, k}, 2, 0.05f).To(DTypeArg(state.range(4)));
  const Tensor b = Random({n}, 3);
  for (auto _ : state) benchmark::DoNotOptimize(ops::Linear(x, w, b).data());
  SetFlops(state, 2.0 * m * k * n);
  state.SetLabel(Label(state.range(3), state.range(4)));
  ops::ClearWeightCache();
}
BENCHMARK(BM_Linear)
    ->ArgNames({"M", "K", "N", "bf16", "wdt"})
    ->ArgsProduct({{4096}, {320}, {1280}, {0, 1}, {0, 1}})  // UNet 64x64 feed-forward, batch 1
    ->ArgsProduct({{8192}, {320}, {2560}, {0, 1}, {1}})     // GEGLU projection, batch 2
    ->ArgsProduct({{77}, {768}, {3072}, {0, 1}, {0, 1}})    // CLIP MLP
    ->ArgsProduct({{154}, {768}, {320}, {0, 1}, {1}})       // cross-attention K/V, batch 2
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: N, C, H, W, O, k, stride, precision, weight dtype.
void BM_Conv2d(benchmark::State& state) {
  const int64_t n = state.range(0), c = state.range(1), h = state.range(2), w = state.range(3);
  const int64_t o = state.range(4), k = state.range(5), stride = state.range(6);
  ops::SetComputeConfig(ComputeConfig{PrecisionArg(state.range(7)), Precision::kAuto});
  const Tensor x = Random({n, c, h, w}, 4);
  const Tensor wt = Random({o, c, k, k}, 5, 0.02f).To(DTypeArg(state.range(8)));
  const Tensor b = Random({o}, 6);
  const int pad = static_cast<int>(k / 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ops::Conv2d(x, wt, b, static_cast<int>(stride), pad).data());
  }
  const int64_t ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
  SetFlops(state, 2.0 * n * ho * wo * o * c * k * k);
  state.SetLabel(Label(state.range(7), state.range(8)));
  ops::ClearWeightCache();
}
BENCHMARK(BM_Conv2d)
    ->ArgNames({"N", "C", "H", "W", "O", "k", "s", "bf16", "wdt"})
    ->ArgsProduct({{2}, {320}, {64}, {64}, {320}, {3}, {1}, {0, 1}, {1}})
    ->ArgsProduct({{2}, {1280}, {8}, {8}, {1280}, {3}, {1}, {0, 1}, {1}})
    ->ArgsProduct({{2}, {640}, {32}, {32}, {640}, {3}, {1}, {0, 1}, {1}})
    ->ArgsProduct({{2}, {320}, {64}, {64}, {320}, {3}, {2}, {0, 1}, {1}})    // downsample
    ->ArgsProduct({{1}, {128}, {256}, {256}, {128}, {3}, {1}, {0, 1}, {1}})  // VAE decoder
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: B, H, Tq, Tk, D, precision of p v.
void BM_Attention(benchmark::State& state) {
  const int64_t b = state.range(0), h = state.range(1), tq = state.range(2), tk = state.range(3);
  const int64_t d = state.range(4);
  ops::SetComputeConfig(
      ComputeConfig{Precision::kAuto, Precision::kAuto, PrecisionArg(state.range(5))});
  state.SetLabel(state.range(5) == 1 ? "bf16 p v" : "f32");
  const Tensor q = Random({b, h, tq, d}, 7);
  const Tensor k = Random({b, h, tk, d}, 8);
  const Tensor v = Random({b, h, tk, d}, 9);
  for (auto _ : state) benchmark::DoNotOptimize(ops::Attention(q, k, v).data());
  SetFlops(state, 4.0 * b * h * tq * tk * d);  // two products; the softmax is not counted
}
BENCHMARK(BM_Attention)
    ->ArgNames({"B", "H", "Tq", "Tk", "D", "bf16"})
    ->ArgsProduct({{2}, {8}, {4096}, {4096}, {40}, {0, 1}})  // self-attention at 64x64
    ->ArgsProduct({{2}, {8}, {4096}, {77}, {40}, {0, 1}})    // cross-attention at 64x64
    ->ArgsProduct({{2}, {8}, {1024}, {1024}, {80}, {0, 1}})  // self-attention at 32x32
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_GroupNormSiLU(benchmark::State& state) {
  const Tensor x = Random({2, 320, 64, 64}, 10);
  const Tensor g = Random({320}, 11), b = Random({320}, 12);
  for (auto _ : state) benchmark::DoNotOptimize(ops::GroupNormSiLU(x, 32, g, b).data());
  SetBytes(state, 2.0 * static_cast<double>(x.bytes()));
}
BENCHMARK(BM_GroupNormSiLU)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LayerNorm(benchmark::State& state) {
  const Tensor x = Random({2, 4096, 320}, 13);
  const Tensor g = Random({320}, 14), b = Random({320}, 15);
  for (auto _ : state) benchmark::DoNotOptimize(ops::LayerNorm(x, g, b).data());
  SetBytes(state, 2.0 * static_cast<double>(x.bytes()));
}
BENCHMARK(BM_LayerNorm)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GEGLU(benchmark::State& state) {
  const Tensor x = Random({2, 4096, 2560}, 16);
  for (auto _ : state) benchmark::DoNotOptimize(ops::GEGLU(x).data());
  SetBytes(state, 1.5 * static_cast<double>(x.bytes()));
}
BENCHMARK(BM_GEGLU)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Permute(benchmark::State& state) {
  const Tensor x = Random({2, 320, 4096}, 17);  // [N, C, HW] -> [N, HW, C]
  for (auto _ : state) benchmark::DoNotOptimize(ops::Permute(x, {0, 2, 1}).data());
  SetBytes(state, 2.0 * static_cast<double>(x.bytes()));
}
BENCHMARK(BM_Permute)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  // --threads=N (default: all cores) is ours; the rest goes to Google Benchmark.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      ops::SetNumThreads(std::atoi(argv[i] + 10));
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::AddCustomContext("depict_threads", std::to_string(ops::NumThreads()));
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
