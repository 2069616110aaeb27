#include "diffusion/sampler.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace depict::diffusion {

using tensor::DType;
using tensor::Shape;
using tensor::ShapeError;
using tensor::Tensor;

namespace {

constexpr ScheduleType kScheduleTypes[] = {ScheduleType::kAutomatic, ScheduleType::kUniform,
                                           ScheduleType::kKarras, ScheduleType::kExponential};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A sampler by its exact lower-case name or alias; `schedule` is set by aliases that carry one.
bool LookUpSampler(const std::string& name, SamplerKind& kind, ScheduleType& schedule) {
  struct Entry {
    const char* name;
    SamplerKind kind;
    ScheduleType schedule;
  };
  static constexpr Entry kEntries[] = {
      {"euler", SamplerKind::kEuler, ScheduleType::kAutomatic},
      {"k_euler", SamplerKind::kEuler, ScheduleType::kAutomatic},
      {"euler a", SamplerKind::kEulerAncestral, ScheduleType::kAutomatic},
      {"k_euler_a", SamplerKind::kEulerAncestral, ScheduleType::kAutomatic},
      {"k_euler_ancestral", SamplerKind::kEulerAncestral, ScheduleType::kAutomatic},
      {"dpm++ 2m", SamplerKind::kDpmpp2m, ScheduleType::kAutomatic},
      {"k_dpmpp_2m", SamplerKind::kDpmpp2m, ScheduleType::kAutomatic},
      {"k_dpmpp_2m_ka", SamplerKind::kDpmpp2m, ScheduleType::kKarras},
      {"ddim", SamplerKind::kDdim, ScheduleType::kAutomatic},
      {"lcm", SamplerKind::kLcm, ScheduleType::kAutomatic},
      {"k_lcm", SamplerKind::kLcm, ScheduleType::kAutomatic},
  };
  for (const Entry& e : kEntries) {
    if (name == e.name) {
      kind = e.kind;
      schedule = e.schedule;
      return true;
    }
  }
  return false;
}

std::string SamplerChoicesText() {
  std::string text;
  for (const std::string& name : SamplerNames()) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text + " (a schedule type may follow the name: Uniform, Karras, Exponential)";
}

void CheckLatent(const Tensor& t, const Shape& shape, const char* what) {
  if (t.empty() || t.dtype() != DType::kF32 || t.shape() != shape) {
    throw ShapeError(std::string("sampler: the ") + what + " gave " +
                     (t.empty() ? std::string("an empty tensor")
                                : tensor::ShapeText(t.shape()) + " " +
                                      std::string(tensor::DTypeName(t.dtype()))) +
                     ", expected " + tensor::ShapeText(shape) + " F32");
  }
}

Tensor Scaled(const Tensor& x, float scale) {
  Tensor y = Tensor::Zeros(x.shape());
  const float* px = x.f32();
  float* py = y.f32();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) py[i] = px[i] * scale;
  return y;
}

// Runs the denoiser on `input` and checks what it returns.
Tensor Evaluate(const Denoiser& denoiser, const Tensor& input, float timestep) {
  Tensor out = denoiser(input, timestep);
  CheckLatent(out, input.shape(), "denoiser");
  return out;
}

Tensor Draw(const NoiseSource& source, const Shape& shape) {
  Tensor noise = source(shape);
  CheckLatent(noise, shape, "noise source");
  return noise;
}

// k-diffusion's CompVisDenoiser / CompVisVDenoiser: x0 from the model at noise level sigma.
Tensor Denoised(const Tensor& x, float sigma, float timestep, Prediction prediction,
                const Denoiser& denoiser) {
  const Scalings s = GetScalings(prediction, sigma);
  const Tensor out = Evaluate(denoiser, Scaled(x, s.c_in), timestep);
  Tensor denoised = Tensor::Zeros(x.shape());
  const float* px = x.f32();
  const float* po = out.f32();
  float* pd = denoised.f32();
  const int64_t n = x.numel();
  if (prediction == Prediction::kEpsilon) {
    for (int64_t i = 0; i < n; ++i) pd[i] = px[i] + po[i] * s.c_out;
  } else {
    for (int64_t i = 0; i < n; ++i) pd[i] = po[i] * s.c_out + px[i] * s.c_skip;
  }
  return denoised;
}

