// The reader on words written apart or together with others: letters typed apart to hide a
// word, and pronouns written onto Spanish and Italian verbs.
#include <algorithm>
#include <string>

#include "lang/reader.h"
#include "text/utf8.h"

namespace depict::lang {

// "s e s s o", "n u a", "v i o l a c i ó n": three or more single letters typed apart to hide a
// word are read as that word of the clause's language. Returns the tokens read, or 0.
size_t Reader::ReadSpacedLetters(size_t i) {
  const Language l = LanguageOf(i);
  if (Unspaced(l) || CharLength(static_cast<unsigned char>(text_[tokens_[i].begin])) !=
                         tokens_[i].end - tokens_[i].begin) {
    return 0;
  }
  std::string word(Span(text_, tokens_[i]));
  size_t j = i;
  while (j + 2 < tokens_.size() && IsSpace(Span(text_, tokens_[j + 1])) && Foreign(j + 2) &&
         LanguageOf(j + 2) == l && tokens_[j + 2].word && !tokens_[j + 2].number) {
    const std::string_view next = Span(text_, tokens_[j + 2]);
    if (CharLength(static_cast<unsigned char>(next[0])) != next.size()) break;
    word += next;
    j += 2;
  }
  if ((j - i) / 2 + 1 < 3) return 0;
  const Lexicon& lexicon = lexicons_.Get(l);
  const auto g = lexicon.Find(Fold(word));
  if (!g || g->Dropped()) return 0;
  pieces_.push_back(Glossed(*g, tokens_[i].begin, tokens_[j].end));
  return j - i + 1;
}

// Spanish and Italian write object and reflexive pronouns onto infinitives, gerunds and
// imperatives ("tragándose", "haciéndolo", "tagliarsi"): the verb is read, and a reflexive one
// reads as the verb done to oneself (ReflexiveVerbs: "quemándose el brazo" -> "burning one's
// arm").
bool Reader::ReadEnclitic(size_t i) {
  constexpr size_t kLongestPronoun = 5;  // "selos"
  constexpr size_t kShortestStem = 4;
  const Language l = LanguageOf(i);
  const std::string word = Fold(Span(text_, tokens_[i]));
  const Lexicon& lexicon = lexicons_.Get(l);
  const auto find_stem = [&](const std::string& stem) -> std::optional<Gloss> {
    if (auto g = lexicon.Find(stem)) return g;
    // The written accent the pronoun brought ("tragándo-se") goes with it.
    std::string plain;
    for (size_t k = 0; k < stem.size();) k += text::AppendFolded(stem, k, plain);
    if (plain != stem) {
      if (auto g = lexicon.Find(plain)) return g;
    }
    // Italian infinitives drop their final -e before the pronoun ("tagliar-si").
    if (l == Language::kIt && !stem.empty() && stem.back() == 'r') return lexicon.Find(stem + "e");
    return std::nullopt;
  };
  // The longest pronoun first ("selo" before "lo"), as data/lang/enclitics.tsv lists them.
  for (size_t n = std::min(kLongestPronoun, word.size()); n >= 2; --n) {
    if (word.size() < n + kShortestStem) continue;
    const char kind = lexicons_.Enclitic(l, std::string_view(word).substr(word.size() - n));
    if (kind == 0) continue;
    const auto g = find_stem(word.substr(0, word.size() - n));
    if (!g || g->Dropped()) continue;
    if (kind == 'R') {
      Piece self = Verbatim("", tokens_[i].begin, tokens_[i].begin, true);
      self.verbatim = false;
      self.reflexive = true;
      pieces_.push_back(std::move(self));
    }
    pieces_.push_back(Glossed(*g, tokens_[i].begin, tokens_[i].end));
    return true;
  }
  return false;
}

}  // namespace depict::lang
