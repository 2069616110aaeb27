// depict's image inspection, the library behind `depict inspect`: faces with their perceived
// gender, age and skin tone, and the image's NSFW class probabilities.
//
// Every estimate is *perceived*: what published models trained on labelled photos say a face
// looks like, never who the person is or how they identify. face-api's age/gender model reports
// about 95% gender accuracy overall but 69-88% for people under 18, and a mean age error of 4.5
// years; nsfwjs over-flags clothed women as "Sexy". See README.md.
//
// The pipeline is face-api's detectAllFaces(...).withFaceLandmarks(true).withAgeAndGender():
//   1. detect faces (tiny face detector at 416, score > 0.5, NMS 0.4; or SSD MobileNetV1 at
//      512, score > 0.5, NMS 0.5);
//   2. on each detection's box (clipped to the image, floored to whole pixels) find the 68
//      landmarks, placed in the image at the detection box's corner;
//   3. align: the landmarks' bounding box grown by 20% of its width and height;
//   4. age and gender on that aligned crop; skin tone from the landmarks (skin_tone.h).
// NSFW classes come from the whole image.
#ifndef DEPICT_VISION_INSPECT_H_
#define DEPICT_VISION_INSPECT_H_

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "vision/face_nets.h"
#include "vision/image.h"
#include "vision/skin_tone.h"

namespace depict::vision {

enum class DetectorKind { kTiny, kSsd };

struct InspectOptions {
  DetectorKind detector = DetectorKind::kTiny;
  double min_face = 0;  // faces whose box is narrower or shorter than this (pixels) are dropped
  bool nsfw = true;
  bool faces = true;
};

struct FaceResult {
  Box box;  // the detection, image pixels
  double score = 0;
  std::vector<Point> landmarks;  // 68 points, image pixels
  Box aligned;                   // the crop age and gender were read from
  // Perceived gender and age, from the aligned crop; absent (has_age_gender false) when the
  // aligned box falls outside the image.
  bool has_age_gender = false;
  std::string gender;  // "male" or "female" (perceived)
  double gender_probability = 0;
  double age = 0;  // years (perceived)
  SkinTone skin;
};

struct InspectResult {
  int width = 0, height = 0;
  bool has_nsfw = false;
  std::array<float, 5> nsfw{};  // kNsfwClasses order (nsfw.h)
  std::vector<FaceResult> faces;
};

class Inspector {
 public:
  // Loads the models from `models_dir` (models/ of the repository: face-api/ and
  // nsfwjs/mobilenet_v2/): those `load` asks for. A missing file is a ModelError that says how
  // to fetch the models.
  struct Load {
    bool tiny = true, ssd = false, faces = true, nsfw = true;
  };
  Inspector(const std::filesystem::path& models_dir, Load load);
  ~Inspector();

  InspectResult Inspect(const Image& image, const InspectOptions& options) const;

 private:
  struct Models;
  std::unique_ptr<Models> models_;
};

}  // namespace depict::vision

#endif  // DEPICT_VISION_INSPECT_H_
