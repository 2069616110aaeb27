#include "vision/image.h"

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "vision/fixtures.h"

namespace depict::vision {
namespace {

std::vector<uint8_t> EncodePng(int w, int h, png_uint_32 format, const void* pixels) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(w);
  image.height = static_cast<png_uint_32>(h);
  image.format = format;
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_to_memory(&image, nullptr, &size, 0, pixels, 0, nullptr));
  std::vector<uint8_t> out(size);
  EXPECT_TRUE(png_image_write_to_memory(&image, out.data(), &size, 0, pixels, 0, nullptr));
  out.resize(size);
  return out;
}

std::vector<uint8_t> EncodeJpeg(int w, int h, int components, const std::vector<uint8_t>& px) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(w);
  cinfo.image_height = static_cast<JDIMENSION>(h);
  cinfo.input_components = components;
  cinfo.in_color_space = components == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(px.data()) + cinfo.next_scanline * w * components;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::vector<uint8_t> out(buffer, buffer + size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);
  return out;
}

std::vector<uint8_t> Pattern(int w, int h, int c) {
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * c);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int k = 0; k < c; ++k)
        px[(y * w + x) * c + k] = static_cast<uint8_t>(x * 8 + y * 3 + k * 60);
    }
  }
  return px;
}

TEST(VisionImage, DecodesRgbPngExactly) {
  const auto px = Pattern(17, 9, 3);
  const auto png = EncodePng(17, 9, PNG_FORMAT_RGB, px.data());
  const Image image = DecodeImage(png.data(), png.size());
  EXPECT_EQ(image.width, 17);
  EXPECT_EQ(image.height, 9);
  EXPECT_EQ(image.rgb, px);
}

TEST(VisionImage, GreyAlphaAndSixteenBitPngsBecomeRgb8) {
  const auto grey = Pattern(5, 4, 1);
  Image image = DecodeImage(EncodePng(5, 4, PNG_FORMAT_GRAY, grey.data()).data(),
                            EncodePng(5, 4, PNG_FORMAT_GRAY, grey.data()).size());
  ASSERT_EQ(image.rgb.size(), 5u * 4 * 3);
  for (size_t i = 0; i < grey.size(); ++i) {
    EXPECT_EQ(image.rgb[3 * i], grey[i]);
    EXPECT_EQ(image.rgb[3 * i + 2], grey[i]);
  }
  // Alpha is dropped, the colour kept as stored (a fully transparent pixel keeps its colour).
  std::vector<uint8_t> rgba = Pattern(4, 3, 4);
  rgba[3] = 0;
  const auto png = EncodePng(4, 3, PNG_FORMAT_RGBA, rgba.data());
  image = DecodeImage(png.data(), png.size());
  ASSERT_EQ(image.rgb.size(), 4u * 3 * 3);
  EXPECT_EQ(image.rgb[0], rgba[0]);
  EXPECT_EQ(image.rgb[5], rgba[6]);
  // 16-bit samples keep their high byte.
  std::vector<uint16_t> deep(3 * 2 * 3);
  for (size_t i = 0; i < deep.size(); ++i) deep[i] = static_cast<uint16_t>(i * 3000);
  const auto png16 = EncodePng(3, 2, PNG_FORMAT_LINEAR_RGB, deep.data());
  image = DecodeImage(png16.data(), png16.size());
  EXPECT_EQ(image.width, 3);
  EXPECT_EQ(image.rgb.size(), deep.size());
}

