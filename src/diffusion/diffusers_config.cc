#include "diffusion/diffusers_config.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>
#include <vector>

#include "io/file.h"

namespace depict::diffusion {
namespace {

using nlohmann::json;

[[noreturn]] void Fail(const std::string& file, std::string_view key, const std::string& what) {
  throw DiffusersConfigError(file + ": \"" + std::string(key) + "\" " + what);
}

// The value's JSON type as a message names it.
std::string TypeOf(const json& v) {
  return v.is_number() ? (v.is_number_integer() ? "an integer" : "a fractional number")
                       : std::string("a ") + v.type_name();
}

json Parse(std::string_view text, const std::string& file) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    // nlohmann's what() ends with "; last read: '...'", text of the file: keep the kind only.
    std::string kind = e.what();
    throw DiffusersConfigError(file + ": not valid JSON (" +
                               kind.substr(0, kind.find("; last read")) + ")");
  }
  if (!root.is_object()) {
    throw DiffusersConfigError(file + ": expected a JSON object, found " + TypeOf(root));
  }
  return root;
}

// The value of `key`, or null when it is missing (diffusers' null means "the default" too).
const json& Find(const json& config, std::string_view key) {
  static const json kNull;
  const auto it = config.find(key);
  return it == config.end() ? kNull : *it;
}

int IntIn(const json& v, const std::string& file, std::string_view key, int lo, int hi) {
  if (!v.is_number_integer()) {
    Fail(file, key, "must be an integer, not " + TypeOf(v));
  }
  const auto fits = [&](auto n) {
    return std::cmp_less_equal(lo, n) && std::cmp_less_equal(n, hi);
  };
  const bool ok = v.is_number_unsigned() ? fits(v.get<uint64_t>()) : fits(v.get<int64_t>());
  if (!ok) {
    Fail(file, key,
         "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not " +
             v.dump());
  }
  return static_cast<int>(v.get<int64_t>());
}

std::optional<int> OptionalInt(const json& config, const std::string& file, std::string_view key,
                               int lo, int hi) {
  const json& v = Find(config, key);
  if (v.is_null()) return std::nullopt;
  return IntIn(v, file, key, lo, hi);
}

// The heads of SD 2.x's per-block list ([5, 10, 20, 20] over [320, 640, 1280, 1280]) must all
// be of one size, which is the form depict's UNet takes.
int HeadDimOfBlocks(const json& config, const json& heads, const std::string& file,
                    std::string_view key) {
  const json& channels = Find(config, "block_out_channels");
  if (!channels.is_array() || channels.size() != heads.size()) {
    Fail(file, key,
         "is a list of " + std::to_string(heads.size()) +
             " head counts, so \"block_out_channels\" must be a list of as many "
             "integers");
  }
  int head_dim = 0;
  for (size_t i = 0; i < heads.size(); ++i) {
    const int h = IntIn(heads[i], file, key, 1, kMaxConfigHeads);
    const int c = IntIn(channels[i], file, "block_out_channels", 1, kMaxConfigChannels);
    if (c % h != 0 || (head_dim != 0 && c / h != head_dim)) {
      Fail(file, key, "gives blocks heads of different sizes, which depict does not support");
    }
    head_dim = c / h;
  }
  return head_dim;
}

}  // namespace

std::optional<std::string> ReadDiffusersConfig(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(file, ec))) return std::nullopt;
  return io::ReadRegularFile(file.string(), kMaxDiffusersConfigBytes, "diffusers config");
}

UnetOptions UnetOptionsFromConfig(std::string_view json_text, const std::string& file,
                                  UnetOptions defaults) {
  const json config = Parse(json_text, file);
  UnetOptions options = defaults;
  if (auto groups = OptionalInt(config, file, "norm_num_groups", 1, kMaxConfigGroups)) {
    options.norm_groups = *groups;
  }
  std::string_view key = "num_attention_heads";
  const json* heads = &Find(config, key);
  if (heads->is_null()) {
    key = "attention_head_dim";
    heads = &Find(config, key);
  }
  if (heads->is_null()) return options;
  if (heads->is_array()) {
    options.head_dim = HeadDimOfBlocks(config, *heads, file, key);
  } else if (heads->is_number_integer()) {
    options.num_heads = IntIn(*heads, file, key, 1, kMaxConfigHeads);
    options.head_dim = 0;
  } else {
    Fail(file, key, "must be an integer or a list of integers, not " + TypeOf(*heads));
  }
  return options;
}

VaeOptions VaeOptionsFromConfig(std::string_view json_text, const std::string& file,
                                VaeOptions defaults) {
  const json config = Parse(json_text, file);
  VaeOptions options = defaults;
  if (auto groups = OptionalInt(config, file, "norm_num_groups", 1, kMaxConfigGroups)) {
    options.norm_groups = *groups;
  }
  const json& scale = Find(config, "scaling_factor");
  if (!scale.is_null()) {
    if (!scale.is_number()) Fail(file, "scaling_factor", "must be a number, not " + TypeOf(scale));
    const double v = scale.get<double>();
    if (!(std::isfinite(v) && v > 0.0 && v <= kMaxConfigScalingFactor)) {
      Fail(file, "scaling_factor", "must be a number above 0 and at most 100, not " + scale.dump());
    }
    options.scaling_factor = static_cast<float>(v);
  }
  return options;
}

std::optional<Prediction> PredictionFromSchedulerConfig(std::string_view json_text,
                                                        const std::string& file) {
  const json config = Parse(json_text, file);
  const json& type = Find(config, "prediction_type");
  if (type.is_null()) return std::nullopt;
  if (!type.is_string()) {
    Fail(file, "prediction_type", "must be a string, not " + TypeOf(type));
  }
  const std::string name = type.get<std::string>();
  if (name == "epsilon") return Prediction::kEpsilon;
  if (name == "v_prediction") return Prediction::kV;
  Fail(file, "prediction_type",
       "must be \"epsilon\" or \"v_prediction\", not " +
           json(name.substr(0, 40)).dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace depict::diffusion
