#include "diffusion/schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace depict::diffusion {
namespace {

// Reference values written by tools/make_sampler_fixtures.py from k-diffusion 0.1.1.post1
// (CompVisDenoiser over the CompVis LDM alphas_cumprod, get_sigmas, get_sigmas_karras,
// get_sigmas_exponential), A1111 1.10's LCMCompVisDenoiser and diffusers 0.32.2's DDIMScheduler
// and LCMScheduler, with torch 1.13.1 (float32).
constexpr double kRelative = 1e-5;        // noise levels: relative
constexpr double kBufferRelative = 1e-6;  // alphas_cumprod and the model's sigmas

const nlohmann::json& Fixture() {
  static const nlohmann::json json = [] {
    const auto path = std::filesystem::path(DEPICT_FIXTURES) / "sampler" / "schedule.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return nlohmann::json::parse(in);
  }();
  return json;
}

void ExpectRelativelyNear(const std::vector<float>& actual, const nlohmann::json& expected,
                          double tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double want = expected[i].get<double>();
    if (want == 0.0) {
      EXPECT_EQ(actual[i], 0.0f) << what << " [" << i << "]";
    } else {
      EXPECT_NEAR(actual[i], want, tolerance * std::abs(want)) << what << " [" << i << "]";
    }
  }
}

TEST(ScheduleTest, AlphasCumprodAndSigmasMatchTheModelBuffers) {
  const DiscreteSchedule& s = DiscreteSchedule::StableDiffusion();
  EXPECT_EQ(s.train_steps(), 1000);
  ExpectRelativelyNear(s.alphas_cumprod(), Fixture()["alphas_cumprod"], kBufferRelative,
                       "alphas_cumprod");
  ExpectRelativelyNear(s.sigmas(), Fixture()["sigmas"], kBufferRelative, "sigmas");
  EXPECT_NEAR(s.sigma_min(), 0.0291675, 1e-6);
  EXPECT_NEAR(s.sigma_max(), 14.614643, 1e-5);
  for (size_t i = 0; i < s.sigmas().size(); ++i) {
    const double a = s.alphas_cumprod()[i];
    EXPECT_NEAR(s.sqrt_alphas_cumprod()[i], std::sqrt(a), 1e-6);
    EXPECT_NEAR(s.sqrt_one_minus_alphas_cumprod()[i], std::sqrt(1.0 - a), 1e-6);
  }
}

TEST(ScheduleTest, DiffusersFloat32AlphasCumprodDiffersOnlyInTheLastBits) {
  // diffusers builds alphas_cumprod in float32; depict uses the model's (double, then float32)
  // for every sampler. They differ by less than 1e-6 relative.
  ExpectRelativelyNear(DiscreteSchedule::StableDiffusion().alphas_cumprod(),
                       Fixture()["diffusers_alphas_cumprod"], 1e-6, "diffusers alphas_cumprod");
}

TEST(ScheduleTest, SigmaToTInterpolatesInLogSigmaAndClamps) {
  const DiscreteSchedule& s = DiscreteSchedule::StableDiffusion();
  for (const auto& pair : Fixture()["sigma_to_t"]) {
    const auto sigma = pair[0].get<float>();
    const double want = pair[1].get<double>();
    EXPECT_NEAR(s.SigmaToT(sigma), want, 1e-4 + 1e-5 * want) << "sigma " << sigma;
  }
  EXPECT_EQ(s.SigmaToT(1e-4f), 0.0f);
  EXPECT_EQ(s.SigmaToT(100.0f), 999.0f);
}

TEST(ScheduleTest, TToSigmaInterpolatesBetweenNeighbours) {
  const DiscreteSchedule& s = DiscreteSchedule::StableDiffusion();
  for (const auto& pair : Fixture()["t_to_sigma"]) {
    const auto t = pair[0].get<float>();
    const double want = pair[1].get<double>();
    EXPECT_NEAR(s.TToSigma(t), want, kRelative * want) << "t " << t;
  }
  for (int t : {0, 1, 500, 999}) {
    // exp(log(sigma)) in float32: within a unit or two of the last place, as in k-diffusion.
    EXPECT_NEAR(s.TToSigma(static_cast<float>(t)), s.sigmas()[static_cast<size_t>(t)],
                1e-6 * s.sigmas()[static_cast<size_t>(t)]);
    EXPECT_NEAR(s.SigmaToT(s.sigmas()[static_cast<size_t>(t)]), t, 1e-3);
  }
  EXPECT_THROW(s.TToSigma(-0.5f), std::invalid_argument);
  EXPECT_THROW(s.TToSigma(999.5f), std::invalid_argument);
}

