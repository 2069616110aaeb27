// The whole text-to-image path against diffusers/transformers (tools/make_pipeline_fixtures.py):
// tokenizer, text encoder, classifier-free guidance, Euler and Euler a with torch CPU noise, the
// VAE decoder, and LoRA adapters in kohya and PEFT formats, on a tiny SD 1.x-shaped checkpoint.
#include "diffusion/pipeline.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "diffusion/model_test_util.h"
#include "diffusion/png_writer.h"
#include "diffusion/tiny_checkpoint.h"
#include "tensor/engine.h"
#include "tensor/safetensors.h"

namespace depict::diffusion {
namespace {

using tensor::DType;
using tensor::Tensor;
namespace fs = std::filesystem;

fs::path FixtureDir() { return fs::path(DEPICT_FIXTURES) / "pipeline"; }

class PipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(DefaultClipVocabPath(DEPICT_MODELS_DIR))) return;
    checkpoint_ = new fs::path(fs::temp_directory_path() /
                               ("depict_tiny_sd1_" + std::to_string(getpid()) + ".safetensors"));
    depict::testing::WriteTinyCheckpoint((FixtureDir() / "tiny_sd1.safetensors").string(),
                                         checkpoint_->string());
    LoadOptions options;
    options.models_dir = DEPICT_MODELS_DIR;
    model_ = StableDiffusion::Load(*checkpoint_, options).release();
    expected_ = new std::shared_ptr<tensor::SafetensorsFile>(
        tensor::SafetensorsFile::Open((FixtureDir() / "expected.safetensors").string()));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete expected_;
    if (checkpoint_ != nullptr) fs::remove(*checkpoint_);
    delete checkpoint_;
  }
  void SetUp() override {
    if (model_ == nullptr) GTEST_SKIP() << "no CLIP vocabulary: run scripts/fetch-models.sh";
  }

  static GenerationRequest EulerRequest() {
    GenerationRequest r;
    r.prompt = "a photo of a cat";
    r.width = r.height = 64;
    r.steps = 4;
    r.cfg_scale = 7.0f;
    r.sampler = ParseSampler("Euler");
    r.seed = 1234;
    r.rng = RngKind::kCpu;
    return r;
  }

  static Tensor Expected(const char* name) { return (*expected_)->GetAs(name, DType::kF32); }

  // Largest difference in 8-bit levels between an image and a reference in [-1, 1].
  static int MaxLevelDiff(const GeneratedImage& image, const Tensor& reference) {
    const int64_t h = reference.dim(2), w = reference.dim(3);
    EXPECT_EQ(image.width, w);
    EXPECT_EQ(image.height, h);
    int worst = 0;
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t i = 0; i < h * w; ++i) {
        const float x = reference.f32()[c * h * w + i];
        const int level = static_cast<int>(std::lround(std::clamp(x / 2 + 0.5f, 0.f, 1.f) * 255));
        worst = std::max(worst, std::abs(level - image.rgb[static_cast<size_t>(i * 3 + c)]));
      }
    }
    return worst;
  }

  // Largest difference between two latents of one shape (infinity when the shapes differ).
  static float MaxLatentDiff(const Tensor& a, const Tensor& b) {
    EXPECT_EQ(a.shape(), b.shape());
    if (a.shape() != b.shape()) return std::numeric_limits<float>::infinity();
    float worst = 0.0f;
    for (int64_t k = 0; k < a.numel(); ++k) {
      worst = std::max(worst, std::abs(a.f32()[k] - b.f32()[k]));
    }
    return worst;
  }

  static StableDiffusion* model_;
  static std::shared_ptr<tensor::SafetensorsFile>* expected_;
  static fs::path* checkpoint_;
  // The references run in float32; bf16 products would differ by ~1e-2 after four steps.
  depict::testing::ScopedF32Compute f32_;
};

StableDiffusion* PipelineTest::model_ = nullptr;
std::shared_ptr<tensor::SafetensorsFile>* PipelineTest::expected_ = nullptr;
fs::path* PipelineTest::checkpoint_ = nullptr;

