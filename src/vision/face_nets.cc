#include "vision/face_nets.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>

#include "tensor/tensor.h"
#include "tensor/thread_pool.h"

namespace depict::vision {
namespace {

constexpr float kTinyMean[3] = {117.001f, 114.697f, 97.404f};
constexpr float kFaceMean[3] = {122.782f, 117.001f, 104.298f};
constexpr double kTinyAnchors[5][2] = {{1.603231, 2.094468},
                                       {6.041143, 7.080126},
                                       {2.882459, 3.518061},
                                       {4.266906, 5.178857},
                                       {9.041765, 10.66308}};
constexpr double kTinyIouThreshold = 0.4;

WeightMap LoadFaceApi(const std::filesystem::path& dir, const std::string& model) {
  return LoadWeightsManifest(RequireModelFile(dir / (model + "-weights_manifest.json")));
}

Conv LoadConv(const WeightMap& w, const std::string& prefix, const char* filter = "/filters",
              const char* bias = "/bias") {
  const WeightTensor& f = w.Get(prefix + filter);
  return Conv::FromWeight(f, w.Get(prefix + bias).Floats());
}

SeparableConv LoadSeparable(const WeightMap& w, const std::string& prefix) {
  SeparableConv s;
  const WeightTensor& dw = w.Get(prefix + "/depthwise_filter");
  s.depthwise = Depthwise::FromTf(dw.shape, dw.Floats(), {});
  const WeightTensor& pw = w.Get(prefix + "/pointwise_filter");
  s.pointwise = Conv::FromWeight(pw, w.Get(prefix + "/bias").Floats());
  return s;
}

Map Separable(const Map& x, const SeparableConv& s, int stride, Padding padding,
              Activation act = Activation::kNone) {
  return Conv2D(DepthwiseConv2D(x, s.depthwise, stride, padding), s.pointwise, 1, Padding::kValid,
                act);
}

// (x - mean) / 255 per channel, as face-api's normalize() followed by div(255).
void Normalize(Map& x, const float mean[3]) {
  float* v = x.data();
  const int64_t pixels = static_cast<int64_t>(x.h) * x.w;
  for (int64_t p = 0; p < pixels; ++p) {
    for (int c = 0; c < 3; ++c) v[p * 3 + c] = (v[p * 3 + c] - mean[c]) / 255.0f;
  }
}

Map Add(const Map& a, const Map& b) {
  Map out = a.Clone();
  AddInPlace(out, b);
  return out;
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// A 'valid' stride-1 convolution followed by a 2x2 stride-2 'same' max pool, in bands of pooled
// rows, so the convolution's full output (the tiny detector's largest map, 414x414x16) is never
// held. A band starts on an even convolution row, so its pooling windows are the full map's.
Map ConvThenMaxPool2(const Map& x, const Conv& conv, Activation act) {
  const int conv_h = x.h - conv.kh + 1, conv_w = x.w - conv.kw + 1;
  if (conv_h <= 0 || conv_w <= 0) throw tensor::ShapeError("tiny detector: input too small");
  const AxisPads py = PadsFor(conv_h, 2, 2, Padding::kSame);
  const AxisPads px = PadsFor(conv_w, 2, 2, Padding::kSame);
  Map out = Map::Zeros(py.out, px.out, conv.cout);
  constexpr int kBandRows = 16;  // pooled rows per band
  for (int p0 = 0; p0 < out.h; p0 += kBandRows) {
    const int p1 = std::min(out.h, p0 + kBandRows);
    const int a = 2 * p0, b = std::min(conv_h, 2 * p1);
    const Map band = Conv2D(RowsView(x, a, b - a + conv.kh - 1), conv, 1, Padding::kValid, act);
    const Map pooled = MaxPool(band, 2, 2, Padding::kSame);
    std::memcpy(out.data() + static_cast<int64_t>(p0) * out.w * out.c, pooled.data(),
                sizeof(float) * static_cast<size_t>(pooled.size()));
  }
  return out;
}

}  // namespace

std::filesystem::path RequireModelFile(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw ModelError("model file " + path.string() +
                     " is missing: run scripts/fetch-models.sh from the repository root (it "
                     "downloads the face-api and nsfwjs weights into models/)");
  }
  return path;
}

double IoU(const Box& a, const Box& b) {
  const double w = std::max(0.0, std::min(a.right(), b.right()) - std::max(a.x, b.x));
  const double h = std::max(0.0, std::min(a.bottom(), b.bottom()) - std::max(a.y, b.y));
  const double inter = w * h;
  const double uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.0;
}

Map ImageToMap(const Image& image) {
  Map m = Map::Zeros(image.height, image.width, 3);
  float* v = m.data();
  for (size_t i = 0; i < image.rgb.size(); ++i) v[i] = image.rgb[i];
  return m;
}

Map Crop(const Map& image, int x, int y, int w, int h) {
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > image.w || y + h > image.h) {
    throw tensor::ShapeError("vision::Crop: box outside the image");
  }
  Map out = Map::Zeros(h, w, image.c);
  for (int r = 0; r < h; ++r) {
    std::memcpy(out.data() + static_cast<int64_t>(r) * w * image.c,
                image.data() + (static_cast<int64_t>(y + r) * image.w + x) * image.c,
                sizeof(float) * static_cast<size_t>(w) * image.c);
  }
  return out;
}

