#include "text/number_words.h"

#include <unicode/locid.h>
#include <unicode/rbnf.h>
#include <unicode/unistr.h>

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace depict::text {
namespace {

constexpr size_t kMaxWords = 4;  // "one hundred twenty nine"

struct Hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Spellings = std::unordered_map<std::string, int, Hash, std::equal_to<>>;

// Spelled form, its words joined by single spaces -> value. ICU writes "twenty-two" and "one
// hundred twenty-nine"; the lexer splits hyphens, so the words are what a prompt's tokens give.
Spellings BuildSpellings() {
  Spellings out;
  UErrorCode status = U_ZERO_ERROR;
  icu::RuleBasedNumberFormat format(icu::URBNF_SPELLOUT, icu::Locale::getEnglish(), status);
  if (U_FAILURE(status)) return out;
  for (int n = 0; n <= kMaxNumberWord; ++n) {
    icu::UnicodeString spelled;
    format.format(static_cast<int32_t>(n), spelled);
    std::string utf8;
    spelled.toUTF8String(utf8);
    for (char& c : utf8) {
      if (c == '-') c = ' ';
    }
    out.emplace(std::move(utf8), n);
  }
  return out;
}

}  // namespace

int ReadNumberWords(const TokenList& tokens, size_t i, size_t& length) {
  static const Spellings spellings = BuildSpellings();
  length = 0;
  if (i >= tokens.size() || !tokens.IsWord(i)) return -1;
  // Every spelled number's first word is one itself: most words end here, allocating nothing.
  const auto first = spellings.find(tokens.norm(i));
  if (first == spellings.end()) return -1;
  int value = first->second;
  length = 1;
  std::string key(tokens.norm(i));
  for (size_t n = 1; n < kMaxWords && i + n < tokens.size() && tokens.IsWord(i + n); ++n) {
    key.push_back(' ');
    key.append(tokens.norm(i + n));
    const auto it = spellings.find(key);
    if (it != spellings.end()) {
      value = it->second;
      length = n + 1;
    }
  }
  return value;
}

}  // namespace depict::text
