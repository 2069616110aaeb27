#include "text/normalize.h"

#include <unictype.h>

#include "text/html.h"
#include "text/unicode.h"

namespace depict::text {
namespace {

// Unicode White_Space, and the C0 separators that Python's str.split() also splits at.
bool IsWhiteSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000 || (c >= 0x1C && c <= 0x1F);
}

// Characters that change no word's meaning but split or hide it: C0 controls and DEL, C1
// controls that Windows-1252 leaves undefined, default-ignorable code points (U+00AD, U+034F,
// U+115F, U+180B-U+180F, U+200B-U+200F, U+202A-U+202E, U+2060-U+206F, U+3164, U+FE00-U+FE0F,
// U+FEFF, tag characters ...) and the interlinear annotation and object replacement characters.
bool IsRemoved(char32_t c) {
  if (IsWhiteSpace(c)) return false;
  if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)) return true;
  if (c >= 0xFFF9 && c <= 0xFFFC) return true;
  return uc_is_property_default_ignorable_code_point(c);
}

// One round of every step; the caller repeats it until the text stops changing, because
// NFKC can make new character references ("＆ａｍｐ；") and decoding can make new NFKC input.
U32 NormalizeRound(const U32& in) {
  U32 s = Html5NamedUnescape(PythonHtmlUnescape(FtfyUnescapeHtml(in)));
  for (char32_t& c : s) {
    if (c >= 0x80 && c <= 0x9F) c = kCp1252High[c - 0x80];  // as ftfy reads C1 controls
  }
  s = Normalize(UNINORM_NFKC, s);
  U32 out;
  out.reserve(s.size());
  for (char32_t c : s) {
    // Hangul fillers are blank: used between words they are spaces ("young\u3164girl").
    if (c == 0x115F || c == 0x1160 || c == 0x3164 || c == 0xFFA0) c = ' ';
    if (IsRemoved(c)) continue;
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) c = '\'';
    if (c >= 0x201C && c <= 0x201F) c = '"';
    out.push_back(IsWhiteSpace(c) ? U' ' : c);
  }
  return out;
}

std::string NormalizeWord(std::string_view word) {
  U32 s = DecodeUtf8(word);
  // Each round that changes the text decodes a reference or removes characters; the bound
  // only guards against a pathological cycle.
  const size_t max_rounds = s.size() + 1;
  for (size_t round = 0; round < max_rounds; ++round) {
    U32 next = NormalizeRound(s);
    if (next == s) break;
    s = std::move(next);
  }
  return EncodeUtf8(s);
}

bool NeedsNoWork(std::string_view raw) {
  bool previous_space = true;  // a leading space needs trimming
  for (char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || c == '&' || c < 0x20 || c == 0x7F) return false;
    if (c == ' ' && previous_space) return false;
    previous_space = c == ' ';
  }
  return !previous_space || raw.empty();
}

// Appends `piece` for the original span [begin, end); bytes of an unchanged piece map one to
// one, those of a changed piece to the whole span.
void Append(std::string_view piece, bool unchanged, uint32_t begin, uint32_t end, std::string& text,
            std::vector<uint32_t>& begins, std::vector<uint32_t>& ends) {
  for (size_t i = 0; i < piece.size(); ++i) {
    text.push_back(piece[i]);
    begins.push_back(unchanged ? begin + static_cast<uint32_t>(i) : begin);
    ends.push_back(unchanged ? begin + static_cast<uint32_t>(i) + 1 : end);
  }
}

// Splits the normalised words' own spaces (from "&#32;" or NFKC) and trims, carrying offsets.
void CollapseSpaces(std::string& text, std::vector<uint32_t>& begins, std::vector<uint32_t>& ends) {
  size_t out = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ' && (out == 0 || text[out - 1] == ' ')) continue;
    text[out] = text[i];
    begins[out] = begins[i];
    ends[out] = ends[i];
    ++out;
  }
  if (out > 0 && text[out - 1] == ' ') --out;
  text.resize(out);
  begins.resize(out);
  ends.resize(out);
}

}  // namespace

uint32_t NormalizedText::MapStart(uint32_t offset) const {
  if (identity()) return offset;
  return offset < begin_.size() ? begin_[offset] : raw_size_;
}

uint32_t NormalizedText::MapEnd(uint32_t offset) const {
  if (identity()) return offset;
  if (offset == 0) return begin_.empty() ? 0 : begin_[0];
  return offset <= end_.size() ? end_[offset - 1] : raw_size_;
}

NormalizedText NormalizePrompt(std::string_view raw) {
  NormalizedText result;
  result.raw_size_ = static_cast<uint32_t>(raw.size());
  if (NeedsNoWork(raw)) {
    result.text_ = std::string(raw);
    return result;
  }
  const U32 chars = DecodeUtf8(raw);
  uint32_t pos = 0;  // byte offset in raw of chars[i]
  size_t i = 0;
  while (i < chars.size()) {
    std::string ch;
    AppendUtf8(chars[i], ch);
    if (IsWhiteSpace(chars[i])) {
      Append(" ", false, pos, pos + static_cast<uint32_t>(ch.size()), result.text_, result.begin_,
             result.end_);
      pos += static_cast<uint32_t>(ch.size());
      ++i;
      continue;
    }
    const uint32_t word_begin = pos;
    while (i < chars.size() && !IsWhiteSpace(chars[i])) {
      ch.clear();
      AppendUtf8(chars[i], ch);
      pos += static_cast<uint32_t>(ch.size());
      ++i;
    }
    const std::string_view word = raw.substr(word_begin, pos - word_begin);
    const std::string normal = NormalizeWord(word);
    Append(normal, normal == word, word_begin, pos, result.text_, result.begin_, result.end_);
  }
  CollapseSpaces(result.text_, result.begin_, result.end_);
  if (result.text_ == raw) {  // nothing changed after all: no table needed
    result.begin_.clear();
    result.end_.clear();
  }
  return result;
}

}  // namespace depict::text
