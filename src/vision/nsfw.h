// nsfwjs's default classifier (nsfwjs 4.4.0, MobileNetV2 at 224x224, models/nsfwjs/mobilenet_v2/)
// run from its Keras layers model: the topology in model.json is executed layer by layer, so the
// graph is the published one rather than a copy written here. Supported layer classes are those
// the model uses: InputLayer, ZeroPadding2D, Conv2D, DepthwiseConv2D, BatchNormalization, ReLU
// (with max_value), Add, AveragePooling2D, Flatten, Dense (linear, relu, softmax) and Dropout
// (identity at inference); any other is a ModelError when the model loads.
//
// Preprocessing as nsfwjs's infer(): pixel values / 255, resized to 224x224 with bilinear
// align_corners true (only when the image is not already that size).
#ifndef DEPICT_VISION_NSFW_H_
#define DEPICT_VISION_NSFW_H_

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "vision/face_nets.h"
#include "vision/nn.h"

namespace depict::vision {

inline constexpr std::array<const char*, 5> kNsfwClasses = {"Drawing", "Hentai", "Neutral", "Porn",
                                                            "Sexy"};

class NsfwClassifier {
 public:
  // Reads model.json (and its shards) from `dir`.
  explicit NsfwClassifier(const std::filesystem::path& dir);
  ~NsfwClassifier();
  NsfwClassifier(NsfwClassifier&&) noexcept;
  NsfwClassifier& operator=(NsfwClassifier&&) noexcept;

  // Probabilities of kNsfwClasses, in that order, for an image as floats 0-255 [h, w, 3].
  std::array<float, 5> Classify(const PixelSource& image) const;

 private:
  struct Graph;
  std::unique_ptr<Graph> graph_;
};

}  // namespace depict::vision

#endif  // DEPICT_VISION_NSFW_H_
