#include "lang/segmenter.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>

namespace depict::lang {
namespace {

// ICU iterators are costly to make and not thread-safe to share: one per thread.
icu::BreakIterator& WordIterator() {
  thread_local std::unique_ptr<icu::BreakIterator> it = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> made(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !made) {
      throw std::runtime_error(std::string("ICU word break iterator: ") + u_errorName(status));
    }
    return made;
  }();
  return *it;
}

// One transliterator per script: "Any-Latin" finds each character's script first, which costs
// more than the transliteration itself.
icu::Transliterator& Latinizer(UScriptCode script) {
  thread_local std::map<UScriptCode, std::unique_ptr<icu::Transliterator>> made;
  std::unique_ptr<icu::Transliterator>& t = made[script];
  if (!t) {
    const char* id = "Any-Latin; Latin-ASCII";
    switch (script) {
      case USCRIPT_HAN:
        id = "Han-Latin; Latin-ASCII";
        break;
      case USCRIPT_HIRAGANA:
        id = "Hiragana-Latin; Latin-ASCII";
        break;
      case USCRIPT_KATAKANA:
        id = "Katakana-Latin; Latin-ASCII";
        break;
      case USCRIPT_HANGUL:
        id = "Hangul-Latin; Latin-ASCII";
        break;
      case USCRIPT_CYRILLIC:
        id = "Cyrillic-Latin; Latin-ASCII";
        break;
      case USCRIPT_ARABIC:
        id = "Arabic-Latin; Latin-ASCII";
        break;
      case USCRIPT_DEVANAGARI:
        id = "Devanagari-Latin; Latin-ASCII";
        break;
      default:
        break;
    }
    UErrorCode status = U_ZERO_ERROR;
    t.reset(icu::Transliterator::createInstance(id, UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !t) {
      throw std::runtime_error(std::string("ICU transliterator: ") + u_errorName(status));
    }
  }
  return *t;
}

// UTF-16 index -> UTF-8 byte offset, for every index of `u` (and its end).
std::vector<uint32_t> Utf8Offsets(const icu::UnicodeString& u) {
  std::vector<uint32_t> offsets(static_cast<size_t>(u.length()) + 1, 0);
  uint32_t bytes = 0;
  for (int32_t i = 0; i < u.length();) {
    const UChar32 c = u.char32At(i);
    const int32_t units = U16_LENGTH(c);
    for (int32_t k = 0; k < units; ++k) offsets[i + k] = bytes;
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    i += units;
  }
  offsets[u.length()] = bytes;
  return offsets;
}

}  // namespace

std::vector<Token> Segment(std::string_view text) {
  const icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  const std::vector<uint32_t> offsets = Utf8Offsets(u);
  icu::BreakIterator& it = WordIterator();
  it.setText(u);
  std::vector<Token> tokens;
  int32_t start = it.first();
  for (int32_t end = it.next(); end != icu::BreakIterator::DONE; start = end, end = it.next()) {
    const int32_t status = it.getRuleStatus();
    Token t;
    t.begin = offsets[start];
    t.end = offsets[end];
    t.word = status >= UBRK_WORD_NUMBER;
    t.number = status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT;
    tokens.push_back(t);
  }
  return tokens;
}

std::string Fold(std::string_view text) {
  // Plain ASCII, most words of most prompts, folds without ICU.
  if (std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; })) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return out;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  u.foldCase(U_FOLD_CASE_DEFAULT);
  // Arabic vowel marks and the tatweel are optional in writing; dictionaries list bare forms.
  for (int32_t k = u.length(); k-- > 0;) {
    const char16_t c = u.charAt(k);
    if ((c >= 0x064B && c <= 0x065F) || c == 0x0670 || c == 0x0640) u.remove(k, 1);
  }
  std::string out;
  u.toUTF8String(out);
  return out;
}

