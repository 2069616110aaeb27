#include "audit/backend.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "audit/observe.h"
#include "audit/thumbnail.h"
#include "io/base64.h"
#include "vision/image.h"

namespace depict::audit {
namespace {

using Json = nlohmann::json;

class HttpBackend : public Backend {
 public:
  HttpBackend(std::string kind, std::string origin, std::string api_key,
              std::shared_ptr<const vision::Inspector> inspector, int timeout)
      : kind_(std::move(kind)),
        origin_(std::move(origin)),
        api_key_(std::move(api_key)),
        inspector_(std::move(inspector)),
        timeout_(timeout) {}

  std::string name() const override { return kind_; }

  Generation Generate(const std::string& prompt, int images, uint64_t seed) const override {
    httplib::Client client(origin_);
    client.set_connection_timeout(10);
    client.set_read_timeout(timeout_);
    client.set_write_timeout(60);
    httplib::Headers headers;
    if (!api_key_.empty()) headers.emplace("Authorization", "Bearer " + api_key_);
    const bool openai = kind_ == "openai";
    const Json body = openai
                          ? Json{{"prompt", prompt}, {"n", images}, {"response_format", "b64_json"}}
                          : Json{{"prompt", prompt}, {"batch_size", images}, {"seed", seed}};
    const auto res =
        client.Post(openai ? "/v1/images/generations" : "/sdapi/v1/txt2img", headers,
                    body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
    if (!res) {
      throw BackendError(kind_ + " backend at " + origin_ + ": " + httplib::to_string(res.error()));
    }
    const Json reply = Json::parse(res->body, nullptr, false);
    Generation g;
    if (res->status == 400 && Refusal(reply, g)) return g;
    if (res->status != 200 || reply.is_discarded() || !reply.is_object()) {
      throw BackendError(kind_ + " backend answered HTTP " + std::to_string(res->status) + ": " +
                         res->body.substr(0, 200));
    }
    std::vector<std::string> encoded;
    if (openai) {
      for (const Json& d : reply.value("data", Json::array())) {
        if (d.contains("b64_json") && d["b64_json"].is_string()) encoded.push_back(d["b64_json"]);
      }
    } else {
      for (const Json& i : reply.value("images", Json::array())) {
        if (i.is_string()) encoded.push_back(i.get<std::string>());
      }
    }
    if (encoded.empty()) throw BackendError(kind_ + " backend returned no images");
    for (const std::string& e : encoded) {
      std::string_view b64 = e;
      if (const size_t comma = b64.find(','); b64.starts_with("data:") && comma != b64.npos) {
        b64.remove_prefix(comma + 1);  // a data: URL
      }
      const auto decoded = io::Base64Decode(b64);
      if (!decoded) throw BackendError(kind_ + " backend returned an image that is not base64");
      const std::string& bytes = *decoded;
      try {
        const vision::Image image =
            vision::DecodeImage(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        g.inspections.push_back(inspector_->Inspect(image, FacesOnly()));
        g.thumbnails.push_back(Thumbnail(image.rgb, image.width, image.height));
      } catch (const std::exception& ex) {
        throw BackendError(kind_ + " backend returned an image depict cannot read: " + ex.what());
      }
    }
    return g;
  }

 private:
  // depict serve's {"error": {"type": "refused", ...}} and OpenAI's content_policy_violation.
  static bool Refusal(const Json& reply, Generation& g) {
    if (!reply.is_object() || !reply.contains("error") || !reply["error"].is_object()) return false;
    const Json& e = reply["error"];
    const std::string type = e.value("type", ""), code = e.value("code", "");
    if (type != "refused" && code != "content_policy_violation") return false;
    g.refused = true;
    g.category = e.value("category", "");
    g.message = e.value("message", "");
    return true;
  }

  std::string kind_, origin_;  // origin: scheme://host:port
  std::string api_key_;
  std::shared_ptr<const vision::Inspector> inspector_;
  int timeout_;
};

class StudioBackend : public Backend {
 public:
  StudioBackend(std::shared_ptr<const studio::Studio> studio, diffusion::GenerationRequest settings)
      : studio_(std::move(studio)), settings_(std::move(settings)) {}

  std::string name() const override { return "depict"; }

  Generation Generate(const std::string& prompt, int images, uint64_t seed) const override {
    studio::Request request;
    request.prompt = prompt;
    request.settings = settings_;
    request.seed = seed;
    request.images = images;
    request.inspect = true;
    Generation g;
    try {
      const studio::Result result = studio_->Run(request);
      if (result.refused()) {
        g.refused = true;
        g.category = result.plan.refusal->category;
        g.message = result.plan.refusal->message;
        return g;
      }
      for (const studio::Image& image : result.images) {
        if (!image.inspection) continue;
        g.inspections.push_back(*image.inspection);
        g.thumbnails.push_back(
            Thumbnail(image.generated.rgb, image.generated.width, image.generated.height));
      }
    } catch (const std::exception& e) {
      throw BackendError(std::string("depict backend: ") + e.what());
    }
    return g;
  }

 private:
  std::shared_ptr<const studio::Studio> studio_;
  diffusion::GenerationRequest settings_;
};

}  // namespace

std::unique_ptr<Backend> MakeHttpBackend(const std::string& kind, const std::string& url,
                                         const std::string& api_key,
                                         std::shared_ptr<const vision::Inspector> inspector,
                                         int timeout_seconds) {
  if (kind != "a1111" && kind != "openai") throw BackendError("unknown backend \"" + kind + "\"");
  static const std::regex kUrl(
      R"(^(https?)://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\])(:(\d{1,5}))?/?$)");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl)) {
    throw BackendError("--url must be http(s)://HOST[:PORT], with no path: \"" + url + "\"");
  }
  if (m[4].matched) {
    const int port = std::stoi(m[4].str());
    if (port < 1 || port > 65535) throw BackendError("--url has no valid port");
  }
  std::string origin = m[1].str() + "://" + m[2].str() + (m[3].matched ? m[3].str() : "");
  return std::make_unique<HttpBackend>(kind, std::move(origin), api_key, std::move(inspector),
                                       timeout_seconds);
}

std::unique_ptr<Backend> MakeStudioBackend(std::shared_ptr<const studio::Studio> studio,
                                           diffusion::GenerationRequest settings) {
  return std::make_unique<StudioBackend>(std::move(studio), std::move(settings));
}

}  // namespace depict::audit
