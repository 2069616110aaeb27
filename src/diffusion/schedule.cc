#include "diffusion/schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace depict::diffusion {
namespace {

// torch.linspace(start, end, n) on the CPU: the first half counted up from start, the second
// half counted down from end, in T (float32 for float tensors, double for float64 ones).
template <typename T>
std::vector<T> Linspace(T start, T end, int n) {
  std::vector<T> out(static_cast<size_t>(n));
  if (n == 1) {
    out[0] = start;
    return out;
  }
  const T step = (end - start) / static_cast<T>(n - 1);
  const int halfway = n / 2;
  for (int i = 0; i < n; ++i) {
    out[static_cast<size_t>(i)] =
        i < halfway ? start + step * static_cast<T>(i) : end - step * static_cast<T>(n - 1 - i);
  }
  return out;
}

void CheckSteps(int n, const char* what) {
  if (n < 1) {
    throw std::invalid_argument(
        std::string(what) + ": the number of steps must be at least 1, not " + std::to_string(n));
  }
}

// k-diffusion's DiscreteSchedule.sigma_to_t over a table of ascending log sigmas, float32.
float InterpolatedT(const std::vector<float>& log_sigmas, float sigma) {
  const float log_sigma = std::log(sigma);
  const int n = static_cast<int>(log_sigmas.size());
  // The last index whose log sigma is at most this one (0 when there is none), at most n - 2.
  int low = 0;
  for (int i = 0; i < n; ++i) {
    if (log_sigma - log_sigmas[static_cast<size_t>(i)] >= 0.0f) low = i;
  }
  low = std::min(low, n - 2);
  const int high = low + 1;
  const float lo = log_sigmas[static_cast<size_t>(low)];
  const float hi = log_sigmas[static_cast<size_t>(high)];
  const float w = std::clamp((lo - log_sigma) / (lo - hi), 0.0f, 1.0f);
  return (1.0f - w) * static_cast<float>(low) + w * static_cast<float>(high);
}

// DiscreteSchedule.t_to_sigma: t in [0, n - 1].
float InterpolatedSigma(const std::vector<float>& log_sigmas, float t) {
  const float max_t = static_cast<float>(log_sigmas.size() - 1);
  if (!(t >= 0.0f && t <= max_t)) {
    throw std::invalid_argument("timestep " + std::to_string(t) + " is outside [0, " +
                                std::to_string(log_sigmas.size() - 1) + "]");
  }
  const float low_t = std::floor(t);
  const float w = t - std::trunc(t);
  const auto low = static_cast<size_t>(low_t);
  const auto high = static_cast<size_t>(std::ceil(t));
  return std::exp((1.0f - w) * log_sigmas[low] + w * log_sigmas[high]);
}

std::vector<float> SigmasFromAlphasCumprod(const std::vector<float>& alphas_cumprod) {
  std::vector<float> sigmas(alphas_cumprod.size());
  for (size_t i = 0; i < sigmas.size(); ++i) {
    const float a = alphas_cumprod[i];
    sigmas[i] = std::sqrt((1.0f - a) / a);
  }
  return sigmas;
}

std::vector<float> Logs(const std::vector<float>& values) {
  std::vector<float> logs(values.size());
  for (size_t i = 0; i < values.size(); ++i) logs[i] = std::log(values[i]);
  return logs;
}

}  // namespace

Prediction ParsePrediction(std::string_view name) {
  if (name == "eps" || name == "epsilon") return Prediction::kEpsilon;
  if (name == "v" || name == "v_prediction" || name == "v-prediction") return Prediction::kV;
  throw std::invalid_argument("unknown prediction type '" + std::string(name) +
                              "': valid types are eps (epsilon) and v (v_prediction)");
}

std::string_view PredictionName(Prediction prediction) {
  return prediction == Prediction::kV ? "v" : "eps";
}

Scalings GetScalings(Prediction prediction, float sigma) {
  const float s2p1 = sigma * sigma + 1.0f;
  const float root = std::sqrt(s2p1);
  const float c_in = 1.0f / root;
  if (prediction == Prediction::kV) return {1.0f / s2p1, -sigma / root, c_in};
  return {1.0f, -sigma, c_in};
}

