#include "lang/sorted_table.h"

#include <algorithm>

#include "text/tsv.h"

namespace depict::lang {
namespace {

std::string_view LineAt(std::string_view text, size_t start) {
  const size_t end = text.find('\n', start);
  return text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
}

std::string_view KeyOf(std::string_view line) { return line.substr(0, line.find('\t')); }

std::vector<uint32_t> LineStarts(std::string_view name, std::string_view text) {
  if (text.size() >= UINT32_MAX) throw text::TableError(std::string(name) + ": too large");
  std::vector<uint32_t> starts;
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
      starts.push_back(static_cast<uint32_t>(pos));
    }
    pos += line.size() + 1;
  }
  return starts;
}

}  // namespace

SortedTable SortedTable::Index(std::string_view name, std::string_view text) {
  SortedTable t;
  t.text_ = text;
  t.lines_ = LineStarts(name, text);
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
  for (uint32_t start : LineStarts(name, text)) lines.push_back(LineAt(text, start));
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
  t.lines_ = LineStarts(name, t.text_);
  for (size_t i = 1; i < t.lines_.size(); ++i) {
    if (t.KeyAt(i - 1) == t.KeyAt(i)) {
      throw text::TableError(std::string(name) + ": '" + std::string(t.KeyAt(i)) +
                             "' is given twice");
    }
  }
  return t;
}

std::string_view SortedTable::KeyAt(size_t i) const { return KeyOf(LineAt(text_, lines_[i])); }

std::optional<std::string_view> SortedTable::Find(std::string_view key) const {
  size_t lo = 0, hi = lines_.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const std::string_view k = KeyAt(mid);
    if (k < key) {
      lo = mid + 1;
    } else if (key < k) {
      hi = mid;
    } else {
      const std::string_view line = LineAt(text_, lines_[mid]);
      return line.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

}  // namespace depict::lang