TEST_F(PipelineTest, DetectsAnSd1EpsilonModel) {
  const ModelInfo& info = model_->info();
  EXPECT_EQ(info.family, ModelFamily::kSd1);
  EXPECT_EQ(info.prediction, Prediction::kEpsilon);
  EXPECT_EQ(info.pad_id, kSd1PadId);
  EXPECT_EQ(info.unet.cross_attention_dim, 64);
  EXPECT_EQ(info.unet.num_heads, 8);
  EXPECT_EQ(info.vae.up_channels.size(), 4u);
}

TEST_F(PipelineTest, EulerMatchesDiffusers) {
  int steps_seen = 0;
  const GeneratedImage image = model_->Generate(EulerRequest(), nullptr, [&](int step, int total) {
    EXPECT_EQ(step, ++steps_seen);
    EXPECT_EQ(total, 4);
  });
  EXPECT_EQ(steps_seen, 4);
  const Tensor latent = Expected("euler_latent");
  ASSERT_EQ(image.latent.shape(), latent.shape());
  float worst = 0.0f;
  for (int64_t i = 0; i < latent.numel(); ++i) {
    worst = std::max(worst, std::abs(image.latent.f32()[i] - latent.f32()[i]));
  }
  EXPECT_LT(worst, 2e-3f) << "latent values are ~10: relative error below 2e-4";
  EXPECT_LE(MaxLevelDiff(image, Expected("euler_image")), 1);
}

TEST_F(PipelineTest, EulerAncestralDrawsItsNoiseFromTheSameGenerator) {
  GenerationRequest r = EulerRequest();
  r.prompt = "portrait of an old man, oil painting";
  r.negative_prompt = "blurry";
  r.sampler = ParseSampler("Euler a");
  r.cfg_scale = 5.0f;
  r.seed = 99;
  EXPECT_LE(MaxLevelDiff(model_->Generate(r), Expected("ancestral_image")), 1);
}

// A batch is the images one at a time, in one UNet call per step: the first matches diffusers'
// reference for it alone, and each image keeps its own seed's noise (Euler a draws fresh noise
// every step) and its own negative prompt.
TEST_F(PipelineTest, BatchedImagesAreTheImagesAlone) {
  GenerationRequest r = EulerRequest();
  r.prompt = "portrait of an old man, oil painting";
  r.negative_prompt = "blurry";
  r.sampler = ParseSampler("Euler a");
  r.cfg_scale = 5.0f;
  r.seed = 99;
  GenerationRequest other = r;
  other.prompt = "a cat on a wall";
  other.negative_prompt = "";
  other.seed = 100;
  GenerationRequest third = r;
  third.seed = 5;
  int calls = 0;
  const std::vector<GeneratedImage> batch =
      model_->GenerateBatch({r, other, third}, nullptr, [&](int, int total) {
        ++calls;
        EXPECT_EQ(total, 4);
      });
  EXPECT_EQ(calls, 4) << "one callback per step for the whole batch";
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_LE(MaxLevelDiff(batch[0], Expected("ancestral_image")), 1);
  for (size_t i = 1; i < 3; ++i) {
    const GeneratedImage alone = model_->Generate(i == 1 ? other : third);
    EXPECT_LT(MaxLatentDiff(alone.latent, batch[i].latent), 2e-3f) << "image " << i;
    EXPECT_EQ(batch[i].seed, alone.seed);
    EXPECT_EQ(batch[i].prompt, alone.prompt);
  }
  EXPECT_NE(batch[0].rgb, batch[2].rgb);
}

// Two-chunk prompts batch with each other, and each is its image alone.
TEST_F(PipelineTest, LongPromptsBatchWithLongPrompts) {
  GenerationRequest a = EulerRequest();
  a.steps = 2;
  for (int i = 0; i < 12; ++i) a.prompt += ", a red house by the sea";
  GenerationRequest b = a;
  b.seed = 8;
  b.prompt += ", at night";
  const std::vector<GeneratedImage> batch = model_->GenerateBatch({a, b});
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_GT(batch[0].token_count, 75);
  for (size_t i = 0; i < 2; ++i) {
    const GeneratedImage alone = model_->Generate(i == 0 ? a : b);
    EXPECT_LT(MaxLatentDiff(alone.latent, batch[i].latent), 2e-3f) << "image " << i;
  }
}