// The model output of DDIM and diffusers' schedulers (model input = the sample itself) as eps
// (A1111's CompVisTimestepsVDenoiser for v: sqrt(a) v + sqrt(1 - a) x, from the model's float32
// buffers).
void OutputToEps(const DiscreteSchedule& schedule, Prediction prediction, int t, const Tensor& x,
                 Tensor& out) {
  if (prediction == Prediction::kEpsilon) return;
  const float sa = schedule.sqrt_alphas_cumprod()[static_cast<size_t>(t)];
  const float sb = schedule.sqrt_one_minus_alphas_cumprod()[static_cast<size_t>(t)];
  const float* px = x.f32();
  float* po = out.f32();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) po[i] = sa * po[i] + sb * px[i];
}

void Report(const ProgressCallback& progress, int step, int total) {
  if (progress) progress(step, total);
}

}  // namespace

std::string_view SamplerName(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::kEuler:
      return "Euler";
    case SamplerKind::kEulerAncestral:
      return "Euler a";
    case SamplerKind::kDpmpp2m:
      return "DPM++ 2M";
    case SamplerKind::kDdim:
      return "DDIM";
    case SamplerKind::kLcm:
      return "LCM";
  }
  return "?";
}

std::string_view ScheduleTypeName(ScheduleType type) {
  switch (type) {
    case ScheduleType::kAutomatic:
      return "Automatic";
    case ScheduleType::kUniform:
      return "Uniform";
    case ScheduleType::kKarras:
      return "Karras";
    case ScheduleType::kExponential:
      return "Exponential";
  }
  return "?";
}

const std::vector<std::string>& SamplerNames() {
  static const std::vector<std::string> names = {"Euler",           "Euler a", "DPM++ 2M",
                                                 "DPM++ 2M Karras", "DDIM",    "LCM"};
  return names;
}

ScheduleType ParseScheduleType(std::string_view name) {
  const std::string lower = Lower(name);
  if (lower.empty()) return ScheduleType::kAutomatic;
  for (ScheduleType type : kScheduleTypes) {
    if (lower == Lower(ScheduleTypeName(type))) return type;
  }
  throw std::invalid_argument("unknown schedule type '" + std::string(name) +
                              "': valid types are Automatic, Uniform, Karras, Exponential");
}

Convention ParseConvention(std::string_view name) {
  const std::string lower = Lower(name);
  if (lower == "a1111") return Convention::kA1111;
  if (lower == "diffusers") return Convention::kDiffusers;
  throw std::invalid_argument("unknown convention '" + std::string(name) +
                              "': valid conventions are a1111 and diffusers");
}

SamplerChoice ParseSampler(std::string_view name, std::string_view schedule) {
  const ScheduleType requested = ParseScheduleType(schedule);
  const std::string lower = Lower(name);
  SamplerChoice choice;
  bool found = LookUpSampler(lower, choice.kind, choice.schedule);
  // A schedule type as a suffix: "DPM++ 2M Karras", "Euler a Uniform".
  for (size_t k = 1; !found && k < std::size(kScheduleTypes); ++k) {
    const std::string suffix = " " + Lower(ScheduleTypeName(kScheduleTypes[k]));
    if (lower.size() > suffix.size() &&
        lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        LookUpSampler(lower.substr(0, lower.size() - suffix.size()), choice.kind,
                      choice.schedule)) {
      if (choice.schedule != ScheduleType::kAutomatic && choice.schedule != kScheduleTypes[k]) {
        break;  // an alias that carries another schedule: not a name
      }
      choice.schedule = kScheduleTypes[k];
      found = true;
    }
  }
  if (!found) {
    throw std::invalid_argument("unknown sampler '" + std::string(name) + "': valid samplers are " +
                                SamplerChoicesText());
  }
  if (requested != ScheduleType::kAutomatic) {
    if (choice.schedule != ScheduleType::kAutomatic && choice.schedule != requested) {
      throw std::invalid_argument("sampler '" + std::string(name) + "' names the " +
                                  std::string(ScheduleTypeName(choice.schedule)) +
                                  " schedule but the schedule type is " +
                                  std::string(ScheduleTypeName(requested)));
    }
    choice.schedule = requested;
  }
  return choice;
}

