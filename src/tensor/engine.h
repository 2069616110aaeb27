// Where the compute runs: thread count, compute precision and the caches of prepared weights.
// Shared by every op in ops.h; the oneDNN objects themselves stay in engine_internal.h.
#ifndef DEPICT_TENSOR_ENGINE_H_
#define DEPICT_TENSOR_ENGINE_H_

#include <cstddef>

#include "tensor/tensor.h"

namespace depict::tensor {

// Threads for oneDNN primitives and for our own kernels: 1..MaxThreads(), or 0 for all cores
// (the default). oneDNN 2.6 on Debian uses OpenMP (libgomp): its thread count is a per-thread
// OpenMP setting, so each op re-applies it on the calling thread when it changed. Throws
// std::invalid_argument for a count out of range and std::system_error when the system cannot
// start that many threads; either way the previous setting stays.
void SetNumThreads(int n);
int NumThreads();
// The most threads SetNumThreads takes: 4 per hardware thread (more only adds switching), and
// never more than 1024, so a typo cannot ask the system for 100,000 threads.
int MaxThreads();

// Arithmetic used by the ops that multiply by weights. kBF16 rounds activations and weights to
// bfloat16 and accumulates in f32 (oneDNN's avx512_core_bf16 kernels): twice the speed of f32
// on the target machine, with errors up to ~5e-3 of an output's scale. kAuto is bf16 on CPUs
// with native bf16 dot products and f32 elsewhere (measurements in ops_policy.cc). Set kF32 to
// compare against f32 references.
enum class Precision { kAuto, kF32, kBF16 };

struct ComputeConfig {
  Precision conv = Precision::kAuto;       // Conv2d
  Precision linear = Precision::kAuto;     // Linear
  Precision attention = Precision::kAuto;  // Attention's two products (softmax stays f32)
};

void SetComputeConfig(const ComputeConfig& config);
ComputeConfig GetComputeConfig();

// Conv2d keeps every weight reordered into the layout and dtype its primitive asked for, Linear
// only weights of products with few rows (ops_matmul.cc: kConvertPerCallMinRows), keyed by the
// weight tensor's data pointer, dtype and shape. A cache rather than prepared handles, so that
// model code stays plain Conv2d(x, w, b) calls. An entry holds a reference to its source tensor,
// so the pointer cannot be reused by another tensor while the entry lives; the least recently
// used entries go beyond a byte limit (default 4 GiB, a few times SD 1.5's prepared weights),
// which also bounds the cost of passing a fresh temporary weight on every call. Call
// ForgetWeights() after changing a weight buffer in place (merging a LoRA), ClearWeightCache()
// when unloading a model.
void ForgetWeights(const Tensor& weight);
void ClearWeightCache();
size_t WeightCacheBytes();
void SetWeightCacheLimit(size_t bytes);

}  // namespace depict::tensor

#endif  // DEPICT_TENSOR_ENGINE_H_
