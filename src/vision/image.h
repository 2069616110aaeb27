// Image files in, 8-bit RGB out: PNG (libpng) and JPEG (libjpeg-turbo), told apart by their
// first bytes, never by the file name.
//
// Every PNG form becomes RGB8: grayscale is repeated into the three channels, palettes are
// expanded, 16-bit samples are reduced to 8 bits, and an alpha channel is dropped (the colour
// values are kept as stored, as TF.js's decoders do with 3 channels). JPEG: grayscale and YCbCr
// become RGB; CMYK is refused. Limits are checked from the header, before any pixel is
// allocated: at most 100 megapixels and 65,535 pixels a side. A truncated or corrupt file is an
// ImageError, never a crash, a hang or a half-grey picture.
//
// Hostile files are refused before they cost memory or time:
//   - LoadImage opens only regular files (never a FIFO, device or directory) of at most
//     kMaxImageFileBytes;
//   - a PNG's chunk headers are walked before libpng reads it, and a chunk whose length runs past
//     the end of the file is refused (libpng allocates a chunk's claimed length first);
//   - libpng skips the metadata chunks (text, ICC profiles, Exif...), which are never used here,
//     and no single libpng allocation may exceed kMaxPngAllocationBytes;
//   - a JPEG with more scans than MaxJpegScans allows is refused as soon as the next scan starts
//     (each progressive scan passes over the whole image: thousands of them took minutes).
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
// A 100-megapixel image is 300 MB as raw RGB: as a JPEG (even at quality 100) or as a PNG of a
// photo it is smaller than this; a larger file cannot hold an image within the pixel limit.
inline constexpr uint64_t kMaxImageFileBytes = uint64_t{256} << 20;
// libpng's largest block for an image within the limits is a row: 65,535 pixels of 8 bytes
// (512 KiB); metadata chunks are skipped unread. Anything larger is a hostile file.
inline constexpr size_t kMaxPngAllocationBytes = size_t{8} << 20;
// Encoders write 1 scan (baseline) or about 10 (libjpeg's and mozjpeg's progressive scripts);
// libjpeg-turbo's own tools stop at 500. 100 leaves room for any real encoder. Each scan costs
// a pass over the whole image (100 scans of a 100-megapixel grey image took 3 s), so large
// images get fewer: at most kMaxJpegScanPixels over all scans, 25 scans at 100 megapixels.
inline constexpr int kMaxJpegScans = 100;
inline constexpr int64_t kMaxJpegScanPixels = 2'500'000'000;
// The number of scans a JPEG of width x height may have.
int MaxJpegScans(uint32_t width, uint32_t height);

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
// Reads (a regular file of at most kMaxImageFileBytes) and decodes a file; every error, an
// unreadable file included, is an ImageError whose message names it.
Image LoadImage(const std::filesystem::path& path);

// Writes an RGB8 image as PNG (for tools and tests).
void WritePng(const Image& image, const std::filesystem::path& path);

}  // namespace depict::vision

#endif  // DEPICT_VISION_IMAGE_H_