PixelSource::PixelSource(const Map& map) : map_(&map), w_(map.w), h_(map.h) {
  if (map.c != 3) throw tensor::ShapeError("vision::PixelSource: needs 3 channels");
}

PixelSource::PixelSource(const Image& image) : image_(&image), w_(image.width), h_(image.height) {}

PixelSource::PixelSource(const Image& image, int x, int y, int w, int h)
    : image_(&image), x0_(x), y0_(y), w_(w), h_(h) {
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > image.width || y + h > image.height) {
    throw tensor::ShapeError("vision::PixelSource: region outside the image");
  }
}

RowSource SquareInputRows(const PixelSource& src, int size, bool centre, float divisor,
                          float offset) {
  const int h = src.height(), w = src.width();
  if (h <= 0 || w <= 0 || size <= 0) throw tensor::ShapeError("vision::ToSquareInput: empty");
  const int side = std::max(h, w), diff = side - std::min(h, w);
  // padToSquare: Math.round(diff * 0.5) after, the rest before (centred); all after otherwise.
  const int after = centre ? static_cast<int>(std::floor(diff * 0.5 + 0.5)) : diff;
  const int top = h < w ? diff - after : 0, left = w < h ? diff - after : 0;
  // As ResizeBilinear (nn.cc) with align_corners false (an identity when the square is already
  // `size`: every tap falls on a pixel). Source columns and rows are worked out once; -1 marks
  // the padding, which reads as zero.
  const float scale = static_cast<float>(side) / static_cast<float>(size);
  struct Tap {
    int i0, i1;
    float d;
  };
  const auto taps = [&](int before, int extent) {
    auto t = std::make_shared<std::vector<Tap>>(size);
    for (int o = 0; o < size; ++o) {
      const float f = scale * static_cast<float>(o);
      const int p0 = static_cast<int>(std::floor(f));
      const int p1 = std::min(p0 + 1, side - 1);
      const auto inside = [&](int p) {
        return p - before >= 0 && p - before < extent ? p - before : -1;
      };
      (*t)[o] = {inside(p0), inside(p1), f - static_cast<float>(p0)};
    }
    return t;
  };
  const auto rows = taps(top, h), cols = taps(left, w);
  const PixelSource* source = &src;
  RowSource out{size, size, 3, {}};
  out.rows = [=](int r0, int count) {
    Map band = Map::Zeros(count, size, 3);
    float* o = band.data();
    tensor::ParallelFor(count, 8, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const Tap& ty = (*rows)[r0 + i];
        float* row = o + i * size * 3;
        for (int ox = 0; ox < size; ++ox) {
          const Tap& tx = (*cols)[ox];
          for (int c = 0; c < 3; ++c) {
            const auto v = [&](int y, int x) {
              return y < 0 || x < 0 ? 0.0f : source->at(y, x, c);
            };
            const float tl = v(ty.i0, tx.i0), tr = v(ty.i0, tx.i1);
            const float bl = v(ty.i1, tx.i0), br = v(ty.i1, tx.i1);
            const float t = tl + (tr - tl) * tx.d;
            const float b = bl + (br - bl) * tx.d;
            const float value = t + (b - t) * ty.d;
            row[ox * 3 + c] = divisor == 1.0f && offset == 0.0f ? value : value / divisor + offset;
          }
        }
      }
    });
    return band;
  };
  return out;
}

