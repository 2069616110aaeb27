#include "lang/sorted_table.h"

#include <gtest/gtest.h>

#include "text/tsv.h"

namespace depict::lang {
namespace {

TEST(SortedTableTest, FindsKeysInPlaceAndSkipsComments) {
  const std::string text = "# a comment\nabc\tone\tn\nabd\ttwo\n\nb\tthree\n";
  const SortedTable t = SortedTable::Index("t.tsv", text);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.Find("abc").value(), "one\tn");
  EXPECT_EQ(t.Find("abd").value(), "two");
  EXPECT_EQ(t.Find("b").value(), "three");
  EXPECT_FALSE(t.Find("ab").has_value());
  EXPECT_FALSE(t.Find("abcd").has_value());
  EXPECT_FALSE(t.Find("").has_value());
}

TEST(SortedTableTest, ComparesBytesSoUtf8SortsByCodePoint) {
  // Python's sorted() orders by code point, which is UTF-8 byte order.
  const std::string text = "z\tlatin\n\xc3\xa4\tumlaut\n\xe4\xb8\xad\tchinese\n";
  const SortedTable t = SortedTable::Index("t.tsv", text);
  EXPECT_EQ(t.Find("\xe4\xb8\xad").value(), "chinese");
  EXPECT_EQ(t.Find("\xc3\xa4").value(), "umlaut");
}

TEST(SortedTableTest, RejectsUnsortedRepeatedAndMalformedLines) {
  EXPECT_THROW(SortedTable::Index("t.tsv", "b\t1\na\t2\n"), text::TableError);
  EXPECT_THROW(SortedTable::Index("t.tsv", "a\t1\na\t2\n"), text::TableError);
  EXPECT_THROW(SortedTable::Index("t.tsv", "a\t1\nno tab here\n"), text::TableError);
  EXPECT_THROW(SortedTable::Index("t.tsv", "\tvalue\n"), text::TableError);
}

TEST(SortedTableTest, UnsortedHandTablesAreSortedButNotRepeated) {
  const SortedTable t = SortedTable::FromUnsorted("h.tsv", "b\t2\na\t1\n# note\nc\t3");
  EXPECT_EQ(t.Find("a").value(), "1");
  EXPECT_EQ(t.Find("c").value(), "3");
  SortedTable moved = std::move(t);  // the copy it owns moves with it
  EXPECT_EQ(moved.Find("b").value(), "2");
  EXPECT_THROW(SortedTable::FromUnsorted("h.tsv", "a\t1\na\t2\n"), text::TableError);
}

}  // namespace
}  // namespace depict::lang
