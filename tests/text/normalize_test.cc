#include "text/normalize.h"

#include <gtest/gtest.h>

#include <string>

namespace depict::text {
namespace {

std::string N(std::string_view s) { return NormalizePrompt(s).text(); }

TEST(NormalizePromptTest, LeavesPlainAsciiAloneWithoutAnOffsetTable) {
  const NormalizedText n = NormalizePrompt("a 1940s German soldier, (film grain:1.2)");
  EXPECT_EQ(n.text(), "a 1940s German soldier, (film grain:1.2)");
  EXPECT_TRUE(n.identity());
  EXPECT_EQ(n.MapStart(8), 8u);
}

TEST(NormalizePromptTest, FullWidthAndStyledLettersBecomeAscii) {
  EXPECT_EQ(N("a ｎｕｄｅ child"), "a nude child");
  EXPECT_EQ(N("a \xF0\x9D\x90\xA7\xF0\x9D\x90\xAE\xF0\x9D\x90\x9D\xF0\x9D\x90\x9E child"),
            "a nude child");                     // mathematical bold
  EXPECT_EQ(N("ⓝⓤⓓⓔ"), "nude");                  // circled letters
  EXPECT_EQ(N("a ﬁreﬁghter"), "a firefighter");  // ligatures
}

TEST(NormalizePromptTest, HtmlReferencesAreDecodedUntilNoneIsLeft) {
  EXPECT_EQ(N("a &#110;&#117;&#100;&#101; child"), "a nude child");
  EXPECT_EQ(N("a &#x6E;ude child"), "a nude child");
  EXPECT_EQ(N("a n&uacute;de"),
            "a n\xC3\xBA"
            "de");
  EXPECT_EQ(N("a &amp;#110;ude child"), "a nude child");  // double-encoded
  EXPECT_EQ(N("a nude&nbsp;child"), "a nude child");
  EXPECT_EQ(N("＆ａｍｐ；#110;ude"), "nude");  // NFKC makes a reference, which is decoded
  EXPECT_EQ(N("salt & pepper"), "salt & pepper");
}

// Python's html.unescape (and so A1111's tokenizer) knows every HTML5 name, not only HTML 4's.
TEST(NormalizePromptTest, Html5NamedReferencesAreDecoded) {
  EXPECT_EQ(N("&sopf;&eopf;&xopf;"), "sex");     // double-struck, then NFKC
  EXPECT_EQ(N("&Jfr;&efr;&wfr;&sfr;"), "Jews");  // fraktur
  EXPECT_EQ(N("nazi propa&ZeroWidthSpace;ganda"), "nazi propaganda");
  EXPECT_EQ(N("&zzqq; &amp"), "&zzqq; &");  // no such name; a legacy name needs no ";"
}

// Hangul fillers are blank: between words they separate them, as a space would.
TEST(NormalizePromptTest, HangulFillersAreSpaces) {
  EXPECT_EQ(N("young\xE3\x85\xA4girl"), "young girl");      // U+3164
  EXPECT_EQ(N("black\xEF\xBE\xA0people"), "black people");  // U+FFA0
}

TEST(NormalizePromptTest, FormatAndControlCharactersAreRemovedInsideWords) {
  EXPECT_EQ(N("a nude\xEF\xBB\xBF child"), "a nude child");  // U+FEFF
  EXPECT_EQ(N("a wo\xC2\xADman pope"), "a woman pope");      // soft hyphen
  EXPECT_EQ(N("a nu\xE2\x80\x8B"
              "de child"),
            "a nude child");  // zero-width space
  EXPECT_EQ(N("a nu\xE2\x80\x8D"
              "de child"),
            "a nude child");                                 // zero-width joiner
  EXPECT_EQ(N("a \xE2\x80\xAEpope\xE2\x80\xAC"), "a pope");  // RLO ... PDF
  EXPECT_EQ(N("a nu\xE2\x81\xA0"
              "de"),
            "a nude");  // word joiner
  EXPECT_EQ(N("a nu\xEF\xB8\x8F"
              "de"),
            "a nude");  // variation selector 16
  EXPECT_EQ(N("a nu\x01"
              "de"),
            "a nude");  // C0 control
  EXPECT_EQ(N("\xE2\x80\x8B\xE2\x80\x8B"), "");
}

TEST(NormalizePromptTest, WhiteSpaceRunsBecomeOneSpaceAndQuotesAreStraight) {
  EXPECT_EQ(N("  a\t\tnun\r\n\xE3\x80\x80with  a \xE2\x80\x9C"
              "cat\xE2\x80\x9D  "),
            "a nun with a \"cat\"");
  EXPECT_EQ(N("O\xE2\x80\x99"
              "Brien"),
            "O'Brien");
}

TEST(NormalizePromptTest, OffsetsMapBackToTheOriginalAtWordBoundaries) {
  const std::string raw = "  a ｎｕｄｅ  child";
  const NormalizedText n = NormalizePrompt(raw);
  ASSERT_EQ(n.text(), "a nude child");
  EXPECT_FALSE(n.identity());
  // "nude" is bytes [2, 6) of the normalised text and the full-width word in the original.
  EXPECT_EQ(raw.substr(n.MapStart(2), n.MapEnd(6) - n.MapStart(2)), "ｎｕｄｅ");
  // "child", unchanged, maps byte for byte.
  EXPECT_EQ(raw.substr(n.MapStart(7), n.MapEnd(12) - n.MapStart(7)), "child");
  EXPECT_EQ(raw.substr(n.MapStart(8), n.MapEnd(10) - n.MapStart(8)), "hi");
  EXPECT_EQ(n.MapStart(0), 2u);
}

TEST(NormalizePromptTest, IsIdempotent) {
  for (const char* s : {"a ｎｕｄｅ child", "a &amp;amp;amp; b", "ⓝⓤⓓⓔ ﬁ", "x\xC2\xAD\xC2\xAD y",
                        "\xEF\xBC\x86\xEF\xBD\x87\xEF\xBD\x94\xEF\xBC\x9B"}) {
    const std::string once = N(s);
    EXPECT_EQ(N(once), once) << s;
  }
}

TEST(NormalizePromptTest, DeeplyNestedReferencesTerminate) {
  std::string s = "&";
  for (int i = 0; i < 500; ++i) s += "amp;";
  s += "#110;ude";
  EXPECT_EQ(N(s), "nude");
}

}  // namespace
}  // namespace depict::text
