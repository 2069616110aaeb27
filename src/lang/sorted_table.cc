#include "lang/sorted_table.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <functional>

#include "text/tsv.h"

namespace depict::lang {
namespace {

std::string_view LineAt(std::string_view text, size_t start) {
  const size_t end = text.find('\n', start);
  return text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
}

std::string_view KeyOf(std::string_view line) { return line.substr(0, line.find('\t')); }

// Calls `f(start)` for every line that holds a key; checks the line's form.
template <typename F>
void ForEachLineStart(std::string_view name, std::string_view text, F f) {
  if (text.size() >= UINT32_MAX) throw text::TableError(std::string(name) + ": too large");
  size_t pos = 0;
  size_t number = 0;
  while (pos < text.size()) {
    ++number;
    const std::string_view line = LineAt(text, pos);
    if (!line.empty() && line[0] != '#') {
      if (line.find('\t') == std::string_view::npos || line.front() == '\t') {
        throw text::TableError(std::string(name) + ":" + std::to_string(number) +
                               ": expected key TAB value");
      }
      f(static_cast<uint32_t>(pos));
    }
    pos += line.size() + 1;
  }
}

}  // namespace

SortedTable SortedTable::Index(std::string_view name, std::string_view text) {
  SortedTable t;
  t.text_ = text;
  t.IndexLines(name);
  for (size_t i = 1; i < t.lines_.size(); ++i) {
    if (!(t.KeyAt(i - 1) < t.KeyAt(i))) {
      throw text::TableError(std::string(name) + ": keys out of order or repeated at '" +
                             std::string(t.KeyAt(i)) + "'");
    }
  }
  return t;
}

SortedTable SortedTable::FromUnsorted(std::string_view name, std::string_view text) {
  std::vector<std::string_view> lines;
  ForEachLineStart(name, text, [&](uint32_t start) { lines.push_back(LineAt(text, start)); });
  std::stable_sort(lines.begin(), lines.end(),
                   [](std::string_view a, std::string_view b) { return KeyOf(a) < KeyOf(b); });
  auto owned = std::make_shared<std::string>();
  for (std::string_view line : lines) {
    owned->append(line);
    owned->push_back('\n');
  }
  SortedTable t;
  t.owned_ = owned;
  t.text_ = *owned;
  t.IndexLines(name);
  for (size_t i = 1; i < t.lines_.size(); ++i) {
    if (t.KeyAt(i - 1) == t.KeyAt(i)) {
      throw text::TableError(std::string(name) + ": '" + std::string(t.KeyAt(i)) +
                             "' is given twice");
    }
  }
  return t;
}

void SortedTable::ReleaseScannedPages(bool mapped) const {
  if (!mapped || owned_ != nullptr || text_.empty()) return;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(text_.data());
  const uintptr_t first = (begin + page - 1) / page * page;
  const uintptr_t last = (begin + text_.size()) / page * page;
  // Only whole pages inside the table: a neighbour's bytes on a shared page stay resident.
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

void SortedTable::IndexLines(std::string_view name) {
  // Reserved up front: a dictionary's line array grown by doubling would briefly need twice
  // its size, and peak memory is what a batch run is judged by.
  lines_.reserve(static_cast<size_t>(std::count(text_.begin(), text_.end(), '\n')) + 1);
  ForEachLineStart(name, text_, [&](uint32_t start) { lines_.push_back({start}); });
  BuildIndex();
}

namespace {

uint32_t Hash32(std::string_view key) {
  const uint64_t h = std::hash<std::string_view>{}(key);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

}  // namespace

void SortedTable::BuildIndex() {
  size_t size = 16;
  while (size < lines_.size() * 2) size *= 2;
  line_bits_ = 1;
  while ((size_t{1} << line_bits_) <= lines_.size()) ++line_bits_;
  if (line_bits_ > 28) throw text::TableError("a table of more than 2^28 lines");
  slots_.assign(size, 0);
  for (size_t i = 0; i < lines_.size(); ++i) {
    const uint32_t h = Hash32(KeyAt(i));
    size_t slot = h & (size - 1);
    while (slots_[slot] != 0) slot = (slot + 1) & (size - 1);
    slots_[slot] = (h & ~LineMask()) | static_cast<uint32_t>(i + 1);
  }
}

std::string_view SortedTable::KeyAt(size_t i) const {
  const size_t start = lines_[i].start;
  return text_.substr(start, text_.find('\t', start) - start);
}

size_t SortedTable::LowerBound(std::string_view key) const {
  size_t lo = 0, hi = lines_.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (KeyAt(mid) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::string_view SortedTable::RestAt(size_t i) const {
  const std::string_view line = LineAt(text_, lines_[i].start);
  return line.substr(line.find('\t') + 1);
}

bool SortedTable::HasPrefix(std::string_view prefix) const {
  const size_t i = LowerBound(prefix);
  return i < lines_.size() && KeyAt(i).starts_with(prefix);
}

std::optional<std::string_view> SortedTable::Find(std::string_view key) const {
  if (slots_.empty()) return std::nullopt;
  const uint32_t h = Hash32(key);
  const size_t mask = slots_.size() - 1;
  for (size_t slot = h & mask; slots_[slot] != 0; slot = (slot + 1) & mask) {
    if ((slots_[slot] & ~LineMask()) != (h & ~LineMask())) continue;
    const size_t line = (slots_[slot] & LineMask()) - 1;
    if (KeyAt(line) == key) return RestAt(line);
  }
  return std::nullopt;
}

}  // namespace depict::lang
