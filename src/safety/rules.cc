#include "safety/rules.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "text/lexer.h"
#include "text/tsv.h"

namespace depict::safety {
namespace {

bool IsCategory(std::string_view c) {
  return std::find(std::begin(kCategories), std::end(kCategories), c) != std::end(kCategories);
}

int BuiltinId(std::string_view name) {
  if (name == "@real_person") return kRealPerson;
  if (name == "@minor") return kMinor;
  if (name == "@extremist_person") return kExtremistPerson;
  if (name == "@historical_person") return kHistoricalPerson;
  if (name == "@person") return kPerson;
  if (name == "@identity_group") return kIdentityGroup;
  if (name == "@past") return kPast;
  return -1;
}

bool ParseKind(std::string_view s, ListKind& kind) {
  static constexpr std::pair<std::string_view, ListKind> kKinds[] = {
      {"words", ListKind::kWords},       {"act", ListKind::kAct},
      {"topic", ListKind::kTopic},       {"frame", ListKind::kFrame},
      {"minor", ListKind::kMinor},       {"interaction", ListKind::kInteraction},
      {"negation", ListKind::kNegation}, {"passive", ListKind::kPassive},
      {"written", ListKind::kWritten}};
  for (const auto& [name, value] : kKinds) {
    if (s == name) {
      kind = value;
      return true;
    }
  }
  return false;
}

using Atom = PhraseAtom;
using Alternative = std::vector<Atom>;  // one way to fill a slot
using Slot = std::vector<Alternative>;  // a word, a "<list>" or a "{wn:...}" reference
using Term = std::vector<Slot>;

// A phrase may not expand to more paths than this ("<self>" inside "<self>" ...).
constexpr size_t kMaxExpansions = 20000;

}  // namespace

class RulesLoader {
 public:
  RulesLoader(std::string_view file, Rules& r) : file_(file), r_(r) {}

  void LoadSynonyms(std::string_view file, std::string_view content) {
    for (const text::TsvRow& row : text::ReadTsv(file, content, 2)) {
      Slot& slot = synonyms_[std::string(row.cells[0])];
      for (std::string_view phrase : text::Split(row.cells[1], '|')) {
        Alternative alt;
        for (const Atom& a : Words(phrase, row.line)) alt.push_back(a);
        if (!alt.empty()) slot.push_back(std::move(alt));
      }
    }
  }

  void Load(std::string_view content) {
    for (const text::TsvRow& row : text::ReadTsv(file_, content, 3, 4)) {
      line_ = row.line;
      const std::string_view kind = row.cells[0];
      ListKind list_kind;
      if (ParseKind(kind, list_kind)) {
        Expect(row, 3);
        AddList(std::string(row.cells[1]), list_kind, row.cells[2]);
      } else if (kind == "rule") {
        Expect(row, 4);
        AddRule(row.cells[1], row.cells[2], row.cells[3]);
      } else if (kind == "message") {
        Expect(row, 3);
        if (!IsCategory(row.cells[1])) Fail("unknown category '" + std::string(row.cells[1]) + "'");
        r_.messages_[std::string(row.cells[1])] = std::string(row.cells[2]);
      } else {
        Fail(
            "first column must be words, act, interaction, written, topic, frame, minor, negation, "
            "passive, rule or message");
      }
    }
    r_.phrases_.Finish();
    r_.classes_.Finish();
    for (std::string_view c : kCategories) {
      if (r_.Message(c).empty()) {
        throw text::TableError(std::string(file_) + ": no message for category '" + std::string(c) +
                               "'");
      }
    }
  }

 private:
  [[noreturn]] void Fail(const std::string& message) const { text::FailAt(file_, line_, message); }

  void Expect(const text::TsvRow& row, size_t cells) const {
    if (row.cells.size() != cells) {
      Fail("a '" + std::string(row.cells[0]) + "' line has " + std::to_string(cells) + " columns");
    }
  }

