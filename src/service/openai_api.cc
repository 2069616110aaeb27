// OpenAI's images API (what the `openai` clients call), with the prompt the planner actually
// sent as `revised_prompt`.
#include <ctime>

#include "service/json_fields.h"
#include "service/service_internal.h"

namespace depict::service {
namespace {

using nlohmann::json;

void ParseSize(const std::string& size, GenerateParams& p) {
  const size_t x = size.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument(size);
    size_t used = 0;
    p.width = std::stoi(size.substr(0, x), &used);
    if (used != x) throw std::invalid_argument(size);
    p.height = std::stoi(size.substr(x + 1), &used);
    if (used != size.size() - x - 1) throw std::invalid_argument(size);
  } catch (const std::exception&) {
    throw RequestError(400, "invalid_request_error", "size must be WIDTHxHEIGHT, as \"512x512\"");
  }
}

void Generations(State& s, const httplib::Request& req, httplib::Response& res) {
  const json body = ParseBody(req);
  GenerateParams p;
  p.prompt = StringField(body, "prompt", "");
  p.images = IntField(body, "n", 1);
  p.model = StringField(body, "model", s.default_model);
  ParseSize(StringField(body, "size", "512x512"), p);
  if (StringField(body, "response_format", "b64_json") != "b64_json") {
    throw RequestError(400, "invalid_request_error",
                       "depict answers with response_format b64_json only");
  }
  // OpenAI's model names mean nothing here: those pick the default checkpoint.
  if (p.model.rfind("dall-e", 0) == 0 || p.model.rfind("gpt-image", 0) == 0) {
    p.model = s.default_model;
  }
  PreparedJob job = Prepare(s, p);
  if (job.plan.refusal) return SendRefusal(s, res, *job.plan.refusal);
  const json done = RunAndWait(s, std::move(job), req);
  json data = json::array();
  for (const json& image : done.value("result", json::object()).value("images", json::array())) {
    data.push_back({{"b64_json", image["b64_png"]}, {"revised_prompt", image["prompt"]}});
  }
  const json out = {{"created", static_cast<int64_t>(std::time(nullptr))}, {"data", data}};
  res.set_content(out.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

}  // namespace

void RegisterOpenAi(State& s) {
  s.http.Post("/v1/images/generations", [&s](const httplib::Request& req, httplib::Response& res) {
    Generations(s, req, res);
  });
  s.http.Get("/v1/models", [&s](const httplib::Request&, httplib::Response& res) {
    json data = json::array();
    for (const std::string& name : ModelNames(s)) {
      data.push_back({{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "depict"}});
    }
    res.set_content(json{{"object", "list"}, {"data", data}}.dump(), "application/json");
  });
}

}  // namespace depict::service
