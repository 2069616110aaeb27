#include "io/models_dir.h"

#include <cstdlib>
#include <system_error>

namespace depict::io {

std::filesystem::path ModelsDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("DEPICT_MODELS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef DEPICT_SOURCE_DIR
  const std::filesystem::path source = std::filesystem::path(DEPICT_SOURCE_DIR) / "models";
  std::error_code ec;
  if (std::filesystem::is_directory(source, ec)) return source;
#endif
  return "models";
}

}  // namespace depict::io
