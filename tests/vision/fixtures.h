// Reference outputs of the original JS models (tools/vision-parity/parity.js) and the synthetic
// inputs that made them.
#ifndef DEPICT_TESTS_VISION_FIXTURES_H_
#define DEPICT_TESTS_VISION_FIXTURES_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vision/nn.h"

namespace depict::vision::testing {

inline std::filesystem::path FixtureDir() {
  return std::filesystem::path(DEPICT_FIXTURES) / "vision";
}
inline std::filesystem::path ModelsDir() { return std::filesystem::path(DEPICT_MODELS_DIR); }

inline bool HaveModels() {
  return std::filesystem::exists(ModelsDir() / "face-api" / "tiny_face_detector_model.bin") &&
         std::filesystem::exists(ModelsDir() / "nsfwjs" / "mobilenet_v2" / "model.json");
}

#define DEPICT_SKIP_WITHOUT_MODELS()                                                     \
  if (!::depict::vision::testing::HaveModels())                                          \
  GTEST_SKIP() << "vision models absent from " << ::depict::vision::testing::ModelsDir() \
               << " (run scripts/fetch-models.sh)"

inline const nlohmann::json& Parity() {
  static const nlohmann::json j = [] {
    std::ifstream in(FixtureDir() / "parity.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

inline std::vector<float> ReadF32(const std::string& name) {
  std::ifstream in(FixtureDir() / (name + ".f32"), std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

// value(i) = (i * 2654435761 mod 2^32) >> 24, as parity.js's hashValues.
inline Map HashMap(int h, int w, int c = 3) {
  Map m = Map::Zeros(h, w, c);
  for (int64_t i = 0; i < m.size(); ++i) {
    m.data()[i] = static_cast<float>((static_cast<uint32_t>(i) * 2654435761u) >> 24);
  }
  return m;
}

inline float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0.0f;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

}  // namespace depict::vision::testing

#endif  // DEPICT_TESTS_VISION_FIXTURES_H_
