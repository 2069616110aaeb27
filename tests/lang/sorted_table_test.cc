#include "lang/sorted_table.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

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

namespace depict::lang {
namespace {

// A table over a file mapped like the executable's embedded lexicons: after its pages are handed
// back, every lookup still reads the right bytes (the kernel faults them in again).
TEST(SortedTableTest, ReleasedPagesAreReadAgainOnLookup) {
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "key%06d\tvalue %d\n", i, i);
    text += key;
  }
  char path[] = "/tmp/sorted_table_testXXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  void* map = mmap(nullptr, text.size(), PROT_READ, MAP_PRIVATE, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  const std::string_view mapped(static_cast<const char*>(map), text.size());
  const SortedTable table = SortedTable::Index("mapped", mapped);
  table.ReleaseScannedPages(true);
  EXPECT_EQ(table.Find("key000000").value_or(""), "value 0");
  EXPECT_EQ(table.Find("key004999").value_or(""), "value 4999");
  EXPECT_FALSE(table.Find("key005000").has_value());
  // Bytes on the heap are never discarded, whatever the caller says.
  std::string heap = text;
  const SortedTable owned = SortedTable::Index("heap", heap);
  owned.ReleaseScannedPages(false);
  EXPECT_EQ(owned.Find("key002500").value_or(""), "value 2500");
  munmap(map, text.size());
  close(fd);
  unlink(path);
}

}  // namespace
}  // namespace depict::lang
