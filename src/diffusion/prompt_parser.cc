// A1111's prompt syntax: extra-network tags, attention weights, 75-token chunks.
#include "diffusion/prompt_parser.h"

#include <unictype.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace depict::diffusion {
namespace {

constexpr double kRoundBracketMultiplier = 1.1;
constexpr double kSquareBracketMultiplier = 1 / 1.1;

// The tokens of A1111's attention syntax, tried in this order at each position: the escapes
// \( \) \[ \] \\ and a lone backslash, the opening brackets, ":weight)" (group 1 the weight),
// the closing brackets, a run of plain text, a lone ':'.
const UnicodeRegex& AttentionPattern() {
  static const UnicodeRegex kPattern(
      R"(\\\(|\\\)|\\\[|\\]|\\\\|\\|\(|\[|:\s*([+-]?[.\d]+)\s*\)|\)|]|[^\\()\[\]:]+|:)");
  return kPattern;
}

const UnicodeRegex& BreakPattern() {
  static const UnicodeRegex kPattern(R"(\s*\bBREAK\b\s*)");
  return kPattern;
}

// A1111's extra-network tag: "<kind:args>".
const UnicodeRegex& ExtraNetworkPattern() {
  static const UnicodeRegex kPattern(R"(<(\w+):([^>]+)>)");
  return kPattern;
}

// Python's float() on the text A1111's weight group matched ([+-]?[.\d]+, \d any Unicode
// decimal digit): digits with at most one '.', and at least one digit.
std::optional<double> ParseAttentionWeight(std::string_view text) {
  std::string ascii;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    // Decode one UTF-8 character (the text is valid UTF-8: it came from a regex match).
    uint32_t c = p[i];
    size_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (length > 1) {
      c &= length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07;
      for (size_t k = 1; k < length && i + k < text.size(); ++k) c = (c << 6) | (p[i + k] & 0x3F);
    }
    i += length;
    if (c == '+' || c == '-' || c == '.') {
      ascii.push_back(static_cast<char>(c));
    } else if (int digit = uc_decimal_value(c); digit >= 0) {
      ascii.push_back(static_cast<char>('0' + digit));
    } else {
      return std::nullopt;
    }
  }
  std::string_view body(ascii);
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) body.remove_prefix(1);
  size_t dots = std::count(body.begin(), body.end(), '.');
  size_t digits = body.size() - dots;
  if (digits == 0 || dots > 1 || body.find_first_of("+-") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view number(ascii);
  if (number.front() == '+') number.remove_prefix(1);
  double value = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return value;
}

// Python's float() on a LoRA argument: surrounding whitespace allowed, finite numbers only.
std::optional<double> ParseLoraWeight(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);  // from_chars takes '-' but not '+'
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) return std::nullopt;
  }
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// re.split(re_break, text), with A1111's BREAK marker between the pieces.
void AppendPlainText(std::string_view text, std::vector<PromptSegment>& res) {
  size_t pos = 0;
  bool first = true;
  while (true) {
    std::optional<UnicodeRegex::Match> match = BreakPattern().Find(text, pos);
    size_t end = match ? match->begin : text.size();
    if (!first) res.push_back({"BREAK", -1.0});
    res.push_back({std::string(text.substr(pos, end - pos)), 1.0});
    first = false;
    if (!match) break;
    pos = match->end;
  }
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    size_t at = text.find(separator, pos);
    parts.push_back(
        text.substr(pos, at == std::string_view::npos ? std::string_view::npos : at - pos));
    if (at == std::string_view::npos) break;
    pos = at + 1;
  }
  return parts;
}

LoraTag ReadLoraTag(std::string_view tag, std::string_view args) {
  // A1111's ExtraNetworkParams: an item with exactly one '=' is named, any other positional.
  std::vector<std::string_view> positional;
  std::optional<std::string_view> te, unet;
  for (std::string_view item : Split(args, ':')) {
    size_t eq = item.find('=');
    bool named = eq != std::string_view::npos && item.find('=', eq + 1) == std::string_view::npos;
    if (!named) {
      positional.push_back(item);
    } else if (item.substr(0, eq) == "te") {
      te = item.substr(eq + 1);
    } else if (item.substr(0, eq) == "unet") {
      unet = item.substr(eq + 1);
    }
  }
  if (positional.empty()) {
    throw PromptError("LoRA tag '" + std::string(tag) + "' has no LoRA name");
  }
  auto weight = [&](std::string_view text) {
    std::optional<double> value = ParseLoraWeight(text);
    if (!value) {
      throw PromptError("LoRA tag '" + std::string(tag) + "': weight '" + std::string(text) +
                        "' is not a number");
    }
    if (std::abs(*value) > kMaxLoraWeight) {
      throw PromptError("LoRA tag '" + std::string(tag) + "': weight '" + std::string(text) +
                        "' is outside -10..10");
    }
    return *value;
  };
  LoraTag lora;
  lora.name = std::string(positional[0]);
  lora.weight = positional.size() > 1 ? weight(positional[1]) : 1.0;
  if (te) lora.weight = weight(*te);
  lora.unet_weight = positional.size() > 2 ? weight(positional[2]) : lora.weight;
  if (unet) lora.unet_weight = weight(*unet);
  return lora;
}

}  // namespace

