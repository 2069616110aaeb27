// CLIP tokenizer: text cleanup (ftfy's steps), the pre-tokenisation regex, byte-level BPE.
#include "diffusion/clip_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistd.h>
#include <unistr.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "io/file.h"
#include "text/html.h"
#include "text/unicode.h"

namespace depict::diffusion {
namespace {

using text::AppendUtf8;
using text::DecodeUtf8;
using text::EncodeUtf8;
using text::FtfyUnescapeHtml;
using text::kCp1252High;
using text::Normalize;
using text::PythonHtmlUnescape;
using text::ToLower;
using text::U32;

constexpr std::string_view kFetchHint = "run scripts/fetch-models.sh to download it";
constexpr char kVocabFileName[] = "bpe_simple_vocab_16e6.txt.gz";
// open_clip and transformers both read merges[1 : 49152 - 256 - 2 + 1] of the merges file: the
// vocabulary is 256 byte symbols, the same 256 with "</w>", 48,894 merges and 2 special tokens.
constexpr size_t kMergeCount = 49152 - 256 - 2;
constexpr size_t kBpeCacheLimit = 1 << 16;
// Tokenizer files (vocab.json, merges.txt, the inflated BPE merges) are 1-4 MB.
constexpr uint64_t kMaxTokenizerFileBytes = 64ull << 20;

// ---------------------------------------------------------------------------------------------
// ftfy's other fixes, in ftfy's order.

U32 FixC1Controls(U32 s) {
  for (char32_t& c : s) {
    if (c >= 0x80 && c <= 0x9F) c = kCp1252High[c - 0x80];
  }
  return s;
}

U32 FixLatinLigatures(const U32& s) {
  static const std::unordered_map<char32_t, std::u32string_view> kLigatures = {
      {0x0132, U"IJ"},      {0x0133, U"ij"}, {0x0149, U"\u02BCn"}, {0x01F1, U"DZ"},
      {0x01F2, U"Dz"},      {0x01F3, U"dz"}, {0x01C4, U"D\u017D"}, {0x01C5, U"D\u017E"},
      {0x01C6, U"d\u017E"}, {0x01C7, U"LJ"}, {0x01C8, U"Lj"},      {0x01C9, U"lj"},
      {0x01CA, U"NJ"},      {0x01CB, U"Nj"}, {0x01CC, U"nj"},      {0xFB00, U"ff"},
      {0xFB01, U"fi"},      {0xFB02, U"fl"}, {0xFB03, U"ffi"},     {0xFB04, U"ffl"},
      {0xFB05, U"\u017Ft"}, {0xFB06, U"st"}};
  U32 out;
  out.reserve(s.size());
  for (char32_t c : s) {
    auto it = kLigatures.find(c);
    if (it == kLigatures.end()) {
      out.push_back(c);
    } else {
      out += it->second;
    }
  }
  return out;
}

// Full-width ASCII, half-width katakana and Hangul and the other forms in U+FF01-U+FFEF become
// their NFKC form; the ideographic space U+3000 becomes a space.
U32 FixCharacterWidth(const U32& s) {
  static const std::vector<U32> kWidthMap = [] {
    std::vector<U32> map;
    for (char32_t c = 0xFF01; c < 0xFFF0; ++c) map.push_back(Normalize(UNINORM_NFKC, U32(1, c)));
    return map;
  }();
  U32 out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c == 0x3000) {
      out.push_back(' ');
    } else if (c >= 0xFF01 && c < 0xFFF0) {
      out += kWidthMap[c - 0xFF01];
    } else {
      out.push_back(c);
    }
  }
  return out;
}

U32 UncurlQuotes(U32 s) {
  for (char32_t& c : s) {
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) {
      c = '\'';
    } else if (c >= 0x201C && c <= 0x201F) {
      c = '"';
    }
  }
  return s;
}

U32 FixLineBreaks(const U32& s) {
  U32 out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;  // "\r\n" -> "\n"
    out.push_back(c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85 ? U'\n' : c);
  }
  return out;
}

