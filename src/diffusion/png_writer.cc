#include "diffusion/png_writer.h"

#include <png.h>

#include <cstdio>
#include <functional>
#include <memory>

namespace depict::diffusion {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

bool IsAscii(const std::string& s) {
  for (const unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

[[noreturn]] void OnPngError(png_structp png, png_const_charp message) {
  throw PngError(std::string(static_cast<const char*>(png_get_error_ptr(png))) + ": " + message);
}
void OnPngWarning(png_structp, png_const_charp) {}

}  // namespace

namespace {

// Writes the PNG through `io` (png_init_io or png_set_write_fn set on `png` by `attach`).
void Encode(const std::string& name, const std::vector<uint8_t>& rgb, int width, int height,
            const std::vector<std::pair<std::string, std::string>>& text,
            const std::function<void(png_structp)>& attach) {
  if (width <= 0 || height <= 0 ||
      rgb.size() != static_cast<size_t>(width) * static_cast<size_t>(height) * 3) {
    throw PngError(name + ": " + std::to_string(rgb.size()) + " bytes are not a " +
                   std::to_string(width) + "x" + std::to_string(height) + " RGB image");
  }
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, const_cast<char*>(name.c_str()),
                                            OnPngError, OnPngWarning);
  if (png == nullptr) throw PngError(name + ": out of memory");
  png_infop info = png_create_info_struct(png);
  std::vector<png_text> chunks(text.size());
  try {
    if (info == nullptr) throw PngError(name + ": out of memory");
    attach(png);
    png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    for (size_t i = 0; i < text.size(); ++i) {
      png_text& t = chunks[i];
      t.key = const_cast<char*>(text[i].first.c_str());
      t.text = const_cast<char*>(text[i].second.c_str());
      if (IsAscii(text[i].second)) {
        t.compression = PNG_TEXT_COMPRESSION_NONE;
        t.text_length = text[i].second.size();
      } else {
        t.compression = PNG_ITXT_COMPRESSION_NONE;
        t.itxt_length = text[i].second.size();
        t.lang = nullptr;
        t.lang_key = nullptr;
      }
    }
    if (!chunks.empty()) png_set_text(png, info, chunks.data(), static_cast<int>(chunks.size()));
    png_write_info(png, info);
    for (int y = 0; y < height; ++y) {
      png_write_row(png, rgb.data() + static_cast<size_t>(y) * static_cast<size_t>(width) * 3);
    }
    png_write_end(png, nullptr);
  } catch (...) {
    png_destroy_write_struct(&png, &info);
    throw;
  }
  png_destroy_write_struct(&png, &info);
}

void AppendToString(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))
      ->append(reinterpret_cast<const char*>(data), length);
}

}  // namespace

void WritePng(const std::filesystem::path& path, const std::vector<uint8_t>& rgb, int width,
              int height, const std::vector<std::pair<std::string, std::string>>& text) {
  const std::filesystem::path temp = path.string() + ".part";
  const std::string name = path.string();
  {
    File file(std::fopen(temp.c_str(), "wb"));
    if (!file) throw PngError(temp.string() + ": cannot be created");
    try {
      Encode(name, rgb, width, height, text,
             [&](png_structp png) { png_init_io(png, file.get()); });
    } catch (...) {
      file.reset();
      std::remove(temp.c_str());
      throw;
    }
    if (std::fflush(file.get()) != 0) {
      file.reset();
      std::remove(temp.c_str());
      throw PngError(temp.string() + ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    throw PngError(name + ": cannot be written (" + ec.message() + ")");
  }
}

std::string EncodePng(const std::vector<uint8_t>& rgb, int width, int height,
                      const std::vector<std::pair<std::string, std::string>>& text) {
  std::string out;
  Encode("image", rgb, width, height, text,
         [&](png_structp png) { png_set_write_fn(png, &out, AppendToString, nullptr); });
  return out;
}

std::vector<std::pair<std::string, std::string>> ReadPngText(const std::filesystem::path& path) {
  const std::string name = path.string();
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) throw PngError(name + ": cannot be opened");
  unsigned char signature[8] = {};
  if (std::fread(signature, 1, 8, file.get()) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
    throw PngError(name + ": not a PNG file");
  }
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, const_cast<char*>(name.c_str()),
                                           OnPngError, OnPngWarning);
  if (png == nullptr) throw PngError(name + ": out of memory");
  png_infop info = png_create_info_struct(png);
  png_infop end = png_create_info_struct(png);
  std::vector<std::pair<std::string, std::string>> out;
  try {
    if (info == nullptr || end == nullptr) throw PngError(name + ": out of memory");
    png_init_io(png, file.get());
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    png_textp texts = nullptr;
    int count = 0;
    png_get_text(png, info, &texts, &count);
    for (int i = 0; i < count; ++i) {
      const size_t length = texts[i].compression > 0 ? texts[i].itxt_length : texts[i].text_length;
      out.emplace_back(texts[i].key, std::string(texts[i].text, length));
    }
  } catch (...) {
    png_destroy_read_struct(&png, &info, &end);
    throw;
  }
  png_destroy_read_struct(&png, &info, &end);
  return out;
}

}  // namespace depict::diffusion
