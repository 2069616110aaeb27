#include "text/confusables.h"

#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include <array>

#include "text/unicode.h"

namespace depict::text {
namespace {

constexpr char32_t kFirst = 0x0370;  // Greek and Coptic, Cyrillic, Cyrillic Supplement
constexpr char32_t kLast = 0x052F;

// For each letter in [kFirst, kLast], the ASCII letter whose confusable skeleton it shares.
std::array<char, kLast - kFirst + 1> BuildTable() {
  std::array<char, kLast - kFirst + 1> table{};
  UErrorCode status = U_ZERO_ERROR;
  USpoofChecker* checker = uspoof_open(&status);
  if (U_FAILURE(status)) return table;
  // Skeletons of the ASCII letters themselves ("m" is "rn" in skeleton form), lowercase then
  // uppercase: a capital Greek "Μ" looks like "M", not "m".
  std::array<std::u16string, 52> latin;
  for (int l = 0; l < 52; ++l) {
    const UChar in[2] = {static_cast<UChar>(l < 26 ? 'a' + l : 'A' + l - 26), 0};
    UChar out[16];
    status = U_ZERO_ERROR;
    const int32_t n = uspoof_getSkeleton(checker, 0, in, 1, out, 16, &status);
    if (U_SUCCESS(status)) latin[l] = std::u16string(reinterpret_cast<char16_t*>(out), n);
  }
  for (char32_t c = kFirst; c <= kLast; ++c) {
    for (const char32_t form : {c, ToLower(U32(1, c)).front()}) {
      if (form > 0xFFFF) continue;
      const UChar in[2] = {static_cast<UChar>(form), 0};
      UChar out[16];
      status = U_ZERO_ERROR;
      const int32_t n = uspoof_getSkeleton(checker, 0, in, 1, out, 16, &status);
      if (U_FAILURE(status)) continue;
      const std::u16string skeleton(reinterpret_cast<char16_t*>(out), n);
      // A capital is compared with the capitals first: Greek "Ι" is "I", though its skeleton
      // is also that of "l".
      const int offset = u_isupper(static_cast<UChar32>(form)) ? 26 : 0;
      for (int k = 0; k < 52 && table[c - kFirst] == 0; ++k) {
        const int l = (k + offset) % 52;
        if (!latin[l].empty() && skeleton == latin[l]) {
          table[c - kFirst] = static_cast<char>('a' + l % 26);
        }
      }
    }
  }
  uspoof_close(checker);
  return table;
}

bool IsAsciiLetter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

char LatinLookalike(char32_t c) {
  static const std::array<char, kLast - kFirst + 1> table = BuildTable();
  return c >= kFirst && c <= kLast ? table[c - kFirst] : 0;
}

bool FoldMixedScriptWord(std::string_view word, std::string& out) {
  bool has_non_ascii = false;
  for (char ch : word) has_non_ascii = has_non_ascii || static_cast<unsigned char>(ch) >= 0x80;
  if (!has_non_ascii) return false;
  const U32 chars = DecodeUtf8(word);
  bool latin = false, lookalike = false;
  for (char32_t c : chars) {
    latin = latin || IsAsciiLetter(c);
    lookalike = lookalike || LatinLookalike(c) != 0;
  }
  if (!latin || !lookalike) return false;
  out.clear();
  for (char32_t c : chars) {
    const char l = LatinLookalike(c);
    if (l != 0) {
      out.push_back(l);
    } else {
      AppendUtf8(c, out);
    }
  }
  return true;
}

}  // namespace depict::text
