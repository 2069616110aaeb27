#include "tensor/safetensors.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "io/file.h"

namespace depict::tensor {
namespace {

// A path for this test's files, unique across tests run in parallel.
std::string TempPath(const std::string& suffix) {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  return testing::TempDir() + "depict_st_" + info->name() + "_" + std::to_string(getpid()) + suffix;
}

// Bytes of a safetensors file claiming a header of `length` bytes.
std::string RawFileWithLength(uint64_t length, const std::string& header,
                              const std::string& data = "") {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(length >> (8 * i));
  return out + header + data;
}

std::string RawFile(const std::string& header, const std::string& data = "") {
  return RawFileWithLength(header.size(), header, data);
}

std::string WriteFile(const std::string& bytes, const std::string& suffix = ".safetensors") {
  const std::string path = TempPath(suffix);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// The message of the FormatError that opening `bytes` as a file throws ("" if none).
std::string OpenError(const std::string& bytes) {
  const std::string path = WriteFile(bytes);
  try {
    SafetensorsFile::Open(path);
  } catch (const FormatError& e) {
    std::remove(path.c_str());
    return e.what();
  }
  std::remove(path.c_str());
  return "";
}

std::string HeaderError(const std::string& header, uint64_t data_bytes = 64) {
  try {
    std::map<std::string, std::string> metadata;
    ParseSafetensorsHeader("x.safetensors", header, data_bytes, &metadata);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

Tensor F32(Shape shape, const std::vector<float>& values) {
  Tensor t = Tensor::Zeros(std::move(shape));
  std::copy(values.begin(), values.end(), t.f32());
  return t;
}

Tensor Bits16(Shape shape, DType dtype, const std::vector<uint16_t>& bits) {
  Tensor t = Tensor::Zeros(std::move(shape), dtype);
  std::memcpy(t.mutable_data(), bits.data(), bits.size() * 2);
  return t;
}

// Reads through the const accessor: the non-const f32() of a view throws (it is for writing).
float First(const Tensor& t) { return t.f32()[0]; }

bool SameBytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.bytes()) == 0;
}

TEST(SafetensorsTest, RoundTripsAllDtypesAndMetadata) {
  const std::string path = TempPath(".safetensors");
  const Tensor f32 = F32({2, 3}, {1.0f, -2.5f, 0.1f, 1e30f, -0.0f, 3.0f});
  const Tensor f16 = Bits16({3}, DType::kF16, {0x3C00, 0xC100, 0x7BFF});  // odd byte count
  const Tensor bf16 = Bits16({1, 2, 1}, DType::kBF16, {0x3F80, 0xC049});
  const Tensor scalar = F32({}, {7.0f});
  const Tensor empty = Tensor::Zeros({0, 4}, DType::kF16);
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "ünï"}};
  WriteSafetensors(path, {{"h", f16}, {"f", f32}, {"b", bf16}, {"s", scalar}, {"e", empty}},
                   metadata);

  const auto file = SafetensorsFile::Open(path);
  EXPECT_EQ(file->path(), path);
  EXPECT_EQ(file->metadata(), metadata);
  ASSERT_EQ(file->tensors().size(), 5u);
  EXPECT_TRUE(SameBytes(file->Get("f"), f32));
  EXPECT_TRUE(SameBytes(file->Get("h"), f16));
  EXPECT_TRUE(SameBytes(file->Get("b"), bf16));
  EXPECT_TRUE(SameBytes(file->Get("s"), scalar));
  EXPECT_EQ(file->Get("e").shape(), (Shape{0, 4}));
  EXPECT_EQ(file->Get("e").numel(), 0);

  const TensorInfo* info = file->Find("h");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->name, "h");
  EXPECT_EQ(info->dtype_name, "F16");
  EXPECT_TRUE(info->supported);
  EXPECT_EQ(info->dtype, DType::kF16);
  EXPECT_EQ(info->shape, (Shape{3}));
  EXPECT_EQ(info->end - info->begin, 6u);
  EXPECT_EQ(file->Find("nope"), nullptr);

