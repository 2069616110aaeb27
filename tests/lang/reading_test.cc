// The reading on small lexicons written here, so each rule is checked on its own; the embedded
// dictionaries are checked through the planner in tests/plan/language_test.cc.
#include "lang/reading.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace depict::lang {
namespace {

class ReadingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_["hand_en.tsv"] = "the\t\t\na\t\t\nof\t\t\nin\t\t\n";
    files_["lexicon_en.tsv"] =
        "black\t\tan\ncat\t\tn\ndoctor\t\tnh\nhospital\t\tn\njournalist\t\tnh\n"
        "soldier\t\tnh\n";
    files_["hand_es.tsv"] =
        "un\ta\t\nsoldado\tsoldier\tn\nalemán\tGerman\tan\ngato\tcat\tn\n"
        "negro\tblack\tan\npapa\tpope\tn\nde\tof\t\npersona\tperson\tn\n"
        "una\ta\t\nniño\tchild\tn\ndesnudo\tnaked\ta\npapá\tdad\tn\n"
        "periodista\tjournalist\tn\n";
    files_["lexicon_en.tsv"] += "";
    files_["hand_de.tsv"] =
        "eine\ta\t\närztin\tfemale doctor\tn\nim\tin the\t\n"
        "krankenhaus\thospital\tn\nschwarze\tblack\ta\nkatze\tcat\tn\nmädchen\tgirl\tn\n";
    files_["hand_zh.tsv"] =
        "一个\ta\t\n的\t-\t\n德国\tGermany\tp\n士兵\tsoldier\tn\n"
        "0年代\t{n}s\t\n";
    files_["hand_ko.tsv"] = "의사\tdoctor\tn\n가\t-\ts\n는\t-\ts\n";
    files_["hand_ar.tsv"] =
        "و\tand\tx\nال\tthe\tx\nطبيب\tdoctor\tn\nك\tlike\tx\nجرذان\trats\tn\n"
        "ه\t-\ts\nرأس\thead\tn\n";
    files_["hand_fr.tsv"] =
        "homme\tman\tn\nqui\twho\t\nse\toneself\tr\ns'est\toneself\tr\nest\tis\tu\n"
        "pendu\thanged\ta\ncoupe\tcuts\t\nles\tthe\t\ncheveux\thair\tn\n"
        "veines\tveins\tn\nfemme\twoman\tn\nla\tthe\t\n";
    files_["hand_de.tsv"] +=
        "mann\tman\tn\nhat\thas\tu\nsich\toneself\tr\n"
        "keller\tcellar\tn\nerhängt\thanged\ta\n";
    files_["hand_hi.tsv"] = "में\tin\t\n";
    files_["surnames.tsv"] = "ko:손\tSon\n";
    files_["articles.tsv"] = "es:un\tM\nes:una\tF\n";
    for (auto& [name, text] : files_) views_[name] = text;
    lexicons_ = std::make_unique<Lexicons>(views_);
  }

  Reading ReadOf(const std::string& prompt) { return Read(*lexicons_, prompt); }

  std::map<std::string, std::string> files_;
  std::map<std::string, std::string_view> views_;
  std::unique_ptr<Lexicons> lexicons_;
};

TEST_F(ReadingTest, EnglishIsReadAsItIs) {
  const Reading r = ReadOf("a black cat in the hospital");
  EXPECT_EQ(r.language(), Language::kEn);
  EXPECT_TRUE(r.identity());
  EXPECT_EQ(r.text(), "a black cat in the hospital");
  EXPECT_EQ(r.MapSpan(2, 7), std::make_pair(2u, 7u));
}

TEST_F(ReadingTest, GermanWordsTakeTheirReadings) {
  const Reading r = ReadOf("eine Ärztin im Krankenhaus");
  EXPECT_EQ(r.language(), Language::kDe);
  EXPECT_EQ(r.text(), "a female doctor in the hospital");
  // "female doctor" comes from "Ärztin" (bytes 5..12 of the prompt: Ä is two bytes).
  const size_t at = r.text().find("female doctor");
  EXPECT_EQ(r.MapSpan(at, at + 13), std::make_pair(5u, 12u));
}

// People type without accents: a word that is no word as typed is read as its accented form;
// one that is a word as typed keeps its own reading ("papa" is the pope, not "papá").
TEST_F(ReadingTest, WordsTypedWithoutTheirAccents) {
  const Reading nino = ReadOf("niño desnudo");
  EXPECT_EQ(nino.language(), Language::kEs);
  EXPECT_EQ(nino.text(), "child naked");
  EXPECT_EQ(ReadOf("nino desnudo").text(), "child naked");
  EXPECT_EQ(ReadOf("eine madchen im krankenhaus").text(), "a girl in the hospital");
  EXPECT_EQ(ReadOf("un papa aleman").text(), "a German pope");
  EXPECT_EQ(ReadOf("un papá aleman").text(), "a German dad");
  EXPECT_TRUE(ReadOf("a black cat").identity());
}

TEST_F(ReadingTest, RomanceAdjectivesMoveBeforeTheNounAndArticlesGiveGender) {
  const Reading r = ReadOf("un soldado alemán");
  EXPECT_EQ(r.language(), Language::kEs);
  EXPECT_EQ(r.text(), "a German male soldier");
  // The whole of "German male soldier" maps to "soldado alemán", in whichever order.
  const auto [start, end] = r.MapSpan(2, static_cast<uint32_t>(r.text().size()));
  EXPECT_EQ(start, 3u);
  EXPECT_EQ(end, static_cast<uint32_t>(std::string("un soldado alemán").size()));
}

