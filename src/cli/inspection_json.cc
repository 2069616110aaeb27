#include "cli/inspection_json.h"

#include "vision/nsfw.h"

namespace depict::cli {
namespace {

nlohmann::json BoxJson(const vision::Box& b) {
  return {{"x", b.x}, {"y", b.y}, {"width", b.width}, {"height", b.height}};
}

}  // namespace

nlohmann::json InspectionJson(const vision::InspectResult& r) {
  nlohmann::json j;
  j["width"] = r.width;
  j["height"] = r.height;
  nlohmann::json nsfw = nlohmann::json::object();
  for (size_t i = 0; i < vision::kNsfwClasses.size(); ++i)
    nsfw[vision::kNsfwClasses[i]] = r.nsfw[i];
  j["nsfw"] = nsfw;
  j["faces"] = nlohmann::json::array();
  for (const vision::FaceResult& f : r.faces) {
    nlohmann::json face;
    face["box"] = BoxJson(f.box);
    face["score"] = f.score;
    nlohmann::json points = nlohmann::json::array();
    for (const vision::Point& p : f.landmarks) points.push_back({p.x, p.y});
    face["landmarks"] = points;
    if (f.has_age_gender) {
      face["gender"] = {{"label", f.gender}, {"probability", f.gender_probability}};
      face["age"] = f.age;
    } else {
      face["gender"] = nullptr;
      face["age"] = nullptr;
    }
    face["skin"] = f.skin.found ? nlohmann::json{{"ita", f.skin.ita},
                                                 {"monk", f.skin.monk},
                                                 {"fraction", f.skin.fraction}}
                                : nlohmann::json(nullptr);
    j["faces"].push_back(face);
  }
  return j;
}

}  // namespace depict::cli
