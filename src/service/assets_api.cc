// The page at / and the OpenAPI document, compiled in from src/service/assets/ so the binary
// needs no files beside it. Both are public (no key): the page asks for a key before it calls
// the API, and the document describes the API without touching it.
#include <map>
#include <string_view>

#include "service/service_internal.h"

namespace depict {
const std::map<std::string, std::string_view>& EmbeddedServiceAssets();
}  // namespace depict

namespace depict::service {
namespace {

std::string_view ContentType(const std::string& name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

void Send(httplib::Response& res, const std::string& name) {
  const auto& assets = EmbeddedServiceAssets();
  const auto it = assets.find(name);
  if (it == assets.end()) {
    SendError(res, 404, "not_found", "no such file");
    return;
  }
  // The page runs only its own script and talks only to this server.
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                 "base-uri 'none'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::string(it->second), std::string(ContentType(name)).c_str());
}

}  // namespace

bool IsPublicAsset(const std::string& path) {
  return path == "/" || path == "/openapi.json" || path.rfind("/assets/", 0) == 0;
}

void RegisterAssets(State& s) {
  s.http.Get("/", [](const httplib::Request&, httplib::Response& res) { Send(res, "index.html"); });
  s.http.Get("/openapi.json",
             [](const httplib::Request&, httplib::Response& res) { Send(res, "openapi.json"); });
  // Only names the build embedded: a path is a key in a table, never a file to open.
  s.http.Get(R"(/assets/([A-Za-z0-9_.-]+))",
             [](const httplib::Request& req, httplib::Response& res) {
               const std::string name = req.matches[1];
               if (name == "index.html" || name == "openapi.json") {
                 SendError(res, 404, "not_found", "no such file");
                 return;
               }
               Send(res, name);
             });
}

}  // namespace depict::service
