// One generation for any API family: its limits, its plan, the model it names, and waiting for
// it on behalf of a client that may go away.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <utility>

#include "diffusion/init_image.h"
#include "diffusion/png_writer.h"
#include "io/base64.h"
#include "io/file.h"
#include "io/models_dir.h"
#include "service/peer.h"
#include "service/service_internal.h"
#include "vision/image.h"

namespace depict::service {
namespace {

namespace fs = std::filesystem;

// The width and height a PNG or JPEG header claims (0, 0 when neither can be read): checked
// before decoding, since a 1 MiB body can hold a PNG of 100 megapixels of one colour.
std::pair<uint64_t, uint64_t> HeaderSize(std::string_view data) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(data[i]); };
  const auto be16 = [&](size_t i) { return (uint64_t{byte(i)} << 8) | byte(i + 1); };
  if (data.size() >= 24 && data.starts_with("\x89PNG\r\n\x1a\n")) {
    return {(be16(16) << 16) | be16(18), (be16(20) << 16) | be16(22)};  // IHDR
  }
  // JPEG: the segments after SOI up to the first start-of-frame (SOF0-15 but DHT, JPG, DAC).
  for (size_t pos = 2; data.size() >= 4 && byte(0) == 0xFF && byte(1) == 0xD8 &&
                       pos + 9 <= data.size() && byte(pos) == 0xFF;
       pos += 2 + be16(pos + 2)) {
    const uint8_t marker = byte(pos + 1);
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      return {be16(pos + 7), be16(pos + 5)};
    }
  }
  return {0, 0};
}

std::shared_ptr<const diffusion::StableDiffusion> ModelFor(State& s, const std::string& name,
                                                           std::string& hash) {
  try {
    return s.models->Get(name, hash);
  } catch (const UnknownModel& e) {
    throw RequestError(400, "invalid_request", e.what());
  }
}

}  // namespace

void CheckLimits(const Config& c, const GenerateParams& p) {
  const auto bad = [](const std::string& message) {
    throw RequestError(400, "invalid_request", message);
  };
  if (p.width < 64 || p.height < 64 || p.width > c.max_side || p.height > c.max_side) {
    bad("width and height must be from 64 to " + std::to_string(c.max_side));
  }
  if (p.steps < 1 || p.steps > c.max_steps) {
    bad("steps must be from 1 to " + std::to_string(c.max_steps));
  }
  if (p.images < 1 || p.images > c.max_images) {
    bad("a request makes 1 to " + std::to_string(c.max_images) + " images");
  }
  if (!(p.cfg_scale >= 0.0f && p.cfg_scale <= 100.0f)) bad("cfg_scale must be from 0 to 100");
  if (p.clip_skip < 1 || p.clip_skip > 12) bad("clip_skip must be from 1 to 12");
  if (!p.init_image.empty() && !(p.denoising_strength >= 0.0 && p.denoising_strength <= 1.0)) {
    bad("denoising_strength must be from 0 to 1");
  }
  // An init image is resized to at most max_side x max_side: one of more than four times that
  // area is refused before it is decoded (each queued job holds its decoded image).
  const auto [w, h] = HeaderSize(p.init_image);
  const auto most = uint64_t{4} * static_cast<uint64_t>(c.max_side) * c.max_side;
  if (w * h > most) {
    bad("init_images[0] is " + std::to_string(w) + "x" + std::to_string(h) +
        ", more than 4 times --max-side squared (" + std::to_string(most) + " pixels)");
  }
}

