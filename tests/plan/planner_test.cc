#include "plan/planner.h"

#include <gtest/gtest.h>

#include "support/planner_fixture.h"

namespace depict::plan {
namespace {

TEST(PlannerTest, RejectsInputItMustNotRead) {
  Planner& planner = testing::EmbeddedPlanner();
  const Options options{1, 0};
  EXPECT_THROW(planner.Run("", options), InputError);
  EXPECT_THROW(planner.Run(" \t\n", options), InputError);
  EXPECT_THROW(planner.Run("caf\xC3", options), InputError);
  EXPECT_THROW(planner.Run(std::string("a\0b", 3), options), InputError);
  EXPECT_THROW(planner.Run(std::string(kMaxPromptBytes + 1, 'x'), options), InputError);
  EXPECT_NO_THROW(planner.Run(std::string(kMaxPromptBytes, 'x'), options));
  EXPECT_THROW(planner.Run("a doctor", {kMaxImages + 1, 0}), InputError);
}

TEST(PlannerTest, LongPromptsWithManyPeopleStayBounded) {
  std::string prompt;
  while (prompt.size() < 3900) prompt += "a doctor and two nurses, ";
  const Plan p = testing::PlanOf(prompt, 8);
  EXPECT_GT(p.people.size(), 100u);
  EXPECT_EQ(p.images.size(), 8u);
}

TEST(PlannerTest, PromptsWithoutPeoplePassUnchanged) {
  const Plan p = testing::PlanOf("a lighthouse at night", 4);
  EXPECT_TRUE(p.people.empty());
  ASSERT_EQ(p.images.size(), 4u);
  for (const auto& image : p.images) EXPECT_EQ(image.prompt, "a lighthouse at night");
}

TEST(PlannerTest, RefusalsHaveNoImages) {
  const Plan p = testing::PlanOf("a mutilated corpse", 4);
  ASSERT_TRUE(p.refusal);
  EXPECT_TRUE(p.images.empty());
}

}  // namespace
}  // namespace depict::plan
