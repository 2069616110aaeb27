// Fuzzes the table parsers: a hostile safety rules file or population table must give a
// TableError, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cast/knowledge.h"
#include "safety/rules.h"
#include "text/tsv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string content(reinterpret_cast<const char*>(data), size);
  try {
    depict::safety::Rules::Load("fuzz.tsv", content);
  } catch (const depict::text::TableError&) {
  }
  try {
    depict::cast::TableFiles files;
    files["places/populations.tsv"] = content;
    depict::cast::Knowledge::Load(files);
  } catch (const depict::text::TableError&) {
  }
  return 0;
}