TEST_F(PipelineTest, OnlyCompatibleRequestsShareABatch) {
  GenerationRequest a = EulerRequest();
  GenerationRequest b = EulerRequest();
  b.prompt = "another prompt";
  b.seed = 5;
  b.negative_prompt = "blurry";
  EXPECT_TRUE(BatchCompatible(a, b));
  b.steps = 5;
  EXPECT_FALSE(BatchCompatible(a, b));
  b = a;
  b.width = 128;
  EXPECT_FALSE(BatchCompatible(a, b));
  b = a;
  b.prompt += " <lora:style:0.5>";
  EXPECT_TRUE(BatchCompatible(a, b)) << "each image's LoRAs apply to its own rows";
  b = a;
  b.cfg_scale = 3.0f;
  EXPECT_FALSE(BatchCompatible(a, b));
  EXPECT_THROW(model_->GenerateBatch({a, b}), GenerationError);
  // Padding a one-chunk prompt to a two-chunk one would change its image.
  b = a;
  for (int i = 0; i < 12; ++i) b.prompt += ", a red house by the sea";
  EXPECT_TRUE(BatchCompatible(a, b));
  EXPECT_FALSE(model_->CanBatch(a, b));
  EXPECT_TRUE(model_->CanBatch(a, a));
  EXPECT_THROW(model_->GenerateBatch({a, b}), GenerationError);
  EXPECT_TRUE(model_->GenerateBatch({}).empty());
}

// Images with different adapters share a batch: each matches diffusers' merged-weight reference
// or the plain one, as it would alone; two weights of one adapter are two terms.
TEST_F(PipelineTest, ABatchCarriesEachImagesOwnLoras) {
  LoraLibrary library({FixtureDir()});
  GenerationRequest with = EulerRequest();
  with.prompt = "a photo of a cat <lora:lora_kohya:0.8>";
  GenerationRequest without = EulerRequest();
  GenerationRequest half = EulerRequest();
  half.prompt = "a photo of a cat <lora:lora_kohya:0.4>";
  const std::vector<GeneratedImage> batch = model_->GenerateBatch({with, without, half}, &library);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_LE(MaxLevelDiff(batch[0], Expected("lora_image")), 1);
  EXPECT_EQ(batch[0].lora_hashes.size(), 1u);
  EXPECT_LE(MaxLevelDiff(batch[1], Expected("euler_image")), 1);
  EXPECT_TRUE(batch[1].lora_hashes.empty());
  const GeneratedImage alone = model_->Generate(half, &library);
  EXPECT_LT(MaxLatentDiff(alone.latent, batch[2].latent), 2e-3f);
  EXPECT_GT(MaxLevelDiff(batch[2], Expected("lora_image")), 1) << "half the weight differs";
}

// A1111's prompt editing: "[a:b:N]" reads a until the sampler's step N (0-based, inclusive),
// then b. Four steps of "[cat:dog:1]" are two steps of "cat" and two of "dog": the image is
// neither the all-cat nor the all-dog one, and "[cat:dog:9]" (capped at 4) is the all-cat one.
TEST_F(PipelineTest, PromptEditingSwitchesTheConditioningAtItsStep) {
  GenerationRequest cat = EulerRequest();
  cat.prompt = "a photo of a cat";
  GenerationRequest dog = cat;
  dog.prompt = "a photo of a dog";
  GenerationRequest edited = cat;
  edited.prompt = "a photo of a [cat:dog:1]";
  GenerationRequest late = cat;
  late.prompt = "a photo of a [cat:dog:9]";
  const GeneratedImage a = model_->Generate(cat), b = model_->Generate(dog);
  const GeneratedImage e = model_->Generate(edited), l = model_->Generate(late);
  EXPECT_EQ(l.rgb, a.rgb);
  EXPECT_NE(e.rgb, a.rgb);
  EXPECT_NE(e.rgb, b.rgb);
  EXPECT_EQ(e.prompt, "a photo of a [cat:dog:1]") << "A1111 reports the prompt as written";
  // Edited prompts run alone, never padded beside another prompt.
  EXPECT_FALSE(model_->CanBatch(edited, cat));
  EXPECT_THROW(model_->GenerateBatch({edited, cat}), GenerationError);
  // Alternation: "[cat|dog]" is cat, dog, cat, dog.
  GenerationRequest alternating = cat;
  alternating.prompt = "a photo of a [cat|dog]";
  const GeneratedImage alt = model_->Generate(alternating);
  EXPECT_NE(alt.rgb, a.rgb);
  EXPECT_NE(alt.rgb, e.rgb);
}