TEST(ScheduleTest, SigmaSequencesMatchKDiffusion) {
  const DiscreteSchedule& s = DiscreteSchedule::StableDiffusion();
  int checked = 0;
  for (const auto& seq : Fixture()["sigma_sequences"]) {
    const auto name = seq["schedule"].get<std::string>();
    const int n = seq["steps"].get<int>();
    std::vector<float> sigmas;
    if (name == "Uniform") {
      sigmas = s.UniformSigmas(n);
    } else if (name == "Karras") {
      sigmas = KarrasSigmas(n, s.sigma_min(), s.sigma_max());
    } else if (name == "Exponential") {
      sigmas = ExponentialSigmas(n, s.sigma_min(), s.sigma_max());
    } else {
      FAIL() << "unknown schedule " << name;
    }
    ExpectRelativelyNear(sigmas, seq["sigmas"], kRelative, name + " " + std::to_string(n));
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

TEST(ScheduleTest, SequencesEndInZeroAndDescend) {
  const DiscreteSchedule& s = DiscreteSchedule::StableDiffusion();
  for (const auto& sigmas : {s.UniformSigmas(20), KarrasSigmas(20, s.sigma_min(), s.sigma_max()),
                             ExponentialSigmas(20, s.sigma_min(), s.sigma_max())}) {
    ASSERT_EQ(sigmas.size(), 21u);
    EXPECT_FLOAT_EQ(sigmas.front(), s.sigma_max());
    EXPECT_NEAR(sigmas[19], s.sigma_min(), 1e-6);
    EXPECT_EQ(sigmas.back(), 0.0f);
    for (size_t i = 1; i < sigmas.size(); ++i) EXPECT_LT(sigmas[i], sigmas[i - 1]);
  }
  EXPECT_THROW(s.UniformSigmas(0), std::invalid_argument);
  EXPECT_THROW(KarrasSigmas(0, 0.1f, 10.0f), std::invalid_argument);
  EXPECT_THROW(KarrasSigmas(4, 0.0f, 10.0f), std::invalid_argument);
  EXPECT_THROW(ExponentialSigmas(4, 10.0f, 1.0f), std::invalid_argument);
}

TEST(ScheduleTest, LcmScheduleMatchesA1111) {
  const LcmSchedule lcm;
  EXPECT_EQ(lcm.skip(), 20);
  ASSERT_EQ(lcm.sigmas().size(), 50u);
  const DiscreteSchedule& s = DiscreteSchedule::StableDiffusion();
  EXPECT_EQ(lcm.sigma_min(), s.sigmas()[19]);
  EXPECT_EQ(lcm.sigma_max(), s.sigmas()[999]);
  for (const auto& c : Fixture()["a1111_lcm"]) {
    const int n = c["steps"].get<int>();
    const std::vector<float> sigmas = lcm.Sigmas(n);
    ExpectRelativelyNear(sigmas, c["sigmas"], kRelative, "LCM " + std::to_string(n));
    std::vector<int> timesteps;
    for (size_t i = 0; i + 1 < sigmas.size(); ++i) {
      timesteps.push_back(lcm.SigmaToTimestep(sigmas[i]));
    }
    EXPECT_EQ(timesteps, c["timesteps"].get<std::vector<int>>()) << "LCM " << n;
  }
}

TEST(ScheduleTest, DiffusersTimestepsMatch) {
  for (const auto& c : Fixture()["diffusers_ddim"]) {
    const int n = c["steps"].get<int>();
    EXPECT_EQ(DiffusersDdimTimesteps(n), c["timesteps"].get<std::vector<int>>()) << n;
  }
  for (const auto& c : Fixture()["diffusers_lcm"]) {
    const int n = c["steps"].get<int>();
    EXPECT_EQ(DiffusersLcmTimesteps(n), c["timesteps"].get<std::vector<int>>()) << n;
  }
  EXPECT_THROW(DiffusersLcmTimesteps(51), std::invalid_argument);
  EXPECT_THROW(DiffusersDdimTimesteps(0), std::invalid_argument);
}

TEST(ScheduleTest, A1111DdimTimesteps) {
  // A1111's CompVisSampler.get_timesteps: clip(range(0, 1000, 1000 // steps) + 1, 0, 999).
  EXPECT_EQ(A1111DdimTimesteps(4), (std::vector<int>{1, 251, 501, 751}));
  EXPECT_EQ(A1111DdimTimesteps(1), (std::vector<int>{1}));
  EXPECT_EQ(A1111DdimTimesteps(3), (std::vector<int>{1, 334, 667, 999}));
  EXPECT_EQ(A1111DdimTimesteps(7), (std::vector<int>{1, 143, 285, 427, 569, 711, 853, 995}));
  const std::vector<int> all = A1111DdimTimesteps(1000);
  ASSERT_EQ(all.size(), 1000u);
  EXPECT_EQ(all.front(), 1);
  EXPECT_EQ(all[998], 999);
  EXPECT_EQ(all.back(), 999);
  EXPECT_THROW(A1111DdimTimesteps(1001), std::invalid_argument);
}

TEST(ScheduleTest, ScalingsTurnEpsAndVIntoX0) {
  // x = x0 + sigma * eps in sigma space; the model sees x_t = x * c_in = sqrt(a) x0 + sqrt(1 - a)
  // eps and v = sqrt(a) eps - sqrt(1 - a) x0 (a = alphas_cumprod).
  const DiscreteSchedule& s = DiscreteSchedule::StableDiffusion();
  for (int t : {0, 10, 250, 500, 900, 999}) {
    const float sigma = s.sigmas()[static_cast<size_t>(t)];
    const double a = s.alphas_cumprod()[static_cast<size_t>(t)];
    const double x0 = 0.7;
    const double eps = -1.3;
    const double x = x0 + sigma * eps;
    const double v = std::sqrt(a) * eps - std::sqrt(1.0 - a) * x0;

    const Scalings e = GetScalings(Prediction::kEpsilon, sigma);
    EXPECT_EQ(e.c_skip, 1.0f);
    EXPECT_EQ(e.c_out, -sigma);
    EXPECT_NEAR(e.c_in, std::sqrt(a), 1e-6);
    EXPECT_NEAR(e.c_skip * x + e.c_out * eps, x0, 1e-5 * (1 + sigma));
    EXPECT_NEAR(x * e.c_in, std::sqrt(a) * x0 + std::sqrt(1.0 - a) * eps, 1e-5);

    const Scalings vs = GetScalings(Prediction::kV, sigma);
    EXPECT_NEAR(vs.c_skip, a, 1e-6);
    EXPECT_NEAR(vs.c_out, -std::sqrt(1.0 - a), 1e-6);
    EXPECT_EQ(vs.c_in, e.c_in);
    EXPECT_NEAR(vs.c_skip * x + vs.c_out * v, x0, 1e-5 * (1 + sigma));
  }
}

TEST(ScheduleTest, PredictionNames) {
  EXPECT_EQ(ParsePrediction("eps"), Prediction::kEpsilon);
  EXPECT_EQ(ParsePrediction("epsilon"), Prediction::kEpsilon);
  EXPECT_EQ(ParsePrediction("v"), Prediction::kV);
  EXPECT_EQ(ParsePrediction("v_prediction"), Prediction::kV);
  EXPECT_EQ(ParsePrediction("v-prediction"), Prediction::kV);
  EXPECT_EQ(PredictionName(Prediction::kV), "v");
  EXPECT_EQ(PredictionName(Prediction::kEpsilon), "eps");
  try {
    ParsePrediction("sample");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("eps"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("v_prediction"), std::string::npos) << e.what();
  }
}

TEST(ScheduleTest, OtherBetaSchedulesAreRejectedWhenInvalid) {
  EXPECT_THROW(DiscreteSchedule(0.0, 0.012, 1000), std::invalid_argument);
  EXPECT_THROW(DiscreteSchedule(0.02, 0.012, 1000), std::invalid_argument);
  EXPECT_THROW(DiscreteSchedule(0.00085, 0.012, 1), std::invalid_argument);
  const DiscreteSchedule small(0.00085, 0.012, 100);
  EXPECT_EQ(small.train_steps(), 100);
  EXPECT_EQ(small.UniformSigmas(4).size(), 5u);
}

}  // namespace
}  // namespace depict::diffusion
