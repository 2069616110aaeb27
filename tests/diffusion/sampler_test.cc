#include "diffusion/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace depict::diffusion {
namespace {

using tensor::Shape;
using tensor::Tensor;

// Full sampling runs written by tools/make_sampler_fixtures.py: k-diffusion 0.1.1.post1's
// sample_euler, sample_euler_ancestral and sample_dpmpp_2m on CompVisDenoiser /
// CompVisVDenoiser (driven as A1111 drives them), A1111 1.10's own DDIM and LCM samplers, and
// diffusers 0.32.2's DDIMScheduler and LCMScheduler, all in float32 (torch 1.13.1) on the toy
// model output = 0.1 x + 0.05 sin(t / 100) with fixed noise draws.
//
// Tolerances: every timestep the model is given within 1e-5 relative (1e-3 absolute near 0),
// and every output value within 5e-6 * (1 + |reference|) for the A1111 / k-diffusion cases,
// which depict computes with the same float32 operations (most cases come out bit-identical;
// the rest differ by a few units in the last place, from torch's vectorised pow, log and exp;
// the largest seen is 7e-7); diffusers' cases get 2e-5 (largest seen 2.2e-6), as diffusers builds
// alphas_cumprod in float32 (up to 8e-7 relative away from the model's, which depict uses).
constexpr double kTolerance = 5e-6;
constexpr double kDiffusersTolerance = 2e-5;

const nlohmann::json& Fixture() {
  static const nlohmann::json json = [] {
    const auto path = std::filesystem::path(DEPICT_FIXTURES) / "sampler" / "sampler.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
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

// The toy model of the fixtures, recording the timesteps it is given.
Denoiser ToyModel(std::vector<float>* timesteps) {
  return [timesteps](const Tensor& x, float t) {
    timesteps->push_back(t);
    Tensor out = Tensor::Zeros(x.shape());
    const float bias = 0.05f * std::sin(t / 100.0f);
    const float* px = x.f32();
    float* po = out.f32();
    for (int64_t i = 0; i < x.numel(); ++i) po[i] = 0.1f * px[i] + bias;
    return out;
  };
}

struct FixtureNoise {
  std::vector<Tensor> draws;
  size_t next = 1;  // draw 0 is the initial noise
  NoiseSource Source() {
    return [this](const Shape& shape) {
      EXPECT_LT(next, draws.size());
      EXPECT_EQ(shape, draws.at(next).shape());
      return draws.at(next++);
    };
  }
};

FixtureNoise LoadNoise() {
  FixtureNoise noise;
  const auto shape = Fixture()["shape"].get<Shape>();
  for (const auto& d : Fixture()["noise"]) noise.draws.push_back(FromJson(d, shape));
  return noise;
}

std::string CaseName(const nlohmann::json& c) {
  std::string name = c["sampler"].get<std::string>() + " / " + c["schedule"].get<std::string>() +
                     " / " + std::to_string(c["steps"].get<int>()) + " steps / " +
                     c["prediction"].get<std::string>() + " / " +
                     c["convention"].get<std::string>();
  if (c.contains("eta")) name += " / eta " + std::to_string(c["eta"].get<double>());
  if (c.contains("sgm_noise_multiplier")) name += " / SGM noise multiplier";
  return name;
}

SamplerOptions OptionsFor(const nlohmann::json& c) {
  const SamplerChoice choice =
      ParseSampler(c["sampler"].get<std::string>(), c["schedule"].get<std::string>());
  SamplerOptions options;
  options.kind = choice.kind;
  options.schedule = choice.schedule;
  options.steps = c["steps"].get<int>();
  options.prediction = ParsePrediction(c["prediction"].get<std::string>());
  options.convention = ParseConvention(c["convention"].get<std::string>());
  if (c.contains("eta")) options.eta = c["eta"].get<float>();
  options.sgm_noise_multiplier = c.value("sgm_noise_multiplier", false);
  return options;
}

TEST(DiffusionSamplerTest, MatchesReferenceImplementations) {
  const auto& cases = Fixture()["cases"];
  ASSERT_GE(cases.size(), 40u);
  const auto shape = Fixture()["shape"].get<Shape>();
  for (const auto& c : cases) {
    SCOPED_TRACE(CaseName(c) + " (" + c["source"].get<std::string>() + ")");
    const SamplerOptions options = OptionsFor(c);
    const Sampler sampler(options);
    FixtureNoise noise = LoadNoise();
    std::vector<float> timesteps;
    std::vector<int> progress;
    const Tensor out =
        sampler.Run(noise.draws[0], ToyModel(&timesteps), noise.Source(), [&](int step, int total) {
          EXPECT_EQ(total, sampler.evaluations());
          progress.push_back(step);
        });

    const auto want_t = c["timesteps"].get<std::vector<double>>();
    ASSERT_EQ(timesteps.size(), want_t.size());
    EXPECT_EQ(sampler.timesteps(), timesteps);
    for (size_t i = 0; i < want_t.size(); ++i) {
      EXPECT_NEAR(timesteps[i], want_t[i], std::max(1e-3, 1e-5 * want_t[i])) << "timestep " << i;
    }
    ASSERT_EQ(static_cast<int>(progress.size()), sampler.evaluations());
    for (size_t i = 0; i < progress.size(); ++i) EXPECT_EQ(progress[i], static_cast<int>(i + 1));

    const Tensor want = FromJson(c["output"], shape);
    ASSERT_EQ(out.shape(), shape);
    const double tolerance =
        options.convention == Convention::kDiffusers ? kDiffusersTolerance : kTolerance;
    double worst = 0.0;
    for (int64_t i = 0; i < out.numel(); ++i) {
      const double ref = want.f32()[i];
      worst = std::max(worst, std::abs(out.f32()[i] - ref) / (1.0 + std::abs(ref)));
    }
    EXPECT_LE(worst, tolerance);
  }
}

TEST(DiffusionSamplerTest, NoiseIsDrawnOnlyWhereItIsUsed) {
  FixtureNoise noise = LoadNoise();
  std::vector<float> timesteps;
  auto count_draws = [&](SamplerOptions options) {
    noise.next = 1;
    const Sampler sampler(options);
    sampler.Run(noise.draws[0], ToyModel(&timesteps), noise.Source());
    return static_cast<int>(noise.next - 1);
  };
  SamplerOptions o;
  o.steps = 10;
  o.kind = SamplerKind::kEuler;
  EXPECT_EQ(count_draws(o), 0);
  o.kind = SamplerKind::kDpmpp2m;
  EXPECT_EQ(count_draws(o), 0);
  o.kind = SamplerKind::kEulerAncestral;
  EXPECT_EQ(count_draws(o), 9);  // none after the last step, which lands on sigma 0
  o.kind = SamplerKind::kLcm;
  EXPECT_EQ(count_draws(o), 9);
  o.kind = SamplerKind::kDdim;
  EXPECT_EQ(count_draws(o), 0);
  o.eta = 1.0f;
  EXPECT_EQ(count_draws(o), 9);  // A1111's DDIM: 9 evaluations for 10 steps
  o.convention = Convention::kDiffusers;
  EXPECT_EQ(count_draws(o), 10);
}

TEST(DiffusionSamplerTest, ParsesA1111NamesAndScheduleTypes) {
  auto parse = [](std::string_view name, std::string_view schedule = "Automatic") {
    const SamplerChoice c = ParseSampler(name, schedule);
    return std::string(SamplerName(c.kind)) + "|" + std::string(ScheduleTypeName(c.schedule));
  };
  EXPECT_EQ(parse("Euler"), "Euler|Automatic");
  EXPECT_EQ(parse("Euler a"), "Euler a|Automatic");
  EXPECT_EQ(parse("euler A"), "Euler a|Automatic");
  EXPECT_EQ(parse("k_euler_a"), "Euler a|Automatic");
  EXPECT_EQ(parse("DPM++ 2M"), "DPM++ 2M|Automatic");
  EXPECT_EQ(parse("DPM++ 2M Karras"), "DPM++ 2M|Karras");
  EXPECT_EQ(parse("DPM++ 2M", "Karras"), "DPM++ 2M|Karras");
  EXPECT_EQ(parse("DPM++ 2M", "karras"), "DPM++ 2M|Karras");
  EXPECT_EQ(parse("DPM++ 2M Karras", "Karras"), "DPM++ 2M|Karras");
  EXPECT_EQ(parse("k_dpmpp_2m_ka"), "DPM++ 2M|Karras");
  EXPECT_EQ(parse("DPM++ 2M", "Uniform"), "DPM++ 2M|Uniform");
  EXPECT_EQ(parse("Euler Exponential"), "Euler|Exponential");
  EXPECT_EQ(parse("DDIM"), "DDIM|Automatic");
  EXPECT_EQ(parse("LCM", ""), "LCM|Automatic");
  EXPECT_THROW(ParseSampler("DPM++ 2M Karras", "Uniform"), std::invalid_argument);
  EXPECT_THROW(ParseSampler("Euler", "Simple"), std::invalid_argument);

  // What "Automatic" becomes (A1111 1.9+: DPM++ 2M is Karras unless told otherwise).
  SamplerOptions o;
  o.kind = SamplerKind::kDpmpp2m;
  EXPECT_EQ(Sampler(o).schedule_type(), ScheduleType::kKarras);
  o.kind = SamplerKind::kEuler;
  EXPECT_EQ(Sampler(o).schedule_type(), ScheduleType::kUniform);
  o.kind = SamplerKind::kEulerAncestral;
  EXPECT_EQ(Sampler(o).schedule_type(), ScheduleType::kUniform);
  o.kind = SamplerKind::kDdim;
  EXPECT_EQ(Sampler(o).schedule_type(), ScheduleType::kAutomatic);
}

TEST(DiffusionSamplerTest, UnknownSamplerErrorListsTheValidNames) {
  try {
    ParseSampler("Heun");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'Heun'"), std::string::npos) << message;
    for (const std::string& name : SamplerNames()) {
      EXPECT_NE(message.find(name), std::string::npos) << name << " missing from: " << message;
    }
  }
  EXPECT_EQ(SamplerNames(), (std::vector<std::string>{"Euler", "Euler a", "DPM++ 2M",
                                                      "DPM++ 2M Karras", "DDIM", "LCM"}));
  for (const std::string& name : SamplerNames()) EXPECT_NO_THROW(ParseSampler(name)) << name;
  EXPECT_THROW(ParseSampler(""), std::invalid_argument);
  EXPECT_THROW(ParseSampler("Karras"), std::invalid_argument);
  EXPECT_THROW(ParseSampler("Euler a a"), std::invalid_argument);
}

TEST(DiffusionSamplerTest, RejectsInvalidOptions) {
  SamplerOptions o;
  o.steps = 0;
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  o.steps = 1001;
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  o.steps = 20;
  o.eta = 0.5f;  // Euler has no eta
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  o.kind = SamplerKind::kDpmpp2m;
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  o.kind = SamplerKind::kEulerAncestral;
  EXPECT_NO_THROW(Sampler{o});
  o.eta = -1.0f;
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  // Eta is 0..1 (A1111's sliders); 1e30, infinity and NaN were once accepted.
  o.eta = 1.0f;
  EXPECT_NO_THROW(Sampler{o});
  for (const float bad : {1.5f, 1e30f, std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN()}) {
    o.eta = bad;
    EXPECT_THROW(Sampler{o}, std::invalid_argument) << bad;
  }
  o.kind = SamplerKind::kDdim;
  o.eta = 2.0f;
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  o.kind = SamplerKind::kEulerAncestral;
  o.eta.reset();
  o.kind = SamplerKind::kDdim;
  o.schedule = ScheduleType::kKarras;  // DDIM has no schedule type
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  o.kind = SamplerKind::kLcm;
  EXPECT_NO_THROW(Sampler{o});  // A1111's LCM takes one
  o.convention = Convention::kDiffusers;
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  o.schedule = ScheduleType::kAutomatic;
  o.steps = 51;
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  o.kind = SamplerKind::kDdim;
  o.steps = 1000;  // diffusers would index timestep 1000
  EXPECT_THROW(Sampler{o}, std::invalid_argument);
  EXPECT_THROW(ParseConvention("comfy"), std::invalid_argument);
}

TEST(DiffusionSamplerTest, ChecksTensorsAndCallbacks) {
  const Tensor noise = Tensor::Zeros({1, 4, 2, 2});
  SamplerOptions o;
  o.steps = 3;
  auto identity = [](const Tensor& x, float) { return x; };
  EXPECT_THROW(Sampler(o).Run(noise, nullptr), std::invalid_argument);
  EXPECT_THROW(Sampler(o).Run(Tensor(), identity), tensor::ShapeError);
  EXPECT_THROW(Sampler(o).Run(Tensor::Zeros({1, 4, 2, 2}, tensor::DType::kF16), identity),
               tensor::ShapeError);
  auto wrong_shape = [](const Tensor&, float) { return Tensor::Zeros({1, 4, 2, 3}); };
  EXPECT_THROW(Sampler(o).Run(noise, wrong_shape), tensor::ShapeError);

  o.kind = SamplerKind::kEulerAncestral;
  const Sampler ancestral(o);
  EXPECT_TRUE(ancestral.uses_noise_source());
  EXPECT_THROW(ancestral.Run(noise, identity), std::invalid_argument);
  auto bad_noise = [](const Shape&) { return Tensor::Zeros({2}); };
  EXPECT_THROW(ancestral.Run(noise, identity, bad_noise), tensor::ShapeError);
  o.eta = 0.0f;  // eta 0: Euler a is Euler
  EXPECT_FALSE(Sampler(o).uses_noise_source());

  // A progress callback that throws stops sampling.
  struct Stop {};
  o.eta.reset();
  int calls = 0;
  EXPECT_THROW(ancestral.Run(
                   noise, identity, [](const Shape& s) { return Tensor::Zeros(s); },
                   [&](int step, int) {
                     ++calls;
                     if (step == 2) throw Stop{};
                   }),
               Stop);
  EXPECT_EQ(calls, 2);
}

// A denoiser that knows the answer: it recovers the noise level from the timestep and returns
// the eps or v that leads to `x0`. Every k-diffusion sampler's last step lands on the last
// denoised latent, so the result is x0 whatever the prediction type.
TEST(DiffusionSamplerTest, PerfectDenoiserGivesItsTargetForEpsAndV) {
  const DiscreteSchedule& schedule = DiscreteSchedule::StableDiffusion();
  const Shape shape = {2, 4, 3, 3};
  Tensor x0 = Tensor::Zeros(shape);
  Tensor noise = Tensor::Zeros(shape);
  for (int64_t i = 0; i < x0.numel(); ++i) {
    x0.f32()[i] = 0.5f * std::sin(0.3f * static_cast<float>(i));
    noise.f32()[i] = std::cos(1.7f * static_cast<float>(i) + 0.2f);
  }
  for (Prediction prediction : {Prediction::kEpsilon, Prediction::kV}) {
    auto perfect = [&](const Tensor& input, float t) {
      const float sigma = schedule.TToSigma(t);
      const Scalings s = GetScalings(prediction, sigma);
      Tensor out = Tensor::Zeros(input.shape());
      for (int64_t i = 0; i < input.numel(); ++i) {
        const double x = input.f32()[i] / s.c_in;  // back to sigma space
        out.f32()[i] = static_cast<float>((x0.f32()[i] - s.c_skip * x) / s.c_out);
      }
      return out;
    };
    for (SamplerKind kind :
         {SamplerKind::kEuler, SamplerKind::kEulerAncestral, SamplerKind::kDpmpp2m}) {
      for (int steps : {1, 5, 20}) {
        SamplerOptions o;
        o.kind = kind;
        o.steps = steps;
        o.prediction = prediction;
        const Tensor out = Sampler(o).Run(noise, perfect, [](const Shape& s) {
          Tensor t = Tensor::Zeros(s);
          std::fill(t.f32(), t.f32() + t.numel(), 0.25f);
          return t;
        });
        for (int64_t i = 0; i < out.numel(); ++i) {
          ASSERT_NEAR(out.f32()[i], x0.f32()[i], 2e-4)
              << SamplerName(kind) << " " << PredictionName(prediction) << " " << steps;
        }
      }
    }
  }
}

TEST(DiffusionSamplerTest, ReportsScheduleAndInitialScale) {
  const DiscreteSchedule& schedule = DiscreteSchedule::StableDiffusion();
  SamplerOptions o;
  o.steps = 4;
  const Sampler euler(o);
  EXPECT_EQ(euler.sigmas(), schedule.UniformSigmas(4));
  EXPECT_EQ(euler.evaluations(), 4);
  EXPECT_EQ(euler.initial_noise_scale(), euler.sigmas().front());
  EXPECT_NEAR(euler.initial_noise_scale(), schedule.sigma_max(), 1e-5);
  o.sgm_noise_multiplier = true;
  EXPECT_FLOAT_EQ(Sampler(o).initial_noise_scale(),
                  std::sqrt(1.0f + schedule.sigma_max() * schedule.sigma_max()));
  o.sgm_noise_multiplier = false;
  o.kind = SamplerKind::kDdim;
  const Sampler ddim(o);
  EXPECT_TRUE(ddim.sigmas().empty());
  EXPECT_EQ(ddim.timesteps(), (std::vector<float>{751, 501, 251}));
  EXPECT_EQ(ddim.initial_noise_scale(), 1.0f);
  o.convention = Convention::kDiffusers;
  EXPECT_EQ(Sampler(o).timesteps(), (std::vector<float>{751, 501, 251, 1}));
  o.kind = SamplerKind::kLcm;
  EXPECT_EQ(Sampler(o).timesteps(), (std::vector<float>{999, 759, 499, 259}));
  o.convention = Convention::kA1111;
  EXPECT_EQ(Sampler(o).timesteps(), (std::vector<float>{999, 679, 339, 19}));
  EXPECT_EQ(Sampler(o).sigmas(), LcmSchedule().Sigmas(4));
}

}  // namespace
}  // namespace depict::diffusion
