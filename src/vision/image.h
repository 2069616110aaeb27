// Image files in, 8-bit RGB out: PNG (libpng) and JPEG (libjpeg-turbo), told apart by their
// first bytes, never by the file name.
//
// Every PNG form becomes RGB8: grayscale is repeated into the three channels, palettes are
// expanded, 16-bit samples are reduced to 8 bits, and an alpha channel is dropped (the colour
// values are kept as stored, as TF.js's decoders do with 3 channels). JPEG: grayscale and YCbCr
// become RGB; CMYK is refused. Limits are checked from the header, before any pixel is
// allocated: at most 100 megapixels and 65,535 pixels a side. A truncated or corrupt file is an
// ImageError, never a crash or a half-grey picture.
#ifndef DEPICT_VISION_IMAGE_H_
#define DEPICT_VISION_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace depict::vision {

inline constexpr int64_t kMaxImagePixels = 100'000'000;
inline constexpr int kMaxImageSide = 65535;

class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height rows of width RGB triples
};

// Decodes PNG or JPEG bytes. Throws ImageError (the message says what is wrong).
Image DecodeImage(const uint8_t* data, size_t size);
// Reads and decodes a file; the message names it.
Image LoadImage(const std::filesystem::path& path);

// Writes an RGB8 image as PNG (for tools and tests).
void WritePng(const Image& image, const std::filesystem::path& path);

}  // namespace depict::vision

#endif  // DEPICT_VISION_IMAGE_H_
