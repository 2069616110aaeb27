#include "diffusion/unet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
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
using depict::testing::Rewritten;

using tensor::DType;
using tensor::SafetensorsFile;
using tensor::Tensor;

// A tiny random-weight UNet2DConditionModel (block_out_channels (32, 64), layers_per_block 1,
// cross_attention_dim 32, 8 groups, F16 weights) and diffusers 0.32.2's output for a 2x4x8x8
// latent at timestep 500 with a 2x5x32 context (torch 1.13, float32), written by
// tools/make_unet_fixtures.py: with 2 heads and 1x1 proj convs (SD 1.x-like), and with the same
// weights as Linear projections and heads of size 16 (SD 2.x-like). The single-file (LDM) layout
// is checked on the same weights renamed by the script's single_names.tsv. With f32 compute the
// largest difference seen is 1.0e-6 on outputs of order 1; the tolerance is 1e-4.
constexpr float kTolerance = 1e-4f;

std::filesystem::path FixtureDir() { return std::filesystem::path(DEPICT_FIXTURES) / "unet"; }

std::string Fixture(const char* name) { return (FixtureDir() / name).string(); }

UnetOptions Sd1Options() { return {.norm_groups = 8, .num_heads = 2}; }
UnetOptions Sd2Options() { return {.norm_groups = 8, .head_dim = 16}; }

class UnetTest : public ::testing::Test {
 protected:
  void SetUp() override { expected_ = SafetensorsFile::Open(Fixture("expected.safetensors")); }

  Tensor Expected(const char* name) const { return expected_->GetAs(name, DType::kF32); }

  depict::testing::ScopedF32Compute f32_;
  std::shared_ptr<const SafetensorsFile> expected_;
};

// The fixture with proj_in / proj_out as Linear weights [C, C] (SD 2.x's use_linear_projection).
std::string LinearProjectionFile() {
  return Rewritten(Fixture("diffusers.safetensors"), "depict_unet_linear.safetensors",
                   [](const std::string& name, const Tensor& t) {
                     const bool proj = name.find(".proj_in.weight") != std::string::npos ||
                                       name.find(".proj_out.weight") != std::string::npos;
                     return proj ? t.Reshaped({t.dim(0), t.dim(1)}) : t;
                   });
}

// The fixture under its single-file (LDM) names, with a VAE and a text encoder tensor beside it
// to be ignored, and without the tensor `drop` (an LDM name) when it is not empty.
std::string SingleFile(const std::string& drop = "") {
  std::map<std::string, std::string> ldm;
  std::ifstream in(Fixture("single_names.tsv"));
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    if (tab != std::string::npos) ldm[line.substr(0, tab)] = line.substr(tab + 1);
  }
  EXPECT_GT(ldm.size(), 100u);
  const auto file = SafetensorsFile::Open(Fixture("diffusers.safetensors"));
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const tensor::TensorInfo& info : file->tensors()) {
    const std::string& name = ldm.at(info.name);
    if (name != drop) tensors.emplace_back(name, file->Get(info.name));
  }
  tensors.emplace_back("first_stage_model.decoder.conv_in.weight", Tensor::Zeros({3}));
  tensors.emplace_back("cond_stage_model.transformer.text_model.final_layer_norm.weight",
                       Tensor::Zeros({3}));
  const auto path = std::filesystem::temp_directory_path() / "depict_unet_single.safetensors";
  tensor::WriteSafetensors(path.string(), tensors);
  return path.string();
}

TEST_F(UnetTest, DetectsConfig) {
  const Unet unet = Unet::Load(Fixture("diffusers.safetensors"), Sd1Options());
  const UnetConfig& c = unet.config();
  EXPECT_EQ(c.layout, UnetLayout::kDiffusers);
  EXPECT_EQ(c.in_channels, 4);
  EXPECT_EQ(c.out_channels, 4);
  EXPECT_EQ(c.block_channels, (std::vector<int>{32, 64}));
  EXPECT_EQ(c.down_attention, (std::vector<bool>{true, false}));
  EXPECT_EQ(c.up_attention, (std::vector<bool>{false, true}));
  EXPECT_EQ(c.layers_per_block, 1);
  EXPECT_EQ(c.time_embed_dim, 128);
  EXPECT_EQ(c.cross_attention_dim, 32);
  EXPECT_FALSE(c.linear_projection);
  EXPECT_EQ(c.num_heads, 2);
}

TEST_F(UnetTest, TimestepEmbeddingIsCosThenSin) {
  const Tensor e = TimestepEmbedding(500.0f, 8, 2);
  ASSERT_EQ(e.shape(), (tensor::Shape{2, 8}));
  EXPECT_FLOAT_EQ(e.f32()[0], std::cos(500.0f));
  EXPECT_FLOAT_EQ(e.f32()[4], std::sin(500.0f));
  EXPECT_NEAR(e.f32()[3], std::cos(500.0f * std::exp(-std::log(10000.0f) * 3 / 4)), 1e-5);
  EXPECT_EQ(e.f32()[9], e.f32()[1]);
}

TEST_F(UnetTest, MatchesDiffusersSd1Style) {
  const Unet unet = Unet::Load(Fixture("diffusers.safetensors"), Sd1Options());
  const Tensor out = unet.Forward(Expected("sample"), 500.0f, Expected("context"));
  const float diff = MaxAbsDiff(out, Expected("out"));
  std::printf("SD1-style max abs diff %g\n", diff);
  EXPECT_LE(diff, kTolerance);
}

