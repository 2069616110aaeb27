#include "audit/cache.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "io/base64.h"

namespace depict::audit {
namespace {

using Json = nlohmann::json;

// What image mode reads of an inspection: each face's box size, perceived gender and age, and
// skin tone. The rest of the inspection is not kept.
Json ToJson(const Generation& g) {
  Json images = Json::array();
  for (const vision::InspectResult& r : g.inspections) {
    Json faces = Json::array();
    for (const vision::FaceResult& f : r.faces) {
      faces.push_back({{"w", f.box.width},
                       {"h", f.box.height},
                       {"seen", f.has_age_gender},
                       {"gender", f.gender},
                       {"age", f.age},
                       {"skin", f.skin.found},
                       {"monk", f.skin.monk}});
    }
    images.push_back(faces);
  }
  return {
      {"refused", g.refused}, {"category", g.category}, {"message", g.message}, {"images", images}};
}

Generation FromJson(const Json& j) {
  Generation g;
  g.refused = j.at("refused").get<bool>();
  g.category = j.at("category").get<std::string>();
  g.message = j.at("message").get<std::string>();
  for (const Json& faces : j.at("images")) {
    vision::InspectResult r;
    for (const Json& f : faces) {
      vision::FaceResult face;
      face.box.width = f.at("w").get<double>();
      face.box.height = f.at("h").get<double>();
      face.has_age_gender = f.at("seen").get<bool>();
      face.gender = f.at("gender").get<std::string>();
      face.age = f.at("age").get<double>();
      face.skin.found = f.at("skin").get<bool>();
      face.skin.monk = f.at("monk").get<int>();
      r.faces.push_back(face);
    }
    g.inspections.push_back(std::move(r));
  }
  for (const Json& t : j.value("thumbnails", Json::array())) {
    g.thumbnails.push_back(io::Base64Decode(t.get<std::string>()).value_or(""));
  }
  return g;
}

}  // namespace

GenerationCache::GenerationCache(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (in && std::getline(in, line)) {
    const Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("key")) continue;  // a torn line
    try {
      entries_[j.at("key").get<std::string>()] = FromJson(j.at("result"));
    } catch (const Json::exception&) {
      continue;
    } catch (const BackendError&) {
      continue;
    }
  }
  // A run killed mid-write leaves a torn last line: the next entry starts on a line of its own.
  bool torn = false;
  if (std::ifstream tail(path, std::ios::binary | std::ios::ate); tail && tail.tellg() > 0) {
    tail.seekg(-1, std::ios::end);
    torn = tail.get() != '\n';
  }
  out_.open(path, std::ios::binary | std::ios::app);
  if (!out_) throw std::runtime_error("cannot write " + path);
  if (torn) out_ << "\n";
}

std::string GenerationCache::Key(const std::string& backend, const std::string& prompt,
                                 uint64_t seed, int images) {
  return Json::array({backend, prompt, seed, images})
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<Generation> GenerationCache::Find(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void GenerationCache::Add(const std::string& key, const Generation& generation) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[key] = generation;
  out_ << Json{{"key", key}, {"result", ToJson(generation)}}.dump(-1, ' ', false,
                                                                  Json::error_handler_t::replace)
       << "\n";
  out_.flush();
}

}  // namespace depict::audit
