// Fuzzes what `depict audit` reads from users: a suite (JSON Lines in the test suites' form)
// and a thresholds file. Each is read or rejected with its own error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "audit/suite.h"
#include "audit/thresholds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace depict::audit;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const std::vector<Case> cases = ParseSuite("fuzz", text);
    for (const Case& c : cases) {
      for (const ExpectedPerson& p : c.persons) {
        for (const Expectation& e : p.attributes) {
          if (e.explicit_only() && !e.fixed()) __builtin_trap();
        }
      }
    }
  } catch (const SuiteError&) {
  }
  Summary summary;
  summary.metrics[kFactualCasting] = Share(9, 10);
  try {
    MissedThresholds(text, summary);
  } catch (const ThresholdError&) {
  }
  return 0;
}