studio::Request StudioRequest(const GenerateParams& p) {
  studio::Request request;
  request.prompt = p.prompt;
  request.images = p.images;
  try {
    request.seed = diffusion::ResolveSeed(p.seed).value;
    request.settings.sampler = diffusion::ParseSampler(p.sampler, p.scheduler);
    plan::CheckPrompt(p.prompt);
    if (!p.negative_prompt.empty()) plan::CheckPrompt(p.negative_prompt);
  } catch (const std::invalid_argument& e) {
    throw RequestError(400, "invalid_request", e.what());
  } catch (const plan::InputError& e) {
    throw RequestError(400, "invalid_request", e.what());
  }
  request.settings.negative_prompt = p.negative_prompt;
  request.settings.width = p.width;
  request.settings.height = p.height;
  request.settings.steps = p.steps;
  request.settings.cfg_scale = p.cfg_scale;
  request.settings.clip_skip = p.clip_skip;
  if (!p.init_image.empty()) {
    // Decoded here, where a local job and a queue worker both build their request: the image
    // travels as its file's bytes.
    try {
      vision::Image image = vision::DecodeImage(
          reinterpret_cast<const uint8_t*>(p.init_image.data()), p.init_image.size());
      request.settings.init_image = std::make_shared<const diffusion::InitImage>(
          diffusion::InitImage{image.width, image.height, std::move(image.rgb)});
    } catch (const vision::ImageError& e) {
      throw RequestError(400, "invalid_request", std::string("init_images[0]: ") + e.what());
    }
    request.settings.denoising_strength = p.denoising_strength;
  }
  return request;
}

PreparedJob Prepare(State& s, const GenerateParams& p, double* plan_seconds) {
  CheckLimits(s.config, p);
  PreparedJob job;
  job.params = p;
  job.request = StudioRequest(p);
  job.request.batch = std::max(1, s.config.max_batch);
  // The seed drawn for -1 travels with the job, so a worker makes the same images.
  job.params.seed = static_cast<int64_t>(job.request.seed);
  const studio::Request& request = job.request;

  studio::Parts parts;
  parts.planner = s.planner;
  const auto start = std::chrono::steady_clock::now();
  try {
    job.plan = studio::Studio(parts).Plan(request);
  } catch (const plan::InputError& e) {
    throw RequestError(400, "invalid_request", e.what());
  }
  if (plan_seconds != nullptr) {
    *plan_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  s.metrics.Planned();
  if (job.plan.refusal || !s.config.queue.empty()) return job;
  parts.model = ModelFor(s, p.model, parts.model_hash);
  parts.loras = Loras(s);
  job.studio = std::make_shared<const studio::Studio>(std::move(parts));
  // What the engine would refuse is refused here, before the job is queued: a prompt the text
  // encoder cannot take (more than 32 chunks of 75 tokens) among them.
  try {
    for (const diffusion::GenerationRequest& image :
         job.studio->EngineRequests(job.request, job.plan)) {
      job.studio->parts().model->ContextChunks(image);
    }
  } catch (const std::invalid_argument& e) {
    throw RequestError(400, "invalid_request", e.what());
  }
  return job;
}

nlohmann::json RunAndWait(State& s, PreparedJob job, const httplib::Request& req) {
  const std::string owner = Caller(s, req);
  const std::string id = s.jobs->Submit(std::move(job), owner);
  const int port = s.port;
  nlohmann::json status = s.jobs->Wait(
      id, owner, [&req, port] { return !PeerClosed(port, req.remote_addr, req.remote_port); });
  if (status.value("status", "") == "failed") {
    const std::string type = status.value("error_type", "internal");
    const int code = type == "timeout" ? 504 : type == "internal" ? 500 : 400;
    throw RequestError(code, type, status.value("error", "internal error"));
  }
  return status;
}

nlohmann::json ImagesJson(const std::vector<studio::Image>& images) {
  nlohmann::json out = nlohmann::json::array();
  for (const studio::Image& image : images) {
    const diffusion::GeneratedImage& g = image.generated;
    std::vector<std::pair<std::string, std::string>> text = {{"parameters", image.infotext}};
    if (!image.cast_json.empty()) text.emplace_back("depict", image.cast_json);
    const std::string png = diffusion::EncodePng(g.rgb, g.width, g.height, text);
    nlohmann::json cast = nlohmann::json::parse(image.cast_json, nullptr, false);
    out.push_back({{"b64_png", io::Base64Encode(png)},
                   {"prompt", g.prompt},
                   {"seed", g.seed},
                   {"infotext", image.infotext},
                   {"cast", cast.is_discarded() ? nlohmann::json() : cast}});
  }
  return out;
}

nlohmann::json SamplerList() {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& name : diffusion::SamplerNames()) {
    out.push_back({{"name", name}, {"aliases", nlohmann::json::array()}, {"options", {}}});
  }
  return out;
}

}  // namespace depict::service
