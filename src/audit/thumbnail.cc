#include "audit/thumbnail.h"

#include <algorithm>

#include "diffusion/png_writer.h"

namespace depict::audit {

std::string Thumbnail(const std::vector<uint8_t>& rgb, int width, int height) {
  if (width <= 0 || height <= 0 || rgb.size() < static_cast<size_t>(width) * height * 3) return "";
  const double scale = std::min(1.0, static_cast<double>(kThumbnailSize) / std::max(width, height));
  const int w = std::max(1, static_cast<int>(width * scale));
  const int h = std::max(1, static_cast<int>(height * scale));
  std::vector<uint8_t> out(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    const int y0 = y * height / h, y1 = std::max(y0 + 1, (y + 1) * height / h);
    for (int x = 0; x < w; ++x) {
      const int x0 = x * width / w, x1 = std::max(x0 + 1, (x + 1) * width / w);
      for (int c = 0; c < 3; ++c) {
        uint64_t sum = 0;
        for (int sy = y0; sy < y1; ++sy) {
          for (int sx = x0; sx < x1; ++sx)
            sum += rgb[(static_cast<size_t>(sy) * width + sx) * 3 + c];
        }
        out[(static_cast<size_t>(y) * w + x) * 3 + c] =
            static_cast<uint8_t>(sum / static_cast<uint64_t>((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return diffusion::EncodePng(out, w, h);
}

}  // namespace depict::audit
