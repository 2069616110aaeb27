// The languages depict reads, and how a span of text is assigned to one: by script for the
// scripts only one of them writes in, and for Latin text by CLD2 (Debian libcld2-dev) checked
// against the languages' own function words, since CLD2 alone is unreliable on short prompts.
#ifndef DEPICT_LANG_LANGUAGE_H_
#define DEPICT_LANG_LANGUAGE_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace depict::lang {

enum class Language : uint8_t { kEn, kZh, kJa, kKo, kHi, kAr, kEs, kFr, kDe, kPt, kIt, kRu };
inline constexpr int kLanguageCount = 12;

// ISO 639-1 code: "en", "zh", ...
std::string_view Code(Language language);
std::optional<Language> FromCode(std::string_view code);

// The writing systems that decide a word's language.
enum class Script : uint8_t {
  kOther,  // digits, punctuation, symbols, and scripts depict does not read
  kLatin,
  kHan,
  kKana,
  kHangul,
  kDevanagari,
  kArabic,
  kCyrillic,
};
Script ScriptOf(char32_t c);
// The script of the first character of UTF-8 `text`.
Script ScriptOfText(std::string_view text);

// Whether the language writes words without spaces between them.
bool Unspaced(Language language);
// Whether an adjective follows its noun (Romance languages, Arabic).
bool AdjectiveAfterNoun(Language language);

}  // namespace depict::lang

#endif  // DEPICT_LANG_LANGUAGE_H_
