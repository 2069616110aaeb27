// Fuzzes image decoding: hostile PNG and JPEG bytes must give an ImageError, never a crash, a
// hang, a read outside the input or an allocation beyond the 100-megapixel limit. A decoded
// image must have the size it claims.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "vision/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const depict::vision::Image image = depict::vision::DecodeImage(data, size);
    if (image.width <= 0 || image.height <= 0 ||
        image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3) {
      std::abort();
    }
  } catch (const depict::vision::ImageError&) {
  }
  return 0;
}
