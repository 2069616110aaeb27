#include "lang/language.h"

#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <array>

namespace depict::lang {
namespace {

constexpr std::array<std::string_view, kLanguageCount> kCodes = {
    "en", "zh", "ja", "ko", "hi", "ar", "es", "fr", "de", "pt", "it", "ru"};

}  // namespace

std::string_view Code(Language language) { return kCodes[static_cast<int>(language)]; }

std::optional<Language> FromCode(std::string_view code) {
  for (int i = 0; i < kLanguageCount; ++i) {
    if (kCodes[i] == code) return static_cast<Language>(i);
  }
  return std::nullopt;
}

Script ScriptOf(char32_t c) {
  if (c < 0x80) {
    return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? Script::kLatin : Script::kOther;
  }
  UErrorCode status = U_ZERO_ERROR;
  switch (uscript_getScript(static_cast<UChar32>(c), &status)) {
    case USCRIPT_LATIN:
      return Script::kLatin;
    case USCRIPT_HAN:
      return Script::kHan;
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_KATAKANA_OR_HIRAGANA:
      return Script::kKana;
    case USCRIPT_HANGUL:
      return Script::kHangul;
    case USCRIPT_DEVANAGARI:
      return Script::kDevanagari;
    case USCRIPT_ARABIC:
      return Script::kArabic;
    case USCRIPT_CYRILLIC:
      return Script::kCyrillic;
    default:
      // The long vowel mark "ー" is Common but only ever written in kana words.
      return c == 0x30FC ? Script::kKana : Script::kOther;
  }
}

Script ScriptOfText(std::string_view text) {
  int32_t i = 0;
  UChar32 c = 0;
  U8_NEXT(text.data(), i, static_cast<int32_t>(text.size()), c);
  return c < 0 ? Script::kOther : ScriptOf(static_cast<char32_t>(c));
}

bool Unspaced(Language language) { return language == Language::kZh || language == Language::kJa; }

bool AdjectiveAfterNoun(Language language) {
  return language == Language::kEs || language == Language::kFr || language == Language::kPt ||
         language == Language::kIt || language == Language::kAr;
}

}  // namespace depict::lang
