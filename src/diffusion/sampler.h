// Samplers of the Stable Diffusion engine, by AUTOMATIC1111's names, doing what A1111 does with
// them, so that a seed, a sampler, a schedule type and a step count give the same latent as in
// A1111 (to float32 rounding):
//
//   "Euler"      k-diffusion's sample_euler. Schedule "Automatic": "Uniform".
//   "Euler a"    sample_euler_ancestral, eta 1 (A1111's "Eta for ancestral samplers"): each step
//                goes down to sigma_down, then adds sigma_up times a fresh noise draw, except
//                after the last. Schedule "Automatic": "Uniform".
//   "DPM++ 2M"   sample_dpmpp_2m (DPM-Solver++(2M), first order on the first and last steps).
//                Schedule "Automatic": "Karras" (A1111 1.9 and later; before 1.9 "DPM++ 2M"
//                meant "Uniform" and "DPM++ 2M Karras" was a sampler of its own: both names are
//                accepted, as A1111 still does).
//   "DDIM"       A1111's DDIM (modules/sd_samplers_timesteps_impl.py, A1111 1.6 and later):
//                timesteps from A1111DdimTimesteps(steps); the model runs at all of them but the
//                lowest (1), so N steps make N - 1 model evaluations when N divides 1000 and the
//                result keeps the noise of timestep 1. Eta 0 ("Eta for DDIM"). No schedule type.
//                With Convention::kDiffusers: diffusers' DDIMScheduler with the SD config
//                instead (N evaluations, the last one from timestep 1 to alphas_cumprod[0], as
//                the original CompVis DDIM sampler and A1111 before 1.6 did).
//   "LCM"        A1111's LCM sampler (modules/sd_samplers_lcm.py): k-diffusion-style steps over
//                LcmSchedule's noise levels, the model given the nearest original LCM timestep,
//                its x0 passed through the LCM boundary condition (c_skip, c_out at 10 t with
//                sigma_data 0.5), then noised to the next level with a fresh draw. With
//                Convention::kDiffusers: diffusers' LCMScheduler (other timesteps: 4 steps give
//                999, 759, 499, 259 where A1111 gives 999, 679, 339, 19). A1111 reads any model
//                output as eps here; depict converts v-prediction output properly.
//
// Schedule types (A1111's "Schedule type"; a name may also carry one as a suffix, "DPM++ 2M
// Karras", as A1111 parses it): "Automatic" (the sampler's own), "Uniform" (k-diffusion
// get_sigmas: timesteps evenly spaced), "Karras" (rho 7 between the model's sigma_min and
// sigma_max), "Exponential". They apply to the k-diffusion samplers and to LCM (A1111 builds
// LCM's Karras and Exponential schedules over LCM's own sigma range).
//
// Noise. The caller draws the initial noise (NoiseGenerator / BatchNoise in rng.h) and hands it
// to Run unscaled; k-diffusion samplers and A1111's LCM start from noise * sigmas[0] (or
// noise * sqrt(1 + sigmas[0]^2) with the "SGM noise multiplier" option), DDIM and diffusers'
// samplers from the noise itself. Samplers that add noise while stepping (Euler a, LCM, DDIM
// with eta > 0) ask the NoiseSource for each draw, in order, with the latent's shape. A1111
// draws these from the same generators as the initial noise (ImageRNG.next(): one generator per
// image, seed + i, continuing after the initial draw), so to reproduce A1111 the source must be
// the same BatchNoise whose first Next() gave the initial noise (A1111's "Eta noise seed delta",
// 0 by default, changes which generators those later draws come from: also the caller's
// concern). A1111 also draws (and throws away) a noise tensor on each step of Euler, of Euler a
// with eta 0 and of DDIM with eta 0; those draws change nothing in the result (the generators
// are not used again: a hires-fix pass starts new ones), and depict skips them: the source is
// called only for noise that is used.
//
// img2img (SamplerOptions::denoising_strength, A1111's "Denoising strength" s, with N steps):
// A1111 builds the schedule of N steps as txt2img does and runs only its end, with
// t_enc = int(min(s, 0.999) * N) (modules/sd_samplers_common.py, setup_img2img_steps, as A1111
// runs it by default: with the "img2img_fix_steps" option off; s is a double, as Python's float):
//   - k-diffusion samplers and LCM (sd_samplers_kdiffusion.py, KDiffusionSampler.
//     sample_img2img): the levels sigmas[N - t_enc - 1:], so t_enc + 1 model evaluations, from
//     x = init_latent + noise * sigmas[N - t_enc - 1] (no "SGM noise multiplier" here);
//   - DDIM (sd_samplers_timesteps.py, CompVisSampler.sample_img2img): ddim() over the timesteps
//     A1111DdimTimesteps(N)[:t_enc], stepping through them as txt2img steps through all of them
//     (t_enc - 1 evaluations, none when t_enc <= 1), from x = sqrt(a) init_latent +
//     sqrt(1 - a) noise with a = alphas_cumprod[A1111DdimTimesteps(N)[t_enc]]: A1111 noises
//     the latent to the timestep above the first one it evaluates, and returns it as it is when
//     t_enc <= 1.
// Strength 0 still runs one step with the k-diffusion samplers and LCM (from the lowest noise
// level to 0), as in A1111; with DDIM none.
// The noise is the same first draw txt2img starts from, and later draws continue after it.
// diffusers' img2img (Convention::kDiffusers) counts its steps otherwise and is not offered.
//
// Not matched: A1111 before 1.8 (and later with "Downcast model alphas_cumprod to fp16") built
// its noise levels from a float16 alphas_cumprod; depict uses the float32 buffer of A1111 1.8+.
//
// The Denoiser runs the model: given the model input (the latent already multiplied by c_in,
// batch first) and the timestep (a real number for the k-diffusion samplers: the interpolated
// SigmaToT of the current noise level), it returns the model's raw output (eps or v, the same
// shape), with classifier-free guidance already applied: uncond + scale * (cond - uncond) of
// the model outputs, which gives the same denoised latent as A1111's guidance of the denoised
// latents since x0 is affine in the output.
#ifndef DEPICT_DIFFUSION_SAMPLER_H_
#define DEPICT_DIFFUSION_SAMPLER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diffusion/schedule.h"
#include "tensor/tensor.h"