ScheduleType DefaultSchedule(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::kDpmpp2m:
      return ScheduleType::kKarras;
    case SamplerKind::kDdim:
      return ScheduleType::kAutomatic;
    default:
      return ScheduleType::kUniform;
  }
}

Sampler::Sampler(SamplerOptions options, const DiscreteSchedule& schedule)
    : options_(std::move(options)), schedule_(schedule) {
  const int steps = options_.steps;
  const int train = schedule_.train_steps();
  const std::string name(SamplerName(options_.kind));
  if (steps < 1 || steps > train) {
    throw std::invalid_argument(name + ": steps must lie in [1, " + std::to_string(train) +
                                "], not " + std::to_string(steps));
  }
  const bool takes_eta =
      options_.kind == SamplerKind::kEulerAncestral || options_.kind == SamplerKind::kDdim;
  if (options_.eta.has_value()) {
    if (!takes_eta) {
      throw std::invalid_argument(name + " takes no eta (only Euler a and DDIM do)");
    }
    if (!(*options_.eta >= 0.0f && *options_.eta <= kMaxEta)) {  // false for NaN too
      throw std::invalid_argument(name + ": eta must be a number from 0 to 1, not " +
                                  std::to_string(*options_.eta));
    }
  }
  eta_ = options_.eta.value_or(options_.kind == SamplerKind::kEulerAncestral ? 1.0f : 0.0f);

  const bool timestep_sampler =
      options_.kind == SamplerKind::kDdim ||
      (options_.kind == SamplerKind::kLcm && options_.convention == Convention::kDiffusers);
  if (timestep_sampler) {
    if (options_.schedule != ScheduleType::kAutomatic) {
      throw std::invalid_argument(
          name + (options_.convention == Convention::kDiffusers ? " (diffusers)" : "") +
          " has no schedule type (it steps through fixed timesteps): leave it Automatic, not " +
          std::string(ScheduleTypeName(options_.schedule)));
    }
    schedule_type_ = ScheduleType::kAutomatic;
    if (options_.kind == SamplerKind::kLcm) {
      const std::vector<int> ts = DiffusersLcmTimesteps(steps, train);
      for (size_t i = 0; i < ts.size(); ++i) {
        step_from_.push_back(ts[i]);
        step_to_.push_back(i + 1 < ts.size() ? ts[i + 1] : ts[i]);
      }
    } else if (options_.convention == Convention::kDiffusers) {
      const std::vector<int> ts = DiffusersDdimTimesteps(steps, train);
      const int ratio = train / steps;
      for (int t : ts) {
        if (t >= train) {
          throw std::invalid_argument(
              "DDIM (diffusers): " + std::to_string(steps) + " steps reach timestep " +
              std::to_string(t) + ", past the model's last (" + std::to_string(train - 1) + ")");
        }
        step_from_.push_back(t);
        step_to_.push_back(t - ratio >= 0 ? t - ratio : -1);
      }
    } else {
      const std::vector<int> ts = A1111DdimTimesteps(steps, train);
      for (size_t index = ts.size() - 1; index >= 1; --index) {
        step_from_.push_back(ts[index]);
        step_to_.push_back(ts[index - 1]);
      }
    }
    for (int t : step_from_) timesteps_.push_back(static_cast<float>(t));
    initial_scale_ = 1.0f;
    if (img2img()) SetUpImg2Img();
    return;
  }

  schedule_type_ = options_.schedule == ScheduleType::kAutomatic ? DefaultSchedule(options_.kind)
                                                                 : options_.schedule;
  if (options_.kind == SamplerKind::kLcm) {
    const LcmSchedule lcm(schedule_);
    switch (schedule_type_) {
      case ScheduleType::kKarras:
        sigmas_ = KarrasSigmas(steps, lcm.sigma_min(), lcm.sigma_max());
        break;
      case ScheduleType::kExponential:
        sigmas_ = ExponentialSigmas(steps, lcm.sigma_min(), lcm.sigma_max());
        break;
      default:
        sigmas_ = lcm.Sigmas(steps);
    }
    for (size_t i = 0; i + 1 < sigmas_.size(); ++i) {
      timesteps_.push_back(static_cast<float>(lcm.SigmaToTimestep(sigmas_[i])));
    }
  } else {
    switch (schedule_type_) {
      case ScheduleType::kKarras:
        sigmas_ = KarrasSigmas(steps, schedule_.sigma_min(), schedule_.sigma_max());
        break;
      case ScheduleType::kExponential:
        sigmas_ = ExponentialSigmas(steps, schedule_.sigma_min(), schedule_.sigma_max());
        break;
      default:
        sigmas_ = schedule_.UniformSigmas(steps);
    }
    for (size_t i = 0; i + 1 < sigmas_.size(); ++i) {
      timesteps_.push_back(schedule_.SigmaToT(sigmas_[i]));
    }
  }
  const float s0 = sigmas_.front();
  initial_scale_ = options_.sgm_noise_multiplier ? std::sqrt(1.0f + s0 * s0) : s0;
  if (img2img()) SetUpImg2Img();
}

