#include "vision/face_nets.h"

#include <gtest/gtest.h>

#include "vision/fixtures.h"

namespace depict::vision {
namespace {

using testing::HashMap;
using testing::MaxAbsDiff;
using testing::ModelsDir;
using testing::ReadF32;

std::vector<float> Values(const Map& m) { return {m.data(), m.data() + m.size()}; }

TEST(TinyFaceDetector, RawOutputMatchesFaceApi) {
  DEPICT_SKIP_WITHOUT_MODELS();
  const TinyFaceDetector net(ModelsDir() / "face-api");
  const Map out = net.Forward(HashMap(200, 300), 416);  // padded to a square, resized
  EXPECT_EQ(out.h, 13);
  EXPECT_EQ(out.c, 25);
  const float diff = MaxAbsDiff(Values(out), ReadF32("tiny_raw"));
  EXPECT_LT(diff, 1e-3);
  RecordProperty("max_abs_diff_416", std::to_string(diff));
  const Map out320 = net.Forward(HashMap(320, 320), 320);  // no resize
  EXPECT_LT(MaxAbsDiff(Values(out320), ReadF32("tiny_raw_320")), 1e-3);
}

TEST(FaceLandmarkNet, RawOutputMatchesFaceApi) {
  DEPICT_SKIP_WITHOUT_MODELS();
  const FaceLandmarkNet net(ModelsDir() / "face-api");
  const Map face = HashMap(90, 70);
  const std::vector<Point> points = net.Forward(face);
  const std::vector<float> ref = ReadF32("landmarks_raw");
  ASSERT_EQ(ref.size(), 136u);
  std::vector<float> got;
  for (const Point& p : points) {
    got.push_back(static_cast<float>(p.x));
    got.push_back(static_cast<float>(p.y));
  }
  EXPECT_LT(MaxAbsDiff(got, ref), 1e-3);
}

TEST(AgeGenderNet, OutputMatchesFaceApi) {
  DEPICT_SKIP_WITHOUT_MODELS();
  const AgeGenderNet net(ModelsDir() / "face-api");
  const AgeGender r = net.Forward(HashMap(90, 70));
  EXPECT_NEAR(r.age, ReadF32("age_raw").at(0), 1e-3);
  EXPECT_NEAR(r.male, ReadF32("gender_raw").at(0), 1e-4);
}

TEST(FaceNets, MissingModelsSayHowToFetchThem) {
  try {
    TinyFaceDetector net("/nonexistent/face-api");
    FAIL() << "no error";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("scripts/fetch-models.sh"), std::string::npos);
  }
}

}  // namespace
}  // namespace depict::vision
