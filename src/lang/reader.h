// Internal to src/lang: the reader that builds a prompt's English reading, shared by its
// files (reader.cc: reading words; reader_rules.cc: the rules that put the reading in English
// order; reading.cc: the reading's map and the entry point).
#ifndef DEPICT_LANG_READER_H_
#define DEPICT_LANG_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lang/detect.h"
#include "lang/lexicon.h"
#include "lang/reading.h"
#include "lang/segmenter.h"

namespace depict::lang {

// One unit of the reading: a prompt span and what it reads as.
struct Piece {
  std::string text;
  uint32_t begin = 0, end = 0;  // the span of the prompt it reads
  bool verbatim = false;        // copied from the prompt byte for byte
  bool word = false;            // needs a space before it after another word
  bool adjective = false, noun = false;
  bool name = false;       // a name: kept as written, or romanised from another script
  bool romanized = false;  // a word no dictionary knows, romanised: perhaps a name
  char article = 0;        // 'M' or 'F': a singular article that marks its noun's gender
  bool reflexive = false;  // "se", "sich": the hand table's flag r
  bool auxiliary = false;  // "ha", "hat", "est": the hand table's flag u
};

class ReadingBuilder {
 public:
  static Reading Build(Language language, const std::vector<Piece>& pieces,
                       std::string_view source);
  static void SetRomanized(Reading& r, bool romanized) { r.romanized_ = romanized; }
  // A reading of a cleaned copy of the prompt, mapped back onto the prompt itself. An identity
  // reading of the copy becomes a reading of the copy's words (the copy is not the prompt).
  static void MapToSource(Reading& r, std::string_view clean, std::string_view prompt,
                          const std::vector<uint32_t>& to_source) {
    if (r.begin_.empty()) {
      r.text_ = std::string(clean);
      for (size_t k = 0; k < clean.size(); ++k) {
        r.begin_.push_back(to_source[k]);
        r.end_.push_back(to_source[k] + 1);
      }
    } else {
      for (size_t k = 0; k < r.begin_.size(); ++k) {
        r.begin_[k] = to_source[r.begin_[k]];
        r.end_[k] = r.end_[k] >= to_source.size() ? static_cast<uint32_t>(prompt.size())
                                                  : to_source[r.end_[k]];
      }
    }
    // A byte that ends inside a replaced character maps to that character's end.
    for (size_t k = 0; k < r.end_.size(); ++k) {
      uint32_t e = r.end_[k];
      while (e < prompt.size() && (static_cast<unsigned char>(prompt[e]) & 0xC0) == 0x80) ++e;
      r.end_[k] = std::max(e, r.begin_[k]);
    }
    r.source_size_ = static_cast<uint32_t>(prompt.size());
  }
};

std::string_view Span(std::string_view text, const Token& t);
bool IsSpace(std::string_view s);
bool IsNameDot(std::string_view s);
std::string_view AsciiPunctuation(std::string_view s);
size_t CharLength(unsigned char lead);
Piece Glossed(const Gloss& g, uint32_t begin, uint32_t end);
Piece Verbatim(std::string_view text, uint32_t begin, uint32_t end, bool word);
std::string RomanizeName(std::string_view part);
bool RussianSurname(std::string_view folded);
bool Capitalised(std::string_view word);

class Reader {
 public:
  Reader(const Lexicons& lexicons, std::string_view text, const NameLookup* names = nullptr)
      : lexicons_(lexicons), text_(text), tokens_(Segment(text)), known_names_(names) {}

  Reading Run();

 private:
  Language LanguageOf(size_t i) const { return languages_.of_token[i]; }
  bool Foreign(size_t i) const { return tokens_[i].word && LanguageOf(i) != Language::kEn; }
  size_t ReadNumber(size_t i);
  size_t ReadName(size_t i);
  size_t ReadLatinName(size_t i);
  bool Stops(size_t k) const;
  bool IsPersonWord(std::string_view english) const;
  bool IsTitle(std::string_view english) const;
  bool LastWordHas(std::string_view english, char flag) const;
  bool SaysGender(std::string_view english) const;
  size_t ReadPhrase(size_t i);
  size_t ReadPinyin(size_t i);
  bool ReadAffixed(size_t i);
  size_t ReadSpacedLetters(size_t i);
  bool ReadEnclitic(size_t i);
  void ReadCharacters(size_t i);
  void FullNamesFromRomanized(size_t from, Language language);
  size_t ReadConjugated(size_t i);
  void ReorderAdjectives(size_t from, Language language);
  void ApplyRunRules(size_t from, Language language);
  void GenderFromArticles(size_t from, Language language);
  void GermanGenitives(size_t from, Language language);
  void ReflexiveVerbs(size_t from, Language language);
  std::optional<Gloss> RomanizedHarmWord(std::string_view word) const;
  void TitlesBeforeNames(size_t from, Language language);
  void ModifiersOfPersons(size_t from, Language language);
  void NamesFromRomanized(size_t from, Language language);
  // Whether the word next to piece k is also a capitalised word no dictionary knows
  // ("Ольга Бузова").
  bool CapitalisedNeighbour(size_t k) const;
  bool KoreanNameShape(std::string_view word) const;
  bool KoreanFullName(std::string_view word) const;
  static bool KoreanEndingSyllable(std::string_view word);
  static bool CommonKoreanSurname(std::string_view word);

  const Lexicons& lexicons_;
  std::string_view text_;
  std::vector<Token> tokens_;
  const NameLookup* known_names_;
  TokenLanguages languages_;
  std::vector<Piece> pieces_;
  bool romanized_ = false;
};

}  // namespace depict::lang

#endif  // DEPICT_LANG_READER_H_
