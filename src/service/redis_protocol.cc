#include "service/redis_protocol.h"

#include <stdexcept>

namespace depict::service::redis {

nlohmann::json ParamsJson(const GenerateParams& p) {
  return {{"prompt", p.prompt},       {"negative_prompt", p.negative_prompt},
          {"model", p.model},         {"sampler", p.sampler},
          {"scheduler", p.scheduler}, {"width", p.width},
          {"height", p.height},       {"steps", p.steps},
          {"images", p.images},       {"clip_skip", p.clip_skip},
          {"cfg_scale", p.cfg_scale}, {"seed", p.seed}};
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
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("job parameters: ") + e.what());
  }
}

}  // namespace depict::service::redis
