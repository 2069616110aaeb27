// Fuzzes the whole planner on arbitrary bytes: it must answer or reject, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plan/plan_json.h"
#include "plan/planner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static depict::plan::Planner planner(depict::plan::LoadTables(""));
  if (size < 1) return 0;
  // The first byte picks the batch size, so sampling and rewriting are fuzzed too.
  const int images = data[0] % 9;
  const std::string_view prompt(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const depict::plan::Plan plan = planner.Run(prompt, {images, data[0]});
    // People's offsets index the prompt as given, whatever language it was read in.
    for (const auto& person : plan.people) {
      if (person.start > person.end || person.end > prompt.size()) __builtin_trap();
    }
    const std::string json = depict::plan::ToJson(plan);
    const std::string text = depict::plan::ToText(plan, true);
    if (json.empty() || text.empty()) __builtin_trap();
  } catch (const depict::plan::InputError&) {
  }
  return 0;
}
