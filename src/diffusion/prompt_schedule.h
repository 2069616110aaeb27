// A1111's prompt editing: a prompt whose text changes during sampling.
//   [from:to:when]   "from" until step `when`, then "to"
//   [to:when]        nothing, then "to"         [from::when]  "from", then nothing
//   [a|b|c]          a, b, c, a, ... one per step (alternation)
// `when` with a decimal point is a fraction of the steps ("0.25", ".5"), without one a step
// number ("3"), as A1111 1.6 and later read it; it is capped at the step count. Brackets and
// parentheses that are no editing (attention weights "(a:1.2)", "[b]") stay in the text for the
// attention parser; a bracket that does not close, or a stray ":" or "]", is plain text. Edits
// nest ("a[b:[c:d:2]:1]e"). A prompt with a "|" outside any brackets is not edited (A1111's
// parser fails on it and keeps the prompt whole).
//
// The schedule is a list of (end step, text): the text to use up to and including that step,
// the last ending at `steps`. A1111's sampler picks, at its 0-based step k, the first entry
// whose end is at least k (so "[b:3]" of 10 steps shows "b" from the fifth step on), and
// PromptAtStep does the same.
#ifndef DEPICT_DIFFUSION_PROMPT_SCHEDULE_H_
#define DEPICT_DIFFUSION_PROMPT_SCHEDULE_H_

#include <string>
#include <string_view>
#include <vector>

namespace depict::diffusion {

struct ScheduledPrompt {
  int end_step = 0;
  std::string text;
  bool operator==(const ScheduledPrompt&) const = default;
};

// A1111's get_learned_conditioning_prompt_schedules for one prompt. `steps` >= 1.
std::vector<ScheduledPrompt> PromptSchedule(std::string_view prompt, int steps);

// The entry used at 0-based sampler step `step`: the first whose end_step >= step.
size_t PromptAtStep(const std::vector<ScheduledPrompt>& schedule, int step);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_PROMPT_SCHEDULE_H_