TEST_F(PipelineTest, KohyaLoraFromThePromptMatchesMergedWeights) {
  LoraLibrary library({FixtureDir()});
  GenerationRequest r = EulerRequest();
  r.prompt = "a photo of a cat <lora:lora_kohya:0.8>";
  const GeneratedImage image = model_->Generate(r, &library);
  EXPECT_EQ(image.prompt, "a photo of a cat ");
  ASSERT_EQ(image.loras.size(), 1u);
  EXPECT_EQ(image.lora_hashes.size(), 1u);
  EXPECT_LE(MaxLevelDiff(image, Expected("lora_image")), 1);
  // The adapter changes the picture (so the comparison above is not of two unadapted images).
  EXPECT_GT(MaxLevelDiff(image, Expected("euler_image")), 8);
}

TEST_F(PipelineTest, PeftLoraFromTheRequestMatchesMergedWeights) {
  LoraLibrary library({FixtureDir()});
  GenerationRequest r = EulerRequest();
  r.loras.push_back({"lora_peft", 0.8, 0.8});
  EXPECT_LE(MaxLevelDiff(model_->Generate(r, &library), Expected("lora_image")), 1);
}

TEST_F(PipelineTest, SwitchingLorasLeavesNothingBehind) {
  LoraLibrary library({FixtureDir()});
  const GeneratedImage plain = model_->Generate(EulerRequest(), &library);
  GenerationRequest with = EulerRequest();
  with.loras.push_back({"lora_kohya", 0.8, 0.8});
  model_->Generate(with, &library);
  const GeneratedImage again = model_->Generate(EulerRequest(), &library);
  EXPECT_EQ(plain.rgb, again.rgb);
}

TEST_F(PipelineTest, SameSeedSameImageOtherSeedOtherImage) {
  const GeneratedImage a = model_->Generate(EulerRequest());
  const GeneratedImage b = model_->Generate(EulerRequest());
  GenerationRequest other = EulerRequest();
  other.seed = 1235;
  EXPECT_EQ(a.rgb, b.rgb);
  EXPECT_NE(a.rgb, model_->Generate(other).rgb);
}

TEST_F(PipelineTest, LongPromptsAndWeightsRun) {
  GenerationRequest r = EulerRequest();
  r.steps = 2;
  r.prompt = "(masterpiece:1.2), [blurry], a cat";
  for (int i = 0; i < 12; ++i) r.prompt += ", a red house by the sea";
  r.negative_prompt = "ugly";
  const GeneratedImage image = model_->Generate(r);
  EXPECT_GT(image.token_count, 75);  // two chunks for cond, one padded chunk for uncond
  EXPECT_EQ(image.rgb.size(), 64u * 64u * 3u);
}

TEST_F(PipelineTest, BadRequestsAreRejectedWithTheReason) {
  GenerationRequest r = EulerRequest();
  r.width = 100;
  EXPECT_THROW(model_->Generate(r), GenerationError);
  r = EulerRequest();
  r.steps = 0;
  EXPECT_THROW(model_->Generate(r), GenerationError);
  r = EulerRequest();
  r.prompt = "a cat <lora:nowhere:1>";
  LoraLibrary library({FixtureDir()});
  try {
    model_->Generate(r, &library);
    FAIL() << "an unknown LoRA must be an error";
  } catch (const GenerationError& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos);
  }
  r = EulerRequest();
  r.loras.push_back({"lora_kohya", 1, 1});
  EXPECT_THROW(model_->Generate(r, nullptr), GenerationError);  // no library to find it in
}

