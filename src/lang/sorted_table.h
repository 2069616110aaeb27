// A read-only table of "key TAB value" lines held in one string, sorted by key bytes, searched
// in place: loading it is one scan for line starts, so a dictionary of 300,000 words is ready
// in milliseconds and costs four bytes a line beyond its text.
#ifndef DEPICT_LANG_SORTED_TABLE_H_
#define DEPICT_LANG_SORTED_TABLE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace depict::lang {

class SortedTable {
 public:
  SortedTable() = default;
  // Indexes `text` (which must outlive the table). Lines starting with '#' and blank lines are
  // skipped. Throws text::TableError naming `name` if a line has no TAB or keys are not in
  // strictly increasing byte order.
  static SortedTable Index(std::string_view name, std::string_view text);
  // Builds a table from unsorted lines (a hand-written file): they are copied and sorted. A key
  // given twice is an error.
  static SortedTable FromUnsorted(std::string_view name, std::string_view text);

  // The rest of the line after "key TAB", if `key` is present.
  std::optional<std::string_view> Find(std::string_view key) const;
  size_t size() const { return lines_.size(); }

 private:
  std::string_view KeyAt(size_t i) const;
  std::shared_ptr<const std::string> owned_;  // set for FromUnsorted (stable across moves)
  std::string_view text_;
  std::vector<uint32_t> lines_;  // offsets of line starts in text_
};

}  // namespace depict::lang

#endif  // DEPICT_LANG_SORTED_TABLE_H_
