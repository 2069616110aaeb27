#include "diffusion/text_encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "diffusion/model_test_util.h"
#include "tensor/engine.h"
#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::diffusion {
namespace {

using depict::testing::MaxAbsDiff;
using depict::testing::Mutated;

using tensor::DType;
using tensor::SafetensorsFile;
using tensor::Tensor;

// Tiny random-weight CLIP text models and the outputs of transformers 4.40.2's CLIPTextModel
// (torch 1.13, float32) on them, written by tools/make_text_encoder_fixtures.py: width 128,
// 2 heads, a vocabulary of 1000, F16 weights. With f32 compute the largest differences seen are
// 2.4e-6 (SD 1.x last layer), 2.9e-6 (clip skip 2), 2.3e-6 (SD 2.x penultimate) on outputs of
// order 1, and 5.2e-6 after prompt weighting (torch's float32 means against our double ones,
// amplified by the mean ratio); the tolerance is 1e-4 everywhere.
constexpr float kTolerance = 1e-4f;

std::filesystem::path FixtureDir() {
  return std::filesystem::path(DEPICT_FIXTURES) / "text_encoder";
}

std::string Fixture(const char* name) { return (FixtureDir() / name).string(); }

class TextEncoderTest : public ::testing::Test {
 protected:
  void SetUp() override { expected_ = SafetensorsFile::Open(Fixture("expected.safetensors")); }

  Tensor Expected(const char* name) const { return expected_->GetAs(name, DType::kF32); }

  std::vector<TokenIds> Tokens(const char* name) const {
    const Tensor t = Expected(name);
    std::vector<TokenIds> out(static_cast<size_t>(t.dim(0)));
    EXPECT_EQ(t.dim(1), kClipContextLength);
    for (size_t i = 0; i < out.size(); ++i) {
      for (size_t j = 0; j < out[i].size(); ++j) {
        out[i][j] = static_cast<int>(t.f32()[i * kClipContextLength + j]);
      }
    }
    return out;
  }

  depict::testing::ScopedF32Compute f32_;
  std::shared_ptr<const SafetensorsFile> expected_;
};

TEST_F(TextEncoderTest, DetectsSd1Config) {
  for (const char* name : {"sd1_single.safetensors", "sd1_diffusers.safetensors"}) {
    const TextEncoder enc = TextEncoder::Load(Fixture(name));
    const TextEncoderConfig& c = enc.config();
    EXPECT_EQ(c.layout, std::string(name) == "sd1_single.safetensors"
                            ? TextEncoderLayout::kSd1SingleFile
                            : TextEncoderLayout::kDiffusers);
    EXPECT_EQ(c.width, 128);
    EXPECT_EQ(c.heads, 2);
    EXPECT_EQ(c.layers, 3);
    EXPECT_EQ(c.mlp_width, 256);
    EXPECT_EQ(c.vocab, 1000);
    EXPECT_EQ(c.max_positions, 77);
    EXPECT_EQ(c.activation, ClipActivation::kQuickGelu);
    EXPECT_EQ(c.default_layers_run, 3);
  }
}

TEST_F(TextEncoderTest, Sd1MatchesTransformersInBothLayouts) {
  const auto tokens = Tokens("sd1_tokens");
  const Tensor expected = Expected("sd1_last");
  const Tensor single = TextEncoder::Load(Fixture("sd1_single.safetensors")).Encode(tokens);
  const Tensor diffusers = TextEncoder::Load(Fixture("sd1_diffusers.safetensors")).Encode(tokens);
  EXPECT_LE(MaxAbsDiff(single, expected), kTolerance);
  EXPECT_EQ(MaxAbsDiff(single, diffusers), 0.0f);
}

TEST_F(TextEncoderTest, BatchItemsAreIndependent) {
  const auto tokens = Tokens("sd1_tokens");
  const TextEncoder enc = TextEncoder::Load(Fixture("sd1_single.safetensors"));
  const Tensor all = enc.Encode(tokens);
  const Tensor one = enc.Encode({tokens[1]});
  const int64_t n = one.numel();
  float m = 0.0f;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(one.f32()[i] - all.f32()[n + i]));
  EXPECT_LE(m, 1e-5f);
}

TEST_F(TextEncoderTest, ClipSkip) {
  const auto tokens = Tokens("sd1_tokens");
  const TextEncoder enc = TextEncoder::Load(Fixture("sd1_diffusers.safetensors"));
  EXPECT_LE(MaxAbsDiff(enc.Encode(tokens, {.clip_skip = 2}), Expected("sd1_skip2")), kTolerance);
  EXPECT_LE(MaxAbsDiff(enc.Encode(tokens, {.clip_skip = 3}), Expected("sd1_skip3")), kTolerance);
  EXPECT_THROW(enc.Encode(tokens, {.clip_skip = 0}), std::invalid_argument);
  EXPECT_THROW(enc.Encode(tokens, {.clip_skip = 4}), std::invalid_argument);
}

