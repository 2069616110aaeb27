#include "cast/people_finder.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "support/planner_fixture.h"

namespace depict::cast {
namespace {

struct Found {
  std::vector<Mention> mentions;
  std::string prompt;
  std::string Text(size_t i) const {
    return prompt.substr(mentions[i].start, mentions[i].end - mentions[i].start);
  }
};

Found Find(const std::string& prompt) {
  const Knowledge& k = *testing::EmbeddedPlanner().tables()->knowledge;
  const text::TokenList tokens = text::Lex(prompt);
  return {FindPeople(k, tokens, MatchPhrases(k, tokens)), prompt};
}

TEST(PeopleFinderTest, FindsHeadsWithAttachedWords) {
  const Found f = Find("an old Korean man playing baduk with a young boy");
  ASSERT_EQ(f.mentions.size(), 2u);
  EXPECT_EQ(f.Text(0), "old Korean man");
  EXPECT_EQ(f.mentions[0].demonyms.size(), 1u);
  EXPECT_EQ(f.mentions[0].age.size(), 1u);
  EXPECT_EQ(f.Text(1), "young boy");
}

// The possessor of a body part is shown (people/body_parts.tsv); of people or things, not.
TEST(PeopleFinderTest, APossessorOfABodyPartIsShown) {
  Found f = Find("a tattoo artist working on a client's forearm");
  ASSERT_EQ(f.mentions.size(), 2u);
  EXPECT_FALSE(f.mentions[1].possessor);
  f = Find("a mother holding her baby's tiny hand");
  ASSERT_EQ(f.mentions.size(), 2u);
  EXPECT_FALSE(f.mentions[1].possessor);
  for (const char* p : {"Napoleon's soldiers in Egypt", "a child's toy on the floor"}) {
    f = Find(p);
    ASSERT_FALSE(f.mentions.empty()) << p;
    EXPECT_TRUE(f.mentions[0].possessor) << p;
  }
}

TEST(PeopleFinderTest, RealNamesInDisguiseAreTheSamePeople) {
  const Knowledge& k = *testing::EmbeddedPlanner().tables()->knowledge;
  const auto named_as = [&](const std::string& prompt) -> std::string {
    const Found f = Find(prompt);
    if (f.mentions.empty() || f.mentions[0].named < 0) return "";
    return k.named()[f.mentions[0].named].name;
  };
  // One slip in the surname: a transposition, a doubled or a dropped letter.
  EXPECT_EQ(named_as("taylor swfit on stage"), "taylor swift");
  EXPECT_EQ(named_as("joe bidden giving a speech"), "joe biden");
  EXPECT_EQ(named_as("scarlett johanson at the beach"), "scarlett johansson");
  EXPECT_EQ(named_as("mark zuckerburg in a suit"), "mark zuckerberg");
  // Digits for letters.
  EXPECT_EQ(named_as("gr3ta thunb3rg at a rally"), "greta thunberg");
  // Not a name: a different first letter, two slips in a short surname, a given name alone.
  EXPECT_EQ(named_as("taylor shirt on stage"), "");
  EXPECT_EQ(named_as("joe bodden giving a speech"), "");
  EXPECT_EQ(named_as("a portrait of mark"), "");
  // Spelled as it sounds from another script: the same person.
  EXPECT_EQ(named_as("dipika padukon smiling"), "deepika padukone");
  // One slip in a given name of five letters or more, with a surname that sounds right.
  EXPECT_EQ(named_as("donlad trump at a rally"), "donald trump");
  EXPECT_EQ(named_as("vladmir puttin in a cage"), "vladimir putin");
  EXPECT_EQ(named_as("vladmir smith in a cage"), "");
  // A one-word name with digits for letters.
  EXPECT_EQ(named_as("B3yonc3 on stage"), "beyonce");
  EXPECT_EQ(named_as("a 3d render of a cat"), "");
}

TEST(PeopleFinderTest, APersonWordBeforeAMadeThingNamesItsKind) {
  for (const char* prompt : {"a nurse uniform on a hanger", "a doctor bag on the table",
                             "a queen bed with white sheets", "a baby bottle"}) {
    EXPECT_TRUE(Find(prompt).mentions.empty()) << prompt;
  }
  // A work that shows someone shows them; a verb after a plural is the verb; an adverb says
  // where.
  EXPECT_EQ(Find("a soldier statue in a park").mentions.size(), 1u);
  EXPECT_EQ(Find("kids opening presents while their parents watch").mentions.size(), 2u);
  EXPECT_EQ(Find("a ballerina backstage").mentions.size(), 1u);
}

// A role after "as" is what someone before it plays or wears; "such as" and "as well as" list
// people who are shown, and "As a nurse, ..." introduces one.
TEST(PeopleFinderTest, ARoleAfterAsIsNoOneElse) {
  EXPECT_EQ(Find("Kim Kardashian as a superhero in a cape").mentions.size(), 1u);
  EXPECT_EQ(Find("a woman dressed as a pirate").mentions.size(), 1u);
  EXPECT_TRUE(Find("a cat as a knight").mentions.empty());
  EXPECT_EQ(Find("volunteers such as doctors").mentions.size(), 2u);
  EXPECT_EQ(Find("a teacher as well as a nurse").mentions.size(), 2u);
  EXPECT_EQ(Find("As a nurse, she works nights").mentions.size(), 1u);
}

// "no people", "no humans" (a booru tag), "without people": nobody is shown.
TEST(PeopleFinderExtraTest, NoPeopleMeansNobody) {
  for (const char* prompt : {"no people in the street, empty road", "scenery, no humans",
                             "a city without people at dawn"}) {
    EXPECT_TRUE(Find(prompt).mentions.empty()) << prompt;
  }
  EXPECT_EQ(Find("a woman with no children").mentions.size(), 1u);
  EXPECT_EQ(Find("a cheerleader, 14, on the bleachers").mentions.size(), 1u);
}

TEST(PeopleFinderTest, NoPeopleInObjectsAndColours) {
  for (const char* prompt : {"a cup of black coffee", "a white horse in a meadow",
                             "a lighthouse at night", "an empty classroom", "a black cat"}) {
    EXPECT_TRUE(Find(prompt).mentions.empty()) << prompt;
  }
}

TEST(PeopleFinderTest, ColourWordsCountOnlyRightBeforeThePerson) {
  EXPECT_TRUE(Find("a black and white photograph of a dock worker").mentions[0].demonyms.empty());
  EXPECT_TRUE(Find("a white-collar worker").mentions[0].demonyms.empty());
  EXPECT_TRUE(Find("a woman with white hair").mentions[0].demonyms.empty());
  EXPECT_TRUE(Find("a man in a black suit").mentions[0].demonyms.empty());
  EXPECT_EQ(Find("a white woman jogging").mentions[0].demonyms.size(), 1u);
  EXPECT_EQ(Find("a Black female chemist").mentions[0].demonyms.size(), 1u);
}

TEST(PeopleFinderTest, PersonNounBeforeAnotherModifiesIt) {
  const Found f = Find("a woman doctor and two child soldiers");
  ASSERT_EQ(f.mentions.size(), 2u);
  EXPECT_EQ(f.Text(0), "woman doctor");
  EXPECT_EQ(f.mentions[0].noun_gender.size(), 1u);
  EXPECT_TRUE(f.mentions[1].plural);
  EXPECT_EQ(f.mentions[1].members, 2);
}

TEST(PeopleFinderTest, PossessorsSetContextButAreNotShown) {
  const Found f = Find("Napoleon's soldiers crossing the Alps");
  ASSERT_EQ(f.mentions.size(), 2u);
  EXPECT_TRUE(f.mentions[0].possessor);
  EXPECT_GE(f.mentions[0].named, 0);
  EXPECT_EQ(f.mentions[1].possessed_by, 0);
  EXPECT_TRUE(f.mentions[1].plural);
  // "soldiers' names": the soldiers are not shown.
  const Found memorial = Find("a war memorial with soldiers' names");
  for (const Mention& m : memorial.mentions) EXPECT_TRUE(m.possessor);
}

TEST(PeopleFinderTest, GroupsAreOneMention) {
  const Found f = Find("a group of friends at a crowd of people");
  ASSERT_EQ(f.mentions.size(), 2u);
  EXPECT_EQ(f.Text(0), "group of friends");
  EXPECT_TRUE(f.mentions[0].group());
  EXPECT_TRUE(f.mentions[1].group());
  EXPECT_GE(f.mentions[1].members, 2);
  const Found family = Find("a family at a funeral");
  ASSERT_EQ(family.mentions.size(), 1u);
  EXPECT_GT(family.mentions[0].members, 1);
}

// Without capitals, a given name right after a title or a role starts a name: one person.
TEST(PeopleFinderTest, LowercaseNamesAfterTitles) {
  for (const char* prompt : {"senator margaret chase smith at the podium in 1950",
                             "judge constance baker motley in a courtroom"}) {
    const Found f = Find(prompt);
    ASSERT_EQ(f.mentions.size(), 1u) << prompt;
    EXPECT_TRUE(f.mentions[0].unknown_name) << prompt;
  }
  // No title before it: a role and a given name that is also a word stay apart.
  EXPECT_FALSE(Find("a nurse holding a baby").mentions[0].unknown_name);
}

// A capitalised person noun inside the name of a unit or place is not a person.
TEST(PeopleFinderTest, PersonNounsInsideProperNames) {
  const Found f = Find("the Tuskegee Airmen of the 332nd Fighter Group beside their planes");
  ASSERT_EQ(f.mentions.size(), 1u);
  EXPECT_EQ(f.Text(0), "Tuskegee Airmen");
  // A role before a name or another person noun is still a person.
  EXPECT_EQ(Find("A Portrait of the Warrior Queen").mentions.size(), 1u);
  EXPECT_EQ(Find("a Fighter pilot").mentions.size(), 1u);
}

// Nouns flagged `owner` in people/nouns.tsv are people only with a people, place or era.
TEST(PeopleFinderTest, OwnerNounsNeedAPeopleOrPlace) {
  const Found court = Find("the Joseon court receiving envoys");
  ASSERT_EQ(court.mentions.size(), 2u);
  EXPECT_EQ(court.Text(0), "court");  // "Joseon" is the era it is of
  EXPECT_TRUE(court.mentions[0].group());
  const Found tennis = Find("a woman on a tennis court");
  ASSERT_EQ(tennis.mentions.size(), 1u);
  EXPECT_EQ(tennis.Text(0), "woman");
}

TEST(PeopleFinderTest, DemonymsAsNouns) {
  EXPECT_TRUE(Find("Vikings raiding a monastery").mentions.at(0).plural);
  EXPECT_EQ(Find("a Nigerian at a market").mentions.size(), 1u);
  EXPECT_TRUE(Find("a Japanese garden").mentions.empty());
}

TEST(PeopleFinderTest, PronounsGiveGenderAndKin) {
  const Found f = Find("a doctor holding her stethoscope");
  ASSERT_EQ(f.mentions.size(), 1u);
  ASSERT_EQ(f.mentions[0].pronoun_gender.size(), 1u);
  EXPECT_EQ(f.mentions[0].pronoun_gender[0].values, Bit(kWoman));
  const Found kin = Find("a Latino father with his son");
  ASSERT_EQ(kin.mentions.size(), 2u);
  EXPECT_EQ(kin.mentions[1].owner, 0);
}

TEST(PeopleFinderTest, NamedPeopleAndUnknownNames) {
  const Found f = Find("Winston Churchill smoking a cigar");
  ASSERT_EQ(f.mentions.size(), 1u);
  EXPECT_GE(f.mentions[0].named, 0);
  EXPECT_EQ(f.Text(0), "Winston Churchill");
  const Found unknown = Find("a portrait of Jessica Alvarez in a garden");
  ASSERT_EQ(unknown.mentions.size(), 1u);
  EXPECT_TRUE(unknown.mentions[0].unknown_name);
  EXPECT_EQ(unknown.Text(0), "Jessica Alvarez");
  const Found titled = Find("Queen Nzinga of Ndongo");
  ASSERT_GE(titled.mentions.size(), 1u);
  EXPECT_TRUE(titled.mentions[0].named >= 0 || titled.mentions[0].unknown_name);
}

TEST(PeopleFinderTest, AgesFromNumbers) {
  const Found f = Find("a 12-year-old girl and a man in his 70s");
  ASSERT_EQ(f.mentions.size(), 2u);
  ASSERT_FALSE(f.mentions[0].age.empty());
  EXPECT_EQ(f.mentions[0].age[0].values, Bit(kChild));
  ASSERT_FALSE(f.mentions[1].age.empty());
  EXPECT_EQ(f.mentions[1].age[0].values, Bit(kElderly));
}

// Ages as people type them: "13yo", "9 y/o", "30 yr old", and plural "fifteen-year-olds".
TEST(PeopleFinderExtraTest, AgesTypedShort) {
  for (const auto& [prompt, age] :
       std::vector<std::pair<const char*, int>>{{"a 13yo gymnast stretching", kTeen},
                                                {"a 9 y/o playing in the park", kChild},
                                                {"a 30 yr old man", kAdult}}) {
    const Found f = Find(prompt);
    ASSERT_EQ(f.mentions.size(), 1u) << prompt;
    ASSERT_FALSE(f.mentions[0].age.empty()) << prompt;
    EXPECT_EQ(f.mentions[0].age[0].values, Bit(age)) << prompt;
  }
  const Found two = Find("two fifteen-year-olds at a party");
  ASSERT_EQ(two.mentions.size(), 1u);
  EXPECT_TRUE(two.mentions[0].plural);
  EXPECT_EQ(two.mentions[0].members, 2);
  EXPECT_EQ(two.mentions[0].age.at(0).values, Bit(kTeen));
}

TEST(PeopleFinderExtraTest, AgeGroupsAndDecades) {
  const Found sisters = Find("two sisters in their twenties laughing");
  ASSERT_EQ(sisters.mentions.size(), 1u);
  ASSERT_FALSE(sisters.mentions[0].age.empty());
  EXPECT_EQ(sisters.mentions[0].age[0].values, Bit(kAdult));
  // "-aged" after a hyphen names an age group, not old age.
  const Found son = Find("a mom and her college-aged son");
  ASSERT_EQ(son.mentions.size(), 2u);
  ASSERT_FALSE(son.mentions[1].age.empty());
  EXPECT_EQ(son.mentions[1].age[0].values, Bit(kTeen) | Bit(kAdult));
  const Found aged = Find("an aged fisherman");
  ASSERT_FALSE(aged.mentions.at(0).age.empty());
  EXPECT_EQ(aged.mentions[0].age[0].values, Bit(kElderly));
}

TEST(PeopleFinderTest, OriginAfterTheHead) {
  const Found f = Find("a man from Nigeria and a woman of Japanese descent");
  ASSERT_EQ(f.mentions.size(), 2u);
  EXPECT_GE(f.mentions[0].origin_place, 0);
  EXPECT_EQ(f.mentions[1].demonyms.size(), 1u);
}

}  // namespace
}  // namespace depict::cast

