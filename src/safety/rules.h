// The safety gate's rules, loaded from data/safety/rules.tsv (format at the top of that file).
#ifndef DEPICT_SAFETY_RULES_H_
#define DEPICT_SAFETY_RULES_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace depict::safety {

// The categories the gate may refuse. Nothing else is ever refused.
inline constexpr std::string_view kCategories[] = {
    "sexual_minors", "sexual_explicit",      "sexual_real_person", "real_person_harm",
    "hate",          "extremist_propaganda", "graphic_violence",   "self_harm"};

// Facts the planner found that rules may name with '@': people it knows are real, minors, ...
enum Builtin : int {
  kRealPerson = 0,       // @real_person: a named real person
  kMinor = 1,            // @minor: a person the prompt makes a child or teen
  kExtremistPerson = 2,  // @extremist_person: a named person whose movement the symbol is
  kBuiltinCount = 3,
};

struct Rule {
  std::string category;
  int line = 0;
  std::vector<int> required;  // list ids, or -1 - Builtin for builtins
  std::vector<int> excluded;
};

class Rules {
 public:
  // Throws text::TableError naming file and line.
  static std::shared_ptr<const Rules> Load(std::string_view file, std::string_view content);

  struct Term {
    int list = -1;
    bool prefix = false;  // the last word matches any word it begins ("mutilat*")
  };
  struct Entry {
    std::vector<Term> terms;  // lists this exact phrase belongs to
    bool continues = false;   // a longer phrase starts with these words
  };
  const Entry* Find(std::string_view phrase) const;
  size_t max_words() const { return max_words_; }
  // Single-word prefix terms: (prefix, list id).
  const std::vector<std::pair<std::string, int>>& prefixes() const { return prefixes_; }
  const std::vector<Rule>& rules() const { return rules_; }
  const std::vector<std::string>& list_names() const { return list_names_; }
  const std::string& Message(std::string_view category) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> phrases_;
  size_t max_words_ = 1;
  std::vector<std::pair<std::string, int>> prefixes_;
  std::vector<Rule> rules_;
  std::vector<std::string> list_names_;
  std::unordered_map<std::string, std::string> messages_;
};

}  // namespace depict::safety

#endif  // DEPICT_SAFETY_RULES_H_
