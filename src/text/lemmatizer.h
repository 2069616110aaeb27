// English lemma candidates by WordNet's morphy: irregular forms from WordNet's exception lists
// (data/lexicon/morphology.tsv), regular ones by its detachment rules (-s, -es, -ies, -ed, -ing,
// -er, -est, -men). Used where a table names a word once and a prompt may inflect it.
#ifndef DEPICT_TEXT_LEMMATIZER_H_
#define DEPICT_TEXT_LEMMATIZER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/string_table.h"

namespace depict::text {

class Lemmatizer {
 public:
  // Reads the morphology table (form, lemma, part of speech). Throws TableError naming the line.
  static std::shared_ptr<const Lemmatizer> Load(std::string_view file, std::string_view content);

  // Appends to `out` the lemmas a lowercase word may have, most likely first: irregular lemmas,
  // then what each detachment rule leaves ("hanging" -> "hang", "hange"). The word itself is not
  // appended. Candidates are not checked against a lexicon: like morphy, the caller keeps those
  // its own lexicon knows, so a wrong candidate ("hange") matches nothing; given `lexicon`,
  // only candidates it holds are appended.
  void Candidates(std::string_view word, std::vector<std::string>& out,
                  const StringTable* lexicon = nullptr) const;

  size_t exception_count() const { return forms_.size(); }

 private:
  StringTable forms_;                             // irregular forms
  std::vector<std::vector<std::string>> lemmas_;  // by form id
};

}  // namespace depict::text

#endif  // DEPICT_TEXT_LEMMATIZER_H_
