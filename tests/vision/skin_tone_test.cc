#include "vision/skin_tone.h"

#include <gtest/gtest.h>

#include <cmath>

namespace depict::vision {
namespace {

TEST(SkinTone, SrgbToLabOnKnownValues) {
  // Reference values: CIE L*a*b* (D65, 2 degrees) of sRGB primaries, as published by
  // colour-science / Bruce Lindbloom's calculator.
  const Lab white = SrgbToLab(255, 255, 255);
  EXPECT_NEAR(white.l, 100.0, 1e-3);
  EXPECT_NEAR(white.a, 0.0, 1e-2);
  EXPECT_NEAR(white.b, 0.0, 1e-2);
  const Lab black = SrgbToLab(0, 0, 0);
  EXPECT_NEAR(black.l, 0.0, 1e-9);
  const Lab red = SrgbToLab(255, 0, 0);
  EXPECT_NEAR(red.l, 53.24, 0.01);
  EXPECT_NEAR(red.a, 80.09, 0.01);
  EXPECT_NEAR(red.b, 67.20, 0.01);
  const Lab blue = SrgbToLab(0, 0, 255);
  EXPECT_NEAR(blue.l, 32.30, 0.01);
  EXPECT_NEAR(blue.a, 79.19, 0.01);
  EXPECT_NEAR(blue.b, -107.86, 0.01);
  const Lab grey = SrgbToLab(119, 119, 119);  // mid grey: L* ~ 50
  EXPECT_NEAR(grey.l, 50.03, 0.05);
}

TEST(SkinTone, IndividualTypologyAngle) {
  EXPECT_NEAR(IndividualTypologyAngle({60, 0, 10}), 45.0, 1e-9);
  EXPECT_NEAR(IndividualTypologyAngle({50, 0, 20}), 0.0, 1e-9);
  EXPECT_NEAR(IndividualTypologyAngle({40, 0, 10}), -45.0, 1e-9);
  // Chardon's categories: light skin above 41 degrees, dark below -30.
  EXPECT_GT(IndividualTypologyAngle(SrgbToLab(0xf6, 0xed, 0xe4)), 55.0);
  EXPECT_LT(IndividualTypologyAngle(SrgbToLab(0x3a, 0x31, 0x2a)), -30.0);
}

TEST(SkinTone, EachMonkSwatchIsItsOwnNearestTone) {
  for (int i = 0; i < 10; ++i) {
    const auto& s = MonkSwatches()[i];
    EXPECT_EQ(NearestMonkTone(SrgbToLab(s[0], s[1], s[2])), i + 1);
  }
}

TEST(SkinTone, YCbCrRuleKeepsLightAndDarkSkinNotBlueOrGrey) {
  EXPECT_TRUE(IsSkinYCbCr(0xd7, 0xbd, 0x96) || IsSkinYCbCr(0xe0, 0xac, 0x69));
  EXPECT_TRUE(IsSkinYCbCr(0x82, 0x5c, 0x43));
  EXPECT_TRUE(IsSkinYCbCr(0x60, 0x41, 0x34));
  EXPECT_FALSE(IsSkinYCbCr(40, 60, 200));
  EXPECT_FALSE(IsSkinYCbCr(128, 128, 128));
}

TEST(SkinTone, MeanOverAUniformFaceGivesItsTone) {
  Image image;
  image.width = 100;
  image.height = 100;
  image.rgb.assign(100 * 100 * 3, 0);
  for (size_t i = 0; i < image.rgb.size(); i += 3) {
    image.rgb[i] = 0x82;
    image.rgb[i + 1] = 0x5c;
    image.rgb[i + 2] = 0x43;
  }
  // A synthetic face: jaw on a half circle, brows straight, eyes and mouth small.
  std::vector<Point> pts(68);
  for (int i = 0; i <= 16; ++i) {
    const double t = 3.14159265358979 * i / 16;
    pts[i] = {50 - 40 * std::cos(t), 30 + 60 * std::sin(t)};
  }
  for (int i = 17; i <= 26; ++i) pts[i] = {12 + (i - 17) * 8.4, 25};
  for (int i = 27; i <= 35; ++i) pts[i] = {50, 40 + (i - 27) * 2.0};
  for (int i = 36; i <= 41; ++i) pts[i] = {30 + 3 * std::cos(i), 40 + 2 * std::sin(i)};
  for (int i = 42; i <= 47; ++i) pts[i] = {70 + 3 * std::cos(i), 40 + 2 * std::sin(i)};
  for (int i = 48; i <= 67; ++i) pts[i] = {50 + 8 * std::cos(i * 0.3), 70 + 3 * std::sin(i * 0.3)};
  const SkinTone tone = EstimateSkinTone(image, pts);
  ASSERT_TRUE(tone.found);
  EXPECT_EQ(tone.monk, 7);
  EXPECT_NEAR(tone.ita, IndividualTypologyAngle(SrgbToLab(0x82, 0x5c, 0x43)), 1e-6);
  EXPECT_NEAR(tone.fraction, 1.0, 1e-9);
  EXPECT_FALSE(EstimateSkinTone(image, {}).found);
}

}  // namespace
}  // namespace depict::vision