Map ToSquareInput(const PixelSource& src, int size, bool centre) {
  return Materialize(SquareInputRows(src, size, centre, 1.0f, 0.0f), size);
}

Map ResizeAlignCorners(const PixelSource& src, int out_h, int out_w, float scale) {
  const int h = src.height(), w = src.width();
  if (h <= 0 || w <= 0 || out_h <= 0 || out_w <= 0) {
    throw tensor::ShapeError("vision::ResizeAlignCorners: empty input or output");
  }
  Map out = Map::Zeros(out_h, out_w, 3);
  float* o = out.data();
  if (h == out_h && w == out_w) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        for (int c = 0; c < 3; ++c) *o++ = src.at(y, x, c) * scale;
      }
    }
    return out;
  }
  const float sy = out_h > 1 ? static_cast<float>(h - 1) / static_cast<float>(out_h - 1) : 0.0f;
  const float sx = out_w > 1 ? static_cast<float>(w - 1) / static_cast<float>(out_w - 1) : 0.0f;
  tensor::ParallelFor(out_h, 8, [&](int64_t begin, int64_t end) {
    for (int64_t oy = begin; oy < end; ++oy) {
      const float fy = sy * static_cast<float>(oy);
      const int y0 = static_cast<int>(std::floor(fy));
      const int y1 = std::min(y0 + 1, h - 1);
      const float dy = fy - static_cast<float>(y0);
      for (int ox = 0; ox < out_w; ++ox) {
        const float fx = sx * static_cast<float>(ox);
        const int x0 = static_cast<int>(std::floor(fx));
        const int x1 = std::min(x0 + 1, w - 1);
        const float dx = fx - static_cast<float>(x0);
        for (int c = 0; c < 3; ++c) {
          const float tl = src.at(y0, x0, c) * scale, tr = src.at(y0, x1, c) * scale;
          const float bl = src.at(y1, x0, c) * scale, br = src.at(y1, x1, c) * scale;
          const float t = tl + (tr - tl) * dx;
          const float b = bl + (br - bl) * dx;
          o[(oy * out_w + ox) * 3 + c] = t + (b - t) * dy;
        }
      }
    }
  });
  return out;
}

// ---- Tiny face detector -----------------------------------------------------------------------

TinyFaceDetector::TinyFaceDetector(const std::filesystem::path& face_api_dir) {
  const WeightMap w = LoadFaceApi(face_api_dir, "tiny_face_detector_model");
  conv0_ = LoadConv(w, "conv0");
  for (int i = 0; i < 5; ++i) convs_[i] = LoadSeparable(w, "conv" + std::to_string(i + 1));
  conv8_ = LoadConv(w, "conv8");
  if (conv0_.cin != 3 || conv8_.cout != 25) {
    throw ModelError(w.source + ": not a tiny face detector (conv0/conv8 shapes)");
  }
}

Map TinyFaceDetector::Forward(const PixelSource& image, int input_size) const {
  Map x = ToSquareInput(image, input_size, false);
  Normalize(x, kTinyMean);
  Map out = ConvThenMaxPool2(x, conv0_, Activation::kLeaky);
  x = Map();
  for (int i = 0; i < 5; ++i) {
    // face-api pads by 1 and convolves 'valid': for a 3x3 stride-1 window that is SAME padding.
    out = Separable(out, convs_[i], 1, Padding::kSame, Activation::kLeaky);
    out = MaxPool(out, 2, i < 4 ? 2 : 1, Padding::kSame);
  }
  return Conv2D(out, conv8_, 1, Padding::kValid);
}

