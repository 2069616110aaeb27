// The attribute resolver, through the planner: sources and values for each kind of evidence.
#include "cast/resolver.h"

#include <gtest/gtest.h>

#include "support/planner_fixture.h"

namespace depict::cast {
namespace {

using testing::Attr;
using testing::PersonWith;
using testing::PlanOf;
using testing::Set;

void ExpectDecision(const char* prompt, const char* who, Dim dim, Source source,
                    std::initializer_list<std::string_view> values) {
  const plan::Plan p = PlanOf(prompt);
  const Person* person = PersonWith(p, who);
  ASSERT_NE(person, nullptr) << prompt << ": no '" << who << "'";
  const Decision& d = Attr(*person, dim);
  EXPECT_EQ(d.source, source) << prompt << " " << DimName(dim) << ": " << d.reason;
  if (source != Source::kOpen && values.size() > 0) {
    EXPECT_EQ(d.values, Set(dim, values)) << prompt << " " << DimName(dim) << ": " << d.reason;
  }
}

TEST(ResolverTest, ExplicitWords) {
  ExpectDecision("a Black teacher", "teacher", Dim::kEthnicity, Source::kExplicit, {"black"});
  ExpectDecision("a female pilot", "pilot", Dim::kGender, Source::kExplicit, {"woman"});
  ExpectDecision("an old fisherman", "fisherman", Dim::kAge, Source::kExplicit, {"elderly"});
  ExpectDecision("a grandmother", "grandmother", Dim::kGender, Source::kExplicit, {"woman"});
  ExpectDecision("a businessman", "businessman", Dim::kGender, Source::kExplicit, {"man"});
  ExpectDecision("a Nigerian farmer", "farmer", Dim::kEthnicity, Source::kExplicit, {"black"});
  ExpectDecision("an Indian bride", "bride", Dim::kEthnicity, Source::kExplicit, {"south_asian"});
  ExpectDecision("an Asian woman", "woman", Dim::kEthnicity, Source::kExplicit,
                 {"east_asian", "south_asian", "southeast_asian"});
  ExpectDecision("a doctor holding her stethoscope", "doctor", Dim::kGender, Source::kExplicit,
                 {"woman"});
  ExpectDecision("a boy riding a bicycle", "boy", Dim::kAge, Source::kExplicit, {"child"});
}

TEST(ResolverTest, ColourWordsThatAreNotEthnicity) {
  for (const char* prompt : {"a black and white photo of a band", "a man in a black suit",
                             "a white-collar worker", "a woman with white hair"}) {
    const plan::Plan p = PlanOf(prompt);
    ASSERT_FALSE(p.people.empty()) << prompt;
    for (const Person& person : p.people) {
      EXPECT_NE(Attr(person, Dim::kEthnicity).source, Source::kExplicit) << prompt;
    }
  }
}

TEST(ResolverTest, NamedPeopleAreDrawnAsThemselves) {
  for (const char* prompt :
       {"Clarence Thomas", "Queen Elizabeth I", "Frida Kahlo", "a portrait of Serena Williams"}) {
    const plan::Plan p = PlanOf(prompt);
    ASSERT_EQ(p.people.size(), 1u) << prompt;
    EXPECT_TRUE(p.people[0].named) << prompt;
    for (Dim dim : kDims) EXPECT_EQ(Attr(p.people[0], dim).source, Source::kIdentity) << prompt;
  }
  // The table's ethnicity is reported, never written into the prompt; a figure it gives none
  // (a god) gets none.
  const plan::Plan musa = PlanOf("Mansa Musa arriving in Cairo");
  EXPECT_EQ(Attr(musa.people[0], Dim::kEthnicity).values, Set(Dim::kEthnicity, {"black"}));
  EXPECT_EQ(musa.images[0].prompt, "Mansa Musa arriving in Cairo");
  const plan::Plan obama = PlanOf("President Barack Obama waving");
  EXPECT_EQ(Attr(obama.people[0], Dim::kEthnicity).values, Set(Dim::kEthnicity, {"black"}));
  for (const auto& image : obama.images) EXPECT_EQ(image.prompt, "President Barack Obama waving");
  EXPECT_EQ(Attr(PlanOf("Zeus hurling a thunderbolt").people[0], Dim::kEthnicity).values, 0u);
  // Where the table gives none, a historical person of a place whose people were then one group
  // is counted as that group (Aesop: Greece, 620-564 BC).
  EXPECT_EQ(Attr(PlanOf("Aesop telling a fable").people[0], Dim::kEthnicity).values,
            Set(Dim::kEthnicity, {"white"}));
  // Ages from their years: their adult life, to their death or to today.
  EXPECT_EQ(Attr(musa.people[0], Dim::kAge).values, Set(Dim::kAge, {"adult"}));
  EXPECT_EQ(Attr(PlanOf("Albert Einstein at a blackboard").people[0], Dim::kAge).values,
            Set(Dim::kAge, {"adult", "elderly"}));
}

// In a battle, war or rising before 1950, people whose role has no rule of its own are its
// fighters, who were men; a population caught up in it keeps its gender open, and a later war
// fixes nothing.
TEST(ResolverTest, FightersOfPastWarsWereMen) {
  ExpectDecision("Norwegian farmers during the Lofthus Uprising", "farmers", Dim::kGender,
                 Source::kContext, {"man"});
  ExpectDecision("Russian Cossacks during the Siege of Azov", "Cossacks", Dim::kGender,
                 Source::kContext, {"man"});
  ExpectDecision("civilians during the Siege of Leningrad", "civilians", Dim::kGender,
                 Source::kOpen, {});
  ExpectDecision("factory workers during the Second World War", "workers", Dim::kGender,
                 Source::kOpen, {});
  ExpectDecision("refugees during the Boer War", "refugees", Dim::kGender, Source::kOpen, {});
  ExpectDecision("Kurdish farmers during the siege of Kobani in 2014", "farmers", Dim::kGender,
                 Source::kOpen, {});
  ExpectDecision("Norwegian farmers in 1786", "farmers", Dim::kGender, Source::kOpen, {});
  // So were the members of expeditions of exploration then; an event's name is not a person.
  ExpectDecision("members of the Burke and Wills expedition setting out from Melbourne in 1860",
                 "members", Dim::kGender, Source::kContext, {"man"});
  ExpectDecision("members of an Antarctic expedition in 2019", "members", Dim::kGender,
                 Source::kOpen, {});
  EXPECT_EQ(PlanOf("members of Scott's Terra Nova Expedition").people.size(), 1u);
}

// A body owned by a plural of stated gender is of that gender, and so are those of it; other
// things the women own are not.
// A people's or a dynasty's own word for a group of them, which no table knows, is that
// people; a known word after a dynasty's name is a thing of its time.
TEST(ResolverTest, ADynastysOwnWordForItsPeople) {
  ExpectDecision("Qing bannermen defending the Taku Forts", "bannermen", Dim::kEthnicity,
                 Source::kContext, {"east_asian"});
  ExpectDecision("Greek Klephts during the War of Independence", "Klephts", Dim::kGender,
                 Source::kContext, {"man"});
  EXPECT_TRUE(PlanOf("Ming porcelain vases on a shelf").people.empty());
}

// A people's traditional role with no date is as it was; a fantasy or present-day one is open.
TEST(ResolverTest, APeoplesTraditionalRole) {
  ExpectDecision("a Zulu warrior", "warrior", Dim::kGender, Source::kContext, {"man"});
  ExpectDecision("a Sioux chief", "chief", Dim::kGender, Source::kContext, {"man"});
  ExpectDecision("a Polynesian navigator reading the stars", "navigator", Dim::kGender,
                 Source::kContext, {"man"});
  ExpectDecision("a fantasy warrior with a sword", "warrior", Dim::kGender, Source::kOpen, {});
  ExpectDecision("a Maasai warrior in Kenya today", "warrior", Dim::kGender, Source::kOpen, {});
  ExpectDecision("an American GI", "GI", Dim::kGender, Source::kContext, {"man"});
}

// Known groups of real people keep their members' attributes.
TEST(ResolverTest, KnownGroupsOfRealPeople) {
  ExpectDecision("the Apollo 11 astronauts on the moon", "Apollo 11", Dim::kGender,
                 Source::kIdentity, {"man"});
  ExpectDecision("the Little Rock Nine walking into school", "Little Rock Nine", Dim::kEthnicity,
                 Source::kIdentity, {"black"});
  // A group whose name holds a word for people is the group, not people of that word; where
  // the name is an everyday phrase, only when capitalised.
  ExpectDecision("Boyz II Men in concert", "Boyz II Men", Dim::kEthnicity, Source::kIdentity,
                 {"black"});
  ExpectDecision("construction site with men at work", "men", Dim::kGender, Source::kExplicit,
                 {"man"});
  ExpectDecision("construction site with men at work", "men", Dim::kEthnicity, Source::kOpen, {});
}

TEST(ResolverTest, AWomensBodyIsWomen) {
  ExpectDecision("the girls' volleyball team celebrating", "team", Dim::kGender, Source::kExplicit,
                 {"woman"});
  ExpectDecision("soldiers of the Russian Women's Battalion of Death in 1917", "soldiers",
                 Dim::kGender, Source::kExplicit, {"woman"});
  ExpectDecision("the women's children playing", "children", Dim::kGender, Source::kOpen, {});
}

TEST(ResolverTest, HistoryAndPlaceFixContext) {
  ExpectDecision("a 1940s German soldier", "soldier", Dim::kGender, Source::kContext, {"man"});
  ExpectDecision("a 1940s German soldier", "soldier", Dim::kEthnicity, Source::kExplicit,
                 {"white"});
  ExpectDecision("the US Founding Fathers", "Founding Fathers", Dim::kGender, Source::kContext,
                 {"man"});
  ExpectDecision("the US Founding Fathers", "Founding Fathers", Dim::kEthnicity, Source::kContext,
                 {"white"});
  ExpectDecision("a medieval pope", "pope", Dim::kGender, Source::kContext, {"man"});
  ExpectDecision("a medieval pope", "pope", Dim::kEthnicity, Source::kContext, {"white"});
  ExpectDecision("a samurai in feudal Japan", "samurai", Dim::kEthnicity, Source::kContext,
                 {"east_asian"});
  ExpectDecision("a Zulu warrior in 1879", "warrior", Dim::kEthnicity, Source::kExplicit,
                 {"black"});
  ExpectDecision("a Zulu warrior in 1879", "warrior", Dim::kGender, Source::kContext, {"man"});
  ExpectDecision("a geisha", "geisha", Dim::kGender, Source::kContext, {"woman"});
  ExpectDecision("a nun", "nun", Dim::kGender, Source::kContext, {"woman"});
  ExpectDecision("a cardinal of the Catholic Church in 1600", "cardinal", Dim::kEthnicity,
                 Source::kContext, {"white"});
  ExpectDecision("a 1960s NASA mission control engineer", "engineer", Dim::kGender,
                 Source::kContext, {"man"});
}

TEST(ResolverTest, ThePastAtAnUnknownPlaceAddsNoEthnicity) {
  // Nobody knows the "Yellow Turban" people to the tables: people of every continent drawn in
  // turn would be wrong, so nothing is added; a known place still decides.
  ExpectDecision("Yellow Turban rebels in 184 AD", "rebels", Dim::kEthnicity, Source::kContext, {});
  EXPECT_EQ(
      Attr(*PersonWith(PlanOf("Yellow Turban rebels in 184 AD"), "rebels"), Dim::kEthnicity).values,
      0u);
  ExpectDecision("a farmer in 1850", "farmer", Dim::kEthnicity, Source::kContext, {});
  ExpectDecision("a farmer in Japan in 1850", "farmer", Dim::kEthnicity, Source::kContext,
                 {"east_asian"});
  ExpectDecision("a farmer in 1990", "farmer", Dim::kEthnicity, Source::kOpen, {});
}

TEST(ResolverTest, UndatedEventsCastFromTheirSidesAndTheirNamesakes) {
  // The sides of an unlisted war, in its (undated, so 19th-century) past.
  ExpectDecision("Soldiers during the First Anglo-Burmese War", "Soldiers", Dim::kEthnicity,
                 Source::kContext, {"white", "southeast_asian"});
  ExpectDecision("Soldiers during the First Anglo-Burmese War", "Soldiers", Dim::kGender,
                 Source::kContext, {"man"});
  // A nationality in an undated event's past is that past's population, not today's.
  ExpectDecision("British Engineers during the Chinese Railway Workers in Kenya", "Engineers",
                 Dim::kEthnicity, Source::kExplicit, {"white"});
  // People named inside the event's name are not shown.
  const plan::Plan p = PlanOf("Ethiopian Priests during the Reign of Zara Yaqob");
  EXPECT_EQ(p.people.size(), 1u);
  EXPECT_EQ(PlanOf("British Engineers during the Chinese Railway Workers in Kenya").people.size(),
            1u);
  // A ruler's government is the ruler's country in the ruler's adult life, and the ruler is
  // not shown (issue 8: "Mugabe government officials" are Black).
  ExpectDecision("Mugabe Government Officials during the Zimbabwe Land Reform Program", "Officials",
                 Dim::kEthnicity, Source::kContext, {"black"});
  EXPECT_EQ(
      PlanOf("Mugabe Government Officials during the Zimbabwe Land Reform Program").people.size(),
      1u);
  // A named person's own lifetime beats the undated past: Ramesses II's Egypt.
  ExpectDecision("Soldiers during the Reign of Ramesses II", "Soldiers", Dim::kEthnicity,
                 Source::kContext, {"middle_eastern"});
  // Settlers in a colonised land were its dominant group.
  ExpectDecision("settlers in Kenya in 1920", "settlers", Dim::kEthnicity, Source::kContext,
                 {"white"});
  // A nationality's holders of power are its own people where a colonial power ruled it, and
  // the dominant group among them elsewhere.
  ExpectDecision("the Burmese court during the fall of Mandalay in 1885", "court", Dim::kEthnicity,
                 Source::kExplicit, {"southeast_asian"});
  ExpectDecision("Kenyan chiefs in 1920", "chiefs", Dim::kEthnicity, Source::kExplicit, {"black"});
  ExpectDecision("an American senator in 1900", "senator", Dim::kEthnicity, Source::kExplicit,
                 {"white"});
  // Modern occasions stay open.
  ExpectDecision("Volunteers during the London Marathon in 2015", "Volunteers", Dim::kGender,
                 Source::kOpen, {});
}

TEST(ResolverTest, CompoundNounsTakeTheirHeadsHistory) {
  ExpectDecision("government officials in 1847", "officials", Dim::kGender, Source::kContext,
                 {"man"});
  ExpectDecision("a government official in 1847", "official", Dim::kAge, Source::kContext,
                 {"adult"});
}

TEST(ResolverTest, ExplicitBeatsContext) {
  ExpectDecision("a female pope", "pope", Dim::kGender, Source::kExplicit, {"woman"});
  ExpectDecision("a Black samurai", "samurai", Dim::kEthnicity, Source::kExplicit, {"black"});
}

TEST(ResolverTest, OpenWhenNothingFixesIt) {
  for (const char* prompt : {"a doctor", "a CEO", "a soldier today", "an architect"}) {
    const plan::Plan p = PlanOf(prompt);
    ASSERT_EQ(p.people.size(), 1u) << prompt;
    EXPECT_EQ(Attr(p.people[0], Dim::kGender).source, Source::kOpen) << prompt;
    EXPECT_EQ(Attr(p.people[0], Dim::kEthnicity).source, Source::kOpen) << prompt;
    // A soldier is an adult by the role (nouns.tsv `role:adult`); the others' age is open.
    if (std::string(prompt) == "a soldier today") {
      EXPECT_EQ(Attr(p.people[0], Dim::kAge).source, Source::kContext) << prompt;
      EXPECT_EQ(Attr(p.people[0], Dim::kAge).values, Set(Dim::kAge, {"adult"})) << prompt;
    } else {
      EXPECT_EQ(Attr(p.people[0], Dim::kAge).source, Source::kOpen) << prompt;
    }
  }
}

TEST(ResolverTest, KinWordsTakeTheirFamilysEthnicity) {
  const plan::Plan p = PlanOf("a Latino father with his son");
  const Person* son = PersonWith(p, "son");
  ASSERT_NE(son, nullptr);
  EXPECT_EQ(Attr(*son, Dim::kEthnicity).source, Source::kContext);
  EXPECT_EQ(Attr(*son, Dim::kEthnicity).values, Set(Dim::kEthnicity, {"latino"}));
  EXPECT_EQ(Attr(*son, Dim::kGender).values, Set(Dim::kGender, {"man"}));
}

TEST(ResolverTest, EveryDecisionHasAReason) {
  const plan::Plan p = PlanOf("a Prussian officer in 1870 with a nurse and Otto von Bismarck");
  ASSERT_GE(p.people.size(), 3u);
  for (const Person& person : p.people) {
    for (Dim dim : kDims) EXPECT_FALSE(Attr(person, dim).reason.empty()) << person.text;
  }
}

}  // namespace
}  // namespace depict::cast

