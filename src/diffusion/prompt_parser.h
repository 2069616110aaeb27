// AUTOMATIC1111's prompt syntax, as stable-diffusion-webui reads it before its text encoder runs:
// LoRA tags, attention weights and the chunking of long prompts into 77-token encoder inputs.
//
// The order A1111 applies them, which callers should follow:
//   1. ExtractLoraTags: "<lora:name:weight>" tags (any "<kind:args>" extra-network tag) are
//      removed from the prompt; the LoRA ones are returned.
//   2. ParsePromptAttention: the prompt becomes (text, weight) segments.
//   3. ChunkPrompt: each segment is tokenized on its own and the tokens are packed into chunks
//      of 75 (BOS + 75 + EOS = 77), with per-token weights.
// A1111's prompt editing ("[cat:dog:0.5]", "[a|b]") runs between steps 1 and 2
// (prompt_schedule.h): each text of the schedule is parsed and chunked on its own. Composable
// "AND" is not handled: it reads as a word.
//
// Applying the weights (A1111's default "Original" emphasis) is the text encoder's job: multiply
// each token's hidden state by its weight, then rescale the whole chunk's output so its mean is
// the mean it had before the multiplication.
#ifndef DEPICT_DIFFUSION_PROMPT_PARSER_H_
#define DEPICT_DIFFUSION_PROMPT_PARSER_H_

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "diffusion/clip_tokenizer.h"

