// face-api's SSD MobileNetV1 face detector (ssd_mobilenetv1_model), the accurate option: slower
// than the tiny detector, better on small and turned faces.
//
// The image, zero-padded at the bottom or right to a square and resized (bilinear,
// align_corners false) to 512x512, scaled to [-1, 1] (x / 127.5 - 1); MobileNetV1 (a 3x3
// stride-2 conv, then 13 depthwise + pointwise pairs, strides 2 at pairs 2, 4, 6 and 12, every
// conv followed by its batch norm or bias and ReLU6); 8 more pointwise convs; six box predictors
// (on pair 11, pair 13 and the odd extra convs) with 3 or 6 anchors per cell: 5,118 anchors in
// all. Box encodings decode against the model's anchors (Output/extra_dim) as centre offsets / 10
// and exp(size / 5); a face's score is the sigmoid of its second class logit. NMS: greedy at IoU
// 0.5, at most 100 faces, score > min_confidence.
#ifndef DEPICT_VISION_SSD_H_
#define DEPICT_VISION_SSD_H_

#include <array>
#include <filesystem>
#include <vector>

#include "vision/face_nets.h"
#include "vision/nn.h"

namespace depict::vision {

class SsdFaceDetector {
 public:
  explicit SsdFaceDetector(const std::filesystem::path& face_api_dir);

  struct Raw {
    std::vector<float> boxes;   // [5118, 4]: top, left, bottom, right, relative to the square
    std::vector<float> scores;  // [5118]
  };
  Raw Forward(const PixelSource& image) const;
  std::vector<Detection> Detect(const PixelSource& image, double min_confidence = 0.5,
                                int max_results = 100) const;

 private:
  struct Pair {
    Depthwise depthwise;  // batch norm folded in
    Conv pointwise;
  };
  struct Predictor {
    Conv box, cls;
  };
  Conv conv0_;
  std::array<Pair, 13> pairs_;
  std::array<Conv, 8> extra_;
  std::array<Predictor, 6> predictors_;
  std::vector<float> anchors_;  // [5118, 4]
};

}  // namespace depict::vision

#endif  // DEPICT_VISION_SSD_H_
