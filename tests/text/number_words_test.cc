#include "text/number_words.h"

#include <gtest/gtest.h>

#include <string>

namespace depict::text {
namespace {

// The value and token count of the number spelled at the first token of `text`.
std::pair<int, size_t> Read(const std::string& text) {
  const TokenList tokens = Lex(text);
  size_t length = 0;
  const int value = ReadNumberWords(tokens, 0, length);
  return {value, length};
}

TEST(NumberWordsTest, ReadsTheLongestSpelledNumber) {
  EXPECT_EQ(Read("seven dwarfs"), std::make_pair(7, size_t{1}));
  EXPECT_EQ(Read("thirty five year old"), std::make_pair(35, size_t{2}));
  EXPECT_EQ(Read("thirty-five-year-old"), std::make_pair(35, size_t{2}));
  EXPECT_EQ(Read("Twenty-Two"), std::make_pair(22, size_t{2}));
  EXPECT_EQ(Read("fourteen"), std::make_pair(14, size_t{1}));
  EXPECT_EQ(Read("one hundred twenty-nine years"), std::make_pair(129, size_t{4}));
  EXPECT_EQ(Read("ninety"), std::make_pair(90, size_t{1}));
}

TEST(NumberWordsTest, OtherWordsAreNoNumbers) {
  EXPECT_EQ(Read("the five"), std::make_pair(-1, size_t{0}));
  EXPECT_EQ(Read("someone"), std::make_pair(-1, size_t{0}));
  EXPECT_EQ(Read("14"), std::make_pair(-1, size_t{0}));  // digits are the lexer's numbers
}

}  // namespace
}  // namespace depict::text
