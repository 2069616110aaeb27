// AUTOMATIC1111's web API, as its clients (webuiapi, Open WebUI, SillyTavern) call it.
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include "io/base64.h"
#include "service/json_fields.h"
#include "service/service_internal.h"

namespace depict::service {
namespace {

using nlohmann::json;

// A1111's txt2img fields; unknown ones are ignored, as A1111 ignores them.
GenerateParams ParseTxt2Img(const json& body, const std::string& default_model) {
  GenerateParams p;
  p.prompt = StringField(body, "prompt", "");
  p.negative_prompt = StringField(body, "negative_prompt", "");
  p.seed = Int64Field(body, "seed", -1);
  p.sampler = StringField(body, "sampler_name", StringField(body, "sampler_index", "Euler a"));
  p.scheduler = StringField(body, "scheduler", "Automatic");
  p.width = IntField(body, "width", 512);
  p.height = IntField(body, "height", 512);
  p.steps = IntField(body, "steps", 20);
  p.cfg_scale = FloatField(body, "cfg_scale", 7.0f);
  const int batch_size = IntField(body, "batch_size", 1), n_iter = IntField(body, "n_iter", 1);
  // Each bounded before the product, which must not overflow.
  if (batch_size < 1 || n_iter < 1 || batch_size > 4096 || n_iter > 4096) {
    throw RequestError(400, "invalid_request", "batch_size and n_iter must be from 1");
  }
  p.images = batch_size * n_iter;
  p.model = default_model;
  if (const auto o = body.find("override_settings"); o != body.end() && o->is_object()) {
    p.model = StringField(*o, "sd_model_checkpoint", default_model);
    p.clip_skip = IntField(*o, "CLIP_stop_at_last_layers", 1);
  }
  // A1111 names checkpoints "name.safetensors [hash]"; the name alone is the model.
  if (const size_t space = p.model.find(" ["); space != std::string::npos) p.model.resize(space);
  if (p.model.size() > 12 && p.model.ends_with(".safetensors")) p.model.resize(p.model.size() - 12);
  return p;
}

// A1111's img2img fields: txt2img's, and one base64 init image (a "data:image/...;base64,"
// prefix is taken off, as A1111's decode_base64_to_image does) with its denoising strength. What
// depict does not do yet is refused rather than ignored: a mask (inpainting), several init
// images, and resize modes other than 0 ("Just resize").
GenerateParams ParseImg2Img(const json& body, const std::string& default_model) {
  GenerateParams p = ParseTxt2Img(body, default_model);
  const auto images = body.find("init_images");
  if (images == body.end() || !images->is_array() || images->empty() || !(*images)[0].is_string()) {
    throw RequestError(400, "invalid_request", "init_images must be a list of one base64 image");
  }
  if (images->size() > 1) {
    throw RequestError(400, "invalid_request", "depict takes one init image per request");
  }
  std::string text = (*images)[0].get<std::string>();
  if (text.starts_with("data:image/")) {
    const size_t comma = text.find(',');
    text.erase(0, comma == std::string::npos ? text.size() : comma + 1);
  }
  std::optional<std::string> bytes = io::Base64Decode(text);
  if (!bytes || bytes->empty()) {
    throw RequestError(400, "invalid_request", "init_images[0] is not base64");
  }
  p.init_image = std::move(*bytes);
  p.denoising_strength = DoubleField(body, "denoising_strength", 0.75);  // A1111's default
  if (IntField(body, "resize_mode", 0) != 0) {
    throw RequestError(400, "invalid_request", "only resize_mode 0 (\"Just resize\") is supported");
  }
  if (const auto mask = body.find("mask"); mask != body.end() && !mask->is_null()) {
    throw RequestError(400, "invalid_request", "a mask (inpainting) is not supported yet");
  }
  return p;
}

// txt2img and img2img alike: plan, run, and answer in A1111's form.
void Generate(State& s, const httplib::Request& req, httplib::Response& res, const json& body,
              const GenerateParams& p) {
  const auto send = body.find("send_images");
  if (send != body.end() && !send->is_boolean()) {
    throw RequestError(400, "invalid_request", "send_images must be true or false");
  }
  const bool send_images = send == body.end() || send->get<bool>();
  double plan_seconds = 0.0;
  PreparedJob job = Prepare(s, p, &plan_seconds);
  if (job.plan.refusal) return SendRefusal(s, res, *job.plan.refusal);
  const json done = RunAndWait(s, std::move(job), req);
  const json& result = done.contains("result") ? done["result"] : json::object();
  json images = json::array(), seeds = json::array(), prompts = json::array(),
       infotexts = json::array(), casts = json::array();
  for (const json& image : result.value("images", json::array())) {
    if (send_images) images.push_back(image["b64_png"]);
    seeds.push_back(image["seed"]);
    prompts.push_back(image["prompt"]);
    infotexts.push_back(image["infotext"]);
    casts.push_back(image["cast"]);
  }
  const json info = {
      {"prompt", prompts.empty() ? p.prompt : prompts[0].get<std::string>()},
      {"all_prompts", prompts},
      {"negative_prompt", p.negative_prompt},
      {"all_negative_prompts", json::array()},
      {"seed", seeds.empty() ? json(nullptr) : seeds[0]},
      {"all_seeds", seeds},
      {"subseed", -1},
      {"all_subseeds", json::array()},
      {"width", p.width},
      {"height", p.height},
      {"sampler_name", p.sampler},
      {"cfg_scale", p.cfg_scale},
      {"steps", p.steps},
      {"batch_size", IntField(body, "batch_size", 1)},
      {"sd_model_name", p.model},
      {"infotexts", infotexts},
      {"denoising_strength", p.init_image.empty() ? json(nullptr) : json(p.denoising_strength)},
      {"job_timestamp", std::to_string(std::time(nullptr))},
      {"depict",
       {{"original_prompt", p.prompt},
        {"language", result.value("language", "en")},
        {"casts", casts},
        {"interrupted", done.value("status", "") == "cancelled"},
        {"plan_seconds", plan_seconds}}}};
  const json out = {{"images", images}, {"parameters", body}, {"info", info.dump()}};
  res.set_content(out.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void Txt2Img(State& s, const httplib::Request& req, httplib::Response& res) {
  const json body = ParseBody(req);
  Generate(s, req, res, body, ParseTxt2Img(body, s.default_model));
}

void Img2Img(State& s, const httplib::Request& req, httplib::Response& res) {
  json body = ParseBody(req);
  const GenerateParams p = ParseImg2Img(body, s.default_model);
  // A1111 echoes the request with init_images and mask nulled unless include_init_images.
  const auto include = body.find("include_init_images");
  if (include == body.end() || include->is_null() || !include->is_boolean() ||
      !include->get<bool>()) {
    body["init_images"] = nullptr;
    body["mask"] = nullptr;
  }
  Generate(s, req, res, body, p);
}

// A1111's progress of the caller's job (or, when it has none, of any running one).
void SendProgress(State& s, const httplib::Request& req, httplib::Response& res) {
  const std::optional<json> job = s.jobs->ProgressFor(Caller(s, req));
  double progress = 0.0, eta = 0.0;
  int step = 0, steps = 0;
  bool running = false;
  if (job) {
    running = (*job)["status"] == "running";
    step = job->value("step", 0);
    steps = job->value("steps", 0);
    const int image = job->value("image", 0), images = job->value("images", 1);
    if (running && steps > 0 && images > 0) {
      progress = (image * steps + step) / static_cast<double>(images * steps);
      eta = job->value("eta_seconds", 0.0);
    }
  }
  const int queued = s.jobs->Queued(), active = s.jobs->Running();
  const json out = {{"progress", progress},
                    {"eta_relative", eta},
                    {"state",
                     {{"skipped", false},
                      {"interrupted", false},
                      {"job", running ? "txt2img" : ""},
                      {"job_count", queued + active},
                      {"job_no", 0},
                      {"sampling_step", step},
                      {"sampling_steps", steps}}},
                    {"current_image", nullptr},
                    {"textinfo", nullptr}};
  res.set_content(out.dump(), "application/json");
}

}  // namespace

void RegisterA1111(State& s) {
  httplib::Server& http = s.http;
  http.Post("/sdapi/v1/txt2img",
            [&s](const httplib::Request& req, httplib::Response& res) { Txt2Img(s, req, res); });
  http.Post("/sdapi/v1/img2img",
            [&s](const httplib::Request& req, httplib::Response& res) { Img2Img(s, req, res); });
  http.Get("/sdapi/v1/progress", [&s](const httplib::Request& req, httplib::Response& res) {
    SendProgress(s, req, res);
  });
  // Only the caller's own running jobs: another client's is not theirs to stop.
  const auto interrupt = [&s](const httplib::Request& req, httplib::Response& res) {
    s.jobs->CancelRunning(Caller(s, req));
    res.set_content("{}", "application/json");
  };
  http.Post("/sdapi/v1/interrupt", interrupt);
  http.Post("/sdapi/v1/skip", interrupt);
  http.Get("/sdapi/v1/options", [&s](const httplib::Request&, httplib::Response& res) {
    const json out = {{"sd_model_checkpoint", s.default_model}, {"CLIP_stop_at_last_layers", 1}};
    res.set_content(out.dump(), "application/json");
  });
  // Switching the default is not offered: each request names its model (override_settings), so
  // one client never changes another's checkpoint.
  http.Post("/sdapi/v1/options", [&s](const httplib::Request& req, httplib::Response& res) {
    const json body = ParseBody(req);
    if (body.contains("sd_model_checkpoint") &&
        body["sd_model_checkpoint"] != json(s.default_model)) {
      throw RequestError(400, "invalid_request",
                         "the default checkpoint is fixed; name one per request with "
                         "override_settings.sd_model_checkpoint");
    }
    res.set_content("null", "application/json");
  });
  http.Get("/sdapi/v1/sd-models", [&s](const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const std::string& name : ModelNames(s)) {
      out.push_back({{"title", name},
                     {"model_name", name},
                     {"hash", nullptr},
                     {"sha256", nullptr},
                     {"filename", name + ".safetensors"},
                     {"config", nullptr}});
    }
    res.set_content(out.dump(), "application/json");
  });
  http.Get("/sdapi/v1/samplers", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(SamplerList().dump(), "application/json");
  });
  http.Get("/sdapi/v1/schedulers", [](const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const char* name : {"Automatic", "Uniform", "Karras", "Exponential"}) {
      out.push_back({{"name", name}, {"label", name}});
    }
    res.set_content(out.dump(), "application/json");
  });
  for (const char* empty : {"/sdapi/v1/loras", "/sdapi/v1/upscalers",
                            "/sdapi/v1/latent-upscale-modes", "/sdapi/v1/sd-vae"}) {
    http.Get(empty, [](const httplib::Request&, httplib::Response& res) {
      res.set_content("[]", "application/json");
    });
  }
  http.Post("/sdapi/v1/refresh-loras", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("null", "application/json");
  });
}

}  // namespace depict::service
