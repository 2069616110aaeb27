// The tiny SD 1.x-shaped checkpoint of tests/fixtures/pipeline (tools/make_pipeline_fixtures.py),
// made whole: the fixture stores only the token-embedding rows its prompts use, and this writes
// the full [49408, 64] table (the other rows from a fixed random sequence), so the tests and the
// CLI test run depict on a complete single-file checkpoint generated here.
#ifndef DEPICT_TESTS_DIFFUSION_TINY_CHECKPOINT_H_
#define DEPICT_TESTS_DIFFUSION_TINY_CHECKPOINT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::testing {

// `embedding` names the full table in the output: the single-file name by default, or
// "text_model.embeddings.token_embedding.weight" for a diffusers text_encoder/model.safetensors.
// The tensors of each `extra` file are added as they are (the VAE encoder of
// tests/fixtures/vae_encoder/tiny_sd1_encoder.safetensors makes the checkpoint one that can do
// img2img).
inline void WriteTinyCheckpoint(
    const std::string& fixture, const std::string& out,
    const std::string& embedding =
        "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight",
    const std::vector<std::string>& extra = {}) {
  using tensor::DType;
  using tensor::Tensor;
  const auto file = tensor::SafetensorsFile::Open(fixture);
  const Tensor rows = file->GetAs("fixture.token_rows", DType::kF32);
  const Tensor ids = file->GetAs("fixture.token_row_ids", DType::kF32);
  const int64_t vocab = 49408, width = rows.dim(1);
  Tensor table = Tensor::Zeros({vocab, width}, DType::kF16);
  auto* bits = static_cast<uint16_t*>(table.mutable_data());
  uint64_t state = 0x9E3779B97F4A7C15ull;
  for (int64_t i = 0; i < vocab * width; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const float u = static_cast<float>(state >> 40) / static_cast<float>(1ull << 24);  // [0, 1)
    bits[i] = tensor::FloatToHalf(0.05f * (2.0f * u - 1.0f));
  }
  for (int64_t r = 0; r < rows.dim(0); ++r) {
    const int64_t id = static_cast<int64_t>(ids.f32()[r]);
    for (int64_t j = 0; j < width; ++j) {
      bits[id * width + j] = tensor::FloatToHalf(rows.f32()[r * width + j]);
    }
  }
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const tensor::TensorInfo& info : file->tensors()) {
    if (info.name.rfind("fixture.", 0) == 0) continue;
    tensors.emplace_back(info.name, file->Get(info.name));
  }
  tensors.emplace_back(embedding, table);
  std::vector<std::shared_ptr<const tensor::SafetensorsFile>> extras;  // kept open until written
  for (const std::string& path : extra) {
    extras.push_back(tensor::SafetensorsFile::Open(path));
    for (const tensor::TensorInfo& info : extras.back()->tensors()) {
      tensors.emplace_back(info.name, extras.back()->Get(info.name));
    }
  }
  tensor::WriteSafetensors(out, tensors);
}

}  // namespace depict::testing

#endif  // DEPICT_TESTS_DIFFUSION_TINY_CHECKPOINT_H_