TEST_F(TextEncoderTest, Sd2UsesPenultimateLayer) {
  const TextEncoder enc = TextEncoder::Load(Fixture("sd2_openclip.safetensors"));
  const TextEncoderConfig& c = enc.config();
  EXPECT_EQ(c.layout, TextEncoderLayout::kOpenClip);
  EXPECT_EQ(c.width, 128);
  EXPECT_EQ(c.heads, 2);
  EXPECT_EQ(c.layers, 4);
  EXPECT_EQ(c.default_layers_run, 3);
  EXPECT_EQ(c.activation, ClipActivation::kGelu);
  const auto tokens = Tokens("sd2_tokens");
  const Tensor out = enc.Encode(tokens);
  EXPECT_LE(MaxAbsDiff(out, Expected("sd2_penultimate")), kTolerance);
  // Clip skip does not apply to SD 2.x (as in A1111).
  EXPECT_EQ(MaxAbsDiff(enc.Encode(tokens, {.clip_skip = 3}), out), 0.0f);
}

TEST_F(TextEncoderTest, PromptWeightsRestoreTheMean) {
  const Tensor z = Expected("sd1_last");
  const Tensor w = Expected("sd1_weights");
  std::vector<std::vector<float>> weights(static_cast<size_t>(w.dim(0)));
  for (size_t i = 0; i < weights.size(); ++i) {
    const float* row = w.f32() + i * static_cast<size_t>(w.dim(1));
    weights[i].assign(row, row + w.dim(1));
  }
  const Tensor out = ApplyPromptWeights(z, weights);
  EXPECT_LE(MaxAbsDiff(out, Expected("sd1_weighted")), kTolerance);
  double before = 0.0, after = 0.0;
  for (int64_t i = 0; i < z.numel(); ++i) {
    before += z.f32()[i];
    after += out.f32()[i];
  }
  EXPECT_NEAR(after / static_cast<double>(z.numel()), before / static_cast<double>(z.numel()),
              1e-6);
  // All weights 1 leave the states as they are.
  for (auto& row : weights) std::fill(row.begin(), row.end(), 1.0f);
  EXPECT_LE(MaxAbsDiff(ApplyPromptWeights(z, weights), z), 1e-6f);
  weights.pop_back();
  EXPECT_THROW(ApplyPromptWeights(z, weights), std::invalid_argument);
}

TEST_F(TextEncoderTest, RejectsTokenOutsideVocabulary) {
  const TextEncoder enc = TextEncoder::Load(Fixture("sd1_single.safetensors"));
  auto tokens = Tokens("sd1_tokens");
  tokens[0][3] = 1000;
  EXPECT_THROW(enc.Encode(tokens), TextEncoderError);
}

std::string ErrorOf(const std::string& path) {
  try {
    TextEncoder::Load(path);
  } catch (const TextEncoderError& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  return "no error";
}

TEST_F(TextEncoderTest, MissingTensorIsNamed) {
  const std::string name = "cond_stage_model.transformer.text_model.encoder.layers.1.mlp.fc2.bias";
  const std::string msg = ErrorOf(
      Mutated(Fixture("sd1_single.safetensors"), name, Tensor(), "depict_te_missing.safetensors"));
  EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
}

TEST_F(TextEncoderTest, WronglyShapedTensorIsNamed) {
  const std::string name = "cond_stage_model.model.transformer.resblocks.2.attn.in_proj_weight";
  const std::string msg =
      ErrorOf(Mutated(Fixture("sd2_openclip.safetensors"), name, Tensor::Zeros({128, 128}),
                      "depict_te_shape.safetensors"));
  EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("[128, 128]"), std::string::npos) << msg;

  const std::string ln = "text_model.final_layer_norm.weight";
  const std::string msg2 = ErrorOf(Mutated(Fixture("sd1_diffusers.safetensors"), ln,
                                           Tensor::Zeros({64}), "depict_te_ln.safetensors"));
  EXPECT_NE(msg2.find("\"" + ln + "\""), std::string::npos) << msg2;
}

TEST_F(TextEncoderTest, NoTextEncoder) {
  const auto path = std::filesystem::temp_directory_path() / "depict_te_none.safetensors";
  tensor::WriteSafetensors(path.string(), {{"model.diffusion_model.x", Tensor::Zeros({2})}});
  EXPECT_THROW(TextEncoder::Load(path), TextEncoderError);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace depict::diffusion
