#include "cast/knowledge.h"

#include <gtest/gtest.h>

#include "text/tsv.h"

namespace depict::cast {
namespace {

// The smallest complete table set: one row where a table needs one.
TableFiles Minimal() {
  TableFiles f;
  f["places/populations.tsv"] =
      "# test\njp\t-10000..now\teast_asian\t=\tx\nus\t1776..1964\twhite,black\twhite\tx\n"
      "us\t1965..now\t*\t*\tx\n";
  f["places/places.tsv"] = "japan\tjp\tcountry\n";
  f["places/demonyms.tsv"] = "japanese\t=\tjp\t-\t-\tnation\t-\n";
  f["people/nouns.tsv"] =
      "soldier\tsoldiers\t-\t-\tman<1950\t-\t-\t-\nsamurai\t=\trole:man\t-\t-\tjp\t1185..1876\t-\n";
  f["people/named.tsv"] = "^prince\tprince rogers nelson\tman\t1958\t2016\tus\treal\t-\t-\n";
  f["people/first_names.tsv"] = "maria\tf\n";
  f["people/surnames.tsv"] = "gonzalez\n";
  f["people/modifiers.tsv"] = "female\tgender\twoman\n";
  f["people/not_people.tsv"] = "german shepherd\n";
  f["context/eras.tsv"] = "edo period\t1603..1868\tjp\tx\n";
  f["context/institutions.tsv"] = "wehrmacht\tjp\t1935..1945\tx\n";
  f["context/event_forms.tsv"] = "battle\tof\t-\tx\ndynasty\tname\tany\tx\n";
  f["cast/labels.tsv"] =
      "ethnicity\twhite\twhite\twhite\nethnicity\tblack\tBlack\tBlack\n"
      "ethnicity\teast_asian\tEast Asian\tEast Asian\nethnicity\tsouth_asian\tSouth Asian\tx\n"
      "ethnicity\tsoutheast_asian\tx\tx\nethnicity\tmiddle_eastern\tx\tx\n"
      "ethnicity\tlatino\tLatino\tLatina\nethnicity\tindigenous\tx\tx\n"
      "ethnicity\tpacific_islander\tx\tx\nperson\tchild\tboy\tgirl\tboys\tgirls\n"
      "person\tteen\tx\tx\tx\tx\nperson\tadult\tman\twoman\tmen\twomen\n"
      "person\telderly\tx\tx\tx\tx\n";
  f["cast/target.json"] = R"({"gender": {"man": 1, "woman": 3}})";
  return f;
}

std::string LoadError(const TableFiles& f) {
  try {
    Knowledge::Load(f);
  } catch (const text::TableError& e) {
    return e.what();
  }
  return "";
}

TEST(KnowledgeTest, LoadsAndIndexesPhrases) {
  const auto k = Knowledge::Load(Minimal());
  const LexEntry* samurai = k->Find("samurai");
  ASSERT_NE(samurai, nullptr);
  EXPECT_GE(samurai->noun, 0);
  EXPECT_EQ(samurai->noun, samurai->noun_plural);
  const Noun& n = k->nouns()[samurai->noun];
  EXPECT_EQ(n.gender.values, Bit(kMan));
  EXPECT_TRUE(n.gender.from_role);
  EXPECT_EQ(n.era.from, 1185);
  EXPECT_EQ(k->places()[n.place].id, "jp");
  ASSERT_NE(k->Find("edo"), nullptr);
  EXPECT_TRUE(k->Find("edo")->continues);
  EXPECT_GE(k->Find("edo period")->era, 0);
  EXPECT_TRUE(k->Find("prince")->named_needs_capital);
  EXPECT_FALSE(k->Find("prince rogers nelson")->named_needs_capital);
  EXPECT_TRUE(k->Find("maria")->first_name);
  EXPECT_EQ(k->Find("nobody"), nullptr);
}

TEST(KnowledgeTest, ImportedDemonymsYieldToHandTables) {
  TableFiles f = Minimal();
  f["places/wordnet_demonyms.tsv"] =
      "kyotoite\tkyotoites\tjp\t-\t-\tnation\t-\n"
      "japanese\t=\tus\t-\t-\tnation\t-\n"     // the hand table's word: ignored
      "maria\tmarias\tjp\t-\t-\tnation\t-\n";  // a given name: ignored
  const auto k = Knowledge::Load(f);
  const LexEntry* kyoto = k->Find("kyotoite");
  ASSERT_NE(kyoto, nullptr);
  ASSERT_GE(kyoto->demonym, 0);
  EXPECT_EQ(k->places()[k->demonyms()[kyoto->demonym].place].id, "jp");
  EXPECT_EQ(k->Find("kyotoites")->demonym_plural, kyoto->demonym);
  EXPECT_EQ(k->places()[k->demonyms()[k->Find("japanese")->demonym].place].id, "jp");
  EXPECT_LT(k->Find("maria")->demonym, 0);
}

TEST(KnowledgeTest, PopulationByEraAndRole) {
  const auto k = Knowledge::Load(Minimal());
  const int us = k->FindPlaceId("us");
  const ValueSet white = Bit(ParseValue(Dim::kEthnicity, "white"));
  const ValueSet black = Bit(ParseValue(Dim::kEthnicity, "black"));
  EXPECT_EQ(k->Population(us, {1860, 1869}, false), white | black);
  EXPECT_EQ(k->Population(us, {1860, 1869}, true), white);
  EXPECT_EQ(k->Population(us, {2000, kNow}, false), AllValues(Dim::kEthnicity));
  EXPECT_EQ(k->Population(us, {}, false), AllValues(Dim::kEthnicity));  // unknown era: today
  EXPECT_EQ(k->Population(us, {1500, 1500}, false), 0);                 // no row: unknown
}

TEST(KnowledgeTest, TargetDefaultsAndOverrides) {
  auto k = Knowledge::Load(Minimal());
  const Target& t = k->target();
  EXPECT_EQ(t.weights[0], (std::vector<double>{1, 3}));
  EXPECT_EQ(t.weights[1], std::vector<double>(9, 1.0));        // unstated: uniform
  EXPECT_EQ(t.weights[2], (std::vector<double>{0, 0, 1, 0}));  // unstated age: adults
  EXPECT_THROW(const_cast<Knowledge&>(*k).SetTarget("t.json", "{\"age\": {\"old\": 1}}"),
               text::TableError);
  EXPECT_THROW(const_cast<Knowledge&>(*k).SetTarget("t.json", "{\"age\": {\"adult\": 0}}"),
               text::TableError);
  EXPECT_THROW(const_cast<Knowledge&>(*k).SetTarget("t.json", "[1"), text::TableError);
}

TEST(KnowledgeTest, ErrorsNameFileAndLine) {
  struct Case {
    const char* file;
    const char* content;
    const char* expected;
  };
  const Case cases[] = {
      {"people/nouns.tsv", "soldier\tsoldiers\t-\n", "people/nouns.tsv:1: expected 8"},
      {"people/nouns.tsv", "# c\nsoldier\tsoldiers\tmale\t-\t-\t-\t-\t-\n",
       "people/nouns.tsv:2: unknown gender 'male'"},
      {"people/nouns.tsv", "a\t-\t-\t-\t-\t-\t-\t-\na\t-\t-\t-\t-\t-\t-\t-\n",
       "people/nouns.tsv:2: duplicate noun 'a'"},
      {"people/nouns.tsv", "a\t-\t-\t-\tman1950\t-\t-\t-\n", "people/nouns.tsv:1: history"},
      {"people/nouns.tsv", "a\t-\t-\t-\t-\txx\t-\t-\n",
       "people/nouns.tsv:1: place id 'xx' has no rows"},
      {"people/nouns.tsv", "a\t-\t-\t-\t-\t-\t1900..1800\t-\n", "ends before it starts"},
      {"places/populations.tsv", "jp\t1..10\tasian\t=\tx\n", "unknown ethnicity 'asian'"},
      {"places/populations.tsv", "jp\t1..10\twhite\t=\tx\njp\t5..20\twhite\t=\tx\n",
       "places/populations.tsv:2: era overlaps"},
      {"people/named.tsv", "a b\t-\tman\t1900\t1800\tjp\treal\t-\t-\n", "died before born"},
      {"people/named.tsv", "a b\t-\tman\t1900\t1950\tjp\treal\t-\tasian\n",
       "people/named.tsv:1: unknown ethnicity 'asian'"},
      {"people/named.tsv", "a b\t-\tman\t1900\t1950\tjp\treal\t-\n", "people/named.tsv:1"},
      {"people/named.tsv",
       "a b\t-\tman\t-\t-\tjp\treal\t-\t-\nc d\ta b\tman\t-\t-\tjp\treal\t-\t-\n",
       "people/named.tsv:2: name 'a b' is already used by 'a b'"},
      {"people/modifiers.tsv", "x\tcolour\t-\n", "unknown modifier kind"},
      {"cast/labels.tsv", "ethnicity\twhite\twhite\twhite\n", "no label for ethnicity 'black'"},
  };
  for (const Case& c : cases) {
    TableFiles f = Minimal();
    f[c.file] = c.content;
    EXPECT_NE(LoadError(f).find(c.expected), std::string::npos)
        << c.expected << " / got: " << LoadError(f);
  }
  TableFiles missing = Minimal();
  missing.erase("people/nouns.tsv");
  EXPECT_NE(LoadError(missing).find("people/nouns.tsv: table file is missing"), std::string::npos);
}

}  // namespace
}  // namespace depict::cast
