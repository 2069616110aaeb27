// Japanese verbs and adjectives read from their dictionary forms (lang/deinflect_ja.h) where
// ICU splits them from their endings.
#include "lang/deinflect_ja.h"
#include "lang/reader.h"

namespace depict::lang {

// A Japanese verb that ICU split between its stem and its endings ("切り|落とさ|れた"): the
// longest run of two to four tokens that conjugates a listed word, read as that word. Returns
// the tokens read, or 0.
size_t Reader::ReadConjugated(size_t i) {
  if (LanguageOf(i) != Language::kJa) return 0;
  size_t last = i;
  while (last + 1 < tokens_.size() && last - i < 3 && Foreign(last + 1) &&
         LanguageOf(last + 1) == Language::kJa && tokens_[last + 1].begin == tokens_[last].end) {
    ++last;
  }
  // Endings are written in hiragana (U+3041-U+309F, UTF-8 E3 81 81 - E3 82 9F): a run whose
  // last token starts with anything else ends in no ending.
  const auto hiragana_start = [&](size_t k) {
    const std::string_view s = text_.substr(tokens_[k].begin, 3);
    return s.size() == 3 && static_cast<unsigned char>(s[0]) == 0xE3 &&
           (static_cast<unsigned char>(s[1]) == 0x81 || static_cast<unsigned char>(s[1]) == 0x82);
  };
  while (last > i && !hiragana_start(last)) --last;
  if (last == i) return 0;
  const Lexicon& lexicon = lexicons_.Get(Language::kJa);
  for (size_t e = last; e > i; --e) {
    if (!hiragana_start(e)) continue;
    const std::string form =
        Fold(text_.substr(tokens_[i].begin, tokens_[e].end - tokens_[i].begin));
    if (lexicon.Find(form)) return 0;  // a listed word or phrase: ReadPhrase reads it
    for (const std::string& base : JapaneseBaseForms(form)) {
      if (auto g = lexicon.Find(base); g && !g->Dropped()) {
        pieces_.push_back(Glossed(*g, tokens_[i].begin, tokens_[e].end));
        return e - i + 1;
      }
    }
  }
  return 0;
}

}  // namespace depict::lang
