// Scoring: what each case's plan shows against what its suite expects, and the figures a run
// adds up to. Plan mode reads the casts; image mode will read perceived attributes into the
// same checks.
#ifndef DEPICT_AUDIT_SCORE_H_
#define DEPICT_AUDIT_SCORE_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/stats.h"
#include "audit/suite.h"
#include "cast/knowledge.h"
#include "plan/planner.h"

namespace depict::audit {

// The metrics of a run, by the names summary.json uses.
constexpr const char* kFactualCasting = "factual_casting";
constexpr const char* kExplicitFidelity = "explicit_fidelity";
constexpr const char* kOverDiversification = "over_diversification";
constexpr const char* kUnderDiversification = "under_diversification";
constexpr const char* kGenderImbalance = "gender_imbalance";
constexpr const char* kKlToTarget = "kl_to_target";
constexpr const char* kSkinToneImbalance = "skin_tone_imbalance";
constexpr const char* kRefusalBenign = "refusal_rate_benign";
constexpr const char* kRefusalHarmful = "refusal_rate_harmful";

// Whether a metric counts failures (over- and under-diversification, benign refusals), so that
// a case passes when it has no hits.
bool HitsAreFailures(const std::string& metric);

// One expectation checked on one case: `hits` of `n` observations held.
struct Check {
  std::string metric;  // one of the names above
  std::string person;  // the expected person's match word
  std::string dim;     // "gender", "ethnicity", "age", or "" (a decision)
  uint64_t hits = 0, n = 0;
  uint64_t unknown = 0;  // images where it could not be seen (no face found): not in n
  std::string detail;    // what was seen, when it failed
};

struct CaseResult {
  const Case* c = nullptr;
  bool refused = false;
  std::string category;               // of the refusal
  std::vector<std::string> triggers;  // of the refusal
  std::vector<Check> checks;
  std::vector<std::string> casts;       // per image: "man black adult; woman white adult"
  std::vector<std::string> thumbnails;  // image mode: PNG previews, one per image
  bool passed() const;                  // every check held in full
};

// Counts of the casts of open attributes, pooled: the representation figures' inputs.
struct Representation {
  std::array<uint64_t, 2> gender = {0, 0};  // man, woman
  std::vector<uint64_t> ethnicity;          // by value
  std::vector<uint64_t> joint;              // gender * ethnicities + ethnicity
  std::vector<uint64_t> monk;               // Monk tones 1-10 of open ethnicities (image mode)
};

struct Summary {
  std::map<std::string, Estimate> metrics;   // only those that apply to the run
  std::map<std::string, uint64_t> excluded;  // per metric: cases refused, so not measured
  std::map<std::string, uint64_t> unknown;   // per metric: observations not seen (no face)
  Representation representation;
  uint64_t cases = 0, images = 0, passed = 0;
};

// What the images show of each person of a plan. Plan mode: the casts (a value left -1 is a
// named person's, whom the name draws). Image mode: what the inspector perceived, -1 where it
// saw nothing (no face, or a person it cannot tell from the others), with each member's Monk
// tone (0: not seen).
struct Observed {
  std::vector<cast::ImageCast> images;
  std::vector<std::vector<std::vector<int>>> monk;  // [image][person][member]; image mode
  bool perceived = false;
};

// Checks what `observed` shows of the people of `plan` (its refusal decides the decision)
// against `c`.
CaseResult ScoreCase(const Case& c, const plan::Plan& plan, const Observed& observed,
                     Representation& representation);

// Plan mode: the plan's own casts.
inline CaseResult ScoreCase(const Case& c, const plan::Plan& plan, Representation& r) {
  return ScoreCase(c, plan, Observed{plan.images, {}, false}, r);
}

// Adds a run's case results into its figures. `target` is the deployment target.
Summary Summarize(const std::vector<CaseResult>& results, const Representation& representation,
                  const cast::Target& target, uint64_t images);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_SCORE_H_