TEST_F(UnetTest, MatchesDiffusersSd2Style) {
  const std::string path = LinearProjectionFile();
  const Unet unet = Unet::Load(path, Sd2Options());
  std::filesystem::remove(path);
  EXPECT_TRUE(unet.config().linear_projection);
  const Tensor out = unet.Forward(Expected("sample"), 500.0f, Expected("context"));
  const float diff = MaxAbsDiff(out, Expected("out_linear"));
  std::printf("SD2-style max abs diff %g\n", diff);
  EXPECT_LE(diff, kTolerance);
  // Heads matter: the SD 1.x-like head count gives another output.
  const std::string path2 = LinearProjectionFile();
  const Unet wrong_heads = Unet::Load(path2, Sd1Options());
  std::filesystem::remove(path2);
  EXPECT_GT(MaxAbsDiff(wrong_heads.Forward(Expected("sample"), 500.0f, Expected("context")),
                       Expected("out_linear")),
            1e-3f);
}

TEST_F(UnetTest, SingleFileLayoutMatchesDiffusersLayout) {
  const std::string path = SingleFile();
  const Unet single = Unet::Load(path, Sd1Options());
  std::filesystem::remove(path);
  const Unet diffusers = Unet::Load(Fixture("diffusers.safetensors"), Sd1Options());
  const UnetConfig& c = single.config();
  EXPECT_EQ(c.layout, UnetLayout::kSingleFile);
  EXPECT_EQ(c.block_channels, diffusers.config().block_channels);
  EXPECT_EQ(c.down_attention, diffusers.config().down_attention);
  EXPECT_EQ(c.up_attention, diffusers.config().up_attention);
  EXPECT_EQ(c.layers_per_block, 1);
  EXPECT_EQ(c.cross_attention_dim, 32);
  const Tensor out = single.Forward(Expected("sample"), 500.0f, Expected("context"));
  EXPECT_LE(MaxAbsDiff(out, Expected("out")), kTolerance);
  EXPECT_EQ(MaxAbsDiff(out, diffusers.Forward(Expected("sample"), 500.0f, Expected("context"))),
            0.0f);
}

TEST_F(UnetTest, RejectsBadInputs) {
  const Unet unet = Unet::Load(Fixture("diffusers.safetensors"), Sd1Options());
  const Tensor context = Expected("context");
  EXPECT_THROW(unet.Forward(Tensor::Zeros({2, 3, 8, 8}), 1.0f, context), tensor::ShapeError);
  EXPECT_THROW(unet.Forward(Tensor::Zeros({2, 4, 7, 8}), 1.0f, context), tensor::ShapeError);
  EXPECT_THROW(unet.Forward(Tensor::Zeros({1, 4, 8, 8}), 1.0f, context), tensor::ShapeError);
  EXPECT_THROW(unet.Forward(Tensor::Zeros({2, 4, 8, 8}), 1.0f, Tensor::Zeros({2, 5, 16})),
               tensor::ShapeError);
  EXPECT_THROW(Unet::Load(Fixture("diffusers.safetensors"), {.norm_groups = 0}),
               std::invalid_argument);
}

std::string ErrorOf(const std::string& path) {
  try {
    Unet::Load(path, Sd1Options());
  } catch (const UnetError& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  return "no error";
}

TEST_F(UnetTest, MissingTensorIsNamed) {
  for (const std::string name :
       {"down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight",
        "up_blocks.1.resnets.1.time_emb_proj.bias", "mid_block.resnets.1.conv2.weight",
        "down_blocks.0.downsamplers.0.conv.weight", "up_blocks.0.upsamplers.0.conv.bias",
        "up_blocks.1.attentions.1.transformer_blocks.0.ff.net.2.weight", "conv_out.weight"}) {
    const std::string msg = ErrorOf(
        Rewritten(Fixture("diffusers.safetensors"), "depict_unet_missing.safetensors",
                  [&](const std::string& n, const Tensor& t) { return n == name ? Tensor() : t; }));
    EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
  }
}

TEST_F(UnetTest, MissingSingleFileTensorIsNamed) {
  for (const std::string name : {"model.diffusion_model.output_blocks.1.1.conv.weight",
                                 "model.diffusion_model.input_blocks.2.0.op.bias",
                                 "model.diffusion_model.middle_block.1.transformer_blocks.0.attn2."
                                 "to_k.weight",
                                 "model.diffusion_model.output_blocks.0.0.skip_connection.weight",
                                 "model.diffusion_model.out.2.bias"}) {
    const std::string msg = ErrorOf(SingleFile(name));
    EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
  }
}

TEST_F(UnetTest, WronglyShapedTensorIsNamed) {
  const std::string name = "mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight";
  const std::string msg =
      ErrorOf(Rewritten(Fixture("diffusers.safetensors"), "depict_unet_shape.safetensors",
                        [&](const std::string& n, const Tensor& t) {
                          return n == name ? Tensor::Zeros({64, 16}) : t;
                        }));
  EXPECT_NE(msg.find("\"" + name + "\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("[64, 16]"), std::string::npos) << msg;
}

TEST_F(UnetTest, NoUnet) {
  const auto path = std::filesystem::temp_directory_path() / "depict_unet_none.safetensors";
  tensor::WriteSafetensors(path.string(), {{"decoder.conv_in.weight", Tensor::Zeros({2})}});
  EXPECT_THROW(Unet::Load(path), UnetError);
  tensor::WriteSafetensors(path.string(),
                           {{"model.diffusion_model.input_blocks.0.0.weight", Tensor::Zeros({2})}});
  EXPECT_THROW(Unet::Load(path), UnetError);
  std::filesystem::remove(path);
  EXPECT_THROW(Unet::Load(FixtureDir()), UnetError);  // no diffusion_pytorch_model there
}

}  // namespace
}  // namespace depict::diffusion