// "\x1b[" then digits and ';' then a letter: ANSI colours and cursor moves.
U32 RemoveTerminalEscapes(const U32& s) {
  U32 out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == 0x1B && i + 1 < s.size() && s[i + 1] == '[') {
      size_t k = i + 2;
      while (k < s.size() && (s[k] == ';' || uc_decimal_value(s[k]) >= 0)) ++k;
      if (k < s.size() && s[k] < 0x80 && std::isalpha(static_cast<int>(s[k]))) {
        i = k + 1;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

U32 RemoveControlChars(const U32& s) {
  U32 out;
  out.reserve(s.size());
  for (char32_t c : s) {
    bool control = c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
                   (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
    if (!control) out.push_back(c);
  }
  return out;
}

// ftfy.fix_text on one line, less fix_encoding (mojibake repair) and fix_surrogates (a UTF-16
// matter): the fixes repeat until the text stops changing.
U32 FixSegment(U32 text, bool unescape_html) {
  for (int round = 0; round < 16; ++round) {
    U32 before = text;
    if (unescape_html) text = FtfyUnescapeHtml(text);
    text = FixC1Controls(std::move(text));
    text = FixLatinLigatures(text);
    text = FixCharacterWidth(text);
    text = UncurlQuotes(std::move(text));
    text = FixLineBreaks(text);
    text = RemoveTerminalEscapes(text);
    text = RemoveControlChars(text);
    text = Normalize(UNINORM_NFC, text);
    if (text == before) break;
  }
  return text;
}

// ftfy.fix_text: line by line; HTML entities are decoded until a line contains '<' (then the
// text is taken for HTML source, from that line on).
U32 FtfyFixText(const U32& text) {
  U32 out;
  bool unescape_html = true;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t newline = text.find(U'\n', pos);
    size_t end = newline == U32::npos ? text.size() : newline + 1;
    U32 segment = text.substr(pos, end - pos);
    if (segment.find(U'<') != U32::npos) unescape_html = false;
    out += FixSegment(std::move(segment), unescape_html);
    pos = end;
  }
  return out;
}

// Unicode White_Space, which both `regex`'s \s and Python's str.split() treat as whitespace
// (str.split() also splits at U+001C-U+001F, which ftfy has removed by then).
bool IsWhiteSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000 || (c >= 0x1C && c <= 0x1F);
}

U32 CollapseWhiteSpace(const U32& s) {
  U32 out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char32_t c : s) {
    if (IsWhiteSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

U32 CleanU32(const U32& text, ClipFlavor flavor) {
  U32 fixed = FtfyFixText(text);
  if (flavor == ClipFlavor::kOpenClip) {
    fixed = PythonHtmlUnescape(PythonHtmlUnescape(fixed));
  }
  return ToLower(CollapseWhiteSpace(fixed));
}

// ---------------------------------------------------------------------------------------------
// Byte symbols: each byte is a printable character, so that BPE never sees spaces or controls.
// Bytes that are printable Latin-1 stand for themselves; the other 68 map to U+0100 onwards.

std::array<char32_t, 256> ByteSymbols() {
  std::array<char32_t, 256> symbols{};
  std::array<bool, 256> printable{};
  for (int b = 0; b < 256; ++b) {
    printable[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  }
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) symbols[b] = printable[b] ? static_cast<char32_t>(b) : next++;
  return symbols;
}

// The bytes in the order of CLIP's first 256 vocabulary entries: printable ones first.
std::array<uint8_t, 256> ByteVocabularyOrder() {
  std::array<uint8_t, 256> order{};
  std::array<char32_t, 256> symbols = ByteSymbols();
  size_t n = 0;
  for (int b = 0; b < 256; ++b) {
    if (symbols[b] < 256) order[n++] = static_cast<uint8_t>(b);
  }
  for (int b = 0; b < 256; ++b) {
    if (symbols[b] >= 256) order[n++] = static_cast<uint8_t>(b);
  }
  return order;
}

std::string ByteSymbolUtf8(uint8_t b) {
  static const std::array<char32_t, 256> kSymbols = ByteSymbols();
  std::string out;
  AppendUtf8(kSymbols[b], out);
  return out;
}

// The pre-tokenisation pattern of CLIP: special tokens, the English contractions, runs of
// letters, single digits, runs of other non-space characters. \s is spelled out as Unicode's
// White_Space, which is what the `regex` module uses (PCRE2's \s would also take U+180E).
std::string ClipPattern(ClipFlavor flavor) {
  std::string special = flavor == ClipFlavor::kOpenAi ? R"(<\|startoftext\|>|<\|endoftext\|>)"
                                                      : R"(<start_of_text>|<end_of_text>)";
  return special +
         R"(|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|)"
         R"([^\t\n\x{0B}\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F})"
         R"(\x{205F}\x{3000}\p{L}\p{N}]+)";
}

std::pair<std::string, std::string> SpecialTokenTexts(ClipFlavor flavor) {
  if (flavor == ClipFlavor::kOpenAi) return {"<|startoftext|>", "<|endoftext|>"};
  return {"<start_of_text>", "<end_of_text>"};
}

std::string ReadGzip(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw ClipTokenizerError("CLIP vocabulary " + path.string() + " not found; " +
                             std::string(kFetchHint));
  }
  // Opened as a bounded regular file first (a FIFO is refused, never waited on); zlib reads the
  // same descriptor.
  io::RegularFile regular = [&] {
    try {
      return io::RegularFile::Open(path.string(), kMaxTokenizerFileBytes, "CLIP vocabulary");
    } catch (const io::FileError& e) {
      throw ClipTokenizerError(std::string(e.what()) + "; " + std::string(kFetchHint));
    }
  }();
  const int fd = dup(regular.fd());
  gzFile file = fd < 0 ? nullptr : gzdopen(fd, "rb");
  if (file == nullptr) {
    if (fd >= 0) close(fd);
    throw ClipTokenizerError("cannot open CLIP vocabulary " + path.string() + "; " +
                             std::string(kFetchHint));
  }
  std::string data;
  std::array<char, 1 << 16> buffer{};
  int n = 0;
  bool ok = true;
  while ((n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
    data.append(buffer.data(), static_cast<size_t>(n));
    if (data.size() > kMaxTokenizerFileBytes) {  // a gzip bomb, not a vocabulary
      gzclose(file);
      throw ClipTokenizerError("CLIP vocabulary " + path.string() + " inflates past " +
                               std::to_string(kMaxTokenizerFileBytes) + " bytes; delete it and " +
                               std::string(kFetchHint));
    }
  }
  int error = Z_OK;
  const char* message = gzerror(file, &error);
  std::string zlib_message = message == nullptr ? "" : message;
  if (n < 0 || (error != Z_OK && error != Z_STREAM_END)) ok = false;
  bool direct = gzdirect(file) != 0;  // zlib reads a file that is not gzip as it is
  gzclose(file);
  if (!ok || direct) {
    throw ClipTokenizerError("CLIP vocabulary " + path.string() + " is corrupt (" +
                             (direct ? std::string("not gzip data") : "gzip: " + zlib_message) +
                             "); delete it and " + std::string(kFetchHint));
  }
  return data;
}

std::vector<std::string_view> SplitWhiteSpace(std::string_view line) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t begin = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > begin) parts.push_back(line.substr(begin, i - begin));
  }
  return parts;
}

