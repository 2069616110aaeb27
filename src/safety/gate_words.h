// What the safety gate reads: the prompt's words, each with every form it may stand for, so that
// one table entry matches inflections ("hanged" -> hang), leetspeak ("s3x"), letters spread out
// ("n u d e", "n.u.d.e", "n-a-k-e-d"), a starred letter ("p*rn") and stretched words ("nuuude").
// Homoglyphs, zero-width characters and HTML references are already gone: the gate reads the
// normalised prompt (text/normalize.h) through the lexer's confusable folding.
#ifndef DEPICT_SAFETY_GATE_WORDS_H_
#define DEPICT_SAFETY_GATE_WORDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "text/lemmatizer.h"
#include "text/lexer.h"
#include "text/string_table.h"

namespace depict::safety {

struct GateWord {
  uint32_t start = 0;  // byte span in the prompt
  uint32_t end = 0;
  uint32_t first_form = 0;  // forms are GateWords::forms[first_form, first_form + form_count)
  uint32_t form_count = 0;
  uint32_t spelling_count = 0;  // the first forms are spellings; the rest are their lemmas
};

struct GateWords {
  std::vector<GateWord> words;
  std::vector<std::string> forms;  // each word's forms: as written first, then alternatives
  std::vector<int> form_ids;       // each form's id in the vocabulary, -1 if it has none
  // Words a phrase's gap does not count ("12 year old" in "touching a 12 year old girl's
  // genitals"): an age in years is one attribute however many words spell it. Empty: none.
  std::vector<bool> light;
};

// Builds the gate's words from the lexer's tokens of `prompt`. A lemma is kept only where
// `vocabulary` (the words the tables use) has it: any other lemma could match nothing.
// With `typos`, a word of six letters or more that no form of which the tables use and that
// `known` says is no word ("suicde", "handcufs") also stands for the table word one edit away
// with its first letter (one only: two candidates, and it stands for neither). A word of four or
// five letters stands for one only by a DeliberateSlip ("nakd", "sexxy").
struct TypoReader {
  const std::function<bool(std::string_view)>* known = nullptr;
  // The table words with a word's first two letters and this length.
  std::function<const std::vector<int>&(std::string_view, size_t)> targets;
};
// `typed` is `word` with one vowel left out ("nakd") or one letter doubled ("sexxy").
bool DeliberateSlip(std::string_view typed, std::string_view word);

GateWords ReadGateWords(std::string_view prompt, const text::TokenList& tokens,
                        const text::Lemmatizer& lemmatizer, const text::StringTable& vocabulary,
                        const TypoReader& typos = {});

}  // namespace depict::safety

#endif  // DEPICT_SAFETY_GATE_WORDS_H_
