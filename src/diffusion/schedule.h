// The noise schedule of Stable Diffusion 1.x and 2.x and the noise levels samplers step through,
// computed the way the tools people reproduce images from compute them (AUTOMATIC1111 on top of
// crowsonkb's k-diffusion, and diffusers), so that a seed and a sampler mean the same here.
//
// The model's schedule (the CompVis LDM code that A1111 runs): 1000 training steps, "linear"
// betas in the LDM sense (diffusers calls it "scaled_linear"): beta_t = (sqrt(0.00085) +
// t (sqrt(0.012) - sqrt(0.00085)) / 999)^2, alphas_cumprod_t = prod_{s <= t} (1 - beta_s), all
// in double and then stored as float32 (the model's buffer). k-diffusion's CompVisDenoiser turns
// these into noise levels sigma_t = sqrt((1 - alphas_cumprod_t) / alphas_cumprod_t) in float32,
// from 0.0292 (t = 0) to 14.6146 (t = 999). Every float32 quantity here is computed in float32
// with the operations torch performs, so the results agree with the tools to a unit or two in
// the last place.
//
// Samplers work in k-diffusion's "sigma space": x = x0 + sigma * eps. The model sees
// x * c_in and the timestep t = SigmaToT(sigma) (a real number: k-diffusion interpolates), and
// its output becomes the denoised estimate x0 = c_skip * x + c_out * output:
//   eps-prediction (SD 1.x, SD 2.x 512-base; CompVisDenoiser):
//       c_skip = 1, c_out = -sigma, c_in = 1 / sqrt(sigma^2 + 1)
//   v-prediction (SD 2.x 768-v; CompVisVDenoiser):
//       c_skip = 1 / (sigma^2 + 1), c_out = -sigma / sqrt(sigma^2 + 1), c_in = 1 / sqrt(sigma^2 +
//       1)
// (sigma_data = 1). DDIM and diffusers' schedulers work in the model's own space
// (x_t = sqrt(alphas_cumprod_t) x0 + sqrt(1 - alphas_cumprod_t) eps), which is x * c_in.
#ifndef DEPICT_DIFFUSION_SCHEDULE_H_
#define DEPICT_DIFFUSION_SCHEDULE_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace depict::diffusion {

// What the UNet predicts: the noise (SD 1.x, SD 2.x base) or v (SD 2.x 768-v models).
enum class Prediction : uint8_t { kEpsilon, kV };

// "eps", "epsilon", "v", "v_prediction" or "v-prediction"; anything else throws
// std::invalid_argument naming the choices.
Prediction ParsePrediction(std::string_view name);
std::string_view PredictionName(Prediction prediction);  // "eps" or "v"

// The coefficients that turn a model output into the denoised x0 in sigma space (see above).
struct Scalings {
  float c_skip;
  float c_out;
  float c_in;
};
Scalings GetScalings(Prediction prediction, float sigma);

// The discrete DDPM schedule of a model (A1111's model.alphas_cumprod, k-diffusion's
// DiscreteSchedule). Immutable; safe to share between threads.
class DiscreteSchedule {
 public:
  // The LDM "linear" beta schedule; the defaults are those of SD 1.x and 2.x.
  explicit DiscreteSchedule(double beta_start = 0.00085, double beta_end = 0.012,
                            int train_steps = 1000);
  // The SD 1.x/2.x schedule, built once.
  static const DiscreteSchedule& StableDiffusion();

  int train_steps() const { return static_cast<int>(sigmas_.size()); }
  // float32, as the model's buffers: alphas_cumprod, and its square roots computed in double.
  const std::vector<float>& alphas_cumprod() const { return alphas_cumprod_; }
  const std::vector<float>& sqrt_alphas_cumprod() const { return sqrt_alphas_cumprod_; }
  const std::vector<float>& sqrt_one_minus_alphas_cumprod() const { return sqrt_one_minus_; }
  // Noise levels by timestep (ascending) and their logarithms, float32.
  const std::vector<float>& sigmas() const { return sigmas_; }
  const std::vector<float>& log_sigmas() const { return log_sigmas_; }
  float sigma_min() const { return sigmas_.front(); }
  float sigma_max() const { return sigmas_.back(); }