namespace depict::diffusion {

// A prompt A1111 itself rejects (an attention weight that is not a number, "(a:1.2.3)"; a LoRA
// weight that is not one, "<lora:x:high>").
class PromptError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct PromptSegment {
  std::string text;
  double weight = 1.0;
  bool operator==(const PromptSegment&) const = default;
};

// A1111's marker for the BREAK keyword: text "BREAK" with weight exactly -1. A BREAK inside
// brackets gets its weight multiplied like any text, stops being a marker and is encoded as the
// word "BREAK" (A1111 does the same).
bool IsBreak(const PromptSegment& segment);

// A1111's parse_prompt_attention:
//   (text)      weight x1.1         [text]   weight /1.1
//   (text:1.3)  weight x1.3         nesting multiplies: ((text)) is x1.21
//   \( \) \[ \] \\  literal characters; a lone "\" is dropped
//   BREAK       (a separate word, case-sensitive) ends the current 75-token chunk
// Brackets left open at the end apply to the rest of the prompt; a closing bracket with none
// open is plain text; ":" is plain text except in "(text:number)"; runs of equal weight are
// merged; an empty prompt gives one empty segment. Weights are computed in double in A1111's
// order, so they equal A1111's bit for bit. Throws PromptError where A1111 raises.
std::vector<PromptSegment> ParsePromptAttention(std::string_view prompt);

struct LoraTag {
  std::string name;
  double weight = 1.0;       // text encoder multiplier
  double unet_weight = 1.0;  // UNet multiplier; the text encoder's unless given
  bool operator==(const LoraTag&) const = default;
};

struct PromptWithLoras {
  std::string prompt;  // the prompt with every extra-network tag removed
  std::vector<LoraTag> loras;
};

// Removes A1111's extra-network tags, "<kind:arg:arg...>" (kind a run of word characters, the
// arguments anything up to '>'), and returns those of kind "lora" (or its alias "lyco") in prompt
// order. Arguments as A1111's LoRA network reads them: name, then optional text-encoder weight
// (default 1), then optional UNet weight (default: the text-encoder weight); "te=W" and "unet=W"
// set them by name. Other kinds (hypernet, ...) are removed and ignored. Throws PromptError for a
// weight that is not a number or lies outside -kMaxLoraWeight..kMaxLoraWeight.
PromptWithLoras ExtractLoraTags(std::string_view prompt);

inline constexpr int kChunkLength = 75;

// Limits that keep a hostile prompt from costing memory or time (each chunk costs a text-encoder
// pass and 77 rows of the UNet's context at every step):
//   kMaxPromptBytes   a prompt or negative prompt given to the engine: twice the planner's
//                     4,000-byte limit on what a user types (plan::kMaxPromptBytes), so that the
//                     planner's rewrite of a maximal prompt still fits
//   kMaxPromptChunks  32 chunks of 75 tokens (2,400 tokens), past any practical A1111 prompt
//                     (its UI shows "n/75" and long prompts run to a few chunks)
//   kMaxLoraWeight    a LoRA multiplier in -10..10: useful ones lie within about -2..2, and a
//                     weight of 1e30 would only turn the image into NaN
inline constexpr size_t kMaxPromptBytes = 8000;
inline constexpr size_t kMaxPromptChunks = 32;
inline constexpr double kMaxLoraWeight = 10.0;
// An attention weight ("(cat:1.3)", or nested brackets multiplied out) in -100..100: useful ones
// lie within about 0..2, and 1.1^n of a few thousand '(' would overflow to infinity.
inline constexpr double kMaxAttentionWeight = 100.0;

// Throws PromptError naming `what` ("prompt", "negative prompt") when `prompt` is longer than
// kMaxPromptBytes.
void CheckPromptLength(std::string_view prompt, std::string_view what);
inline constexpr int kCommaPaddingBacktrack = 20;  // A1111's default comma_padding_backtrack

// One text-encoder input: 77 ids (BOS, 75 tokens or padding, EOS) and 77 weights.
struct PromptChunk {
  std::vector<int> ids;
  std::vector<float> weights;
};

struct ChunkedPrompt {
  std::vector<PromptChunk> chunks;
  // Tokens in the prompt as A1111 counts them (its "n/75" counter): 75 for every chunk but the
  // last, plus the last chunk's tokens.
  int token_count = 0;
};

struct ChunkOptions {
  // Padding after the first EOS of each chunk: kSd1PadId (the EOS itself) or kSd2PadId (0).
  // A1111 encodes SD 1.x prompts with transformers' tokenizer (ClipFlavor::kOpenAi) and SD 2.x
  // ones with open_clip's (ClipFlavor::kOpenClip).
  int pad_id = kSd1PadId;
  // When a chunk fills up, a comma among its last this-many tokens moves the text after it to
  // the next chunk; 0 turns this off (A1111's comma_padding_backtrack setting).
  int comma_padding_backtrack = kCommaPaddingBacktrack;
  // false: the prompt is taken literally, without attention syntax (A1111's emphasis "None").
  bool emphasis = true;
};

// Already tokenized text with one weight, or a BREAK (ids empty).
struct WeightedTokens {
  std::vector<int> ids;
  double weight = 1.0;
  bool is_break = false;
};

// A1111's chunking (sd_hijack_clip.py, tokenize_line), on tokenized segments:
//   - tokens fill a chunk up to 75; a full chunk is closed before the next token goes in;
//   - when the chunk is full, the next token is no comma and the last comma in the chunk is at
//     most comma_padding_backtrack tokens from its end, the tokens after that comma move to the
//     next chunk (a comma arriving at a full chunk opens the next one and does not count);
//   - BREAK closes the current chunk (even an empty one) and starts a new one;
//   - the last chunk is closed if it holds tokens, or if there is no chunk yet (an empty prompt
//     gives one chunk of BOS, EOS and padding);
//   - each chunk is padded to 75 with EOS (weight 1), then BOS and EOS (weight 1) go around it,
//     and with pad_id != EOS everything after the chunk's first EOS becomes pad_id.
// Throws PromptError when the prompt needs more than kMaxPromptChunks chunks (before making
// more of them).
ChunkedPrompt ChunkTokens(const std::vector<WeightedTokens>& parts, int comma_id,
                          const ChunkOptions& options = {});

// The whole of steps 2 and 3 for one prompt (after ExtractLoraTags). Throws PromptError for a
// prompt over kMaxPromptBytes or kMaxPromptChunks, or with a weight outside
// -kMaxAttentionWeight..kMaxAttentionWeight.
ChunkedPrompt ChunkPrompt(std::string_view prompt, const ClipTokenizer& tokenizer,
                          const ChunkOptions& options = {});

// The chunk A1111 pairs with a prompt that has fewer chunks than another in the same batch
// (its cond and uncond must have as many): BOS, then EOS, then padding.
PromptChunk EmptyChunk(int pad_id);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_PROMPT_PARSER_H_
