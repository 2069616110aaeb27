// Real people's names in disguise: typed with a slip, with digits for letters, spelled as they
// sound, or written in another script and romanised. The lookups the people finder and the
// language front end use to find them among data/people/named.tsv.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "cast/knowledge.h"
#include "text/edit_distance.h"

namespace depict::cast {

namespace {

// Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), or
// `limit + 1` as soon as it must exceed `limit`.
int EditDistance(std::string_view a, std::string_view b, int limit) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) > limit) return limit + 1;
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (int i = 0; i <= n; ++i) d[i][0] = i;
  for (int j = 0; j <= m; ++j) d[0][j] = j;
  for (int i = 1; i <= n; ++i) {
    int row_min = limit + 1;
    for (int j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
      row_min = std::min(row_min, d[i][j]);
    }
    if (row_min > limit) return limit + 1;
  }
  return d[n][m];
}

// How a name sounds, the same for its spellings from other scripts: "deepika padukone" and
// "dipika padukon" (romanised from Devanagari), "mohammed" and "muhamad" do not meet, but
// doubled vowels, doubled letters, a silent final e and h after a consonant do.
std::string SoundKey(std::string_view name) {
  std::string s;
  for (char c : name) s.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  const auto replace_all = [&s](std::string_view from, std::string_view to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
      s.replace(at, from.size(), to);
    }
  };
  replace_all("ee", "i");
  replace_all("oo", "u");
  replace_all("ou", "u");
  replace_all("ph", "f");
  replace_all("ck", "k");
  replace_all("w", "v");
  replace_all("y", "i");
  if (s.size() > 3 && s.back() == 'e') s.pop_back();
  std::string out;
  for (char c : s) {
    if (c == 'h' && !out.empty() && std::strchr("aeiou", out.back()) == nullptr) continue;
    if (!out.empty() && out.back() == c) continue;
    out.push_back(c);
  }
  return out;
}

// A name's shape as most romanisations agree on it: its consonants, with each run of vowels (and
// y and j, which scripts write as vowels or not) as one V, h dropped and kindred letters as one
// ("einstein", "ejnstejn", "aynshtayn": VnstVn; "nepoliyan" and "napoleon": nVpVlVn).
std::string NameShape(std::string_view name) {
  std::string s;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c < 'a' || c > 'z' || c == 'h') continue;
    if (std::strchr("aeiouyj", c) != nullptr) {
      if (s.empty() || s.back() != 'V') s.push_back('V');
      continue;
    }
    if (c == 'q' || c == 'c') c = 'k';
    if (c == 'z') c = 's';
    if (c == 'v' || c == 'w') c = 'f';
    if (c == 'p' && i + 1 < name.size() && name[i + 1] == 'h') c = 'f';
    if (!s.empty() && s.back() == c) continue;
    s.push_back(c);
  }
  return s;
}

// A name part's consonants alone, kindred letters as one: scripts that write no short vowels
// (Arabic), or an inherent vowel romanisation spells out ("bhatta" for "Bhatt"), agree on them.
std::string Consonants(std::string_view part) {
  std::string s;
  for (char c : NameShape(part)) {
    if (c != 'V' && (s.empty() || s.back() != c)) s.push_back(c);
  }
  return s;
}

size_t ConsonantCount(std::string_view shape) {
  return static_cast<size_t>(
      std::count_if(shape.begin(), shape.end(), [](char c) { return c != 'V'; }));
}

// "Napoleon III", "Louis XIV": a numbered ruler is named with the number, not by shape.
bool HasRegnalNumber(std::string_view name) {
  for (std::string_view n : {" ii", " iii", " iv", " vi", " vii", " viii", " ix", " xi", " xii",
                             " xiii", " xiv", " xv", " xvi"}) {
    const size_t at = name.find(n);
    if (at != std::string_view::npos &&
        (at + n.size() == name.size() || name[at + n.size()] == ' ')) {
      return true;
    }
  }
  return false;
}

}  // namespace

void Knowledge::IndexNamesInDisguise() {
  // Two-word names by their given name, exactly and as they sound, for FuzzyNamed. Only names
  // that need no capital: a name that is also an ordinary word ("Bush") is no name in lower
  // case, let alone misspelled.
  for (size_t i = 0; i < named_.size(); ++i) {
    const NamedPerson& p = named_[i];
    const size_t space = p.name.find(' ');
    if (!p.real || space == std::string::npos || p.name.find(' ', space + 1) != std::string::npos) {
      continue;
    }
    const LexEntry* e = Find(p.name);
    if (e == nullptr || e->named_needs_capital) continue;
    const int index = static_cast<int>(i);
    surnames_by_given_[p.name.substr(0, space)].emplace_back(index, p.name.substr(space + 1));
    sounds_by_given_[SoundKey(p.name.substr(0, space))].emplace_back(
        index, SoundKey(p.name.substr(space + 1)));
    givens_by_surname_sound_[SoundKey(p.name.substr(space + 1))].emplace_back(
        index, p.name.substr(0, space));
  }
  IndexConsonants();
}