namespace depict::diffusion {

// The model with guidance: (model input = x * c_in, timestep) -> eps or v, same shape, F32.
using Denoiser =
    std::function<tensor::Tensor(const tensor::Tensor& x_scaled_input, float timestep)>;
// The next standard normal draw of the given shape (see "Noise" above).
using NoiseSource = std::function<tensor::Tensor(const tensor::Shape& shape)>;
// Called after each model evaluation with step = 1..total; may throw to stop sampling.
using ProgressCallback = std::function<void(int step, int total)>;

enum class SamplerKind : uint8_t { kEuler, kEulerAncestral, kDpmpp2m, kDdim, kLcm };
enum class ScheduleType : uint8_t { kAutomatic, kUniform, kKarras, kExponential };
// Whose behaviour DDIM and LCM follow (the k-diffusion samplers are the same in both).
enum class Convention : uint8_t { kA1111, kDiffusers };

// "Euler", "Euler a", "DPM++ 2M", "DDIM", "LCM".
std::string_view SamplerName(SamplerKind kind);
// "Automatic", "Uniform", "Karras", "Exponential".
std::string_view ScheduleTypeName(ScheduleType type);
// The names ParseSampler lists as valid: the samplers, and "DPM++ 2M Karras".
const std::vector<std::string>& SamplerNames();

// A schedule type by A1111's label or name, any case ("Karras", "karras"); an empty string is
// "Automatic". Anything else throws std::invalid_argument listing the choices.
ScheduleType ParseScheduleType(std::string_view name);
// "Convention" by name: "a1111" or "diffusers" (any case).
Convention ParseConvention(std::string_view name);

struct SamplerChoice {
  SamplerKind kind = SamplerKind::kEuler;
  ScheduleType schedule = ScheduleType::kAutomatic;
};
// A sampler by A1111's name or alias, any case ("Euler a", "k_euler_a", "DPM++ 2M Karras",
// "k_dpmpp_2m_ka", "ddim", "k_lcm"), optionally followed by a schedule type ("Euler Karras");
// `schedule` is the separate "Schedule type" option and may be empty or "Automatic". A suffix and
// a different explicit schedule conflict. Unknown names throw std::invalid_argument with a
// message that lists the valid names.
SamplerChoice ParseSampler(std::string_view name, std::string_view schedule = "Automatic");

// What "Automatic" means for a sampler: Uniform for Euler, Euler a and LCM, Karras for DPM++ 2M,
// Automatic for DDIM (which has none).
ScheduleType DefaultSchedule(SamplerKind kind);

// Eta above 1 is outside A1111's sliders ("Eta for DDIM", "Eta for ancestral samplers", both
// 0..1), and for DDIM it asks for more noise than the step removes (the square root of a
// negative number): the sampler refuses it, and NaN or infinity.
inline constexpr float kMaxEta = 1.0f;

struct SamplerOptions {
  SamplerKind kind = SamplerKind::kEuler;
  ScheduleType schedule = ScheduleType::kAutomatic;
  Prediction prediction = Prediction::kEpsilon;
  int steps = 20;  // 1..1000 (diffusers' LCM: 1..50)
  // Euler a (default 1, A1111's "Eta for ancestral samplers") and DDIM (default 0, "Eta for
  // DDIM") only; setting it for another sampler is an error.
  std::optional<float> eta;  // 0..kMaxEta
  // A1111's "SGM noise multiplier" option (k-diffusion samplers and A1111's LCM; not img2img).
  bool sgm_noise_multiplier = false;
  Convention convention = Convention::kA1111;
  // img2img's "Denoising strength", 0..1 (see "img2img" above); unset for txt2img. A sampler
  // with one runs with RunImg2Img.
  std::optional<double> denoising_strength;
};

// A1111's t_enc for img2img: int(min(strength, 0.999) * steps), in double as Python computes
// it (0.7 * 10 is 7, where float32 arithmetic would give 6). strength in [0, 1].
int Img2ImgEncodeSteps(int steps, double denoising_strength);

// A configured sampler: the noise levels and timesteps are fixed at construction (invalid
// options throw std::invalid_argument there). Run may be called any number of times, from any
// thread.
class Sampler {
 public:
  // The sampler keeps its own copy of `schedule`.
  explicit Sampler(SamplerOptions options,
                   const DiscreteSchedule& schedule = DiscreteSchedule::StableDiffusion());

