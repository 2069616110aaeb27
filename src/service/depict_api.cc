// depict's own API: the plan of a prompt (who will be drawn and why, or the refusal and its
// reasons) without generating, the health check, and the tables' reload.
#include "plan/plan_json.h"
#include "service/json_fields.h"
#include "service/service_internal.h"

namespace depict::service {

void RegisterDepict(State& s) {
  s.http.Get("/healthz", [&s](const httplib::Request&, httplib::Response& res) {
    const nlohmann::json out = {{"status", "ok"}, {"model", s.default_model}};
    res.set_content(out.dump(), "application/json");
  });
  // Prometheus' text format (service/metrics.h); behind the API keys like every route.
  s.http.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    std::string text = s.metrics.Text(s.jobs->Queued(), s.jobs->Running());
    text +=
        "# HELP depict_models_loaded Checkpoints loaded in this process.\n"
        "# TYPE depict_models_loaded gauge\ndepict_models_loaded " +
        std::to_string(s.models->loaded()) +
        "\n# HELP depict_models_loaded_bytes Their files' sizes.\n"
        "# TYPE depict_models_loaded_bytes gauge\ndepict_models_loaded_bytes " +
        std::to_string(s.models->loaded_bytes()) + "\n";
    res.set_content(text, "text/plain; version=0.0.4");
  });
  // The plan is the answer, refused or not: 200 with "decision": "refuse" and its reasons.
  s.http.Post("/v1/plan", [&s](const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = ParseBody(req);
    const std::string prompt = StringField(body, "prompt", "");
    const int images = IntField(body, "images", 1);
    const uint64_t seed = Uint64Field(body, "seed", 0);
    if (images < 0 || images > s.config.max_images) {
      throw RequestError(400, "invalid_request",
                         "images must be from 0 to " + std::to_string(s.config.max_images));
    }
    try {
      const plan::Plan plan = s.planner->Run(prompt, {images, seed});
      s.metrics.Planned();
      if (plan.refusal) s.metrics.Refused(plan.refusal->category);
      res.set_content(plan::ToJson(plan), "application/json");
    } catch (const plan::InputError& e) {
      throw RequestError(400, "invalid_request", e.what());
    }
  });
  // Loads and checks the tables again, then swaps them in: running plans finish on the old set,
  // a bad set is rejected and the current one stays.
  s.http.Post("/v1/admin/reload", [&s](const httplib::Request&, httplib::Response& res) {
    try {
      ReloadAll(s);
    } catch (const std::exception& e) {
      throw RequestError(422, "reload_rejected", e.what());
    }
    res.set_content(nlohmann::json{{"reloaded", true}}.dump(), "application/json");
  });
}

}  // namespace depict::service
