#include "vision/nsfw.h"

#include <gtest/gtest.h>

#include "vision/fixtures.h"
#include "vision/tfjs_weights.h"

namespace depict::vision {
namespace {

TEST(NsfwClassifier, MatchesNsfwjs) {
  DEPICT_SKIP_WITHOUT_MODELS();
  const NsfwClassifier net(testing::ModelsDir() / "nsfwjs" / "mobilenet_v2");
  const std::array<float, 5> p = net.Classify(testing::HashMap(150, 200));
  const std::vector<float> ref = testing::ReadF32("nsfw_raw");
  ASSERT_EQ(ref.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(p[i], ref[i], 1e-4) << kNsfwClasses[i];
}

TEST(NsfwClassifier, MissingModelSaysHowToFetchIt) {
  EXPECT_THROW(NsfwClassifier{"/nonexistent"}, ModelError);
}

}  // namespace
}  // namespace depict::vision
