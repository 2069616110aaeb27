// img2img end to end on the tiny SD 1.x checkpoint completed with a VAE encoder, against the
// A1111-style reference of tools/make_img2img_fixtures.py (transformers' text model, diffusers'
// UNet and AutoencoderKL, k-diffusion's samplers over A1111's sigma_sched), and the behaviour at
// the ends of the denoising strength.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "diffusion/init_image.h"
#include "diffusion/model_test_util.h"
#include "diffusion/pipeline.h"
#include "diffusion/rng.h"
#include "diffusion/tiny_checkpoint.h"
#include "diffusion/vae_encoder.h"
#include "tensor/safetensors.h"

namespace depict::diffusion {
namespace {

using depict::testing::MaxAbsDiff;
using tensor::DType;
using tensor::Tensor;
namespace fs = std::filesystem;

fs::path Fixtures() { return fs::path(DEPICT_FIXTURES); }

class Img2ImgPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(DefaultClipVocabPath(DEPICT_MODELS_DIR))) return;
    checkpoint_ =
        new fs::path(fs::temp_directory_path() /
                     ("depict_tiny_img2img_" + std::to_string(getpid()) + ".safetensors"));
    depict::testing::WriteTinyCheckpoint(
        (Fixtures() / "pipeline" / "tiny_sd1.safetensors").string(), checkpoint_->string(),
        "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight",
        {(Fixtures() / "vae_encoder" / "tiny_sd1_encoder.safetensors").string()});
    LoadOptions options;
    options.models_dir = DEPICT_MODELS_DIR;
    model_ = StableDiffusion::Load(*checkpoint_, options).release();
    expected_ = new std::shared_ptr<tensor::SafetensorsFile>(
        tensor::SafetensorsFile::Open((Fixtures() / "img2img" / "expected.safetensors").string()));
    const Tensor hwc = (*expected_)->GetAs("init_image", DType::kF32);
    auto image = std::make_shared<InitImage>();
    image->width = static_cast<int>(hwc.dim(1));
    image->height = static_cast<int>(hwc.dim(0));
    for (int64_t i = 0; i < hwc.numel(); ++i) {
      image->rgb.push_back(static_cast<uint8_t>(hwc.f32()[i]));
    }
    init_image_ = new std::shared_ptr<const InitImage>(std::move(image));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete expected_;
    delete init_image_;
    if (checkpoint_ != nullptr) fs::remove(*checkpoint_);
    delete checkpoint_;
  }
  void SetUp() override {
    if (model_ == nullptr) GTEST_SKIP() << "no CLIP vocabulary: run scripts/fetch-models.sh";
  }

  static Tensor Expected(const std::string& name) { return (*expected_)->GetAs(name, DType::kF32); }

  // The fixture's first case: Euler, 5 steps at strength 0.6, CFG 7, philox noise of seed 1234.
  static GenerationRequest EulerRequest() {
    GenerationRequest r;
    r.prompt = "a photo of a cat";
    r.width = r.height = 64;
    r.steps = 5;
    r.cfg_scale = 7.0f;
    r.sampler = ParseSampler("Euler");
    r.seed = 1234;
    r.rng = RngKind::kPhilox;
    r.init_image = *init_image_;
    r.denoising_strength = 0.6;
    return r;
  }

  // Generates, counting the UNet evaluations the progress callback reports.
  static GeneratedImage Run(const GenerationRequest& r, int* evaluations) {
    *evaluations = 0;
    return model_->Generate(r, nullptr, [&](int step, int total) {
      EXPECT_EQ(step, ++*evaluations);
      EXPECT_GE(total, step);
    });
  }

  // The init latent the pipeline should start from, computed here from the encoder alone.
  static Tensor InitLatent(const GenerationRequest& r) {
    const VaeEncoder encoder(tensor::SafetensorsFile::Open(checkpoint_->string()));
    const VaePosterior posterior =
        encoder.Encode(InitImageTensor(*r.init_image, r.width, r.height));
    const Tensor noise =
        NoiseGenerator::Create(RngKind::kCpu, r.seed)->Randn(posterior.mean.shape());
    return encoder.Latent(posterior, &noise);
  }

  // Largest difference in 8-bit levels between an image and a reference in [-1, 1] (with
  // `mean`, also the mean difference).
  static int MaxLevelDiff(const GeneratedImage& image, const Tensor& reference,
                          double* mean = nullptr) {
    const std::vector<uint8_t> want = ImageToRgb8(reference);
    EXPECT_EQ(want.size(), image.rgb.size());
    int worst = 0;
    double sum = 0.0;
    for (size_t i = 0; i < want.size() && i < image.rgb.size(); ++i) {
      const int d = std::abs(static_cast<int>(want[i]) - image.rgb[i]);
      worst = std::max(worst, d);
      sum += d;
    }
    if (mean != nullptr) *mean = sum / static_cast<double>(std::max<size_t>(want.size(), 1));
    return worst;
  }

  static StableDiffusion* model_;
  static std::shared_ptr<tensor::SafetensorsFile>* expected_;
  static std::shared_ptr<const InitImage>* init_image_;
  static fs::path* checkpoint_;
  depict::testing::ScopedF32Compute f32_;  // the references run in float32
};

