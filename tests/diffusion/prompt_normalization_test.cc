// The text encoder reads what the planner and the gate read: the CLIP tokenizers' own cleanup
// (ftfy's steps and, for OpenCLIP, two more rounds of html.unescape) changes nothing in a
// normalised prompt but letter case. Checked on random Unicode built to hit every step.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "diffusion/clip_tokenizer.h"
#include "text/normalize.h"
#include "text/unicode.h"

namespace depict {
namespace {

// Pieces that exercise references, width forms, ligatures, combining marks, controls, format
// characters, quotes and white space; random code points fill the rest.
const std::vector<std::u32string>& Pieces() {
  static const std::vector<std::u32string> pieces = {
      U"&",          U"#",
      U";",          U"amp",
      U"lt",         U"gt",
      U"nbsp",       U"x6E",
      U"110",        U"EACUTE",
      U"eacute",     U"quot",
      U"&amp;",      U"&#38;",
      U"&#x26;",     U"&lt;",
      U"nude",       U"child",
      U" ",          U"  ",
      U"\t",         U"\n",
      U"\r\n",       U"\u00A0",
      U"\u3000",     U"\u2028",
      U"\u0085",     U"\uFF4E",
      U"\uFF06",     U"\uFF1B",
      U"\uFF03",     U"\uFB01",
      U"\u0132",     U"\u01C4",
      U"\u0149",     U"\u0301",
      U"\u0308",     U"\u00AD",
      U"\u200B",     U"\u200D",
      U"\u202E",     U"\u2060",
      U"\uFEFF",     U"\uFE0F",
      U"\u034F",     U"\u0080",
      U"\u0081",     U"\u0092",
      U"\u009D",     U"\x1B[31m",
      U"\x01",       U"\x7F",
      U"\u2019",     U"\u201C",
      U"\u02BC",     U"\u00B4",
      U"\u2460",     U"\u24DD",
      U"\U0001D427", U"\uFDFA",
      U"\u3164",     U"\u1100\u1161\u11A8",
      U"\uAC00",     U"e",
      U"E",          U"\u03A3",
      U"\u0130",     U"\u00DF",
      U"<",          U">",
  };
  return pieces;
}

char32_t RandomScalar(std::mt19937& rng) {
  std::uniform_int_distribution<int> plane(0, 9);
  const int p = plane(rng);
  std::uniform_int_distribution<uint32_t> bmp(0x20, 0xFFFD), astral(0x10000, 0x10FFFF),
      low(0x00, 0x2FF);
  for (;;) {
    const uint32_t c = p < 4 ? low(rng) : p < 9 ? bmp(rng) : astral(rng);
    if (c < 0xD800 || c > 0xDFFF) return static_cast<char32_t>(c);
  }
}

std::string RandomPrompt(std::mt19937& rng) {
  std::uniform_int_distribution<int> length(1, 24), kind(0, 2);
  std::uniform_int_distribution<size_t> piece(0, Pieces().size() - 1);
  std::u32string s;
  const int n = length(rng);
  for (int i = 0; i < n; ++i) {
    if (kind(rng) == 0) {
      s.push_back(RandomScalar(rng));
    } else {
      s += Pieces()[piece(rng)];
    }
  }
  return text::EncodeUtf8(s);
}

TEST(PromptNormalizationTest, TokenizerCleanupChangesNothingButCaseInNormalisedText) {
  std::mt19937 rng(20261206);
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string raw = RandomPrompt(rng);
    const std::string normal = text::NormalizePrompt(raw).text();
    const std::string lower = text::EncodeUtf8(text::ToLower(text::DecodeUtf8(normal)));
    for (const auto flavor : {diffusion::ClipFlavor::kOpenAi, diffusion::ClipFlavor::kOpenClip}) {
      ASSERT_EQ(diffusion::CleanClipText(normal, flavor), lower)
          << "raw: " << raw << "\nnormalised: " << normal;
    }
    ASSERT_EQ(text::NormalizePrompt(normal).text(), normal) << "not idempotent on " << raw;
    ++checked;
  }
  EXPECT_EQ(checked, 20000);
}

TEST(PromptNormalizationTest, WhatTheModelReadsOfTheIssuesBypassesIsWhatTheGateReads) {
  for (const char* raw :
       {"a ｎｕｄｅ child", "a &#110;&#117;&#100;&#101; child", "a nude\xEF\xBB\xBF child",
        "a nu\xC2\xAD"
        "de child",
        "a nu\xE2\x80\x8B"
        "de child"}) {
    const std::string normal = text::NormalizePrompt(raw).text();
    EXPECT_EQ(normal, "a nude child") << raw;
    EXPECT_EQ(diffusion::CleanClipText(normal), "a nude child") << raw;
  }
}

}  // namespace
}  // namespace depict