std::vector<Detection> TinyFaceDetector::Detect(const PixelSource& image, int input_size,
                                                double score_threshold) const {
  if (input_size <= 0 || input_size % 32 != 0) {
    throw std::invalid_argument("tiny face detector input size must be a multiple of 32");
  }
  const Map out = Forward(image, input_size);
  const int image_w = image.width(), image_h = image.height();
  const double scale = static_cast<double>(input_size) / std::max(image_h, image_w);
  const double reshaped_w = std::round(image_w * scale), reshaped_h = std::round(image_h * scale);
  const double side = std::max(reshaped_w, reshaped_h);
  const double fx = side / reshaped_w, fy = side / reshaped_h;
  const int cells = out.h;
  std::vector<Detection> found;  // relative boxes
  const float* v = out.data();
  for (int row = 0; row < cells; ++row) {
    for (int col = 0; col < cells; ++col) {
      for (int a = 0; a < 5; ++a) {
        const float* e = v + ((static_cast<int64_t>(row) * cells + col) * 5 + a) * 5;
        const double score = Sigmoid(e[4]);
        if (!(score > score_threshold)) continue;
        const double cx = (col + Sigmoid(e[0])) / cells * fx;
        const double cy = (row + Sigmoid(e[1])) / cells * fy;
        const double w = std::exp(e[2]) * kTinyAnchors[a][0] / cells * fx;
        const double h = std::exp(e[3]) * kTinyAnchors[a][1] / cells * fy;
        found.push_back({{cx - w / 2, cy - h / 2, w, h}, score});
      }
    }
  }
  // face-api's greedy NMS: the best remaining box is kept, boxes overlapping it by more than
  // the threshold are dropped. A stable sort keeps face-api's order among equal scores.
  std::vector<size_t> order(found.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t i, size_t j) { return found[i].score < found[j].score; });
  std::vector<Detection> kept;
  while (!order.empty()) {
    const size_t best = order.back();
    order.pop_back();
    kept.push_back(found[best]);
    std::vector<size_t> rest;
    for (size_t i : order) {
      if (IoU(found[best].box, found[i].box) <= kTinyIouThreshold) rest.push_back(i);
    }
    order.swap(rest);
  }
  for (Detection& d : kept) {
    d.box = {d.box.x * image_w, d.box.y * image_h, d.box.width * image_w, d.box.height * image_h};
  }
  return kept;
}

// ---- 68-point landmarks (tiny) ----------------------------------------------------------------

FaceLandmarkNet::FaceLandmarkNet(const std::filesystem::path& face_api_dir) {
  const WeightMap w = LoadFaceApi(face_api_dir, "face_landmark_68_tiny_model");
  for (int i = 0; i < 3; ++i) {
    DenseBlock& b = blocks_[i];
    const std::string p = "dense" + std::to_string(i);
    b.first = i == 0;
    if (b.first) {
      b.conv0 = LoadConv(w, p + "/conv0");
    } else {
      b.sep0 = LoadSeparable(w, p + "/conv0");
    }
    b.conv1 = LoadSeparable(w, p + "/conv1");
    b.conv2 = LoadSeparable(w, p + "/conv2");
  }
  fc_w_ = w.Get("fc/weights", {128, 136}).Floats();
  fc_b_ = w.Get("fc/bias", {136}).Floats();
}

std::vector<float> FaceLandmarkNet::ForwardRaw(const PixelSource& face) const {
  Map x = ToSquareInput(face, 112, true);
  Normalize(x, kFaceMean);
  for (const DenseBlock& b : blocks_) {
    const Map out1 = b.first ? Conv2D(x, b.conv0, 2, Padding::kSame, Activation::kRelu)
                             : Separable(x, b.sep0, 2, Padding::kSame, Activation::kRelu);
    const Map out2 = Separable(out1, b.conv1, 1, Padding::kSame);
    Map in3 = Add(out1, out2);
    Apply(in3, Activation::kRelu);
    const Map out3 = Separable(in3, b.conv2, 1, Padding::kSame);
    x = Add(out1, Add(out2, out3));
    Apply(x, Activation::kRelu);
  }
  const Map pooled = AvgPool(x, 14, 2, Padding::kValid);
  return Dense({pooled.data(), pooled.data() + pooled.size()}, fc_w_, fc_b_, 128, 136);
}