std::string ReadTextFile(const std::filesystem::path& path) {
  try {
    return io::ReadRegularFile(path.string(), kMaxTokenizerFileBytes, "tokenizer file");
  } catch (const io::FileError& e) {
    throw ClipTokenizerError(e.what());
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::filesystem::path DefaultClipVocabPath(const std::filesystem::path& models_dir) {
  return models_dir / "clip" / kVocabFileName;
}

UnicodeRegex::UnicodeRegex(std::string_view pattern, bool caseless) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  uint32_t options = PCRE2_UTF | PCRE2_UCP | (caseless ? PCRE2_CASELESS : 0);
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                        &error, &offset, nullptr);
  if (code_ == nullptr) {
    std::array<PCRE2_UCHAR, 256> message{};
    pcre2_get_error_message(error, message.data(), message.size());
    throw std::invalid_argument("regex '" + std::string(pattern) + "' at " +
                                std::to_string(offset) + ": " +
                                reinterpret_cast<const char*>(message.data()));
  }
}

UnicodeRegex::~UnicodeRegex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

UnicodeRegex::UnicodeRegex(UnicodeRegex&& other) noexcept
    : code_(std::exchange(other.code_, nullptr)) {}

UnicodeRegex& UnicodeRegex::operator=(UnicodeRegex&& other) noexcept {
  if (this != &other) {
    pcre2_code_free(static_cast<pcre2_code*>(code_));
    code_ = std::exchange(other.code_, nullptr);
  }
  return *this;
}