namespace depict::cast {
namespace {

TEST(ResolverExtraTest, InstitutionMembersAndRoleNounModifiers) {
  ExpectDecision("a Tuskegee Airmen fighter pilot in 1944", "pilot", Dim::kEthnicity,
                 Source::kContext, {"black"});
  ExpectDecision("a poet of the Harlem Renaissance", "poet", Dim::kEthnicity, Source::kContext,
                 {"black"});
  ExpectDecision("a haenyeo diver", "diver", Dim::kEthnicity, Source::kContext, {"east_asian"});
}

TEST(ResolverExtraTest, PossessorsPlaceBeatsTheScenesPlace) {
  // Genghis Khan's horsemen are Mongols wherever they ride.
  ExpectDecision("Genghis Khan's horsemen charging across the steppe", "horsemen", Dim::kEthnicity,
                 Source::kContext, {"east_asian"});
}

TEST(ResolverExtraTest, EthnicityWordsBeatANationalitysPopulation) {
  ExpectDecision("a Black Roman centurion", "centurion", Dim::kEthnicity, Source::kExplicit,
                 {"black"});
  ExpectDecision("a medieval monk", "monk", Dim::kEthnicity, Source::kContext, {"white"});
  ExpectDecision("a medieval farmer in Japan", "farmer", Dim::kEthnicity, Source::kContext,
                 {"east_asian"});
}

TEST(ResolverExtraTest, WarsNameNoPeople) {
  // "Korean War" is an era, not a nationality; a war's soldiers came from more than one people.
  for (const char* prompt : {"a Korean War veteran", "a Vietnam War soldier"}) {
    const plan::Plan p = PlanOf(prompt);
    ASSERT_EQ(p.people.size(), 1u) << prompt;
    EXPECT_EQ(Attr(p.people[0], Dim::kEthnicity).source, Source::kOpen) << prompt;
  }
  ExpectDecision("a Korean veteran", "veteran", Dim::kEthnicity, Source::kExplicit, {"east_asian"});
}

TEST(ResolverExtraTest, AgeWordsNarrowInOrder) {
  ExpectDecision("an old man", "man", Dim::kAge, Source::kExplicit, {"elderly"});
  ExpectDecision("a young boy", "boy", Dim::kAge, Source::kExplicit, {"child"});
  ExpectDecision("a young woman", "woman", Dim::kAge, Source::kExplicit, {"adult"});
}

TEST(ResolverExtraTest, KinOfAnOpenPersonStayOpen) {
  const plan::Plan p = PlanOf("a father and his daughter");
  const Person* daughter = PersonWith(p, "daughter");
  ASSERT_NE(daughter, nullptr);
  EXPECT_EQ(Attr(*daughter, Dim::kEthnicity).source, Source::kOpen);
  for (const ImageCast& image : p.images) {
    EXPECT_EQ(image.people[1][0].values[1], image.people[0][0].values[1]);
  }
}

}  // namespace
}  // namespace depict::cast
