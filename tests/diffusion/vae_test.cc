#include "diffusion/vae.h"

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

// A tiny random-weight AutoencoderKL (block_out_channels (32, 64), layers_per_block 1, 8 groups,
// F16 weights) and diffusers 0.32.2's decode of a 1x4x8x8 latent (torch 1.13, float32), written
// by tools/make_vae_fixtures.py. With f32 compute the largest difference seen is 2.1e-6 on outputs
// of order 1 (both layouts alike); the tolerance is 1e-4.
constexpr float kTolerance = 1e-4f;

std::filesystem::path FixtureDir() { return std::filesystem::path(DEPICT_FIXTURES) / "vae"; }

std::string Fixture(const char* name) { return (FixtureDir() / name).string(); }

VaeOptions TinyOptions() { return {.norm_groups = 8}; }

class VaeTest : public ::testing::Test {
 protected:
  void SetUp() override { expected_ = SafetensorsFile::Open(Fixture("expected.safetensors")); }

  Tensor Expected(const char* name) const { return expected_->GetAs(name, DType::kF32); }

  depict::testing::ScopedF32Compute f32_;
  std::shared_ptr<const SafetensorsFile> expected_;
};

TEST_F(VaeTest, DetectsConfigInBothLayouts) {
  for (const char* name : {"single.safetensors", "diffusers.safetensors"}) {
    const VaeDecoder vae = VaeDecoder::Load(Fixture(name), TinyOptions());
    const VaeConfig& c = vae.config();
    EXPECT_EQ(c.layout, std::string(name) == "single.safetensors" ? VaeLayout::kSingleFile
                                                                  : VaeLayout::kDiffusers);
    EXPECT_EQ(c.latent_channels, 4);
    EXPECT_EQ(c.out_channels, 3);
    EXPECT_EQ(c.up_channels, (std::vector<int>{64, 32}));
    EXPECT_EQ(c.resnets_per_block, 2);
    EXPECT_EQ(c.norm_groups, 8);
    EXPECT_FLOAT_EQ(c.scaling_factor, 0.18215f);
  }
}

TEST_F(VaeTest, MatchesDiffusersInBothLayouts) {
  const Tensor latents = Expected("latents");
  const VaeDecoder single = VaeDecoder::Load(Fixture("single.safetensors"), TinyOptions());
  const VaeDecoder diffusers = VaeDecoder::Load(Fixture("diffusers.safetensors"), TinyOptions());
  const Tensor raw = single.DecodeUnclamped(latents);
  const Tensor image = single.Decode(latents);
  const float raw_diff = MaxAbsDiff(raw, Expected("raw"));
  const float image_diff = MaxAbsDiff(image, Expected("image"));
  EXPECT_LE(raw_diff, kTolerance);
  EXPECT_LE(image_diff, kTolerance);
  EXPECT_EQ(MaxAbsDiff(diffusers.Decode(latents), image), 0.0f);
  for (int64_t i = 0; i < image.numel(); ++i) {
    ASSERT_GE(image.f32()[i], -1.0f);
    ASSERT_LE(image.f32()[i], 1.0f);
  }
}

TEST_F(VaeTest, BatchItemsAreIndependent) {
  const Tensor one = Expected("latents");
  Tensor two = Tensor::Zeros({2, 4, 8, 8});  // the latents, then -0.5 times them
  std::copy(one.f32(), one.f32() + one.numel(), two.f32());
  std::copy(one.f32(), one.f32() + one.numel(), two.f32() + one.numel());
  for (int64_t i = one.numel(); i < two.numel(); ++i) two.f32()[i] *= -0.5f;
  const VaeDecoder vae = VaeDecoder::Load(Fixture("diffusers.safetensors"), TinyOptions());
  const Tensor both = vae.Decode(two);
  const Tensor first = vae.Decode(one);
  ASSERT_EQ(both.shape(), (tensor::Shape{2, 3, 16, 16}));
  float m = 0.0f;
  for (int64_t i = 0; i < first.numel(); ++i) {
    m = std::max(m, std::fabs(first.f32()[i] - both.f32()[i]));
  }
  EXPECT_LE(m, 1e-5f);
}

TEST_F(VaeTest, Rgb8MatchesDiffusers) {
  const Tensor rgb = Expected("rgb8");  // [H, W, 3]
  const std::vector<uint8_t> out = ImageToRgb8(Expected("image"));
  ASSERT_EQ(static_cast<int64_t>(out.size()), rgb.numel());
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(static_cast<float>(out[i]), rgb.f32()[i]) << i;
  }
  EXPECT_THROW(ImageToRgb8(Expected("image"), 1), std::invalid_argument);
  EXPECT_THROW(ImageToRgb8(Expected("latents")), std::invalid_argument);
}

TEST_F(VaeTest, RejectsBadLatents) {
  const VaeDecoder vae = VaeDecoder::Load(Fixture("single.safetensors"), TinyOptions());
  EXPECT_THROW(vae.Decode(Tensor::Zeros({1, 3, 8, 8})), tensor::ShapeError);
  EXPECT_THROW(vae.Decode(Tensor::Zeros({4, 8, 8})), tensor::ShapeError);
  EXPECT_THROW(vae.Decode(Tensor::Zeros({1, 4, 8, 8}, DType::kF16)), tensor::ShapeError);
}

std::string ErrorOf(const std::string& path) {
  try {
    VaeDecoder::Load(path, TinyOptions());
  } catch (const VaeError& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  return "no error";
}

TEST_F(VaeTest, MissingTensorIsNamed) {
  for (const std::string name : {"first_stage_model.decoder.up.0.block.1.conv2.bias",
                                 "first_stage_model.decoder.mid.attn_1.proj_out.weight",
                                 "first_stage_model.decoder.up.1.upsample.conv.weight"}) {
    const std::string msg = ErrorOf(
        Mutated(Fixture("single.safetensors"), name, Tensor(), "depict_vae_missing.safetensors"));
    EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
  }
  const std::string name = "decoder.up_blocks.1.resnets.0.conv_shortcut.weight";
  const std::string msg = ErrorOf(
      Mutated(Fixture("diffusers.safetensors"), name, Tensor(), "depict_vae_missing2.safetensors"));
  EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
}

TEST_F(VaeTest, WronglyShapedTensorIsNamed) {
  const std::string name = "decoder.mid_block.attentions.0.to_q.weight";
  const std::string msg = ErrorOf(Mutated(Fixture("diffusers.safetensors"), name,
                                          Tensor::Zeros({64, 32}), "depict_vae_shape.safetensors"));
  EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("[64, 32]"), std::string::npos) << msg;
}

TEST_F(VaeTest, NoVae) {
  const auto path = std::filesystem::temp_directory_path() / "depict_vae_none.safetensors";
  tensor::WriteSafetensors(path.string(), {{"model.diffusion_model.x", Tensor::Zeros({2})}});
  EXPECT_THROW(VaeDecoder::Load(path), VaeError);
  std::filesystem::remove(path);
  EXPECT_THROW(VaeDecoder::Load(FixtureDir()), VaeError);  // no diffusion_pytorch_model there
}

}  // namespace
}  // namespace depict::diffusion