void Knowledge::IndexConsonants() {
  constexpr size_t kMinConsonants = 4;  // shorter shapes are shared by too many names
  // One-word names and aliases ("einstein", "modi"); a shape two people share names neither.
  // Bare surnames of full names are not indexed: among 6,400 people they match loanwords.
  std::unordered_map<std::string, int> owner;
  const auto index = [&](const std::string& key, const std::string& name, int person) {
    if (ConsonantCount(key) < kMinConsonants) return;
    const auto [it, added] = owner.emplace(key, person);
    if (added) {
      names_by_consonants_[key] = name;
    } else if (it->second != person) {
      names_by_consonants_[key].clear();
    }
  };
  std::unordered_map<std::string, int> full_owner;
  for (const auto& [phrase, entry] : lexicon_) {
    if (entry.named < 0 || !named_[entry.named].real || entry.named_needs_capital) continue;
    const NamedPerson& p = named_[entry.named];
    if (HasRegnalNumber(p.name)) continue;
    // Full names by the consonants of their first and last words.
    if (const size_t space = phrase.find(' '); space != std::string::npos) {
      const std::string given = Consonants(std::string_view(phrase).substr(0, space));
      const std::string surname =
          Consonants(std::string_view(phrase).substr(phrase.rfind(' ') + 1));
      if (!given.empty() && surname.size() >= 2 && given.size() + surname.size() >= 3) {
        const std::string key = given + ' ' + surname;
        const auto [it, added] = full_owner.emplace(key, entry.named);
        if (added) {
          full_names_by_consonants_[key] = phrase;
        } else if (it->second != entry.named) {
          full_names_by_consonants_[key].clear();
        }
      }
    }
    // One-word names only ("einstein", "napoleon", "merkel"): a full name run together has
    // the shape of too many loanwords ("lee teng hui", "laiting": lighting).
    if (phrase.find(' ') != std::string::npos) continue;
    index(NameShape(phrase), phrase, entry.named);
    if (phrase.size() >= 6 && phrase[0] >= 'a' && phrase[0] <= 'z') {
      one_word_names_[static_cast<size_t>(phrase[0] - 'a')].push_back(phrase);
    }
  }
}

std::string Knowledge::OneWordNameWithSlip(std::string_view word) const {
  if (word.size() < 6 || word[0] < 'a' || word[0] > 'z') return "";
  std::string found;
  for (const std::string& name : one_word_names_[static_cast<size_t>(word[0] - 'a')]) {
    const size_t diff =
        name.size() > word.size() ? name.size() - word.size() : word.size() - name.size();
    if (diff > 1 || name == word || !text::OneEdit(name, word)) continue;
    if (!found.empty() && found != name) return "";  // two people: neither
    found = name;
  }
  return found;
}

std::string Knowledge::NameByConsonants(std::string_view romanized) const {
  if (romanized.size() < 5) return "";
  std::string key = NameShape(romanized);
  auto it = names_by_consonants_.find(key);
  // An ending a language adds ("Наполеона", of Napoleon) is a vowel more.
  if (it == names_by_consonants_.end() && !key.empty() && key.back() == 'V') {
    key.pop_back();
    it = names_by_consonants_.find(key);
  }
  return it == names_by_consonants_.end() ? "" : it->second;
}

std::string Knowledge::FullNameByConsonants(std::string_view given,
                                            std::string_view surname) const {
  const std::string key = Consonants(given) + ' ' + Consonants(surname);
  const auto it = full_names_by_consonants_.find(key);
  return it == full_names_by_consonants_.end() ? "" : it->second;
}

int Knowledge::FuzzyNamed(std::string_view given, std::string_view surname) const {
  if (surname.size() < 4) return -1;
  const auto it = surnames_by_given_.find(given);
  if (it == surnames_by_given_.end()) {
    if (const int slipped = GivenNameWithSlip(given, surname); slipped >= 0) return slipped;
    // Spelled as it sounds: both words must sound the same, and one person only.
    const auto sound = sounds_by_given_.find(SoundKey(given));
    if (sound == sounds_by_given_.end() || given.size() < 4) return -1;
    int found = -1;
    const std::string key = SoundKey(surname);
    for (const auto& [index, real] : sound->second) {
      if (real != key) continue;
      if (found >= 0 && found != index) return -1;
      found = index;
    }
    return found;
  }
  int found = -1;
  for (const auto& [index, real] : it->second) {
    // One slip in a surname of five letters or more, two in one of eight or more; the first
    // letter is kept (people misspell the middle of a name, not its start).
    const int limit = real.size() >= 8 ? 2 : real.size() >= 5 ? 1 : 0;
    if (limit == 0 || real[0] != surname[0]) continue;
    if (EditDistance(real, surname, limit) <= limit) {
      if (found >= 0 && found != index) return -1;  // two people fit: guess neither
      found = index;
    }
  }
  return found;
}

int Knowledge::GivenNameWithSlip(std::string_view given, std::string_view surname) const {
  // One slip in a given name of five letters or more, its first letter kept, and a surname that
  // sounds the same; one person only.
  if (given.size() < 5) return -1;
  const auto it = givens_by_surname_sound_.find(SoundKey(surname));
  if (it == givens_by_surname_sound_.end()) return -1;
  int found = -1;
  for (const auto& [index, real] : it->second) {
    if (real.size() < 5 || real[0] != given[0] || !text::OneEdit(real, given)) continue;
    if (found >= 0 && found != index) return -1;
    found = index;
  }
  return found;
}

}  // namespace depict::cast
