// Shared helpers for tests that run the planner on the embedded tables.
#ifndef DEPICT_TESTS_SUPPORT_PLANNER_FIXTURE_H_
#define DEPICT_TESTS_SUPPORT_PLANNER_FIXTURE_H_

#include <string>
#include <string_view>

#include "cast/attributes.h"
#include "plan/planner.h"

namespace depict::testing {

inline plan::Planner& EmbeddedPlanner() {
  static plan::Planner planner(plan::LoadTables(""));
  return planner;
}

inline plan::Plan PlanOf(std::string_view prompt, int images = 8, uint64_t seed = 7) {
  return EmbeddedPlanner().Run(prompt, {images, seed});
}

// The first person whose text contains `needle`, or nullptr.
inline const cast::Person* PersonWith(const plan::Plan& p, std::string_view needle) {
  for (const cast::Person& person : p.people) {
    if (person.text.find(needle) != std::string::npos) return &person;
  }
  return nullptr;
}

inline const cast::Decision& Attr(const cast::Person& p, cast::Dim d) {
  return p.attributes[static_cast<int>(d)];
}

inline cast::ValueSet Set(cast::Dim d, std::initializer_list<std::string_view> names) {
  cast::ValueSet s = 0;
  for (std::string_view n : names) s |= cast::Bit(cast::ParseValue(d, n));
  return s;
}

}  // namespace depict::testing

#endif  // DEPICT_TESTS_SUPPORT_PLANNER_FIXTURE_H_