namespace {

bool DevanagariConsonant(char16_t c) {
  return (c >= 0x0915 && c <= 0x0939) || (c >= 0x0958 && c <= 0x095F);
}
bool DevanagariSign(char16_t c) { return c >= 0x093E && c <= 0x094D; }  // vowel signs, virama
bool DevanagariVowel(char16_t c) { return c >= 0x0904 && c <= 0x0914; }

// Hindi does not say every inherent "a" that Devanagari spells: ICU writes "विराट कोहली" as
// "virata kohali", people as "virat kohli". The vowel is silent at the end of a word (not after
// a cluster) and between a vowel and a consonant that has one (Ohala's rule, applied from the
// right); a virama after the consonant makes ICU drop it.
void DeleteSchwas(icu::UnicodeString& u) {
  constexpr char16_t kVirama = 0x094D, kNukta = 0x093C;
  // Units: a consonant (with nukta) and its vowel kind ('a' inherent, 'v' a sign, '0' virama),
  // or an independent vowel ('V'). `at` is where a virama would go.
  struct Unit {
    char vowel;
    int32_t at;
  };
  std::vector<Unit> units;
  for (int32_t k = 0; k < u.length();) {
    const char16_t c = u.charAt(k);
    if (DevanagariVowel(c)) {
      units.push_back({'V', k + 1});
      ++k;
      continue;
    }
    if (c >= 0x0901 && c <= 0x0903) {  // nasal signs and visarga belong to the vowel before
      ++k;
      continue;
    }
    if (!DevanagariConsonant(c)) {
      units.push_back({'-', k + 1});  // a word break or another script
      ++k;
      continue;
    }
    int32_t next = k + 1;
    if (next < u.length() && u.charAt(next) == kNukta) ++next;
    char vowel = 'a';
    if (next < u.length() && DevanagariSign(u.charAt(next))) {
      vowel = u.charAt(next) == kVirama ? '0' : 'v';
    }
    units.push_back({vowel, next});
    k = next + (vowel == 'a' ? 0 : 1);
  }
  const auto has_vowel = [&](size_t i) {
    return units[i].vowel == 'a' || units[i].vowel == 'v' || units[i].vowel == 'V';
  };
  const auto consonant = [&](size_t i) {
    return units[i].vowel == 'a' || units[i].vowel == 'v' || units[i].vowel == '0';
  };
  std::vector<int32_t> viramas;
  for (size_t i = units.size(); i-- > 0;) {
    if (units[i].vowel != 'a' || i == 0 || units[i - 1].vowel == '-') continue;
    const bool last = i + 1 == units.size() || units[i + 1].vowel == '-';
    const bool deletes =
        last ? units[i - 1].vowel != '0' : has_vowel(i - 1) && consonant(i + 1) && has_vowel(i + 1);
    if (deletes) {
      units[i].vowel = '0';
      viramas.push_back(units[i].at);
    }
  }
  for (int32_t at : viramas) u.insert(at, kVirama);  // from the right: offsets stay valid
}

}  // namespace

std::string Romanize(std::string_view text) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script =
      u.isEmpty() ? USCRIPT_COMMON : uscript_getScript(u.char32At(0), &status);
  // A name may mix kana kinds ("ジョン・スミスさん"): kana words take the general rules.
  const bool one_script = std::all_of(u.getBuffer(), u.getBuffer() + u.length(), [&](char16_t c) {
    UErrorCode s = U_ZERO_ERROR;
    return U16_IS_SURROGATE(c) || uscript_getScript(c, &s) == script;
  });
  if (script == USCRIPT_DEVANAGARI) DeleteSchwas(u);
  Latinizer(one_script ? script : USCRIPT_COMMON).transliterate(u);
  std::string latin;
  u.toUTF8String(latin);
  std::string out;
  bool start = true;
  for (char c : latin) {
    const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (letter) {
      out.push_back(start ? static_cast<char>(c & ~0x20) : c);
      start = false;
    } else if (c == ' ' || c == '-') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      start = true;
    } else if (c >= '0' && c <= '9') {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string StripMarks(std::string_view text) {
  if (std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; })) {
    return std::string(text);
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) return std::string(text);
  const icu::UnicodeString decomposed =
      nfd->normalize(icu::UnicodeString::fromUTF8(
                         icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))),
                     status);
  if (U_FAILURE(status)) return std::string(text);
  icu::UnicodeString bare;
  for (int32_t k = 0; k < decomposed.length();) {
    const UChar32 c = decomposed.char32At(k);
    if (u_charType(c) != U_NON_SPACING_MARK) bare.append(c);
    k += U16_LENGTH(c);
  }
  std::string out;
  bare.toUTF8String(out);
  return out;
}

}  // namespace depict::lang