TEST(VisionImage, DecodesJpegsIncludingGrey) {
  std::vector<uint8_t> px(32 * 16 * 3);  // smooth, so that JPEG's loss stays small
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 32; ++x) {
      for (int k = 0; k < 3; ++k)
        px[(y * 32 + x) * 3 + k] = static_cast<uint8_t>(x * 4 + y * 2 + k * 20);
    }
  }
  const auto jpg = EncodeJpeg(32, 16, 3, px);
  const Image image = DecodeImage(jpg.data(), jpg.size());
  ASSERT_EQ(image.width, 32);
  ASSERT_EQ(image.height, 16);
  double err = 0;
  for (size_t i = 0; i < px.size(); ++i) err += std::abs(image.rgb[i] - px[i]);
  EXPECT_LT(err / static_cast<double>(px.size()), 2.0);
  const auto grey = Pattern(8, 8, 1);
  const auto gjpg = EncodeJpeg(8, 8, 1, grey);
  const Image g = DecodeImage(gjpg.data(), gjpg.size());
  ASSERT_EQ(g.rgb.size(), 8u * 8 * 3);
  EXPECT_EQ(g.rgb[0], g.rgb[1]);
  EXPECT_EQ(g.rgb[1], g.rgb[2]);
}

TEST(VisionImage, BadInputIsAClearError) {
  const std::string text = "hello, not an image";
  EXPECT_THROW(DecodeImage(reinterpret_cast<const uint8_t*>(text.data()), text.size()), ImageError);
  EXPECT_THROW(DecodeImage(nullptr, 0), ImageError);
  const auto px = Pattern(40, 30, 3);
  auto png = EncodePng(40, 30, PNG_FORMAT_RGB, px.data());
  for (size_t cut : {size_t{8}, size_t{20}, size_t{40}, png.size() / 2, png.size() - 13}) {
    EXPECT_THROW(DecodeImage(png.data(), cut), ImageError) << cut;
  }
  auto jpg = EncodeJpeg(40, 30, 3, px);
  for (size_t cut : {size_t{3}, size_t{100}, jpg.size() / 2, jpg.size() - 2}) {
    EXPECT_THROW(DecodeImage(jpg.data(), cut), ImageError) << cut;
  }
  png[20] ^= 0x55;  // IHDR's CRC no longer matches
  EXPECT_THROW(DecodeImage(png.data(), png.size()), ImageError);
}

// A PNG header that claims a size; the body is never reached.
std::vector<uint8_t> PngHeader(uint32_t w, uint32_t h) {
  std::vector<uint8_t> out(33, 0);
  const uint8_t start[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                             0,    0,   0,   13,  'I',  'H',  'D',  'R'};
  std::memcpy(out.data(), start, sizeof start);
  for (int i = 0; i < 4; ++i) {
    out[16 + i] = static_cast<uint8_t>(w >> (24 - 8 * i));
    out[20 + i] = static_cast<uint8_t>(h >> (24 - 8 * i));
  }
  out[24] = 8;  // bit depth
  out[25] = 2;  // RGB
  const uLong crc = crc32(0, out.data() + 12, 17);
  for (int i = 0; i < 4; ++i) out[29 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  return out;
}

TEST(VisionImage, ZeroSizeAndHugeImagesAreRefusedFromTheHeader) {
  auto zero = PngHeader(0, 10);
  EXPECT_THROW(DecodeImage(zero.data(), zero.size()), ImageError);
  auto huge = PngHeader(20000, 20000);  // 400 megapixels
  try {
    DecodeImage(huge.data(), huge.size());
    FAIL() << "no error";
  } catch (const ImageError& e) {
    EXPECT_NE(std::string(e.what()).find("100 megapixels"), std::string::npos) << e.what();
  }
  auto wide = PngHeader(70000, 10);
  EXPECT_THROW(DecodeImage(wide.data(), wide.size()), ImageError);
}

TEST(VisionImage, LoadsTheCommittedTestImage) {
  const Image image = LoadImage(testing::FixtureDir() / "astronaut.png");
  EXPECT_EQ(image.width, 160);
  EXPECT_EQ(image.height, 160);
  EXPECT_THROW(LoadImage(testing::FixtureDir() / "absent.png"), ImageError);
  EXPECT_THROW(LoadImage(testing::FixtureDir() / "parity.json"), ImageError);
}

}  // namespace
}  // namespace depict::vision