  // Sorted by offset, and F32 (the largest element) first so everything is aligned.
  uint64_t previous = 0;
  for (const TensorInfo& t : file->tensors()) {
    EXPECT_GE(t.begin, previous);
    EXPECT_EQ(t.begin % DTypeSize(t.dtype), 0u) << t.name;
    previous = t.begin;
  }
  EXPECT_EQ(file->tensors().front().dtype, DType::kF32);

  // GetAs converts.
  const Tensor h32 = file->GetAs("h", DType::kF32);
  EXPECT_EQ(h32.f32()[1], -2.5f);
  EXPECT_EQ(h32.f32()[2], 65504.0f);
  const Tensor f16back = file->GetAs("f", DType::kF16);
  EXPECT_EQ(f16back.u16()[0], 0x3C00);
  EXPECT_EQ(file->GetAs("b", DType::kF32).f32()[1], -3.140625f);
  std::remove(path.c_str());
}

TEST(SafetensorsTest, HeaderIsPaddedToEightBytes) {
  const std::string path = TempPath(".safetensors");
  WriteSafetensors(path, {{"abc", F32({1}, {1.0f})}});
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + n + 4);
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.substr(0, header.find_last_not_of(' ') + 1),
            R"({"abc":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})");
  std::remove(path.c_str());
}

TEST(SafetensorsTest, GetIsAZeroCopyViewThatOutlivesTheFile) {
  const std::string path = TempPath(".safetensors");
  const Tensor f32 = F32({4}, {1, 2, 3, 4});
  WriteSafetensors(path, {{"w", f32}});
  auto file = SafetensorsFile::Open(path);
  const Tensor a = file->Get("w");
  const Tensor b = file->Get("w");
  EXPECT_EQ(a.data(), b.data());                       // the same mapped bytes, not two copies
  EXPECT_THROW(Tensor(a).mutable_data(), ShapeError);  // a read-only view
  EXPECT_EQ(file->GetAs("w", DType::kF32).data(), a.data());
  file.reset();               // the view keeps the mapping alive
  std::remove(path.c_str());  // and the mapping keeps the unlinked file's pages
  EXPECT_TRUE(SameBytes(a, f32));
  EXPECT_EQ(a.f32()[3], 4.0f);
}