  // The words of a plain phrase, normalised as prompts are ("Self-Harm" -> self, harm).
  std::vector<Atom> Words(std::string_view phrase, int line) const {
    std::vector<Atom> atoms;
    for (std::string_view piece : text::Split(phrase, ' ')) {
      if (piece == "~") {
        atoms.push_back({Atom::kGap, "", -1});
        continue;
      }
      bool prefix = false;
      if (piece.size() > 1 && piece.ends_with('*')) {
        prefix = true;
        piece.remove_suffix(1);
        if (piece.size() < PhraseTrie::kMinPrefix) {
          text::FailAt(file_, line, "'" + std::string(piece) + "*' is too short a prefix");
        }
      }
      const text::TokenList tokens = text::Lex(piece);
      if (tokens.size() == 0)
        text::FailAt(file_, line, "empty word in '" + std::string(phrase) + "'");
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (!tokens.IsWord(i)) {
          text::FailAt(file_, line, "'" + std::string(phrase) + "' has punctuation");
        }
        const bool last = i + 1 == tokens.size();
        atoms.push_back(
            {prefix && last ? Atom::kPrefix : Atom::kWord, std::string(tokens.norm(i))});
      }
    }
    return atoms;
  }

  Term ParseTerm(std::string_view phrase) {
    Term term;
    for (std::string_view piece : text::Split(phrase, ' ')) {
      if (piece.starts_with('<') && piece.ends_with('>') && piece.size() > 2) {
        const std::string name(piece.substr(1, piece.size() - 2));
        const auto it = ids_.find(name);
        if (it == ids_.end()) Fail("unknown list '" + name + "' (define it above)");
        UseAsClass(it->second, name);
        term.push_back(Slot{Alternative{Atom{Atom::kClass, "", it->second}}});
      } else if (piece.starts_with("{wn") && piece.ends_with('}')) {
        const std::string ref(piece.substr(1, piece.size() - 2));
        const auto it = synonyms_.find(ref);
        if (it == synonyms_.end()) {
          Fail("no WordNet synonyms for '" + ref +
               "': rebuild data/safety/wordnet_synonyms.tsv with tools/import_wordnet_safety.py");
        }
        term.push_back(it->second);
      } else {
        for (Atom& a : Words(piece, line_)) term.push_back(Slot{Alternative{std::move(a)}});
      }
    }
    if (term.empty()) Fail("empty phrase");
    if (term.front().size() == 1 && term.front()[0].size() == 1 &&
        term.front()[0][0].kind == Atom::kGap) {
      Fail("a phrase cannot start with a gap '~'");
    }
    return term;
  }

  // Every path through `term`'s slots from `slot` on, appended to `out` as alternatives.
  void Flatten(const Term& term, size_t slot, Alternative prefix, Slot& out) const {
    if (out.size() > kMaxExpansions) Fail("phrase expands to too many forms");
    if (slot == term.size()) {
      out.push_back(std::move(prefix));
      return;
    }
    for (const Alternative& alt : term[slot]) {
      Alternative next = prefix;
      next.insert(next.end(), alt.begin(), alt.end());
      Flatten(term, slot + 1, std::move(next), out);
    }
  }

  // A list used as "<name>" goes into the class trie once. Its phrases are plain: words,
  // prefixes and synonyms, so a class is matched in one pass before the phrases that use it.
  void UseAsClass(int id, const std::string& name) {
    if (classes_.count(id)) return;
    if (terms_[name].empty()) Fail("list '" + name + "' is used as <" + name + "> inside itself");
    classes_.insert(id);
    for (const Term& term : terms_.at(name)) {
      Slot paths;
      Flatten(term, 0, {}, paths);
      for (const Alternative& path : paths) {
        for (const Atom& a : path) {
          if (a.kind == Atom::kClass || a.kind == Atom::kGap) {
            Fail("list '" + name + "' is used as <" + name +
                 ">, so it may not hold '~' or '<...>'");
          }
        }
        r_.classes_.Insert(path, id, r_.word_ids_);
      }
    }
  }

