#include "diffusion/vae_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "diffusion/model_test_util.h"
#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::diffusion {
namespace {

using depict::testing::MaxAbsDiff;
using depict::testing::Mutated;

using tensor::DType;
using tensor::SafetensorsFile;
using tensor::Tensor;

// A tiny random-weight AutoencoderKL encoder (block_out_channels (16, 32, 32), two resnets per
// block, 8 groups, F16 weights) and diffusers 0.32.2's encode of a 2x3x32x24 image batch (torch
// 1.13, float32), written by tools/make_vae_encoder_fixtures.py. The posterior's mean and
// log-variance are of order 1; with f32 compute the largest differences seen are 1.2e-6 (mean),
// 8.9e-7 (log-variance) and 2.2e-7 (scaled latent), both layouts alike. The tolerances are the
// decoder's 1e-4 (vae_test.cc), and 2e-5 for the latent, 0.18215 times smaller.
constexpr float kTolerance = 1e-4f;
constexpr float kLatentTolerance = 2e-5f;

std::filesystem::path FixtureDir() {
  return std::filesystem::path(DEPICT_FIXTURES) / "vae_encoder";
}

std::string Fixture(const char* name) { return (FixtureDir() / name).string(); }

VaeOptions TinyOptions() { return {.norm_groups = 8}; }

class VaeEncoderTest : public ::testing::Test {
 protected:
  void SetUp() override { expected_ = SafetensorsFile::Open(Fixture("expected.safetensors")); }

  Tensor Expected(const char* name) const { return expected_->GetAs(name, DType::kF32); }

