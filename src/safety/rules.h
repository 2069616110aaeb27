// The safety gate's rules, loaded from data/safety/rules.tsv (format at the top of that file;
// the policy each rule implements is data/safety/POLICY.md).
#ifndef DEPICT_SAFETY_RULES_H_
#define DEPICT_SAFETY_RULES_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "safety/phrase_trie.h"
#include "text/lemmatizer.h"

namespace depict::safety {

// The categories the gate may refuse. Nothing else is ever refused.
inline constexpr std::string_view kCategories[] = {
    "sexual_minors", "sexual_explicit",      "sexual_real_person", "real_person_harm",
    "hate",          "extremist_propaganda", "graphic_violence",   "self_harm"};

// Facts the planner found that rules may name with '@': people it knows are real, minors, ...
enum Builtin : int {
  kRealPerson = 0,        // @real_person: a named real person who is depicted
  kMinor = 1,             // @minor: a person the prompt makes a child or teen
  kExtremistPerson = 2,   // @extremist_person: a named person whose movement the symbol is
  kHistoricalPerson = 3,  // @historical_person: a named real person who died before 1900
  kPerson = 4,            // @person: anyone the prompt depicts
  kIdentityGroup = 5,     // @identity_group: people named by who they are ("Mexican immigrants")
  kPast = 6,              // @past: the person is in a scene set before 1950 (a history frame)
  kBuiltinCount = 7,
};

// What a list of phrases is to a rule. The kind decides what a frame can do to it.
enum class ListKind {
  kWords,        // a word class for patterns ("<self>") and rules; no meaning of its own
  kAct,          // something the image would show done to or by someone: no frame cancels it
  kTopic,        // a subject an image may treat (poster, lesson, museum): a rule may exempt frames
  kFrame,        // a treatment of a topic: educational, medical, awareness, news, historical, art
  kMinor,        // words that make the person they name or modify a minor ("young-looking", "loli")
  kInteraction,  // an act between people ("molesting", "having sex with"): like kAct, and it
                 // concerns the nearest person on each side ("a man molesting a little girl")
  kNegation,     // words that deny the phrase after them ("no gore", "nothing explicit")
  kPassive,      // words after which a phrase is done to the person before ("being")
  kWritten,      // words whose appearance in an image is the harm (slurs): like kAct, and no
                 // negation denies them ("a sign saying 'no X allowed'" shows the word)
};

// Acts, interactions and written words are what an image shows: no frame exempts them.
inline bool IsShown(ListKind k) {
  return k == ListKind::kAct || k == ListKind::kInteraction || k == ListKind::kWritten;
}

inline constexpr size_t kMaxRequired = 8;  // items before the first '!' of a rule

struct Rule {
  std::string category;
  std::string clause;  // the clause of POLICY.md the rule implements ("SH-1")
  int line = 0;
  std::vector<int> required;  // list ids, or -1 - Builtin for builtins
  std::vector<int> excluded;  // frame list ids or builtins; never on a rule with an act
  bool has_topic = false;     // a required list is a topic: tried after rules about acts
};

class Rules {
 public:
  // `synonyms` is data/safety/wordnet_synonyms.tsv (the WordNet expansions of "{wn:...}"
  // references), `lemmatizer` reads inflections. Throws text::TableError naming file and line.
  static std::shared_ptr<const Rules> Load(std::string_view file, std::string_view content,
                                           std::string_view synonyms_file,
                                           std::string_view synonyms,
                                           std::shared_ptr<const text::Lemmatizer> lemmatizer);

  // Every list's phrases; terminals are list ids.
  const PhraseTrie& phrases() const { return phrases_; }
  // The phrases of the lists used as word classes ("<self>"); terminals are their list ids.
  const PhraseTrie& classes() const { return classes_; }
  const WordIds& word_ids() const { return word_ids_; }
  const std::vector<Rule>& rules() const { return rules_; }
  const std::vector<std::string>& list_names() const { return list_names_; }
  const std::vector<ListKind>& list_kinds() const { return list_kinds_; }
  const std::string& Message(std::string_view category) const;
  const text::Lemmatizer& lemmatizer() const { return *lemmatizer_; }
  // The words of four letters or more the tables use with these first two letters and this
  // length: what a mistyped word may stand for ("suicde", "handcufs", "nakd").
  const std::vector<int>& TypoTargets(std::string_view start, size_t length) const {
    static const std::vector<int> kNone;
    const size_t slot = TypoSlot(start, length);
    return slot < typo_targets_.size() ? typo_targets_[slot] : kNone;
  }
  static constexpr size_t kMaxTypoLength = 32;
  // Words are filed by their first two letters and length: slips are rarely in the first two.
  static size_t TypoSlot(std::string_view start, size_t length) {
    if (start.size() < 2 || length >= kMaxTypoLength) return SIZE_MAX;
    const char a = start[0], b = start[1];
    if (a < 'a' || a > 'z' || b < 'a' || b > 'z') return SIZE_MAX;
    return (static_cast<size_t>(a - 'a') * 26 + static_cast<size_t>(b - 'a')) * kMaxTypoLength +
           length;
  }
  // Words this long take any one slip; shorter ones (down to kMinShortTypoLength) only the
  // deliberate ones: a vowel left out ("nakd") or a letter doubled ("sexxy").
  static constexpr size_t kMinTypoLength = 6;
  static constexpr size_t kMinShortTypoLength = 4;

 private:
  friend class RulesLoader;
  PhraseTrie phrases_;
  PhraseTrie classes_;
  WordIds word_ids_;
  std::vector<Rule> rules_;
  std::vector<std::string> list_names_;
  std::vector<ListKind> list_kinds_;
  std::unordered_map<std::string, std::string> messages_;
  std::shared_ptr<const text::Lemmatizer> lemmatizer_;
  std::vector<std::vector<int>> typo_targets_ =
      std::vector<std::vector<int>>(26 * 26 * kMaxTypoLength);  // by TypoSlot
};

}  // namespace depict::safety

#endif  // DEPICT_SAFETY_RULES_H_
