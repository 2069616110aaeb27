#include "text/tsv.h"

#include <gtest/gtest.h>

namespace depict::text {
namespace {

TEST(TsvTest, SkipsCommentsAndBlankLinesAndKeepsLineNumbers) {
  const auto rows = ReadTsv("t.tsv", "# header\n\nman\tmen\n# note\nwoman\twomen\r\n", 2);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 3);
  EXPECT_EQ(rows[0].cells[1], "men");
  EXPECT_EQ(rows[1].line, 5);
  EXPECT_EQ(rows[1].cells[1], "women");
}

TEST(TsvTest, WrongColumnCountNamesFileAndLine) {
  try {
    ReadTsv("people/x.tsv", "a\tb\nc\n", 2);
    FAIL() << "expected an error";
  } catch (const TableError& e) {
    EXPECT_STREQ(e.what(), "people/x.tsv:2: expected 2 tab-separated columns, found 1");
  }
  EXPECT_THROW(ReadTsv("x.tsv", "a\t\n", 2), TableError);  // empty cell
}

TEST(TsvTest, SplitAndParseInt) {
  EXPECT_EQ(Split("a, b,,c", ','), (std::vector<std::string_view>{"a", "b", "c"}));
  int v = 0;
  EXPECT_TRUE(ParseInt("-206", v));
  EXPECT_EQ(v, -206);
  EXPECT_FALSE(ParseInt("12a", v));
  EXPECT_FALSE(ParseInt("", v));
}

}  // namespace
}  // namespace depict::text