TEST(SafetensorsTest, WritesViewsAndReadsThemBack) {
  const std::string a = TempPath("_a.safetensors"), b = TempPath("_b.safetensors");
  WriteSafetensors(a, {{"x", Bits16({2}, DType::kBF16, {1, 2})}, {"y", F32({1}, {5})}});
  const auto first = SafetensorsFile::Open(a);
  WriteSafetensors(b, {{"x", first->Get("x")}, {"y", first->Get("y")}});
  const auto second = SafetensorsFile::Open(b);
  EXPECT_TRUE(SameBytes(second->Get("x"), first->Get("x")));
  EXPECT_TRUE(SameBytes(second->Get("y"), first->Get("y")));
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST(SafetensorsTest, UnalignedDataIsCopiedToAlignedMemory) {
  // Hand-made layout (the reference writer never makes one): a 1-byte U8 tensor puts the F16
  // at an odd offset, and the F32 after it at offset 5. The header is padded to 8 bytes so the
  // data section itself starts aligned.
  std::string header = R"({"u":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                       R"("h":{"dtype":"F16","shape":[2],"data_offsets":[1,5]},)"
                       R"("f":{"dtype":"F32","shape":[1],"data_offsets":[5,9]},)"
                       R"("g":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})";
  header.resize((header.size() + 7) / 8 * 8, ' ');
  std::string data = "\x2a";
  data += std::string("\x00\x3c\x00\xc1", 4);  // 1.0, -2.5
  const float f = -0.75f, g = 1.5f;
  data.append(reinterpret_cast<const char*>(&f), 4);
  data += std::string(3, '\0');  // a gap: allowed
  data.append(reinterpret_cast<const char*>(&g), 4);
  const std::string path = WriteFile(RawFile(header, data));
  const auto file = SafetensorsFile::Open(path);
  const Tensor h = file->Get("h");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(h.data()) % 2, 0u);
  EXPECT_EQ(h.u16()[0], 0x3C00);
  EXPECT_EQ(h.u16()[1], 0xC100);
  Tensor ft = file->Get("f");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(ft.data()) % 4, 0u);
  EXPECT_EQ(std::as_const(ft).f32()[0], -0.75f);
  EXPECT_NO_THROW(ft.mutable_data());  // a copy, not a view
  const Tensor h32 = file->GetAs("h", DType::kF32);
  EXPECT_EQ(h32.f32()[1], -2.5f);
  // Offset 12 of an 8-aligned data section is aligned: a view.
  EXPECT_THROW(file->Get("g").mutable_data(), ShapeError);
  EXPECT_EQ(First(file->Get("g")), 1.5f);
  std::remove(path.c_str());

  // An unpadded header misaligns the whole data section.
  std::string odd = R"({"f":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  while ((8 + odd.size()) % 4 != 1) odd += ' ';
  const std::string path2 =
      WriteFile(RawFile(odd, std::string(reinterpret_cast<const char*>(&g), 4)));
  EXPECT_EQ(First(SafetensorsFile::Open(path2)->Get("f")), 1.5f);
  std::remove(path2.c_str());
}

TEST(SafetensorsTest, EmptyHeaderObjectIsAValidFile) {
  const std::string path = WriteFile(RawFile("{}  "));
  const auto file = SafetensorsFile::Open(path);
  EXPECT_TRUE(file->tensors().empty());
  EXPECT_TRUE(file->metadata().empty());
  std::remove(path.c_str());
}

TEST(SafetensorsTest, BadFileLayoutsAreFormatErrors) {
  EXPECT_CONTAINS(OpenError(""), "0 bytes, shorter than the 8-byte header length");
  EXPECT_CONTAINS(OpenError(std::string("\x02\x00\x00", 3)), ": file is 3 bytes");
  EXPECT_CONTAINS(OpenError(std::string("\x02\x00\x00\x00\x00\x00\x00", 7)), "7 bytes");
  EXPECT_CONTAINS(OpenError(RawFileWithLength(1000, "{}")),
                  "does not start with a valid safetensors header length (its first 8 bytes, "
                  "read as a length, run past the end of the 10-byte file)");
  EXPECT_CONTAINS(OpenError(RawFileWithLength(1, "{}")), "not valid JSON");  // just "{"
  EXPECT_CONTAINS(OpenError(RawFileWithLength(uint64_t{1} << 40, "{}")),
                  "does not start with a valid safetensors header length");
  EXPECT_CONTAINS(OpenError(RawFileWithLength(std::numeric_limits<uint64_t>::max(), "{}")),
                  "does not start with a valid safetensors header length");
  EXPECT_CONTAINS(OpenError(RawFile("", "")), "not valid JSON");
  // Truncated: the last tensor's bytes are missing.
  EXPECT_CONTAINS(OpenError(RawFile(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                    std::string(5, '\0'))),
                  "tensor \"w\": data_offsets [0, 8] run past the data section (5 bytes)");
  // Every message starts with the file.
  const std::string message = OpenError("");
  EXPECT_EQ(message.rfind(testing::TempDir(), 0), 0u) << message;
}