bool Sampler::uses_noise_source() const {
  switch (options_.kind) {
    case SamplerKind::kEulerAncestral:
      return eta_ > 0.0f && sigmas_.size() > 2;
    case SamplerKind::kLcm:
      return evaluations() > 1;
    case SamplerKind::kDdim:
      return eta_ > 0.0f && evaluations() > 0;
    default:
      return false;
  }
}

Tensor Sampler::Run(const Tensor& noise, const Denoiser& denoiser, const NoiseSource& noise_source,
                    const ProgressCallback& progress) const {
  if (noise.empty()) throw ShapeError("sampler: the initial noise is empty");
  if (noise.dtype() != DType::kF32) {
    throw ShapeError("sampler: the initial noise must be F32, not " +
                     std::string(tensor::DTypeName(noise.dtype())));
  }
  if (img2img()) {
    throw std::invalid_argument("sampler: a denoising strength is img2img's: use RunImg2Img");
  }
  return Dispatch(Scaled(noise, initial_scale_), denoiser, noise_source, progress);
}

Tensor Sampler::Dispatch(Tensor x, const Denoiser& denoiser, const NoiseSource& noise_source,
                         const ProgressCallback& progress) const {
  if (!denoiser) throw std::invalid_argument("sampler: no denoiser");
  if (uses_noise_source() && !noise_source) {
    throw std::invalid_argument(std::string(SamplerName(options_.kind)) +
                                " adds noise while sampling and needs a noise source");
  }
  if (options_.kind == SamplerKind::kDdim) {
    return RunDdim(std::move(x), denoiser, noise_source, progress);
  }
  if (options_.kind == SamplerKind::kLcm && options_.convention == Convention::kDiffusers) {
    return RunDiffusersLcm(std::move(x), denoiser, noise_source, progress);
  }
  return RunKDiffusion(std::move(x), denoiser, noise_source, progress);
}

