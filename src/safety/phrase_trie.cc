#include "safety/phrase_trie.h"

#include <algorithm>
#include <climits>

namespace depict::safety {

uint32_t PhraseTrie::KeyOf(std::string_view s) {
  uint32_t key = 0;
  for (size_t i = 0; i < kMinPrefix; ++i) key = key << 8 | static_cast<unsigned char>(s[i]);
  return key;
}

ClassEnds::ClassEnds(const std::vector<TrieMatch>& found, size_t words) : begin(words + 2, 0) {
  for (const TrieMatch& m : found) ++begin[m.first + 2];
  for (size_t j = 2; j < begin.size(); ++j) begin[j] += begin[j - 1];
  matches.resize(found.size());
  for (const TrieMatch& m : found) matches[begin[m.first + 1]++] = m;
  begin.pop_back();
}

int PhraseTrie::Next(const Node& n, int word) const {
  if (&n == &nodes_[0]) {
    return static_cast<size_t>(word) < root_next_.size() ? root_next_[word] : -1;
  }
  const auto it = std::lower_bound(n.next.begin(), n.next.end(), std::make_pair(word, INT32_MIN));
  return it != n.next.end() && it->first == word ? it->second : -1;
}

template <typename Key, typename Edge>
int PhraseTrie::FindOrAdd(int node, std::vector<Edge> Node::*edges, const Key& key) {
  for (const auto& [k, child] : nodes_[node].*edges) {
    if (k == key) return child;
  }
  nodes_.emplace_back();  // may move the nodes: index again below
  const int id = static_cast<int>(nodes_.size()) - 1;
  (nodes_[node].*edges).emplace_back(key, id);
  return id;
}

int PhraseTrie::Child(int node, const PhraseAtom& atom, WordIds& ids) {
  switch (atom.kind) {
    case PhraseAtom::kGap:
      if (nodes_[node].gap < 0) {
        nodes_.emplace_back();
        nodes_[node].gap = static_cast<int>(nodes_.size()) - 1;
      }
      return nodes_[node].gap;
    case PhraseAtom::kPrefix:
      return FindOrAdd(node, &Node::prefixes, atom.text);
    case PhraseAtom::kClass:
      return FindOrAdd(node, &Node::classes, atom.cls);
    case PhraseAtom::kWord:
      break;
  }
  return FindOrAdd(node, &Node::next, ids.Add(atom.text));
}

void PhraseTrie::Insert(const std::vector<PhraseAtom>& path, int terminal, WordIds& ids) {
  int node = 0;
  for (const PhraseAtom& a : path) node = Child(node, a, ids);
  auto& t = nodes_[node].terminals;
  if (std::find(t.begin(), t.end(), terminal) == t.end()) t.push_back(terminal);
}

void PhraseTrie::Finish() {
  for (Node& n : nodes_) {
    std::sort(n.prefixes.begin(), n.prefixes.end());
    n.prefix_keys.clear();
    for (const auto& [prefix, child] : n.prefixes) n.prefix_keys.push_back(KeyOf(prefix));
    std::sort(n.next.begin(), n.next.end());
  }
  root_next_.clear();
  for (const auto& [word, child] : nodes_[0].next) {
    if (static_cast<size_t>(word) >= root_next_.size()) root_next_.resize(word + 1, -1);
    root_next_[word] = child;
  }
}

// Walks the trie from each gate word, trying every form of each word on each edge.
class TrieWalker {
 public:
  TrieWalker(const PhraseTrie& trie, const GateWords& w, const ClassEnds* classes,
             std::vector<TrieMatch>& out)
      : trie_(trie), nodes_(trie.nodes_), w_(w), classes_(classes), out_(out) {}

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
      // Up to kMaxGap words, light words (GateWords::light) not counted.
      uint32_t counted = 0;
      for (uint32_t p = j;; ++p) {
        Walk(n.gap, p);
        if (p >= w_.words.size()) break;
        if (p >= w_.light.size() || !w_.light[p]) ++counted;
        if (counted > PhraseTrie::kMaxGap) break;
      }
    }
    if (j >= w_.words.size()) return;
    if (!n.classes.empty() && classes_ != nullptr) {
      for (uint32_t k = classes_->begin[j]; k < classes_->begin[j + 1]; ++k) {
        const TrieMatch& cm = classes_->matches[k];
        for (const auto& [c, child] : n.classes) {
          if (c == cm.terminal) Arrive(child, cm.last);
        }
      }
    }
    const GateWord& word = w_.words[j];
    for (uint32_t f = word.first_form; f < word.first_form + word.form_count; ++f) {
      if (!n.next.empty() && w_.form_ids[f] >= 0) {
        if (const int child = trie_.Next(n, w_.form_ids[f]); child >= 0) Arrive(child, j);
      }
      if (!n.prefixes.empty() && f < word.first_form + word.spelling_count) {
        WalkPrefixes(n, w_.forms[f], j);
      }
    }
  }

  // The prefix edges `form` starts with: in the sorted edges they lie in the run whose first
  // kMinPrefix letters are form's (a prefix phrase has at least that many).
  void WalkPrefixes(const PhraseTrie::Node& n, const std::string& form, uint32_t j) {
    if (form.size() < PhraseTrie::kMinPrefix) return;
    const uint32_t key = PhraseTrie::KeyOf(form);
    auto k = std::lower_bound(n.prefix_keys.begin(), n.prefix_keys.end(), key);
    for (; k != n.prefix_keys.end() && *k == key; ++k) {
      const auto& [prefix, child] = n.prefixes[k - n.prefix_keys.begin()];
      if (form.starts_with(prefix)) Arrive(child, j);
    }
  }

  const PhraseTrie& trie_;
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