TEST(SafetensorsTest, OpenErrorsForMissingFilesAndDirectories) {
  const std::string missing = TempPath("_missing.safetensors");
  try {
    SafetensorsFile::Open(missing);
    FAIL() << "expected an error";
  } catch (const io::FileError& e) {
    EXPECT_CONTAINS(e.what(), missing);
    EXPECT_CONTAINS(e.what(), "cannot open");
  }
  try {
    SafetensorsFile::Open(testing::TempDir(), "checkpoint");
    FAIL() << "expected an error";
  } catch (const io::FileError& e) {
    EXPECT_CONTAINS(e.what(), "checkpoint must be a regular file, not a directory");
  }
}

// Hostile files: text that is not safetensors (a symlinked /etc/passwd), a FIFO, a header too
// long only for a file big enough to hold it.
TEST(SafetensorsTest, ForeignFilesNeverHaveTheirBytesQuoted) {
  const std::string passwd =
      "root:x:0:0:root:/root:/bin/bash\nsecret:x:1000:1000::/home/s:/bin/sh\n";
  const std::string target = WriteFile(passwd, ".passwd");
  const std::string link = TempPath("_link.safetensors");
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  std::string message;
  try {
    SafetensorsFile::Open(link, "checkpoint");
  } catch (const FormatError& e) {
    message = e.what();
  }
  EXPECT_CONTAINS(message, "does not start with a valid safetensors header length");
  EXPECT_EQ(message.find("3475222254926655346"), std::string::npos) << message;  // "root:x:0"
  EXPECT_EQ(message.find("root"), std::string::npos) << message;
  std::remove(link.c_str());
  std::remove(target.c_str());

  // A header length that parses leaves JSON errors, which must not quote the text either.
  message = OpenError(RawFile("root:x:0:0:secret-password"));
  EXPECT_CONTAINS(message, "header is not valid JSON (byte 1:");
  EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  EXPECT_EQ(message.find("root"), std::string::npos) << message;
}

TEST(SafetensorsTest, AFifoIsRefusedWithoutWaitingForAWriter) {
  const std::string fifo = TempPath(".safetensors");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  try {
    SafetensorsFile::Open(fifo, "checkpoint");
    FAIL() << "expected an error";
  } catch (const io::FileError& e) {
    EXPECT_CONTAINS(e.what(), fifo);
    EXPECT_CONTAINS(e.what(), "not a FIFO");
  }
  std::remove(fifo.c_str());
}

TEST(SafetensorsTest, HeaderLengthOverTheLimitIsQuotedOnlyWhenTheFileHoldsIt) {
  const std::string path = WriteFile(RawFileWithLength(150'000'000, "{}"));
  ASSERT_EQ(truncate(path.c_str(), 200'000'000), 0);  // sparse: costs no disk
  std::string message;
  try {
    SafetensorsFile::Open(path);
  } catch (const FormatError& e) {
    message = e.what();
  }
  EXPECT_CONTAINS(message, "header length 150000000 exceeds the limit of 100000000 bytes");
  std::remove(path.c_str());
}

TEST(SafetensorsTest, BadJsonIsAFormatError) {
  EXPECT_CONTAINS(HeaderError("{not json"), "x.safetensors: header is not valid JSON");
  EXPECT_CONTAINS(HeaderError("{\"a\xff\": 1}"), "header is not valid JSON");  // bad UTF-8
  EXPECT_CONTAINS(HeaderError("{\"a\": \"\\ud800\"}"), "header is not valid JSON");
  // nlohmann_json stops at a NUL byte; the reference reader does not, so a header with bytes
  // after one would mean different things to the two.
  EXPECT_CONTAINS(HeaderError(std::string("{}\0", 3)), "header contains a NUL byte");
  EXPECT_CONTAINS(HeaderError(std::string("{}\0{\"w\":1}", 10)), "header contains a NUL byte");
  EXPECT_CONTAINS(HeaderError("{} {}"), "header is not valid JSON");
  EXPECT_CONTAINS(HeaderError("[1, 2]"), "x.safetensors: header is not a JSON object");
  EXPECT_CONTAINS(HeaderError("\"F32\""), "header is not a JSON object");
  EXPECT_CONTAINS(HeaderError("null"), "header is not a JSON object");
  EXPECT_CONTAINS(HeaderError(std::string(100000, '[') + std::string(100000, ']')),
                  "header nests deeper than the format allows");
  EXPECT_CONTAINS(HeaderError(R"({"a":{"dtype":{"b":{"c":1}}}})"), "nests deeper");
}