StableDiffusion* Img2ImgPipelineTest::model_ = nullptr;
std::shared_ptr<tensor::SafetensorsFile>* Img2ImgPipelineTest::expected_ = nullptr;
std::shared_ptr<const InitImage>* Img2ImgPipelineTest::init_image_ = nullptr;
fs::path* Img2ImgPipelineTest::checkpoint_ = nullptr;

TEST_F(Img2ImgPipelineTest, LoadsTheEncoder) {
  ASSERT_TRUE(model_->info().vae_encoder.has_value());
  EXPECT_EQ(model_->info().vae_encoder->downscale(), 8);
  EXPECT_EQ(model_->info().vae_encoder->latent_channels, 4);
}

// The init latent (Pillow-resized 72x56 -> 64x64, encoded, sampled with the seed's CPU noise,
// scaled) of order 1 within 1e-4; the final latents (of order 3 and 14 after the random UNet)
// within 2e-3, as pipeline_test.cc's; images within one 8-bit level.
TEST_F(Img2ImgPipelineTest, EulerMatchesTheA1111Reference) {
  const GenerationRequest r = EulerRequest();
  EXPECT_LE(MaxAbsDiff(InitLatent(r), Expected("euler_init_latent")), 1e-4f);
  int evaluations = 0;
  const GeneratedImage image = Run(r, &evaluations);
  EXPECT_EQ(evaluations, 4);  // t_enc = int(0.6 * 5) = 3, and one more
  EXPECT_LT(MaxAbsDiff(image.latent, Expected("euler_latent")), 2e-3f);
  EXPECT_LE(MaxLevelDiff(image, Expected("euler_image")), 1);
  EXPECT_GT(image.image_encode_seconds, 0.0);
}

TEST_F(Img2ImgPipelineTest, EulerAncestralMatchesTheA1111Reference) {
  GenerationRequest r = EulerRequest();
  r.prompt = "portrait of an old man, oil painting";
  r.negative_prompt = "blurry";
  r.sampler = ParseSampler("Euler a");
  r.steps = 4;
  r.denoising_strength = 0.75;
  r.cfg_scale = 5.0f;
  r.seed = 99;
  r.rng = RngKind::kCpu;
  EXPECT_LE(MaxAbsDiff(InitLatent(r), Expected("ancestral_init_latent")), 1e-4f);
  int evaluations = 0;
  const GeneratedImage image = Run(r, &evaluations);
  EXPECT_EQ(evaluations, 4);  // int(0.75 * 4) + 1
  EXPECT_LT(MaxAbsDiff(image.latent, Expected("ancestral_latent")), 2e-3f);
  EXPECT_LE(MaxLevelDiff(image, Expected("ancestral_image")), 1);
}

// Strength 0 runs one step, from the lowest noise level (0.0292) to 0: the result is the init
// latent up to 0.0292 times (noise - the model's guided eps), so the image is its VAE round trip
// (decode of the init latent) to 1.3 levels on average (3.4% of the latent's size here; the
// random decoder amplifies that to 14 levels at worst), where strength 1 redraws it (41 levels).
TEST_F(Img2ImgPipelineTest, StrengthZeroIsNearlyTheRoundTrip) {
  GenerationRequest r = EulerRequest();
  r.steps = 20;
  r.denoising_strength = 0.0;
  const Tensor init = InitLatent(r);
  int evaluations = 0;
  const GeneratedImage image = Run(r, &evaluations);
  EXPECT_EQ(evaluations, 1);
  double init_size = 0.0, diff = 0.0;
  for (int64_t i = 0; i < init.numel(); ++i) {
    init_size += std::abs(init.f32()[i]);
    diff += std::abs(image.latent.f32()[i] - init.f32()[i]);
  }
  EXPECT_LT(diff, 0.1 * init_size) << "mean |init| " << init_size / init.numel();
  const VaeDecoder decoder(tensor::SafetensorsFile::Open(checkpoint_->string()));
  const Tensor round_trip = decoder.Decode(init);
  double mean_levels = 0.0;
  EXPECT_LE(MaxLevelDiff(image, round_trip, &mean_levels), 24);
  EXPECT_LT(mean_levels, 2.0);

  r.denoising_strength = 1.0;
  const GeneratedImage redone = Run(r, &evaluations);
  EXPECT_EQ(evaluations, 20);  // int(0.999 * 20) + 1: the whole schedule
  double far = 0.0;
  for (int64_t i = 0; i < init.numel(); ++i) {
    far += std::abs(redone.latent.f32()[i] - init.f32()[i]);
  }
  EXPECT_GT(far, 10 * diff);
  double redone_levels = 0.0;
  MaxLevelDiff(redone, round_trip, &redone_levels);
  EXPECT_GT(redone_levels, 5 * mean_levels);
}

