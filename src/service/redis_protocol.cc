#include "service/redis_protocol.h"

#include <optional>
#include <stdexcept>
#include <string>

#include "io/base64.h"

namespace depict::service::redis {

nlohmann::json ParamsJson(const GenerateParams& p) {
  nlohmann::json j = {{"prompt", p.prompt},       {"negative_prompt", p.negative_prompt},
                      {"model", p.model},         {"sampler", p.sampler},
                      {"scheduler", p.scheduler}, {"width", p.width},
                      {"height", p.height},       {"steps", p.steps},
                      {"images", p.images},       {"clip_skip", p.clip_skip},
                      {"cfg_scale", p.cfg_scale}, {"seed", p.seed}};
  if (!p.init_image.empty()) {  // img2img only: txt2img jobs look as they always did
    j["init_image"] = io::Base64Encode(p.init_image);
    j["denoising_strength"] = p.denoising_strength;
  }
  return j;
}

GenerateParams ParamsFromJson(const nlohmann::json& j) {
  try {
    GenerateParams p;
    p.prompt = j.at("prompt").get<std::string>();
    p.negative_prompt = j.at("negative_prompt").get<std::string>();
    p.model = j.at("model").get<std::string>();
    p.sampler = j.at("sampler").get<std::string>();
    p.scheduler = j.at("scheduler").get<std::string>();
    p.width = j.at("width").get<int>();
    p.height = j.at("height").get<int>();
    p.steps = j.at("steps").get<int>();
    p.images = j.at("images").get<int>();
    p.clip_skip = j.at("clip_skip").get<int>();
    p.cfg_scale = j.at("cfg_scale").get<float>();
    p.seed = j.at("seed").get<int64_t>();
    if (j.contains("init_image")) {
      const std::optional<std::string> image =
          io::Base64Decode(j.at("init_image").get<std::string>());
      if (!image) throw std::invalid_argument("job parameters: init_image is not base64");
      p.init_image = *image;
      p.denoising_strength = j.at("denoising_strength").get<double>();
    }
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("job parameters: ") + e.what());
  }
}

}  // namespace depict::service::redis
