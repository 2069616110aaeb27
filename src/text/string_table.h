// Interns strings with dense ids: open addressing over a power-of-two table with FNV-1a. The
// safety gate and the lemmatizer look up every form of every word of every prompt, and
// std::unordered_map's modulo and node chasing showed in their profiles.
#ifndef DEPICT_TEXT_STRING_TABLE_H_
#define DEPICT_TEXT_STRING_TABLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace depict::text {

class StringTable {
 public:
  StringTable();
  StringTable(const StringTable&) = delete;
  StringTable& operator=(const StringTable&) = delete;
  StringTable(StringTable&&) = default;
  StringTable& operator=(StringTable&&) = default;

  // Unique to this table in this process, so callers can tell a reloaded table from the old one
  // even at the same address.
  uint64_t serial() const { return serial_; }

  // The id of `s`, or -1.
  int Find(std::string_view s) const;
  // The id of `s`, adding it if new.
  int Add(std::string_view s);
  const std::string& at(int id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

 private:
  static uint64_t HashOf(std::string_view s);
  void Place(int id);
  std::vector<std::string> strings_;  // by id
  std::vector<int> slots_;            // an id, or -1; at most half full
  uint64_t serial_ = 0;
};

}  // namespace depict::text

#endif  // DEPICT_TEXT_STRING_TABLE_H_
