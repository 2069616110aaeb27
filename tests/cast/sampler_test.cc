#include "cast/sampler.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "support/planner_fixture.h"

namespace depict::cast {
namespace {

TEST(SamplerTest, StratifiedDrawGivesExactShares) {
  const std::vector<double> uniform(9, 1.0);
  for (uint64_t seed : {1u, 2u, 99u}) {
    const auto draws = StratifiedDraw(AllValues(Dim::kEthnicity), uniform, 18, seed);
    std::map<int, int> counts;
    for (int v : draws) ++counts[v];
    EXPECT_EQ(counts.size(), 9u);
    for (const auto& [v, n] : counts) EXPECT_EQ(n, 2) << v;
  }
  // 8 draws over 9 values: 8 distinct values, which one is missing depends on the seed.
  std::set<std::set<int>> seen;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const auto draws = StratifiedDraw(AllValues(Dim::kEthnicity), uniform, 8, seed);
    const std::set<int> distinct(draws.begin(), draws.end());
    EXPECT_EQ(distinct.size(), 8u);
    seen.insert(distinct);
  }
  EXPECT_GT(seen.size(), 3u);
}

// With one fixed seed (an API client that always sends seed 0), which ethnicity an 8-image
// batch leaves out must vary from prompt to prompt, or one group is never drawn at all.
TEST(SamplerTest, OneSeedLeavesOutDifferentValuesForDifferentPrompts) {
  std::set<int> missing;
  for (const char* prompt : {"a photo of a cashier", "a portrait of a surgeon", "a farmer at work",
                             "a photo of the face of a janitor", "a portrait of a pilot",
                             "a teacher in a classroom", "a chef cooking", "a lawyer in court"}) {
    const plan::Plan p = testing::PlanOf(prompt, 8, 0);
    ASSERT_EQ(p.people.size(), 1u) << prompt;
    std::set<int> seen;
    for (const ImageCast& image : p.images) {
      seen.insert(image.people[0][0].values[static_cast<int>(Dim::kEthnicity)]);
    }
    ASSERT_EQ(seen.size(), 8u) << prompt;
    for (int v = 0; v < 9; ++v) {
      if (!seen.count(v)) missing.insert(v);
    }
  }
  EXPECT_GE(missing.size(), 4u);
}

TEST(SamplerTest, WeightsAndAllowedSets) {
  // 3:1 weights over 8 draws: exactly 6 and 2.
  const auto draws = StratifiedDraw(Bit(kMan) | Bit(kWoman), {3.0, 1.0}, 8, 5);
  EXPECT_EQ(std::count(draws.begin(), draws.end(), kMan), 6);
  // Values outside the allowed set never appear, even with weight.
  const auto asian = StratifiedDraw(Bit(2) | Bit(3) | Bit(4), std::vector<double>(9, 1.0), 9, 3);
  for (int v : asian) EXPECT_TRUE(v >= 2 && v <= 4);
}

TEST(SamplerTest, SameSeedSameCastDifferentSeedDifferentCast) {
  const auto a = testing::PlanOf("a dentist at work", 8, 42);
  const auto b = testing::PlanOf("a dentist at work", 8, 42);
  const auto c = testing::PlanOf("a dentist at work", 8, 43);
  std::vector<int> ea, eb, ec;
  for (size_t i = 0; i < 8; ++i) {
    ea.push_back(a.images[i].people[0][0].values[1]);
    eb.push_back(b.images[i].people[0][0].values[1]);
    ec.push_back(c.images[i].people[0][0].values[1]);
  }
  EXPECT_EQ(ea, eb);
  EXPECT_NE(ea, ec);
}

TEST(SamplerTest, EightDoctorsShowBothGendersAndAtLeastFourEthnicities) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const auto p = testing::PlanOf("a doctor", 8, seed);
    std::set<int> genders, ethnicities, ages;
    for (const auto& image : p.images) {
      genders.insert(image.people[0][0].values[0]);
      ethnicities.insert(image.people[0][0].values[1]);
      ages.insert(image.people[0][0].values[2]);
    }
    EXPECT_EQ(genders.size(), 2u) << seed;
    EXPECT_GE(ethnicities.size(), 4u) << seed;
    EXPECT_EQ(ages, std::set<int>{kAdult}) << "an open age is cast as adult";
  }
}

TEST(SamplerTest, FixedAttributesAreTheSameInEveryImage) {
  const auto p = testing::PlanOf("a 1940s German soldier", 16, 3);
  for (const auto& image : p.images) {
    EXPECT_EQ(image.people[0][0].values[0], kMan);
    EXPECT_EQ(image.people[0][0].values[1], ParseValue(Dim::kEthnicity, "white"));
  }
}

// A named person whose identity allows two values is one person: every image reports the
// same one of them, not a draw.
TEST(SamplerTest, ANamedPersonIsTheSameInEveryImage) {
  const auto p = testing::PlanOf("Vice President Kamala Harris being sworn in", 16, 3);
  const int black = ParseValue(Dim::kEthnicity, "black");
  for (const auto& image : p.images) EXPECT_EQ(image.people[0][0].values[1], black);
}

TEST(SamplerTest, GroupsCastEveryMemberAndFamiliesShareEthnicity) {
  const auto crowd = testing::PlanOf("a crowd at a concert", 8, 1);
  ASSERT_EQ(crowd.people.size(), 1u);
  std::set<int> ethnicities;
  for (const auto& image : crowd.images) {
    ASSERT_EQ(image.people[0].size(), static_cast<size_t>(crowd.people[0].members));
    for (const Member& m : image.people[0]) ethnicities.insert(m.values[1]);
  }
  EXPECT_EQ(ethnicities.size(), 9u);
  const auto family = testing::PlanOf("a family at a funeral", 8, 1);
  for (const auto& image : family.images) {
    for (const Member& m : image.people[0]) {
      EXPECT_EQ(m.values[1], image.people[0][0].values[1]);
    }
  }
  const auto son = testing::PlanOf("a doctor with her son", 8, 1);
  ASSERT_EQ(son.people.size(), 2u);
  for (const auto& image : son.images) {
    EXPECT_EQ(image.people[1][0].values[1], image.people[0][0].values[1]);
  }
}

TEST(SamplerTest, BatchSeedsCountUp) {
  const auto p = testing::PlanOf("a gardener", 3, 100);
  ASSERT_EQ(p.images.size(), 3u);
  EXPECT_EQ(p.images[0].seed, 100u);
  EXPECT_EQ(p.images[2].seed, 102u);
}

}  // namespace
}  // namespace depict::cast
