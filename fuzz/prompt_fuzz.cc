// Fuzzes the engine's prompt path on arbitrary bytes: LoRA tag extraction, A1111 prompt editing
// schedules, A1111 attention parsing, CLIP text cleanup, BPE and 77-token chunking. It must never
// crash or hang. The CLIP vocabulary comes from scripts/fetch-models.sh; without it only the
// parsers are fuzzed.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "diffusion/clip_tokenizer.h"
#include "diffusion/prompt_parser.h"
#include "diffusion/prompt_schedule.h"

namespace {

const depict::diffusion::ClipTokenizer* Tokenizer() {
  static const std::unique_ptr<depict::diffusion::ClipTokenizer> tokenizer = [] {
    const std::filesystem::path vocab = "models/clip/bpe_simple_vocab_16e6.txt.gz";
    if (!std::filesystem::exists(vocab)) return std::unique_ptr<depict::diffusion::ClipTokenizer>();
    return std::make_unique<depict::diffusion::ClipTokenizer>(
        depict::diffusion::ClipTokenizer::FromBpeGz(vocab));
  }();
  return tokenizer.get();
}

}  // namespace

// PromptError is the documented answer to a bad prompt (a LoRA weight that is not a number or
// out of range, too many chunks); anything else escaping is a finding.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view prompt(reinterpret_cast<const char*>(data), size);
  // Every schedule ends at the step count, its ends rising.
  const auto schedule = depict::diffusion::PromptSchedule(prompt, 20);
  if (schedule.empty() || schedule.back().end_step != 20) __builtin_trap();
  for (size_t i = 1; i < schedule.size(); ++i) {
    if (schedule[i].end_step <= schedule[i - 1].end_step) __builtin_trap();
  }
  try {
    const auto segments = depict::diffusion::ParsePromptAttention(prompt);
    (void)segments;
  } catch (const depict::diffusion::PromptError&) {
  }
  try {
    const auto with_loras = depict::diffusion::ExtractLoraTags(prompt);
    if (const auto* tokenizer = Tokenizer(); tokenizer != nullptr && size < 2048) {
      const auto chunks = depict::diffusion::ChunkPrompt(with_loras.prompt, *tokenizer);
      (void)chunks;
    }
  } catch (const depict::diffusion::PromptError&) {
  }
  return 0;
}
