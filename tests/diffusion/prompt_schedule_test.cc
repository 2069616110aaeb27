// A1111's prompt editing schedules: the expected schedules are the doctests of A1111's
// modules/prompt_parser.py (get_learned_conditioning_prompt_schedules, 10 steps), its example
// in the comment at the top of that file, and its sampler's step rule.
#include "diffusion/prompt_schedule.h"

#include <gtest/gtest.h>

namespace depict::diffusion {
namespace {

using Schedule = std::vector<ScheduledPrompt>;

Schedule Of10(const char* prompt) { return PromptSchedule(prompt, 10); }

TEST(PromptScheduleTest, A1111sDoctests) {
  EXPECT_EQ(Of10("test"), (Schedule{{10, "test"}}));
  EXPECT_EQ(Of10("a [b:3]"), (Schedule{{3, "a "}, {10, "a b"}}));
  EXPECT_EQ(Of10("a [b: 3]"), (Schedule{{3, "a "}, {10, "a b"}}));
  EXPECT_EQ(Of10("a [[[b]]:2]"), (Schedule{{2, "a "}, {10, "a [[b]]"}}));
  EXPECT_EQ(Of10("[(a:2):3]"), (Schedule{{3, ""}, {10, "(a:2)"}}));
  EXPECT_EQ(Of10("a [b : c : 1] d"), (Schedule{{1, "a b  d"}, {10, "a  c  d"}}));
  EXPECT_EQ(Of10("a[b:[c:d:2]:1]e"), (Schedule{{1, "abe"}, {2, "ace"}, {10, "ade"}}));
  EXPECT_EQ(Of10("a [unbalanced"), (Schedule{{10, "a [unbalanced"}}));
  EXPECT_EQ(Of10("a [b:.5] c"), (Schedule{{5, "a  c"}, {10, "a b c"}}));
  EXPECT_EQ(Of10("((a][:b:c [d:3]"), (Schedule{{3, "((a][:b:c "}, {10, "((a][:b:c d"}}));
  Schedule alternating;
  for (int step = 1; step <= 10; ++step) {
    alternating.push_back({step, step % 2 == 1 ? "a" : "(b:1.1)"});
  }
  EXPECT_EQ(Of10("[a|(b:1.1)]"), alternating);
}

TEST(PromptScheduleTest, A1111sExampleOf100Steps) {
  EXPECT_EQ(PromptSchedule("fantasy landscape with a [mountain:lake:0.25] and [an oak:a christmas "
                           "tree:0.75][ in foreground::0.6][ in background:0.25] "
                           "[shoddy:masterful:0.5]",
                           100),
            (Schedule{{25, "fantasy landscape with a mountain and an oak in foreground shoddy"},
                      {50,
                       "fantasy landscape with a lake and an oak in foreground in background "
                       "shoddy"},
                      {60,
                       "fantasy landscape with a lake and an oak in foreground in background "
                       "masterful"},
                      {75, "fantasy landscape with a lake and an oak in background masterful"},
                      {100,
                       "fantasy landscape with a lake and a christmas tree in background "
                       "masterful"}}));
}

TEST(PromptScheduleTest, WhenIsAFractionWithADotAndAStepWithout) {
  EXPECT_EQ(PromptSchedule("[a:b:1.0]", 20), (Schedule{{20, "a"}}));  // all 20 steps
  EXPECT_EQ(PromptSchedule("[a:b:1]", 20), (Schedule{{1, "a"}, {20, "b"}}));
  EXPECT_EQ(PromptSchedule("[a:b:50]", 20), (Schedule{{20, "a"}}));  // capped
  EXPECT_EQ(PromptSchedule("[a:b:-3]", 20), (Schedule{{20, "b"}}));  // never before
  EXPECT_EQ(PromptSchedule("[a:b:1e1]", 20), (Schedule{{10, "a"}, {20, "b"}}));
  // Not a number: attention brackets, kept whole for the attention parser.
  EXPECT_EQ(PromptSchedule("[a:b:c]", 20), (Schedule{{20, "[a:b:c]"}}));
  EXPECT_EQ(PromptSchedule("(a:1.2) [b]", 20), (Schedule{{20, "(a:1.2) [b]"}}));
  EXPECT_EQ(PromptSchedule("a | b", 20), (Schedule{{20, "a | b"}}));
  EXPECT_EQ(PromptSchedule("\\[a:b:3\\]", 20), (Schedule{{20, "\\[a:b:3\\]"}}));
}

TEST(PromptScheduleTest, TheSamplerPicksTheFirstEntryEndingAtOrAfterItsStep) {
  const Schedule s = PromptSchedule("a [b:3]", 10);
  // 0-based sampler steps 0..3 read "a ", 4..9 "a b".
  for (int step = 0; step < 10; ++step) EXPECT_EQ(PromptAtStep(s, step), step <= 3 ? 0u : 1u);
}

TEST(PromptScheduleTest, HostileInputIsText) {
  std::string deep(5000, '[');
  EXPECT_EQ(PromptSchedule(deep, 20).size(), 1u);
  std::string nested;
  for (int i = 0; i < 300; ++i) nested += "[a:";
  nested += "b";
  for (int i = 0; i < 300; ++i) nested += ":1]";
  EXPECT_FALSE(PromptSchedule(nested, 20).empty());
  EXPECT_EQ(PromptSchedule("", 20), (Schedule{{20, ""}}));
}

}  // namespace
}  // namespace depict::diffusion
