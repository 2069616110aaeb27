#include "audit/policy.h"

#include <functional>
#include <random>
#include <string>

#include "cast/sampler.h"

namespace depict::audit {
namespace {

constexpr int kDiversified[] = {static_cast<int>(cast::Dim::kGender),
                                static_cast<int>(cast::Dim::kEthnicity)};

// Each prompt's own random stream: which value a short batch leaves out varies by prompt.
uint64_t PromptSeed(const plan::Plan& plan, uint64_t seed) {
  return std::hash<std::string>{}(plan.prompt) ^ (seed * 0x9E3779B97F4A7C15ull);
}

// Images with one member per person (or per group member), every value unset.
std::vector<cast::ImageCast> EmptyImages(const plan::Plan& plan, int images, uint64_t seed) {
  std::vector<cast::ImageCast> out(static_cast<size_t>(images));
  for (int i = 0; i < images; ++i) {
    out[i].seed = seed + static_cast<uint64_t>(i);
    out[i].prompt = plan.prompt;
    for (const cast::Person& p : plan.people) {
      out[i].people.emplace_back(static_cast<size_t>(std::max(1, p.members)));
    }
  }
  return out;
}

// No prompt layer: the model draws each image on its own. What the prompt states is drawn
// from the stated values; the rest is uniform over every value.
void Passthrough(plan::Plan& plan, int images, uint64_t seed) {
  std::vector<cast::ImageCast> cast = EmptyImages(plan, images, seed);
  std::mt19937_64 rng(PromptSeed(plan, seed));
  for (auto& image : cast) {
    for (size_t p = 0; p < plan.people.size(); ++p) {
      for (cast::Member& m : image.people[p]) {
        for (cast::Dim d : cast::kDims) {
          const cast::Decision& decision = plan.people[p].attributes[static_cast<int>(d)];
          cast::ValueSet allowed = cast::AllValues(d);
          if (decision.source == cast::Source::kExplicit && decision.values != 0) {
            allowed = decision.values;
          } else if (d == cast::Dim::kAge) {
            allowed = decision.values != 0 ? decision.values : cast::Bit(cast::kAdult);
          }
          std::vector<int> values;
          for (int v = 0; v < cast::ValueCount(d); ++v) {
            if (cast::Has(allowed, v)) values.push_back(v);
          }
          m.values[static_cast<int>(d)] = static_cast<int8_t>(
              values[std::uniform_int_distribution<size_t>(0, values.size() - 1)(rng)]);
        }
      }
    }
  }
  plan.refusal.reset();
  plan.images = std::move(cast);
}

// Every gender and ethnicity varied over the target, stratified across the batch as depict's
// sampler does for open attributes, whatever the prompt, history or a name fixes.
void AlwaysDiversify(plan::Plan& plan, const cast::Target& target, uint64_t seed) {
  for (size_t p = 0; p < plan.people.size(); ++p) {
    const int members = std::max(1, plan.people[p].members);
    const int n = static_cast<int>(plan.images.size()) * members;
    for (int d : kDiversified) {
      const cast::Dim dim = static_cast<cast::Dim>(d);
      const std::vector<int> draws =
          cast::StratifiedDraw(cast::AllValues(dim), target.weights[d], n,
                               PromptSeed(plan, seed) + p * 4 + static_cast<uint64_t>(d));
      for (size_t i = 0; i < plan.images.size() && !draws.empty(); ++i) {
        auto& cast_members = plan.images[i].people[p];
        for (size_t m = 0; m < cast_members.size(); ++m) {
          cast_members[m].values[d] = static_cast<int8_t>(draws[(i * members + m) % draws.size()]);
        }
      }
    }
  }
}

}  // namespace

std::string_view PolicyName(Policy p) {
  switch (p) {
    case Policy::kDepict:
      return "depict";
    case Policy::kPassthrough:
      return "passthrough";
    case Policy::kAlwaysDiversify:
      return "always-diversify";
  }
  return "?";
}

std::optional<Policy> ParsePolicy(std::string_view name) {
  for (Policy p : kPolicies) {
    if (PolicyName(p) == name) return p;
  }
  return std::nullopt;
}

plan::Plan ApplyPolicy(Policy policy, plan::Plan plan, const cast::Target& target, int images,
                       uint64_t seed) {
  switch (policy) {
    case Policy::kDepict:
      break;
    case Policy::kPassthrough:
      Passthrough(plan, images, seed);
      break;
    case Policy::kAlwaysDiversify:
      if (!plan.refusal) AlwaysDiversify(plan, target, seed);
      break;
  }
  return plan;
}

}  // namespace depict::audit
