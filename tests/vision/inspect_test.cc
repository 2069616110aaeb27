// End to end on the committed test images against face-api's and nsfwjs's own results
// (tests/fixtures/vision/parity.json, from tools/vision-parity/parity.js).
#include "vision/inspect.h"

#include <gtest/gtest.h>
#include <jpeglib.h>

#include <cstdlib>

#include "vision/fixtures.h"
#include "vision/nsfw.h"

namespace depict::vision {
namespace {

Box BoxOf(const nlohmann::json& j) {
  return {j.at("_x").get<double>(), j.at("_y").get<double>(), j.at("_width").get<double>(),
          j.at("_height").get<double>()};
}

class InspectTest : public ::testing::TestWithParam<std::string> {};

void CheckAgainstReference(const Inspector& inspector, const std::string& name,
                           DetectorKind detector, const char* key) {
  const Image image = LoadImage(testing::FixtureDir() / (name + ".png"));
  InspectOptions options;
  options.detector = detector;
  const InspectResult r = inspector.Inspect(image, options);
  const nlohmann::json& ref = testing::Parity().at("images").at(name);
  EXPECT_EQ(r.width, ref.at("width").get<int>());
  EXPECT_EQ(r.height, ref.at("height").get<int>());
  for (size_t i = 0; i < kNsfwClasses.size(); ++i) {
    EXPECT_NEAR(r.nsfw[i], ref.at("nsfw").at(kNsfwClasses[i]).get<double>(), 1e-4)
        << name << " " << kNsfwClasses[i];
  }
  const nlohmann::json& faces = ref.at(key);
  ASSERT_EQ(r.faces.size(), faces.size()) << name << " " << key;
  for (size_t i = 0; i < r.faces.size(); ++i) {
    const FaceResult& f = r.faces[i];
    const nlohmann::json& e = faces[i];
    EXPECT_GE(IoU(f.box, BoxOf(e.at("box"))), 0.99) << name << " face " << i;
    EXPECT_NEAR(f.score, e.at("score").get<double>(), 1e-3);
    ASSERT_EQ(f.landmarks.size(), 68u);
    for (size_t k = 0; k < 68; ++k) {
      EXPECT_NEAR(f.landmarks[k].x, e.at("landmarks")[k][0].get<double>(), 0.05) << k;
      EXPECT_NEAR(f.landmarks[k].y, e.at("landmarks")[k][1].get<double>(), 0.05) << k;
    }
    EXPECT_GE(IoU(f.aligned, BoxOf(e.at("aligned"))), 0.99);
    EXPECT_NEAR(f.age, e.at("age").get<double>(), 0.1);
    EXPECT_TRUE(f.has_age_gender);
    EXPECT_EQ(f.gender, e.at("gender").get<std::string>());
    EXPECT_NEAR(f.gender_probability, e.at("genderProbability").get<double>(), 1e-3);
    EXPECT_TRUE(f.skin.found);
    EXPECT_GE(f.skin.monk, 1);
    EXPECT_LE(f.skin.monk, 10);
    EXPECT_GT(f.skin.fraction, 0.2);
  }
}

TEST_P(InspectTest, MatchesFaceApiAndNsfwjs) {
  DEPICT_SKIP_WITHOUT_MODELS();
  static const Inspector inspector(testing::ModelsDir(), {.tiny = true, .ssd = true});
  CheckAgainstReference(inspector, GetParam(), DetectorKind::kTiny, "tiny");
  CheckAgainstReference(inspector, GetParam(), DetectorKind::kSsd, "ssd");
}

INSTANTIATE_TEST_SUITE_P(Images, InspectTest,
                         ::testing::Values("astronaut", "astronaut_medium", "astronaut_deep",
                                           "synthetic"));

TEST(Inspect, AstronautIsOneFaceWithLightSkin) {
  DEPICT_SKIP_WITHOUT_MODELS();
  const Inspector inspector(testing::ModelsDir(), {});
  const InspectResult r = inspector.Inspect(LoadImage(testing::FixtureDir() / "astronaut.png"), {});
  ASSERT_EQ(r.faces.size(), 1u);
  // Eileen Collins: light skin. ITA 49.9 degrees, Chardon's "light" band (41-55); the mean
  // colour (L* 71) of the photographed face is darker than the light MST swatches (L* 87-95),
  // so the nearest swatch is MST 5: photos under indoor light read a step or two darker.
  const SkinTone& skin = r.faces[0].skin;
  EXPECT_GT(skin.ita, 41.0);
  EXPECT_LT(skin.ita, 55.0);
  EXPECT_GE(skin.monk, 3);
  EXPECT_LE(skin.monk, 6);
  EXPECT_GT(skin.fraction, 0.8);
}

TEST(Inspect, DarkerSkinReadsAsDarkerTones) {
  // The same portrait with its colours scaled towards medium and deep brown skin
  // (tools/vision-parity/make_test_images.py): the skin rule keeps most of the face at every
  // tone, ITA falls and the Monk tone rises with each step, and deep reaches the scale's dark end.
  DEPICT_SKIP_WITHOUT_MODELS();
  const Inspector inspector(testing::ModelsDir(), {});
  std::vector<SkinTone> tones;
  for (const char* name : {"astronaut.png", "astronaut_medium.png", "astronaut_deep.png"}) {
    const InspectResult r = inspector.Inspect(LoadImage(testing::FixtureDir() / name), {});
    ASSERT_EQ(r.faces.size(), 1u) << name;
    ASSERT_TRUE(r.faces[0].skin.found) << name;
    EXPECT_GT(r.faces[0].skin.fraction, 0.5) << name;
    tones.push_back(r.faces[0].skin);
  }
  EXPECT_GT(tones[0].ita, tones[1].ita);
  EXPECT_GT(tones[1].ita, tones[2].ita);
  EXPECT_LT(tones[0].monk, tones[1].monk);
  EXPECT_LT(tones[1].monk, tones[2].monk);
  EXPECT_GE(tones[2].monk, 8);
  EXPECT_LT(tones[2].ita, -30.0);  // Chardon's "dark" band: below -30 degrees
}

TEST(Inspect, TheSamePhotoAsJpegGivesTheSameFace) {
  DEPICT_SKIP_WITHOUT_MODELS();
  const Image png = LoadImage(testing::FixtureDir() / "astronaut.png");
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(png.width);
  cinfo.image_height = static_cast<JDIMENSION>(png.height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 92, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(png.rgb.data()) + cinfo.next_scanline * png.width * 3;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  const Image jpeg = DecodeImage(buffer, size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);

  const Inspector inspector(testing::ModelsDir(), {});
  const InspectResult a = inspector.Inspect(png, {}), b = inspector.Inspect(jpeg, {});
  ASSERT_EQ(a.faces.size(), 1u);
  ASSERT_EQ(b.faces.size(), 1u);
  // JPEG's loss moves the estimates a little, not the face.
  EXPECT_GT(IoU(a.faces[0].box, b.faces[0].box), 0.9);
  EXPECT_EQ(a.faces[0].gender, b.faces[0].gender);
  EXPECT_NEAR(a.faces[0].age, b.faces[0].age, 3.0);
  EXPECT_NEAR(a.faces[0].skin.ita, b.faces[0].skin.ita, 3.0);
}

TEST(Inspect, DegenerateSizesAreInspectedNotCrashedOn) {
  DEPICT_SKIP_WITHOUT_MODELS();
  static const Inspector inspector(testing::ModelsDir(), {.tiny = true, .ssd = true});
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{1, 1}, {1, 3000}, {3000, 2}}) {
    Image image;
    image.width = w;
    image.height = h;
    image.rgb.assign(static_cast<size_t>(w) * h * 3, 128);
    for (DetectorKind detector : {DetectorKind::kTiny, DetectorKind::kSsd}) {
      InspectOptions options;
      options.detector = detector;
      const InspectResult r = inspector.Inspect(image, options);
      EXPECT_EQ(r.width, w);
      float sum = 0;
      for (float p : r.nsfw) sum += p;
      EXPECT_NEAR(sum, 1.0f, 1e-4);
    }
  }
}

}  // namespace
}  // namespace depict::vision