std::vector<Point> FaceLandmarkNet::Forward(const PixelSource& face) const {
  const std::vector<float> raw = ForwardRaw(face);
  const double scale = 112.0 / std::max(face.height(), face.width());
  const double w = face.width() * scale, h = face.height() * scale;
  const double pad_x = w < h ? std::abs(w - h) / 2 : 0.0;
  const double pad_y = h < w ? std::abs(w - h) / 2 : 0.0;
  std::vector<Point> points(68);
  for (int i = 0; i < 68; ++i) {
    // In f32 as face-api's tensor maths: out * 112 - pad, divided by the scaled size.
    points[i].x = (raw[2 * i] * 112.0f - static_cast<float>(pad_x)) / static_cast<float>(w);
    points[i].y = (raw[2 * i + 1] * 112.0f - static_cast<float>(pad_y)) / static_cast<float>(h);
  }
  return points;
}

// ---- Age and gender ---------------------------------------------------------------------------

AgeGenderNet::AgeGenderNet(const std::filesystem::path& face_api_dir) {
  const WeightMap w = LoadFaceApi(face_api_dir, "age_gender_model");
  conv_in_ = LoadConv(w, "entry_flow/conv_in");
  const auto reduction = [&](const std::string& p) {
    ReductionBlock b;
    b.sep0 = LoadSeparable(w, p + "/separable_conv0");
    b.sep1 = LoadSeparable(w, p + "/separable_conv1");
    b.expansion = LoadConv(w, p + "/expansion_conv");
    return b;
  };
  reduction0_ = reduction("entry_flow/reduction_block_0");
  reduction1_ = reduction("entry_flow/reduction_block_1");
  for (int i = 0; i < 2; ++i) {
    const std::string p = "middle_flow/main_block_" + std::to_string(i);
    main_[i].sep0 = LoadSeparable(w, p + "/separable_conv0");
    main_[i].sep1 = LoadSeparable(w, p + "/separable_conv1");
    main_[i].sep2 = LoadSeparable(w, p + "/separable_conv2");
  }
  exit_reduction_ = reduction("exit_flow/reduction_block");
  exit_sep_ = LoadSeparable(w, "exit_flow/separable_conv");
  age_w_ = w.Get("fc/age/weights", {512, 1}).Floats();
  age_b_ = w.Get("fc/age/bias", {1}).Floats();
  gender_w_ = w.Get("fc/gender/weights", {512, 2}).Floats();
  gender_b_ = w.Get("fc/gender/bias", {2}).Floats();
}

AgeGender AgeGenderNet::Forward(const PixelSource& face) const {
  Map x = ToSquareInput(face, 112, true);
  Normalize(x, kFaceMean);
  const auto reduce = [](const Map& in, const ReductionBlock& b, bool activate_input) {
    Map out = in;
    if (activate_input) {
      out = in.Clone();
      Apply(out, Activation::kRelu);
    }
    out = Separable(out, b.sep0, 1, Padding::kSame, Activation::kRelu);
    out = Separable(out, b.sep1, 1, Padding::kSame);
    out = MaxPool(out, 3, 2, Padding::kSame);
    AddInPlace(out, Conv2D(in, b.expansion, 2, Padding::kSame));
    return out;
  };
  Map out = Conv2D(x, conv_in_, 2, Padding::kSame, Activation::kRelu);
  out = reduce(out, reduction0_, false);
  out = reduce(out, reduction1_, true);
  for (const MainBlock& b : main_) {
    Map y = out.Clone();
    Apply(y, Activation::kRelu);
    y = Separable(y, b.sep0, 1, Padding::kSame, Activation::kRelu);
    y = Separable(y, b.sep1, 1, Padding::kSame, Activation::kRelu);
    y = Separable(y, b.sep2, 1, Padding::kSame);
    AddInPlace(y, out);
    out = std::move(y);
  }
  out = reduce(out, exit_reduction_, true);
  out = Separable(out, exit_sep_, 1, Padding::kSame, Activation::kRelu);
  const Map pooled = AvgPool(out, 7, 2, Padding::kValid);
  const std::vector<float> features(pooled.data(), pooled.data() + pooled.size());
  AgeGender r;
  r.age = Dense(features, age_w_, age_b_, 512, 1)[0];
  r.male = Softmax(Dense(features, gender_w_, gender_b_, 512, 2))[0];
  return r;
}

}  // namespace depict::vision