// A header of `count` one-element F32 tensors "t0", "t1", ... (over count * 4 data bytes).
std::string ManyTensors(size_t count) {
  std::string header = "{";
  for (size_t i = 0; i < count; ++i) {
    header += (i ? ",\"t" : "\"t") + std::to_string(i) + R"(":{"dtype":"F32","shape":[1],)" +
              R"("data_offsets":[)" + std::to_string(4 * i) + "," + std::to_string(4 * i + 4) +
              "]}";
  }
  return header + "}";
}

// The duplicate check was quadratic (50,000 entries took 20 s, a million never ended); it is
// linear now, so these headers parse in well under a second in a release build (a regression
// shows as this test's timeout, not as a timed assertion), and a header of more tensors than
// any checkpoint has is refused.
TEST(SafetensorsTest, HugeHeadersAreLinearAndTheTensorCountIsLimited) {
  EXPECT_EQ(HeaderError(ManyTensors(kMaxSafetensorsTensors), 4 * 100'000), "");
  EXPECT_CONTAINS(HeaderError(ManyTensors(200'000), 4 * 200'000),
                  "header lists more than 100000 tensors, the limit");

  // 200,000 metadata keys, the last a duplicate: no count limit there, and still linear.
  std::string metadata = R"({"__metadata__":{)";
  for (int i = 0; i < 200'000; ++i) metadata += "\"k" + std::to_string(i) + "\":\"v\",";
  metadata += R"("k7":"again"}})";
  EXPECT_CONTAINS(HeaderError(metadata, 0), "duplicate key \"k7\" in header");
}

// A header with one tensor "w" whose entry is `entry`, over 64 bytes of data.
std::string Entry(const std::string& entry) { return HeaderError(R"({"w":)" + entry + "}"); }

TEST(SafetensorsTest, BadEntriesNameTheTensorAndTheProblem) {
  EXPECT_EQ(Entry(R"({"dtype":"F32","shape":[2,2],"data_offsets":[0,16]})"), "");
  EXPECT_EQ(Entry("3"), "x.safetensors: tensor \"w\": entry is not an object");
  EXPECT_EQ(Entry(R"({"shape":[2],"data_offsets":[0,8]})"),
            "x.safetensors: tensor \"w\": missing \"dtype\"");
  EXPECT_EQ(Entry(R"({"dtype":"F32","data_offsets":[0,8]})"),
            "x.safetensors: tensor \"w\": missing \"shape\"");
  EXPECT_EQ(Entry(R"({"dtype":"F32","shape":[2]})"),
            "x.safetensors: tensor \"w\": missing \"data_offsets\"");
  EXPECT_CONTAINS(Entry(R"({"dtype":4,"shape":[2],"data_offsets":[0,8]})"),
                  "tensor \"w\": \"dtype\" is not a string");
  EXPECT_EQ(Entry(R"({"dtype":"Q4_K","shape":[2],"data_offsets":[0,8]})"),
            "x.safetensors: tensor \"w\": unknown dtype \"Q4_K\"");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F4","shape":[2],"data_offsets":[0,1]})"),
                  "unknown dtype \"F4\"");
  EXPECT_CONTAINS(Entry(R"({"dtype":"f32","shape":[2],"data_offsets":[0,8]})"),
                  "unknown dtype \"f32\"");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":2,"data_offsets":[0,8]})"),
                  "tensor \"w\": \"shape\" is not an array");
}

