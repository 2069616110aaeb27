#include "text/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace depict::text {
namespace {

std::string Fold(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) i += AppendFolded(s, i, out);
  return out;
}

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_EQ(FindInvalidUtf8("a portrait of a doctor"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("Beyonc\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"),
            std::string_view::npos);
}

TEST(Utf8Test, FindsInvalidSequences) {
  EXPECT_EQ(FindInvalidUtf8("ab\xFF"), 2u);            // invalid lead byte
  EXPECT_EQ(FindInvalidUtf8("a\xC3"), 1u);             // truncated
  EXPECT_EQ(FindInvalidUtf8("a\xC0\xAF"), 1u);         // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);      // UTF-16 surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ok\xE2\x82"), 2u);        // truncated 3-byte
}

TEST(Utf8Test, FoldsCaseAndAccents) {
  EXPECT_EQ(Fold("Beyonc\xC3\xA9"), "beyonce");
  EXPECT_EQ(Fold("Pel\xC3\xA9"), "pele");
  EXPECT_EQ(Fold("Stra\xC3\x9F"
                 "e"),
            "strasse");
  EXPECT_EQ(Fold("\xC5\x81\xC3\xB3"
                 "d\xC5\xBA"),
            "lodz");  // Łódź
  EXPECT_EQ(Fold("\xC3\x86thelred"), "aethelred");
  EXPECT_EQ(Fold("Napoleon\xE2\x80\x99s"), "napoleon's");
  // Characters without an ASCII base are kept as they are.
  EXPECT_EQ(Fold("\xE6\x97\xA5\xE6\x9C\xAC"), "\xE6\x97\xA5\xE6\x9C\xAC");
}

TEST(Utf8Test, WordCharacters) {
  EXPECT_TRUE(IsWordChar("a", 0));
  EXPECT_TRUE(IsWordChar("7", 0));
  EXPECT_FALSE(IsWordChar("-", 0));
  EXPECT_TRUE(IsWordChar("\xC3\xA9", 0));
  EXPECT_FALSE(IsWordChar("\xE2\x80\x94", 0));  // em dash
  EXPECT_FALSE(IsWordChar("\xC2\xAB", 0));      // guillemet
}

}  // namespace
}  // namespace depict::text
