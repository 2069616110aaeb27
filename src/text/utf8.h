// UTF-8 checks and the text normalisation the planner matches words with.
#ifndef DEPICT_TEXT_UTF8_H_
#define DEPICT_TEXT_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace depict::text {

// Returns the byte offset of the first invalid UTF-8 sequence in `s` (overlong forms,
// surrogates and code points past U+10FFFF are invalid), or std::string_view::npos if none.
size_t FindInvalidUtf8(std::string_view s);

// Appends the lowercase, accent-folded form of the UTF-8 character starting at s[i] to `out`
// and returns its length in bytes. ASCII letters are lowercased; Latin-1 and Latin Extended-A
// letters with diacritics fold to their ASCII base ("É" -> "e", "ß" -> "ss"); typographic
// apostrophes fold to '\''; any other character is copied unchanged. `s` must be valid UTF-8.
size_t AppendFolded(std::string_view s, size_t i, std::string& out);

// True if the character starting at s[i] counts as a letter for word splitting: ASCII letters
// and digits, and every non-ASCII character except typographic punctuation and spaces.
bool IsWordChar(std::string_view s, size_t i);

// The length in bytes of the emoji starting at s[i] (a pictograph with its modifiers,
// variation selector and zero-width-joined parts: "🥵", "👩🏽‍⚕️"), or 0 if none starts
// there. Emoji are words of their own: "🥵🍑" is two.
size_t EmojiLength(std::string_view s, size_t i);

// Length in bytes of the UTF-8 character whose lead byte is `lead` (1 for invalid leads).
size_t CharLength(unsigned char lead);

}  // namespace depict::text

#endif  // DEPICT_TEXT_UTF8_H_
