// 8-bit RGB PNG files with text chunks: A1111's "parameters" (its infotext, which its PNG Info
// tab, ComfyUI and image browsers read back) and depict's own "depict" chunk with the cast.
#ifndef DEPICT_DIFFUSION_PNG_WRITER_H_
#define DEPICT_DIFFUSION_PNG_WRITER_H_

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace depict::diffusion {

class PngError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `rgb` (width * height * 3 bytes, row by row) to `path` with the (keyword, text) chunks
// in order: tEXt when the text is ASCII, iTXt (UTF-8) otherwise, as Pillow writes A1111's
// "parameters". The file is written to a temporary name and renamed, so a reader never sees half
// an image. Throws PngError.
void WritePng(const std::filesystem::path& path, const std::vector<uint8_t>& rgb, int width,
              int height, const std::vector<std::pair<std::string, std::string>>& text = {});

// The same PNG in memory (for a service's base64 images). Throws PngError.
std::string EncodePng(const std::vector<uint8_t>& rgb, int width, int height,
                      const std::vector<std::pair<std::string, std::string>>& text = {});

// The text chunks of a PNG file (tEXt, zTXt and iTXt), in file order. Throws PngError for a
// file that is not a PNG.
std::vector<std::pair<std::string, std::string>> ReadPngText(const std::filesystem::path& path);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_PNG_WRITER_H_
