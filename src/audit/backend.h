// Where an audit in image mode gets its images: depict's own engine (a checkpoint), or any
// server speaking A1111's /sdapi/v1/txt2img or OpenAI's /v1/images/generations. Every image is
// inspected here, so each backend returns what the inspector perceived.
#ifndef DEPICT_AUDIT_BACKEND_H_
#define DEPICT_AUDIT_BACKEND_H_

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "studio/studio.h"
#include "vision/inspect.h"

namespace depict::audit {

// A backend that cannot be reached or answers what no API answers.
class BackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Generation {
  bool refused = false;
  std::string category;  // of a refusal, when the backend says ("" otherwise)
  std::string message;
  std::vector<vision::InspectResult> inspections;  // one per image, in order
  std::vector<std::string> thumbnails;  // PNG previews, one per image (audit/thumbnail.h)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Generates `images` images of `prompt` from `seed`. Throws BackendError.
  virtual Generation Generate(const std::string& prompt, int images, uint64_t seed) const = 0;
};

// `kind` "a1111" or "openai"; `url` http(s)://host[:port];
// `api_key` sent as a Bearer token when not empty. Thread-safe.
std::unique_ptr<Backend> MakeHttpBackend(const std::string& kind, const std::string& url,
                                         const std::string& api_key,
                                         std::shared_ptr<const vision::Inspector> inspector,
                                         int timeout_seconds = 600);

// depict's engine through the studio (plan, generate, inspect); `settings` sets size and steps.
std::unique_ptr<Backend> MakeStudioBackend(std::shared_ptr<const studio::Studio> studio,
                                           diffusion::GenerationRequest settings);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_BACKEND_H_
