// Perceived skin tone of a face: the mean colour of the face's skin pixels, as CIELAB, its
// Individual Typology Angle and the nearest of the 10 Monk Skin Tone (MST) swatches.
//
// Skin pixels: inside the face outline made by the 68-point landmarks (the jaw line, points
// 0-16, closed over the eyebrows, 26 down to 17), outside the eyes (36-41, 42-47, each grown by
// half the eye's width) and the mouth (48-59, grown by a fifth of its width), and passing the
// YCbCr skin rule of Chai and Ngan (1999): 77 <= Cb <= 127 and 133 <= Cr <= 173 (JPEG's full
// range YCbCr). The rule bounds chroma only, not luma, so it keeps dark and light skin alike,
// and it drops hair, teeth, eyebrows and background that the outline lets in.
//
// Colour maths (values in tests/vision/skin_tone_test.cc):
//   sRGB (8-bit) -> linear -> XYZ (IEC 61966-2-1 matrix) -> CIELAB, white point D65
//   (Xn, Yn, Zn) = (0.95047, 1, 1.08883);
//   ITA = atan2(L* - 50, b*) in degrees (Chardon et al. 1991: > 55 very light, < -30 dark);
//   MST: the swatch whose CIELAB colour is nearest (Euclidean, CIE76) to the mean skin colour
//   (the mean taken in CIELAB). Swatches from the Monk Skin Tone Scale (Monk 2019, CC-BY 4.0).
#ifndef DEPICT_VISION_SKIN_TONE_H_
#define DEPICT_VISION_SKIN_TONE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "vision/face_nets.h"
#include "vision/image.h"

namespace depict::vision {

struct Lab {
  double l = 0, a = 0, b = 0;
};

Lab SrgbToLab(uint8_t r, uint8_t g, uint8_t b);
double IndividualTypologyAngle(const Lab& lab);  // degrees
// 1-10: the nearest MST swatch.
int NearestMonkTone(const Lab& lab);
// The MST swatches in sRGB, MST 1 (lightest) first.
const std::array<std::array<uint8_t, 3>, 10>& MonkSwatches();
bool IsSkinYCbCr(uint8_t r, uint8_t g, uint8_t b);

struct SkinTone {
  bool found = false;   // false when no pixel passed (then the rest is zero)
  Lab mean;             // mean CIELAB of the skin pixels
  double ita = 0;       // degrees
  int monk = 0;         // 1-10
  double fraction = 0;  // skin pixels / pixels inside the face outline
};

// `landmarks`: the 68 points in image pixels.
SkinTone EstimateSkinTone(const Image& image, const std::vector<Point>& landmarks);

}  // namespace depict::vision

#endif  // DEPICT_VISION_SKIN_TONE_H_
