// Hostile image files, each written by the test itself: files that are not regular files, PNG
// chunks that claim more than the file holds or far more than an image needs, and JPEGs with
// more scans than any encoder writes. Each must be a clear ImageError (or ModelError), quickly,
// without a large allocation.
#include <gtest/gtest.h>
#include <jpeglib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "vision/image.h"
#include "vision/tfjs_weights.h"

namespace depict::vision {
namespace {

using Bytes = std::vector<uint8_t>;

void PutBe32(Bytes* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(v >> shift));
}

// One PNG chunk: length, type, data and a CRC over type and data. `claimed` overrides the
// length field (a lie) when non-zero.
void PutChunk(Bytes* out, const char* type, const Bytes& data, uint32_t claimed = 0) {
  PutBe32(out, claimed != 0 ? claimed : static_cast<uint32_t>(data.size()));
  const size_t type_at = out->size();
  out->insert(out->end(), type, type + 4);
  out->insert(out->end(), data.begin(), data.end());
  const uLong crc = crc32(0, out->data() + type_at, static_cast<uInt>(4 + data.size()));
  PutBe32(out, static_cast<uint32_t>(crc));
}

Bytes PngSignatureAndHeader(uint32_t width, uint32_t height) {
  Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr;
  PutBe32(&ihdr, width);
  PutBe32(&ihdr, height);
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});  // 8-bit grey, not interlaced
  PutChunk(&out, "IHDR", ihdr);
  return out;
}

// A complete 2x2 grey PNG with `extra` chunks (type, data) between IHDR and IDAT.
Bytes GreyPngWith(const std::vector<std::pair<const char*, Bytes>>& extra) {
  Bytes out = PngSignatureAndHeader(2, 2);
  for (const auto& [type, data] : extra) PutChunk(&out, type, data);
  const Bytes rows = {0, 10, 20, 0, 30, 40};  // filter byte, then two pixels, per row
  Bytes idat(compressBound(rows.size()));
  uLongf idat_size = idat.size();
  EXPECT_EQ(compress(idat.data(), &idat_size, rows.data(), rows.size()), Z_OK);
  idat.resize(idat_size);
  PutChunk(&out, "IDAT", idat);
  PutChunk(&out, "IEND", {});
  return out;
}

std::string ErrorOf(const Bytes& file) {
  try {
    DecodeImage(file.data(), file.size());
  } catch (const ImageError& e) {
    return e.what();
  }
  return "(decoded without an error)";
}

TEST(HostileImage, PngChunkClaimingTwoGigabytesIsRefusedBeforeLibpngAllocates) {
  Bytes file = PngSignatureAndHeader(2, 2);
  PutBe32(&file, 0x7FFFFFFF);
  file.insert(file.end(), {'t', 'E', 'X', 't', 'a', 'b', 'c'});
  ASSERT_EQ(file.size(), 44u);
  const std::string error = ErrorOf(file);
  EXPECT_NE(error.find("truncated PNG: chunk 'tEXt' at byte 33 claims 2147483647 bytes"),
            std::string::npos)
      << error;
}

TEST(HostileImage, PngChunkWalkRefusesBadTypesAndAMissingEnd) {
  Bytes no_end = GreyPngWith({});
  no_end.resize(no_end.size() - 12);  // IEND gone
  EXPECT_NE(ErrorOf(no_end).find("before the IEND chunk"), std::string::npos) << ErrorOf(no_end);
  Bytes bad_type = GreyPngWith({{"tEXt", {'a', 0, 'b'}}});
  bad_type[33 + 4] = '#';
  EXPECT_NE(ErrorOf(bad_type).find("not four letters"), std::string::npos) << ErrorOf(bad_type);
  const Bytes fine = GreyPngWith({{"tEXt", {'a', 0, 'b'}}});
  const Image image = DecodeImage(fine.data(), fine.size());
  EXPECT_EQ(image.rgb, (std::vector<uint8_t>{10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40}));
}

// Peak resident memory since the last reset (Linux's VmHWM), in bytes; -1 when unreadable.
int64_t StatusBytes(const char* field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) return std::atoll(line.c_str() + std::strlen(field)) * 1024;
  }
  return -1;
}

bool ResetPeakMemory() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

