#include "cast/setting.h"

#include <gtest/gtest.h>

#include "cast/people_finder.h"
#include "support/planner_fixture.h"

namespace depict::cast {
namespace {

Era NumericEra(const std::string& s, int* used = nullptr) {
  const text::TokenList t = text::Lex(s);
  Era era;
  const int n = ParseNumericEra(t, 0, era);
  if (used) *used = n;
  return n > 0 ? era : Era{};
}

TEST(SettingTest, ParsesNumericEras) {
  int n = 0;
  Era e = NumericEra("1870", &n);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(e.from, 1870);
  EXPECT_EQ(e.to, 1870);
  e = NumericEra("1960s");
  EXPECT_EQ(e.from, 1960);
  EXPECT_EQ(e.to, 1969);
  e = NumericEra("1800s");
  EXPECT_EQ(e.from, 1800);
  EXPECT_EQ(e.to, 1899);
  e = NumericEra("'60s");
  EXPECT_EQ(e.from, 1960);
  e = NumericEra("16th century", &n);
  EXPECT_EQ(n, 2);
  EXPECT_EQ(e.from, 1501);
  EXPECT_EQ(e.to, 1600);
  e = NumericEra("1st century BC", &n);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(e.from, -100);
  EXPECT_EQ(e.to, -1);
  e = NumericEra("500 BC");
  EXPECT_EQ(e.from, -500);
  e = NumericEra("the sixties");
  EXPECT_EQ(e.from, 1960);
  // Centuries as readings of other languages write them.
  e = NumericEra("19. century", &n);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(e.from, 1801);
  EXPECT_EQ(NumericEra("XIXe century").from, 1801);
  EXPECT_EQ(NumericEra("century XII").to, 1200);
  EXPECT_FALSE(NumericEra("I century").known());  // "I" is a pronoun
  EXPECT_FALSE(NumericEra("42").known());         // not a year
  EXPECT_FALSE(NumericEra("1965s").known());      // not a decade
  EXPECT_FALSE(NumericEra("9999").known());
}

Setting SettingOf(const std::string& prompt) {
  const Knowledge& k = *testing::EmbeddedPlanner().tables()->knowledge;
  const text::TokenList t = text::Lex(prompt);
  const auto m = MatchPhrases(k, t);
  return ReadSetting(k, t, m, FindPeople(k, t, m));
}

TEST(SettingTest, ReadsEraAndPlaceFromTablesAndNumbers) {
  const Knowledge& k = *testing::EmbeddedPlanner().tables()->knowledge;
  Setting s = SettingOf("a samurai in Edo-period Japan");
  EXPECT_LE(s.era.from, 1610);
  EXPECT_GE(s.era.to, 1860);
  EXPECT_EQ(s.place, k.FindPlaceId("jp"));
  s = SettingOf("an Apache warrior in 1870 Arizona");
  EXPECT_EQ(s.era.from, 1870);
  EXPECT_EQ(s.place, k.FindPlaceId("us"));
  s = SettingOf("a soldier today");
  EXPECT_TRUE(s.modern);
  s = SettingOf("300 Spartans at Thermopylae");
  EXPECT_FALSE(s.era.known() && s.era.from == 300) << "a count of people is not a year";
}

// Towns come from GeoNames (places/geonames_places.tsv), exonyms of large cities included, and
// count only when written with a capital; a battle's site yields to whose people fought.
TEST(SettingTest, TownsOfTheWorldWrittenWithACapital) {
  const Knowledge& k = *testing::EmbeddedPlanner().tables()->knowledge;
  EXPECT_EQ(SettingOf("villagers in Abeokuta in 1850").place, k.FindPlaceId("ng"));
  EXPECT_EQ(SettingOf("guildsmen of Ghent in 1539").place, k.FindPlaceId("be"));
  EXPECT_LT(SettingOf("villagers in abeokuta in 1850").place, 0);
  // After "the" a town's name names something else ("the Sagrada Familia", "the Alamo").
  EXPECT_LT(SettingOf("tourists in front of the Sagrada Familia").place, 0);
  const Setting legnica = SettingOf("a soldier at the Battle of Legnica");
  EXPECT_EQ(legnica.place, k.FindPlaceId("pl"));
  EXPECT_FALSE(legnica.place_named);
  // ...unless a word that names an event follows: "the Shimabara Rebellion" is the town's.
  EXPECT_EQ(SettingOf("rebels during the Shimabara Rebellion").place, k.FindPlaceId("jp"));
}

// After a named event, "in" and three digits that end a clause are its year.
TEST(SettingTest, AYearOfThreeDigitsAfterANamedEvent) {
  EXPECT_EQ(SettingOf("warriors at the Battle of Red Cliffs in 208").era.from, 208);
  EXPECT_EQ(SettingOf("Gothic warriors at the Battle of Adrianople in 378, oil").era.to, 378);
  EXPECT_FALSE(SettingOf("a hotel room in 305").era.known());
  EXPECT_FALSE(SettingOf("soldiers at the Battle of Red Cliffs in 208 ways").era.from == 208);
}

TEST(SettingTest, InstitutionsFillInEraAndPlace) {
  const Knowledge& k = *testing::EmbeddedPlanner().tables()->knowledge;
  const Setting s = SettingOf("a Wehrmacht soldier");
  EXPECT_GE(s.era.from, 1930);
  EXPECT_LE(s.era.to, 1946);
  EXPECT_EQ(s.place, k.FindPlaceId("de"));
  // The Catholic Church is placed in Europe only for scenes set before the 20th century.
  EXPECT_EQ(SettingOf("a cardinal of the Catholic Church in 1600").place, k.FindPlaceId("europe"));
  EXPECT_LT(SettingOf("a cardinal of the Catholic Church").place, 0);
}

}  // namespace
}  // namespace depict::cast

