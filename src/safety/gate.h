// The safety gate: refuses only the harmful categories in rules.h, and says which words did it.
#ifndef DEPICT_SAFETY_GATE_H_
#define DEPICT_SAFETY_GATE_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "safety/rules.h"
#include "text/lexer.h"

namespace depict::safety {

struct Refusal {
  std::string category;
  std::string message;
  std::vector<std::string> triggers;  // the prompt's words that made each required list match
};

// What the planner found, for the rules' '@' builtins: the words of each fact, empty if absent.
struct Facts {
  std::array<std::string, kBuiltinCount> words;
};

// Returns the first rule (in file order) whose required lists all match and whose excluded
// lists all do not, or nothing.
std::optional<Refusal> Check(const Rules& rules, std::string_view prompt,
                             const text::TokenList& tokens, const Facts& facts);

}  // namespace depict::safety

#endif  // DEPICT_SAFETY_GATE_H_