DiscreteSchedule::DiscreteSchedule(double beta_start, double beta_end, int train_steps) {
  if (train_steps < 2) throw std::invalid_argument("a schedule needs at least 2 training steps");
  if (!(beta_start > 0.0 && beta_end < 1.0 && beta_start <= beta_end)) {
    throw std::invalid_argument("betas must satisfy 0 < beta_start <= beta_end < 1");
  }
  const std::vector<double> roots =
      Linspace<double>(std::sqrt(beta_start), std::sqrt(beta_end), train_steps);
  const auto n = static_cast<size_t>(train_steps);
  alphas_cumprod_.resize(n);
  sqrt_alphas_cumprod_.resize(n);
  sqrt_one_minus_.resize(n);
  double product = 1.0;
  for (size_t i = 0; i < n; ++i) {
    product *= 1.0 - roots[i] * roots[i];
    alphas_cumprod_[i] = static_cast<float>(product);
    sqrt_alphas_cumprod_[i] = static_cast<float>(std::sqrt(product));
    sqrt_one_minus_[i] = static_cast<float>(std::sqrt(1.0 - product));
  }
  sigmas_ = SigmasFromAlphasCumprod(alphas_cumprod_);
  log_sigmas_ = Logs(sigmas_);
}

const DiscreteSchedule& DiscreteSchedule::StableDiffusion() {
  static const DiscreteSchedule schedule;
  return schedule;
}

float DiscreteSchedule::SigmaToT(float sigma) const { return InterpolatedT(log_sigmas_, sigma); }

float DiscreteSchedule::TToSigma(float t) const { return InterpolatedSigma(log_sigmas_, t); }

std::vector<float> DiscreteSchedule::UniformSigmas(int n) const {
  CheckSteps(n, "uniform schedule");
  const std::vector<float> ts = Linspace<float>(static_cast<float>(train_steps() - 1), 0.0f, n);
  std::vector<float> sigmas;
  sigmas.reserve(ts.size() + 1);
  for (float t : ts) sigmas.push_back(TToSigma(t));
  sigmas.push_back(0.0f);
  return sigmas;
}

LcmSchedule::LcmSchedule(const DiscreteSchedule& base, int original_steps) {
  const int train = base.train_steps();
  if (original_steps < 2 || original_steps > train) {
    throw std::invalid_argument("LCM: original_steps must lie in [2, " + std::to_string(train) +
                                "]");
  }
  skip_ = train / original_steps;
  std::vector<float> alphas(static_cast<size_t>(original_steps));
  for (int x = 0; x < original_steps; ++x) {
    alphas[static_cast<size_t>(original_steps - 1 - x)] =
        base.alphas_cumprod()[static_cast<size_t>(train - 1 - x * skip_)];
  }
  sigmas_ = SigmasFromAlphasCumprod(alphas);
  log_sigmas_ = Logs(sigmas_);
}

int LcmSchedule::SigmaToTimestep(float sigma) const {
  const float log_sigma = std::log(sigma);
  size_t best = 0;
  float best_dist = std::abs(log_sigma - log_sigmas_[0]);
  for (size_t i = 1; i < log_sigmas_.size(); ++i) {
    const float dist = std::abs(log_sigma - log_sigmas_[i]);
    if (dist < best_dist) {
      best_dist = dist;
      best = i;
    }
  }
  return static_cast<int>(best) * skip_ + (skip_ - 1);
}

float LcmSchedule::TimestepToSigma(float t) const {
  const float index = (t - static_cast<float>(skip_ - 1)) / static_cast<float>(skip_);
  return InterpolatedSigma(log_sigmas_,
                           std::clamp(index, 0.0f, static_cast<float>(sigmas_.size() - 1)));
}

