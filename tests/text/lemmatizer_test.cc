#include "text/lemmatizer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "io/file.h"
#include "text/tsv.h"

namespace depict::text {
namespace {

std::shared_ptr<const Lemmatizer> Real() {
  static const auto lem = Lemmatizer::Load(
      "morphology.tsv",
      io::ReadRegularFile(DEPICT_DATA_DIR "/lexicon/morphology.tsv", 16 << 20, "table"));
  return lem;
}

bool HasLemma(std::string_view word, std::string_view lemma) {
  std::vector<std::string> out;
  Real()->Candidates(word, out);
  return std::find(out.begin(), out.end(), lemma) != out.end();
}

TEST(LemmatizerTest, IrregularFormsComeFromWordNetsExceptionLists) {
  EXPECT_GT(Real()->exception_count(), 5000u);
  EXPECT_TRUE(HasLemma("hung", "hang"));
  EXPECT_TRUE(HasLemma("children", "child"));
  EXPECT_TRUE(HasLemma("slitting", "slit"));
  EXPECT_TRUE(HasLemma("torn", "tear"));
}

TEST(LemmatizerTest, RegularFormsFollowMorphysDetachmentRules) {
  EXPECT_TRUE(HasLemma("hanged", "hang"));
  EXPECT_TRUE(HasLemma("hanging", "hang"));
  EXPECT_TRUE(HasLemma("overdosed", "overdose"));
  EXPECT_TRUE(HasLemma("wrists", "wrist"));
  EXPECT_TRUE(HasLemma("kisses", "kiss"));
  EXPECT_TRUE(HasLemma("women", "woman"));
  EXPECT_TRUE(HasLemma("gutted", "gut"));  // a doubled consonant the lists lack
  // A bare -es follows only a sibilant or o: "robes" is never "rob"; "glass" is no plural.
  EXPECT_FALSE(HasLemma("robes", "rob"));
  EXPECT_TRUE(HasLemma("robes", "robe"));
  EXPECT_FALSE(HasLemma("glass", "glas"));
  EXPECT_FALSE(HasLemma("is", "i"));
  // A short syllable doubles its consonant: "striped" is stripe, "opened" is open.
  EXPECT_FALSE(HasLemma("striped", "strip"));
  EXPECT_TRUE(HasLemma("striped", "stripe"));
  EXPECT_TRUE(HasLemma("opened", "open"));
  EXPECT_TRUE(HasLemma("hanging", "hang"));
  // No adjective rules: "killer" is not a form of "kill".
  EXPECT_FALSE(HasLemma("killer", "kill"));
}

TEST(LemmatizerTest, BadTablesNameTheLine) {
  try {
    Lemmatizer::Load("m.tsv", "hung\thang\tv\nx\ty\tq\n");
    FAIL();
  } catch (const TableError& e) {
    EXPECT_NE(std::string(e.what()).find("m.tsv:2"), std::string::npos);
  }
}

}  // namespace
}  // namespace depict::text
