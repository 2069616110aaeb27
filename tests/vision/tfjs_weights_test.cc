#include "vision/tfjs_weights.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "tensor/tensor.h"
#include "vision/fixtures.h"

namespace depict::vision {
namespace {

class TfjsWeightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("depict_tfjs_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }

  std::filesystem::path dir_;
};

std::string F32Bytes(std::initializer_list<float> values) {
  std::string s;
  for (float v : values) s.append(reinterpret_cast<const char*>(&v), sizeof v);
  return s;
}

TEST_F(TfjsWeightsTest, ReadsRawQuantizedAndHalfTensorsInManifestOrder) {
  std::string shard1 = F32Bytes({1.5f, -2.0f});
  shard1 += std::string("\x00\x02\xff", 3);  // uint8 q for the second tensor
  std::string shard2;
  const uint16_t half = tensor::FloatToHalf(0.333f);
  shard2.append(reinterpret_cast<const char*>(&half), 2);
  const int32_t i32 = -7;
  shard2.append(reinterpret_cast<const char*>(&i32), 4);
  shard2 += std::string("\x10\x00", 2);  // uint16 q = 16
  Write("a.bin", shard1);
  Write("b.bin", shard2);
  Write("m.json", R"([{"paths": ["a.bin", "b.bin"], "weights": [
    {"name": "w", "shape": [2], "dtype": "float32"},
    {"name": "q", "shape": [1, 3], "dtype": "float32",
     "quantization": {"min": -1.0, "scale": 0.5, "dtype": "uint8"}},
    {"name": "h", "shape": [], "dtype": "float32", "quantization": {"dtype": "float16"}},
    {"name": "i", "shape": [1], "dtype": "int32"},
    {"name": "q16", "shape": [1], "dtype": "float32",
     "quantization": {"min": 0.25, "scale": 0.125, "dtype": "uint16"}}]}])");
  const WeightMap map = LoadWeightsManifest(dir_ / "m.json");
  EXPECT_EQ(map.names(), (std::vector<std::string>{"w", "q", "h", "i", "q16"}));
  EXPECT_EQ(map.Get("w").values, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(map.Get("q", {1, 3}).Floats(), (std::vector<float>{-1.0f, 0.0f, 126.5f}));
  EXPECT_NEAR(map.Get("h").values.at(0), 0.333f, 1e-3);
  EXPECT_EQ(map.Get("i").values, (std::vector<float>{-7.0f}));
  EXPECT_EQ(map.Get("q16").values, (std::vector<float>{2.25f}));
  EXPECT_THROW(map.Get("q", {3}), ModelError);
  EXPECT_THROW(map.Get("absent"), ModelError);
}

TEST_F(TfjsWeightsTest, ShortShardsAndBadManifestsAreErrorsNotReads) {
  Write("a.bin", F32Bytes({1.0f}));
  Write("short.json",
        R"([{"paths": ["a.bin"], "weights": [{"name": "w", "shape": [2], "dtype": "float32"}]}])");
  EXPECT_THROW(LoadWeightsManifest(dir_ / "short.json"), ModelError);
  Write("bad.json", "{not json");
  EXPECT_THROW(LoadWeightsManifest(dir_ / "bad.json"), ModelError);
  Write("escape.json", R"([{"paths": ["../x.bin"], "weights": []}])");
  EXPECT_THROW(LoadWeightsManifest(dir_ / "escape.json"), ModelError);
  Write("neg.json",
        R"([{"paths": ["a.bin"], "weights": [{"name": "w", "shape": [-1], "dtype": "float32"}]}])");
  EXPECT_THROW(LoadWeightsManifest(dir_ / "neg.json"), ModelError);
  EXPECT_THROW(LoadWeightsManifest(dir_ / "missing.json"), ModelError);
}

TEST(TfjsWeightsModels, ReadsThePublishedModels) {
  DEPICT_SKIP_WITHOUT_MODELS();
  const auto dir = testing::ModelsDir();
  const WeightMap tiny =
      LoadWeightsManifest(dir / "face-api" / "tiny_face_detector_model-weights_manifest.json");
  EXPECT_EQ(tiny.names().size(), 19u);
  EXPECT_EQ(tiny.Get("conv8/filters").shape, (std::vector<int64_t>{1, 1, 512, 25}));
  const LayersModel nsfw = LoadLayersModel(dir / "nsfwjs" / "mobilenet_v2" / "model.json");
  EXPECT_EQ(nsfw.weights.names().size(), 266u);
  EXPECT_NE(nsfw.topology_json.find("DepthwiseConv2D"), std::string::npos);
}

}  // namespace
}  // namespace depict::vision
