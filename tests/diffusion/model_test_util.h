// Helpers shared by the model tests (text encoder, UNet, VAE, pipeline): float32 compute for
// comparisons with float32 references, element-wise differences, and checkpoints rewritten with
// one tensor removed or replaced.
#ifndef DEPICT_TESTS_DIFFUSION_MODEL_TEST_UTIL_H_
#define DEPICT_TESTS_DIFFUSION_MODEL_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tensor/engine.h"
#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::testing {

// Float32 products while it lives (the references run in float32; bf16 would differ by ~1e-2),
// then the previous setting again.
class ScopedF32Compute {
 public:
  ScopedF32Compute() : saved_(tensor::GetComputeConfig()) {
    tensor::SetComputeConfig(
        {tensor::Precision::kF32, tensor::Precision::kF32, tensor::Precision::kF32});
  }
  ~ScopedF32Compute() { tensor::SetComputeConfig(saved_); }
  ScopedF32Compute(const ScopedF32Compute&) = delete;
  ScopedF32Compute& operator=(const ScopedF32Compute&) = delete;

 private:
  tensor::ComputeConfig saved_;
};

// The largest |a - b| over two f32 tensors of one shape (infinity, and a failure, otherwise).
inline float MaxAbsDiff(const tensor::Tensor& a, const tensor::Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return INFINITY;
  float m = 0.0f;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, std::fabs(a.f32()[i] - b.f32()[i]));
  return m;
}

// Rewrites `source` to a temporary file called `out_name` with every tensor passed through
// `transform(name, tensor)` (an empty result drops it); returns the new file's path.
template <typename F>
std::string Rewritten(const std::string& source, const std::string& out_name, F transform) {
  const auto file = tensor::SafetensorsFile::Open(source);
  std::vector<std::pair<std::string, tensor::Tensor>> tensors;
  for (const tensor::TensorInfo& info : file->tensors()) {
    if (!info.supported) continue;
    tensor::Tensor t = transform(info.name, file->Get(info.name));
    if (!t.empty()) tensors.emplace_back(info.name, std::move(t));
  }
  const auto path = std::filesystem::temp_directory_path() / out_name;
  tensor::WriteSafetensors(path.string(), tensors);
  return path.string();
}

// `source` with `name` removed, or replaced by `replacement` when it is not empty.
inline std::string Mutated(const std::string& source, const std::string& name,
                           const tensor::Tensor& replacement, const std::string& out_name) {
  return Rewritten(source, out_name, [&](const std::string& n, const tensor::Tensor& t) {
    return n == name ? replacement : t;
  });
}

}  // namespace depict::testing

#endif  // DEPICT_TESTS_DIFFUSION_MODEL_TEST_UTIL_H_
