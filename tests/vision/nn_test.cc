#include "vision/nn.h"

#include <gtest/gtest.h>

#include "vision/fixtures.h"

namespace depict::vision {
namespace {

using testing::HashMap;
using testing::MaxAbsDiff;
using testing::ReadF32;

std::vector<float> Values(const Map& m) { return {m.data(), m.data() + m.size()}; }

TEST(VisionNn, SamePaddingPutsTheOddPixelAfter) {
  const AxisPads even = PadsFor(224, 3, 2, Padding::kSame);
  EXPECT_EQ(even.out, 112);
  EXPECT_EQ(even.before, 0);
  EXPECT_EQ(even.after, 1);
  const AxisPads odd = PadsFor(7, 3, 2, Padding::kSame);
  EXPECT_EQ(odd.out, 4);
  EXPECT_EQ(odd.before, 1);
  EXPECT_EQ(odd.after, 1);
  const AxisPads pool = PadsFor(13, 2, 1, Padding::kSame);  // tiny detector's last max pool
  EXPECT_EQ(pool.out, 13);
  EXPECT_EQ(pool.before, 0);
  EXPECT_EQ(pool.after, 1);
  EXPECT_EQ(PadsFor(416, 3, 1, Padding::kValid).out, 414);
}

TEST(VisionNn, ResizeBilinearMatchesTfjsInBothCornerModes) {
  const Map x = HashMap(5, 7);
  EXPECT_LT(MaxAbsDiff(Values(ResizeBilinear(x, 9, 4, false)), ReadF32("resize_false")), 1e-4);
  EXPECT_LT(MaxAbsDiff(Values(ResizeBilinear(x, 9, 4, true)), ReadF32("resize_true")), 1e-4);
}

TEST(VisionNn, MaxPoolSamePadsWithMinusInfinity) {
  Map x = Map::Zeros(3, 3, 1);
  for (int i = 0; i < 9; ++i) x.data()[i] = -1.0f - static_cast<float>(i);
  const Map y = MaxPool(x, 2, 2, Padding::kSame);
  ASSERT_EQ(y.h, 2);
  ASSERT_EQ(y.w, 2);
  EXPECT_FLOAT_EQ(y.data()[0], -1.0f);
  EXPECT_FLOAT_EQ(y.data()[3], -9.0f);  // the corner window sees only padding and one pixel
}

TEST(VisionNn, ConvolutionMatchesADirectSum) {
  const Map x = HashMap(6, 5, 2);
  std::vector<float> filter(3 * 3 * 2 * 4), bias{0.5f, -1.0f, 2.0f, 0.0f};
  for (size_t i = 0; i < filter.size(); ++i) filter[i] = static_cast<float>(i % 7) * 0.01f - 0.03f;
  const Conv conv = Conv::FromTf({3, 3, 2, 4}, filter, bias);
  const Map y = Conv2D(x, conv, 2, Padding::kSame);
  ASSERT_EQ(y.h, 3);
  ASSERT_EQ(y.w, 3);
  const AxisPads py = PadsFor(6, 3, 2, Padding::kSame), px = PadsFor(5, 3, 2, Padding::kSame);
  for (int oy = 0; oy < y.h; ++oy) {
    for (int ox = 0; ox < y.w; ++ox) {
      for (int o = 0; o < 4; ++o) {
        double sum = bias[o];
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx) {
            const int iy = oy * 2 + ky - py.before, ix = ox * 2 + kx - px.before;
            if (iy < 0 || iy >= 6 || ix < 0 || ix >= 5) continue;
            for (int c = 0; c < 2; ++c) {
              sum += x.data()[(iy * 5 + ix) * 2 + c] * filter[((ky * 3 + kx) * 2 + c) * 4 + o];
            }
          }
        }
        EXPECT_NEAR(y.data()[(oy * 3 + ox) * 4 + o], sum, 1e-3);
      }
    }
  }
}

}  // namespace
}  // namespace depict::vision
