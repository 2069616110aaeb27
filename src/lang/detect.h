// Which language each word of a prompt is in.
#ifndef DEPICT_LANG_DETECT_H_
#define DEPICT_LANG_DETECT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lang/language.h"
#include "lang/lexicon.h"
#include "lang/segmenter.h"

namespace depict::lang {

struct TokenLanguages {
  std::vector<Language> of_token;  // one per token; kEn for spaces, punctuation and numbers
  Language main = Language::kEn;   // the prompt's language (English only when nothing else is)
};

// Words in a script only one of the languages writes (Chinese and Japanese share Han: a prompt
// with kana is Japanese) take that language. Latin words are decided per clause (text between
// commas, periods, brackets, line breaks): the language whose lexicon knows most of the clause's
// words, ties going to the language of the prompt's Latin text as a whole, scored the same way
// with CLD2's guess breaking ties, and then to English.
// Whether `folded` is an English word, or one with a regular ending ("portrayed", "rats").
bool KnownEnglish(const Lexicon& english, const std::string& folded);

// Which other languages that write, or are typed, in Latin letters know `folded`: bit l of the
// result for the l-th of English, Spanish, French, German, Portuguese, Italian, then (only when
// `romanized`) Russian, Hindi, Arabic, Chinese, Japanese, Korean typed in Latin letters.
uint16_t KnownElsewhere(const Lexicons& lexicons, const std::string& folded, bool romanized);

TokenLanguages DetectLanguages(const Lexicons& lexicons, std::string_view text,
                               const std::vector<Token>& tokens);

}  // namespace depict::lang

#endif  // DEPICT_LANG_DETECT_H_