// A prompt's <lora:...> name is looked up only inside the LoRA directories: "..", absolute
// paths and symbolic links out of the folder were opened (and a text file's first bytes were
// printed as a "header length").
TEST_F(PipelineTest, PromptLoraNamesNeverLeaveTheLoraDirectory) {
  const fs::path root =
      fs::temp_directory_path() / ("depict_lora_escape_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "loras");
  const fs::path outside = root / "outside.safetensors";
  fs::copy_file(FixtureDir() / "lora_kohya.safetensors", outside);
  {
    std::ofstream secret(root / "secret.safetensors");
    secret << "root:x:0:0:hunter2\n";
  }
  fs::create_symlink(outside, root / "loras" / "link.safetensors");
  fs::create_symlink(root / "secret.safetensors", root / "loras" / "secret.safetensors");
  LoraLibrary library({root / "loras"});
  const std::vector<std::string> names = {"../../../../etc/passwd",
                                          "../outside",
                                          "../secret.safetensors",
                                          "/etc/passwd",
                                          outside.string(),
                                          "link",
                                          "secret"};
  for (const std::string& name : names) {
    GenerationRequest r = EulerRequest();
    r.steps = 1;
    r.prompt = "a cat <lora:" + name + ":1>";
    try {
      model_->Generate(r, &library);
      ADD_FAILURE() << name << " was opened";
    } catch (const GenerationError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find("root:x"), std::string::npos) << message;
      EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
      EXPECT_EQ(message.find("header length"), std::string::npos) << message;
    }
  }
  // The operator's own --lora FILE may be a path anywhere.
  GenerationRequest r = EulerRequest();
  r.steps = 1;
  r.loras.push_back({outside.string(), 0.5, 0.5});
  EXPECT_NO_THROW(model_->Generate(r, &library));
  fs::remove_all(root);
}

