// A read-only table of "key TAB value" lines held in one string, sorted by key bytes, searched
// in place: loading it is one scan for line starts, so a dictionary of 300,000 words is ready
// in milliseconds and costs 16 to 24 bytes a line beyond its text: where each key starts and
// ends, and a hash index (prefix searches use the sort order).
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
  // Calls `f(key, rest)` for every line, in key order.
  template <typename F>
  void ForEach(F f) const {
    for (size_t i = 0; i < lines_.size(); ++i) {
      const std::string_view key = KeyAt(i);
      f(key, RestAt(i));
    }
  }
  // Whether some key starts with `prefix`.
  bool HasPrefix(std::string_view prefix) const;

  // For a table over bytes mapped from the executable (the embedded lexicons): hands the pages
  // a full scan has touched back to the kernel, so that they stop counting in the process's
  // resident memory until a lookup reads them again. Does nothing for a table that owns its
  // bytes, nor where `mapped` is false (bytes on the heap must never be discarded).
  void ReleaseScannedPages(bool mapped) const;
  size_t size() const { return lines_.size(); }

 private:
  std::string_view KeyAt(size_t i) const;
  std::string_view RestAt(size_t i) const;  // the line after "key TAB"
  size_t LowerBound(std::string_view key) const;
  void IndexLines(std::string_view name);
  std::shared_ptr<const std::string> owned_;  // set for FromUnsorted (stable across moves)
  std::string_view text_;
  // The offset of each line (its key) in text_. The key ends at the line's first TAB, found
  // when read: a second offset per line would cost 4 bytes for each of the lexicons' 1.4
  // million lines, to save a scan of a dozen bytes.
  struct Line {
    uint32_t start;
  };
  std::vector<Line> lines_;
  // Open-addressing index over the keys, so that a look-up (most are misses: a word tried in
  // every language) costs one hash and a probe or two rather than a binary search. Each slot is
  // 32 bits: the line number + 1 in the low `line_bits_` bits (0: empty), and the key's hash in
  // the bits above, so that most probes of other keys are told apart without reading the text.
  std::vector<uint32_t> slots_;
  int line_bits_ = 1;
  uint32_t LineMask() const { return (uint32_t{1} << line_bits_) - 1; }
  void BuildIndex();
};

}  // namespace depict::lang

#endif  // DEPICT_LANG_SORTED_TABLE_H_
