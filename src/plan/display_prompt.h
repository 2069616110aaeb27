// The prompt a user of another language is shown for an image: their own words, with the cast
// the planner chose for what the prompt left open stated after each person in their language.
#ifndef DEPICT_PLAN_DISPLAY_PROMPT_H_
#define DEPICT_PLAN_DISPLAY_PROMPT_H_

#include <string>
#include <string_view>
#include <vector>

#include "cast/cast.h"
#include "lang/language.h"
#include "lang/lexicon.h"

namespace depict::plan {

// `prompt` is the normalised prompt that `people`'s offsets index. A prompt where nothing was
// open comes back unchanged.
std::string DisplayPrompt(const lang::Lexicons& lexicons, lang::Language language,
                          std::string_view prompt, const std::vector<cast::Person>& people,
                          const cast::ImageCast& image);

}  // namespace depict::plan

#endif  // DEPICT_PLAN_DISPLAY_PROMPT_H_
