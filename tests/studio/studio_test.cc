// The composition of planner, engine and inspector on the tiny SD 1.x-shaped checkpoint: what
// the engine reads is what the plan cast, a refused prompt never reaches the engine.
#include "studio/studio.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "diffusion/clip_tokenizer.h"
#include "diffusion/tiny_checkpoint.h"
#include "support/planner_fixture.h"

namespace depict::studio {
namespace {

namespace fs = std::filesystem;

class StudioTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(diffusion::DefaultClipVocabPath(DEPICT_MODELS_DIR))) return;
    checkpoint_ = new fs::path(fs::temp_directory_path() /
                               ("depict_studio_" + std::to_string(getpid()) + ".safetensors"));
    depict::testing::WriteTinyCheckpoint(
        (fs::path(DEPICT_FIXTURES) / "pipeline" / "tiny_sd1.safetensors").string(),
        checkpoint_->string());
    diffusion::LoadOptions options;
    options.models_dir = DEPICT_MODELS_DIR;
    model_ = new std::shared_ptr<const diffusion::StableDiffusion>(
        diffusion::StableDiffusion::Load(*checkpoint_, options));
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
    if (checkpoint_ != nullptr) fs::remove(*checkpoint_);
    delete checkpoint_;
  }
  void SetUp() override {
    if (model_ == nullptr) GTEST_SKIP() << "no CLIP vocabulary: run scripts/fetch-models.sh";
  }

  static Parts WithModel() {
    Parts parts;
    parts.planner = std::shared_ptr<const plan::Planner>(&depict::testing::EmbeddedPlanner(),
                                                         [](const plan::Planner*) {});
    parts.model = *model_;
    return parts;
  }
  static Request Small(const std::string& prompt, int images) {
    Request r;
    r.prompt = prompt;
    r.images = images;
    r.seed = 41;
    r.settings.width = r.settings.height = 64;
    r.settings.steps = 2;
    r.settings.sampler = {diffusion::SamplerKind::kEuler, diffusion::ScheduleType::kAutomatic};
    return r;
  }

  static fs::path* checkpoint_;
  static std::shared_ptr<const diffusion::StableDiffusion>* model_;
};

fs::path* StudioTest::checkpoint_ = nullptr;
std::shared_ptr<const diffusion::StableDiffusion>* StudioTest::model_ = nullptr;

TEST_F(StudioTest, TheEngineReadsWhatThePlanCast) {
  const Studio studio(WithModel());
  int steps = 0;
  std::vector<size_t> done;
  Callbacks callbacks;
  callbacks.on_step = [&](size_t, size_t images, int, int total) {
    EXPECT_EQ(images, 2u);
    EXPECT_EQ(total, 2);
    ++steps;
  };
  callbacks.on_image = [&](const Image& image) { done.push_back(image.index); };
  const Result r = studio.Run(Small("a portrait of a doctor", 2), callbacks);
  ASSERT_FALSE(r.refused());
  ASSERT_EQ(r.images.size(), 2u);
  ASSERT_EQ(r.plan.images.size(), 2u);
  EXPECT_EQ(steps, 4);
  EXPECT_EQ(done, (std::vector<size_t>{0, 1}));
  for (size_t i = 0; i < 2; ++i) {
    const Image& image = r.images[i];
    // The planner cast the doctor (the prompt gained words), and that is what was encoded.
    EXPECT_NE(r.plan.images[i].prompt, "a portrait of a doctor");
    EXPECT_EQ(image.generated.prompt, r.plan.images[i].prompt);
    EXPECT_EQ(image.generated.seed, r.plan.images[i].seed);
    EXPECT_EQ(image.generated.rgb.size(), 64u * 64u * 3u);
    EXPECT_EQ(image.infotext.rfind(r.plan.images[i].prompt, 0), 0u) << image.infotext;
    const nlohmann::json cast = nlohmann::json::parse(image.cast_json);
    EXPECT_EQ(cast["people"][0]["text"], "doctor");
    EXPECT_EQ(cast["image"]["prompt"], r.plan.images[i].prompt);
  }
}

TEST_F(StudioTest, ARefusedPromptNeverReachesTheEngine) {
  const Studio studio(WithModel());
  bool generated = false;
  Callbacks callbacks;
  callbacks.on_step = [&](size_t, size_t, int, int) { generated = true; };
  const Result r = studio.Run(Small("a nude child", 2), callbacks);
  EXPECT_TRUE(r.refused());
  EXPECT_EQ(r.plan.refusal->category, "sexual_minors");
  EXPECT_TRUE(r.images.empty());
  EXPECT_FALSE(generated);
}

TEST_F(StudioTest, UnplannedPromptsGoUnchanged) {
  const Studio studio(WithModel());
  Request request = Small("a portrait of a doctor", 2);
  request.plan = false;
  const Result r = studio.Run(request);
  ASSERT_EQ(r.images.size(), 2u);
  EXPECT_TRUE(r.plan.images.empty());
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r.images[i].generated.prompt, "a portrait of a doctor");
    EXPECT_EQ(r.images[i].generated.seed, 41 + i);
    EXPECT_TRUE(r.images[i].cast_json.empty());
  }
}

TEST_F(StudioTest, APastedNegativePromptIsTheNegativePrompt) {
  const Studio studio(WithModel());
  const Result r = studio.Run(Small("a lighthouse at dusk\nNegative prompt: lowres, blurry", 1));
  ASSERT_EQ(r.images.size(), 1u);
  EXPECT_EQ(r.images[0].generated.prompt, "a lighthouse at dusk");
  EXPECT_NE(r.images[0].infotext.find("Negative prompt: lowres, blurry"), std::string::npos)
      << r.images[0].infotext;
}

TEST_F(StudioTest, InspectsWhenAsked) {
  if (!fs::exists(fs::path(DEPICT_MODELS_DIR) / "face-api")) GTEST_SKIP() << "no face-api";
  Parts parts = WithModel();
  Request request = Small("a lighthouse at dusk", 1);
  request.inspect = true;
  EXPECT_THROW(Studio(parts).Run(request), std::invalid_argument);  // no inspector
  parts.inspector =
      std::make_shared<const vision::Inspector>(DEPICT_MODELS_DIR, vision::Inspector::Load{});
  const Result r = Studio(parts).Run(request);
  ASSERT_EQ(r.images.size(), 1u);
  ASSERT_TRUE(r.images[0].inspection.has_value());
  EXPECT_EQ(r.images[0].inspection->width, 64);
  EXPECT_TRUE(r.images[0].inspection->has_nsfw);
}

TEST(StudioPlanOnlyTest, AStudioWithoutAModelOnlyPlans) {
  Parts parts;
  parts.planner = std::shared_ptr<const plan::Planner>(&depict::testing::EmbeddedPlanner(),
                                                       [](const plan::Planner*) {});
  const Studio studio(parts);
  Request request;
  request.prompt = "a nurse";
  request.images = 3;
  EXPECT_EQ(studio.Plan(request).images.size(), 3u);
  EXPECT_THROW(studio.Run(request), std::invalid_argument);
  request.images = 0;
  EXPECT_THROW(studio.Run(request), std::invalid_argument);
  EXPECT_THROW(Studio(Parts{}), std::invalid_argument);
}

}  // namespace
}  // namespace depict::studio
