#include "vision/skin_tone.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace depict::vision {
namespace {

double Linear(uint8_t v) {
  const double c = v / 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

double LabF(double t) {
  constexpr double d = 6.0 / 29.0;
  return t > d * d * d ? std::cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
}

// Ray casting: whether (x, y) is inside the polygon.
bool Inside(const std::vector<Point>& poly, double x, double y) {
  bool in = false;
  for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    if ((poly[i].y > y) != (poly[j].y > y) &&
        x < (poly[j].x - poly[i].x) * (y - poly[i].y) / (poly[j].y - poly[i].y) + poly[i].x) {
      in = !in;
    }
  }
  return in;
}

// The landmarks [first, last] grown about their centre by `grow` of their width on each side.
std::vector<Point> Region(const std::vector<Point>& pts, int first, int last, double grow) {
  std::vector<Point> poly(pts.begin() + first, pts.begin() + last + 1);
  Point c;
  double min_x = poly[0].x, max_x = poly[0].x;
  for (const Point& p : poly) {
    c.x += p.x / static_cast<double>(poly.size());
    c.y += p.y / static_cast<double>(poly.size());
    min_x = std::min(min_x, p.x);
    max_x = std::max(max_x, p.x);
  }
  const double width = std::max(max_x - min_x, 1.0);
  for (Point& p : poly) {
    const double dx = p.x - c.x, dy = p.y - c.y;
    const double len = std::max(std::hypot(dx, dy), 1e-9);
    p.x += dx / len * grow * width;
    p.y += dy / len * grow * width;
  }
  return poly;
}

}  // namespace

Lab SrgbToLab(uint8_t r, uint8_t g, uint8_t b) {
  const double rl = Linear(r), gl = Linear(g), bl = Linear(b);
  const double x = 0.4124564 * rl + 0.3575761 * gl + 0.1804375 * bl;
  const double y = 0.2126729 * rl + 0.7151522 * gl + 0.0721750 * bl;
  const double z = 0.0193339 * rl + 0.1191920 * gl + 0.9503041 * bl;
  const double fx = LabF(x / 0.95047), fy = LabF(y / 1.0), fz = LabF(z / 1.08883);
  return {116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)};
}

double IndividualTypologyAngle(const Lab& lab) {
  return std::atan2(lab.l - 50.0, lab.b) * 180.0 / std::numbers::pi;
}

const std::array<std::array<uint8_t, 3>, 10>& MonkSwatches() {
  // MST-1 ... MST-10: f6ede4 f3e7db f7ead0 eadaba d7bd96 a07e56 825c43 604134 3a312a 292420.
  static const std::array<std::array<uint8_t, 3>, 10> swatches = {{{0xf6, 0xed, 0xe4},
                                                                   {0xf3, 0xe7, 0xdb},
                                                                   {0xf7, 0xea, 0xd0},
                                                                   {0xea, 0xda, 0xba},
                                                                   {0xd7, 0xbd, 0x96},
                                                                   {0xa0, 0x7e, 0x56},
                                                                   {0x82, 0x5c, 0x43},
                                                                   {0x60, 0x41, 0x34},
                                                                   {0x3a, 0x31, 0x2a},
                                                                   {0x29, 0x24, 0x20}}};
  return swatches;
}

int NearestMonkTone(const Lab& lab) {
  int best = 1;
  double best_d = 1e300;
  for (int i = 0; i < 10; ++i) {
    const auto& s = MonkSwatches()[i];
    const Lab m = SrgbToLab(s[0], s[1], s[2]);
    const double d = std::hypot(lab.l - m.l, lab.a - m.a, lab.b - m.b);
    if (d < best_d) {
      best_d = d;
      best = i + 1;
    }
  }
  return best;
}

bool IsSkinYCbCr(uint8_t r, uint8_t g, uint8_t b) {
  const double cb = 128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const double cr = 128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  return cb >= 77.0 && cb <= 127.0 && cr >= 133.0 && cr <= 173.0;
}

SkinTone EstimateSkinTone(const Image& image, const std::vector<Point>& pts) {
  SkinTone tone;
  if (pts.size() != 68 || image.width <= 0 || image.height <= 0) return tone;
  std::vector<Point> outline(pts.begin(), pts.begin() + 17);  // jaw, left to right
  for (int i = 26; i >= 17; --i) outline.push_back(pts[i]);   // eyebrows, right to left
  const std::vector<Point> left_eye = Region(pts, 36, 41, 0.5);
  const std::vector<Point> right_eye = Region(pts, 42, 47, 0.5);
  const std::vector<Point> mouth = Region(pts, 48, 59, 0.2);
  double x0 = outline[0].x, x1 = x0, y0 = outline[0].y, y1 = y0;
  for (const Point& p : outline) {
    x0 = std::min(x0, p.x);
    x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y);
    y1 = std::max(y1, p.y);
  }
  const int ix0 = std::max(0, static_cast<int>(std::floor(x0)));
  const int ix1 = std::min(image.width - 1, static_cast<int>(std::ceil(x1)));
  const int iy0 = std::max(0, static_cast<int>(std::floor(y0)));
  const int iy1 = std::min(image.height - 1, static_cast<int>(std::ceil(y1)));
  int64_t in_face = 0, skin = 0;
  Lab sum;
  for (int y = iy0; y <= iy1; ++y) {
    for (int x = ix0; x <= ix1; ++x) {
      const double cx = x + 0.5, cy = y + 0.5;  // pixel centre
      if (!Inside(outline, cx, cy) || Inside(left_eye, cx, cy) || Inside(right_eye, cx, cy) ||
          Inside(mouth, cx, cy)) {
        continue;
      }
      ++in_face;
      const uint8_t* p = image.rgb.data() + (static_cast<size_t>(y) * image.width + x) * 3;
      if (!IsSkinYCbCr(p[0], p[1], p[2])) continue;
      ++skin;
      const Lab lab = SrgbToLab(p[0], p[1], p[2]);
      sum.l += lab.l;
      sum.a += lab.a;
      sum.b += lab.b;
    }
  }
  if (skin == 0) return tone;
  tone.found = true;
  tone.mean = {sum.l / static_cast<double>(skin), sum.a / static_cast<double>(skin),
               sum.b / static_cast<double>(skin)};
  tone.ita = IndividualTypologyAngle(tone.mean);
  tone.monk = NearestMonkTone(tone.mean);
  tone.fraction = static_cast<double>(skin) / static_cast<double>(in_face);
  return tone;
}

}  // namespace depict::vision