// 20,000 BREAKs once made 20,000 chunks and used 5 GB.
TEST_F(PipelineTest, LongPromptsAreRefusedBeforeTheyCostMemory) {
  std::string breaks;
  for (int i = 0; i < 20'000; ++i) breaks += "a BREAK ";
  GenerationRequest r = EulerRequest();
  r.prompt = breaks;
  EXPECT_THROW(model_->Generate(r), PromptError);  // 160 KB: over kMaxPromptBytes
  r.prompt = breaks.substr(0, 8 * 500);            // 500 chunks in 4,000 bytes
  try {
    model_->Generate(r);
    FAIL() << "expected a PromptError";
  } catch (const PromptError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 32 chunks"), std::string::npos) << e.what();
  }
  r = EulerRequest();
  r.negative_prompt = breaks.substr(0, 8 * 500);
  try {
    model_->Generate(r);
    FAIL() << "expected a PromptError";
  } catch (const PromptError& e) {
    EXPECT_NE(std::string(e.what()).find("negative prompt needs more than 32 chunks"),
              std::string::npos)
        << e.what();
  }
  for (const std::string& prompt : {std::string("(cat:99999999999999999999)"),
                                    std::string(3000, '(') + "cat", std::string("(cat:-101)")}) {
    r = EulerRequest();
    r.prompt = prompt;
    try {
      model_->Generate(r);
      ADD_FAILURE() << prompt.substr(0, 30) << " was accepted";
    } catch (const PromptError& e) {
      EXPECT_NE(std::string(e.what()).find("is outside -100..100"), std::string::npos) << e.what();
    }
  }
  r = EulerRequest();
  r.loras.push_back({"lora_kohya", 1e30, 1.0});
  LoraLibrary library({FixtureDir()});
  EXPECT_THROW(model_->Generate(r, &library), GenerationError);
}

TEST_F(PipelineTest, LoraForAnotherArchitectureIsAnError) {
  const fs::path path = fs::temp_directory_path() /
                        ("depict_lora_other_" + std::to_string(getpid()) + ".safetensors");
  Tensor down = Tensor::Zeros({4, 320});
  Tensor up = Tensor::Zeros({320, 4});
  tensor::WriteSafetensors(path.string(),
                           {{"lora_unet_input_blocks_1_1_proj_in.lora_down.weight", down},
                            {"lora_unet_input_blocks_1_1_proj_in.lora_up.weight", up}});
  LoraLibrary library({fs::temp_directory_path()});
  GenerationRequest r = EulerRequest();
  r.loras.push_back({path.string(), 1, 1});
  EXPECT_THROW(model_->Generate(r, &library), LoraError);
  fs::remove(path);
}

TEST_F(PipelineTest, InfoTextIsA1111s) {
  GenerationRequest r = EulerRequest();
  r.negative_prompt = "blurry, low quality";
  GeneratedImage image;
  image.width = image.height = 64;
  image.seed = 1234;
  const std::string text = InfoText(r, image, model_->info(), "0123456789");
  EXPECT_EQ(text,
            "a photo of a cat\nNegative prompt: blurry, low quality\nSteps: 4, Sampler: Euler, "
            "Schedule type: Uniform, CFG scale: 7, Seed: 1234, Size: 64x64, Model hash: "
            "0123456789, Model: " +
                model_->info().name + ", RNG: CPU, Version: depict 0.1.0");
}

TEST_F(PipelineTest, DiffusersFolderConfigsAndVPrediction) {
  // The folder's settings differ from SD 1.x's (16 groups, 4 heads, v-prediction): only its
  // config files say so, and the image matches diffusers only if all three were read.
  const fs::path dir = fs::temp_directory_path() / ("depict_tiny_v_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::copy(FixtureDir() / "tiny_v", dir, fs::copy_options::recursive);
  const fs::path text = dir / "text_encoder" / "model.safetensors";
  fs::remove(text);
  depict::testing::WriteTinyCheckpoint(
      (FixtureDir() / "tiny_v" / "text_encoder" / "model.safetensors").string(), text.string(),
      "text_model.embeddings.token_embedding.weight");
  LoadOptions options;
  options.models_dir = DEPICT_MODELS_DIR;
  const auto model = StableDiffusion::Load(dir, options);
  EXPECT_EQ(model->info().prediction, Prediction::kV);
  EXPECT_FALSE(model->info().prediction_detected);
  EXPECT_EQ(model->info().unet.norm_groups, 16);
  EXPECT_EQ(model->info().unet.num_heads, 4);
  EXPECT_EQ(model->info().vae.norm_groups, 16);
  EXPECT_EQ(model->info().name, "depict_tiny_v_" + std::to_string(getpid()));
  EXPECT_LE(MaxLevelDiff(model->Generate(EulerRequest()), Expected("v_image")), 1);
  // Forcing the other prediction type changes the picture.
  options.prediction = Prediction::kEpsilon;
  const auto eps = StableDiffusion::Load(dir, options);
  EXPECT_GT(MaxLevelDiff(eps->Generate(EulerRequest()), Expected("v_image")), 8);
  fs::remove_all(dir);
}

// An SD 2.x-shaped single-file checkpoint made here: the tiny UNet with every width doubled
// (64 and 128 channels, so heads of 64 fit) and random weights, the tiny VAE, and the OpenCLIP
// text encoder of the text-encoder fixtures (width 128) with its vocabulary widened to CLIP's.
// No reference output: it checks that the SD 2.x path (family, tokenizer, padding, head size,
// the v-prediction test) is taken and runs from checkpoint to image.
fs::path WriteTinySd2Checkpoint() {
  const auto sd1 = tensor::SafetensorsFile::Open((FixtureDir() / "tiny_sd1.safetensors").string());
  const auto openclip = tensor::SafetensorsFile::Open(
      (fs::path(DEPICT_FIXTURES) / "text_encoder" / "sd2_openclip.safetensors").string());
  uint64_t state = 12345;
  const auto uniform = [&state]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(state >> 40) / static_cast<float>(1ull << 24) * 2.0f - 1.0f;
  };
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const tensor::TensorInfo& info : sd1->tensors()) {
    if (info.name.rfind("first_stage_model.", 0) == 0) {
      tensors.emplace_back(info.name, sd1->Get(info.name));
      continue;
    }
    if (info.name.rfind("model.diffusion_model.", 0) != 0) continue;
    tensor::Shape shape = info.shape;
    for (int64_t& d : shape) {
      if (d != 1 && d != 3 && d != 4) d *= 2;
    }
    Tensor t = Tensor::Zeros(shape);
    const bool gain = shape.size() == 1 && info.name.ends_with("weight");
    const float scale =
        shape.size() == 1 ? 0.0f : 1.0f / std::sqrt(static_cast<float>(t.numel() / shape[0]));
    for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = gain ? 1.0f : scale * uniform();
    tensors.emplace_back(info.name, t);
  }
  for (const tensor::TensorInfo& info : openclip->tensors()) {
    Tensor t = openclip->Get(info.name);
    if (info.name == "cond_stage_model.model.token_embedding.weight") {
      const Tensor rows = t.To(DType::kF32);
      Tensor table = Tensor::Zeros({49408, rows.dim(1)});
      for (int64_t i = 0; i < table.numel(); ++i) {
        table.f32()[i] = i < rows.numel() ? rows.f32()[i] : 0.02f * uniform();
      }
      t = table;
    }
    tensors.emplace_back(info.name, t);
  }
  const fs::path path =
      fs::temp_directory_path() / ("depict_tiny_sd2_" + std::to_string(getpid()) + ".safetensors");
  tensor::WriteSafetensors(path.string(), tensors);
  return path;
}

