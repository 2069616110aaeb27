// libpng and libjpeg report errors by longjmp. Each decoder keeps every libpng/libjpeg call in one
// function with only plain locals, and writes the pixels through a pointer to an Image owned by
// the caller, so the jump skips no destructor and leaves no local in an indeterminate state.
#include "vision/image.h"

#include <jpeglib.h>
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

namespace depict::vision {
namespace {

constexpr size_t kMessageSize = 200;

void CheckSize(uint64_t width, uint64_t height, const char* format) {
  if (width == 0 || height == 0) {
    throw ImageError(std::string(format) + " image has zero width or height");
  }
  if (width > kMaxImageSide || height > kMaxImageSide ||
      width * height > static_cast<uint64_t>(kMaxImagePixels)) {
    throw ImageError(std::string(format) + " image is " + std::to_string(width) + "x" +
                     std::to_string(height) + ", over the limit of 100 megapixels (" +
                     std::to_string(kMaxImageSide) + " pixels a side)");
  }
}

// ---- PNG ------------------------------------------------------------------------------------

struct PngSource {
  const uint8_t* data;
  size_t size;
  size_t pos;
  char message[kMessageSize];
  bool too_large;
};

void PngRead(png_structp png, png_bytep out, size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > src->size - src->pos) png_error(png, "file is truncated");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

void PngFail(png_structp png, png_const_charp message) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(src->message, kMessageSize, "%s", message);
  png_longjmp(png, 1);
}

void PngWarn(png_structp, png_const_charp) {}

// Returns false with src->message set on a libpng error; true when `out` holds the pixels.
bool DecodePngInto(PngSource* src, Image* out) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, src, PngFail, PngWarn);
  if (png == nullptr) {
    std::snprintf(src->message, kMessageSize, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    std::snprintf(src->message, kMessageSize, "out of memory");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, src, PngRead);
  // Refuse before allocating: libpng checks these while reading the header.
  png_set_user_limits(png, kMaxImageSide, kMaxImageSide);
  png_set_chunk_malloc_max(png, 8u << 20);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  if (static_cast<uint64_t>(width) * height > static_cast<uint64_t>(kMaxImagePixels)) {
    src->too_large = true;
    std::snprintf(src->message, kMessageSize, "%ux%u", width, height);
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  const int color = png_get_color_type(png, info);
  if (png_get_bit_depth(png, info) == 16) png_set_strip_16(png);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) {
    png_set_expand_gray_1_2_4_to_8(png);
    png_set_gray_to_rgb(png);
  }
  // Transparency (an alpha channel or a tRNS chunk) is dropped: colour values stay as stored.
  png_set_strip_alpha(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8) {
    std::snprintf(src->message, kMessageSize, "unsupported PNG pixel format");
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  out->width = static_cast<int>(width);
  out->height = static_cast<int>(height);
  out->rgb.assign(static_cast<size_t>(width) * height * 3, 0);
  for (int pass = 0; pass < passes; ++pass) {
    for (png_uint_32 y = 0; y < height; ++y) {
      png_read_row(png, out->rgb.data() + static_cast<size_t>(y) * width * 3, nullptr);
    }
  }
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

Image DecodePng(const uint8_t* data, size_t size) {
  PngSource src{data, size, 0, {0}, false};
  Image image;
  if (!DecodePngInto(&src, &image)) {
    if (src.too_large) {
      throw ImageError(std::string("PNG image is ") + src.message +
                       ", over the limit of 100 megapixels");
    }
    std::string message = src.message;
    if (message.find("Image width exceeds user limit") != std::string::npos ||
        message.find("Image height exceeds user limit") != std::string::npos) {
      message += " (at most 65535 pixels a side)";
    }
    throw ImageError("invalid or truncated PNG: " + message);
  }
  return image;
}

// ---- JPEG -----------------------------------------------------------------------------------

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[kMessageSize];
  int warnings;
  int stage;  // 0: header, 1: size refused, 2: colour space refused
};

void JpegFail(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void JpegMessage(j_common_ptr cinfo, int level) {
  // Level -1 is a warning: for a JPEG that is a truncated or corrupt stream, which libjpeg would
  // fill with grey. Keep the first message and refuse the file at the end.
  if (level < 0) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    if (err->warnings++ == 0) (*cinfo->err->format_message)(cinfo, err->message);
  }
}

bool DecodeJpegInto(const uint8_t* data, size_t size, JpegError* err, Image* out) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err->mgr);
  err->mgr.error_exit = JpegFail;
  err->mgr.emit_message = JpegMessage;
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.image_width == 0 || cinfo.image_height == 0 ||
      cinfo.image_width > static_cast<JDIMENSION>(kMaxImageSide) ||
      cinfo.image_height > static_cast<JDIMENSION>(kMaxImageSide) ||
      static_cast<uint64_t>(cinfo.image_width) * cinfo.image_height >
          static_cast<uint64_t>(kMaxImagePixels)) {
    err->stage = 1;
    std::snprintf(err->message, kMessageSize, "%ux%u", cinfo.image_width, cinfo.image_height);
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    err->stage = 2;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = JCS_RGB;
  // TF.js's decoders use libjpeg's accurate integer IDCT with fancy upsampling (the defaults).
  cinfo.dct_method = JDCT_ISLOW;
  jpeg_start_decompress(&cinfo);
  if (cinfo.output_components != 3) {
    std::snprintf(err->message, kMessageSize, "unsupported JPEG colour format");
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  out->width = static_cast<int>(cinfo.output_width);
  out->height = static_cast<int>(cinfo.output_height);
  out->rgb.assign(static_cast<size_t>(cinfo.output_width) * cinfo.output_height * 3, 0);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->rgb.data() + static_cast<size_t>(cinfo.output_scanline) * out->width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
    if (err->warnings > 0) break;  // truncated or corrupt: refused below
  }
  if (err->warnings == 0) jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return err->warnings == 0;
}

