// RomanKey exists twice: here, and in tools/import_lexicons.py, which keyed the roman_*.tsv
// tables with it. Every committed row must have the key this side computes.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "lang/lexicon.h"

namespace depict::lang {
const std::map<std::string, std::string_view>& EmbeddedLexiconFiles();
namespace {

TEST(RomanKeyTest, DifferentRomanisationsOfOneWordMeet) {
  EXPECT_EQ(RomanKey("golaya"), RomanKey("golaa"));  // ICU writes я as â, then a
  EXPECT_EQ(RomanKey("xiaonvhai"), RomanKey("xiao nu hai"));
  EXPECT_EQ(RomanKey("eorin"), RomanKey("eolin"));  // Korean ㄹ as r or l
  EXPECT_EQ(RomanKey("3arya"), RomanKey("arya"));   // Arabizi 3 is ع
  EXPECT_NE(RomanKey("nangi"), RomanKey("nagi"));
}

TEST(RomanKeyTest, EveryImportedRowHasTheKeyThisSideComputes) {
  int rows = 0;
  for (const char* name : {"roman_zh.tsv", "roman_ja.tsv"}) {
    const auto it = EmbeddedLexiconFiles().find(name);
    ASSERT_NE(it, EmbeddedLexiconFiles().end()) << name;
    std::string_view text = it->second;
    while (!text.empty()) {
      const size_t nl = text.find('\n');
      const std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
      if (line.empty() || line[0] == '#') continue;
      const size_t t1 = line.find('\t'), t2 = line.rfind('\t');
      ASSERT_NE(t1, t2) << line;
      ASSERT_EQ(RomanKey(line.substr(t2 + 1)), line.substr(0, t1)) << line;
      ++rows;
    }
  }
  EXPECT_GT(rows, 100000);
}

TEST(RomanKeyTest, RomanisedWordsAreFound) {
  const auto& lexicons = *Lexicons::Embedded();
  EXPECT_TRUE(lexicons.Get(Language::kZh).FindRomanized("luoti").has_value());
  EXPECT_TRUE(lexicons.Get(Language::kJa).FindRomanized("hadaka").has_value());
  EXPECT_FALSE(lexicons.Get(Language::kZh).FindRomanized("de").has_value());  // too short
}

}  // namespace
}  // namespace depict::lang
