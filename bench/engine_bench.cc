// Engine timing on a full-size checkpoint: text encoder, one UNet step with classifier-free
// guidance (batch 2) at 256x256 and 512x512, VAE decode, and peak memory.
//   python3 ../shared/tools/make_sd15_random.py sd15.safetensors F16   # random SD 1.5 weights
//   build/bench/engine_bench sd15.safetensors [--threads N] [--steps N]
// The first UNet step also converts and reorders weights into oneDNN's layout (cached), so it is
// reported apart from the steady-state steps that follow.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "diffusion/text_encoder.h"
#include "diffusion/unet.h"
#include "diffusion/vae.h"
#include "tensor/engine.h"
#include "tensor/safetensors.h"

namespace {

using depict::tensor::Tensor;

double PeakRssGiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / (1024.0 * 1024.0);  // ru_maxrss is in KiB on Linux
}

class Timer {
 public:
  double Lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: engine_bench CHECKPOINT.safetensors [--threads N] [--steps N]\n");
    return 2;
  }
  int steps = 2;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0)
      depict::tensor::SetNumThreads(std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--steps") == 0) steps = std::max(1, std::atoi(argv[i + 1]));
  }
  try {
    const auto file = depict::tensor::SafetensorsFile::Open(argv[1]);
    Timer timer;
    depict::diffusion::TextEncoder encoder(file);
    std::vector<depict::diffusion::TokenIds> ids(2);
    for (auto& row : ids) {
      row.fill(49407);
      row[0] = 49406;
    }
    timer.Lap();
    const Tensor context = encoder.Encode(ids);
    std::printf("text encoder (batch 2, 77 tokens): %.3f s\n", timer.Lap());
    const depict::diffusion::Unet unet(file);
    const depict::diffusion::VaeDecoder vae(file);
    for (int latent : {32, 64}) {
      const Tensor x = Tensor::Zeros({2, 4, latent, latent});
      timer.Lap();
      unet.Forward(x, 999.0f, context);
      const double first = timer.Lap();
      double total = 0;
      for (int s = 0; s < steps; ++s) {
        unet.Forward(x, 999.0f - 100.0f * (s + 1), context);
        total += timer.Lap();
      }
      std::printf("unet step, CFG batch 2, %dx%d: %.2f s/step (first step %.2f s)\n", latent * 8,
                  latent * 8, total / steps, first);
      const Tensor one = Tensor::Zeros({1, 4, latent, latent});
      timer.Lap();
      vae.Decode(one);
      std::printf("vae decode %dx%d: %.2f s\n", latent * 8, latent * 8, timer.Lap());
    }
    std::printf("threads: %d, peak RSS: %.2f GiB\n", depict::tensor::NumThreads(), PeakRssGiB());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