// A1111's counts: t_enc + 1 evaluations for the k-diffusion samplers and LCM, t_enc - 1 for
// DDIM (none at t_enc <= 1, which returns the noised latent).
TEST_F(Img2ImgPipelineTest, RunsA1111sNumberOfSteps) {
  struct Case {
    const char* sampler;
    int steps;
    double strength;
    int evaluations;
  };
  for (const Case& c :
       {Case{"Euler", 20, 0.75, 16}, Case{"DPM++ 2M", 10, 0.3, 4}, Case{"Euler a", 10, 0.7, 8},
        Case{"LCM", 4, 0.5, 3}, Case{"DDIM", 10, 0.5, 4}, Case{"DDIM", 10, 0.15, 0}}) {
    SCOPED_TRACE(std::string(c.sampler) + " " + std::to_string(c.steps) + " steps at " +
                 std::to_string(c.strength));
    GenerationRequest r = EulerRequest();
    r.sampler = ParseSampler(c.sampler);
    r.steps = c.steps;
    r.denoising_strength = c.strength;
    r.cfg_scale = 1.0f;
    int evaluations = 0;
    const GeneratedImage image = Run(r, &evaluations);
    EXPECT_EQ(evaluations, c.evaluations);
    EXPECT_EQ(image.rgb.size(), size_t{64 * 64 * 3});
  }
}

TEST_F(Img2ImgPipelineTest, BatchItemsAreAsAlone) {
  GenerationRequest a = EulerRequest();
  GenerationRequest b = EulerRequest();
  b.seed = 1235;
  const std::vector<GeneratedImage> both = model_->GenerateBatch({a, b});
  ASSERT_EQ(both.size(), 2u);
  int evaluations = 0;
  EXPECT_LT(MaxAbsDiff(both[0].latent, Run(a, &evaluations).latent), 1e-4f);
  EXPECT_LT(MaxAbsDiff(both[1].latent, Run(b, &evaluations).latent), 1e-4f);
  EXPECT_GT(MaxAbsDiff(both[0].latent, both[1].latent), 0.1f);
  // A txt2img request or another strength cannot join an img2img batch.
  GenerationRequest txt = a;
  txt.init_image.reset();
  EXPECT_FALSE(BatchCompatible(a, txt));
  b.denoising_strength = 0.5;
  EXPECT_FALSE(BatchCompatible(a, b));
  EXPECT_THROW(model_->GenerateBatch({a, b}), GenerationError);
}

TEST_F(Img2ImgPipelineTest, RefusesBadRequests) {
  GenerationRequest r = EulerRequest();
  for (double bad : {-0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    r.denoising_strength = bad;
    EXPECT_THROW(model_->Generate(r), GenerationError) << bad;
  }
  r = EulerRequest();
  r.init_image = std::make_shared<InitImage>(InitImage{4, 4, std::vector<uint8_t>(47)});
  EXPECT_THROW(model_->Generate(r), GenerationError);
}

TEST_F(Img2ImgPipelineTest, NeedsAnEncoder) {
  const fs::path plain = fs::temp_directory_path() /
                         ("depict_tiny_noenc_" + std::to_string(getpid()) + ".safetensors");
  depict::testing::WriteTinyCheckpoint((Fixtures() / "pipeline" / "tiny_sd1.safetensors").string(),
                                       plain.string());
  LoadOptions options;
  options.models_dir = DEPICT_MODELS_DIR;
  const auto no_encoder = StableDiffusion::Load(plain, options);
  fs::remove(plain);
  EXPECT_FALSE(no_encoder->info().vae_encoder.has_value());
  try {
    no_encoder->Generate(EulerRequest());
    ADD_FAILURE() << "no error";
  } catch (const GenerationError& e) {
    EXPECT_NE(std::string(e.what()).find("no VAE encoder"), std::string::npos) << e.what();
  }
}

TEST_F(Img2ImgPipelineTest, InfoTextHasTheDenoisingStrength) {
  GenerationRequest r = EulerRequest();
  GeneratedImage image;
  image.width = image.height = 64;
  image.seed = r.seed;
  std::string text = InfoText(r, image, model_->info(), "0123456789");
  EXPECT_NE(text.find("Model: depict_tiny_img2img_"), std::string::npos) << text;
  const size_t at = text.find(", Denoising strength: 0.6, ");
  EXPECT_NE(at, std::string::npos) << text;
  EXPECT_LT(text.find("Model: "), at);
  r.denoising_strength = 1.0;
  EXPECT_NE(InfoText(r, image, model_->info(), "").find("Denoising strength: 1.0,"),
            std::string::npos);
  r.init_image.reset();
  EXPECT_EQ(InfoText(r, image, model_->info(), "").find("Denoising"), std::string::npos);
}

}  // namespace
}  // namespace depict::diffusion
