// Plans as JSON (the `depict plan --json` contract) and as short human-readable text.
#ifndef DEPICT_PLAN_PLAN_JSON_H_
#define DEPICT_PLAN_PLAN_JSON_H_

#include <string>
#include <string_view>

#include "plan/planner.h"

namespace depict::plan {

// One JSON object on one line (no trailing newline). Written directly rather than through a DOM:
// batch planning emits tens of thousands of these per second.
std::string ToJson(const Plan& plan);

// {"people": [...], "image": {...}}: the plan's people and image `image` of ToJson, the cast a
// generated image carries.
std::string ImageCastJson(const Plan& plan, size_t image);

// {"error": "..."} for a batch line the planner could not read.
std::string ErrorJson(std::string_view message);

// A short explanation: decision, people and their casts. `explain` adds every reason.
std::string ToText(const Plan& plan, bool explain);

// Appends `s` to `out` as a JSON string literal. `s` must be valid UTF-8.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace depict::plan

#endif  // DEPICT_PLAN_PLAN_JSON_H_
