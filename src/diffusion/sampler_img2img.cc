// img2img's part of the sampler (sampler.h, "img2img"): A1111's step arithmetic, and the start
// from a noised init latent.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "diffusion/sampler.h"

namespace depict::diffusion {
namespace {

using tensor::DType;
using tensor::ShapeError;
using tensor::Tensor;

// Drops all but the last `keep` elements.
template <typename T>
void KeepLast(std::vector<T>& v, size_t keep) {
  if (v.size() > keep) v.erase(v.begin(), v.end() - static_cast<std::ptrdiff_t>(keep));
}

void CheckStrength(double strength) {
  if (!(strength >= 0.0 && strength <= 1.0)) {  // false for NaN too
    throw std::invalid_argument("denoising strength must be a number from 0 to 1, not " +
                                std::to_string(strength));
  }
}

void CheckLatent(const Tensor& t, const char* what) {
  if (t.empty() || t.dtype() != DType::kF32) {
    throw ShapeError(std::string("sampler: the ") + what + " must be a non-empty F32 tensor");
  }
}

}  // namespace

int Img2ImgEncodeSteps(int steps, double denoising_strength) {
  CheckStrength(denoising_strength);
  if (steps < 1) throw std::invalid_argument("img2img: steps must be at least 1");
  // Python's int(min(s, 0.999) * steps): a double product, truncated. The cap keeps t_enc below
  // steps, so there is always a noise level (or DDIM timestep) above the first one run.
  return static_cast<int>(std::min(denoising_strength, 0.999) * steps);
}

void Sampler::SetUpImg2Img() {
  const double strength = *options_.denoising_strength;
  CheckStrength(strength);
  if (options_.convention == Convention::kDiffusers &&
      (options_.kind == SamplerKind::kDdim || options_.kind == SamplerKind::kLcm)) {
    throw std::invalid_argument(std::string(SamplerName(options_.kind)) +
                                " (diffusers): img2img follows A1111's samplers only");
  }
  const int steps = options_.steps;
  const int t_enc = Img2ImgEncodeSteps(steps, strength);
  if (options_.kind == SamplerKind::kDdim) {
    // txt2img steps from ts[i] to ts[i - 1] for i = len - 1 down to 1; A1111's img2img passes
    // ddim() only ts[:t_enc], so i runs from t_enc - 1 down to 1: the last t_enc - 1 steps.
    const std::vector<int> ts = A1111DdimTimesteps(steps, schedule_.train_steps());
    const auto keep = static_cast<size_t>(std::max(t_enc - 1, 0));
    KeepLast(step_from_, keep);
    KeepLast(step_to_, keep);
    KeepLast(timesteps_, keep);
    // float32, as torch.sqrt of the model's alphas_cumprod buffer and of 1 minus it.
    const float a = schedule_.alphas_cumprod()[static_cast<size_t>(ts[static_cast<size_t>(t_enc)])];
    init_scale_ = std::sqrt(a);
    initial_scale_ = std::sqrt(1.0f - a);
    return;
  }
  // sigmas[N - t_enc - 1:] of the N + 1 levels (the last is 0): the last t_enc + 2 levels and
  // the timesteps of all but the 0, t_enc + 1 evaluations.
  KeepLast(sigmas_, static_cast<size_t>(t_enc) + 2);
  KeepLast(timesteps_, static_cast<size_t>(t_enc) + 1);
  init_scale_ = 1.0f;
  initial_scale_ = sigmas_.front();
}

Tensor Sampler::RunImg2Img(const Tensor& init_latent, const Tensor& noise, const Denoiser& denoiser,
                           const NoiseSource& noise_source,
                           const ProgressCallback& progress) const {
  if (!img2img()) {
    throw std::invalid_argument("sampler: img2img needs a denoising strength in its options");
  }
  CheckLatent(init_latent, "init latent");
  CheckLatent(noise, "initial noise");
  if (init_latent.shape() != noise.shape()) {
    throw ShapeError("sampler: the init latent " + tensor::ShapeText(init_latent.shape()) +
                     " and the noise " + tensor::ShapeText(noise.shape()) + " differ in shape");
  }
  Tensor x = Tensor::Zeros(noise.shape());
  const float* pi = init_latent.f32();
  const float* pn = noise.f32();
  float* px = x.f32();
  const int64_t n = x.numel();
  // k-diffusion: init + noise * sigma (init_scale_ is 1, exact); DDIM: sqrt(a) init +
  // sqrt(1 - a) noise. Each product rounded on its own, as torch computes them.
  for (int64_t i = 0; i < n; ++i) px[i] = pi[i] * init_scale_ + pn[i] * initial_scale_;
  return Dispatch(std::move(x), denoiser, noise_source, progress);
}

}  // namespace depict::diffusion
