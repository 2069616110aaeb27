#include "lang/reading.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "lang/detect.h"
#include "lang/reader.h"
#include "text/confusables.h"

namespace depict::lang {

Reading ReadingBuilder::Build(Language language, const std::vector<Piece>& pieces,
                              std::string_view source) {
  Reading r;
  r.language_ = language;
  r.source_size_ = static_cast<uint32_t>(source.size());
  const auto append = [&](std::string_view s, uint32_t begin, uint32_t end, bool per_byte) {
    for (size_t k = 0; k < s.size(); ++k) {
      r.text_.push_back(s[k]);
      r.begin_.push_back(per_byte ? begin + static_cast<uint32_t>(k) : begin);
      r.end_.push_back(per_byte ? begin + static_cast<uint32_t>(k) + 1 : end);
    }
  };
  for (const Piece& p : pieces) {
    if (p.text.empty()) continue;
    if (p.word && !r.text_.empty()) {
      const char last = r.text_.back();
      // No space after an opening bracket or quote, or inside a hyphenated compound
      // ("Wikinger-Krieger" -> "Viking-warrior").
      if (last != ' ' && last != '(' && last != '[' && last != '"' && last != '\n' && last != '-') {
        append(" ", p.begin, p.begin, false);
      }
    }
    // A word after a comma or period of a script written without spaces gets one.
    if (!p.word && !r.text_.empty() && r.text_.back() != ' ' && !p.verbatim &&
        (p.text == "," || p.text == "." || p.text == ";")) {
      append(p.text, p.begin, p.end, false);
      append(" ", p.end, p.end, false);
      continue;
    }
    const size_t at = r.text_.size();
    append(p.text, p.begin, p.end, p.verbatim);
    if (p.name) {
      // Words of one name read as one ("Hyfa Whby"): a name right after a name extends it.
      if (!r.names_.empty() && r.names_.back().second + 1 >= at) {
        r.names_.back().second = static_cast<uint32_t>(r.text_.size());
      } else {
        r.names_.emplace_back(static_cast<uint32_t>(at), static_cast<uint32_t>(r.text_.size()));
      }
    }
  }
  // Spaces the pieces doubled ("a  b") read as one; the first keeps its place in the map.
  std::string text;
  std::vector<uint32_t> begin, end;
  std::vector<uint32_t> moved(r.text_.size() + 1, 0);  // old offset -> new offset
  for (size_t k = 0; k < r.text_.size(); ++k) {
    moved[k] = static_cast<uint32_t>(text.size());
    if (r.text_[k] == ' ' && (text.empty() || text.back() == ' ')) continue;
    text.push_back(r.text_[k]);
    begin.push_back(r.begin_[k]);
    end.push_back(r.end_[k]);
  }
  moved[r.text_.size()] = static_cast<uint32_t>(text.size());
  for (auto& [from, to] : r.names_) {
    from = moved[from];
    to = moved[to];
  }
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
    begin.pop_back();
    end.pop_back();
  }
  r.text_ = std::move(text);
  r.begin_ = std::move(begin);
  r.end_ = std::move(end);
  if (r.text_.empty()) {  // English, or nothing read: the prompt itself
    r.text_ = std::string(source);
    r.begin_.clear();
    r.end_.clear();
    r.names_.clear();
  }
  return r;
}

uint32_t Reading::MapStart(uint32_t offset) const {
  if (identity()) return offset;
  return offset < begin_.size() ? begin_[offset] : source_size_;
}

uint32_t Reading::MapEnd(uint32_t offset) const {
  if (identity()) return offset;
  if (offset == 0) return begin_[0];
  return offset <= end_.size() ? end_[offset - 1] : source_size_;
}

std::pair<uint32_t, uint32_t> Reading::MapSpan(uint32_t start, uint32_t end) const {
  if (identity()) return {start, end};
  if (start >= end || start >= begin_.size()) return {MapStart(start), MapEnd(end)};
  end = std::min<uint32_t>(end, static_cast<uint32_t>(begin_.size()));
  uint32_t lo = begin_[start], hi = end_[start];
  for (uint32_t k = start; k < end; ++k) {
    if (text_[k] == ' ') continue;  // spaces the reading added map to a neighbour's start
    lo = std::min(lo, begin_[k]);
    hi = std::max(hi, end_[k]);
  }
  return {lo, hi};
}