  // k-diffusion's DiscreteSchedule.sigma_to_t (quantize=False): the timestep, interpolated
  // linearly in log sigma between the two neighbouring training timesteps and clamped to
  // [0, train_steps - 1].
  float SigmaToT(float sigma) const;
  // DiscreteSchedule.t_to_sigma: log sigma interpolated linearly between floor(t) and ceil(t);
  // t must lie in [0, train_steps - 1].
  float TToSigma(float t) const;

  // k-diffusion's get_sigmas(n), A1111's "Uniform" schedule and the "Automatic" one of Euler
  // and Euler a: n noise levels at timesteps spaced evenly from train_steps - 1 down to 0
  // (torch.linspace), then 0. n >= 1.
  std::vector<float> UniformSigmas(int n) const;

 private:
  std::vector<float> alphas_cumprod_;
  std::vector<float> sqrt_alphas_cumprod_;
  std::vector<float> sqrt_one_minus_;
  std::vector<float> sigmas_;
  std::vector<float> log_sigmas_;
};

// The schedule of A1111's "LCM" sampler (modules/sd_samplers_lcm.py, LCMCompVisDenoiser): the
// noise levels of the `original_steps` timesteps an LCM was distilled on (skip = 1000 / 50 = 20:
// timesteps 19, 39, ..., 999), with timesteps mapped to and from them.
class LcmSchedule {
 public:
  explicit LcmSchedule(const DiscreteSchedule& base = DiscreteSchedule::StableDiffusion(),
                       int original_steps = 50);

  int skip() const { return skip_; }
  const std::vector<float>& sigmas() const { return sigmas_; }  // ascending, float32
  float sigma_min() const { return sigmas_.front(); }
  float sigma_max() const { return sigmas_.back(); }

  // The timestep the model is given for a noise level: that of the nearest of the original
  // noise levels in log sigma (idx * skip + skip - 1), an integer.
  int SigmaToTimestep(float sigma) const;
  // The noise level at a (real) timestep: (t - (skip - 1)) / skip clamped to the original
  // indices, then interpolated in log sigma.
  float TimestepToSigma(float t) const;
  // LCMCompVisDenoiser.get_sigmas(n): n levels at timesteps spaced evenly from the largest
  // original timestep down to the smallest, then 0. n >= 1.
  std::vector<float> Sigmas(int n) const;

 private:
  int skip_;
  std::vector<float> sigmas_;
  std::vector<float> log_sigmas_;
};

// k-diffusion's get_sigmas_karras (A1111's "Karras" schedule, with the model's sigma_min and
// sigma_max and rho 7): n levels evenly spaced in sigma^(1/rho), then 0. n >= 1.
std::vector<float> KarrasSigmas(int n, float sigma_min, float sigma_max, double rho = 7.0);
// k-diffusion's get_sigmas_exponential (A1111's "Exponential"): n levels evenly spaced in
// log sigma from sigma_max down to sigma_min, then 0. n >= 1.
std::vector<float> ExponentialSigmas(int n, float sigma_min, float sigma_max);

// The timesteps of A1111's DDIM (modules/sd_samplers_timesteps.py, CompVisSampler.get_timesteps),
// ascending: k * (1000 / steps) + 1 for k = 0, 1, ... below 1000, clamped to 999 (so 1000 / steps
// rounded down decides how many there are: 4 steps give 1, 251, 501, 751). The sampler steps
// from each timestep to the one before it, so it evaluates the model at all but the first and
// ends at the noise level of timestep 1. 1 <= steps <= train_steps.
std::vector<int> A1111DdimTimesteps(int steps, int train_steps = 1000);
// diffusers' DDIMScheduler with the SD config (timestep_spacing "leading", steps_offset 1),
// descending: (steps - 1 - k) * (1000 / steps) + 1 (4 steps: 751, 501, 251, 1). Each step goes
// to the timestep 1000 / steps lower, the last to alphas_cumprod[0] (set_alpha_to_one false).
std::vector<int> DiffusersDdimTimesteps(int steps, int train_steps = 1000);
// diffusers' LCMScheduler (original_inference_steps 50), descending: of the original timesteps
// 999, 979, ..., 19 those at indices floor(k * 50 / steps) (4 steps: 999, 759, 499, 259).
// 1 <= steps <= original_steps.
std::vector<int> DiffusersLcmTimesteps(int steps, int train_steps = 1000, int original_steps = 50);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_SCHEDULE_H_