Tensor Sampler::RunKDiffusion(Tensor x, const Denoiser& denoiser, const NoiseSource& noise_source,
                              const ProgressCallback& progress) const {
  const int total = evaluations();
  const int64_t n = x.numel();
  Tensor old_denoised;
  for (int i = 0; i < total; ++i) {
    const float sigma = sigmas_[static_cast<size_t>(i)];
    const float next = sigmas_[static_cast<size_t>(i) + 1];
    Tensor denoised =
        Denoised(x, sigma, timesteps_[static_cast<size_t>(i)], options_.prediction, denoiser);
    float* px = x.f32();
    const float* pd = denoised.f32();
    switch (options_.kind) {
      case SamplerKind::kEuler: {
        const float dt = next - sigma;
        for (int64_t j = 0; j < n; ++j) px[j] = px[j] + (px[j] - pd[j]) / sigma * dt;
        break;
      }
      case SamplerKind::kEulerAncestral: {
        // k-diffusion's get_ancestral_step.
        float down = next;
        float up = 0.0f;
        if (eta_ != 0.0f) {
          const float s2 = sigma * sigma;
          const float n2 = next * next;
          up = std::min(next, eta_ * std::sqrt(n2 * (s2 - n2) / s2));
          down = std::sqrt(n2 - up * up);
        }
        const float dt = down - sigma;
        for (int64_t j = 0; j < n; ++j) px[j] = px[j] + (px[j] - pd[j]) / sigma * dt;
        if (next > 0.0f && up != 0.0f) {
          const Tensor e = Draw(noise_source, x.shape());
          const float* pe = e.f32();
          for (int64_t j = 0; j < n; ++j) px[j] = px[j] + pe[j] * up;
        }
        break;
      }
      case SamplerKind::kDpmpp2m: {
        if (next == 0.0f) {
          // t_next = inf: the step lands on the denoised latent.
          for (int64_t j = 0; j < n; ++j) px[j] = pd[j];
        } else {
          const float t = -std::log(sigma);
          const float t_next = -std::log(next);
          const float h = t_next - t;
          const float ratio = std::exp(-t_next) / std::exp(-t);
          const float em = std::expm1(-h);
          if (old_denoised.empty()) {
            for (int64_t j = 0; j < n; ++j) px[j] = ratio * px[j] - em * pd[j];
          } else {
            const float h_last = t - -std::log(sigmas_[static_cast<size_t>(i) - 1]);
            const float r = h_last / h;
            const float half_inv_r = 1.0f / (2.0f * r);
            const float a = 1.0f + half_inv_r;
            const float* po = old_denoised.f32();
            for (int64_t j = 0; j < n; ++j) {
              const float d = a * pd[j] - half_inv_r * po[j];
              px[j] = ratio * px[j] - em * d;
            }
          }
        }
        old_denoised = std::move(denoised);
        break;
      }
      case SamplerKind::kLcm: {
        // A1111's LCMCompVisDenoiser.get_scaled_out, then sample_lcm's step.
        const float st = timesteps_[static_cast<size_t>(i)] * 10.0f;
        const float st2 = st * st;
        const float c_skip = 0.25f / (st2 + 0.25f);
        const float c_out = st / std::sqrt(st2 + 0.25f);
        for (int64_t j = 0; j < n; ++j) px[j] = c_out * pd[j] + c_skip * px[j];
        if (next > 0.0f) {
          const Tensor e = Draw(noise_source, x.shape());
          const float* pe = e.f32();
          for (int64_t j = 0; j < n; ++j) px[j] = px[j] + next * pe[j];
        }
        break;
      }
      case SamplerKind::kDdim:
        break;  // not a k-diffusion sampler
    }
    Report(progress, i + 1, total);
  }
  return x;
}

