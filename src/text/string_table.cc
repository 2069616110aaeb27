#include "text/string_table.h"

#include <algorithm>
#include <atomic>

namespace depict::text {

StringTable::StringTable() {
  static std::atomic<uint64_t> next{1};
  serial_ = next.fetch_add(1);
}

uint64_t StringTable::HashOf(std::string_view s) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a, 64-bit
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h ^ (h >> 29);
}

int StringTable::Find(std::string_view s) const {
  if (slots_.empty()) return -1;
  const size_t mask = slots_.size() - 1;
  for (size_t i = HashOf(s) & mask;; i = (i + 1) & mask) {
    const int id = slots_[i];
    if (id < 0) return -1;
    if (strings_[id] == s) return id;
  }
}

void StringTable::Place(int id) {
  const size_t mask = slots_.size() - 1;
  size_t i = HashOf(strings_[id]) & mask;
  while (slots_[i] >= 0) i = (i + 1) & mask;
  slots_[i] = id;
}

int StringTable::Add(std::string_view s) {
  if (const int id = Find(s); id >= 0) return id;
  strings_.emplace_back(s);
  const int id = static_cast<int>(strings_.size()) - 1;
  if (strings_.size() * 2 > slots_.size()) {
    slots_.assign(std::max<size_t>(64, slots_.size() * 2), -1);
    for (int k = 0; k <= id; ++k) Place(k);
  } else {
    Place(id);
  }
  return id;
}

}  // namespace depict::text
