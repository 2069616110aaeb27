// Reads the tab-separated knowledge tables under data/ (format in data/README.md).
#ifndef DEPICT_TEXT_TSV_H_
#define DEPICT_TEXT_TSV_H_

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace depict::text {

// A table that cannot be loaded. what() names the file and line: "data/x.tsv:12: ...".
class TableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TsvRow {
  int line = 0;                         // 1-based line number in the file
  std::vector<std::string_view> cells;  // views into the file's content
};

// A table line longer than this is an error (the longest real one is under 1 KiB).
constexpr size_t kMaxTableLineBytes = 16 * 1024;

// Throws TableError naming `file` and `line_no` when `line` is over kMaxTableLineBytes, holds a
// NUL byte or is not valid UTF-8.
void CheckLine(std::string_view file, int line_no, std::string_view line);

// Splits `content` into rows, skipping blank lines and lines starting with '#'. Every row must
// have exactly `columns` cells (or between `columns` and `max_columns` when max_columns > 0);
// otherwise throws TableError naming `file` and the line. Cells are trimmed of spaces and '\r'.
std::vector<TsvRow> ReadTsv(std::string_view file, std::string_view content, size_t columns,
                            size_t max_columns = 0);

// Throws TableError("FILE:LINE: message").
[[noreturn]] void FailAt(std::string_view file, int line, const std::string& message);

// Splits `s` on `sep`, dropping empty pieces and trimming spaces.
std::vector<std::string_view> Split(std::string_view s, char sep);

// Parses a decimal integer (optionally negative) covering all of `s`; false if it does not.
bool ParseInt(std::string_view s, int& out);

}  // namespace depict::text

#endif  // DEPICT_TEXT_TSV_H_
