// diffusers config files as a hostile folder may hold them: wrong types, unknown prediction
// types, values out of range, FIFOs and directories in place of files.
#include "diffusion/diffusers_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "io/file.h"

namespace depict::diffusion {
namespace {

namespace fs = std::filesystem;

// The message of the DiffusersConfigError `fn` throws ("" if none).
template <typename Fn>
std::string ErrorOf(Fn fn) {
  try {
    fn();
  } catch (const DiffusersConfigError& e) {
    return e.what();
  }
  return "";
}

std::string UnetError(const std::string& json) {
  return ErrorOf([&] { UnetOptionsFromConfig(json, "m/unet/config.json", {}); });
}
std::string VaeError(const std::string& json) {
  return ErrorOf([&] { VaeOptionsFromConfig(json, "m/vae/config.json", {}); });
}
std::string SchedulerError(const std::string& json) {
  return ErrorOf([&] { PredictionFromSchedulerConfig(json, "m/scheduler/s.json"); });
}

TEST(DiffusersConfigTest, ReadsTheSettingsOfRealConfigs) {
  const UnetOptions sd1 = UnetOptionsFromConfig(
      R"({"_class_name": "UNet2DConditionModel", "norm_num_groups": 16, "attention_head_dim": 4,
          "block_out_channels": [32, 64], "cross_attention_dim": 64})",
      "u", {});
  EXPECT_EQ(sd1.norm_groups, 16);
  EXPECT_EQ(sd1.num_heads, 4);
  EXPECT_EQ(sd1.head_dim, 0);
  const UnetOptions sd2 = UnetOptionsFromConfig(
      R"({"attention_head_dim": [5, 10, 20, 20], "num_attention_heads": null,
          "block_out_channels": [320, 640, 1280, 1280]})",
      "u", {});
  EXPECT_EQ(sd2.head_dim, 64);
  const VaeOptions vae = VaeOptionsFromConfig(R"({"scaling_factor": 0.13025})", "v", {});
  EXPECT_FLOAT_EQ(vae.scaling_factor, 0.13025f);
  EXPECT_EQ(vae.norm_groups, 32);  // the default, untouched
  EXPECT_EQ(PredictionFromSchedulerConfig(R"({"prediction_type": "v_prediction"})", "s"),
            Prediction::kV);
  EXPECT_EQ(PredictionFromSchedulerConfig(R"({"prediction_type": "epsilon"})", "s"),
            Prediction::kEpsilon);
  EXPECT_EQ(PredictionFromSchedulerConfig(R"({"beta_start": 0.00085})", "s"), std::nullopt);
}

// Were silently read as epsilon, or ignored.
TEST(DiffusersConfigTest, UnknownValuesAndWrongTypesNameTheFileKeyAndType) {
  EXPECT_EQ(SchedulerError(R"({"prediction_type": "evil"})"),
            "m/scheduler/s.json: \"prediction_type\" must be \"epsilon\" or \"v_prediction\", not "
            "\"evil\"");
  EXPECT_NE(SchedulerError(R"({"prediction_type": "sample"})"), "");
  EXPECT_EQ(SchedulerError(R"({"prediction_type": 1})"),
            "m/scheduler/s.json: \"prediction_type\" must be a string, not an integer");
  EXPECT_EQ(UnetError(R"({"norm_num_groups": "16"})"),
            "m/unet/config.json: \"norm_num_groups\" must be an integer, not a string");
  EXPECT_EQ(VaeError(R"({"norm_num_groups": 16.5})"),
            "m/vae/config.json: \"norm_num_groups\" must be an integer, not a fractional number");
  EXPECT_EQ(VaeError(R"({"scaling_factor": "0.18"})"),
            "m/vae/config.json: \"scaling_factor\" must be a number, not a string");
  EXPECT_EQ(UnetError(R"({"attention_head_dim": {"a": 1}})"),
            "m/unet/config.json: \"attention_head_dim\" must be an integer or a list of integers, "
            "not a object");
  EXPECT_EQ(UnetError(R"({"attention_head_dim": [8, "8"], "block_out_channels": [64, 64]})"),
            "m/unet/config.json: \"attention_head_dim\" must be an integer, not a string");
  EXPECT_NE(UnetError(R"({"attention_head_dim": [8, 8]})").find("\"block_out_channels\""),
            std::string::npos);
  EXPECT_EQ(UnetError("[1, 2]"), "m/unet/config.json: expected a JSON object, found a array");
  const std::string syntax = UnetError(R"({"norm_num_groups": secret})");
  EXPECT_NE(syntax.find("m/unet/config.json: not valid JSON"), std::string::npos) << syntax;
  EXPECT_EQ(syntax.find("secret"), std::string::npos) << syntax;
}

TEST(DiffusersConfigTest, NumbersOutOfRangeAreErrors) {
  EXPECT_EQ(UnetError(R"({"norm_num_groups": 0})"),
            "m/unet/config.json: \"norm_num_groups\" must be between 1 and 1024, not 0");
  EXPECT_NE(UnetError(R"({"norm_num_groups": 18446744073709551615})"), "");
  EXPECT_NE(UnetError(R"({"norm_num_groups": -5})"), "");
  EXPECT_NE(UnetError(R"({"num_attention_heads": 100000})"), "");
  EXPECT_NE(UnetError(R"({"attention_head_dim": [0], "block_out_channels": [64]})"), "");
  EXPECT_NE(UnetError(R"({"attention_head_dim": [3], "block_out_channels": [64]})"), "");
  for (const char* bad : {"0", "-0.18", "1e300", "101"}) {
    EXPECT_NE(VaeError(std::string(R"({"scaling_factor": )") + bad + "}"), "") << bad;
  }
}

std::string TempPath(const std::string& suffix) {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  return testing::TempDir() + "depict_dc_" + info->name() + "_" + std::to_string(getpid()) + suffix;
}

TEST(DiffusersConfigTest, FifosAndDirectoriesAreErrorsNotHangs) {
  EXPECT_EQ(ReadDiffusersConfig(TempPath("_missing.json")), std::nullopt);
  const std::string fifo = TempPath("_fifo.json");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  try {
    ReadDiffusersConfig(fifo);
    ADD_FAILURE() << "a FIFO was read";
  } catch (const io::FileError& e) {
    EXPECT_NE(std::string(e.what()).find("diffusers config must be a regular file, not a FIFO"),
              std::string::npos)
        << e.what();
  }
  fs::remove(fifo);
  const std::string dir = TempPath("_dir.json");
  fs::create_directories(dir);
  try {
    ReadDiffusersConfig(dir);  // was "basic_filebuf::underflow error"
    ADD_FAILURE() << "a directory was read";
  } catch (const io::FileError& e) {
    EXPECT_NE(std::string(e.what()).find("not a directory"), std::string::npos) << e.what();
  }
  fs::remove(dir);
  const std::string file = TempPath("_ok.json");
  std::ofstream(file) << R"({"prediction_type": "epsilon"})";
  EXPECT_EQ(ReadDiffusersConfig(file), R"({"prediction_type": "epsilon"})");
  fs::remove(file);
}

}  // namespace
}  // namespace depict::diffusion
