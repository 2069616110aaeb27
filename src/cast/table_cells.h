// Reading the cells of the knowledge tables: value sets, years, eras, genders. Each function
// throws text::TableError naming the file and line of a malformed cell.
#ifndef DEPICT_CAST_TABLE_CELLS_H_
#define DEPICT_CAST_TABLE_CELLS_H_

#include <string>
#include <string_view>

#include "cast/knowledge.h"

namespace depict::cast {

// The content of table file `name`; throws when the set lacks it.
const std::string& FileContent(const TableFiles& files, const std::string& name);
// "white,black", "*" (all), "-" (none).
ValueSet ParseSet(std::string_view file, int line, Dim dim, std::string_view cell);
// A set, or "role:SET" when only the role implies it.
StatedValue ParseStated(std::string_view file, int line, Dim dim, std::string_view cell);
// An integer year, negative for BC, or "now".
int ParseYear(std::string_view file, int line, std::string_view cell);
// "FROM..TO", or "-" for none.
Era ParseEra(std::string_view file, int line, std::string_view cell);
// "man", "woman", or "-" (-1).
int ParseGender(std::string_view file, int line, std::string_view cell);

}  // namespace depict::cast

#endif  // DEPICT_CAST_TABLE_CELLS_H_