std::optional<UnicodeRegex::Match> UnicodeRegex::Find(std::string_view text, size_t start) const {
  if (start > text.size()) return std::nullopt;
  auto* code = static_cast<const pcre2_code*>(code_);
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create_from_pattern(code, nullptr), &pcre2_match_data_free);
  if (!data) throw std::bad_alloc();
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start, 0,
                       data.get(), nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return std::nullopt;
  if (rc < 0) {
    std::array<PCRE2_UCHAR, 256> message{};
    pcre2_get_error_message(rc, message.data(), message.size());
    throw std::invalid_argument(std::string("regex match: ") +
                                reinterpret_cast<const char*>(message.data()));
  }
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
  uint32_t pairs = pcre2_get_ovector_count(data.get());
  Match match;
  match.begin = ovector[0];
  match.end = ovector[1];
  for (uint32_t i = 1; i < pairs; ++i) {
    if (ovector[2 * i] == PCRE2_UNSET) {
      match.groups.emplace_back(std::string_view::npos, std::string_view::npos);
    } else {
      match.groups.emplace_back(ovector[2 * i], ovector[2 * i + 1]);
    }
  }
  return match;
}

std::string SanitizeUtf8(std::string_view text) { return EncodeUtf8(DecodeUtf8(text)); }

std::string CleanClipText(std::string_view text, ClipFlavor flavor) {
  return EncodeUtf8(CleanU32(DecodeUtf8(text), flavor));
}

// ---------------------------------------------------------------------------------------------

struct ClipTokenizer::Impl {
  ClipFlavor flavor = ClipFlavor::kOpenAi;
  std::vector<std::string> id_to_token;
  std::unordered_map<std::string, int> token_to_id;
  std::array<int, 256> byte_id{};      // the symbol of each byte inside a word
  std::array<int, 256> byte_end_id{};  // the same symbol + "</w>", ending a word
  // (left id << 32 | right id) -> (rank, merged id)
  std::unordered_map<uint64_t, std::pair<int, int>> merges;
  int bos_id = kClipBosId;
  int eos_id = kClipEosId;
  std::string bos_text, eos_text;  // the special tokens as the flavour spells them in text
  std::optional<int> pad_id;
  int comma_id = -1;
  std::optional<UnicodeRegex> pattern;

  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<int>> cache;

  void AddToken(const std::string& token, int id) {
    if (id < 0) throw ClipTokenizerError("negative token id for '" + token + "'");
    if (static_cast<size_t>(id) >= id_to_token.size()) id_to_token.resize(id + 1);
    id_to_token[id] = token;
    token_to_id.emplace(token, id);
  }

  int Require(const std::string& token, const std::string& source) const {
    auto it = token_to_id.find(token);
    if (it == token_to_id.end()) {
      throw ClipTokenizerError(source + ": token '" + token + "' is not in the vocabulary");
    }
    return it->second;
  }

  // Byte symbols, the merges (in rank order, as pairs of token strings), special tokens.
  void Finish(const std::vector<std::pair<std::string_view, std::string_view>>& merge_list,
              const std::string& source) {
    for (int b = 0; b < 256; ++b) {
      std::string symbol = ByteSymbolUtf8(static_cast<uint8_t>(b));
      byte_id[b] = Require(symbol, source);
      byte_end_id[b] = Require(symbol + "</w>", source);
    }
    merges.reserve(merge_list.size());
    for (size_t rank = 0; rank < merge_list.size(); ++rank) {
      auto [left, right] = merge_list[rank];
      std::string merged = std::string(left) + std::string(right);
      int left_id = Require(std::string(left), source);
      int right_id = Require(std::string(right), source);
      int merged_id = Require(merged, source);
      uint64_t key = (static_cast<uint64_t>(left_id) << 32) | static_cast<uint32_t>(right_id);
      merges.emplace(key, std::make_pair(static_cast<int>(rank), merged_id));
    }
    std::tie(bos_text, eos_text) = SpecialTokenTexts(flavor);
    comma_id = Require(",</w>", source);
    pattern.emplace(ClipPattern(flavor), /*caseless=*/true);
  }

