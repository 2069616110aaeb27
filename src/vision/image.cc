// libpng and libjpeg report errors by longjmp. Each decoder's setjmp is in one function, and it
// and the helpers it calls (SetPngToRgb8, the callbacks) hold only plain locals; the pixels are
// written through a pointer to an Image owned by the caller. So the jump skips no destructor and
// leaves no local in an indeterminate state.
#include "vision/image.h"

#include <jpeglib.h>
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "io/file.h"

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

uint32_t Be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

bool IsChunkType(const uint8_t* p) {
  for (int i = 0; i < 4; ++i) {
    const bool letter = (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z');
    if (!letter) return false;
  }
  return true;
}

// Walks the chunks (4-byte length, 4-byte type, the data, a 4-byte CRC) from the signature to
// IEND before libpng sees the file. libpng allocates a chunk's claimed length before it reads
// the data, so a 44-byte file whose tEXt chunk claimed 2 GiB made it allocate 2 GiB.
void CheckPngChunks(const uint8_t* data, size_t size) {
  size_t pos = 8;
  for (bool first = true;; first = false) {
    if (size - pos < 8) {
      throw ImageError("invalid or truncated PNG: the file ends at byte " + std::to_string(size) +
                       " before the IEND chunk");
    }
    if (!IsChunkType(data + pos + 4)) {
      throw ImageError("invalid PNG: the chunk at byte " + std::to_string(pos) +
                       " has a type that is not four letters");
    }
    const std::string type(data + pos + 4, data + pos + 8);
    const uint32_t length = Be32(data + pos);
    if (first && type != "IHDR") {
      throw ImageError("invalid PNG: the first chunk is '" + type + "', not IHDR");
    }
    // The data and the 4-byte CRC after it must both be in the file.
    if (uint64_t{length} + 4 > size - pos - 8) {
      throw ImageError("invalid or truncated PNG: chunk '" + type + "' at byte " +
                       std::to_string(pos) + " claims " + std::to_string(length) +
                       " bytes, but the file has " + std::to_string(size - pos - 8) +
                       " after its header (CRC included)");
    }
    pos += 12 + size_t{length};
    if (type == "IEND") return;
  }
}

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
  // A refused allocation has already said how large it was.
  if (std::strncmp(src->message, "libpng asked", 12) != 0) {
    std::snprintf(src->message, kMessageSize, "%s", message);
  }
  png_longjmp(png, 1);
}

void PngWarn(png_structp, png_const_charp) {}

// libpng's allocator: no single block over kMaxPngAllocationBytes, whatever a chunk claims.
png_voidp PngMalloc(png_structp png, png_alloc_size_t size) {
  if (size > kMaxPngAllocationBytes) {
    auto* src = static_cast<PngSource*>(png_get_mem_ptr(png));
    std::snprintf(src->message, kMessageSize, "libpng asked for %zu bytes, over the limit of %zu",
                  static_cast<size_t>(size), kMaxPngAllocationBytes);
    return nullptr;
  }
  return std::malloc(size);
}

void PngFree(png_structp, png_voidp p) { std::free(p); }

// Limits libpng checks itself, as it reads, on top of PngMalloc's and CheckPngChunks's.
void SetPngLimits(png_structp png) {
  png_set_user_limits(png, kMaxImageSide, kMaxImageSide);
  png_set_chunk_malloc_max(png, kMaxPngAllocationBytes);
  // Text, ICC profiles, Exif and the other metadata chunks are never used: skip them unread
  // (no allocation, no decompression). libpng keeps IHDR, PLTE, tRNS, IDAT and IEND.
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, nullptr, -1);
  png_set_chunk_cache_max(png, 128);
}

// Asks libpng for RGB8 rows whatever the stored format. Returns false for a format that does
// not come out as RGB8.
bool SetPngToRgb8(png_structp png, png_infop info, int* passes) {
  const int color = png_get_color_type(png, info);
  if (png_get_bit_depth(png, info) == 16) png_set_strip_16(png);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) {
    png_set_expand_gray_1_2_4_to_8(png);
    png_set_gray_to_rgb(png);
  }
  // Transparency (an alpha channel or a tRNS chunk) is dropped: colour values stay as stored.
  png_set_strip_alpha(png);
  *passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  return png_get_channels(png, info) == 3 && png_get_bit_depth(png, info) == 8;
}