bool IsBreak(const PromptSegment& segment) {
  return segment.text == "BREAK" && segment.weight == -1.0;
}

std::vector<PromptSegment> ParsePromptAttention(std::string_view prompt_in) {
  std::string prompt = SanitizeUtf8(prompt_in);
  std::vector<PromptSegment> res;
  std::vector<size_t> round_brackets;
  std::vector<size_t> square_brackets;
  auto multiply_range = [&res](size_t start, double multiplier) {
    for (size_t p = start; p < res.size(); ++p) res[p].weight *= multiplier;
  };

  size_t pos = 0;
  while (pos < prompt.size()) {
    std::optional<UnicodeRegex::Match> match = AttentionPattern().Find(prompt, pos);
    if (!match) break;
    pos = std::max(match->end, match->begin + 1);
    std::string_view text =
        std::string_view(prompt).substr(match->begin, match->end - match->begin);
    const auto& weight_group = match->groups.at(0);
    bool has_weight = weight_group.first != std::string_view::npos;

    if (text.front() == '\\') {
      res.push_back({std::string(text.substr(1)), 1.0});
    } else if (text == "(") {
      round_brackets.push_back(res.size());
    } else if (text == "[") {
      square_brackets.push_back(res.size());
    } else if (has_weight && !round_brackets.empty()) {
      std::string_view weight_text = std::string_view(prompt).substr(
          weight_group.first, weight_group.second - weight_group.first);
      std::optional<double> weight = ParseAttentionWeight(weight_text);
      if (!weight) {
        throw PromptError("prompt: attention weight '" + std::string(weight_text) +
                          "' is not a number");
      }
      multiply_range(round_brackets.back(), *weight);
      round_brackets.pop_back();
    } else if (text == ")" && !round_brackets.empty()) {
      multiply_range(round_brackets.back(), kRoundBracketMultiplier);
      round_brackets.pop_back();
    } else if (text == "]" && !square_brackets.empty()) {
      multiply_range(square_brackets.back(), kSquareBracketMultiplier);
      square_brackets.pop_back();
    } else {
      AppendPlainText(text, res);
    }
  }

  for (size_t start : round_brackets) multiply_range(start, kRoundBracketMultiplier);
  for (size_t start : square_brackets) multiply_range(start, kSquareBracketMultiplier);
  if (res.empty()) res.push_back({"", 1.0});

  // Merge runs of identical weights.
  std::vector<PromptSegment> merged;
  for (PromptSegment& segment : res) {
    if (!merged.empty() && merged.back().weight == segment.weight) {
      merged.back().text += segment.text;
    } else {
      merged.push_back(std::move(segment));
    }
  }
  return merged;
}

PromptWithLoras ExtractLoraTags(std::string_view prompt_in) {
  std::string prompt = SanitizeUtf8(prompt_in);
  PromptWithLoras out;
  size_t pos = 0;
  while (pos < prompt.size()) {
    std::optional<UnicodeRegex::Match> match = ExtraNetworkPattern().Find(prompt, pos);
    if (!match) break;
    out.prompt.append(prompt, pos, match->begin - pos);
    std::string_view view(prompt);
    auto group = [&](size_t i) {
      return view.substr(match->groups[i].first, match->groups[i].second - match->groups[i].first);
    };
    std::string_view kind = group(0);
    if (kind == "lora" || kind == "lyco") {
      out.loras.push_back(
          ReadLoraTag(view.substr(match->begin, match->end - match->begin), group(1)));
    }
    pos = match->end;
  }
  if (pos < prompt.size()) out.prompt.append(prompt, pos);
  return out;
}

