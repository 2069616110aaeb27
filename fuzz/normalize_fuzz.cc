// Fuzzes the prompt normalisation against the CLIP tokenizers' cleanup: on any text, the
// normalised form is a fixed point, the tokenizers change nothing in it but case, and its
// offset map stays inside the original and in order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "diffusion/clip_tokenizer.h"
#include "text/normalize.h"
#include "text/unicode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace depict;
  if (size > 4096) return 0;
  const std::string raw =
      diffusion::SanitizeUtf8(std::string_view(reinterpret_cast<const char*>(data), size));
  const text::NormalizedText n = text::NormalizePrompt(raw);
  const std::string& normal = n.text();
  if (text::NormalizePrompt(normal).text() != normal) __builtin_trap();
  const std::string lower = text::EncodeUtf8(text::ToLower(text::DecodeUtf8(normal)));
  if (diffusion::CleanClipText(normal, diffusion::ClipFlavor::kOpenAi) != lower) __builtin_trap();
  if (diffusion::CleanClipText(normal, diffusion::ClipFlavor::kOpenClip) != lower) {
    __builtin_trap();
  }
  uint32_t previous = 0;
  for (uint32_t i = 0; i <= normal.size(); ++i) {
    const uint32_t start = n.MapStart(i), end = n.MapEnd(i);
    if (start > raw.size() || end > raw.size() || start < previous) __builtin_trap();
    previous = start;
  }
  return 0;
}
