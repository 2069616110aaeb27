#include "service/model_cache.h"

#include <filesystem>

#include "io/file.h"
#include "io/models_dir.h"

namespace depict::service {
namespace {

namespace fs = std::filesystem;

int64_t BytesOf(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    int64_t total = 0;
    for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
      if (e.is_regular_file(ec) && e.path().extension() == ".safetensors") {
        total += static_cast<int64_t>(e.file_size(ec));
      }
    }
    return total;
  }
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

}  // namespace

ModelCache::ModelCache(const std::string& default_model, std::string checkpoints,
                       std::string models_dir, int64_t limit_bytes, bool load_default)
    : checkpoints_(std::move(checkpoints)),
      models_dir_(std::move(models_dir)),
      limit_bytes_(limit_bytes) {
  fs::path path = default_model;
  // A bare name is a checkpoint of the folder, as a request would name it.
  if (!checkpoints_.empty() && !fs::exists(path) && path.parent_path().empty()) {
    path = io::ResolveInside(checkpoints_, default_model, {".safetensors"}, "checkpoint");
  }
  default_name_ = (path.filename().empty() ? path.parent_path() : path).stem().string();
  if (!load_default) return;
  diffusion::LoadOptions load;
  load.models_dir = io::ModelsDir(models_dir_).string();
  Entry entry;
  entry.model = diffusion::StableDiffusion::Load(path, load);
  default_name_ = entry.model->info().name;
  entry.hash = diffusion::ShortFileHash(path);
  entry.bytes = BytesOf(path);
  loaded_[default_name_] = std::move(entry);
}

std::vector<std::string> ModelCache::Names() const {
  std::vector<std::string> names = {default_name_};
  if (checkpoints_.empty()) return names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(checkpoints_, ec)) {
    if (entry.path().extension() != ".safetensors" || !entry.is_regular_file(ec)) continue;
    const std::string name = entry.path().stem().string();
    if (name != default_name_) names.push_back(name);
  }
  return names;
}

std::shared_ptr<const diffusion::StableDiffusion> ModelCache::Get(const std::string& name,
                                                                  std::string& hash) {
  const std::string wanted = name.empty() ? default_name_ : name;
  std::lock_guard<std::mutex> lock(mu_);
  if (const auto it = loaded_.find(wanted); it != loaded_.end()) {
    it->second.last_used = ++clock_;
    hash = it->second.hash;
    return it->second.model;
  }
  if (checkpoints_.empty()) throw UnknownModel("unknown model '" + wanted + "'");
  fs::path path;
  try {
    path = io::ResolveInside(checkpoints_, wanted, {".safetensors"}, "checkpoint");
  } catch (const io::FileError&) {
    throw UnknownModel("unknown model '" + wanted + "'");
  }
  diffusion::LoadOptions load;
  load.models_dir = io::ModelsDir(models_dir_).string();
  Entry entry;
  entry.model = diffusion::StableDiffusion::Load(path, load);
  entry.hash = diffusion::ShortFileHash(path);
  entry.bytes = BytesOf(path);
  entry.last_used = ++clock_;
  hash = entry.hash;
  auto model = entry.model;
  loaded_[wanted] = std::move(entry);
  Evict();
  return model;
}

void ModelCache::Evict() {
  for (;;) {
    if (limit_bytes_ <= 0 || loaded_bytes_locked() <= limit_bytes_) return;
    auto victim = loaded_.end();
    for (auto it = loaded_.begin(); it != loaded_.end(); ++it) {
      // Held by a request (or just handed out): not this one.
      if (it->first == default_name_ || it->second.model.use_count() > 1) continue;
      if (victim == loaded_.end() || it->second.last_used < victim->second.last_used) victim = it;
    }
    if (victim == loaded_.end()) return;  // everything left is in use
    loaded_.erase(victim);
  }
}

void ModelCache::ForgetUnused() {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(loaded_, [this](const auto& entry) {
    return entry.first != default_name_ && entry.second.model.use_count() == 1;
  });
}

size_t ModelCache::loaded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loaded_.size();
}

int64_t ModelCache::loaded_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loaded_bytes_locked();
}

int64_t ModelCache::loaded_bytes_locked() const {
  int64_t total = 0;
  for (const auto& [name, entry] : loaded_) total += entry.bytes;
  return total;
}

}  // namespace depict::service