// An ASCII prompt whose lowercase words English knows or no other language does, with no German
// noun, is English: no other language could win a clause of it (detect.h), so it is read as it
// is without segmenting it.
bool PlainEnglish(const Lexicons& lexicons, std::string_view prompt) {
  const Lexicon& english = lexicons.Get(Language::kEn);
  size_t i = 0;
  while (i < prompt.size()) {
    const unsigned char c = static_cast<unsigned char>(prompt[i]);
    if (c & 0x80) return false;
    if (!std::isalnum(c)) {
      ++i;
      continue;
    }
    size_t j = i;
    bool digit = false;
    while (j < prompt.size() &&
           (std::isalnum(static_cast<unsigned char>(prompt[j])) || prompt[j] == '\'')) {
      digit = digit || std::isdigit(static_cast<unsigned char>(prompt[j]));
      ++j;
    }
    const std::string_view word = prompt.substr(i, j - i);
    i = j;
    if (digit || word.size() < 2) continue;
    if (word[0] >= 'A' && word[0] <= 'Z') {
      // A name is in no language, but a German noun is German ("Wehrmachtssoldaten").
      const std::string folded = Fold(word);
      if (!KnownEnglish(english, folded) && lexicons.Get(Language::kDe).Find(folded)) {
        return false;
      }
      continue;
    }
    // A word English lacks keeps the prompt English when no other language knows it either
    // ("baduk", "ukiyo"): it cannot vote.
    const std::string folded(word);
    if (!KnownEnglish(english, folded) && KnownElsewhere(lexicons, folded, true) != 0) {
      return false;
    }
  }
  return true;
}

// A word mixing look-alike letters of two scripts ("niñа" with a Cyrillic а, "гoлaя" with
// Latin o and a) is written in the script most of its letters are in: the minority letters are
// replaced by the look-alikes of that script (Unicode's confusables, as ICU ships them, through
// text::LatinLookalike). Returns false when no word mixes scripts. `to_source[k]` is the prompt
// offset of byte k of `clean` (and of its end).
bool Deconfuse(std::string_view prompt, std::string& clean, std::vector<uint32_t>& to_source) {
  static const std::array<char32_t, 26> kCyrillicFor = [] {
    std::array<char32_t, 26> table{};
    for (char32_t c = 0x0430; c <= 0x045F; ++c) {  // lowercase Cyrillic
      const char l = text::LatinLookalike(c);
      if (l >= 'a' && l <= 'z' && table[l - 'a'] == 0) table[l - 'a'] = c;
    }
    return table;
  }();
  bool changed = false;
  size_t i = 0;
  while (i < prompt.size()) {
    // One word: letters and marks up to a space or punctuation.
    size_t j = i;
    int latin = 0, cyrillic = 0;
    while (j < prompt.size()) {
      int32_t k = static_cast<int32_t>(j);
      UChar32 c = 0;
      U8_NEXT(prompt.data(), k, static_cast<int32_t>(prompt.size()), c);
      if (c < 0 || !u_isalpha(c)) break;
      const Script script = ScriptOf(static_cast<char32_t>(c));
      latin += script == Script::kLatin;
      cyrillic += script == Script::kCyrillic;
      j = static_cast<size_t>(k);
    }
    if (j == i) {
      clean.push_back(prompt[i]);
      to_source.push_back(static_cast<uint32_t>(i));
      ++i;
      continue;
    }
    const bool mixed = latin > 0 && cyrillic > 0;
    for (size_t p = i; p < j;) {
      int32_t k = static_cast<int32_t>(p);
      UChar32 c = 0;
      U8_NEXT(prompt.data(), k, static_cast<int32_t>(prompt.size()), c);
      std::string replacement;
      if (mixed && cyrillic > latin && c < 0x80) {
        const char32_t lower = static_cast<char32_t>(c | 0x20);
        const char32_t cyr = lower >= 'a' && lower <= 'z' ? kCyrillicFor[lower - 'a'] : 0;
        if (cyr != 0) {
          char buf[4];
          int32_t n = 0;
          U8_APPEND_UNSAFE(buf, n, static_cast<UChar32>(cyr));
          replacement.assign(buf, static_cast<size_t>(n));
        }
      } else if (mixed && latin >= cyrillic && c >= 0x80) {
        const char l = text::LatinLookalike(static_cast<char32_t>(c));
        if (l != 0) replacement.assign(1, l);
      }
      if (replacement.empty()) replacement.assign(prompt.substr(p, static_cast<size_t>(k) - p));
      changed = changed || replacement != prompt.substr(p, static_cast<size_t>(k) - p);
      for (char b : replacement) {
        clean.push_back(b);
        to_source.push_back(static_cast<uint32_t>(p));
      }
      p = static_cast<size_t>(k);
    }
    i = j;
  }
  to_source.push_back(static_cast<uint32_t>(prompt.size()));
  return changed;
}

