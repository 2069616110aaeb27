// Text to image: a Stable Diffusion 1.x/2.x checkpoint loaded once, then one image per Generate
// call, as AUTOMATIC1111's txt2img makes it with the same settings.
//
//   prompt  -> LoRA tags out (ExtractLoraTags) -> attention weights and 75-token chunks
//           -> text encoder per chunk, weighted, chunks concatenated   (cond, and uncond from
//              the negative prompt; the shorter one padded with the empty prompt's encoding)
//   seed    -> initial noise [1, 4, H/8, W/8] from the chosen generator (rng.h)
//   sampler -> UNet on [x, x] with context [cond, uncond] in one batch of 2, guidance
//              uncond + cfg (cond - uncond) (one pass on cond alone when cfg is 1)
//   latent  -> VAE decoder -> 8-bit RGB
//
// img2img (a request with an init image): the image is resized to the request's size as A1111's
// "Just resize" does (init_image.h), encoded by the VAE encoder (vae_encoder.h) and sampled from
// its posterior as A1111 does (mean + std * noise, LDM's DiagonalGaussianDistribution.sample(),
// times the scaling factor), and the sampler runs the end of its schedule from that latent
// noised with the image's initial noise (sampler.h, "img2img": A1111's step arithmetic for the
// denoising strength). A1111 draws the posterior's noise with torch.randn from torch's global
// CPU generator, which it seeds with each image's seed when it makes that image's noise but
// draws from before the request's own seeds are set: its state is left by the generation before
// (the last image's seed), so A1111's own draw cannot be reproduced from the request alone.
// depict draws it from a CPU generator of its own seeded with the image's seed (whatever the
// request's noise generator), which is exactly A1111's draw when the generation before ended
// with the same seed (a request repeated). The posterior's spread is small next to its mean
// for SD's VAE, so the choice matters little.
//
// The model family comes from the tensors: an OpenCLIP text encoder (or a 1024-wide one in a
// diffusers folder) is SD 2.x, anything else SD 1.x. What shapes cannot tell comes from a
// diffusers folder's config files when there are some (unet/config.json: norm_num_groups,
// attention_head_dim / num_attention_heads; vae/config.json: norm_num_groups, scaling_factor;
// scheduler/scheduler_config.json: prediction_type), and otherwise from the family's standard
// values (32 groups; SD 1.x 8 heads, SD 2.x heads of 64). A single-file SD 2.x checkpoint is
// v-prediction (768-v) or epsilon (512-base) by the test A1111 uses: the UNet's output at t =
// 999 on a constant input is far below the input for a v model (LoadOptions::prediction
// overrides it).
#ifndef DEPICT_DIFFUSION_PIPELINE_H_
#define DEPICT_DIFFUSION_PIPELINE_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "diffusion/clip_tokenizer.h"
#include "diffusion/init_image.h"
#include "diffusion/lora.h"
#include "diffusion/prompt_parser.h"
#include "diffusion/rng.h"
#include "diffusion/sampler.h"
#include "diffusion/schedule.h"
#include "diffusion/text_encoder.h"
#include "diffusion/unet.h"
#include "diffusion/vae.h"
#include "diffusion/vae_encoder.h"