ChunkedPrompt ChunkTokens(const std::vector<WeightedTokens>& parts, int comma_id,
                          const ChunkOptions& options) {
  ChunkedPrompt out;
  std::vector<int> ids;
  std::vector<float> weights;
  int last_comma = -1;

  auto close_chunk = [&](bool is_last) {
    if (out.chunks.size() == kMaxPromptChunks) {
      throw PromptError("prompt needs more than " + std::to_string(kMaxPromptChunks) +
                        " chunks of 75 tokens (BREAK starts a chunk), the limit");
    }
    out.token_count += is_last ? static_cast<int>(ids.size()) : kChunkLength;
    PromptChunk chunk;
    chunk.ids.reserve(kClipContextLength);
    chunk.weights.reserve(kClipContextLength);
    chunk.ids.push_back(kClipBosId);
    chunk.weights.push_back(1.0f);
    chunk.ids.insert(chunk.ids.end(), ids.begin(), ids.end());
    chunk.weights.insert(chunk.weights.end(), weights.begin(), weights.end());
    chunk.ids.resize(kChunkLength + 1, kClipEosId);
    chunk.weights.resize(kChunkLength + 1, 1.0f);
    chunk.ids.push_back(kClipEosId);
    chunk.weights.push_back(1.0f);
    if (options.pad_id != kClipEosId) {
      auto first_eos = std::find(chunk.ids.begin(), chunk.ids.end(), kClipEosId);
      std::fill(first_eos + 1, chunk.ids.end(), options.pad_id);
    }
    out.chunks.push_back(std::move(chunk));
    ids.clear();
    weights.clear();
    last_comma = -1;
  };

  for (const WeightedTokens& part : parts) {
    if (part.is_break) {
      close_chunk(false);
      continue;
    }
    auto weight = static_cast<float>(part.weight);
    for (int token : part.ids) {
      int length = static_cast<int>(ids.size());
      if (token == comma_id) {
        last_comma = length;
      } else if (options.comma_padding_backtrack != 0 && length == kChunkLength &&
                 last_comma != -1 && length - last_comma <= options.comma_padding_backtrack) {
        // Close the chunk just after its last comma and carry the words after it over.
        auto split = static_cast<std::ptrdiff_t>(last_comma + 1);
        std::vector<int> carried_ids(ids.begin() + split, ids.end());
        std::vector<float> carried_weights(weights.begin() + split, weights.end());
        ids.resize(static_cast<size_t>(split));
        weights.resize(static_cast<size_t>(split));
        close_chunk(false);
        ids = std::move(carried_ids);
        weights = std::move(carried_weights);
      }
      if (static_cast<int>(ids.size()) == kChunkLength) close_chunk(false);
      ids.push_back(token);
      weights.push_back(weight);
    }
  }
  if (!ids.empty() || out.chunks.empty()) close_chunk(true);
  return out;
}

void CheckPromptLength(std::string_view prompt, std::string_view what) {
  if (prompt.size() > kMaxPromptBytes) {
    throw PromptError(std::string(what) + " is " + std::to_string(prompt.size()) +
                      " bytes, more than the limit of " + std::to_string(kMaxPromptBytes));
  }
}

ChunkedPrompt ChunkPrompt(std::string_view prompt, const ClipTokenizer& tokenizer,
                          const ChunkOptions& options) {
  CheckPromptLength(prompt, "prompt");
  std::vector<PromptSegment> segments;
  if (options.emphasis) {
    segments = ParsePromptAttention(prompt);
  } else {
    segments.push_back({std::string(prompt), 1.0});
  }
  std::vector<WeightedTokens> parts;
  parts.reserve(segments.size());
  for (const PromptSegment& segment : segments) {
    if (IsBreak(segment)) {
      parts.push_back({{}, segment.weight, true});
    } else if (!(std::abs(segment.weight) <= kMaxAttentionWeight)) {  // false for NaN too
      throw PromptError("prompt: attention weight " + std::to_string(segment.weight) +
                        " is outside -100..100");
    } else {
      parts.push_back({tokenizer.Encode(segment.text), segment.weight, false});
    }
  }
  return ChunkTokens(parts, tokenizer.comma_id(), options);
}

PromptChunk EmptyChunk(int pad_id) {
  PromptChunk chunk;
  chunk.ids.assign(kClipContextLength, pad_id);
  chunk.ids[0] = kClipBosId;
  chunk.ids[1] = kClipEosId;
  chunk.weights.assign(kClipContextLength, 1.0f);
  return chunk;
}

}  // namespace depict::diffusion