Tensor Sampler::RunDdim(Tensor x, const Denoiser& denoiser, const NoiseSource& noise_source,
                        const ProgressCallback& progress) const {
  const std::vector<float>& acp = schedule_.alphas_cumprod();
  const int total = evaluations();
  const int64_t n = x.numel();
  const bool diffusers = options_.convention == Convention::kDiffusers;
  for (int i = 0; i < total; ++i) {
    const int t = step_from_[static_cast<size_t>(i)];
    const int to = step_to_[static_cast<size_t>(i)];
    const float a_t = acp[static_cast<size_t>(t)];
    const float a_prev = acp[static_cast<size_t>(std::max(to, 0))];
    Tensor out = Evaluate(denoiser, x, static_cast<float>(t));
    float* px = x.f32();
    float* po = out.f32();
    float sigma_t = 0.0f;
    if (diffusers) {
      // DDIMScheduler.step, in float32.
      const float beta_t = 1.0f - a_t;
      const float beta_prev = 1.0f - a_prev;
      const float variance = (beta_prev / beta_t) * (1.0f - a_t / a_prev);
      sigma_t = eta_ * std::sqrt(variance);
      const float sa = std::sqrt(a_t);
      const float sb = std::sqrt(beta_t);
      const float dir = std::sqrt(1.0f - a_prev - sigma_t * sigma_t);
      const float sp = std::sqrt(a_prev);
      for (int64_t j = 0; j < n; ++j) {
        float x0;
        float eps;
        if (options_.prediction == Prediction::kEpsilon) {
          x0 = (px[j] - sb * po[j]) / sa;
          eps = po[j];
        } else {
          x0 = sa * px[j] - sb * po[j];
          eps = sa * po[j] + sb * px[j];
        }
        px[j] = sp * x0 + dir * eps;
      }
    } else {
      // A1111's ddim(): sigma_t in double as numpy computes it, the rest in float32.
      const double ap = a_prev;
      sigma_t = static_cast<float>(eta_ * std::sqrt((1.0 - ap) / static_cast<double>(1.0f - a_t) *
                                                    (1.0 - static_cast<double>(a_t) / ap)));
      OutputToEps(schedule_, options_.prediction, t, x, out);
      const float s1m = std::sqrt(1.0f - a_t);
      const float sa = std::sqrt(a_t);
      const float dir = std::sqrt(1.0f - a_prev - sigma_t * sigma_t);
      const float sp = std::sqrt(a_prev);
      for (int64_t j = 0; j < n; ++j) {
        const float x0 = (px[j] - s1m * po[j]) / sa;
        px[j] = sp * x0 + dir * po[j];
      }
    }
    if (sigma_t != 0.0f) {
      const Tensor e = Draw(noise_source, x.shape());
      const float* pe = e.f32();
      for (int64_t j = 0; j < n; ++j) px[j] = px[j] + sigma_t * pe[j];
    }
    Report(progress, i + 1, total);
  }
  return x;
}

Tensor Sampler::RunDiffusersLcm(Tensor x, const Denoiser& denoiser, const NoiseSource& noise_source,
                                const ProgressCallback& progress) const {
  const std::vector<float>& acp = schedule_.alphas_cumprod();
  const int total = evaluations();
  const int64_t n = x.numel();
  for (int i = 0; i < total; ++i) {
    const int t = step_from_[static_cast<size_t>(i)];
    const float a_t = acp[static_cast<size_t>(t)];
    const float a_prev = acp[static_cast<size_t>(step_to_[static_cast<size_t>(i)])];
    const float beta_t = 1.0f - a_t;
    const float st = static_cast<float>(t) * 10.0f;
    const float c_skip = 0.25f / (st * st + 0.25f);
    const float c_out = st / std::sqrt(st * st + 0.25f);
    const float sa = std::sqrt(a_t);
    const float sb = std::sqrt(beta_t);
    const Tensor out = Evaluate(denoiser, x, static_cast<float>(t));
    float* px = x.f32();
    const float* po = out.f32();
    for (int64_t j = 0; j < n; ++j) {
      const float x0 = options_.prediction == Prediction::kEpsilon ? (px[j] - sb * po[j]) / sa
                                                                   : sa * px[j] - sb * po[j];
      px[j] = c_out * x0 + c_skip * px[j];
    }
    if (i + 1 < total) {
      const float sp = std::sqrt(a_prev);
      const float sq = std::sqrt(1.0f - a_prev);
      const Tensor e = Draw(noise_source, x.shape());
      const float* pe = e.f32();
      for (int64_t j = 0; j < n; ++j) px[j] = sp * px[j] + sq * pe[j];
    }
    Report(progress, i + 1, total);
  }
  return x;
}

Tensor Sample(const SamplerOptions& options, const Tensor& noise, const Denoiser& denoiser,
              const NoiseSource& noise_source, const ProgressCallback& progress) {
  return Sampler(options).Run(noise, denoiser, noise_source, progress);
}

}  // namespace depict::diffusion