namespace depict::diffusion {

// A request the pipeline cannot run (a size that is not a multiple of 64, too many steps, an
// unknown LoRA); what() says which setting and why.
class GenerationError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class ModelFamily : uint8_t { kSd1, kSd2 };
std::string_view ModelFamilyName(ModelFamily family);  // "SD 1.x", "SD 2.x"

struct LoadOptions {
  // Where scripts/fetch-models.sh put the CLIP vocabulary (needed by single-file checkpoints;
  // diffusers folders bring their own tokenizer/).
  std::filesystem::path models_dir = "models";
  // Overrides the detected prediction type.
  std::optional<Prediction> prediction;
};

struct ModelInfo {
  std::filesystem::path path;
  std::string name;  // the file or folder name without extension, as A1111's "Model:"
  ModelFamily family = ModelFamily::kSd1;
  Prediction prediction = Prediction::kEpsilon;
  bool prediction_detected = false;  // false: from a config file, an override or the family
  int pad_id = kSd1PadId;
  UnetConfig unet;
  VaeConfig vae;
  std::optional<VaeEncoderConfig> vae_encoder;  // none: the checkpoint cannot do img2img
  TextEncoderConfig text_encoder;
};

struct GenerationRequest {
  std::string prompt;  // A1111 syntax: (weights), [weights], BREAK, <lora:name:w> tags
  std::string negative_prompt;
  int width = 512;  // multiples of 64, 64..4096
  int height = 512;
  int steps = 20;
  float cfg_scale = 7.0f;
  SamplerChoice sampler{SamplerKind::kDpmpp2m, ScheduleType::kAutomatic};
  std::optional<float> eta;  // Euler a / DDIM only
  uint64_t seed = 0;
  RngKind rng = RngKind::kPhilox;  // A1111's default ("GPU"); kCpu for ComfyUI and A1111 "CPU"
  int clip_skip = 1;
  // Adapters the operator chose (depict's --lora), besides the prompt's <lora:...> tags (which
  // are added to these). A name with a '/' is a path to the file, trusted as given; any other
  // name is looked up like a prompt's. Never fill this from untrusted input: a prompt's tags are
  // only ever names inside the LoRA directories.
  std::vector<LoraTag> loras;
  // img2img: the image to start from, any size (resized to width x height as A1111's "Just
  // resize" does), shared because a batch's requests usually carry the same one; null for
  // txt2img. The model needs a VAE encoder (ModelInfo::vae_encoder).
  std::shared_ptr<const InitImage> init_image;
  // How much of the init image to redo, 0..1 (A1111's "Denoising strength", default 0.75):
  // of `steps`, int(min(s, 0.999) * steps) + 1 run (DDIM: int(...) - 1); see sampler.h.
  double denoising_strength = 0.75;
};

struct GeneratedImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3, row by row
  tensor::Tensor latent;     // the sampler's final latent [1, 4, height / 8, width / 8]
  uint64_t seed = 0;
  std::string prompt;                    // the prompt the text encoder read (tags removed)
  std::vector<LoraTag> loras;            // the adapters applied
  std::vector<std::string> lora_hashes;  // A1111's short hash of each adapter's file
  int token_count = 0;                   // A1111's "n/75" count of the prompt
  double encode_seconds = 0.0;           // text encoder (cond and uncond)
  double sample_seconds = 0.0;           // the sampler's UNet evaluations
  double decode_seconds = 0.0;           // VAE decoder
  double image_encode_seconds = 0.0;     // VAE encoder (img2img)
};

// Called after each UNet evaluation (step 1..total).
using StepCallback = std::function<void(int step, int total)>;

// Finds LoRA files by name and keeps the ones already read, with their hashes, so a request
// that repeats an adapter does not read it again. A name (`<lora:name>` in a prompt) is looked
// up in each directory in turn as DIR/name or DIR/name.safetensors through io::ResolveInside: an
// absolute name, a ".." component or a symbolic link whose target leaves the directory is
// refused, so a prompt can never make depict open a file outside the LoRA directories.
// Thread-safe.
class LoraLibrary {
 public:
  explicit LoraLibrary(std::vector<std::filesystem::path> dirs = {});
  // The adapter called `name`, or with `operator_path` and a name containing '/', the file at
  // that path (the operator's own --lora FILE; never a prompt's tag). Throws GenerationError
  // naming the directories searched when no directory holds the name or the name is not
  // allowed, io::FileError for a file that cannot be opened and LoraError (or
  // tensor::FormatError) for a file that is not a LoRA.
  std::shared_ptr<const LoraFile> Get(const std::string& name, bool operator_path = false);
  // ShortFileHash of a file Get returned, computed once.
  std::string Hash(const LoraFile& file);

 private:
  std::filesystem::path Resolve(const std::string& name) const;

  struct Entry {
    std::string name;
    bool operator_path = false;
    std::shared_ptr<const LoraFile> file;
    std::string hash;
  };
  std::mutex mutex_;
  std::vector<std::filesystem::path> dirs_;
  std::vector<Entry> loaded_;
};

