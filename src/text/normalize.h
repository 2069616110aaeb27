// The one normalisation of prompt text. The planner, the safety gate and the text encoder all
// read its output, so no text reaches the model that the gate did not read: HTML character
// references are decoded (until none is left), the text is put in NFKC (full-width and styled
// letters, ligatures), curly quotes are straightened, control and default-ignorable characters
// (soft hyphen, zero-width spaces and joiners, bidirectional controls, variation selectors,
// U+FEFF) are removed, and every run of white space becomes one space, trimmed at both ends.
// The CLIP tokenizers' own cleanup (ftfy's steps, see diffusion/clip_tokenizer.h) then changes
// nothing in it but letter case.
#ifndef DEPICT_TEXT_NORMALIZE_H_
#define DEPICT_TEXT_NORMALIZE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace depict::text {

class NormalizedText {
 public:
  const std::string& text() const { return text_; }
  // True when text() is the input unchanged (the common case, with no offset table).
  bool identity() const { return begin_.empty(); }
  // Byte offsets in the normalised text -> byte offsets in the original. Words are normalised
  // one at a time, so an offset at a word boundary maps exactly; one inside a changed word maps
  // to that word's start (MapStart) or end (MapEnd).
  uint32_t MapStart(uint32_t offset) const;
  uint32_t MapEnd(uint32_t offset) const;

 private:
  friend NormalizedText NormalizePrompt(std::string_view raw);
  std::string text_;
  // For each byte of text_, the original span [begin, end) it came from (empty when identity).
  std::vector<uint32_t> begin_;
  std::vector<uint32_t> end_;
  uint32_t raw_size_ = 0;
};

// `raw` must be valid UTF-8 (check with FindInvalidUtf8 first).
NormalizedText NormalizePrompt(std::string_view raw);

}  // namespace depict::text

#endif  // DEPICT_TEXT_NORMALIZE_H_
