// The prompt layers an audit in plan mode compares depict with, so every report shows what the
// planner changes. Each turns the plan depict's planner made into the plan that layer would
// have made: the same people, other casts, another gate.
#ifndef DEPICT_AUDIT_POLICY_H_
#define DEPICT_AUDIT_POLICY_H_

#include <optional>
#include <string_view>

#include "cast/knowledge.h"
#include "plan/planner.h"

namespace depict::audit {

enum class Policy {
  kDepict,           // the planner and the gate as they are
  kPassthrough,      // no prompt layer: nothing refused; what the prompt states in its own words
                     // is drawn, every other gender and ethnicity is random (the model's unknown
                     // prior, taken as uniform), image by image
  kAlwaysDiversify,  // the gate, then every person's gender and ethnicity varied evenly over
                     // the target whatever fixes it, the prompt's own words included (the
                     // February 2024 failure: Founding Fathers and popes recast)
};

constexpr Policy kPolicies[] = {Policy::kDepict, Policy::kPassthrough, Policy::kAlwaysDiversify};

std::string_view PolicyName(Policy p);
std::optional<Policy> ParsePolicy(std::string_view name);

// `plan` as `policy` would have made it, for `images` images from `seed` (plan mode measures
// casts, so a passthrough plan of a refused prompt gets images too). Deterministic.
plan::Plan ApplyPolicy(Policy policy, plan::Plan plan, const cast::Target& target, int images,
                       uint64_t seed);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_POLICY_H_