std::vector<float> LcmSchedule::Sigmas(int n) const {
  CheckSteps(n, "LCM schedule");
  const auto start = static_cast<float>(SigmaToTimestep(sigma_max()));
  const auto end = static_cast<float>(SigmaToTimestep(sigma_min()));
  std::vector<float> sigmas;
  sigmas.reserve(static_cast<size_t>(n) + 1);
  for (float t : Linspace<float>(start, end, n)) sigmas.push_back(TimestepToSigma(t));
  sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<float> KarrasSigmas(int n, float sigma_min, float sigma_max, double rho) {
  CheckSteps(n, "Karras schedule");
  if (!(sigma_min > 0.0f && sigma_min <= sigma_max) || !(rho > 0.0)) {
    throw std::invalid_argument("Karras schedule: needs 0 < sigma_min <= sigma_max and rho > 0");
  }
  // As torch computes it: the python-float constants meet a float32 ramp, so they are rounded
  // to float32 first.
  const double min_inv_rho = std::pow(static_cast<double>(sigma_min), 1.0 / rho);
  const double max_inv_rho = std::pow(static_cast<double>(sigma_max), 1.0 / rho);
  const auto span = static_cast<float>(min_inv_rho - max_inv_rho);
  const auto top = static_cast<float>(max_inv_rho);
  const auto power = static_cast<float>(rho);
  std::vector<float> sigmas;
  sigmas.reserve(static_cast<size_t>(n) + 1);
  for (float r : Linspace<float>(0.0f, 1.0f, n)) sigmas.push_back(std::pow(top + r * span, power));
  sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<float> ExponentialSigmas(int n, float sigma_min, float sigma_max) {
  CheckSteps(n, "exponential schedule");
  if (!(sigma_min > 0.0f && sigma_min <= sigma_max)) {
    throw std::invalid_argument("exponential schedule: needs 0 < sigma_min <= sigma_max");
  }
  const auto start = static_cast<float>(std::log(static_cast<double>(sigma_max)));
  const auto end = static_cast<float>(std::log(static_cast<double>(sigma_min)));
  std::vector<float> sigmas;
  sigmas.reserve(static_cast<size_t>(n) + 1);
  for (float l : Linspace<float>(start, end, n)) sigmas.push_back(std::exp(l));
  sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<int> A1111DdimTimesteps(int steps, int train_steps) {
  CheckSteps(steps, "DDIM");
  if (steps > train_steps) {
    throw std::invalid_argument("DDIM: at most " + std::to_string(train_steps) + " steps, not " +
                                std::to_string(steps));
  }
  const int stride = train_steps / steps;
  std::vector<int> timesteps;
  for (int t = 0; t < train_steps; t += stride)
    timesteps.push_back(std::min(t + 1, train_steps - 1));
  return timesteps;
}

std::vector<int> DiffusersDdimTimesteps(int steps, int train_steps) {
  CheckSteps(steps, "DDIM");
  if (steps > train_steps) {
    throw std::invalid_argument("DDIM: at most " + std::to_string(train_steps) + " steps, not " +
                                std::to_string(steps));
  }
  const int ratio = train_steps / steps;
  std::vector<int> timesteps;
  for (int k = steps - 1; k >= 0; --k) timesteps.push_back(k * ratio + 1);
  return timesteps;
}

std::vector<int> DiffusersLcmTimesteps(int steps, int train_steps, int original_steps) {
  CheckSteps(steps, "LCM");
  if (original_steps < 1 || original_steps > train_steps) {
    throw std::invalid_argument("LCM: original_steps must lie in [1, " +
                                std::to_string(train_steps) + "]");
  }
  if (steps > original_steps) {
    throw std::invalid_argument("LCM (diffusers): at most " + std::to_string(original_steps) +
                                " steps, not " + std::to_string(steps));
  }
  const int k = train_steps / original_steps;
  const double stride = static_cast<double>(original_steps) / steps;
  std::vector<int> timesteps;
  for (int i = 0; i < steps; ++i) {
    const auto index = static_cast<int>(std::floor(i * stride));  // into 999, 979, ..., 19
    timesteps.push_back((original_steps - index) * k - 1);
  }
  return timesteps;
}

}  // namespace depict::diffusion