TEST(SafetensorsTest, BadShapesAreFormatErrors) {
  EXPECT_EQ(Entry(R"({"dtype":"F32","shape":[2,-3],"data_offsets":[0,8]})"),
            "x.safetensors: tensor \"w\": negative dimension -3 in \"shape\"");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[2.5],"data_offsets":[0,8]})"),
                  "tensor \"w\": \"shape\" entry 2.5 is not an integer");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[2.0],"data_offsets":[0,8]})"),
                  "is not an integer");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":["2"],"data_offsets":[0,8]})"),
                  "is not an integer");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[null],"data_offsets":[0,8]})"),
                  "is not an integer");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]})"),
                  "tensor \"w\": rank 9 exceeds 8");
  EXPECT_EQ(Entry(R"({"dtype":"F32","shape":[1,1,1,1,1,1,1,1],"data_offsets":[0,4]})"), "");
  // Element counts that overflow 64 bits, or int64, or bytes.
  EXPECT_CONTAINS(
      Entry(R"({"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]})"),
      "tensor \"w\": shape [4294967296,4294967296,4294967296] has too many elements");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,0]})"),
                  "has too many elements");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[9223372036854775807],"data_offsets":[0,0]})"),
                  "has too many elements");  // numel fits, bytes do not
  EXPECT_CONTAINS(Entry(R"({"dtype":"U8","shape":[9223372036854775807],"data_offsets":[0,0]})"),
                  "needs 9223372036854775807 bytes");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,0]})"),
                  "is not an integer");  // past 2^64: a float to the JSON parser
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[1e30],"data_offsets":[0,0]})"),
                  "is not an integer");
  // A zero dimension makes an empty tensor, even beside big ones (if their product fits).
  EXPECT_EQ(Entry(R"({"dtype":"F32","shape":[0,4294967296],"data_offsets":[8,8]})"), "");
}

TEST(SafetensorsTest, BadOffsetsAreFormatErrors) {
  const std::string not_two = "tensor \"w\": \"data_offsets\" is not two non-negative integers";
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":8})"), not_two);
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":[8]})"), not_two);
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8,16]})"), not_two);
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":[-8,0]})"), not_two);
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8.0]})"), not_two);
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":["0","8"]})"), not_two);
  EXPECT_EQ(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":[16,8]})"),
            "x.safetensors: tensor \"w\": data_offsets [16, 8] end before they begin");
  EXPECT_EQ(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":[60,68]})"),
            "x.safetensors: tensor \"w\": data_offsets [60, 68] run past the data section (64 "
            "bytes)");
  EXPECT_CONTAINS(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]})"),
                  "run past the data section");
  EXPECT_EQ(Entry(R"({"dtype":"F32","shape":[2,3],"data_offsets":[0,16]})"),
            "x.safetensors: tensor \"w\": shape [2, 3] of F32 needs 24 bytes, data_offsets "
            "[0, 16] hold 16");
  EXPECT_CONTAINS(Entry(R"({"dtype":"BF16","shape":[3],"data_offsets":[0,12]})"),
                  "shape [3] of BF16 needs 6 bytes");
  EXPECT_EQ(Entry(R"({"dtype":"F32","shape":[2],"data_offsets":[56,64]})"), "");
}

TEST(SafetensorsTest, OverlappingTensorsAreFormatErrors) {
  const std::string a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  EXPECT_EQ(HeaderError("{" + a + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})"),
            "x.safetensors: tensor \"b\": data_offsets [4, 12] overlap tensor \"a\" [0, 8]");
  EXPECT_CONTAINS(
      HeaderError("{" + a + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})"),
      "overlap");  // the same bytes twice
  // Contained in a long tensor but not in the one just before it.
  EXPECT_CONTAINS(HeaderError(R"({"big":{"dtype":"U8","shape":[32],"data_offsets":[0,32]},)"
                              R"("s1":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},)"
                              R"("s2":{"dtype":"U8","shape":[2],"data_offsets":[10,12]}})"),
                  "overlap tensor \"big\"");
  // Touching is fine, and so are empty tensors anywhere.
  EXPECT_EQ(HeaderError("{" + a + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)" +
                        R"("e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})"),
            "");
}

