// CLIP's byte-level BPE tokenizer, as Stable Diffusion's text encoders see their prompts.
//
// Encode() reproduces the reference tokenizers id for id:
//   - SD 1.x: transformers' CLIPTokenizer for openai/clip-vit-large-patch14 (the slow, Python
//     tokenizer, with ftfy installed, as A1111 and diffusers use it): ClipFlavor::kOpenAi.
//   - SD 2.x: open_clip's SimpleTokenizer (OpenCLIP ViT-H/14): ClipFlavor::kOpenClip.
// Both run the same pipeline: clean the text, collapse whitespace, lower-case, split it with
// CLIP's pre-tokenisation regex, map each piece's UTF-8 bytes to CLIP's printable byte symbols
// and merge them by BPE rank ("</w>" marks the end of a piece). They differ only in how they
// treat HTML entities and which special-token spellings they recognise in the text (see
// CleanClipText and ClipFlavor).
//
// Text cleanup. The references run ftfy.fix_text, a large heuristic library; depict reproduces
// every ftfy step that applies to prompts (HTML entity decoding, C1 control characters as
// Windows-1252, Latin ligatures, full/half-width forms, curly quotes, line breaks, terminal
// escapes, control characters, NFC) and deliberately not its mojibake repair ("cafÃ©" stays as
// it is instead of becoming "café"): guessing encodings is not reproducible enough to be worth
// it for prompts, which reach depict as valid UTF-8. HTML entities are decoded from the HTML 4
// table (every named entity of HTML 4.01, plus &apos; and the all-caps legacy names), not the
// 2,000 names of HTML5. Unicode lower-casing and normalisation come from GNU libunistring, the
// regex's \p{L} and \p{N} from PCRE2: both Unicode 14, as Python 3.11.
//
// The vocabulary comes from either
//   - open_clip's bpe_simple_vocab_16e6.txt.gz (the merges, from which CLIP's vocabulary is
//     derived), which scripts/fetch-models.sh puts at models/clip/, for single-file checkpoints;
//   - a diffusers tokenizer/ folder (vocab.json + merges.txt).
#ifndef DEPICT_DIFFUSION_CLIP_TOKENIZER_H_
#define DEPICT_DIFFUSION_CLIP_TOKENIZER_H_

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace depict::diffusion {

inline constexpr int kClipBosId = 49406;  // <|startoftext|>
inline constexpr int kClipEosId = 49407;  // <|endoftext|>
inline constexpr int kClipContextLength = 77;
// Padding after the EOS of a 77-token sequence. SD 1.x: CLIPTokenizer for
// openai/clip-vit-large-patch14 pads with its pad token, "<|endoftext|>" (diffusers' SD 1.x
// tokenizer/ folders say so too), and A1111 pads SD 1.x chunks with the EOS id. SD 2.x:
// open_clip's tokenizer fills the rest of the 77 with zeros (id 0 is "!"); diffusers' SD 2.x
// tokenizer/ folders set pad_token "!", and A1111 pads SD 2.x chunks with 0 after the first EOS.
inline constexpr int kSd1PadId = kClipEosId;
inline constexpr int kSd2PadId = 0;

// Where scripts/fetch-models.sh puts the CLIP vocabulary, under a models directory.
std::filesystem::path DefaultClipVocabPath(const std::filesystem::path& models_dir);

class ClipTokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ClipFlavor {
  // transformers' CLIPTokenizer (SD 1.x): "<|startoftext|>" and "<|endoftext|>" in the text are
  // the special tokens (split out before cleaning, as transformers' added-token trie does);
  // HTML entities are decoded once, by ftfy's rules.
  kOpenAi,
  // open_clip's SimpleTokenizer (SD 2.x): "<start_of_text>" and "<end_of_text>" are the special
  // tokens; after ftfy, html.unescape runs twice more (entities without ";" too, "&amp" -> "&").
  kOpenClip,
};

// A PCRE2 regex over UTF-8 with Unicode semantics (\w, \d, \s, \b and \p{..} by Unicode
// properties), the closest match to Python's `regex` and `re` on str. Thread-safe to use.
class UnicodeRegex {
 public:
  // Throws std::invalid_argument when the pattern does not compile.
  explicit UnicodeRegex(std::string_view pattern, bool caseless = false);
  ~UnicodeRegex();
  UnicodeRegex(UnicodeRegex&& other) noexcept;
  UnicodeRegex& operator=(UnicodeRegex&& other) noexcept;
  UnicodeRegex(const UnicodeRegex&) = delete;
  UnicodeRegex& operator=(const UnicodeRegex&) = delete;

  struct Match {
    size_t begin = 0;
    size_t end = 0;
    // Capture groups 1..n as [begin, end) byte ranges; begin == npos for a group that did not
    // take part in the match.
    std::vector<std::pair<size_t, size_t>> groups;
  };
  // The first match starting at or after byte `start` of `text` (valid UTF-8), if any.
  std::optional<Match> Find(std::string_view text, size_t start = 0) const;

 private:
  void* code_ = nullptr;  // pcre2_code_8*
};

// `text` with each invalid UTF-8 sequence replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view text);

// CLIP's text cleanup for one flavour, before the regex split: the ftfy steps above, whitespace
// runs collapsed to one space and trimmed, then full Unicode lower-casing (as Python's
// str.lower(): "İ" -> "i̇", a final "Σ" -> "ς"). Invalid UTF-8 bytes become U+FFFD.
std::string CleanClipText(std::string_view text, ClipFlavor flavor = ClipFlavor::kOpenAi);

class ClipTokenizer {
 public:
  // open_clip's gzipped merges file (bpe_simple_vocab_16e6.txt.gz). Throws ClipTokenizerError
  // naming the file, and telling to run scripts/fetch-models.sh, when it is missing or corrupt.
  static ClipTokenizer FromBpeGz(const std::filesystem::path& path,
                                 ClipFlavor flavor = ClipFlavor::kOpenAi);
  // A diffusers tokenizer folder (vocab.json + merges.txt), or a checkpoint folder holding one
  // as tokenizer/. Reads pad_token from special_tokens_map.json or tokenizer_config.json when
  // present (see pad_id()). With ClipFlavor::kOpenAi the pad token is, as in transformers, split
  // out of the text like BOS and EOS: SD 2.x folders name "!", so diffusers' SD 2.x pipelines
  // encode a "!" in a prompt as id 0 instead of "!</w>" (256), and so does this tokenizer.
  // Throws ClipTokenizerError.
  static ClipTokenizer FromDiffusersFolder(const std::filesystem::path& dir,
                                           ClipFlavor flavor = ClipFlavor::kOpenAi);
  // A folder is read with FromDiffusersFolder, a file with FromBpeGz.
  static ClipTokenizer Load(const std::filesystem::path& path,
                            ClipFlavor flavor = ClipFlavor::kOpenAi);

  ClipTokenizer(ClipTokenizer&&) noexcept;
  ClipTokenizer& operator=(ClipTokenizer&&) noexcept;
  ~ClipTokenizer();

  // Token ids of `text`, without BOS/EOS, as the reference's encode(). Thread-safe.
  std::vector<int> Encode(std::string_view text) const;
  // The BPE token strings of `text` (byte symbols, "</w>" ending each word).
  std::vector<std::string> Tokenize(std::string_view text) const;
  // Text of `ids`: "</w>" becomes a space, special tokens are dropped, bad UTF-8 becomes U+FFFD.
  std::string Decode(const std::vector<int>& ids) const;

  // The id of a vocabulary entry ("cat</w>", ",</w>"), or nullopt.
  std::optional<int> TokenId(std::string_view token) const;
  int comma_id() const;  // ",</w>", which A1111's chunking backtracks to
  size_t vocab_size() const;
  ClipFlavor flavor() const;
  // The pad token a diffusers folder names (49407 for SD 1.x folders, 0 for SD 2.x ones);
  // nullopt for the bpe file, where the caller picks kSd1PadId or kSd2PadId by model.
  std::optional<int> pad_id() const;

 private:
  struct Impl;
  explicit ClipTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One 77-token text-encoder input: BOS, the first 75 ids, EOS, then pad_id up to 77 (kSd1PadId
// or kSd2PadId). Longer prompts are truncated here, as the references truncate; A1111-style
// chunking of long prompts is in prompt_parser.h.
std::vector<int> Pack77(const std::vector<int>& ids, int pad_id);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_CLIP_TOKENIZER_H_