namespace depict::cast {
namespace {

// Events no table lists are recognised by their form and set a historical scene, date unknown.
TEST(SettingEventFormTest, UnlistedEventsAndPolitiesSetAnUndatedPast) {
  const auto& k = *depict::testing::EmbeddedPlanner().tables()->knowledge;
  const auto era_of = [&](std::string_view prompt) {
    const text::TokenList t = text::Lex(prompt);
    const auto m = MatchPhrases(k, t);
    return ReadSetting(k, t, m, FindPeople(k, t, m)).era;
  };
  for (const char* p :
       {"soldiers during the Battle of Jao Modo", "the Sino-Nepalese War",
        "officials of the Zaydi Dynasty", "a colonial officer",
        "rebels during the Taiqing Rebellion",
        // How a name is introduced makes it an event: "the", a possessive, an
        // ordinal, or "during the" for lowercase names.
        "warriors during the Black Hawk War", "warriors during King Philip's War",
        "troopers in the First Matabele War", "soldiers during the Suez Crisis",
        "rebels during the shimabara rebellion", "warriors during the first matabele war"}) {
    const Era e = era_of(p);
    EXPECT_EQ(e.from, kUndatedPast.from) << p;
    EXPECT_EQ(e.to, kUndatedPast.to) << p;
  }
  // A year in the prompt wins; games and films named "Wars" and battles of wits are not events.
  EXPECT_EQ(era_of("soldiers during the Battle of Jao Modo in 1696").from, 1696);
  for (const char* p : {"a Star Wars stormtrooper", "a battle of wits", "a doctor",
                        "a nurse during the covid crisis", "fans in the console wars"}) {
    EXPECT_FALSE(era_of(p).known()) << p;
  }
}

TEST(SettingEventFormTest, TitleCaseNamesAfterDuringAreEvents) {
  const auto& k = *depict::testing::EmbeddedPlanner().tables()->knowledge;
  const auto setting_of = [&](std::string_view prompt) {
    const text::TokenList t = text::Lex(prompt);
    const auto m = MatchPhrases(k, t);
    return ReadSetting(k, t, m, FindPeople(k, t, m));
  };
  // No word marks these as events, but a capitalised name after "during the" does; words such
  // as "Reforms", "Famine" and "Program" mark them too.
  for (const char* p :
       {"British Engineers during the Chinese Railway Workers in Kenya",
        "Officials during the Zimbabwe Land Reform Program", "Farmers during the Kuomboka Famine",
        "Monks during the Gabo Reforms", "zulu warriors during the battle of isandlwana",
        "Zulu Regiments during the Mfecane", "Puerto Rican Rebels during the Grito de Lares",
        "Soldiers during William Walker's Filibuster War"}) {
    const Setting s = setting_of(p);
    EXPECT_TRUE(s.undated_past) << p;
    EXPECT_EQ(s.era.from, kUndatedPast.from) << p;
  }
  // Occasions that come back, one capitalised word, or lowercase in a prompt with capitals.
  for (const char* p :
       {"American fans during the Super Bowl", "Volunteers during the Paris Marathon",
        "Nurses during the Holiday Season", "a dancer during the Carnival",
        "Friends during the battle of the bands", "Soldiers During The Night Patrol",
        "Soldiers during the Storm", "a fan of Taylor Swift's Star Wars collection"}) {
    EXPECT_FALSE(setting_of(p).era.known()) << p;
  }
  // An event named after its sides records them: "Sino-" through places/combining_forms.tsv,
  // "Nepalese" as a nationality, "Anglo" as a people.
  const Setting sides = setting_of("Soldiers during the Sino-Nepalese War");
  ASSERT_EQ(sides.side_places.size(), 2u);
  EXPECT_EQ(k.places()[sides.side_places[0]].id, "np");
  EXPECT_EQ(k.places()[sides.side_places[1]].id, "cn");
  const Setting anglo = setting_of("Soldiers during the First Anglo-Burmese War");
  ASSERT_EQ(anglo.side_places.size(), 1u);
  EXPECT_EQ(k.places()[anglo.side_places[0]].id, "mm");
  EXPECT_NE(anglo.side_peoples, 0u);
  EXPECT_TRUE(setting_of("Soldiers during the Battle of Blenheim").side_places.empty());
}

}  // namespace
}  // namespace depict::cast