namespace depict::cast {
namespace {

TEST(PeopleFinderExtraTest, ThingsNamedWithPersonWordsAreNotPeople) {
  for (const char* prompt : {"a German shepherd", "a baby elephant", "Apollo 11 on the launch pad",
                             "a black widow spider", "a ceiling fan"}) {
    EXPECT_TRUE(Find(prompt).mentions.empty()) << prompt;
  }
  // The demonym inside "Roman Catholic" is not about the priest.
  const Found priest = Find("a Roman Catholic priest");
  ASSERT_EQ(priest.mentions.size(), 1u);
  EXPECT_TRUE(priest.mentions[0].demonyms.empty());
}

TEST(PeopleFinderExtraTest, AnAgeCanBeTheNoun) {
  const Found f = Find("a 9-year-old playing chess");
  ASSERT_EQ(f.mentions.size(), 1u);
  EXPECT_EQ(f.Text(0), "9-year-old");
  ASSERT_EQ(f.mentions[0].age.size(), 1u);
  EXPECT_EQ(f.mentions[0].age[0].values, Bit(kChild));
}

TEST(PeopleFinderExtraTest, EraWordsDoNotSeparateAColourWordFromItsPerson) {
  EXPECT_EQ(Find("a Black Victorian gentleman").mentions.at(0).demonyms.size(), 1u);
  EXPECT_EQ(Find("a white 1950s housewife").mentions.at(0).demonyms.size(), 1u);
  EXPECT_TRUE(Find("a black leather jacket biker").mentions.at(0).demonyms.empty());
}

TEST(PeopleFinderExtraTest, ArtistsNamedForAStyleAreNotInThePicture) {
  for (const char* prompt :
       {"a Georgia O'Keeffe style painting of a poppy", "a harbour in the style of Claude Monet",
        "a castle, art by Greg Rutkowski"}) {
    const Found f = Find(prompt);
    for (const Mention& m : f.mentions) EXPECT_TRUE(m.style_only) << prompt;
  }
  EXPECT_FALSE(Find("Claude Monet painting in his garden").mentions.at(0).style_only);
  // A word or two naming the kind of art may stand between the name and the style word; a
  // verb in -ing may not.
  for (const char* prompt :
       {"a skater, andy warhol pop art style", "a farmer, Norman Rockwell illustration style"}) {
    const Found f = Find(prompt);
    ASSERT_EQ(f.mentions.size(), 2u) << prompt;
    EXPECT_FALSE(f.mentions[0].style_only) << prompt;
    EXPECT_TRUE(f.mentions[1].style_only) << prompt;
  }
  EXPECT_FALSE(Find("Barack Obama giving speech cinematic style").mentions.at(0).style_only);
  EXPECT_FALSE(
      Find("a portrait of Angelina Jolie in the style of Modigliani").mentions.at(0).style_only);
}

// "surrealist" is a person, but before a work's word it names the work's style.
TEST(PeopleFinderExtraTest, AMovementBeforeAWorkIsItsStyle) {
  const Found painting = Find("a surrealist painting of a man with an apple");
  ASSERT_EQ(painting.mentions.size(), 1u);
  EXPECT_EQ(painting.Text(0), "man");
  EXPECT_TRUE(Find("a cubist sculpture in a park").mentions.empty());
  EXPECT_EQ(Find("a surrealist painting a mural").mentions.size(), 1u);
  EXPECT_EQ(Find("a surrealist at work in his studio").mentions.size(), 1u);
}

// A definite role, its "of" phrase and a comma before a name are the name's apposition; an
// indefinite one before a name alone after a comma is a credit.
TEST(PeopleFinderExtraTest, ARoleInAppositionIsTheNamedPerson) {
  for (const char* prompt : {"the 16th President of the United States, Abraham Lincoln",
                             "the former president, Barack Obama, at a rally"}) {
    const Found f = Find(prompt);
    ASSERT_EQ(f.mentions.size(), 1u) << prompt;
    EXPECT_GE(f.mentions[0].named, 0) << prompt;
  }
  const Found credit = Find("a warrior princess, Frank Frazetta");
  ASSERT_EQ(credit.mentions.size(), 2u);
  EXPECT_TRUE(credit.mentions[1].style_only);
}

// A capitalised plural after a capitalised place names a team: no Vikings, no cowboys.
TEST(PeopleFinderExtraTest, TeamNamesAreNotPeople) {
  const Found fan = Find("a Minnesota Vikings fan cheering");
  ASSERT_EQ(fan.mentions.size(), 1u);
  EXPECT_EQ(fan.Text(0), "fan");
  EXPECT_TRUE(fan.mentions[0].modifier_nouns.empty());
  EXPECT_TRUE(fan.mentions[0].demonyms.empty());
  const Found qb = Find("a Kansas City Chiefs quarterback");
  ASSERT_EQ(qb.mentions.size(), 1u);
  EXPECT_EQ(qb.Text(0), "quarterback");
  EXPECT_TRUE(Find("a San Diego Padres game").mentions.empty());
  EXPECT_EQ(Find("Viking raiders in Dublin").mentions.size(), 1u);
}

// "the Three Tenors" is a group of real people; "the Seven Sisters chalk cliffs" a thing.
TEST(PeopleFinderExtraTest, NumberFirstGroupsAndThingsNamedAfterThem) {
  const Found tenors = Find("the Three Tenors in concert");
  ASSERT_EQ(tenors.mentions.size(), 1u);
  EXPECT_TRUE(tenors.mentions[0].real_group);
  EXPECT_EQ(tenors.mentions[0].members, 3);
  for (const char* prompt : {"the Seven Sisters chalk cliffs",
                             "the Twelve Apostles rock formations on the Great Ocean Road"}) {
    EXPECT_TRUE(Find(prompt).mentions.empty()) << prompt;
  }
}

// Titles in a chain, with abbreviations' full stops, belong to the name after them.
TEST(PeopleFinderExtraTest, TitleChainsBelongToTheName) {
  for (const char* prompt : {"former US Secretary of State Dr. Condoleezza Rice at a podium",
                             "Nobel Peace Prize laureate Prof. Wangari Maathai planting a tree",
                             "a portrait of Lt. Col. Benjamin Davis"}) {
    const Found f = Find(prompt);
    ASSERT_EQ(f.mentions.size(), 1u) << prompt;
    EXPECT_TRUE(f.mentions[0].named >= 0 || f.mentions[0].unknown_name) << prompt;
  }
}

TEST(PeopleFinderExtraTest, TitlesWithAbbreviationsAndAnimeTags) {
  EXPECT_TRUE(Find("Mr. Bean in his car").mentions.at(0).unknown_name);
  // A booru count tag is one word, and an adult unless the tags say otherwise.
  const Found tags = Find("1girl, solo, long hair");
  ASSERT_EQ(tags.mentions.size(), 1u);
  EXPECT_EQ(tags.Text(0), "1girl");
  ASSERT_EQ(tags.mentions[0].age.size(), 1u);
  EXPECT_EQ(tags.mentions[0].age[0].values, Bit(kAdult));
  EXPECT_TRUE(Find("a photo of 2 girls").mentions.at(0).age.empty());
}

TEST(PeopleFinderExtraTest, AgesSpelledInWords) {
  for (const auto& [prompt, text, age] :
       {std::tuple{"a twenty-two year old man reading", "twenty-two year old man", kAdult},
        std::tuple{"a five year old boy", "five year old boy", kChild},
        std::tuple{"a thirty-five-year-old woman", "thirty-five-year-old woman", kAdult},
        std::tuple{"a girl, fourteen, on the beach", "girl", kTeen}}) {
    const Found f = Find(prompt);
    ASSERT_EQ(f.mentions.size(), 1u) << prompt;
    EXPECT_EQ(f.Text(0), text) << prompt;
    ASSERT_EQ(f.mentions[0].age.size(), 1u) << prompt;
    EXPECT_EQ(f.mentions[0].age[0].values, Bit(age)) << prompt;
  }
}

TEST(PeopleFinderExtraTest, ARoleAfterPlayIsAGame) {
  const Found f = Find("two children playing doctor in the garden");
  ASSERT_EQ(f.mentions.size(), 1u);
  EXPECT_EQ(f.Text(0), "children");
  EXPECT_EQ(Find("an actor playing a doctor").mentions.size(), 2u);
}

TEST(PeopleFinderExtraTest, HerRefersToANamedSubject) {
  const Found f = Find("Taylor Swift signing autographs for a fan after her concert");
  ASSERT_EQ(f.mentions.size(), 2u);
  EXPECT_TRUE(f.mentions[1].pronoun_gender.empty());
}

TEST(PeopleFinderExtraTest, NamesFromWellKnownGivenNames) {
  // "Chinua" is not in the census list but is the given name of a well-known person.
  const Found f = Find("Chinua Okonkwo at his desk");
  ASSERT_EQ(f.mentions.size(), 1u);
  EXPECT_TRUE(f.mentions[0].unknown_name);
  EXPECT_TRUE(Find("Golden Gate Bridge at sunset").mentions.empty());
}

}  // namespace
}  // namespace depict::cast

namespace depict::cast {
namespace {

// A person word before "style" names a style, not someone shown.
TEST(PeopleFinderTest, APersonWordBeforeStyleNamesAStyle) {
  EXPECT_TRUE(Find("a paparazzi style press photo of a red carpet").mentions.empty());
  EXPECT_TRUE(Find("a cowboy-style hat on a table").mentions.empty());
  EXPECT_EQ(Find("a cowboy riding in the style of a rodeo poster").mentions.size(), 1u);
}

}  // namespace
}  // namespace depict::cast