TEST(SafetensorsTest, DuplicatesAreFormatErrors) {
  const std::string a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  EXPECT_EQ(HeaderError("{" + a + "," + a + "}"),
            "x.safetensors: duplicate tensor name \"a\" in header");
  EXPECT_EQ(HeaderError(R"({"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}})"),
            "x.safetensors: duplicate key \"dtype\" in header");
  EXPECT_CONTAINS(HeaderError(R"({"__metadata__":{},"__metadata__":{}})"),
                  "duplicate tensor name \"__metadata__\"");
  EXPECT_CONTAINS(HeaderError(R"({"__metadata__":{"k":"1","k":"2"}})"), "duplicate key \"k\"");
  // The same key in two different objects is fine.
  EXPECT_EQ(HeaderError("{" + a + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})"),
            "");
}

TEST(SafetensorsTest, Metadata) {
  std::map<std::string, std::string> metadata;
  ParseSafetensorsHeader("m", R"({"__metadata__":{"format":"pt","x":""}})", 0, &metadata);
  EXPECT_EQ(metadata, (std::map<std::string, std::string>{{"format", "pt"}, {"x", ""}}));
  ParseSafetensorsHeader("m", R"({})", 0, nullptr);  // metadata is optional
  EXPECT_EQ(HeaderError(R"({"__metadata__":[]})"),
            "x.safetensors: \"__metadata__\" is not an object");
  EXPECT_EQ(HeaderError(R"({"__metadata__":{"step":1000}})"),
            "x.safetensors: \"__metadata__\" value \"step\" is not a string");
  EXPECT_CONTAINS(HeaderError(R"({"__metadata__":{"a":null}})"), "is not a string");
}

TEST(SafetensorsTest, UnsupportedDtypesOpenButDoNotLoad) {
  // Integer tensors are validated and listed (checkpoints carry them), but not loaded.
  const std::string header =
      R"({"position_ids":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]},)"
      R"("mask":{"dtype":"BOOL","shape":[3],"data_offsets":[16,19]},)"
      R"("w":{"dtype":"F32","shape":[1],"data_offsets":[20,24]}})";
  const std::string path = WriteFile(RawFile(header, std::string(24, '\0')));
  const auto file = SafetensorsFile::Open(path);
  const TensorInfo* ids = file->Find("position_ids");
  ASSERT_NE(ids, nullptr);
  EXPECT_EQ(ids->dtype_name, "I64");
  EXPECT_FALSE(ids->supported);
  EXPECT_EQ(ids->shape, (Shape{1, 2}));
  try {
    file->Get("position_ids");
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ": tensor \"position_ids\": unsupported dtype I64 (the engine reads F32, F16 "
                  "and BF16)");
  }
  EXPECT_THROW(file->GetAs("mask", DType::kF32), FormatError);
  EXPECT_EQ(First(file->Get("w")), 0.0f);
  // The I64 tensor's size is still checked.
  EXPECT_CONTAINS(HeaderError(R"({"i":{"dtype":"I64","shape":[2],"data_offsets":[0,8]}})"),
                  "shape [2] of I64 needs 16 bytes");
  std::remove(path.c_str());
}

TEST(SafetensorsTest, MissingTensorAndLongNamesInMessages) {
  const std::string path = TempPath(".safetensors");
  WriteSafetensors(path, {{"w", F32({1}, {1})}});
  const auto file = SafetensorsFile::Open(path);
  try {
    file->Get("unet.missing");
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": tensor \"unet.missing\": not in the file");
  }
  std::remove(path.c_str());
  // A hostile name is quoted (control characters escaped) and cut short.
  const std::string long_name = std::string(5000, 'n') + "\n";
  const std::string message =
      HeaderError(R"({")" + long_name.substr(0, 5000) + R"(\n":{"dtype":"X"}})");
  EXPECT_LT(message.size(), 300u) << message;
  EXPECT_CONTAINS(message, "nnn\"...: unknown dtype");
  EXPECT_CONTAINS(HeaderError(R"({"a\nb":{"dtype":"X"}})"), R"(tensor "a\nb": unknown dtype)");
}