// Letters typed apart to hide a word ("c o r t á n d o s e", "n a k e d  1 3"): four or more
// single letters or digits, each followed by one space, are joined into the word they spell
// (two spaces or punctuation end it). Returns false when nothing was joined.
bool JoinSpelledOut(std::string& clean, std::vector<uint32_t>& to_source) {
  constexpr int kMinLetters = 4;
  // Where each character of `clean` starts, and whether it is a lone letter or digit: one
  // between spaces (or the text's ends).
  std::vector<size_t> starts;
  for (size_t i = 0; i < clean.size();) {
    starts.push_back(i);
    int32_t k = static_cast<int32_t>(i);
    UChar32 c = 0;
    U8_NEXT(clean.data(), k, static_cast<int32_t>(clean.size()), c);
    i = static_cast<size_t>(k);
  }
  starts.push_back(clean.size());
  const auto is_alnum = [&](size_t ci) {
    int32_t k = static_cast<int32_t>(starts[ci]);
    UChar32 c = 0;
    U8_NEXT(clean.data(), k, static_cast<int32_t>(clean.size()), c);
    return c > 0 && (u_isalpha(c) || u_isdigit(c));
  };
  const size_t n = starts.size() - 1;
  const auto is_space = [&](size_t ci) { return ci < n && clean[starts[ci]] == ' '; };
  const auto lone = [&](size_t ci) {
    return ci < n && is_alnum(ci) && (ci == 0 || is_space(ci - 1)) &&
           (ci + 1 == n || is_space(ci + 1) || !is_alnum(ci + 1));
  };
  std::vector<bool> drop(n, false);  // the spaces inside a spelled-out word
  bool changed = false;
  for (size_t ci = 0; ci < n;) {
    if (!lone(ci) || (ci + 1 < n && is_alnum(ci + 1))) {
      ++ci;
      continue;
    }
    size_t last = ci;
    int letters = 1;
    while (last + 2 < n && is_space(last + 1) && !is_space(last + 2) && lone(last + 2)) {
      last += 2;
      ++letters;
    }
    // A one-letter word before the run is a word of its own: "a s w a s t i k a" is "a
    // swastika", "y c o r t a" is "y corta".
    const char first = clean[starts[ci]];
    if (letters > kMinLetters && std::strchr("aAiIyYoOeEuU", first) != nullptr) {
      ci += 2;
      --letters;
    }
    if (letters >= kMinLetters) {
      for (size_t s = ci + 1; s < last; s += 2) drop[s] = true;
      changed = true;
    }
    ci = last + 1;
  }
  if (!changed) return false;
  std::string joined;
  std::vector<uint32_t> map;
  for (size_t ci = 0; ci < n; ++ci) {
    if (drop[ci]) continue;
    for (size_t b = starts[ci]; b < starts[ci + 1]; ++b) {
      joined.push_back(clean[b]);
      map.push_back(to_source[b]);
    }
  }
  map.push_back(to_source.back());
  clean = std::move(joined);
  to_source = std::move(map);
  return true;
}

Reading Read(const Lexicons& lexicons, std::string_view prompt, const NameLookup* names) {
  std::string clean;
  std::vector<uint32_t> to_source;
  bool cleaned = Deconfuse(prompt, clean, to_source);
  cleaned = JoinSpelledOut(clean, to_source) || cleaned;
  if (cleaned) {
    Reading r = Reader(lexicons, clean, names).Run();
    ReadingBuilder::MapToSource(r, clean, prompt, to_source);
    return r;
  }
  if (PlainEnglish(lexicons, prompt)) return ReadingBuilder::Build(Language::kEn, {}, prompt);
  return Reader(lexicons, prompt, names).Run();
}

}  // namespace depict::lang
