#include "cast/rewriter.h"

#include <gtest/gtest.h>

#include "support/planner_fixture.h"

namespace depict::cast {
namespace {

const Knowledge& K() { return *testing::EmbeddedPlanner().tables()->knowledge; }

std::string RewriteWith(const std::string& prompt, std::initializer_list<Member> cast) {
  const plan::Plan p = testing::PlanOf(prompt, 1);
  ImageCast image;
  for (const Member& m : cast) image.people.push_back({m});
  return Rewrite(K(), prompt, p.people, image);
}

Member M(int gender, const char* ethnicity, int age = kAdult) {
  Member m;
  m.values = {static_cast<int8_t>(gender),
              static_cast<int8_t>(ParseValue(Dim::kEthnicity, ethnicity)),
              static_cast<int8_t>(age)};
  return m;
}

TEST(RewriterTest, StatesOpenAttributesNaturally) {
  EXPECT_EQ(RewriteWith("a portrait of a CEO", {M(kWoman, "south_asian")}),
            "a portrait of a South Asian woman CEO");
  EXPECT_EQ(RewriteWith("an architect", {M(kMan, "black")}), "a Black man architect");
  EXPECT_EQ(RewriteWith("a doctor", {M(kMan, "east_asian")}), "an East Asian man doctor");
  EXPECT_EQ(RewriteWith("a Black chemist", {M(kWoman, "black")}), "a Black woman chemist");
  EXPECT_EQ(RewriteWith("a female pilot", {M(kWoman, "latino")}), "a Latina female pilot");
  EXPECT_EQ(RewriteWith("a boy riding a bicycle", {M(kMan, "indigenous", kChild)}),
            "an Indigenous boy riding a bicycle");
  EXPECT_EQ(RewriteWith("a person reading", {M(kWoman, "white")}), "a white woman reading");
}

// English puts who someone is before the place or institution that leads the phrase.
TEST(RewriterTest, CastWordsGoBeforeALeadingPlaceOrInstitution) {
  EXPECT_EQ(RewriteWith("a US senator", {M(kWoman, "black")}), "a Black woman US senator");
  EXPECT_EQ(RewriteWith("a NASA engineer", {M(kMan, "indigenous")}),
            "an Indigenous man NASA engineer");
}

TEST(RewriterTest, AddsNothingForFixedOrNamedPeopleOrNoPeople) {
  for (const char* prompt :
       {"a 1940s German soldier", "Winston Churchill smoking a cigar", "a white woman jogging",
        "a cup of black coffee", "an old Korean man playing baduk"}) {
    const plan::Plan p = testing::PlanOf(prompt, 4);
    for (const ImageCast& image : p.images) EXPECT_EQ(image.prompt, prompt);
  }
}

TEST(RewriterTest, AgeGivenByThePromptIsNotRepeated) {
  EXPECT_EQ(RewriteWith("an elderly patient", {M(kMan, "black", kElderly)}),
            "an elderly Black man patient");
  EXPECT_EQ(RewriteWith("a teenage student", {M(kWoman, "white", kTeen)}),
            "a teenage white girl student");
}

TEST(RewriterTest, GroupMembersAreCounted) {
  const plan::Plan p = testing::PlanOf("a team of Nigerian engineers", 1, 0);
  ImageCast image;
  Member w, m;
  w.values = {kWoman, 1, kAdult};
  m.values = {kMan, 1, kAdult};
  image.people.push_back({m, w, m, m, w});
  EXPECT_EQ(Rewrite(K(), p.prompt, p.people, image),
            "a team of Nigerian engineers, including three men and two women");
}

TEST(RewriterTest, GroupsListTheirMembers) {
  const plan::Plan p = testing::PlanOf("a crowd at a concert", 1, 1);
  ASSERT_EQ(p.images.size(), 1u);
  const std::string& out = p.images[0].prompt;
  EXPECT_EQ(out.rfind("a crowd, including a", 0), 0u) << out;
  EXPECT_NE(out.find(", at a concert"), std::string::npos) << out;
}

// Children in a group are listed as children, and a comma in the prompt closes the list.
TEST(RewriterTest, GroupListsKeepAgeAndPunctuation) {
  const plan::Plan p = testing::PlanOf("two girls, playing in the park", 1, 0);
  ImageCast image;
  Member a, b;
  a.values = {kWoman, static_cast<int8_t>(ParseValue(Dim::kEthnicity, "black")), kChild};
  b.values = {kWoman, static_cast<int8_t>(ParseValue(Dim::kEthnicity, "white")), kChild};
  image.people.push_back({a, b});
  EXPECT_EQ(Rewrite(K(), p.prompt, p.people, image),
            "two girls, including a Black girl and a white girl, playing in the park");
}

}  // namespace
}  // namespace depict::cast