class StableDiffusion {
 public:
  // A single-file .safetensors checkpoint or a diffusers folder. Throws the components' errors
  // (TextEncoderError, UnetError, VaeError, ClipTokenizerError, tensor::FormatError) naming
  // the file and tensor, io::FileError for a path that is not a regular file (a FIFO, a
  // directory) and DiffusersConfigError for a folder's config file (read before any weights)
  // with a value of the wrong type or out of range.
  static std::unique_ptr<StableDiffusion> Load(const std::filesystem::path& path,
                                               const LoadOptions& options = {});

  const ModelInfo& info() const { return info_; }
  const ClipTokenizer& tokenizer() const { return tokenizer_; }

  // One image. `library` resolves LoRA names (required when the request or prompt names any).
  // Thread-safe: the model is read-only and LoRAs apply per call. Throws GenerationError and
  // PromptError for bad requests.
  GeneratedImage Generate(const GenerationRequest& request, LoraLibrary* library = nullptr,
                          const StepCallback& on_step = nullptr) const;

  // Several images in one UNet batch (2B rows with guidance), each as Generate would make it
  // alone (its own prompt, negative prompt, seed and noise generator), to float rounding:
  // batching trades latency for throughput. The requests must pass CanBatch pairwise; throws
  // GenerationError otherwise. `on_step` is called once per step for the whole batch.
  std::vector<GeneratedImage> GenerateBatch(const std::vector<GenerationRequest>& requests,
                                            LoraLibrary* library = nullptr,
                                            const StepCallback& on_step = nullptr) const;

  // Whether `a` and `b` can share a batch: BatchCompatible, and their contexts (prompt and
  // negative prompt, the longer of the two) have as many 75-token chunks, since padding a
  // shorter prompt to a longer one's length would change its image.
  bool CanBatch(const GenerationRequest& a, const GenerationRequest& b) const;
  size_t ContextChunks(const GenerationRequest& request) const;

  // The conditioning A1111 gives the UNet for a prompt: [1, 77 * chunks, width].
  tensor::Tensor EncodePrompt(const std::string& prompt, int clip_skip,
                              const LoraSet* loras = nullptr, int* token_count = nullptr) const;

 private:
  // `context` [1, T, width] extended to `tokens` with the empty prompt's encoding.
  tensor::Tensor PadToTokens(tensor::Tensor context, int64_t tokens, int clip_skip,
                             const LoraSet& loras) const;
  // img2img: each request's init latent [B, 4, h, w], encoded from its init image.
  tensor::Tensor EncodeInitLatents(const std::vector<GenerationRequest>& requests) const;

  StableDiffusion(ModelInfo info, ClipTokenizer tokenizer, TextEncoder encoder, Unet unet,
                  VaeDecoder vae, std::optional<VaeEncoder> vae_encoder);

  ModelInfo info_;
  ClipTokenizer tokenizer_;
  TextEncoder encoder_;
  Unet unet_;
  VaeDecoder vae_;
  std::optional<VaeEncoder> vae_encoder_;
};

// Whether two requests can share a UNet batch: the same size, steps, CFG scale, sampler, eta,
// generator and clip skip, and both txt2img or both img2img with one denoising strength (their
// init images may differ). Prompts, negative prompts, seeds and LoRAs may differ: each image's
// adapters apply to its own rows of the batch (the run-time LoRA term, scaled per item).
bool BatchCompatible(const GenerationRequest& a, const GenerationRequest& b);

// A1111's "Model hash" (and LoRA hash): the first 10 hex digits of the file's SHA-256. For a
// diffusers folder, of its unet/diffusion_pytorch_model.safetensors. Reads the file once with
// read(2), not through a mapping, so the checkpoint's pages do not count against the process.
std::string ShortFileHash(const std::filesystem::path& path);

// A1111's infotext, the PNG "parameters" text its "PNG Info" tab and other tools read back:
//   PROMPT
//   Negative prompt: NEGATIVE            (only when there is one)
//   Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512,
//   Model hash: 0123456789, Model: NAME, ...
// Values with ',', ':' or '"' are quoted as A1111 quotes them.
std::string InfoText(const GenerationRequest& request, const GeneratedImage& image,
                     const ModelInfo& model, const std::string& model_hash);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_PIPELINE_H_
