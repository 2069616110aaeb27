#include "text/lexer.h"

#include "text/confusables.h"
#include "text/utf8.h"

namespace depict::text {
namespace {

bool IsSpace(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return true;
  // U+00A0 no-break space, U+2000..U+200B spaces, U+3000 ideographic space.
  if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) return true;
  if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      static_cast<unsigned char>(s[i + 2]) <= 0x8B) {
    return true;
  }
  return c == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
         static_cast<unsigned char>(s[i + 2]) == 0x80;
}

// An apostrophe: ASCII ' or U+2019 (right single quotation mark). Returns its length or 0.
size_t ApostropheAt(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  if (s[i] == '\'') return 1;
  if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE2 &&
      static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      static_cast<unsigned char>(s[i + 2]) == 0x99) {
    return 3;
  }
  return 0;
}

bool IsUpper(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c >= 'A' && c <= 'Z') return true;
  // Latin-1 capitals U+00C0..U+00DE (except U+00D7) are encoded C3 80..C3 9E.
  return c == 0xC3 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9E &&
         static_cast<unsigned char>(s[i + 1]) != 0x97;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A word that mixes Latin letters with Greek or Cyrillic look-alikes ("nudе" with a Cyrillic
// "е") is matched as the Latin word it imitates: its folded form, at the end of `norm` from
// `offset`, is rewritten in place.
void FoldLookalikes(std::string& norm, size_t offset) {
  std::string folded;
  if (FoldMixedScriptWord(std::string_view(norm).substr(offset), folded)) {
    norm.resize(offset);
    norm += folded;
  }
}

}  // namespace

// "1girl", "2boys", "8k": digits glued to a word are two tokens, so the word is found as a word.
// Ordinals and decades keep their suffix: "16th", "1960s", "'60s". Returns true if it split.
bool SplitNumberWord(std::string_view s, TokenList& list, const Token& t) {
  const std::string_view norm = std::string_view(list.norm_).substr(t.norm_offset, t.norm_length);
  size_t digits = norm.starts_with('\'') ? 1 : 0;
  while (digits < norm.size() && norm[digits] >= '0' && norm[digits] <= '9') ++digits;
  const std::string_view suffix = norm.substr(digits);
  if (suffix.empty() || suffix == "s" || suffix == "st" || suffix == "nd" || suffix == "rd" ||
      suffix == "th" || norm.starts_with('\'')) {
    return false;
  }
  for (char c : suffix) {
    if (c < 'a' || c > 'z') return false;  // "12a3": not a number and a word
  }
  Token number = t;
  number.norm_length = static_cast<uint32_t>(digits);
  number.end = t.start + static_cast<uint32_t>(digits);
  number.hyphen_after = false;
  Token word = t;
  word.kind = TokenKind::kWord;
  word.start = number.end;
  word.norm_offset = t.norm_offset + static_cast<uint32_t>(digits);
  word.norm_length = static_cast<uint32_t>(suffix.size());
  word.capitalized = word.start < s.size() && s[word.start] >= 'A' && s[word.start] <= 'Z';
  list.tokens_.push_back(number);
  list.tokens_.push_back(word);
  return true;
}

