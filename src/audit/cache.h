// Image mode's results kept as they arrive (DIR/cache.jsonl), so a run that stops, or is run
// again with more suites, asks the backend only for what it has not answered: keyed by backend
// (its URL, or the checkpoint's hash and the engine settings), prompt, seed and image count.
#ifndef DEPICT_AUDIT_CACHE_H_
#define DEPICT_AUDIT_CACHE_H_

#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "audit/backend.h"

namespace depict::audit {

class GenerationCache {
 public:
  // Reads what `path` holds (a missing file is an empty cache; a torn last line is skipped) and
  // appends to it. Throws std::runtime_error when it cannot be written.
  explicit GenerationCache(const std::string& path);

  static std::string Key(const std::string& backend, const std::string& prompt, uint64_t seed,
                         int images);

  std::optional<Generation> Find(const std::string& key) const;
  void Add(const std::string& key, const Generation& generation);  // thread-safe
  size_t size() const { return entries_.size(); }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Generation> entries_;
  std::ofstream out_;
};

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_CACHE_H_
