// face-api's networks (@vladmandic/face-api 1.7.15, weights from models/face-api/), reproduced
// layer for layer from its TypeScript sources:
//
// TinyFaceDetector (tiny_face_detector_model): the image, zero-padded at the bottom or right to
// a square and resized (bilinear, align_corners false) to input_size (a multiple of 32), minus
// the mean RGB (117.001, 114.697, 97.404), divided by 255; then
//   conv0 3x3 valid + leaky, max pool 2/2 same,
//   conv1..conv5: pad 1, depthwise 3x3 + pointwise 1x1 + bias, leaky, each followed by a max
//   pool (2/2 same, the last 2/1 same), conv8 1x1 -> [cells, cells, 5 anchors x 5].
// Each anchor's (x, y, w, h, score) decode as sigmoid for centre and score, exp x anchor for the
// size; boxes over the score threshold go through greedy NMS at IoU 0.4.
//
// FaceLandmark68TinyNet (face_landmark_68_tiny_model) and AgeGenderNet (age_gender_model) take a
// face crop, zero-padded to a square centred (the odd pixel of padding after) and resized to
// 112x112, minus the mean RGB (122.782, 117.001, 104.298), divided by 255.
//   Landmarks: three dense blocks (stride-2 conv, two separable convs with dense relu sums),
//   14x14 average pool, fc 128 -> 136: 68 (x, y) pairs relative to the padded square.
//   Age and gender: TinyXception (conv 3x3/2, reduction blocks 0-1, two main blocks, exit
//   reduction block, separable conv + relu), 7x7 average pool, fc 512 -> 1 (age in years) and
//   fc 512 -> 2 (softmax; the first is male).
#ifndef DEPICT_VISION_FACE_NETS_H_
#define DEPICT_VISION_FACE_NETS_H_

#include <array>
#include <filesystem>
#include <vector>

#include "vision/image.h"
#include "vision/nn.h"
#include "vision/tfjs_weights.h"

namespace depict::vision {

struct Box {
  double x = 0, y = 0, width = 0, height = 0;  // pixels
  double right() const { return x + width; }
  double bottom() const { return y + height; }
};
struct Point {
  double x = 0, y = 0;
};

double IoU(const Box& a, const Box& b);

// The image as floats 0-255, [h, w, 3].
Map ImageToMap(const Image& image);
// Pixels [x, x + w) x [y, y + h) of `image` (the box must lie inside it).
Map Crop(const Map& image, int x, int y, int w, int h);

// What a network reads its input from: a float map, or a region of an 8-bit RGB image read
// straight from its bytes, so that a large photo is never copied to floats (a 1024x1024 photo
// would take 12 MB as floats, twice over with face-api's padding copy).
class PixelSource {
 public:
  PixelSource(const Map& map);      // NOLINT: implicit, any map is a source
  PixelSource(const Image& image);  // NOLINT: the whole image
  PixelSource(const Image& image, int x, int y, int w, int h);  // a region inside it
  int height() const { return h_; }
  int width() const { return w_; }
  float at(int y, int x, int c) const {
    return map_ != nullptr
               ? map_->data()[(static_cast<int64_t>(y) * map_->w + x) * 3 + c]
               : image_->rgb[(static_cast<size_t>(y0_ + y) * image_->width + x0_ + x) * 3 +
                             static_cast<size_t>(c)];
  }

 private:
  const Map* map_ = nullptr;
  const Image* image_ = nullptr;
  int x0_ = 0, y0_ = 0, w_ = 0, h_ = 0;
};

// face-api's NetInput.toBatchTensor: pad to a square with zeros (after, or centred with
// Math.round(diff / 2) after and the rest before when `centre`), then resize to size x size
// (bilinear, align_corners false) unless already that size.
Map ToSquareInput(const PixelSource& source, int size, bool centre);
// The same as a row source, each value then divided by `divisor` and `offset` added (SSD: x /
// 127.5 - 1). It refers to `source`: use it while that lives.
RowSource SquareInputRows(const PixelSource& source, int size, bool centre, float divisor,
                          float offset);
// Resize with align_corners true, each value multiplied by `scale` first (nsfwjs: x / 255, then
// resize); a plain copy times `scale` when already that size.
Map ResizeAlignCorners(const PixelSource& source, int out_h, int out_w, float scale);

// A separable convolution: depthwise then pointwise, one bias after both.
struct SeparableConv {
  Depthwise depthwise;
  Conv pointwise;
};

struct Detection {
  Box box;  // image pixels
  double score = 0;
};

class TinyFaceDetector {
 public:
  // Reads tiny_face_detector_model-weights_manifest.json from `face_api_dir`.
  explicit TinyFaceDetector(const std::filesystem::path& face_api_dir);
  // The network's raw output for the image: [cells, cells, 25].
  Map Forward(const PixelSource& image, int input_size) const;
  // Faces with score > threshold after NMS, in face-api's order (highest score first).
  std::vector<Detection> Detect(const PixelSource& image, int input_size = 416,
                                double score_threshold = 0.5) const;

 private:
  Conv conv0_;
  std::array<SeparableConv, 5> convs_;
  Conv conv8_;
};

class FaceLandmarkNet {
 public:
  explicit FaceLandmarkNet(const std::filesystem::path& face_api_dir);
  // 68 points relative to the crop (0-1 across its width and height), as face-api's
  // postProcess: the padding of the square taken off.
  std::vector<Point> Forward(const PixelSource& face) const;
  // The raw fc output (136 values, relative to the padded square), for tests.
  std::vector<float> ForwardRaw(const PixelSource& face) const;

 private:
  struct DenseBlock {
    Conv conv0;  // the first block's plain conv
    SeparableConv sep0;
    SeparableConv conv1, conv2;
    bool first = false;
  };
  std::array<DenseBlock, 3> blocks_;
  std::vector<float> fc_w_, fc_b_;
};

struct AgeGender {
  float age = 0;   // years
  float male = 0;  // softmax probability of "male"
};

class AgeGenderNet {
 public:
  explicit AgeGenderNet(const std::filesystem::path& face_api_dir);
  AgeGender Forward(const PixelSource& face) const;

 private:
  struct ReductionBlock {
    SeparableConv sep0, sep1;
    Conv expansion;
  };
  struct MainBlock {
    SeparableConv sep0, sep1, sep2;
  };
  Conv conv_in_;
  ReductionBlock reduction0_, reduction1_, exit_reduction_;
  std::array<MainBlock, 2> main_;
  SeparableConv exit_sep_;
  std::vector<float> age_w_, age_b_, gender_w_, gender_b_;
};

// The path of a model file, or a ModelError that says how to fetch the models.
std::filesystem::path RequireModelFile(const std::filesystem::path& path);

}  // namespace depict::vision

#endif  // DEPICT_VISION_FACE_NETS_H_
