#include "diffusion/pipeline.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "diffusion/diffusers_config.h"
#include "diffusion/img2img.h"
#include "diffusion/prompt_parser.h"
#include "diffusion/prompt_schedule.h"
#include "diffusion/weight_reader.h"
#include "io/file.h"
#include "tensor/ops.h"
#include "tensor/safetensors.h"

namespace depict::diffusion {
namespace {

using tensor::DType;
using tensor::Tensor;
namespace fs = std::filesystem;

// What a diffusers folder's config files say (see diffusers_config.h).
struct FolderConfigs {
  std::optional<std::string> unet;  // checked, applied over the family's defaults later
  std::string unet_file;
  VaeOptions vae;
  std::optional<Prediction> prediction;
};

FolderConfigs ReadFolderConfigs(const fs::path& folder) {
  FolderConfigs configs;
  configs.unet_file = (folder / "unet" / "config.json").string();
  configs.unet = ReadDiffusersConfig(configs.unet_file);
  if (configs.unet) UnetOptionsFromConfig(*configs.unet, configs.unet_file, {});
  const fs::path vae_file = folder / "vae" / "config.json";
  if (const auto text = ReadDiffusersConfig(vae_file)) {
    configs.vae = VaeOptionsFromConfig(*text, vae_file.string(), configs.vae);
  }
  const fs::path scheduler_file = folder / "scheduler" / "scheduler_config.json";
  if (const auto text = ReadDiffusersConfig(scheduler_file)) {
    configs.prediction = PredictionFromSchedulerConfig(*text, scheduler_file.string());
  }
  return configs;
}

std::string StemOf(const fs::path& path) {
  fs::path p = path;
  if (p.filename().empty()) p = p.parent_path();
  return p.stem().string();
}

// Rows [index] of a [B, ...] tensor, copied.
Tensor BatchItem(const Tensor& t, int64_t index) {
  tensor::Shape shape = t.shape();
  shape[0] = 1;
  Tensor out = Tensor::Zeros(shape);
  const int64_t n = out.numel();
  std::memcpy(out.f32(), t.f32() + index * n, static_cast<size_t>(n) * sizeof(float));
  return out;
}

std::string Quote(const std::string& text) {
  if (text.find_first_of(",\n:") == std::string::npos) return text;
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string FormatFloat(double v) {
  // As A1111's infotexts show settings: "CFG scale: 7", "CFG scale: 7.5".
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The settings of a request that the pipeline checks itself (the sampler checks its own).
void CheckRequest(const GenerationRequest& request, int text_encoder_layers) {
  const auto check_size = [](int v, const char* what) {
    if (v < 64 || v > 4096 || v % 64 != 0) {
      throw GenerationError(std::string(what) + " " + std::to_string(v) +
                            " is not a multiple of 64 between 64 and 4096");
    }
  };
  check_size(request.width, "width");
  check_size(request.height, "height");
  if (!std::isfinite(request.cfg_scale) || request.cfg_scale < 0.0f || request.cfg_scale > 100.0f) {
    throw GenerationError("cfg scale must be between 0 and 100");
  }
  if (request.steps < 1 || request.steps > 1000) {
    throw GenerationError("steps must be between 1 and 1000, not " + std::to_string(request.steps));
  }
  if (request.clip_skip < 1 || request.clip_skip > text_encoder_layers) {
    throw GenerationError("clip skip must be between 1 and " + std::to_string(text_encoder_layers));
  }
  for (const LoraTag& tag : request.loras) {
    for (const double w : {tag.weight, tag.unet_weight}) {
      if (!(std::abs(w) <= kMaxLoraWeight)) {
        throw GenerationError("LoRA \"" + tag.name + "\": weight " + FormatFloat(w) +
                              " is outside -10..10");
      }
    }
  }
  CheckPromptLength(request.prompt, "prompt");
  CheckPromptLength(request.negative_prompt, "negative prompt");
  CheckImg2Img(request);
}

// Binds `tags` (the first `operator_count` the operator's, the rest from the prompt) found
// through `library`.
LoraSet BindLoras(const std::vector<LoraTag>& tags, size_t operator_count, LoraLibrary* library,
                  const LoraTargets& unet_targets, const LoraTargets& text_encoder_targets) {
  LoraSet loras;
  if (tags.empty()) return loras;
  if (library == nullptr) {
    throw GenerationError("the request names LoRA \"" + tags.front().name +
                          "\" but no LoRA directory was given");
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    const LoraTag& tag = tags[i];
    BindLora(library->Get(tag.name, /*operator_path=*/i < operator_count),
             static_cast<float>(tag.weight), static_cast<float>(tag.unet_weight), unet_targets,
             text_encoder_targets, loras);
  }
  return loras;
}

}  // namespace

std::string_view ModelFamilyName(ModelFamily family) {
  return family == ModelFamily::kSd2 ? "SD 2.x" : "SD 1.x";
}

StableDiffusion::StableDiffusion(ModelInfo info, ClipTokenizer tokenizer, TextEncoder encoder,
                                 Unet unet, VaeDecoder vae, std::optional<VaeEncoder> vae_encoder)
    : info_(std::move(info)),
      tokenizer_(std::move(tokenizer)),
      encoder_(std::move(encoder)),
      unet_(std::move(unet)),
      vae_(std::move(vae)),
      vae_encoder_(std::move(vae_encoder)) {}

std::unique_ptr<StableDiffusion> StableDiffusion::Load(const fs::path& path,
                                                       const LoadOptions& options) {
  ModelInfo info;
  info.path = path;
  info.name = StemOf(path);
  const bool folder = fs::is_directory(path);
  if (!folder && !fs::exists(path)) {
    throw std::runtime_error(path.string() + ": no such checkpoint file or diffusers folder");
  }
  // Read before any weights, so a bad folder fails at once.
  const FolderConfigs configs = folder ? ReadFolderConfigs(path) : FolderConfigs{};
  const VaeOptions& vae_options = configs.vae;
  const std::optional<Prediction>& configured = configs.prediction;
  std::shared_ptr<const tensor::SafetensorsFile> single;
  if (!folder) single = tensor::SafetensorsFile::Open(path.string(), "checkpoint");
  TextEncoder encoder = folder ? TextEncoder::Load(path) : TextEncoder(single);
  const TextEncoderConfig& tc = encoder.config();
  const bool sd2 = tc.layout == TextEncoderLayout::kOpenClip ||
                   (tc.layout == TextEncoderLayout::kDiffusers && tc.width == 1024);
  info.family = sd2 ? ModelFamily::kSd2 : ModelFamily::kSd1;
  info.text_encoder = tc;

  UnetOptions unet_options;
  if (sd2) {
    unet_options.head_dim = 64;
  } else {
    unet_options.num_heads = 8;
  }
  if (folder && configs.unet) {
    unet_options = UnetOptionsFromConfig(*configs.unet, configs.unet_file, unet_options);
  }
  Unet unet = folder ? Unet::Load(path, unet_options) : Unet(single, unet_options);
  VaeDecoder vae = folder ? VaeDecoder::Load(path, vae_options) : VaeDecoder(single, vae_options);
  std::optional<VaeEncoder> vae_encoder = LoadVaeEncoder(path, single, vae_options);
  info.unet = unet.config();
  info.vae = vae.config();
  if (vae_encoder) {
    info.vae_encoder = vae_encoder->config();
    CheckVaeEncoder(*info.vae_encoder, info.vae, path);
  }
  if (info.unet.cross_attention_dim != tc.width) {
    throw std::runtime_error(path.string() + ": the UNet attends to a context of width " +
                             std::to_string(info.unet.cross_attention_dim) +
                             " but the text encoder's width is " + std::to_string(tc.width));
  }
  if (info.unet.out_channels != info.vae.latent_channels) {
    throw std::runtime_error(
        path.string() + ": the UNet makes " + std::to_string(info.unet.out_channels) +
        " latent channels but the VAE decodes " + std::to_string(info.vae.latent_channels));
  }

  if (options.prediction) {
    info.prediction = *options.prediction;
  } else if (configured) {
    info.prediction = *configured;
  } else if (sd2) {
    // A1111's is_using_v_parameterization_for_sd2: on a constant 0.5 latent and context at
    // t = 999, an epsilon model predicts noise of about zero mean, a v model about -x (since
    // v = alpha eps - sigma x0 with alpha ~ 0 at the last timestep), so the output minus the
    // input has a mean far below zero.
    const int64_t side = int64_t{1} << (info.unet.block_channels.size() - 1);
    Tensor x = Tensor::Zeros({1, info.unet.in_channels, side, side});
    for (int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = 0.5f;
    Tensor context = Tensor::Zeros({1, 2, info.unet.cross_attention_dim});
    for (int64_t i = 0; i < context.numel(); ++i) context.f32()[i] = 0.5f;
    const Tensor out = unet.Forward(x, 999.0f, context);
    double sum = 0.0;
    for (int64_t i = 0; i < out.numel(); ++i) sum += out.f32()[i] - x.f32()[i];
    info.prediction =
        sum / static_cast<double>(out.numel()) < -1.0 ? Prediction::kV : Prediction::kEpsilon;
    info.prediction_detected = true;
  }

  const ClipFlavor flavor = folder || !sd2 ? ClipFlavor::kOpenAi : ClipFlavor::kOpenClip;
  ClipTokenizer tokenizer =
      folder && fs::is_directory(path / "tokenizer")
          ? ClipTokenizer::FromDiffusersFolder(path / "tokenizer", flavor)
          : ClipTokenizer::FromBpeGz(DefaultClipVocabPath(options.models_dir), flavor);
  info.pad_id = tokenizer.pad_id().value_or(sd2 ? kSd2PadId : kSd1PadId);
  return std::unique_ptr<StableDiffusion>(
      new StableDiffusion(std::move(info), std::move(tokenizer), std::move(encoder),
                          std::move(unet), std::move(vae), std::move(vae_encoder)));
}

Tensor StableDiffusion::EncodePrompt(const std::string& prompt, int clip_skip, const LoraSet* loras,
                                     int* token_count) const {
  ChunkOptions chunk_options;
  chunk_options.pad_id = info_.pad_id;
  const ChunkedPrompt chunked = ChunkPrompt(prompt, tokenizer_, chunk_options);
  if (token_count != nullptr) *token_count = chunked.token_count;
  TextEncoderOptions encoder_options;
  encoder_options.clip_skip = clip_skip;
  std::vector<Tensor> parts;
  for (const PromptChunk& chunk : chunked.chunks) {
    TokenIds ids{};
    std::copy(chunk.ids.begin(), chunk.ids.end(), ids.begin());
    const Tensor hidden =
        encoder_.Encode({ids}, encoder_options, loras == nullptr ? nullptr : &loras->text_encoder);
    // A1111 weights each chunk on its own (its mean is the chunk's mean).
    parts.push_back(ApplyPromptWeights(hidden, {chunk.weights}));
  }
  return parts.size() == 1 ? parts[0] : tensor::Concat(parts, 1);
}

GeneratedImage StableDiffusion::Generate(const GenerationRequest& request, LoraLibrary* library,
                                         const StepCallback& on_step) const {
  return std::move(GenerateBatch({request}, library, on_step).front());
}

bool BatchCompatible(const GenerationRequest& a, const GenerationRequest& b) {
  return a.width == b.width && a.height == b.height && a.steps == b.steps &&
         a.cfg_scale == b.cfg_scale && a.sampler.kind == b.sampler.kind &&
         a.sampler.schedule == b.sampler.schedule && a.eta == b.eta && a.rng == b.rng &&
         a.clip_skip == b.clip_skip && (a.init_image == nullptr) == (b.init_image == nullptr) &&
         (a.init_image == nullptr || a.denoising_strength == b.denoising_strength);
}

size_t StableDiffusion::ContextChunks(const GenerationRequest& request) const {
  ChunkOptions options;
  options.pad_id = info_.pad_id;
  const size_t cond =
      ChunkPrompt(ExtractLoraTags(request.prompt).prompt, tokenizer_, options).chunks.size();
  if (request.cfg_scale == 1.0f) return cond;
  return std::max(cond, ChunkPrompt(request.negative_prompt, tokenizer_, options).chunks.size());
}

bool StableDiffusion::CanBatch(const GenerationRequest& a, const GenerationRequest& b) const {
  // A prompt whose text changes during sampling changes its length too: it runs alone.
  const auto edited = [](const GenerationRequest& r) {
    return PromptSchedule(ExtractLoraTags(r.prompt).prompt, r.steps).size() > 1 ||
           (r.cfg_scale != 1.0f && PromptSchedule(r.negative_prompt, r.steps).size() > 1);
  };
  return BatchCompatible(a, b) && !edited(a) && !edited(b) && ContextChunks(a) == ContextChunks(b);
}

Tensor StableDiffusion::PadToTokens(Tensor context, int64_t tokens, int clip_skip,
                                    const LoraSet& loras) const {
  if (context.dim(1) >= tokens) return context;
  // A1111 pads the shorter of cond and uncond with the empty prompt's encoding, a chunk at a
  // time. (A1111 also pads a batch's prompts to the longest, which changes the shorter ones'
  // images; depict batches only prompts of one length instead.)
  const Tensor empty = EncodePrompt("", clip_skip, &loras);
  std::vector<Tensor> parts = {std::move(context)};
  for (int64_t t = parts[0].dim(1); t < tokens; t += empty.dim(1)) parts.push_back(empty);
  return tensor::Concat(parts, 1);
}

std::vector<GeneratedImage> StableDiffusion::GenerateBatch(
    const std::vector<GenerationRequest>& requests, LoraLibrary* library,
    const StepCallback& on_step) const {
  if (requests.empty()) return {};
  const GenerationRequest& first = requests.front();
  const size_t chunks = requests.size() > 1 ? ContextChunks(first) : 0;
  for (const GenerationRequest& request : requests) {
    CheckRequest(request, info_.text_encoder.layers);
    if (!BatchCompatible(first, request)) {
      throw GenerationError(
          "a batch's images must share size, steps, CFG scale, sampler, clip skip and "
          "denoising strength");
    }
    if (requests.size() > 1 && (ContextChunks(request) != chunks || !CanBatch(first, request))) {
      throw GenerationError(
          "a batch's prompts must be as long (in 75-token chunks) and without prompt editing");
    }
  }
  const bool img2img = first.init_image != nullptr;
  if (img2img && !vae_encoder_) {
    throw GenerationError(info_.name + " has no VAE encoder: img2img needs one");
  }
  const auto batch = static_cast<int64_t>(requests.size());
  std::vector<GeneratedImage> images(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    GeneratedImage& image = images[i];
    image.width = requests[i].width;
    image.height = requests[i].height;
    image.seed = requests[i].seed;
    PromptWithLoras parsed = ExtractLoraTags(requests[i].prompt);
    image.prompt = std::move(parsed.prompt);
    image.loras = requests[i].loras;
    image.loras.insert(image.loras.end(), parsed.loras.begin(), parsed.loras.end());
  }
  // Each image's own adapters: its prompt is encoded with them, and in the UNet each term
  // applies only to the rows of the images that use it.
  std::vector<LoraSet> loras;
  std::vector<const LoraLayers*> rows;  // per UNet row: [cond 1..B, uncond 1..B]
  for (size_t i = 0; i < requests.size(); ++i) {
    loras.push_back(BindLoras(images[i].loras, requests[i].loras.size(), library,
                              unet_.lora_targets(), encoder_.lora_targets()));
  }

  SamplerOptions sampler_options;
  sampler_options.kind = first.sampler.kind;
  sampler_options.schedule = first.sampler.schedule;
  sampler_options.prediction = info_.prediction;
  sampler_options.steps = first.steps;
  sampler_options.eta = first.eta;
  if (img2img) sampler_options.denoising_strength = first.denoising_strength;
  const Sampler sampler(sampler_options);  // validates the sampler settings

  using Clock = std::chrono::steady_clock;
  const auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  auto phase = Clock::now();
  const bool guided = first.cfg_scale != 1.0f;
  // Rows 0..B-1 of the context are the prompts, B..2B-1 the negative prompts (when guided);
  // each row is a schedule of encodings (A1111's prompt editing; one entry without edits).
  using RowSchedule = std::vector<std::pair<int, Tensor>>;
  std::vector<RowSchedule> schedules;
  std::vector<std::vector<ScheduledPrompt>> texts;
  const auto encode_row = [&](const std::string& prompt, size_t image, int* token_count) {
    RowSchedule row;
    texts.push_back(PromptSchedule(prompt, first.steps));
    for (const ScheduledPrompt& entry : texts.back()) {
      row.emplace_back(entry.end_step,
                       EncodePrompt(entry.text, first.clip_skip, &loras[image], token_count));
    }
    schedules.push_back(std::move(row));
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    encode_row(images[i].prompt, i, &images[i].token_count);
    rows.push_back(&loras[i].unet);
  }
  for (size_t i = 0; guided && i < requests.size(); ++i) {
    try {
      encode_row(requests[i].negative_prompt, i, nullptr);
    } catch (const PromptError& e) {
      throw PromptError("negative " + std::string(e.what()));  // "negative prompt needs ..."
    }
    rows.push_back(&loras[i].unet);
  }
  // The context at a sampler step: each row's entry for it, padded to the longest; kept while
  // no row's entry changes.
  std::vector<size_t> chosen;
  Tensor context;
  const auto context_at = [&](int step) -> const Tensor& {
    std::vector<size_t> now;
    for (const auto& row : texts) now.push_back(PromptAtStep(row, step));
    if (now == chosen && context.numel() > 0) return context;
    chosen = now;
    std::vector<Tensor> parts;
    int64_t tokens = 0;
    for (size_t r = 0; r < schedules.size(); ++r) {
      parts.push_back(schedules[r][chosen[r]].second);
      tokens = std::max(tokens, parts.back().dim(1));
    }
    for (size_t r = 0; r < parts.size(); ++r) {
      parts[r] =
          PadToTokens(std::move(parts[r]), tokens, first.clip_skip, loras[r % requests.size()]);
    }
    context = parts.size() == 1 ? parts[0] : tensor::Concat(parts, 0);
    return context;
  };
  context_at(0);
  const LoraLayers batch_loras = LoraLayers::ForBatch(rows);
  const double encode_seconds = seconds_since(phase);

  phase = Clock::now();
  const Tensor init_latents = img2img ? EncodeInitLatents(requests) : Tensor();
  const double image_encode_seconds = seconds_since(phase);

  phase = Clock::now();
  // One generator per image, seeded by its own seed, as a batch of one would have it: an image
  // does not depend on what it was batched with.
  const tensor::Shape latent_shape = {info_.unet.in_channels, first.height / 8, first.width / 8};
  std::vector<BatchNoise> noise;
  noise.reserve(requests.size());
  for (const GenerationRequest& request : requests) {
    noise.emplace_back(request.rng, request.seed, 1, latent_shape);
  }
  const auto next_noise = [&noise]() {
    std::vector<Tensor> draws;
    for (BatchNoise& n : noise) draws.push_back(n.Next());
    return draws.size() == 1 ? draws[0] : tensor::Concat(draws, 0);
  };
  const Tensor initial = next_noise();
  const LoraLayers* unet_loras = batch_loras.empty() ? nullptr : &batch_loras;
  const float cfg = first.cfg_scale;
  int evaluation = 0;  // A1111's sampler step, for prompt editing
  const Denoiser denoiser = [&](const Tensor& x, float t) -> Tensor {
    const Tensor& step_context = context_at(evaluation++);
    if (!guided) return unet_.Forward(x, t, step_context, unet_loras);
    const Tensor both = unet_.Forward(tensor::Concat({x, x}, 0), t, step_context, unet_loras);
    // The first half of the rows is cond, the second uncond, item for item.
    Tensor out = Tensor::Zeros(x.shape());
    const int64_t n = out.numel();
    const float* c = both.f32();
    const float* u = both.f32() + n;
    float* o = out.f32();
    for (int64_t i = 0; i < n; ++i) o[i] = u[i] + cfg * (c[i] - u[i]);
    return out;
  };
  const NoiseSource source = [&](const tensor::Shape&) { return next_noise(); };
  const Tensor latents = img2img
                             ? sampler.RunImg2Img(init_latents, initial, denoiser, source, on_step)
                             : sampler.Run(initial, denoiser, source, on_step);
  const double sample_seconds = seconds_since(phase);

  for (int64_t i = 0; i < batch; ++i) {
    GeneratedImage& image = images[static_cast<size_t>(i)];
    phase = Clock::now();
    image.latent = BatchItem(latents, i);
    image.rgb = ImageToRgb8(vae_.Decode(image.latent), 0);
    image.decode_seconds = seconds_since(phase);
    // The batch's shared work, in equal shares.
    image.encode_seconds = encode_seconds / static_cast<double>(batch);
    image.sample_seconds = sample_seconds / static_cast<double>(batch);
    image.image_encode_seconds = image_encode_seconds / static_cast<double>(batch);
    for (const auto& file : loras[static_cast<size_t>(i)].files) {
      image.lora_hashes.push_back(library->Hash(*file));
    }
  }
  return images;
}

LoraLibrary::LoraLibrary(std::vector<fs::path> dirs) : dirs_(std::move(dirs)) {}

std::shared_ptr<const LoraFile> LoraLibrary::Get(const std::string& name, bool operator_path) {
  operator_path = operator_path && name.find('/') != std::string::npos;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Entry& e : loaded_) {
    if (e.name == name && e.operator_path == operator_path) return e.file;
  }
  auto file = LoraFile::Load(operator_path ? fs::path(name) : Resolve(name));
  loaded_.push_back({name, operator_path, file, ""});
  return file;
}

fs::path LoraLibrary::Resolve(const std::string& name) const {
  if (dirs_.empty()) {
    throw GenerationError("no LoRA \"" + name + "\": no LoRA directory was given (--lora-dir)");
  }
  // The first directory that holds the name wins; when none does, each one's reason is given.
  std::string reasons;
  for (const fs::path& dir : dirs_) {
    try {
      return io::ResolveInside(dir, name, {".safetensors"}, "LoRA");
    } catch (const io::FileError& e) {
      reasons += (reasons.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  throw GenerationError(reasons);
}

std::string LoraLibrary::Hash(const LoraFile& file) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Entry& e : loaded_) {
    if (e.file.get() != &file) continue;
    if (e.hash.empty()) e.hash = ShortFileHash(file.path());
    return e.hash;
  }
  return ShortFileHash(file.path());
}

std::string ShortFileHash(const fs::path& path) {
  const fs::path file =
      ComponentFile<std::runtime_error>(path, "unet", "diffusion_pytorch_model.safetensors");
  const io::RegularFile opened =
      io::RegularFile::Open(file.string(), tensor::kMaxSafetensorsFileBytes, "checkpoint");
  const int fd = opened.fd();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<unsigned char> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), file.string());
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(n));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < 5 && i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string InfoText(const GenerationRequest& request, const GeneratedImage& image,
                     const ModelInfo& model, const std::string& model_hash) {
  std::string params;
  const auto add = [&params](const std::string& key, const std::string& value) {
    if (!params.empty()) params += ", ";
    params += key + ": " + Quote(value);
  };
  add("Steps", std::to_string(request.steps));
  add("Sampler", std::string(SamplerName(request.sampler.kind)));
  if (request.sampler.kind != SamplerKind::kDdim) {
    const ScheduleType schedule = request.sampler.schedule == ScheduleType::kAutomatic
                                      ? DefaultSchedule(request.sampler.kind)
                                      : request.sampler.schedule;
    add("Schedule type", std::string(ScheduleTypeName(schedule)));
  }
  add("CFG scale", FormatFloat(request.cfg_scale));
  add("Seed", std::to_string(image.seed));
  add("Size", std::to_string(image.width) + "x" + std::to_string(image.height));
  if (!model_hash.empty()) add("Model hash", model_hash);
  add("Model", model.name);
  if (request.init_image != nullptr) {
    // Python's repr of the float, as A1111 writes it: 0.75, 0.3333333333333333, 1.0.
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, request.denoising_strength).ptr;
    std::string value(buf, end);
    if (value.find_first_of(".e") == std::string::npos) value += ".0";  // 1.0, as Python
    add("Denoising strength", value);
  }
  if (request.clip_skip > 1) add("Clip skip", std::to_string(request.clip_skip));
  if (request.rng != RngKind::kPhilox) add("RNG", "CPU");
  if (request.eta) add("Eta", FormatFloat(*request.eta));
  if (!image.lora_hashes.empty()) {
    std::string hashes;
    for (size_t i = 0; i < image.lora_hashes.size() && i < image.loras.size(); ++i) {
      if (!hashes.empty()) hashes += ", ";
      hashes += image.loras[i].name + ": " + image.lora_hashes[i];
    }
    add("Lora hashes", hashes);
  }
  add("Version", "depict 0.1.0");
  std::string text = request.prompt;
  if (!request.negative_prompt.empty()) text += "\nNegative prompt: " + request.negative_prompt;
  text += "\n" + params;
  return text;
}

}  // namespace depict::diffusion