TEST(HostileImage, HundredMegabyteMetadataChunksAreSkippedNotAllocated) {
  for (const char* type : {"tEXt", "zTXt", "iTXt", "pCAL", "prVt"}) {
    Bytes text(size_t{100} << 20, 'x');
    std::memcpy(text.data(), "Comment\0", 8);
    const Bytes file = GreyPngWith({{type, text}});
    text = Bytes();
    if (!ResetPeakMemory()) GTEST_SKIP() << "/proc/self/clear_refs is not writable";
    const int64_t before = StatusBytes("VmRSS:");
    const Image image = DecodeImage(file.data(), file.size());
    const int64_t peak = StatusBytes("VmHWM:");
    EXPECT_EQ(image.width, 2) << type;
    ASSERT_GT(before, 0);
    EXPECT_LT(peak - before, int64_t{16} << 20) << type << ": libpng took the chunk into memory";
  }
}

// ---- JPEG -----------------------------------------------------------------------------------

// A grey progressive JPEG whose script has `scans` scans: the DC scan, then single-coefficient
// AC bands, first at point transform 10, then refined one bit at a time (up to 694 scans).
Bytes ProgressiveGreyJpeg(int width, int height, int scans) {
  std::vector<jpeg_scan_info> script;
  script.push_back({1, {0}, 0, 0, 0, 0});
  for (int round = 0; round <= 10 && static_cast<int>(script.size()) < scans; ++round) {
    for (int band = 1; band <= 63 && static_cast<int>(script.size()) < scans; ++band) {
      script.push_back({1, {0}, band, band, round == 0 ? 0 : 11 - round, 10 - round});
    }
  }
  EXPECT_EQ(static_cast<int>(script.size()), scans);
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = 1;
  cinfo.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  cinfo.scan_info = script.data();
  cinfo.num_scans = static_cast<int>(script.size());
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<uint8_t> row(static_cast<size_t>(width));
  while (cinfo.next_scanline < cinfo.image_height) {
    for (int x = 0; x < width; ++x) row[x] = static_cast<uint8_t>(x * 7 + cinfo.next_scanline * 3);
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  Bytes out(buffer, buffer + size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);
  return out;
}

TEST(HostileImage, JpegWithMoreScansThanTheLimitIsRefused) {
  const Bytes file = ProgressiveGreyJpeg(64, 64, 694);
  const std::string error = ErrorOf(file);
  EXPECT_NE(error.find("more than 100 scans"), std::string::npos) << error;
  const Bytes just_over = ProgressiveGreyJpeg(16, 16, kMaxJpegScans + 1);
  EXPECT_NE(ErrorOf(just_over).find("more than 100 scans"), std::string::npos);
}

TEST(HostileImage, LargeJpegsMayHaveFewerScans) {
  EXPECT_EQ(MaxJpegScans(64, 64), 100);
  EXPECT_EQ(MaxJpegScans(5000, 5000), 100);  // 25 megapixels
  EXPECT_EQ(MaxJpegScans(10000, 5000), 50);
  EXPECT_EQ(MaxJpegScans(10000, 10000), 25);  // the 100-megapixel limit
  EXPECT_EQ(MaxJpegScans(0, 0), 100);
}

TEST(HostileImage, JpegAtTheScanLimitStillDecodes) {
  const Bytes file = ProgressiveGreyJpeg(24, 16, kMaxJpegScans);
  const Image image = DecodeImage(file.data(), file.size());
  EXPECT_EQ(image.width, 24);
  EXPECT_EQ(image.height, 16);
}

// The SOF0/SOF2 frame header's height and width, rewritten.
Bytes WithJpegSize(Bytes file, uint16_t width, uint16_t height) {
  for (size_t i = 2; i + 9 < file.size(); ++i) {
    if (file[i] == 0xFF && (file[i + 1] == 0xC0 || file[i + 1] == 0xC2)) {
      file[i + 5] = static_cast<uint8_t>(height >> 8);
      file[i + 6] = static_cast<uint8_t>(height);
      file[i + 7] = static_cast<uint8_t>(width >> 8);
      file[i + 8] = static_cast<uint8_t>(width);
      return file;
    }
  }
  ADD_FAILURE() << "no frame header";
  return file;
}

TEST(HostileImage, JpegHeaderOverThePixelLimitIsRefusedBeforeDecoding) {
  const Bytes small = ProgressiveGreyJpeg(16, 16, 694);
  const std::string error = ErrorOf(WithJpegSize(small, 20000, 20000));
  EXPECT_NE(error.find("20000x20000, over the limit of 100 megapixels"), std::string::npos)
      << error;
  EXPECT_NE(ErrorOf(WithJpegSize(small, 65535, 16)).find("65500"), std::string::npos);
  EXPECT_NE(ErrorOf(WithJpegSize(small, 0, 16)).find("Empty JPEG image"), std::string::npos);
  // 10000x10000 is within the limits, but the 16x16 file's scans end long before the image
  // does: refused at the first sign of corruption, not decoded to the end in grey.
  const std::string big = ErrorOf(WithJpegSize(small, 10000, 10000));
  EXPECT_NE(big.find("invalid or truncated JPEG"), std::string::npos) << big;
}

// ---- Files that are not regular files ---------------------------------------------------------

class HostileFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("depict_hostile_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  template <typename Error, typename Load>
  std::string ErrorFrom(Load load, const std::filesystem::path& path) {
    try {
      load(path);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

  std::filesystem::path dir_;
};

TEST_F(HostileFileTest, DevicesFifosAndDirectoriesAreNotImages) {
  const auto load = [](const std::filesystem::path& p) { LoadImage(p); };
  std::filesystem::create_symlink("/dev/zero", dir_ / "x.png");
  ASSERT_EQ(::mkfifo((dir_ / "fifo.png").c_str(), 0600), 0);
  for (const auto& [path, kind] : std::vector<std::pair<std::filesystem::path, std::string>>{
           {"/dev/zero", "a character device"},
           {dir_ / "x.png", "a character device"},
           {dir_ / "fifo.png", "a FIFO"},
           {dir_, "a directory"}}) {
    const std::string error = ErrorFrom<ImageError>(load, path);
    EXPECT_EQ(error, path.string() + ": image must be a regular file, not " + kind);
  }
  EXPECT_NE(ErrorFrom<ImageError>(load, dir_ / "absent.png").find("absent.png: cannot open image"),
            std::string::npos);
}

TEST_F(HostileFileTest, ImageFilesOverTheSizeLimitAreNotRead) {
  const std::filesystem::path big = dir_ / "big.png";
  std::ofstream(big) << "x";
  std::filesystem::resize_file(big, kMaxImageFileBytes + 1);  // sparse: costs no disk
  const std::string error =
      ErrorFrom<ImageError>([](const std::filesystem::path& p) { LoadImage(p); }, big);
  EXPECT_NE(error.find("big.png: image is 268435457 bytes, more than the limit"), std::string::npos)
      << error;
}

TEST_F(HostileFileTest, ModelFilesMustBeRegularFilesOfBoundedSize) {
  const auto load = [](const std::filesystem::path& p) { LoadWeightsManifest(p); };
  ASSERT_EQ(::mkfifo((dir_ / "fifo.json").c_str(), 0600), 0);
  EXPECT_NE(ErrorFrom<ModelError>(load, dir_ / "fifo.json").find("must be a regular file"),
            std::string::npos);
  std::filesystem::create_symlink("/dev/zero", dir_ / "zero.bin");
  std::ofstream(dir_ / "m.json")
      << R"([{"paths": ["zero.bin"], "weights": [{"name": "w", "shape": [1], "dtype": "float32"}]}])";
  EXPECT_NE(ErrorFrom<ModelError>(load, dir_ / "m.json").find("zero.bin: weights shard must be"),
            std::string::npos);
  std::ofstream(dir_ / "huge.json") << "[";
  std::filesystem::resize_file(dir_ / "huge.json", kMaxModelJsonBytes + 1);
  EXPECT_NE(ErrorFrom<ModelError>(load, dir_ / "huge.json").find("more than the limit"),
            std::string::npos);
  const auto layers = [](const std::filesystem::path& p) { LoadLayersModel(p); };
  EXPECT_NE(ErrorFrom<ModelError>(layers, dir_ / "fifo.json").find("model.json must be"),
            std::string::npos);
}

}  // namespace
}  // namespace depict::vision
