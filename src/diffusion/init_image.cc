#include "diffusion/init_image.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace depict::diffusion {
namespace {

using tensor::Tensor;

// Pillow's fixed-point precision for 8-bit images: 32 - 8 - 2 bits.
constexpr int kPrecisionBits = 22;
constexpr double kLanczosSupport = 3.0;

double Sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= std::numbers::pi;
  return std::sin(x) / x;
}

double Lanczos(double x) {
  return -kLanczosSupport <= x && x < kLanczosSupport ? Sinc(x) * Sinc(x / kLanczosSupport) : 0.0;
}

// One output pixel's window of input pixels [first, first + size) and their fixed-point
// weights.
struct Window {
  int first = 0;
  int size = 0;
  std::vector<int32_t> weights;
};

// Pillow's precompute_coeffs then normalize_coeffs_8bpc, for resizing `in_size` pixels to
// `out_size` (the whole line: box 0..in_size).
std::vector<Window> Coefficients(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = kLanczosSupport * filter_scale;
  std::vector<Window> windows(static_cast<size_t>(out_size));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filter_scale;
    // C's (int) truncates towards zero; Pillow then clamps to the line.
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    std::vector<double> k(static_cast<size_t>(std::max(xmax, 0)));
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[static_cast<size_t>(x)] = Lanczos((x + xmin - center + 0.5) * ss);
      ww += k[static_cast<size_t>(x)];
    }
    Window& w = windows[static_cast<size_t>(xx)];
    w.first = xmin;
    w.size = xmax;
    for (double v : k) {
      if (ww != 0.0) v /= ww;
      const double fixed = v * (1 << kPrecisionBits);
      w.weights.push_back(static_cast<int32_t>(v < 0 ? -0.5 + fixed : 0.5 + fixed));
    }
  }
  return windows;
}

uint8_t Clip8(int32_t v) {
  if (v <= 0) return 0;
  if (v >= (255 << kPrecisionBits)) return 255;
  return static_cast<uint8_t>(v >> kPrecisionBits);
}

// Resamples `lines` lines of `count` pixels each, read at `in` with stride `in_step` between
// neighbouring pixels and `in_line` between lines, into `out` likewise.
void Pass(const std::vector<Window>& windows, const uint8_t* in, int64_t in_step, int64_t in_line,
          uint8_t* out, int64_t out_step, int64_t out_line, int lines) {
  for (int line = 0; line < lines; ++line) {
    for (size_t o = 0; o < windows.size(); ++o) {
      const Window& w = windows[o];
      for (int c = 0; c < 3; ++c) {
        int32_t sum = 1 << (kPrecisionBits - 1);
        for (int x = 0; x < w.size; ++x) {
          sum +=
              in[line * in_line + (w.first + x) * in_step + c] * w.weights[static_cast<size_t>(x)];
        }
        out[line * out_line + static_cast<int64_t>(o) * out_step + c] = Clip8(sum);
      }
    }
  }
}

}  // namespace

void CheckInitImage(const InitImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() !=
          static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3) {
    throw std::invalid_argument(
        "init image: " + std::to_string(image.width) + "x" + std::to_string(image.height) +
        " with " + std::to_string(image.rgb.size()) + " bytes is not a non-empty RGB image");
  }
}

InitImage ResizeLanczos(const InitImage& image, int width, int height) {
  CheckInitImage(image);
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument("ResizeLanczos: the size must be positive");
  }
  // Pillow resamples a dimension only when its size changes (ImagingResampleInner's
  // need_horizontal / need_vertical); at the same size the filter would be the identity anyway.
  InitImage current = image;
  if (width != image.width) {
    InitImage out{width, image.height, std::vector<uint8_t>(size_t{3} * width * image.height)};
    Pass(Coefficients(image.width, width), current.rgb.data(), 3, int64_t{3} * image.width,
         out.rgb.data(), 3, int64_t{3} * width, image.height);
    current = std::move(out);
  }
  if (height != image.height) {
    InitImage out{width, height, std::vector<uint8_t>(size_t{3} * width * height)};
    // Columns as lines: neighbouring pixels a row apart.
    Pass(Coefficients(image.height, height), current.rgb.data(), int64_t{3} * width, 3,
         out.rgb.data(), int64_t{3} * width, 3, width);
    current = std::move(out);
  }
  return current;
}

Tensor InitImageTensor(const InitImage& image, int width, int height) {
  const InitImage sized = ResizeLanczos(image, width, height);
  const int64_t hw = int64_t{width} * height;
  Tensor out = Tensor::Zeros({1, 3, height, width});
  float* dst = out.f32();
  for (int64_t i = 0; i < hw; ++i) {
    for (int64_t c = 0; c < 3; ++c) {
      // float32 throughout, as numpy's astype(float32) / 255.0 and torch's * 2 - 1.
      const float v = static_cast<float>(sized.rgb[static_cast<size_t>(i * 3 + c)]) / 255.0f;
      dst[c * hw + i] = v * 2.0f - 1.0f;
    }
  }
  return out;
}

}  // namespace depict::diffusion
