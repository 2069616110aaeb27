// Fuzzes image decoding: hostile PNG and JPEG bytes must give an ImageError, never a crash, a
// hang, a read outside the input or an allocation beyond the 100-megapixel limit. A decoded
// image must have the size it claims. DecodeImage is the whole path after the file is read:
// the PNG chunk walk, libpng's limits (metadata chunks skipped, no block over 8 MiB) and the
// JPEG scan limit. Seeds in fuzz/corpus/image/ include a PNG with text chunks, a 44-byte PNG
// whose tEXt chunk claims 2 GiB, and JPEGs with 10, 100 and 101 scans (the last is refused);
// fuzz/image.dict holds chunk names and markers:
//   image_fuzz -rss_limit_mb=2048 -timeout=10 -dict=fuzz/image.dict CORPUS fuzz/corpus/image
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