  const SamplerOptions& options() const { return options_; }
  // The schedule type in effect ("Automatic" resolved; Automatic for DDIM and diffusers' LCM).
  ScheduleType schedule_type() const { return schedule_type_; }
  // The noise levels stepped through, ending with 0 (k-diffusion samplers and A1111's LCM; for
  // img2img, only the end that is run); empty for DDIM and diffusers' LCM, which step through
  // timesteps().
  const std::vector<float>& sigmas() const { return sigmas_; }
  // The timestep the Denoiser is given at each model evaluation, in order.
  const std::vector<float>& timesteps() const { return timesteps_; }
  // The number of model evaluations: the progress callback's total.
  int evaluations() const { return static_cast<int>(timesteps_.size()); }
  // What Run multiplies the initial noise by (RunImg2Img: the noise added to the init latent).
  float initial_noise_scale() const { return initial_scale_; }
  // What RunImg2Img multiplies the init latent by (1 but for DDIM).
  float init_latent_scale() const { return init_scale_; }
  bool img2img() const { return options_.denoising_strength.has_value(); }
  // Whether Run needs a NoiseSource (Euler a with eta > 0, LCM with more than one step, DDIM
  // with eta > 0).
  bool uses_noise_source() const;

  // Samples from `noise` (F32, [batch, channels, height, width] or any shape the Denoiser
  // takes; unscaled standard normal) and returns the final latent (the denoised x0 of the
  // last step). Throws std::invalid_argument when a needed NoiseSource is missing and
  // tensor::ShapeError when the Denoiser or NoiseSource returns the wrong shape or dtype.
  tensor::Tensor Run(const tensor::Tensor& noise, const Denoiser& denoiser,
                     const NoiseSource& noise_source = nullptr,
                     const ProgressCallback& progress = nullptr) const;
  // img2img (the options have a denoising strength; Run refuses those): samples from
  // init_latent * init_latent_scale() + noise * initial_noise_scale() (`init_latent` the
  // encoder's scaled latent, `noise` of its shape, unscaled standard normal), as Run does.
  tensor::Tensor RunImg2Img(const tensor::Tensor& init_latent, const tensor::Tensor& noise,
                            const Denoiser& denoiser, const NoiseSource& noise_source = nullptr,
                            const ProgressCallback& progress = nullptr) const;

 private:
  // Keeps the end of the txt2img schedule that img2img runs (sampler_img2img.cc).
  void SetUpImg2Img();
  tensor::Tensor Dispatch(tensor::Tensor x, const Denoiser& denoiser,
                          const NoiseSource& noise_source, const ProgressCallback& progress) const;
  tensor::Tensor RunKDiffusion(tensor::Tensor x, const Denoiser& denoiser,
                               const NoiseSource& noise_source,
                               const ProgressCallback& progress) const;
  tensor::Tensor RunDdim(tensor::Tensor x, const Denoiser& denoiser,
                         const NoiseSource& noise_source, const ProgressCallback& progress) const;
  tensor::Tensor RunDiffusersLcm(tensor::Tensor x, const Denoiser& denoiser,
                                 const NoiseSource& noise_source,
                                 const ProgressCallback& progress) const;

  SamplerOptions options_;
  DiscreteSchedule schedule_;
  ScheduleType schedule_type_ = ScheduleType::kAutomatic;
  float eta_ = 0.0f;
  float initial_scale_ = 1.0f;
  float init_scale_ = 1.0f;
  std::vector<float> sigmas_;
  std::vector<float> timesteps_;
  // DDIM and diffusers' LCM: for each evaluation, the timestep stepped to (-1: alphas_cumprod[0]
  // for diffusers' DDIM; the same timestep for the last LCM step).
  std::vector<int> step_from_;
  std::vector<int> step_to_;
};

// Sampler(options).Run(...) in one call.
tensor::Tensor Sample(const SamplerOptions& options, const tensor::Tensor& noise,
                      const Denoiser& denoiser, const NoiseSource& noise_source = nullptr,
                      const ProgressCallback& progress = nullptr);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_SAMPLER_H_
