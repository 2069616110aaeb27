#include "safety/phrase_trie.h"

#include <algorithm>

namespace depict::safety {

int PhraseTrie::Child(int node, const PhraseAtom& atom) {
  const auto make = [&] {
    nodes_.emplace_back();
    return static_cast<int>(nodes_.size()) - 1;
  };
  switch (atom.kind) {
    case PhraseAtom::kGap:
      if (nodes_[node].gap < 0) {
        const int id = make();
        nodes_[node].gap = id;
      }
      return nodes_[node].gap;
    case PhraseAtom::kPrefix:
      for (const auto& [p, n] : nodes_[node].prefixes) {
        if (p == atom.text) return n;
      }
      {
        const int id = make();
        nodes_[node].prefixes.emplace_back(atom.text, id);
        return id;
      }
    case PhraseAtom::kClass:
      for (const auto& [c, n] : nodes_[node].classes) {
        if (c == atom.cls) return n;
      }
      {
        const int id = make();
        nodes_[node].classes.emplace_back(atom.cls, id);
        return id;
      }
    case PhraseAtom::kWord:
      break;
  }
  if (const auto it = nodes_[node].next.find(atom.text); it != nodes_[node].next.end()) {
    return it->second;
  }
  const int id = make();
  nodes_[node].next.emplace(atom.text, id);
  return id;
}

void PhraseTrie::Insert(const std::vector<PhraseAtom>& path, int terminal) {
  int node = 0;
  for (const PhraseAtom& a : path) node = Child(node, a);
  auto& t = nodes_[node].terminals;
  if (std::find(t.begin(), t.end(), terminal) == t.end()) t.push_back(terminal);
}

void PhraseTrie::Finish() {
  for (Node& n : nodes_) std::sort(n.prefixes.begin(), n.prefixes.end());
}

// Walks the trie from each gate word, trying every form of each word on each edge.
class TrieWalker {
 public:
  TrieWalker(const PhraseTrie& trie, const GateWords& w, const ClassEnds* classes,
             std::vector<TrieMatch>& out)
      : nodes_(trie.nodes_), w_(w), classes_(classes), out_(out) {}

  void Run() {
    for (uint32_t i = 0; i < w_.words.size(); ++i) {
      start_ = i;
      Walk(0, i);
    }
  }

 private:
  void Arrive(int node, uint32_t last) {
    const PhraseTrie::Node& n = nodes_[node];
    for (int t : n.terminals) out_.push_back({t, start_, last});
    if (!n.leaf()) Walk(node, last + 1);
  }

  void Walk(int node, uint32_t j) {
    const PhraseTrie::Node& n = nodes_[node];
    if (n.gap >= 0) {
      for (uint32_t skip = 0; skip <= PhraseTrie::kMaxGap; ++skip) Walk(n.gap, j + skip);
    }
    if (j >= w_.words.size()) return;
    if (!n.classes.empty() && classes_ != nullptr) {
      for (const auto& [cls, last] : (*classes_)[j]) {
        for (const auto& [c, child] : n.classes) {
          if (c == cls) Arrive(child, last);
        }
      }
    }
    const GateWord& word = w_.words[j];
    for (uint32_t f = word.first_form; f < word.first_form + word.form_count; ++f) {
      const std::string& form = w_.forms[f];
      if (!n.next.empty()) {
        if (const auto it = n.next.find(form); it != n.next.end()) Arrive(it->second, j);
      }
      if (!n.prefixes.empty()) WalkPrefixes(n, form, j);
    }
  }

  // The prefix edges `form` starts with: they sort at or before it, and share its first letter.
  void WalkPrefixes(const PhraseTrie::Node& n, const std::string& form, uint32_t j) {
    auto it = std::upper_bound(n.prefixes.begin(), n.prefixes.end(), form,
                               [](const std::string& f, const auto& p) { return f < p.first; });
    while (it != n.prefixes.begin()) {
      --it;
      if (it->first.empty() || it->first[0] != form[0]) break;
      if (form.starts_with(it->first)) Arrive(it->second, j);
    }
  }

  const std::vector<PhraseTrie::Node>& nodes_;
  const GateWords& w_;
  const ClassEnds* classes_;
  std::vector<TrieMatch>& out_;
  uint32_t start_ = 0;
};

void PhraseTrie::Match(const GateWords& words, const ClassEnds* classes,
                       std::vector<TrieMatch>& out) const {
  TrieWalker(*this, words, classes, out).Run();
}

}  // namespace depict::safety