TEST(SafetensorsTest, WriteRejectsBadArguments) {
  const std::string path = TempPath(".safetensors");
  const Tensor t = F32({1}, {1});
  EXPECT_THROW(WriteSafetensors(path, {{"a", t}, {"a", t}}), std::invalid_argument);
  EXPECT_THROW(WriteSafetensors(path, {{"__metadata__", t}}), std::invalid_argument);
  EXPECT_THROW(WriteSafetensors(path, {{"a", Tensor()}}), std::invalid_argument);
  EXPECT_THROW(WriteSafetensors(TempPath("_no/such/dir.safetensors"), {{"a", t}}),
               std::system_error);
  EXPECT_NE(access(path.c_str(), F_OK), 0);  // nothing was written
}

// The compatibility check: a file written by the reference Python package
// (tools/make_safetensors_fixture.py) reads back exactly as it lists in reference.json.
TEST(SafetensorsTest, ReadsTheReferenceImplementationsFile) {
  const std::string dir = std::string(DEPICT_FIXTURES) + "/safetensors/";
  std::ifstream in(dir + "reference.json");
  ASSERT_TRUE(in) << dir;
  const nlohmann::json expected = nlohmann::json::parse(in);
  const auto file = SafetensorsFile::Open(dir + "reference.safetensors");

  using Metadata = std::map<std::string, std::string>;
  EXPECT_EQ(file->metadata(), expected["metadata"].get<Metadata>());
  ASSERT_EQ(file->tensors().size(), expected["tensors"].size());
  int supported = 0;
  for (const nlohmann::json& e : expected["tensors"]) {
    const std::string name = e["name"];
    SCOPED_TRACE(name);
    const TensorInfo* info = file->Find(name);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->dtype_name, e["dtype"]);
    EXPECT_EQ(info->shape, e["shape"].get<Shape>());
    EXPECT_EQ(info->begin, e["data_offsets"][0].get<uint64_t>());
    EXPECT_EQ(info->end, e["data_offsets"][1].get<uint64_t>());
    if (!info->supported) {
      EXPECT_EQ(info->dtype_name, "I64");
      EXPECT_THROW(file->Get(name), FormatError);
      continue;
    }
    ++supported;
    const Tensor t = file->Get(name);
    const Tensor f = file->GetAs(name, DType::kF32);
    ASSERT_EQ(static_cast<size_t>(t.numel()), e["values"].size());
    for (size_t i = 0; i < e["values"].size(); ++i) {
      const nlohmann::json& v = e["values"][i];
      float got = 0;
      switch (t.dtype()) {
        case DType::kF32:
          got = t.f32()[i];
          break;
        case DType::kF16:
          got = HalfToFloat(t.u16()[i]);
          break;
        case DType::kBF16:
          got = BFloat16ToFloat(t.u16()[i]);
          break;
      }
      EXPECT_EQ(std::memcmp(&got, &f.f32()[i], 4), 0) << i;  // GetAs agrees bit for bit
      if (v.is_string()) {
        const std::string s = v;
        if (s == "nan") {
          EXPECT_TRUE(std::isnan(got)) << i;
        } else {
          EXPECT_EQ(got, s == "inf" ? INFINITY : -INFINITY) << i;
        }
      } else {
        const double want = v.get<double>();
        EXPECT_EQ(static_cast<double>(got), want) << i;  // exact: every value is a float
        EXPECT_EQ(std::signbit(got), std::signbit(want)) << i;
      }
    }
  }
  EXPECT_EQ(supported, 8);
}

}  // namespace
}  // namespace depict::tensor
