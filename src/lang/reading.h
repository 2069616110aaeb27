// The English reading of a prompt: what the planner and the safety gate read when the prompt is
// in another language, with a map from every byte of the reading back to the prompt.
#ifndef DEPICT_LANG_READING_H_
#define DEPICT_LANG_READING_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lang/language.h"
#include "lang/lexicon.h"

namespace depict::lang {

class Reading {
 public:
  // The prompt's language: English, or the language most of its other-language words are in.
  Language language() const { return language_; }
  const std::string& text() const { return text_; }
  // True when the reading is the prompt itself (an English prompt).
  bool identity() const { return begin_.empty(); }
  // Byte offsets in the reading -> byte offsets in the prompt read: a reading word maps to the
  // whole prompt word or phrase it came from.
  uint32_t MapStart(uint32_t offset) const;
  uint32_t MapEnd(uint32_t offset) const;
  // The prompt span a reading span [start, end) came from. Words move when a reading puts an
  // adjective before its noun, so this is the smallest span covering all of them.
  std::pair<uint32_t, uint32_t> MapSpan(uint32_t start, uint32_t end) const;
  // Spans of the reading that are names the front end kept or romanised ("Kelalunsi Tuomasi",
  // "Helene Fischer"): real people, though no table of names knows them.
  const std::vector<std::pair<uint32_t, uint32_t>>& names() const { return names_; }
  // Whether words in Latin letters were read as another script's language ("nangi", "luoti").
  // Such a reading is a guess: the words may have been English after all ("ching chong").
  bool romanized() const { return romanized_; }

 private:
  friend class ReadingBuilder;
  Language language_ = Language::kEn;
  std::string text_;
  std::vector<uint32_t> begin_, end_;  // per byte of text_ (empty when identity)
  std::vector<std::pair<uint32_t, uint32_t>> names_;
  bool romanized_ = false;
  uint32_t source_size_ = 0;
};

// Reads `prompt` (valid UTF-8, already normalised by text::NormalizePrompt). English text is
// kept as it is; each word in another language becomes its dictionary reading, names in other
// scripts are romanised, and Romance and Arabic adjectives move before their nouns.
// Who a word romanised from another script may be ("ejnstejn", "nepoliyan"): the name to read
// it as ("Einstein", "Napoleon"), or "" when it is nobody the caller knows.
using NameLookup = std::function<std::string(std::string_view romanized)>;

Reading Read(const Lexicons& lexicons, std::string_view prompt, const NameLookup* names = nullptr);

}  // namespace depict::lang

#endif  // DEPICT_LANG_READING_H_
