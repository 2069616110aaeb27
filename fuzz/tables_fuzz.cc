// Fuzzes the table parsers: a hostile safety rules file, synonyms file, morphology table or
// population table must give a TableError, never a crash or an endless expansion.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cast/knowledge.h"
#include "safety/rules.h"
#include "text/lemmatizer.h"
#include "text/tsv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string content(reinterpret_cast<const char*>(data), size);
  try {
    auto lemmatizer = depict::text::Lemmatizer::Load("m.tsv", "hung\thang\tv\n");
    depict::safety::Rules::Load("fuzz.tsv", content, "s.tsv", "wn:x.v.01\tbehead | cut off\n",
                                lemmatizer);
  } catch (const depict::text::TableError&) {
  }
  try {
    auto lemmatizer = depict::text::Lemmatizer::Load("fuzz.tsv", content);
    depict::safety::Rules::Load("r.tsv", "act\tx\t{wn:x.v.01} ~ <x>\n", "fuzz.tsv", content,
                                lemmatizer);
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
