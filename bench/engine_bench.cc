// Engine timing on a full-size checkpoint: text encoder, one UNet step with classifier-free
// guidance (batch 2) at 256x256 and 512x512, VAE decode, and peak memory.
//   python3 ../shared/tools/make_sd15_random.py sd15.safetensors F16   # random SD 1.5 weights
//   build/bench/engine_bench sd15.safetensors [--threads N] [--steps N] [--lora-rank R]
// --lora-rank R also times switching to a random rank-R LoRA on every attention and feed-forward
// Linear of the UNet (reading its file and binding it) and a 512x512 step with it applied.
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

#include "diffusion/lora.h"
#include "diffusion/text_encoder.h"
#include "diffusion/unet.h"
#include "diffusion/vae.h"
#include "tensor/engine.h"
#include "tensor/ops.h"
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
  int lora_rank = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--lora-rank") == 0) lora_rank = std::max(0, std::atoi(argv[i + 1]));
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
    if (lora_rank > 0) {
      // A random adapter on the layers LoRAs usually train, written and read back as a file.
      std::vector<std::pair<std::string, Tensor>> tensors;
      uint32_t state = 1;
      const auto random_tensor = [&](depict::tensor::Shape shape) {
        Tensor t = Tensor::Zeros(std::move(shape), depict::tensor::DType::kF16);
        auto* bits = static_cast<uint16_t*>(t.mutable_data());
        for (int64_t i = 0; i < t.numel(); ++i) {
          state = state * 1664525u + 1013904223u;
          bits[i] = depict::tensor::FloatToHalf(0.01f * ((state >> 8) / 16777216.0f - 0.5f));
        }
        return t;
      };
      for (const auto& target : unet.lora_targets().all()) {
        if (target.weight_shape.size() != 2 || (target.key.find("attn") == std::string::npos &&
                                                 target.key.find("ff_net") == std::string::npos)) {
          continue;
        }
        const int64_t r = lora_rank, out = target.weight_shape[0], in = target.weight_shape[1];
        tensors.emplace_back("lora_unet_" + target.key + ".lora_down.weight",
                             random_tensor({r, in}));
        tensors.emplace_back("lora_unet_" + target.key + ".lora_up.weight",
                             random_tensor({out, r}));
      }
      const std::string path = "/tmp/depict_engine_bench_lora.safetensors";
      depict::tensor::WriteSafetensors(path, tensors);
      timer.Lap();
      depict::diffusion::LoraSet set;
      depict::diffusion::BindLora(depict::diffusion::LoraFile::Load(path), 1.0f, 1.0f,
                                  unet.lora_targets(), encoder.lora_targets(), set);
      const double bind = timer.Lap();
      const Tensor x = Tensor::Zeros({2, 4, 64, 64});
      unet.Forward(x, 500.0f, context, &set.unet);
      const double with_lora = timer.Lap();
      std::printf("lora rank %d on %d layers: switch (read + bind) %.3f s, unet step 512x512 with "
                  "it %.2f s\n",
                  lora_rank, set.unet.count(), bind, with_lora);
      std::remove(path.c_str());
    }
    std::printf("threads: %d, peak RSS: %.2f GiB\n", depict::tensor::NumThreads(), PeakRssGiB());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
