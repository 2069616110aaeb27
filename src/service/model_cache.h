// The checkpoints a server or worker may generate with: the default one, loaded at start and
// kept, and any *.safetensors inside the checkpoints folder, loaded when a request first names
// it and kept while the loaded ones fit a memory limit (by file size; the least recently used
// one that no request holds goes first). A model is never unloaded under a request: each holds
// its own reference.
#ifndef DEPICT_SERVICE_MODEL_CACHE_H_
#define DEPICT_SERVICE_MODEL_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "diffusion/pipeline.h"

namespace depict::service {

// A name that is no checkpoint here (what() says which).
class UnknownModel : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class ModelCache {
 public:
  // Loads `default_model` (a file, or a name inside `checkpoints`) unless `load_default` is
  // false (a server whose workers generate only needs the names). Throws what
  // StableDiffusion::Load throws.
  ModelCache(const std::string& default_model, std::string checkpoints, std::string models_dir,
             int64_t limit_bytes, bool load_default = true);

  const std::string& default_name() const { return default_name_; }
  // The default first, then the folder's *.safetensors by name (without the extension).
  std::vector<std::string> Names() const;
  // The model `name` names ("" the default) and its A1111 short hash. Throws UnknownModel for a
  // name that is not the default and not a file inside the folder (no path, no "..", no
  // symbolic link out), and the loader's errors.
  std::shared_ptr<const diffusion::StableDiffusion> Get(const std::string& name, std::string& hash);
  // Drops the loaded models no request holds, but the default: a checkpoint replaced on disk is
  // read again when next named.
  void ForgetUnused();
  // Models loaded now, and their bytes (file sizes).
  size_t loaded() const;
  int64_t loaded_bytes() const;

 private:
  struct Entry {
    std::shared_ptr<const diffusion::StableDiffusion> model;
    std::string hash;
    int64_t bytes = 0;
    uint64_t last_used = 0;
  };
  void Evict();  // mu_ held
  int64_t loaded_bytes_locked() const;

  std::string default_name_;
  const std::string checkpoints_, models_dir_;
  const int64_t limit_bytes_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> loaded_;
  uint64_t clock_ = 0;
};

}  // namespace depict::service

#endif  // DEPICT_SERVICE_MODEL_CACHE_H_
