// The safety gate: refuses only the harmful categories in rules.h, and says which clause of
// data/safety/POLICY.md did it, who is depicted and what is shown.
#ifndef DEPICT_SAFETY_GATE_H_
#define DEPICT_SAFETY_GATE_H_

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safety/rules.h"
#include "text/lexer.h"

namespace depict::safety {

struct Refusal {
  std::string category;
  std::string clause;  // the POLICY.md clause, such as "SH-1"
  std::string message;
  std::string person;  // the depicted person the rule needed ("" when it needs nobody)
  std::string act;     // the words of the first act or topic the rule needed
  std::vector<std::string> triggers;  // the prompt's words that made each required item hold
};

// A person the planner found in the picture, for the rules' '@' builtins.
struct FactPerson {
  uint32_t start = 0, end = 0;  // byte span in the prompt
  std::string_view text;        // in the prompt, or in the planner's people: alive during Check
  bool minor = false;           // @minor: a child or teen
  bool real = false;            // @real_person: a named real person
  bool extremist = false;       // @extremist_person
  bool historical = false;      // @historical_person: a named real person who died before 1900
  bool identity_group = false;  // @identity_group: several people whose ethnicity is stated
  bool past = false;            // @past: the scene is set before 1950 ("refugees in 1915")
  bool name = false;            // the span is a name, not words the gate reads ("Al Gore")
};

struct Facts {
  std::vector<FactPerson> people;
  // Whether a word is one the language knows (English): a word it does not know, one edit
  // from a word the tables use, is read as a typo of it. Null: no typos are read.
  const std::function<bool(std::string_view)>* known_word = nullptr;
};

// Returns the first rule (in file order) whose required items all hold and whose excluded
// items do not, or nothing. `tokens` are the lexer's tokens of `prompt`. A rule that names a
// person ("@minor & sexualized") holds only when each of its lists matches words nearer to
// such a person than to anyone else: "a sexy woman holding a baby" sexualises the woman.
std::optional<Refusal> Check(const Rules& rules, std::string_view prompt,
                             const text::TokenList& tokens, const Facts& facts);

}  // namespace depict::safety

#endif  // DEPICT_SAFETY_GATE_H_
