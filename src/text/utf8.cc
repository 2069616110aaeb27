#include "text/utf8.h"

#include <unicode/uchar.h>

#include <cstdint>

namespace depict::text {

size_t CharLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

size_t FindInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += n;
  }
  return std::string_view::npos;
}

namespace {

// ASCII bases for U+00C0..U+00FF; '\0' where the character is not a letter with a base.
constexpr char kLatin1Base[64] = {
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',  // C0-CF
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   's',  // D0-DF
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',  // E0-EF
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   'y',  // F0-FF
};

// ASCII bases for U+0100..U+017F (Latin Extended-A), in pairs of upper/lower case.
constexpr char kLatinExtABase[] =
    "aaaaaaccccccccdd"
    "ddeeeeeeeeeegggg"
    "gggghhhhiiiiiiii"
    "iiiijjkkklllllll"
    "lllnnnnnnnnnoooo"
    "oooorrrrrrssssss"
    "ssttttttuuuuuuuu"
    "uuuuwwyyyzzzzzzs";

uint32_t DecodeAt(std::string_view s, size_t i, size_t n) {
  const auto c = static_cast<unsigned char>(s[i]);
  uint32_t cp = n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n && i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  return cp;
}

}  // namespace

size_t AppendFolded(std::string_view s, size_t i, std::string& out) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : static_cast<char>(c));
    return 1;
  }
  size_t n = CharLength(c);
  if (i + n > s.size()) n = s.size() - i;
  const uint32_t cp = DecodeAt(s, i, n);
  if (cp >= 0xC0 && cp <= 0xFF && kLatin1Base[cp - 0xC0] != 0) {
    out.push_back(kLatin1Base[cp - 0xC0]);
    if (cp == 0xDF) out.push_back('s');                // sharp s
    if (cp == 0xC6 || cp == 0xE6) out.push_back('e');  // ae ligature
    return n;
  }
  if (cp >= 0x100 && cp < 0x100 + sizeof(kLatinExtABase) - 1) {
    out.push_back(kLatinExtABase[cp - 0x100]);
    return n;
  }
  if (cp == 0x2018 || cp == 0x2019 || cp == 0x02BC) {
    out.push_back('\'');
    return n;
  }
  out.append(s.substr(i, n));
  return n;
}

bool IsWordChar(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  const size_t n = CharLength(c);
  if (i + n > s.size()) return false;
  const uint32_t cp = DecodeAt(s, i, n);
  // General punctuation, spaces, and the Latin-1 punctuation/symbol block are not letters.
  if (cp >= 0x2000 && cp <= 0x206F) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  if (cp >= 0x80 && cp <= 0xBF) return false;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;  // fullwidth punctuation
  return true;
}

size_t EmojiLength(std::string_view s, size_t i) {
  const auto code_at = [&s](size_t at, size_t& n) -> uint32_t {
    n = CharLength(static_cast<unsigned char>(s[at]));
    return at + n <= s.size() ? DecodeAt(s, at, n) : 0;
  };
  const auto pictograph = [](uint32_t cp) {
    // Extended_Pictographic also holds "©" and "™", which prompts write as symbols.
    return cp >= 0x2190 &&
           u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_EXTENDED_PICTOGRAPHIC);
  };
  if (i >= s.size() || static_cast<unsigned char>(s[i]) < 0x80) return 0;
  size_t n = 0;
  if (!pictograph(code_at(i, n))) return 0;
  size_t end = i + n;
  while (end < s.size() && static_cast<unsigned char>(s[end]) >= 0x80) {
    const uint32_t cp = code_at(end, n);
    const bool tail =
        cp == 0xFE0F || (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F);
    if (tail) {
      end += n;
      continue;
    }
    size_t m = 0;
    if (cp == 0x200D && end + n < s.size() && pictograph(code_at(end + n, m))) {
      end += n + m;
      continue;
    }
    break;
  }
  return end - i;
}

}  // namespace depict::text
