#include "vision/ssd.h"

#include <gtest/gtest.h>

#include "vision/fixtures.h"

namespace depict::vision {
namespace {

TEST(SsdFaceDetector, RawBoxesAndScoresMatchFaceApi) {
  DEPICT_SKIP_WITHOUT_MODELS();
  const SsdFaceDetector net(testing::ModelsDir() / "face-api");
  const SsdFaceDetector::Raw raw = net.Forward(testing::HashMap(300, 400));
  EXPECT_LT(testing::MaxAbsDiff(raw.scores, testing::ReadF32("ssd_scores")), 1e-3);
  EXPECT_LT(testing::MaxAbsDiff(raw.boxes, testing::ReadF32("ssd_boxes")), 1e-3);
}

}  // namespace
}  // namespace depict::vision
