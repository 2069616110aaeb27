#include "cast/table_cells.h"

#include "text/tsv.h"

namespace depict::cast {

using text::FailAt;
using text::ParseInt;
using text::Split;

const std::string& FileContent(const TableFiles& files, const std::string& name) {
  const auto it = files.find(name);
  if (it == files.end()) throw text::TableError(name + ": table file is missing");
  return it->second;
}

ValueSet ParseSet(std::string_view file, int line, Dim dim, std::string_view cell) {
  if (cell == "-") return 0;
  if (cell == "*") return AllValues(dim);
  ValueSet set = 0;
  for (std::string_view name : Split(cell, ',')) {
    const int v = ParseValue(dim, name);
    if (v < 0) {
      FailAt(file, line, "unknown " + std::string(DimName(dim)) + " '" + std::string(name) + "'");
    }
    set |= Bit(v);
  }
  return set;
}

StatedValue ParseStated(std::string_view file, int line, Dim dim, std::string_view cell) {
  StatedValue out;
  if (cell.starts_with("role:")) {
    out.from_role = true;
    cell.remove_prefix(5);
  }
  out.values = ParseSet(file, line, dim, cell);
  if (out.values == AllValues(dim)) out.values = 0;  // "*" states nothing
  return out;
}

int ParseYear(std::string_view file, int line, std::string_view cell) {
  if (cell == "now") return kNow;
  int year = 0;
  if (!ParseInt(cell, year) || year < -10000000 || year > kNow) {
    FailAt(file, line, "bad year '" + std::string(cell) + "'");
  }
  return year;
}

Era ParseEra(std::string_view file, int line, std::string_view cell) {
  if (cell == "-") return {};
  const size_t dots = cell.find("..");
  if (dots == std::string_view::npos) {
    FailAt(file, line, "bad era '" + std::string(cell) + "' (write FROM..TO)");
  }
  Era era{ParseYear(file, line, cell.substr(0, dots)),
          ParseYear(file, line, cell.substr(dots + 2))};
  if (era.from > era.to)
    FailAt(file, line, "era '" + std::string(cell) + "' ends before it starts");
  if (!era.known()) era.to = 1;  // 0..0 is a real (if odd) era; keep it distinguishable from none
  return era;
}

int ParseGender(std::string_view file, int line, std::string_view cell) {
  if (cell == "-") return -1;
  const int g = ParseValue(Dim::kGender, cell);
  if (g < 0) FailAt(file, line, "unknown gender '" + std::string(cell) + "'");
  return g;
}

}  // namespace depict::cast
