#include "vision/ssd.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "tensor/tensor.h"

namespace depict::vision {
namespace {

constexpr float kBatchNormEpsilon = 0.0010000000474974513f;
constexpr double kSsdIouThreshold = 0.5;

Conv LoadPointwise(const WeightMap& w, const std::string& prefix) {
  const WeightTensor& f = w.Get(prefix + "/weights");
  return Conv::FromWeight(f, w.Get(prefix + "/convolution_bn_offset").Floats());
}

double SsdIoU(const float* a, const float* b) {
  const double ay0 = std::min(a[0], a[2]), ax0 = std::min(a[1], a[3]);
  const double ay1 = std::max(a[0], a[2]), ax1 = std::max(a[1], a[3]);
  const double by0 = std::min(b[0], b[2]), bx0 = std::min(b[1], b[3]);
  const double by1 = std::max(b[0], b[2]), bx1 = std::max(b[1], b[3]);
  const double area_a = (ay1 - ay0) * (ax1 - ax0), area_b = (by1 - by0) * (bx1 - bx0);
  if (area_a <= 0 || area_b <= 0) return 0.0;
  const double inter = std::max(std::min(ay1, by1) - std::max(ay0, by0), 0.0) *
                       std::max(std::min(ax1, bx1) - std::max(ax0, bx0), 0.0);
  return inter / (area_a + area_b - inter);
}

}  // namespace

SsdFaceDetector::SsdFaceDetector(const std::filesystem::path& face_api_dir) {
  const WeightMap w = LoadWeightsManifest(
      RequireModelFile(face_api_dir / "ssd_mobilenetv1_model-weights_manifest.json"));
  conv0_ = LoadPointwise(w, "MobilenetV1/Conv2d_0_pointwise");
  for (int i = 0; i < 13; ++i) {
    const std::string p = "MobilenetV1/Conv2d_" + std::to_string(i + 1);
    const WeightTensor& f = w.Get(p + "_depthwise/depthwise_weights");
    const std::vector<float> gamma = w.Get(p + "_depthwise/BatchNorm/gamma").Floats();
    const std::vector<float> beta = w.Get(p + "_depthwise/BatchNorm/beta").Floats();
    const std::vector<float> mean = w.Get(p + "_depthwise/BatchNorm/moving_mean").Floats();
    const std::vector<float> var = w.Get(p + "_depthwise/BatchNorm/moving_variance").Floats();
    const size_t c = gamma.size();
    if (f.shape.size() != 4 || static_cast<size_t>(f.shape[2]) != c || beta.size() != c ||
        mean.size() != c || var.size() != c) {
      throw ModelError(w.source + ": batch norm of " + p + " does not match its filter");
    }
    // Folded: (conv(x, w) - mean) * s + beta = conv(x, w * s) + (beta - mean * s).
    std::vector<float> filter = f.Floats(), bias(c);
    for (size_t ch = 0; ch < c; ++ch) {
      const float s = gamma[ch] / std::sqrt(var[ch] + kBatchNormEpsilon);
      for (size_t k = ch; k < filter.size(); k += c) filter[k] *= s;
      bias[ch] = beta[ch] - mean[ch] * s;
    }
    pairs_[i].depthwise = Depthwise::FromTf(f.shape, filter, bias);
    pairs_[i].pointwise = LoadPointwise(w, p + "_pointwise");
  }
  for (int i = 0; i < 8; ++i) {
    extra_[i] = LoadPointwise(w, "Prediction/Conv2d_" + std::to_string(i) + "_pointwise");
  }
  for (int i = 0; i < 6; ++i) {
    const std::string p = "Prediction/BoxPredictor_" + std::to_string(i);
    const WeightTensor& bw = w.Get(p + "/BoxEncodingPredictor/weights");
    predictors_[i].box = Conv::FromWeight(bw, w.Get(p + "/BoxEncodingPredictor/biases").Floats());
    const WeightTensor& cw = w.Get(p + "/ClassPredictor/weights");
    predictors_[i].cls = Conv::FromWeight(cw, w.Get(p + "/ClassPredictor/biases").Floats());
  }
  const WeightTensor& anchors = w.Get("Output/extra_dim");
  if (anchors.shape.size() != 3 || anchors.shape[2] != 4) {
    throw ModelError(w.source + ": Output/extra_dim is not [1, anchors, 4]");
  }
  anchors_ = anchors.Floats();
}

SsdFaceDetector::Raw SsdFaceDetector::Forward(const PixelSource& image) const {
  const auto stride_of = [](int layer) {
    return (layer == 2 || layer == 4 || layer == 6 || layer == 12) ? 2 : 1;
  };
  // The widest stages, from the 512x512 input to pair 4's depthwise conv at 64x64, run as one
  // chain of row sources computed 8 output rows at a time, so none of their maps (up to 8 MiB
  // each) is ever held whole; halo rows are recomputed. Then each pair's pointwise conv runs
  // fused with the next pair's depthwise conv, in row bands; pair 11's pointwise output is kept
  // (box predictor 0).
  RowSource chain = SquareInputRows(image, 512, false, 127.5f, -1.0f);
  chain = ConvThenDepthwiseRows(chain, conv0_, 2, Padding::kSame, Activation::kRelu6,
                                pairs_[0].depthwise, 1, Padding::kSame, Activation::kRelu6);
  constexpr int kChainedPairs = 3;
  for (int i = 0; i < kChainedPairs; ++i) {
    chain = ConvThenDepthwiseRows(chain, pairs_[i].pointwise, 1, Padding::kValid,
                                  Activation::kRelu6, pairs_[i + 1].depthwise, stride_of(i + 2),
                                  Padding::kSame, Activation::kRelu6);
  }
  Map out = Materialize(chain, 8);
  Map conv11;
  for (int i = kChainedPairs; i + 1 < 13; ++i) {
    const int next = i + 2;  // the layer number of pairs_[i + 1]
    if (i + 1 == 11) {
      conv11 = Conv2D(out, pairs_[i].pointwise, 1, Padding::kSame, Activation::kRelu6);
      out = DepthwiseConv2D(conv11, pairs_[i + 1].depthwise, stride_of(next), Padding::kSame,
                            Activation::kRelu6);
    } else {
      out = PointwiseThenDepthwise(out, pairs_[i].pointwise, Activation::kRelu6,
                                   pairs_[i + 1].depthwise, stride_of(next), Padding::kSame,
                                   Activation::kRelu6);
    }
  }
  out = Conv2D(out, pairs_[12].pointwise, 1, Padding::kSame, Activation::kRelu6);
  std::array<Map, 8> extra;
  for (int i = 0; i < 8; ++i) {
    extra[i] = Conv2D(i == 0 ? out : extra[i - 1], extra_[i], i % 2 == 1 ? 2 : 1, Padding::kSame,
                      Activation::kRelu6);
  }
  const std::array<const Map*, 6> sources = {&conv11,   &out,      &extra[1],
                                             &extra[3], &extra[5], &extra[7]};
  Raw raw;
  std::vector<float> encodings;
  for (int i = 0; i < 6; ++i) {
    const Map box = Conv2D(*sources[i], predictors_[i].box, 1, Padding::kSame);
    const Map cls = Conv2D(*sources[i], predictors_[i].cls, 1, Padding::kSame);
    encodings.insert(encodings.end(), box.data(), box.data() + box.size());
    // Three logits per anchor (background, face, unused); the face's is the second.
    for (int64_t k = 1; k < cls.size(); k += 3) {
      raw.scores.push_back(1.0f / (1.0f + std::exp(-cls.data()[k])));
    }
  }
  const size_t n = raw.scores.size();
  if (encodings.size() != 4 * n || anchors_.size() != 4 * n) {
    throw tensor::ShapeError("ssd: " + std::to_string(n) + " anchors predicted, the model has " +
                             std::to_string(anchors_.size() / 4));
  }
  raw.boxes.resize(4 * n);
  for (size_t i = 0; i < n; ++i) {
    const float* a = &anchors_[4 * i];
    const float* e = &encodings[4 * i];
    const float h = a[2] - a[0], w = a[3] - a[1];
    const float cy = a[0] + h / 2, cx = a[1] + w / 2;
    const float half_h = std::exp(e[2] / 5) * h / 2, half_w = std::exp(e[3] / 5) * w / 2;
    const float y = e[0] / 10 * h + cy, xc = e[1] / 10 * w + cx;
    raw.boxes[4 * i] = y - half_h;
    raw.boxes[4 * i + 1] = xc - half_w;
    raw.boxes[4 * i + 2] = y + half_h;
    raw.boxes[4 * i + 3] = xc + half_w;
  }
  return raw;
}

std::vector<Detection> SsdFaceDetector::Detect(const PixelSource& image, double min_confidence,
                                               int max_results) const {
  const Raw raw = Forward(image);
  struct Candidate {
    double score;
    size_t index;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < raw.scores.size(); ++i) {
    if (raw.scores[i] > min_confidence) candidates.push_back({raw.scores[i], i});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  std::vector<size_t> selected;
  const size_t limit =
      std::min<size_t>(static_cast<size_t>(std::max(max_results, 0)), raw.scores.size());
  for (const Candidate& c : candidates) {
    if (selected.size() >= limit) break;
    bool keep = true;
    for (size_t j = selected.size(); j-- > 0;) {
      const double iou = SsdIoU(&raw.boxes[4 * c.index], &raw.boxes[4 * selected[j]]);
      if (iou > kSsdIouThreshold) {
        keep = false;
        break;
      }
    }
    if (keep) selected.push_back(c.index);
  }
  const int image_w = image.width(), image_h = image.height();
  const double scale = 512.0 / std::max(image_h, image_w);
  const double pad_x = 512.0 / std::round(image_w * scale);
  const double pad_y = 512.0 / std::round(image_h * scale);
  std::vector<Detection> found;
  for (size_t i : selected) {
    const float* b = &raw.boxes[4 * i];
    const double top = std::max(0.0f, b[0]) * pad_y, bottom = std::min(1.0f, b[2]) * pad_y;
    const double left = std::max(0.0f, b[1]) * pad_x, right = std::min(1.0f, b[3]) * pad_x;
    found.push_back(
        {{left * image_w, top * image_h, (right - left) * image_w, (bottom - top) * image_h},
         raw.scores[i]});
  }
  return found;
}

}  // namespace depict::vision