  depict::testing::ScopedF32Compute f32_;
  std::shared_ptr<const SafetensorsFile> expected_;
};

TEST_F(VaeEncoderTest, DetectsConfigInBothLayouts) {
  for (const char* name : {"single.safetensors", "diffusers.safetensors"}) {
    const VaeEncoder vae = VaeEncoder::Load(Fixture(name), TinyOptions());
    const VaeEncoderConfig& c = vae.config();
    EXPECT_EQ(c.layout, std::string(name) == "single.safetensors" ? VaeLayout::kSingleFile
                                                                  : VaeLayout::kDiffusers);
    EXPECT_EQ(c.in_channels, 3);
    EXPECT_EQ(c.latent_channels, 4);
    EXPECT_EQ(c.down_channels, (std::vector<int>{16, 32, 32}));
    EXPECT_EQ(c.resnets_per_block, 2);
    EXPECT_EQ(c.downscale(), 4);
    EXPECT_FLOAT_EQ(c.scaling_factor, 0.18215f);
    EXPECT_TRUE(VaeEncoder::Present(*SafetensorsFile::Open(Fixture(name))));
  }
}

TEST_F(VaeEncoderTest, MatchesDiffusersInBothLayouts) {
  const Tensor images = Expected("images");
  for (const char* name : {"single.safetensors", "diffusers.safetensors"}) {
    SCOPED_TRACE(name);
    const VaeEncoder vae = VaeEncoder::Load(Fixture(name), TinyOptions());
    const VaePosterior posterior = vae.Encode(images);
    EXPECT_LE(MaxAbsDiff(posterior.mean, Expected("mean")), kTolerance);
    // Log-variance channel 3 is clamped at -30 throughout (its bias is -45).
    EXPECT_LE(MaxAbsDiff(posterior.logvar, Expected("logvar")), kTolerance);
    const Tensor noise = Expected("noise");
    EXPECT_LE(MaxAbsDiff(vae.Latent(posterior, &noise), Expected("latent")), kLatentTolerance);
    EXPECT_LE(MaxAbsDiff(vae.Latent(posterior), Expected("mode_latent")), kLatentTolerance);
  }
}

TEST_F(VaeEncoderTest, BatchItemsAreIndependent) {
  const Tensor both = Expected("images");
  const int64_t n = both.numel() / 2;
  Tensor second = Tensor::Zeros({1, 3, 32, 24});
  std::copy(both.f32() + n, both.f32() + 2 * n, second.f32());
  const VaeEncoder vae = VaeEncoder::Load(Fixture("diffusers.safetensors"), TinyOptions());
  const Tensor batch_mean = vae.Encode(both).mean;
  const Tensor alone = vae.Encode(second).mean;
  float m = 0.0f;
  for (int64_t i = 0; i < alone.numel(); ++i) {
    m = std::max(m, std::fabs(alone.f32()[i] - batch_mean.f32()[alone.numel() + i]));
  }
  EXPECT_LE(m, 1e-5f);
}

TEST_F(VaeEncoderTest, RejectsBadImages) {
  const VaeEncoder vae = VaeEncoder::Load(Fixture("single.safetensors"), TinyOptions());
  EXPECT_THROW(vae.Encode(Tensor::Zeros({1, 4, 32, 32})), tensor::ShapeError);
  EXPECT_THROW(vae.Encode(Tensor::Zeros({1, 3, 30, 32})), tensor::ShapeError);  // not 4k
  EXPECT_THROW(vae.Encode(Tensor::Zeros({3, 32, 32})), tensor::ShapeError);
  EXPECT_THROW(vae.Encode(Tensor::Zeros({1, 3, 32, 32}, DType::kF16)), tensor::ShapeError);
  const VaePosterior posterior = vae.Encode(Tensor::Zeros({1, 3, 32, 32}));
  const Tensor wrong = Tensor::Zeros({1, 4, 8, 9});
  EXPECT_THROW(vae.Latent(posterior, &wrong), tensor::ShapeError);
}

std::string ErrorOf(const std::string& path) {
  try {
    VaeEncoder::Load(path, TinyOptions());
  } catch (const VaeError& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  return "no error";
}

TEST_F(VaeEncoderTest, MissingTensorIsNamed) {
  for (const std::string name : {"first_stage_model.encoder.down.1.block.0.nin_shortcut.weight",
                                 "first_stage_model.encoder.mid.attn_1.proj_out.weight",
                                 "first_stage_model.encoder.down.0.downsample.conv.weight",
                                 "first_stage_model.quant_conv.bias"}) {
    const std::string msg = ErrorOf(Mutated(Fixture("single.safetensors"), name, Tensor(),
                                            "depict_vae_encoder_missing.safetensors"));
    EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
  }
  const std::string name = "encoder.down_blocks.1.downsamplers.0.conv.weight";
  const std::string msg = ErrorOf(Mutated(Fixture("diffusers.safetensors"), name, Tensor(),
                                          "depict_vae_encoder_missing2.safetensors"));
  EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
}

TEST_F(VaeEncoderTest, WronglyShapedTensorIsNamed) {
  const std::string name = "encoder.mid_block.attentions.0.to_k.weight";
  const std::string msg =
      ErrorOf(Mutated(Fixture("diffusers.safetensors"), name, Tensor::Zeros({32, 16}),
                      "depict_vae_encoder_shape.safetensors"));
  EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("[32, 16]"), std::string::npos) << msg;
}

TEST_F(VaeEncoderTest, NoEncoder) {
  // The decoder fixture has only a decoder (and an encoder tensor other than conv_in.weight).
  const auto decoder_only = SafetensorsFile::Open(
      (std::filesystem::path(DEPICT_FIXTURES) / "vae" / "single.safetensors").string());
  EXPECT_FALSE(VaeEncoder::Present(*decoder_only));
  try {
    VaeEncoder vae(decoder_only, TinyOptions());
    ADD_FAILURE() << "no error";
  } catch (const VaeError& e) {
    EXPECT_NE(std::string(e.what()).find("no VAE encoder"), std::string::npos) << e.what();
  }
  EXPECT_THROW(VaeEncoder(decoder_only, {.norm_groups = 0}), std::invalid_argument);
}

}  // namespace
}  // namespace depict::diffusion
