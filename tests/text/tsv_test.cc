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

namespace depict::text {
namespace {

TEST(TsvHostileTest, LinesWithNulInvalidUtf8OrPastTheLimitNameFileAndLine) {
  const auto message = [](std::string_view content) {
    try {
      ReadTsv("t.tsv", content, 1);
    } catch (const TableError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(std::string_view("ok\nb\0d\n", 7)), "t.tsv:2: NUL byte at column 2");
  EXPECT_EQ(message("ok\nok\ncaf\xC3\n"), "t.tsv:3: not valid UTF-8 at byte 4 of the line");
  EXPECT_NE(message(std::string(kMaxTableLineBytes + 1, 'x')).find("t.tsv:1: line is"),
            std::string::npos);
  EXPECT_EQ(message(std::string(kMaxTableLineBytes, 'x')), "no error");
}

}  // namespace
}  // namespace depict::text
