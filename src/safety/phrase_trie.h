// A trie of phrases over the gate's words. An edge is a word, a word prefix ("mutilat*"), a gap
// of up to kMaxGap words ("slit ~ wrist") or a word class ("hang <self>"), so a rule names a
// class once instead of multiplying every phrase by every member.
#ifndef DEPICT_SAFETY_PHRASE_TRIE_H_
#define DEPICT_SAFETY_PHRASE_TRIE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "safety/gate_words.h"
#include "text/string_table.h"

namespace depict::safety {

struct PhraseAtom {
  enum Kind { kWord, kPrefix, kGap, kClass } kind = kWord;
  std::string text;  // the word or prefix
  int cls = -1;      // kClass: the class's id
};

struct TrieMatch {
  int terminal = 0;    // what the phrase was inserted as (a list id, or a class id)
  uint32_t first = 0;  // gate word indices, inclusive
  uint32_t last = 0;
};

// The class phrases found in a prompt, grouped by the gate word they start at: those starting at
// word j are matches[begin[j], begin[j + 1]).
struct ClassEnds {
  std::vector<TrieMatch> matches;
  std::vector<uint32_t> begin;
  // Groups `found` (in any order) by first word, for `words` gate words.
  ClassEnds(const std::vector<TrieMatch>& found, size_t words);
};

// The words phrase tables use, with dense ids: a prompt's word is hashed once per prompt,
// not once per trie node.
using WordIds = text::StringTable;

class PhraseTrie {
 public:
  static constexpr uint32_t kMaxGap = 3;
  static constexpr size_t kMinPrefix = 3;  // letters a prefix phrase ("cut*") has at least

  PhraseTrie() : nodes_(1) {}

  // Adds a phrase; `terminal` is reported when it matches. Its words get ids in `ids`.
  void Insert(const std::vector<PhraseAtom>& path, int terminal, WordIds& ids);
  // Call once after the last Insert.
  void Finish();
  size_t node_count() const { return nodes_.size(); }

  // Appends every phrase match in `words` (whose form ids are WordIds) to `out`. `classes` are
  // the class phrases' matches, needed when this trie has class edges.
  void Match(const GateWords& words, const ClassEnds* classes, std::vector<TrieMatch>& out) const;

 private:
  struct Node {
    std::vector<std::pair<int, int>> next;              // (word id, child), sorted by word id
    std::vector<std::pair<std::string, int>> prefixes;  // sorted by prefix
    std::vector<uint32_t> prefix_keys;                  // their first kMinPrefix letters, packed
    std::vector<std::pair<int, int>> classes;           // (class id, child)
    int gap = -1;
    std::vector<int> terminals;
    bool leaf() const { return next.empty() && prefixes.empty() && classes.empty() && gap < 0; }
  };
  friend class TrieWalker;
  int Child(int node, const PhraseAtom& atom, WordIds& ids);
  // The child under `key` in the edge list `edges` of `node`, made when missing.
  template <typename Key, typename Edge>
  int FindOrAdd(int node, std::vector<Edge> Node::*edges, const Key& key);

  int Next(const Node& n, int word) const;
  // The first kMinPrefix bytes of `s`, big-endian, so keys sort as the strings do.
  static uint32_t KeyOf(std::string_view s);

  std::vector<Node> nodes_;
  std::vector<int> root_next_;  // the root's children by word id, -1 where none
};

}  // namespace depict::safety

#endif  // DEPICT_SAFETY_PHRASE_TRIE_H_
