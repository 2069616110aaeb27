#include "diffusion/prompt_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "diffusion/clip_tokenizer.h"

namespace depict::diffusion {
namespace {

namespace fs = std::filesystem;

constexpr int kComma = 267;  // ",</w>"

const ClipTokenizer& Tokenizer() {
  static const ClipTokenizer kTokenizer =
      ClipTokenizer::FromBpeGz(DefaultClipVocabPath(DEPICT_MODELS_DIR));
  return kTokenizer;
}

// Tokens 1000, 1001, ... standing for words; `comma_at` lists positions that hold a comma.
std::vector<int> Words(int n, const std::vector<int>& comma_at = {}, int first = 1000) {
  std::vector<int> ids;
  for (int i = 0; i < n; ++i) ids.push_back(first + i);
  for (int at : comma_at) ids[static_cast<size_t>(at)] = kComma;
  return ids;
}

std::vector<int> Slice(const std::vector<int>& ids, size_t begin, size_t end) {
  return std::vector<int>(ids.begin() + static_cast<std::ptrdiff_t>(begin),
                          ids.begin() + static_cast<std::ptrdiff_t>(end));
}

// The 77 ids A1111 makes of `tokens`: BOS, tokens, EOS up to 75 and one more EOS; with an SD 2.x
// pad, everything after the first EOS is the pad.
std::vector<int> Chunk(const std::vector<int>& tokens, int pad_id = kSd1PadId) {
  std::vector<int> ids = {kClipBosId};
  ids.insert(ids.end(), tokens.begin(), tokens.end());
  ids.push_back(kClipEosId);
  ids.resize(77, pad_id);
  return ids;
}

TEST(PromptParserTest, MatchesA1111ParsePromptAttention) {
  std::ifstream in(fs::path(DEPICT_FIXTURES) / "tokenizer" / "a1111_parse.json");
  ASSERT_TRUE(in) << "cannot read tokenizer/a1111_parse.json";
  nlohmann::json fixture = nlohmann::json::parse(in);
  ASSERT_GE(fixture["cases"].size(), 60u);
  for (const auto& c : fixture["cases"]) {
    std::string prompt = c["prompt"].get<std::string>();
    if (c.contains("error")) {
      EXPECT_THROW(ParsePromptAttention(prompt), PromptError) << prompt;
      continue;
    }
    std::vector<PromptSegment> expected;
    for (const auto& s : c["segments"]) {
      expected.push_back({s[0].get<std::string>(), s[1].get<double>()});
    }
    std::vector<PromptSegment> actual = ParsePromptAttention(prompt);
    ASSERT_EQ(actual.size(), expected.size()) << prompt;
    for (size_t i = 0; i < actual.size(); ++i) {
      EXPECT_EQ(actual[i].text, expected[i].text) << prompt << " segment " << i;
      // Exactly: the same multiplications in the same order give the same doubles.
      EXPECT_EQ(actual[i].weight, expected[i].weight) << prompt << " segment " << i;
    }
  }
}

TEST(PromptParserTest, WeightsAndBreaks) {
  std::vector<PromptSegment> parsed = ParsePromptAttention("a (b:1.5) [c] ((d)) BREAK e");
  ASSERT_EQ(parsed.size(), 9u);
  EXPECT_EQ(parsed[0], (PromptSegment{"a ", 1.0}));
  EXPECT_EQ(parsed[1], (PromptSegment{"b", 1.5}));
  EXPECT_EQ(parsed[3], (PromptSegment{"c", 1 / 1.1}));
  EXPECT_EQ(parsed[5], (PromptSegment{"d", 1.1 * 1.1}));
  EXPECT_EQ(parsed[6].text, "");
  EXPECT_TRUE(IsBreak(parsed[7]));
  EXPECT_EQ(parsed[8], (PromptSegment{"e", 1.0}));

  // Inside brackets BREAK is weighted like text and is no longer a chunk break.
  std::vector<PromptSegment> bracketed = ParsePromptAttention("(a BREAK b)");
  ASSERT_EQ(bracketed.size(), 3u);
  EXPECT_EQ(bracketed[1].text, "BREAK");
  EXPECT_FALSE(IsBreak(bracketed[1]));

  EXPECT_EQ(ParsePromptAttention(""), (std::vector<PromptSegment>{{"", 1.0}}));
  EXPECT_THROW(ParsePromptAttention("(a:1.2.3)"), PromptError);
  // A weight with no "(" open is plain text.
  EXPECT_EQ(ParsePromptAttention("a:1.2)"), (std::vector<PromptSegment>{{"a:1.2)", 1.0}}));
}

TEST(PromptLoraTest, ExtractsLoraTagsAsA1111) {
  PromptWithLoras out = ExtractLoraTags("<lora:detail:0.8> (masterpiece:1.2), 1girl");
  EXPECT_EQ(out.prompt, " (masterpiece:1.2), 1girl");
  EXPECT_EQ(out.loras, (std::vector<LoraTag>{{"detail", 0.8, 0.8}}));

  out = ExtractLoraTags(
      "a <lora:one> b<lora:two:0.5:0.25>c <lyco:three:te=0.3:unet=0.7> <hypernet:h:1>"
      "<lora:café_v2:-1.5> <lora:> < lora:x:1>");
  EXPECT_EQ(out.prompt, "a  bc   <lora:> < lora:x:1>");
  EXPECT_EQ(
      out.loras,
      (std::vector<LoraTag>{
          {"one", 1.0, 1.0}, {"two", 0.5, 0.25}, {"three", 0.3, 0.7}, {"café_v2", -1.5, -1.5}}));

  out = ExtractLoraTags("no tags here");
  EXPECT_EQ(out.prompt, "no tags here");
  EXPECT_TRUE(out.loras.empty());

  EXPECT_THROW(ExtractLoraTags("<lora:x:high>"), PromptError);
  EXPECT_THROW(ExtractLoraTags("<lora:x:1:unet=big>"), PromptError);
  EXPECT_THROW(ExtractLoraTags("<lora:te=1>"), PromptError);  // no name
}

TEST(PromptChunkTest, ShortAndEmptyPrompts) {
  ChunkedPrompt three = ChunkTokens({{{320, 1125, 539}, 1.2, false}}, kComma);
  ASSERT_EQ(three.chunks.size(), 1u);
  EXPECT_EQ(three.chunks[0].ids, Chunk({320, 1125, 539}));
  std::vector<float> weights(77, 1.0f);
  weights[1] = weights[2] = weights[3] = 1.2f;
  EXPECT_EQ(three.chunks[0].weights, weights);
  EXPECT_EQ(three.token_count, 3);

  ChunkedPrompt sd2 = ChunkTokens({{{320, 1125, 539}, 1.0, false}}, kComma, {.pad_id = kSd2PadId});
  EXPECT_EQ(sd2.chunks[0].ids, Chunk({320, 1125, 539}, kSd2PadId));
  EXPECT_EQ(sd2.chunks[0].ids[4], kClipEosId);
  EXPECT_EQ(sd2.chunks[0].ids[5], 0);
  EXPECT_EQ(sd2.chunks[0].ids[76], 0);

  ChunkedPrompt empty = ChunkTokens({}, kComma);
  ASSERT_EQ(empty.chunks.size(), 1u);
  EXPECT_EQ(empty.chunks[0].ids, Chunk({}));
  EXPECT_EQ(empty.token_count, 0);
  EXPECT_EQ(EmptyChunk(kSd1PadId).ids, Chunk({}));
  EXPECT_EQ(EmptyChunk(kSd2PadId).ids, Chunk({}, kSd2PadId));
}

TEST(PromptChunkTest, SplitsAt75Tokens) {
  std::vector<int> words = Words(75);
  ChunkedPrompt exact = ChunkTokens({{words, 1.0, false}}, kComma);
  ASSERT_EQ(exact.chunks.size(), 1u);
  EXPECT_EQ(exact.chunks[0].ids, Chunk(words));
  EXPECT_EQ(exact.token_count, 75);

  words = Words(160);
  ChunkedPrompt three = ChunkTokens({{words, 1.0, false}}, kComma);
  ASSERT_EQ(three.chunks.size(), 3u);
  EXPECT_EQ(three.chunks[0].ids, Chunk(Slice(words, 0, 75)));
  EXPECT_EQ(three.chunks[1].ids, Chunk(Slice(words, 75, 150)));
  EXPECT_EQ(three.chunks[2].ids, Chunk(Slice(words, 150, 160)));
  EXPECT_EQ(three.token_count, 160);
}

TEST(PromptChunkTest, BacktracksToACommaWithinTheLast20Tokens) {
  // Comma at position 60: the 15 words after it (61..74) are 15 <= 20 from the end of the
  // chunk, so they move to the next chunk with everything after them.
  std::vector<int> words = Words(90, {60});
  ChunkedPrompt chunked = ChunkTokens({{words, 1.0, false}}, kComma);
  ASSERT_EQ(chunked.chunks.size(), 2u);
  EXPECT_EQ(chunked.chunks[0].ids, Chunk(Slice(words, 0, 61)));
  EXPECT_EQ(chunked.chunks[1].ids, Chunk(Slice(words, 61, 90)));
  EXPECT_EQ(chunked.token_count, 75 + 29);

  // The limit: a comma at 55 is 20 from the end (moves), one at 54 is 21 (does not).
  words = Words(80, {55});
  EXPECT_EQ(ChunkTokens({{words, 1.0, false}}, kComma).chunks[0].ids, Chunk(Slice(words, 0, 56)));
  words = Words(80, {54});
  EXPECT_EQ(ChunkTokens({{words, 1.0, false}}, kComma).chunks[0].ids, Chunk(Slice(words, 0, 75)));

  // The last comma counts; backtracking can be turned off.
  words = Words(80, {50, 58, 70});
  EXPECT_EQ(ChunkTokens({{words, 1.0, false}}, kComma).chunks[0].ids, Chunk(Slice(words, 0, 71)));
  EXPECT_EQ(
      ChunkTokens({{words, 1.0, false}}, kComma, {.comma_padding_backtrack = 0}).chunks[0].ids,
      Chunk(Slice(words, 0, 75)));
  EXPECT_EQ(
      ChunkTokens({{words, 1.0, false}}, kComma, {.comma_padding_backtrack = 3}).chunks[0].ids,
      Chunk(Slice(words, 0, 75)));

  // A comma in the last position: the chunk is full anyway, nothing moves.
  words = Words(80, {74});
  EXPECT_EQ(ChunkTokens({{words, 1.0, false}}, kComma).chunks[0].ids, Chunk(Slice(words, 0, 75)));

  // A comma arriving at a full chunk opens the next chunk and is not remembered there: 75 words,
  // then a comma and 80 more words split after 75 again with no backtrack.
  words = Words(156, {75});
  ChunkedPrompt late = ChunkTokens({{words, 1.0, false}}, kComma);
  ASSERT_EQ(late.chunks.size(), 3u);
  EXPECT_EQ(late.chunks[0].ids, Chunk(Slice(words, 0, 75)));
  EXPECT_EQ(late.chunks[1].ids, Chunk(Slice(words, 75, 150)));
  EXPECT_EQ(late.chunks[2].ids, Chunk(Slice(words, 150, 156)));
}

TEST(PromptChunkTest, WeightsMoveWithTheirTokens) {
  // 70 words at weight 1, then a comma and 10 words at 1.5 across segments.
  std::vector<WeightedTokens> parts = {
      {Words(69), 1.0, false}, {{kComma}, 1.0, false}, {Words(10, {}, 2000), 1.5, false}};
  ChunkedPrompt chunked = ChunkTokens(parts, kComma);
  ASSERT_EQ(chunked.chunks.size(), 2u);
  EXPECT_EQ(chunked.chunks[0].ids[70], kComma);
  EXPECT_EQ(chunked.chunks[0].ids[71], kClipEosId);
  std::vector<int> second = Slice(chunked.chunks[1].ids, 1, 11);
  EXPECT_EQ(second, Words(10, {}, 2000));
  for (size_t i = 1; i <= 10; ++i) EXPECT_EQ(chunked.chunks[1].weights[i], 1.5f) << i;
  EXPECT_EQ(chunked.chunks[1].weights[11], 1.0f);
  EXPECT_EQ(chunked.chunks[0].weights[71], 1.0f);
}

TEST(PromptChunkTest, BreakStartsANewChunk) {
  std::vector<WeightedTokens> parts = {
      {{320, 1125}, 1.0, false}, {{}, -1.0, true}, {{539}, 1.0, false}};
  ChunkedPrompt chunked = ChunkTokens(parts, kComma);
  ASSERT_EQ(chunked.chunks.size(), 2u);
  EXPECT_EQ(chunked.chunks[0].ids, Chunk({320, 1125}));
  EXPECT_EQ(chunked.chunks[1].ids, Chunk({539}));
  EXPECT_EQ(chunked.token_count, 75 + 1);

  // BREAK first: an empty first chunk.
  ChunkedPrompt leading = ChunkTokens({{{}, -1.0, true}, {{539}, 1.0, false}}, kComma);
  ASSERT_EQ(leading.chunks.size(), 2u);
  EXPECT_EQ(leading.chunks[0].ids, Chunk({}));
  EXPECT_EQ(leading.chunks[1].ids, Chunk({539}));
}

TEST(PromptChunkTest, ChunksRealPrompts) {
  const ClipTokenizer& tokenizer = Tokenizer();
  ChunkedPrompt weighted = ChunkPrompt("(masterpiece:1.2), best quality", tokenizer);
  ASSERT_EQ(weighted.chunks.size(), 1u);
  std::vector<int> tokens = tokenizer.Encode("masterpiece, best quality");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(weighted.chunks[0].ids, Chunk(tokens));
  EXPECT_EQ(weighted.chunks[0].weights[1], 1.2f);
  EXPECT_EQ(weighted.chunks[0].weights[2], 1.0f);
  EXPECT_EQ(weighted.token_count, 4);

  ChunkedPrompt literal =
      ChunkPrompt("(masterpiece:1.2)", tokenizer, {.pad_id = kSd2PadId, .emphasis = false});
  EXPECT_EQ(literal.chunks[0].ids, Chunk(tokenizer.Encode("(masterpiece:1.2)"), kSd2PadId));

  ChunkedPrompt broken = ChunkPrompt("a cat BREAK a dog", tokenizer);
  ASSERT_EQ(broken.chunks.size(), 2u);
  EXPECT_EQ(broken.chunks[0].ids, Chunk(tokenizer.Encode("a cat")));
  EXPECT_EQ(broken.chunks[1].ids, Chunk(tokenizer.Encode("a dog")));

  // 30 times "a red apple," is 119 tokens; the comma closing the 19th apple arrives when the
  // first chunk is full, so the chunks split at 75 exactly.
  std::string apples;
  for (int i = 0; i < 30; ++i) apples += i ? ", a red apple" : "a red apple";
  std::vector<int> ids = tokenizer.Encode(apples);
  ASSERT_EQ(ids.size(), 119u);
  ChunkedPrompt long_prompt = ChunkPrompt(apples, tokenizer);
  ASSERT_EQ(long_prompt.chunks.size(), 2u);
  EXPECT_EQ(long_prompt.chunks[0].ids, Chunk(Slice(ids, 0, 75)));
  EXPECT_EQ(long_prompt.chunks[1].ids, Chunk(Slice(ids, 75, 119)));
  EXPECT_EQ(long_prompt.token_count, 119);

  // "a photo," is 3 tokens: the 25th comma ends the first chunk exactly at 75.
  std::string photos;
  for (int i = 0; i < 30; ++i) photos += "a photo, ";
  ids = tokenizer.Encode(photos);
  ASSERT_EQ(ids.size(), 90u);
  ChunkedPrompt photo_chunks = ChunkPrompt(photos, tokenizer);
  ASSERT_EQ(photo_chunks.chunks.size(), 2u);
  EXPECT_EQ(photo_chunks.chunks[0].ids, Chunk(Slice(ids, 0, 75)));
  EXPECT_EQ(photo_chunks.chunks[1].ids, Chunk(Slice(ids, 75, 90)));

  // "a big red photo of a cat," is 8 tokens: the last comma in the first 75 is at 71, so
  // "a big red" (72..74) moves to the second chunk.
  std::string cats;
  for (int i = 0; i < 10; ++i) cats += "a big red photo of a cat, ";
  ids = tokenizer.Encode(cats);
  ASSERT_EQ(ids.size(), 80u);
  ASSERT_EQ(ids[71], kComma);
  ChunkedPrompt cat_chunks = ChunkPrompt(cats, tokenizer);
  ASSERT_EQ(cat_chunks.chunks.size(), 2u);
  EXPECT_EQ(cat_chunks.chunks[0].ids, Chunk(Slice(ids, 0, 72)));
  EXPECT_EQ(cat_chunks.chunks[1].ids, Chunk(Slice(ids, 72, 80)));
  EXPECT_EQ(cat_chunks.token_count, 75 + 8);
}

// Hostile prompts: weights that are numbers but absurd, and prompts that would make thousands
// of 77-token chunks (20,000 BREAKs took 5 GB).
TEST(PromptLimitsTest, LoraWeightsLieWithinMinus10To10) {
  EXPECT_EQ(ExtractLoraTags("<lora:x:-10:10>").loras.at(0), (LoraTag{"x", -10.0, 10.0}));
  for (const char* bad : {"<lora:x:1e30>", "<lora:x:10.5>", "<lora:x:1:-11>", "<lora:x:te=1e300>",
                          "<lora:x:unet=-1e30>"}) {
    try {
      ExtractLoraTags(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const PromptError& e) {
      EXPECT_NE(std::string(e.what()).find("outside -10..10"), std::string::npos) << e.what();
    }
  }
}

TEST(PromptLimitsTest, ChunksAreLimitedTo32) {
  std::vector<WeightedTokens> parts;
  for (size_t i = 0; i + 1 < kMaxPromptChunks; ++i) parts.push_back({{}, -1.0, true});
  parts.push_back({{320}, 1.0, false});
  EXPECT_EQ(ChunkTokens(parts, 267).chunks.size(), kMaxPromptChunks);
  parts.insert(parts.begin(), {{}, -1.0, true});
  EXPECT_THROW(ChunkTokens(parts, 267), PromptError);
  // 20,000 BREAKs are refused at the 33rd chunk, not after building 20,000.
  std::vector<WeightedTokens> many(20'000, {{}, -1.0, true});
  try {
    ChunkTokens(many, 267);
    FAIL() << "expected a PromptError";
  } catch (const PromptError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 32 chunks"), std::string::npos) << e.what();
  }
  // Tokens alone: 33 chunks of 75.
  EXPECT_THROW(ChunkTokens({{std::vector<int>(75 * 32 + 1, 320), 1.0, false}}, 267), PromptError);
}

TEST(PromptLimitsTest, PromptBytesAreLimited) {
  EXPECT_NO_THROW(CheckPromptLength(std::string(kMaxPromptBytes, 'a'), "prompt"));
  try {
    CheckPromptLength(std::string(kMaxPromptBytes + 1, 'a'), "negative prompt");
    FAIL() << "expected a PromptError";
  } catch (const PromptError& e) {
    EXPECT_EQ(std::string(e.what()), "negative prompt is 8001 bytes, more than the limit of 8000");
  }
}

}  // namespace
}  // namespace depict::diffusion