  void AddList(const std::string& name, ListKind kind, std::string_view spec) {
    if (ids_.count(name)) Fail("duplicate list '" + name + "'");
    const int id = static_cast<int>(r_.list_names_.size());
    ids_[name] = id;
    r_.list_names_.push_back(name);
    r_.list_kinds_.push_back(kind);
    std::vector<Term>& terms = terms_[name];
    for (std::string_view phrase : text::Split(spec, '|')) {
      Term term = ParseTerm(phrase);
      Slot paths;
      Flatten(term, 0, {}, paths);
      for (const Alternative& path : paths) {
        if (path.empty() || path.back().kind == Atom::kGap) Fail("a phrase cannot end with '~'");
        r_.phrases_.Insert(path, id, r_.word_ids_);
      }
      terms.push_back(std::move(term));
    }
    if (terms.empty()) Fail("list '" + name + "' has no phrases");
  }

  void ParseNames(std::string_view part, char sep, std::vector<int>& out) const {
    for (std::string_view n : text::Split(part, sep)) {
      if (n.starts_with('@')) {
        const int b = BuiltinId(n);
        if (b < 0) Fail("unknown builtin '" + std::string(n) + "'");
        out.push_back(-1 - b);
        continue;
      }
      const auto it = ids_.find(std::string(n));
      if (it == ids_.end()) Fail("unknown list '" + std::string(n) + "' (define it above)");
      out.push_back(it->second);
    }
  }

  void AddRule(std::string_view category, std::string_view clause, std::string_view spec) {
    if (!IsCategory(category)) Fail("unknown category '" + std::string(category) + "'");
    if (clause.empty() || clause.find(' ') != std::string_view::npos) {
      Fail("a rule names the POLICY.md clause it implements, such as SH-1");
    }
    Rule rule;
    rule.category = std::string(category);
    rule.clause = std::string(clause);
    rule.line = line_;
    // "a & b ! c": every list before '!' must match, none after it.
    const size_t bang = spec.find('!');
    ParseNames(spec.substr(0, bang), '&', rule.required);
    if (bang != std::string_view::npos) ParseNames(spec.substr(bang + 1), '!', rule.excluded);
    if (rule.required.empty()) Fail("a rule needs at least one list");
    if (rule.required.size() > kMaxRequired) Fail("a rule names at most 8 required items");
    for (int id : rule.required) {
      rule.has_topic = rule.has_topic || (id >= 0 && r_.list_kinds_[id] == ListKind::kTopic);
    }
    bool has_act = false;
    for (int id : rule.required) has_act = has_act || (id >= 0 && IsShown(r_.list_kinds_[id]));
    for (int id : rule.excluded) {
      if (id < 0) continue;
      if (r_.list_kinds_[id] != ListKind::kFrame) {
        Fail("only a frame list may exempt a rule ('" + r_.list_names_[id] + "' is not one)");
      }
      if (has_act) Fail("a rule with an act is refused whatever frame surrounds it: no '! frame'");
    }
    r_.rules_.push_back(std::move(rule));
  }

  std::string_view file_;
  Rules& r_;
  int line_ = 0;
  std::unordered_map<std::string, int> ids_;
  std::unordered_map<std::string, std::vector<Term>> terms_;
  std::unordered_map<std::string, Slot> synonyms_;
  std::unordered_set<int> classes_;  // lists already in the class trie
};

const std::string& Rules::Message(std::string_view category) const {
  static const std::string kNone;
  const auto it = messages_.find(std::string(category));
  return it == messages_.end() ? kNone : it->second;
}

std::shared_ptr<const Rules> Rules::Load(std::string_view file, std::string_view content,
                                         std::string_view synonyms_file, std::string_view synonyms,
                                         std::shared_ptr<const text::Lemmatizer> lemmatizer) {
  auto r = std::make_shared<Rules>();
  r->lemmatizer_ = std::move(lemmatizer);
  RulesLoader loader(file, *r);
  loader.LoadSynonyms(synonyms_file, synonyms);
  loader.Load(content);
  // Words the tables use that a typo may stand for: four letters or more, letters only.
  for (size_t id = 0; id < r->word_ids_.size(); ++id) {
    const std::string& w = r->word_ids_.at(static_cast<int>(id));
    if (w.size() < kMinShortTypoLength || w.size() >= kMaxTypoLength ||
        !std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      continue;
    }
    r->typo_targets_[TypoSlot(w, w.size())].push_back(static_cast<int>(id));
  }
  return r;
}

}  // namespace depict::safety
