#include "audit/observe.h"

#include <gtest/gtest.h>

#include "support/planner_fixture.h"

namespace depict::audit {
namespace {

vision::FaceResult Face(const char* gender, double age, int monk, double size) {
  vision::FaceResult f;
  f.box = {0, 0, size, size};
  f.has_age_gender = true;
  f.gender = gender;
  f.age = age;
  f.skin.found = monk > 0;
  f.skin.monk = monk;
  return f;
}

TEST(ObserveTest, AgesInYearsBecomeThePlannersValues) {
  EXPECT_EQ(AgeValue(4), cast::kChild);
  EXPECT_EQ(AgeValue(12.9), cast::kChild);
  EXPECT_EQ(AgeValue(13), cast::kTeen);
  EXPECT_EQ(AgeValue(17.5), cast::kTeen);
  EXPECT_EQ(AgeValue(18), cast::kAdult);
  EXPECT_EQ(AgeValue(64.9), cast::kAdult);
  EXPECT_EQ(AgeValue(65), cast::kElderly);
}

TEST(ObserveTest, TheLargestFaceIsTheOnePersonShown) {
  const plan::Plan plan = testing::PlanOf("a portrait of a doctor", 1, 0);
  ASSERT_EQ(plan.people.size(), 1u);
  vision::InspectResult two, none;
  two.faces = {Face("male", 70, 3, 20), Face("female", 30, 8, 50)};
  const Observed o = Observe(plan, {two, none});
  ASSERT_EQ(o.images.size(), 2u);
  const cast::Member& m = o.images[0].people[0][0];
  EXPECT_EQ(m.values[static_cast<int>(cast::Dim::kGender)], cast::kWoman);
  EXPECT_EQ(m.values[static_cast<int>(cast::Dim::kAge)], cast::kAdult);
  EXPECT_EQ(m.values[static_cast<int>(cast::Dim::kEthnicity)], -1);  // never perceived
  EXPECT_EQ(o.monk[0][0][0], 8);
  // No face: nothing seen.
  EXPECT_EQ(o.images[1].people[0][0].values[static_cast<int>(cast::Dim::kGender)], -1);
  EXPECT_EQ(o.monk[1][0][0], 0);
}

TEST(ObserveTest, FacesAreNotGuessedAmongSeveralPeople) {
  const plan::Plan plan = testing::PlanOf("a doctor talking to a nurse", 1, 0);
  ASSERT_EQ(plan.people.size(), 2u);
  vision::InspectResult r;
  r.faces = {Face("male", 40, 4, 30)};
  const Observed o = Observe(plan, {r});
  for (const auto& person : o.images[0].people) {
    EXPECT_EQ(person[0].values[static_cast<int>(cast::Dim::kGender)], -1);
  }
}

}  // namespace
}  // namespace depict::audit