TokenList Lex(std::string_view s) {
  TokenList list;
  list.norm_.reserve(s.size() + 8);
  list.tokens_.reserve(s.size() / 4 + 4);
  size_t i = 0;
  while (i < s.size()) {
    if (IsSpace(s, i)) {
      i += CharLength(static_cast<unsigned char>(s[i]));
      continue;
    }
    if (const size_t emoji = EmojiLength(s, i); emoji > 0) {
      Token t;
      t.start = static_cast<uint32_t>(i);
      t.end = static_cast<uint32_t>(i + emoji);
      t.norm_offset = static_cast<uint32_t>(list.norm_.size());
      list.norm_.append(s.substr(i, emoji));
      t.norm_length = static_cast<uint32_t>(emoji);
      list.tokens_.push_back(t);
      i += emoji;
      continue;
    }
    const size_t apos = ApostropheAt(s, i);
    const bool number_start =
        IsDigit(s[i]) || (apos > 0 && i + apos < s.size() && IsDigit(s[i + apos]));
    if (!number_start && !IsWordChar(s, i)) {
      // A hyphen between two words joins them; any other character is punctuation.
      if (s[i] == '-' && !list.tokens_.empty() && list.tokens_.back().end == i &&
          list.tokens_.back().kind != TokenKind::kPunct && i + 1 < s.size() &&
          IsWordChar(s, i + 1)) {
        list.tokens_.back().hyphen_after = true;
        ++i;
        continue;
      }
      Token t;
      t.kind = TokenKind::kPunct;
      t.start = static_cast<uint32_t>(i);
      t.norm_offset = static_cast<uint32_t>(list.norm_.size());
      i += AppendFolded(s, i, list.norm_);
      t.end = static_cast<uint32_t>(i);
      t.norm_length = static_cast<uint32_t>(list.norm_.size() - t.norm_offset);
      list.tokens_.push_back(t);
      continue;
    }
    Token t;
    t.kind = number_start ? TokenKind::kNumber : TokenKind::kWord;
    t.start = static_cast<uint32_t>(i);
    t.norm_offset = static_cast<uint32_t>(list.norm_.size());
    t.capitalized = IsUpper(s, i);
    bool any_lower = false;
    int letters = 0, dots = 0;
    if (apos > 0) {  // "'60s"
      list.norm_.push_back('\'');
      i += apos;
    }
    while (i < s.size()) {
      if (EmojiLength(s, i) > 0) break;  // "sexy🍑": an emoji is a word of its own
      if (IsWordChar(s, i)) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 'a' && c <= 'z') any_lower = true;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ++letters;
        i += AppendFolded(s, i, list.norm_);
        continue;
      }
      // "U.S.", "U.K.", "D.C.": capital initials with dots are one word ("us").
      if (s[i] == '.' && !number_start && !any_lower && letters == dots + 1 &&
          list.norm_.size() - t.norm_offset == static_cast<size_t>(letters)) {
        if (i + 2 < s.size() && IsUpper(s, i + 1) && s[i + 2] == '.') {
          ++dots;
          ++i;
          continue;
        }
        if (dots > 0) {
          ++i;
          t.end = static_cast<uint32_t>(i);
          break;
        }
      }
      const size_t a = ApostropheAt(s, i);
      if (a == 0) break;
      // "'s" ending the word, or "'" after a final s, marks a possessive.
      const bool s_follows = i + a < s.size() && (s[i + a] == 's' || s[i + a] == 'S');
      const bool word_after_s = s_follows && i + a + 1 < s.size() && IsWordChar(s, i + a + 1);
      if (s_follows && !word_after_s) {
        t.possessive = true;
        t.end = static_cast<uint32_t>(i);
        i += a + 1;
        break;
      }
      if (i + a < s.size() && IsWordChar(s, i + a)) {
        // Inner apostrophes are dropped: "O'Brien" matches "obrien", "Nyong'o" "nyongo".
        i += a;
        continue;
      }
      if (list.norm_.size() > t.norm_offset && list.norm_.back() == 's') {
        t.possessive = true;
        t.end = static_cast<uint32_t>(i);
        i += a;
      }
      break;
    }
    if (t.end == 0) t.end = static_cast<uint32_t>(i);
    t.all_caps = letters >= 2 && !any_lower;
    FoldLookalikes(list.norm_, t.norm_offset);
    t.norm_length = static_cast<uint32_t>(list.norm_.size() - t.norm_offset);
    if (t.kind != TokenKind::kNumber || t.possessive || !SplitNumberWord(s, list, t)) {
      list.tokens_.push_back(t);
    }
  }
  return list;
}

bool IsCountTagNoun(std::string_view word) {
  return word == "girl" || word == "girls" || word == "boy" || word == "boys";
}

}  // namespace depict::text