  // BPE of one pre-token (its UTF-8 bytes): merge the lowest-ranked adjacent pair everywhere it
  // occurs, until no adjacent pair is a merge.
  std::vector<int> Bpe(std::string_view piece) const {
    std::vector<int> word;
    word.reserve(piece.size());
    for (size_t i = 0; i < piece.size(); ++i) {
      auto b = static_cast<uint8_t>(piece[i]);
      word.push_back(i + 1 == piece.size() ? byte_end_id[b] : byte_id[b]);
    }
    std::vector<int> next;
    while (word.size() > 1) {
      int best_rank = std::numeric_limits<int>::max();
      uint64_t best_key = 0;
      int best_merged = -1;
      for (size_t i = 0; i + 1 < word.size(); ++i) {
        uint64_t key = (static_cast<uint64_t>(word[i]) << 32) | static_cast<uint32_t>(word[i + 1]);
        auto it = merges.find(key);
        if (it != merges.end() && it->second.first < best_rank) {
          best_rank = it->second.first;
          best_key = key;
          best_merged = it->second.second;
        }
      }
      if (best_merged < 0) break;
      int first = static_cast<int>(best_key >> 32);
      int second = static_cast<int>(best_key & 0xFFFFFFFFu);
      next.clear();
      for (size_t i = 0; i < word.size();) {
        if (word[i] == first && i + 1 < word.size() && word[i + 1] == second) {
          next.push_back(best_merged);
          i += 2;
        } else {
          next.push_back(word[i]);
          ++i;
        }
      }
      word.swap(next);
    }
    return word;
  }

  std::vector<int> CachedBpe(const std::string& piece) const {
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      auto it = cache.find(piece);
      if (it != cache.end()) return it->second;
    }
    std::vector<int> ids = Bpe(piece);
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() >= kBpeCacheLimit) cache.clear();
    cache.emplace(piece, ids);
    return ids;
  }

  // Clean, split and BPE one stretch of text that holds no special-token split point.
  void EncodePart(std::string_view raw, std::vector<int>& ids) const {
    std::string text = CleanClipText(raw, flavor);
    size_t pos = 0;
    while (pos < text.size()) {
      std::optional<UnicodeRegex::Match> match = pattern->Find(text, pos);
      if (!match) break;
      std::string piece = text.substr(match->begin, match->end - match->begin);
      pos = match->end > match->begin ? match->end : match->begin + 1;
      if (piece.empty()) continue;
      if (piece == bos_text) {
        ids.push_back(bos_id);
      } else if (piece == eos_text) {
        ids.push_back(eos_id);
      } else {
        std::vector<int> piece_ids = CachedBpe(piece);
        ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
      }
    }
  }

  std::vector<int> Encode(std::string_view text) const {
    std::vector<int> ids;
    if (flavor == ClipFlavor::kOpenClip) {
      EncodePart(text, ids);
      return ids;
    }
    // transformers splits its added tokens (BOS, EOS and the pad token) out of the raw text
    // first, exactly and case-sensitively, leftmost and then longest first, then cleans and
    // encodes the text between them one stretch at a time.
    std::vector<std::pair<std::string_view, int>> added = {{bos_text, bos_id}, {eos_text, eos_id}};
    if (pad_id && *pad_id != bos_id && *pad_id != eos_id) {
      added.emplace_back(id_to_token[static_cast<size_t>(*pad_id)], *pad_id);
    }
    size_t pos = 0;
    while (true) {
      size_t best_at = std::string_view::npos;
      std::pair<std::string_view, int> best;
      for (const auto& token : added) {
        size_t at = text.find(token.first, pos);
        if (at < best_at || (at == best_at && at != std::string_view::npos &&
                             token.first.size() > best.first.size())) {
          best_at = at;
          best = token;
        }
      }
      if (best_at == std::string_view::npos) {
        EncodePart(text.substr(pos), ids);
        break;
      }
      EncodePart(text.substr(pos, best_at - pos), ids);
      ids.push_back(best.second);
      pos = best_at + best.first.size();
    }
    return ids;
  }
};

ClipTokenizer::ClipTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipTokenizer::ClipTokenizer(ClipTokenizer&&) noexcept = default;
ClipTokenizer& ClipTokenizer::operator=(ClipTokenizer&&) noexcept = default;
ClipTokenizer::~ClipTokenizer() = default;

