// Japanese endings undone one grammar step at a time; the expected dictionary forms are the
// textbook conjugations of each verb.
#include "lang/deinflect_ja.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace depict::lang {
namespace {

bool Offers(const std::string& word, const std::string& base) {
  const std::vector<std::string> forms = JapaneseBaseForms(word);
  return std::find(forms.begin(), forms.end(), base) != forms.end();
}

TEST(DeinflectJaTest, UndoesPassivePastProgressiveAndTeForms) {
  EXPECT_TRUE(Offers("切り落とされた", "切り落とす"));  // passive + past
  EXPECT_TRUE(Offers("飛び散ってる", "飛び散る"));      // te-form + progressive
  EXPECT_TRUE(Offers("撃たれて", "撃つ"));              // passive + te-form
  EXPECT_TRUE(Offers("倒れている", "倒れる"));          // ichidan progressive
  EXPECT_TRUE(Offers("泳いでいる", "泳ぐ"));            // voiced te-form
  EXPECT_TRUE(Offers("殺しました", "殺す"));            // polite past
  EXPECT_TRUE(Offers("飲まない", "飲む"));              // negative
  EXPECT_TRUE(Offers("怖かった", "怖い"));              // i-adjective past
}

TEST(DeinflectJaTest, NeverOffersTheWordItselfOrABareEnding) {
  for (const std::string& form : JapaneseBaseForms("された")) EXPECT_NE(form, "す");
  EXPECT_TRUE(JapaneseBaseForms("写真").empty());
  EXPECT_TRUE(JapaneseBaseForms("た").empty());
  for (const std::string& form : JapaneseBaseForms("切り落とされた")) {
    EXPECT_NE(form, "切り落とされた");
  }
}

}  // namespace
}  // namespace depict::lang
