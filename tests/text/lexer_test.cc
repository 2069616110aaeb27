#include "text/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace depict::text {
namespace {

std::vector<std::string> Norms(const TokenList& t) {
  std::vector<std::string> out;
  for (size_t i = 0; i < t.size(); ++i) out.emplace_back(t.norm(i));
  return out;
}

TEST(LexerTest, SplitsWordsAndPunctuationWithOffsets) {
  const std::string prompt = "a 1940s German soldier, at dawn.";
  const TokenList t = Lex(prompt);
  EXPECT_EQ(Norms(t),
            (std::vector<std::string>{"a", "1940s", "german", "soldier", ",", "at", "dawn", "."}));
  EXPECT_EQ(t[2].start, 8u);
  EXPECT_EQ(t[3].end, 22u);
  EXPECT_EQ(prompt.substr(t[2].start, t[3].end - t[2].start), "German soldier");
  EXPECT_EQ(t[1].kind, TokenKind::kNumber);
  EXPECT_EQ(t[4].kind, TokenKind::kPunct);
  EXPECT_TRUE(t[2].capitalized);
  EXPECT_FALSE(t[3].capitalized);
}

// Cyrillic "е" (U+0435) and "с" (U+0441), Greek "ο" (U+03BF) inside Latin words.
TEST(LexerTest, LatinWordsWithGreekOrCyrillicLookalikesAreReadAsLatin) {
  const TokenList t =
      Lex("a nud\xD0\xB5 \xD1\x81hild and a d\xCE\xBF"
          "ctor");
  EXPECT_EQ(Norms(t), (std::vector<std::string>{"a", "nude", "child", "and", "a", "doctor"}));
  EXPECT_EQ(t[1].start, 2u);
  EXPECT_EQ(t[1].end, 7u);  // offsets still index the original bytes
}

// Capital Greek "Μ", "Ι", "Τ" look like Latin capitals, not like "rn" or "l".
TEST(LexerTest, CapitalGreekLookalikesFoldToTheirLatinCapitals) {
  const TokenList t =
      Lex("\xCE\x9Cuslims \xCE\x99SIS \xCE\xA4"
          "aylor");
  EXPECT_EQ(Norms(t), (std::vector<std::string>{"muslims", "isis", "taylor"}));
}

TEST(LexerTest, WordsWhollyInGreekOrCyrillicAreNotFolded) {
  const TokenList t =
      Lex("\xD0\xB2\xD1\x80\xD0\xB0\xD1\x87 \xCE\xBF\xCE\xB9\xCE\xBA\xCE\xBF\xCF\x82");
  EXPECT_EQ(Norms(t), (std::vector<std::string>{"\xD0\xB2\xD1\x80\xD0\xB0\xD1\x87",
                                                "\xCE\xBF\xCE\xB9\xCE\xBA\xCE\xBF\xCF\x82"}));
}

TEST(LexerTest, HyphensJoinWordsWithoutBeingTokens) {
  const TokenList t = Lex("a white-collar worker in Edo-period Japan");
  EXPECT_EQ(Norms(t), (std::vector<std::string>{"a", "white", "collar", "worker", "in", "edo",
                                                "period", "japan"}));
  EXPECT_TRUE(t[1].hyphen_after);
  EXPECT_FALSE(t[2].hyphen_after);
  EXPECT_TRUE(t[5].hyphen_after);
  // A free-standing dash is punctuation.
  const TokenList dash = Lex("a man - tall");
  EXPECT_EQ(Norms(dash), (std::vector<std::string>{"a", "man", "-", "tall"}));
}

TEST(LexerTest, PossessivesAreMarkedAndExcludedFromTheSpan) {
  const std::string prompt = "Napoleon's soldiers and the soldiers' names";
  const TokenList t = Lex(prompt);
  EXPECT_EQ(Norms(t),
            (std::vector<std::string>{"napoleon", "soldiers", "and", "the", "soldiers", "names"}));
  EXPECT_TRUE(t[0].possessive);
  EXPECT_EQ(prompt.substr(t[0].start, t[0].end - t[0].start), "Napoleon");
  EXPECT_TRUE(t[4].possessive);
  EXPECT_FALSE(t[1].possessive);
  // Typographic apostrophe, and inner apostrophes that are not possessives.
  const TokenList curly = Lex("Cleopatra\xE2\x80\x99s barge, O'Brien, don't");
  EXPECT_EQ(Norms(curly),
            (std::vector<std::string>{"cleopatra", "barge", ",", "obrien", ",", "dont"}));
  EXPECT_TRUE(curly[0].possessive);
}

TEST(LexerTest, DecadeAbbreviationsAndAllCaps) {
  const TokenList t = Lex("NASA in the '60s");
  EXPECT_EQ(Norms(t), (std::vector<std::string>{"nasa", "in", "the", "'60s"}));
  EXPECT_TRUE(t[0].all_caps);
  EXPECT_EQ(t[3].kind, TokenKind::kNumber);
}

TEST(LexerTest, DottedCapitalInitialsAreOneWord) {
  const TokenList t = Lex("U.S. soldiers in the U.K., Dr. Who. A.");
  EXPECT_EQ(Norms(t), (std::vector<std::string>{"us", "soldiers", "in", "the", "uk", ",", "dr", ".",
                                                "who", ".", "a", "."}));
  EXPECT_TRUE(t[0].all_caps);
  EXPECT_EQ(t[0].end, 4u);  // the final dot belongs to the word
  EXPECT_EQ(t[4].end, 25u);
  // Lowercase letters or longer parts are no initials: "e.g." and "St.Louis" stay apart.
  EXPECT_EQ(Norms(Lex("e.g. St.Louis")),
            (std::vector<std::string>{"e", ".", "g", ".", "st", ".", "louis"}));
}

TEST(LexerTest, FoldsAccentsAndHandlesNonLatinScripts) {
  const TokenList t = Lex("Beyonc\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC\xE3\x81\xAE\xE4\xBE\x8D");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t.norm(0), "beyonce");
  EXPECT_TRUE(t[0].capitalized);
}

TEST(LexerTest, NumbersGluedToWordsAreSplit) {
  const TokenList t = Lex("1girl, 2boys, 8k, 1960s, 16th");
  EXPECT_EQ(Norms(t), (std::vector<std::string>{"1", "girl", ",", "2", "boys", ",", "8", "k", ",",
                                                "1960s", ",", "16th"}));
  EXPECT_EQ(t[0].kind, TokenKind::kNumber);
  EXPECT_EQ(t[1].kind, TokenKind::kWord);
  EXPECT_EQ(t[1].start, 1u);
  EXPECT_EQ(t[1].end, 5u);
}

TEST(LexerTest, EmptyAndBlank) {
  EXPECT_EQ(Lex("").size(), 0u);
  EXPECT_EQ(Lex(" \t\n ").size(), 0u);
}

TEST(LexerTest, EmojiAreWordsOfTheirOwn) {
  const TokenList t = Lex("hot🥵🍑 👩🏽‍⚕️doctor");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t.norm(0), "hot");
  EXPECT_EQ(t.norm(1), "🥵");
  EXPECT_EQ(t.norm(2), "🍑");
  EXPECT_EQ(t.norm(3), "👩🏽‍⚕️");  // a pictograph with its skin tone and joined parts
  EXPECT_EQ(t.norm(4), "doctor");
  EXPECT_EQ(t[3].kind, TokenKind::kWord);
}

}  // namespace
}  // namespace depict::text