ClipTokenizer ClipTokenizer::FromBpeGz(const std::filesystem::path& path, ClipFlavor flavor) {
  std::string data = ReadGzip(path);
  std::string source = "CLIP vocabulary " + path.string();
  std::vector<std::pair<std::string_view, std::string_view>> merge_list;
  merge_list.reserve(kMergeCount);
  std::string_view rest(data);
  size_t line_number = 0;
  while (merge_list.size() < kMergeCount && !rest.empty()) {
    size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    if (line_number++ == 0) continue;  // "bpe_simple_vocab_16e6.txt#version: 0.2"
    std::vector<std::string_view> parts = SplitWhiteSpace(line);
    if (parts.size() != 2) {
      throw ClipTokenizerError(source + " is corrupt (line " + std::to_string(line_number) +
                               " is not a merge); delete it and " + std::string(kFetchHint));
    }
    merge_list.emplace_back(parts[0], parts[1]);
  }
  if (merge_list.size() < kMergeCount) {
    throw ClipTokenizerError(source + " is truncated (" + std::to_string(merge_list.size()) +
                             " merges, CLIP has " + std::to_string(kMergeCount) +
                             "); delete it and " + std::string(kFetchHint));
  }

  auto impl = std::make_unique<Impl>();
  impl->flavor = flavor;
  // CLIP's vocabulary: the byte symbols (printable bytes first), the same ending a word, one
  // token per merge, then the two special tokens.
  int id = 0;
  std::array<uint8_t, 256> order = ByteVocabularyOrder();
  for (uint8_t b : order) impl->AddToken(ByteSymbolUtf8(b), id++);
  for (uint8_t b : order) impl->AddToken(ByteSymbolUtf8(b) + "</w>", id++);
  for (auto [left, right] : merge_list)
    impl->AddToken(std::string(left) + std::string(right), id++);
  auto [bos_text, eos_text] = SpecialTokenTexts(flavor);
  impl->AddToken(bos_text, id++);
  impl->AddToken(eos_text, id++);
  try {
    impl->Finish(merge_list, source);
  } catch (const ClipTokenizerError& e) {
    throw ClipTokenizerError(std::string(e.what()) + "; delete it and " + std::string(kFetchHint));
  }
  return ClipTokenizer(std::move(impl));
}

ClipTokenizer ClipTokenizer::FromDiffusersFolder(const std::filesystem::path& dir,
                                                 ClipFlavor flavor) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path folder = dir;
  if (!fs::exists(folder / "vocab.json", ec) &&
      fs::exists(folder / "tokenizer" / "vocab.json", ec)) {
    folder /= "tokenizer";
  }
  fs::path vocab_path = folder / "vocab.json";
  fs::path merges_path = folder / "merges.txt";
  for (const fs::path& p : {vocab_path, merges_path}) {
    if (!fs::exists(p, ec)) {
      throw ClipTokenizerError(p.string() +
                               " not found: a diffusers tokenizer folder has vocab.json and "
                               "merges.txt");
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->flavor = flavor;
  std::string source = vocab_path.string();
  try {
    nlohmann::json vocab = nlohmann::json::parse(ReadTextFile(vocab_path));
    if (!vocab.is_object()) throw ClipTokenizerError(source + ": not a JSON object");
    for (const auto& [token, value] : vocab.items()) {
      if (!value.is_number_integer()) {
        throw ClipTokenizerError(source + ": the id of '" + token + "' is not an integer");
      }
      impl->AddToken(token, value.get<int>());
    }
  } catch (const nlohmann::json::exception& e) {
    throw ClipTokenizerError(source + ": " + e.what());
  }

  // As transformers reads it: the whole file stripped, its first line skipped, then at most
  // 48,894 merges of two tokens each.
  std::string merges_text = ReadTextFile(merges_path);
  std::string_view rest(merges_text);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) {
    rest.remove_prefix(1);
  }
  std::vector<std::pair<std::string_view, std::string_view>> merge_list;
  size_t line_number = 0;
  while (merge_list.size() < kMergeCount && !rest.empty()) {
    size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    if (line_number++ == 0) continue;  // "#version: 0.2"
    std::vector<std::string_view> parts = SplitWhiteSpace(line);
    if (parts.size() == 2) merge_list.emplace_back(parts[0], parts[1]);
  }
  impl->Finish(merge_list, merges_path.string());
  impl->bos_id = impl->Require("<|startoftext|>", source);
  impl->eos_id = impl->Require("<|endoftext|>", source);

  // pad_token: a string or {"content": ...}, in special_tokens_map.json or tokenizer_config.json.
  for (const char* name : {"special_tokens_map.json", "tokenizer_config.json"}) {
    fs::path config_path = folder / name;
    if (!fs::is_regular_file(config_path, ec)) continue;
    nlohmann::json config = nlohmann::json::parse(ReadTextFile(config_path), nullptr, false);
    if (!config.is_object() || !config.contains("pad_token")) continue;
    const nlohmann::json& pad = config["pad_token"];
    std::string pad_text;
    if (pad.is_string()) {
      pad_text = pad.get<std::string>();
    } else if (pad.is_object() && pad.contains("content") && pad["content"].is_string()) {
      pad_text = pad["content"].get<std::string>();
    } else {
      continue;
    }
    auto it = impl->token_to_id.find(pad_text);
    if (it == impl->token_to_id.end()) {
      throw ClipTokenizerError(config_path.string() + ": pad_token '" + pad_text +
                               "' is not in the vocabulary");
    }
    impl->pad_id = it->second;
    break;
  }
  return ClipTokenizer(std::move(impl));
}

