// The people finder's working state, shared by its files: people_finder.cc (nouns, groups,
// attached words, pronouns, actors) and people_finder_names.cc (names, titles, credits).
#ifndef DEPICT_CAST_PEOPLE_FINDER_INTERNAL_H_
#define DEPICT_CAST_PEOPLE_FINDER_INTERNAL_H_

#include <algorithm>
#include <functional>
#include <string_view>
#include <vector>

#include "cast/knowledge.h"
#include "cast/matcher.h"
#include "cast/scene.h"
#include "text/lexer.h"

namespace depict::cast::finder {

constexpr int kDefaultPluralMembers = 3;
constexpr int kDefaultGroupMembers = 4;
constexpr int kMaxMembers = 12;
constexpr int kMaxModifierTokens = 6;

class Finder {
 public:
  Finder(const Knowledge& k, const text::TokenList& t, const std::vector<TokenMatches>& m,
         const std::vector<std::pair<uint32_t, uint32_t>>& names = {},
         const std::function<bool(std::string_view)>* known_word = nullptr, bool reading = false)
      : k_(k), t_(t), m_(m), names_(names), known_word_(known_word), reading_(reading) {
    for (size_t i = 0; i < t.size(); ++i) {
      const std::string_view n = t.norm(i);
      if (t[i].kind == text::TokenKind::kWord && !t[i].all_caps && n != "i") {
        if (t[i].capitalized) ++capitalized_;
        ++words_;
      }
    }
  }

  std::vector<Mention> Run();

 private:
  const Modifier* ModifierAt(size_t i) const {
    if (i >= t_.size() || !m_[i].modifier) return nullptr;
    return &k_.modifiers()[m_[i].modifier.index];
  }
  bool ModifierIs(size_t i, ModifierKind kind) const {
    const Modifier* mod = ModifierAt(i);
    return mod != nullptr && mod->kind == kind && m_[i].modifier.length == 1;
  }
  bool IsPersonNoun(size_t i) const { return i < t_.size() && (m_[i].noun || m_[i].noun_plural); }
  // Capitals carry meaning only when the prompt is not written all in capitals or all in lowercase.
  bool CaseIsMeaningful() const { return capitalized_ > 0 && capitalized_ < words_; }
  bool IsCapitalizedWord(size_t i) const {
    return i < t_.size() && t_[i].kind == text::TokenKind::kWord && t_[i].capitalized &&
           CaseIsMeaningful();
  }
  // A token that ends a noun phrase on its left: punctuation, a determiner, a preposition...
  bool EndsPhrase(size_t i) const {
    if (t_.IsPunct(i)) return true;
    const Modifier* mod = ModifierAt(i);
    if (mod == nullptr || m_[i].modifier.length != 1) return false;
    return mod->kind == ModifierKind::kDeterminer || mod->kind == ModifierKind::kBoundary ||
           mod->kind == ModifierKind::kPronoun || mod->kind == ModifierKind::kModern ||
           mod->kind == ModifierKind::kStyleBefore;
  }
  bool NextEndsPhrase(size_t i) const {
    if (i >= t_.size()) return true;
    if (EndsPhrase(i)) return true;
    const std::string_view n = t_.norm(i);
    return n.size() > 4 && (n.ends_with("ing") || n.ends_with("ed"));
  }

  bool TryNamed(size_t& i);
  bool TryTitledName(size_t& i);
  bool TryLowercaseTitledName(size_t& i);
  bool TryNumberedGroup(size_t& i);
  bool TryNumberFirstGroup(size_t& i);
  bool TeamName(size_t i, size_t end, bool plural) const;
  size_t AgeUnitAt(size_t q, bool* plural) const;
  bool InsideProperName(size_t i, size_t end) const;
  size_t NameWordAt(size_t j, bool first) const;
  bool TryUnknownName(size_t& i);
  bool TryGivenName(size_t& i);
  void AddUnknownName(size_t& i, size_t end);
  bool TryGroupOf(size_t& i);
  // The school grade the word at j names (1-12: "7th", "fifth"), or 0.
  int SchoolGradeAt(size_t j) const;
  // Whether the noun at i is a role after "as" ("dressed as a pirate").
  bool RoleAfterAs(size_t i) const;
  bool TryNoun(size_t& i);
  bool TryDemonymHead(size_t& i);
  bool TryOwnGroupWord(size_t& i);
  bool TryAgeNoun(size_t& i);
  // A number of years at token i, in digits or words ("14", "twenty-two"): its value, and in
  // `length` the tokens it takes (0 where none).
  int YearsAt(size_t i, size_t& length) const;
  bool TryAgeTag(size_t& i);
  bool HasOwner(size_t head, size_t end, bool group) const;
  void AbsorbTitle();
  void Attach(Mention& mention);
  bool AttachPolity(Mention& mention, size_t& p, size_t head);
  void AttachAfter(Mention& mention);
  void ResolvePronouns();
  void ShareAcrossAnd();
  void InheritInstitutionRoles();
  void LinkKin(size_t pronoun, int owner);
  void MarkStyleReferences();
  void TryActor();
  void MarkEventNames();
  void MarkCredits();
  bool IsListSeparator(size_t i) const;
  bool StyleEndsAt(size_t t) const;
  bool FollowsCredit(size_t first) const;
  int QuantityBefore(size_t head) const;
  // "Apollo 11", "Ocean's 11", "Catch-22", "Route 66": a number right after a capitalised word,
  // a possessive or a hyphen is part of a name, not a head count.
  bool NumberIsPartOfName(size_t j) const {
    if (j == 0 || t_.IsPunct(j - 1)) return false;
    const text::Token& before = t_[j - 1];
    if (before.possessive || before.hyphen_after) return true;
    return before.capitalized && before.kind == text::TokenKind::kWord && !m_[j - 1].modifier;
  }
  void Finish(Mention& mention, size_t first, size_t end);

  const Knowledge& k_;
  const text::TokenList& t_;
  const std::vector<TokenMatches>& m_;
  const std::vector<std::pair<uint32_t, uint32_t>>& names_;
  const std::function<bool(std::string_view)>* known_word_;
  // The English reading of a Hindi, Japanese or Korean prompt, glossed word by word: a subject
  // stands right before its place there without forming a compound ("Nigerian woman bazaar in").
  const bool reading_;
  std::vector<Mention> out_;
  size_t taken_ = 0;         // tokens before this belong to earlier mentions
  size_t attach_limit_ = 0;  // taken_ before the mention being built
  int capitalized_ = 0;
  int words_ = 0;
};

}  // namespace depict::cast::finder

#endif  // DEPICT_CAST_PEOPLE_FINDER_INTERNAL_H_
