#include "text/lemmatizer.h"

#include <algorithm>

#include "text/tsv.h"

namespace depict::text {
namespace {

// WordNet's morphy detachment rules for nouns, verbs and adjectives (morph.c), as
// (suffix, replacement). Order within a part of speech is morphy's.
struct Detachment {
  std::string_view suffix;
  std::string_view replacement;
};
constexpr Detachment kDetachments[] = {
    // nouns
    {"s", ""},
    {"ses", "s"},
    {"xes", "x"},
    {"zes", "z"},
    {"ches", "ch"},
    {"shes", "sh"},
    {"men", "man"},
    {"ies", "y"},
    // verbs
    {"es", "e"},
    {"es", ""},
    {"ed", "e"},
    {"ed", ""},
    {"ing", "e"},
    {"ing", ""},
};
// Morphy's adjective rules (-er, -est) are left out: without a part of speech to check against,
// "killer" and "shooter" would read as "kill" and "shoot", and prompts name agents far more
// often than they compare.

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// One vowel group, ending consonant-vowel-consonant with a final consonant English doubles
// ("strip", "rob"; not "hang", "shoot", "box", "open").
bool EndsShortSyllable(std::string_view stem) {
  if (stem.size() < 3) return false;
  const char c = stem.back(), v = stem[stem.size() - 2], before = stem[stem.size() - 3];
  if (IsVowel(c) || c == 'w' || c == 'x' || c == 'y' || !IsVowel(v) || IsVowel(before)) {
    return false;
  }
  int groups = 0;
  for (size_t i = 0; i < stem.size(); ++i) {
    if (IsVowel(stem[i]) && (i == 0 || !IsVowel(stem[i - 1]))) ++groups;
  }
  return groups == 1;
}

}  // namespace

std::shared_ptr<const Lemmatizer> Lemmatizer::Load(std::string_view file,
                                                   std::string_view content) {
  auto lem = std::make_shared<Lemmatizer>();
  for (const TsvRow& row : ReadTsv(file, content, 3)) {
    const std::string_view pos = row.cells[2];
    if (pos != "n" && pos != "v" && pos != "a") {
      FailAt(file, row.line, "part of speech must be n, v or a");
    }
    const int form = lem->forms_.Add(row.cells[0]);
    if (static_cast<size_t>(form) == lem->lemmas_.size()) lem->lemmas_.emplace_back();
    auto& lemmas = lem->lemmas_[form];
    const std::string lemma(row.cells[1]);
    if (std::find(lemmas.begin(), lemmas.end(), lemma) == lemmas.end()) lemmas.push_back(lemma);
  }
  return lem;
}

void Lemmatizer::Candidates(std::string_view word, std::vector<std::string>& out,
                            const StringTable* lexicon) const {
  const size_t first = out.size();
  const auto add = [&](std::string_view lemma) {
    if (lexicon != nullptr && lexicon->Find(lemma) < 0) return;
    if (std::find(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), lemma) ==
        out.end()) {
      out.emplace_back(lemma);
    }
  };
  if (const int form = forms_.Find(word); form >= 0) {
    for (const std::string& lemma : lemmas_[form]) add(lemma);
  }
  std::string candidate;  // one buffer for every rule's candidate
  for (const Detachment& d : kDetachments) {
    // A stem of at least two letters: "is" is not a form of "i".
    if (word.size() < d.suffix.size() + 2 || !word.ends_with(d.suffix)) continue;
    const std::string_view stem = word.substr(0, word.size() - d.suffix.size());
    if (d.suffix == "s" && stem.ends_with('s')) continue;  // "glass" is not a plural
    // English adds a bare -es only after a sibilant or o ("kisses", "goes"): "robes" is robe,
    // never rob. Morphy leaves this to its lexicon; ours is the caller's, so it is checked here.
    if (d.suffix == "es" && d.replacement.empty() &&
        !(stem.ends_with('s') || stem.ends_with('x') || stem.ends_with('z') ||
          stem.ends_with("ch") || stem.ends_with("sh") || stem.ends_with('o'))) {
      continue;
    }
    // A one-syllable stem ending consonant-vowel-consonant doubles its consonant before -ed and
    // -ing ("stripped", "robbing"), so "striped" is stripe and never strip.
    if ((d.suffix == "ed" || d.suffix == "ing") && d.replacement.empty() &&
        EndsShortSyllable(stem)) {
      continue;
    }
    candidate.assign(stem);
    candidate.append(d.replacement);
    add(candidate);
  }
  // A doubled final consonant before -ed/-ing ("gutted", "stabbing") that the
  // exception lists do not hold.
  for (std::string_view suffix : {"ed", "ing"}) {
    if (word.size() < suffix.size() + 3 || !word.ends_with(suffix)) continue;
    const std::string_view stem = word.substr(0, word.size() - suffix.size());
    const char c = stem.back();
    if (c == stem[stem.size() - 2] && !IsVowel(c) && c != 'l' && c != 's') {
      add(stem.substr(0, stem.size() - 1));
    }
  }
}

}  // namespace depict::text