ClipTokenizer ClipTokenizer::Load(const std::filesystem::path& path, ClipFlavor flavor) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return FromDiffusersFolder(path, flavor);
  return FromBpeGz(path, flavor);
}

std::vector<int> ClipTokenizer::Encode(std::string_view text) const { return impl_->Encode(text); }

std::vector<std::string> ClipTokenizer::Tokenize(std::string_view text) const {
  std::vector<std::string> tokens;
  for (int id : Encode(text)) tokens.push_back(impl_->id_to_token.at(id));
  return tokens;
}

std::string ClipTokenizer::Decode(const std::vector<int>& ids) const {
  static const std::unordered_map<char32_t, uint8_t> kSymbolToByte = [] {
    std::unordered_map<char32_t, uint8_t> map;
    std::array<char32_t, 256> symbols = ByteSymbols();
    for (int b = 0; b < 256; ++b) map.emplace(symbols[b], static_cast<uint8_t>(b));
    return map;
  }();
  std::string bytes;
  for (int id : ids) {
    if (id == impl_->bos_id || id == impl_->eos_id) continue;
    if (id < 0 || static_cast<size_t>(id) >= impl_->id_to_token.size()) continue;
    for (char32_t c : DecodeUtf8(impl_->id_to_token[id])) {
      auto it = kSymbolToByte.find(c);
      if (it != kSymbolToByte.end()) bytes.push_back(static_cast<char>(it->second));
    }
  }
  std::string text = SanitizeUtf8(bytes);
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 4, "</w>") == 0) {
      out.push_back(' ');
      i += 4;
    } else {
      out.push_back(text[i++]);
    }
  }
  size_t begin = out.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  return out.substr(begin, out.find_last_not_of(' ') - begin + 1);
}

std::optional<int> ClipTokenizer::TokenId(std::string_view token) const {
  auto it = impl_->token_to_id.find(std::string(token));
  if (it == impl_->token_to_id.end()) return std::nullopt;
  return it->second;
}

int ClipTokenizer::comma_id() const { return impl_->comma_id; }
size_t ClipTokenizer::vocab_size() const { return impl_->token_to_id.size(); }
ClipFlavor ClipTokenizer::flavor() const { return impl_->flavor; }
std::optional<int> ClipTokenizer::pad_id() const { return impl_->pad_id; }

std::vector<int> Pack77(const std::vector<int>& ids, int pad_id) {
  std::vector<int> packed;
  packed.reserve(kClipContextLength);
  packed.push_back(kClipBosId);
  size_t keep = std::min(ids.size(), static_cast<size_t>(kClipContextLength - 2));
  packed.insert(packed.end(), ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(keep));
  packed.push_back(kClipEosId);
  packed.resize(kClipContextLength, pad_id);
  return packed;
}

}  // namespace depict::diffusion
