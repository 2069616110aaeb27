// img2img's arithmetic and image preparation against the references of
// tools/make_img2img_fixtures.py: A1111's step arithmetic run through k-diffusion's and A1111's
// own samplers (steps.json), and Pillow's LANCZOS resize (resize.safetensors). The pipeline
// end to end is img2img_pipeline_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "diffusion/init_image.h"
#include "diffusion/sampler.h"
#include "diffusion/schedule.h"
#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::diffusion {
namespace {

using tensor::DType;
using tensor::Shape;
using tensor::Tensor;

std::filesystem::path FixtureDir() { return std::filesystem::path(DEPICT_FIXTURES) / "img2img"; }

const nlohmann::json& Steps() {
  static const nlohmann::json json = [] {
    std::ifstream in(FixtureDir() / "steps.json");
    if (!in) throw std::runtime_error("cannot read img2img/steps.json");
    return nlohmann::json::parse(in);
  }();
  return json;
}

Tensor FromJson(const nlohmann::json& values, const Shape& shape) {
  Tensor t = Tensor::Zeros(shape);
  const auto v = values.get<std::vector<float>>();
  EXPECT_EQ(static_cast<int64_t>(v.size()), t.numel());
  std::copy(v.begin(), v.end(), t.f32());
  return t;
}

// The fixtures' toy model (tools/make_sampler_fixtures.py), recording its timesteps.
Denoiser ToyModel(std::vector<float>* timesteps) {
  return [timesteps](const Tensor& x, float t) {
    timesteps->push_back(t);
    Tensor out = Tensor::Zeros(x.shape());
    const float bias = 0.05f * std::sin(t / 100.0f);
    for (int64_t i = 0; i < x.numel(); ++i) out.f32()[i] = 0.1f * x.f32()[i] + bias;
    return out;
  };
}

SamplerOptions OptionsFor(const nlohmann::json& c) {
  const SamplerChoice choice =
      ParseSampler(c["sampler"].get<std::string>(), c["schedule"].get<std::string>());
  SamplerOptions options;
  options.kind = choice.kind;
  options.schedule = choice.schedule;
  options.steps = c["steps"].get<int>();
  options.denoising_strength = c["strength"].get<double>();
  if (c.contains("eta")) options.eta = c["eta"].get<float>();
  return options;
}

// The tolerances of sampler_test.cc: the same float32 operations as torch, to a few units in the
// last place (timesteps within 1e-5 relative, outputs within 5e-6 * (1 + |reference|)).
TEST(Img2ImgStepsTest, MatchA1111sArithmeticAndSamplers) {
  const auto& cases = Steps()["cases"];
  ASSERT_GE(cases.size(), 39u);
  const auto shape = Steps()["shape"].get<Shape>();
  const Tensor init = FromJson(Steps()["init"], shape);
  std::vector<Tensor> draws;
  for (const auto& d : Steps()["noise"]) draws.push_back(FromJson(d, shape));
  const DiscreteSchedule& schedule = DiscreteSchedule::StableDiffusion();
  for (const auto& c : cases) {
    const int steps = c["steps"].get<int>();
    const double strength = c["strength"].get<double>();
    SCOPED_TRACE(c["sampler"].get<std::string>() + " / " + c["schedule"].get<std::string>() +
                 " / " + std::to_string(steps) + " steps / strength " + std::to_string(strength));
    const int t_enc = c["t_enc"].get<int>();
    EXPECT_EQ(Img2ImgEncodeSteps(steps, strength), t_enc);
    const Sampler sampler(OptionsFor(c));
    ASSERT_TRUE(sampler.img2img());
    if (c.contains("sigmas")) {
      const auto want = c["sigmas"].get<std::vector<double>>();
      ASSERT_EQ(sampler.sigmas().size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_NEAR(sampler.sigmas()[i], want[i], 1e-6 * (1 + want[i])) << "level " << i;
      }
      EXPECT_EQ(sampler.evaluations(), t_enc + 1);
      EXPECT_EQ(sampler.initial_noise_scale(), sampler.sigmas().front());
      EXPECT_EQ(sampler.init_latent_scale(), 1.0f);
    } else {
      const auto a = schedule.alphas_cumprod()[c["start_timestep"].get<size_t>()];
      EXPECT_EQ(sampler.init_latent_scale(), std::sqrt(a));
      EXPECT_EQ(sampler.initial_noise_scale(), std::sqrt(1.0f - a));
      EXPECT_EQ(sampler.evaluations(), std::max(t_enc - 1, 0));
    }
    std::vector<float> timesteps;
    size_t next = 1;  // draw 0 is the initial noise
    int progress = 0;
    const Tensor out = sampler.RunImg2Img(
        init, draws[0], ToyModel(&timesteps),
        [&](const Shape& s) {
          EXPECT_EQ(s, shape);
          return draws.at(next++);
        },
        [&](int step, int total) {
          EXPECT_EQ(step, ++progress);
          EXPECT_EQ(total, sampler.evaluations());
        });
    EXPECT_EQ(progress, sampler.evaluations());
    // The references also draw (and drop) noise on each step of Euler and eta-0 DDIM, which
    // depict skips (sampler.h, "Noise"); where the noise is used the draws must agree.
    if (sampler.uses_noise_source()) {
      EXPECT_EQ(static_cast<int>(next - 1), c["draws"].get<int>());
    }
    const auto want_t = c["timesteps"].get<std::vector<double>>();
    ASSERT_EQ(timesteps.size(), want_t.size());
    for (size_t i = 0; i < want_t.size(); ++i) {
      EXPECT_NEAR(timesteps[i], want_t[i], std::max(1e-3, 1e-5 * want_t[i])) << "timestep " << i;
    }
    const Tensor want = FromJson(c["output"], shape);
    double worst = 0.0;
    for (int64_t i = 0; i < out.numel(); ++i) {
      const double ref = want.f32()[i];
      worst = std::max(worst, std::abs(out.f32()[i] - ref) / (1.0 + std::abs(ref)));
    }
    EXPECT_LE(worst, 5e-6);
  }
}

TEST(Img2ImgStepsTest, EncodeStepsAreADoubleProductTruncated) {
  // int(min(s, 0.999) * N) in Python: 0.7 * 10 is 7.0 in double (float32 would give 6.9999999),
  // 1.0 is capped to 0.999 (2.997 -> 2), and strength 0 still leaves t_enc 0 (one step).
  EXPECT_EQ(Img2ImgEncodeSteps(10, 0.7), 7);
  EXPECT_EQ(Img2ImgEncodeSteps(3, 1.0), 2);
  EXPECT_EQ(Img2ImgEncodeSteps(20, 0.75), 15);
  EXPECT_EQ(Img2ImgEncodeSteps(4, 0.0), 0);
  EXPECT_EQ(Img2ImgEncodeSteps(1000, 1.0), 999);
  for (double bad : {-0.01, 1.01, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_THROW(Img2ImgEncodeSteps(10, bad), std::invalid_argument) << bad;
  }
}

TEST(Img2ImgStepsTest, RefusesWhatItCannotDo) {
  SamplerOptions options;
  options.steps = 10;
  options.denoising_strength = 0.5;
  const Tensor x = Tensor::Zeros({1, 4, 8, 8});
  std::vector<float> timesteps;
  const Sampler img2img(options);
  EXPECT_THROW(img2img.Run(x, ToyModel(&timesteps)), std::invalid_argument);
  EXPECT_THROW(img2img.RunImg2Img(x, Tensor::Zeros({1, 4, 8, 9}), ToyModel(&timesteps)),
               tensor::ShapeError);
  EXPECT_THROW(img2img.RunImg2Img(Tensor(), x, ToyModel(&timesteps)), tensor::ShapeError);
  options.denoising_strength.reset();
  EXPECT_THROW(Sampler(options).RunImg2Img(x, x, ToyModel(&timesteps)), std::invalid_argument);
  for (double bad : {1.5, -0.5, std::numeric_limits<double>::infinity()}) {
    options.denoising_strength = bad;
    EXPECT_THROW(Sampler{options}, std::invalid_argument) << bad;
  }
  options.denoising_strength = 0.5;
  options.convention = Convention::kDiffusers;
  options.kind = SamplerKind::kDdim;
  EXPECT_THROW(Sampler{options}, std::invalid_argument);
}

InitImage ImageFrom(const Tensor& hwc) {
  InitImage image{static_cast<int>(hwc.dim(1)), static_cast<int>(hwc.dim(0)), {}};
  for (int64_t i = 0; i < hwc.numel(); ++i) {
    image.rgb.push_back(static_cast<uint8_t>(hwc.f32()[i]));
  }
  return image;
}

TEST(InitImageTest, ResizeIsPillowsLanczosByteForByte) {
  const auto file = tensor::SafetensorsFile::Open((FixtureDir() / "resize.safetensors").string());
  int cases = 0;
  for (int k = 0; file->Find("in_" + std::to_string(k)) != nullptr; ++k, ++cases) {
    const InitImage in = ImageFrom(file->GetAs("in_" + std::to_string(k), DType::kF32));
    const InitImage want = ImageFrom(file->GetAs("out_" + std::to_string(k), DType::kF32));
    SCOPED_TRACE(std::to_string(in.width) + "x" + std::to_string(in.height) + " -> " +
                 std::to_string(want.width) + "x" + std::to_string(want.height));
    const InitImage got = ResizeLanczos(in, want.width, want.height);
    ASSERT_EQ(got.width, want.width);
    ASSERT_EQ(got.height, want.height);
    int mismatches = 0;
    for (size_t i = 0; i < want.rgb.size(); ++i) mismatches += got.rgb[i] != want.rgb[i];
    EXPECT_EQ(mismatches, 0);
  }
  EXPECT_EQ(cases, 7);
}

TEST(InitImageTest, TensorIsEachByteOver255Times2Minus1) {
  const InitImage image{2, 1, {0, 255, 128, 1, 2, 254}};
  const Tensor t = InitImageTensor(image, 2, 1);
  ASSERT_EQ(t.shape(), (Shape{1, 3, 1, 2}));
  // Channel-major: R of both pixels, then G, then B.
  const float want[] = {0, 1, 255, 2, 128, 254};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.f32()[i], want[i] / 255.0f * 2.0f - 1.0f) << i;
  EXPECT_EQ(t.f32()[0], -1.0f);
  EXPECT_EQ(t.f32()[2], 1.0f);
}

TEST(InitImageTest, RejectsMalformedImages) {
  EXPECT_THROW(CheckInitImage({0, 1, {}}), std::invalid_argument);
  EXPECT_THROW(CheckInitImage({2, 2, std::vector<uint8_t>(11)}), std::invalid_argument);
  EXPECT_THROW(ResizeLanczos({1, 1, {1, 2, 3}}, 0, 4), std::invalid_argument);
  EXPECT_NO_THROW(CheckInitImage({2, 2, std::vector<uint8_t>(12)}));
}

}  // namespace
}  // namespace depict::diffusion
