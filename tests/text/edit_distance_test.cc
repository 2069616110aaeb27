#include "text/edit_distance.h"

#include <gtest/gtest.h>

namespace depict::text {
namespace {

TEST(EditDistanceTest, OneEditIsOneLetterAddedDroppedChangedOrTwoSwapped) {
  EXPECT_TRUE(OneEdit("suicde", "suicide"));      // dropped
  EXPECT_TRUE(OneEdit("handcufs", "handcuffs"));  // dropped (doubled letter)
  EXPECT_TRUE(OneEdit("swfit", "swift"));         // swapped
  EXPECT_TRUE(OneEdit("bidden", "biden"));        // added
  EXPECT_TRUE(OneEdit("arrests", "arrestd"));     // changed, at the end
  EXPECT_TRUE(OneEdit("gettin", "getting"));      // dropped at the end
  EXPECT_FALSE(OneEdit("same", "same"));          // no edit
  EXPECT_FALSE(OneEdit("swift", "shirt"));        // two changes
  EXPECT_FALSE(OneEdit("abc", "abcde"));          // two added
  EXPECT_FALSE(OneEdit("abcd", "badc"));          // two swaps
}

}  // namespace
}  // namespace depict::text