TEST_F(ReadingTest, AFeminineArticleBeforeANounInAIsNotAGender) {
  EXPECT_EQ(ReadOf("una persona").text(), "a person");
  // A noun of common gender takes the article's: "una periodista" is a woman.
  EXPECT_EQ(ReadOf("una periodista").text(), "a female journalist");
  EXPECT_EQ(ReadOf("un periodista").text(), "a male journalist");
}

TEST_F(ReadingTest, ColourWordsStayColourWords) {
  EXPECT_EQ(ReadOf("un gato negro").text(), "a black cat");
  EXPECT_EQ(ReadOf("eine schwarze Katze").text(), "a black cat");
}

TEST_F(ReadingTest, ChineseIsSegmentedAndParticlesDropped) {
  const Reading r = ReadOf("一个1940年代的德国士兵");
  EXPECT_EQ(r.language(), Language::kZh);
  EXPECT_EQ(r.text(), "a 1940s Germany soldier");
}

TEST_F(ReadingTest, NamesJoinedByMiddleDotsAreRomanised) {
  const Reading r = ReadOf("克拉伦斯·托马斯");
  EXPECT_EQ(r.language(), Language::kZh);
  ASSERT_EQ(r.text().find(' '), r.text().rfind(' '));  // two words
  for (char c : r.text()) EXPECT_TRUE(c == ' ' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
  EXPECT_TRUE(r.text()[0] >= 'A' && r.text()[0] <= 'Z');
  EXPECT_EQ(r.MapSpan(0, static_cast<uint32_t>(r.text().size())),
            std::make_pair(0u, static_cast<uint32_t>(std::string("克拉伦斯·托马斯").size())));
}

TEST_F(ReadingTest, KoreanParticlesAndArabicPrefixesAreStripped) {
  EXPECT_EQ(ReadOf("의사가").text(), "doctor");
  EXPECT_EQ(ReadOf("والطبيب").text(), "doctor");
}

TEST_F(ReadingTest, UnknownWordsInOtherScriptsAreRomanisedAndNamesKeepTheirCapitals) {
  // Two capitalised words no dictionary knows, or one that ends like a Russian surname: a name.
  const Reading pair = ReadOf("Ангела Меркель");
  EXPECT_EQ(pair.language(), Language::kRu);
  EXPECT_EQ(pair.text().substr(0, 13), "Angela Merkel");
  ASSERT_EQ(pair.names().size(), 1u);
  EXPECT_EQ(ReadOf("Зеленский").text().substr(0, 3), "Zel");
  // A capitalised place is romanised but not made a name.
  const Reading place = ReadOf("Киото");
  EXPECT_EQ(place.text(), "kioto");
  EXPECT_TRUE(place.names().empty());
}

TEST_F(ReadingTest, EnglishTagsAroundAForeignSubjectStayEnglish) {
  const Reading r = ReadOf("masterpiece, best quality, 一个德国士兵, 1943");
  EXPECT_EQ(r.language(), Language::kZh);
  EXPECT_EQ(r.text(), "masterpiece, best quality, a Germany soldier, 1943");
}

TEST_F(ReadingTest, ArabicPrefixesThatSaySomethingAreRead) {
  EXPECT_EQ(ReadOf("كجرذان").text(), "like rats");
  EXPECT_EQ(ReadOf("ورأسه").text(), "head");  // and + head + his
}

TEST_F(ReadingTest, ReflexiveVerbsAreDoneToOneself) {
  EXPECT_EQ(ReadOf("homme qui s'est pendu").text(), "man who hanged oneself");
  EXPECT_EQ(ReadOf("la femme se coupe les veines").text(), "the woman cuts one's veins");
  EXPECT_EQ(ReadOf("Mann hat sich im Keller erhängt").text(),
            "man has in the cellar hanged oneself");
}

TEST_F(ReadingTest, HindiNamesLoseTheVowelsHindiDoesNotSay) {
  // ICU spells every inherent vowel ("virata kohali"); Hindi drops them at the end of a word
  // and between a vowel and a consonant with its own vowel.
  EXPECT_EQ(ReadOf("विराट कोहली में").text(), "virat kohli in");
}

TEST_F(ReadingTest, AKoreanNameAloneAmongEnglishWordsIsAName) {
  const Reading r = ReadOf("news photo, 손흥민 smiling");
  EXPECT_EQ(r.names().size(), 1u) << r.text();
}

TEST_F(ReadingTest, LettersTypedApartAreJoined) {
  const Reading r = ReadOf("un soldado alemán, p e r s o n a");
  EXPECT_EQ(r.language(), Language::kEs);
  EXPECT_NE(r.text().find("person"), std::string::npos) << r.text();
  // A one-letter word before them stays a word.
  EXPECT_EQ(ReadOf("a n o o s e").text(), "a noose");
}

TEST_F(ReadingTest, SpelledOutLettersAreNotAForeignLanguage) {
  EXPECT_EQ(ReadOf("a n o o s e").language(), Language::kEn);
}

}  // namespace
}  // namespace depict::lang
