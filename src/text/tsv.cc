#include "text/tsv.h"

#include <charconv>

#include "text/utf8.h"

namespace depict::text {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

void CheckLine(std::string_view file, int line_no, std::string_view line) {
  if (line.size() > kMaxTableLineBytes) {
    FailAt(file, line_no,
           "line is " + std::to_string(line.size()) + " bytes; the limit is " +
               std::to_string(kMaxTableLineBytes));
  }
  if (const size_t nul = line.find('\0'); nul != std::string_view::npos) {
    FailAt(file, line_no, "NUL byte at column " + std::to_string(nul + 1));
  }
  if (const size_t bad = FindInvalidUtf8(line); bad != std::string_view::npos) {
    FailAt(file, line_no, "not valid UTF-8 at byte " + std::to_string(bad + 1) + " of the line");
  }
}

void FailAt(std::string_view file, int line, const std::string& message) {
  throw TableError(std::string(file) + ":" + std::to_string(line) + ": " + message);
}

std::vector<TsvRow> ReadTsv(std::string_view file, std::string_view content, size_t columns,
                            size_t max_columns) {
  if (max_columns < columns) max_columns = columns;
  std::vector<TsvRow> rows;
  int line_no = 0;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t eol = content.find('\n', pos);
    if (eol == std::string_view::npos) eol = content.size();
    const std::string_view line = content.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    CheckLine(file, line_no, line);
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    TsvRow row;
    row.line = line_no;
    size_t start = 0;
    while (true) {
      const size_t tab = line.find('\t', start);
      row.cells.push_back(
          Trim(line.substr(start, tab == std::string_view::npos ? tab : tab - start)));
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    // Trailing empty cells come from stray tabs at the end of a line; they carry nothing.
    while (row.cells.size() > columns && row.cells.back().empty()) row.cells.pop_back();
    if (row.cells.size() < columns || row.cells.size() > max_columns) {
      FailAt(file, line_no,
             "expected " + std::to_string(columns) +
                 (max_columns > columns ? "-" + std::to_string(max_columns) : "") +
                 " tab-separated columns, found " + std::to_string(row.cells.size()));
    }
    for (size_t c = 0; c < row.cells.size(); ++c) {
      if (row.cells[c].empty() && c < columns) {
        FailAt(file, line_no, "column " + std::to_string(c + 1) + " is empty (write '-' for none)");
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view piece = Trim(s.substr(start, end - start));
    if (!piece.empty()) out.push_back(piece);
    start = end + 1;
  }
  return out;
}

bool ParseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last;
}

}  // namespace depict::text
