// ICU (libicu-dev) for what the front end must not hand-write: word segmentation (dictionary
// based for Chinese, Japanese and Thai), case folding for every script, and romanisation of
// names written in other scripts.
#ifndef DEPICT_LANG_SEGMENTER_H_
#define DEPICT_LANG_SEGMENTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace depict::lang {

struct Token {
  uint32_t begin = 0, end = 0;  // byte offsets in the segmented text
  bool word = false;            // letters, ideographs or digits (not spaces or punctuation)
  bool number = false;          // digits only
};

// Word-break segmentation of valid UTF-8 (ICU's root rules).
std::vector<Token> Segment(std::string_view text);

// Full Unicode case folding ("Ärztin" -> "ärztin", "ß" -> "ss"), without Arabic vowel marks.
std::string Fold(std::string_view text);

// A name in another script, in Latin letters with each part capitalised ("オバマ" -> "Obama",
// "Меркель" -> "Merkel"), for the text encoder and the planner's name rules.
std::string Romanize(std::string_view text);

// Latin letters without their accents and tone marks ("quánluǒ" -> "quanluo", "ž" -> "z"):
// romanised words are typed either way.
std::string StripMarks(std::string_view text);

}  // namespace depict::lang

#endif  // DEPICT_LANG_SEGMENTER_H_