Image DecodeJpeg(const uint8_t* data, size_t size) {
  JpegError err;
  std::memset(&err, 0, sizeof err);
  Image image;
  if (!DecodeJpegInto(data, size, &err, &image)) {
    if (err.stage == 1) {
      CheckSize(image.width, image.height, "JPEG");  // zero-size image
      throw ImageError(std::string("JPEG image is ") + err.message +
                       ", over the limit of 100 megapixels (65535 pixels a side)");
    }
    if (err.stage == 2) throw ImageError("CMYK JPEG images are not supported");
    throw ImageError(std::string("invalid or truncated JPEG: ") + err.message);
  }
  return image;
}

}  // namespace

Image DecodeImage(const uint8_t* data, size_t size) {
  static constexpr uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size == 0) throw ImageError("empty file: not an image");
  if (size >= 8 && std::memcmp(data, kPngMagic, 8) == 0) {
    // The size is refused from IHDR (always the first chunk) before libpng reads further.
    if (size >= 24 && std::memcmp(data + 12, "IHDR", 4) == 0) {
      const auto be32 = [&](size_t at) {
        return uint64_t{data[at]} << 24 | uint64_t{data[at + 1]} << 16 |
               uint64_t{data[at + 2]} << 8 | uint64_t{data[at + 3]};
      };
      CheckSize(be32(16), be32(20), "PNG");
    }
    Image image = DecodePng(data, size);
    CheckSize(image.width, image.height, "PNG");
    return image;
  }
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
    Image image = DecodeJpeg(data, size);
    CheckSize(image.width, image.height, "JPEG");
    return image;
  }
  throw ImageError("not a PNG or JPEG image");
}

Image LoadImage(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImageError(path.string() + ": cannot open");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  // A compressed file far beyond what 100 megapixels need is refused before it is read.
  if (!ec && size > (uint64_t{1} << 30)) throw ImageError(path.string() + ": file over 1 GiB");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  try {
    return DecodeImage(bytes.data(), bytes.size());
  } catch (const ImageError& e) {
    throw ImageError(path.string() + ": " + e.what());
  }
}

void WritePng(const Image& image, const std::filesystem::path& path) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&png, path.c_str(), 0, image.rgb.data(), 0, nullptr)) {
    throw ImageError(path.string() + ": cannot write PNG (" + png.message + ")");
  }
}

}  // namespace depict::vision
