// Code-point strings and the Unicode operations on them that prompt cleanup needs (GNU
// libunistring: normalisation forms, full case mappings).
#ifndef DEPICT_TEXT_UNICODE_H_
#define DEPICT_TEXT_UNICODE_H_

#include <uninorm.h>

#include <string>
#include <string_view>

namespace depict::text {

using U32 = std::u32string;

// Code points of UTF-8 text; each invalid sequence becomes U+FFFD.
U32 DecodeUtf8(std::string_view s);
void AppendUtf8(char32_t c, std::string& out);
std::string EncodeUtf8(const U32& s);

// `s` in normalisation form `form` (UNINORM_NFC, UNINORM_NFKC, ...).
U32 Normalize(uninorm_t form, const U32& s);
// Python's str.lower(): full lower-case mappings, final sigma by context.
U32 ToLower(U32 s);
// Full upper-case mappings ("ß" -> "SS").
U32 ToUpper(const U32& s);

}  // namespace depict::text

#endif  // DEPICT_TEXT_UNICODE_H_
