#include "text/unicode.h"

#include <unicase.h>
#include <unictype.h>
#include <unistr.h>

#include <cstdlib>
#include <new>
#include <vector>

namespace depict::text {
namespace {

// libunistring returns a malloc'ed buffer; this copies it into a U32 and frees it.
U32 TakeU32(uint32_t* buffer, size_t length) {
  if (buffer == nullptr) throw std::bad_alloc();
  U32 out(reinterpret_cast<const char32_t*>(buffer), length);
  std::free(buffer);
  return out;
}

const uint32_t* AsU32(const U32& s) { return reinterpret_cast<const uint32_t*>(s.data()); }

}  // namespace

U32 DecodeUtf8(std::string_view s) {
  U32 out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t n = s.size();
  while (n > 0) {
    ucs4_t uc = 0;
    int len = u8_mbtouc(&uc, p, n);  // U+FFFD for an invalid sequence
    if (len <= 0) len = 1;
    out.push_back(static_cast<char32_t>(uc));
    p += len;
    n -= static_cast<size_t>(len);
  }
  return out;
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string EncodeUtf8(const U32& s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) AppendUtf8(c, out);
  return out;
}

U32 Normalize(uninorm_t form, const U32& s) {
  if (s.empty()) return s;
  size_t length = 0;
  uint32_t* result = u32_normalize(form, AsU32(s), s.size(), nullptr, &length);
  return TakeU32(result, length);
}

// Python's str.lower(): full Unicode lower-case mappings ("İ" -> "i̇"), and "Σ" -> "ς" where it
// ends a word: after a cased letter and not before one, case-ignorable characters skipped both
// ways. libunistring applies that rule too, but does not skip an apostrophe ("ΟΔΟΣ's" would get
// "ς"), so capital sigmas are decided here first.
U32 ToLower(U32 s) {
  if (s.empty()) return s;
  auto cased = [](char32_t c) { return uc_is_property_cased(c); };
  auto ignorable = [](char32_t c) { return uc_is_property_case_ignorable(c); };
  std::vector<size_t> final_sigmas;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != 0x3A3) continue;
    size_t j = i;
    while (j > 0 && ignorable(s[j - 1])) --j;
    if (j == 0 || !cased(s[j - 1])) continue;
    size_t k = i + 1;
    while (k < s.size() && ignorable(s[k])) ++k;
    if (k < s.size() && cased(s[k])) continue;
    final_sigmas.push_back(i);
  }
  for (char32_t& c : s) {
    if (c == 0x3A3) c = 0x3C3;
  }
  for (size_t i : final_sigmas) s[i] = 0x3C2;
  size_t length = 0;
  uint32_t* result = u32_tolower(AsU32(s), s.size(), nullptr, nullptr, nullptr, &length);
  return TakeU32(result, length);
}

U32 ToUpper(const U32& s) {
  if (s.empty()) return s;
  size_t length = 0;
  uint32_t* result = u32_toupper(AsU32(s), s.size(), nullptr, nullptr, nullptr, &length);
  return TakeU32(result, length);
}

}  // namespace depict::text