// Returns false with src->message set on a libpng error; true when `out` holds the pixels.
bool DecodePngInto(PngSource* src, Image* out) {
  png_structp png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, src, PngFail, PngWarn, src,
                                             PngMalloc, PngFree);
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
  SetPngLimits(png);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  if (static_cast<uint64_t>(width) * height > static_cast<uint64_t>(kMaxImagePixels)) {
    src->too_large = true;
    std::snprintf(src->message, kMessageSize, "%ux%u", width, height);
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  int passes = 1;
  if (!SetPngToRgb8(png, info, &passes)) {
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
  CheckPngChunks(data, size);
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

enum class JpegRefusal { kNone, kSize, kCmyk, kScans };

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[kMessageSize];
  JpegRefusal refusal;
  uint32_t width, height;  // from the header
};

void JpegFail(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void JpegMessage(j_common_ptr cinfo, int level) {
  // Level -1 is a warning: for a JPEG that is a truncated or corrupt stream, which libjpeg would
  // fill with grey. Stop at once (as TurboJPEG's stop-on-warning does): the file is refused, and
  // decoding on through a corrupt stream could take long.
  if (level < 0) JpegFail(cinfo);
}

// libjpeg calls this at least once per row of blocks, also while start_decompress reads every
// scan of a progressive file; scans beyond the limit are refused before they are decoded.
void JpegProgress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  const auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > MaxJpegScans(d->image_width, d->image_height)) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    err->refusal = JpegRefusal::kScans;
    std::longjmp(err->jump, 1);
  }
}

// Returns the refusal for a header over the limits or in CMYK, kNone when it may be decoded.
JpegRefusal CheckJpegHeader(const jpeg_decompress_struct& cinfo, JpegError* err) {
  err->width = cinfo.image_width;
  err->height = cinfo.image_height;
  if (cinfo.image_width == 0 || cinfo.image_height == 0 ||
      cinfo.image_width > static_cast<JDIMENSION>(kMaxImageSide) ||
      cinfo.image_height > static_cast<JDIMENSION>(kMaxImageSide) ||
      static_cast<uint64_t>(cinfo.image_width) * cinfo.image_height >
          static_cast<uint64_t>(kMaxImagePixels)) {
    return JpegRefusal::kSize;
  }
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    return JpegRefusal::kCmyk;
  }
  return JpegRefusal::kNone;
}

bool DecodeJpegInto(const uint8_t* data, size_t size, JpegError* err, Image* out) {
  jpeg_decompress_struct cinfo;
  jpeg_progress_mgr progress;
  std::memset(&progress, 0, sizeof progress);
  progress.progress_monitor = JpegProgress;
  cinfo.err = jpeg_std_error(&err->mgr);
  err->mgr.error_exit = JpegFail;
  err->mgr.emit_message = JpegMessage;
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  err->refusal = CheckJpegHeader(cinfo, err);
  if (err->refusal != JpegRefusal::kNone) {
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
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

Image DecodeJpeg(const uint8_t* data, size_t size) {
  JpegError err;
  std::memset(&err, 0, sizeof err);
  Image image;
  if (!DecodeJpegInto(data, size, &err, &image)) {
    switch (err.refusal) {
      case JpegRefusal::kSize:
        CheckSize(err.width, err.height, "JPEG");  // throws: zero, or over the limits
        break;
      case JpegRefusal::kCmyk:
        throw ImageError("CMYK JPEG images are not supported");
      case JpegRefusal::kScans:
        throw ImageError("JPEG has more than " +
                         std::to_string(MaxJpegScans(err.width, err.height)) + " scans, over " +
                         "the limit for a " + std::to_string(err.width) + "x" +
                         std::to_string(err.height) + " image (encoders write about 10)");
      case JpegRefusal::kNone:
        break;
    }
    throw ImageError(std::string("invalid or truncated JPEG: ") + err.message);
  }
  return image;
}

}  // namespace

int MaxJpegScans(uint32_t width, uint32_t height) {
  const uint64_t pixels = std::max<uint64_t>(uint64_t{width} * height, 1);
  return static_cast<int>(
      std::min<uint64_t>(kMaxJpegScans, static_cast<uint64_t>(kMaxJpegScanPixels) / pixels));
}

Image DecodeImage(const uint8_t* data, size_t size) {
  static constexpr uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size == 0) throw ImageError("empty file: not an image");
  if (size >= 8 && std::memcmp(data, kPngMagic, 8) == 0) {
    // The size is refused from IHDR (always the first chunk) before the chunks are walked and
    // before libpng reads further.
    if (size >= 24 && std::memcmp(data + 12, "IHDR", 4) == 0) {
      CheckSize(Be32(data + 16), Be32(data + 20), "PNG");
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
  std::string bytes;
  try {
    bytes = io::ReadRegularFile(path.string(), kMaxImageFileBytes, "image");
  } catch (const io::FileError& e) {
    throw ImageError(e.what());  // names the file and says what was expected
  }
  try {
    return DecodeImage(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
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