TEST(PipelineSd2Test, SingleFileSd2TakesTheSd2Path) {
  if (!fs::exists(DefaultClipVocabPath(DEPICT_MODELS_DIR))) GTEST_SKIP() << "no CLIP vocabulary";
  const fs::path path = WriteTinySd2Checkpoint();
  LoadOptions options;
  options.models_dir = DEPICT_MODELS_DIR;
  const auto model = StableDiffusion::Load(path, options);
  const ModelInfo& info = model->info();
  EXPECT_EQ(info.family, ModelFamily::kSd2);
  EXPECT_EQ(info.text_encoder.layout, TextEncoderLayout::kOpenClip);
  EXPECT_EQ(model->tokenizer().flavor(), ClipFlavor::kOpenClip);
  EXPECT_EQ(info.pad_id, kSd2PadId);
  EXPECT_EQ(info.unet.head_dim, 64);
  EXPECT_EQ(info.unet.cross_attention_dim, 128);
  EXPECT_TRUE(info.prediction_detected);  // A1111's v-prediction test ran
  GenerationRequest r;
  r.prompt = "a lighthouse, (storm:1.2)";
  r.width = 64;
  r.height = 128;
  r.steps = 2;
  r.seed = 3;
  const GeneratedImage image = model->Generate(r);
  EXPECT_EQ(image.rgb.size(), 64u * 128u * 3u);
  options.prediction = Prediction::kV;
  EXPECT_FALSE(StableDiffusion::Load(path, options)->info().prediction_detected);
  fs::remove(path);
}

TEST(PngWriterTest, WritesPixelsAndTextThatReadBack) {
  const fs::path path =
      fs::temp_directory_path() / ("depict_png_" + std::to_string(getpid()) + ".png");
  std::vector<uint8_t> rgb(4 * 2 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 10);
  WritePng(path, rgb, 4, 2, {{"parameters", "a cat\nSteps: 20"}, {"depict", "café ☕"}});
  const auto text = ReadPngText(path);
  ASSERT_EQ(text.size(), 2u);
  EXPECT_EQ(text[0].first, "parameters");
  EXPECT_EQ(text[0].second, "a cat\nSteps: 20");
  EXPECT_EQ(text[1].second, "café ☕");
  EXPECT_FALSE(fs::exists(path.string() + ".part"));
  fs::remove(path);
  EXPECT_THROW(WritePng(path, rgb, 5, 2), PngError);
  EXPECT_THROW(ReadPngText(FixtureDir() / "expected.safetensors"), PngError);
}

}  // namespace
}  // namespace depict::diffusion
