#include "lang/deinflect_ja.h"

#include <algorithm>

namespace depict::lang {
namespace {

struct Ending {
  std::string_view form;  // the conjugated ending
  std::string_view base;  // the dictionary-form ending it replaces
};

// Standard Japanese conjugation (godan, ichidan, suru, i-adjectives), as any grammar gives it.
// Each row undoes one step; chains ("された" = passive "される" + past "た") are undone one row
// at a time.
constexpr Ending kEndings[] = {
    // Progressive and resultative: ている / てる / ていた / てた (and で- after voiced stems).
    {"ている", "て"},
    {"ていた", "て"},
    {"てる", "て"},
    {"てた", "て"},
    {"ています", "て"},
    {"でいる", "で"},
    {"でいた", "で"},
    {"でる", "で"},
    {"でた", "で"},
    {"でいます", "で"},
    // Past (た/だ) and te-forms (て/で).
    {"した", "す"},
    {"して", "す"},
    {"いた", "く"},
    {"いて", "く"},
    {"いだ", "ぐ"},
    {"いで", "ぐ"},
    {"った", "う"},
    {"った", "つ"},
    {"った", "る"},
    {"って", "う"},
    {"って", "つ"},
    {"って", "る"},
    {"んだ", "む"},
    {"んだ", "ぶ"},
    {"んだ", "ぬ"},
    {"んで", "む"},
    {"んで", "ぶ"},
    {"んで", "ぬ"},
    {"た", "る"},
    {"て", "る"},
    // Passive (an ichidan verb in -れる, itself conjugated by the rows above).
    {"される", "す"},
    {"かれる", "く"},
    {"がれる", "ぐ"},
    {"たれる", "つ"},
    {"まれる", "む"},
    {"ばれる", "ぶ"},
    {"なれる", "ぬ"},
    {"われる", "う"},
    {"られる", "る"},
    // Causative.
    {"させる", "す"},
    {"させる", "る"},
    {"かせる", "く"},
    {"たせる", "つ"},
    {"ませる", "む"},
    {"らせる", "る"},
    {"わせる", "う"},
    // Negative.
    {"さない", "す"},
    {"かない", "く"},
    {"がない", "ぐ"},
    {"たない", "つ"},
    {"まない", "む"},
    {"ばない", "ぶ"},
    {"なない", "ぬ"},
    {"らない", "る"},
    {"わない", "う"},
    {"ない", "る"},
    // Polite.
    {"ました", "ます"},
    {"します", "す"},
    {"きます", "く"},
    {"ぎます", "ぐ"},
    {"ちます", "つ"},
    {"みます", "む"},
    {"びます", "ぶ"},
    {"ります", "る"},
    {"います", "う"},
    {"ます", "る"},
    // i-adjectives: past, te-form, negative, adverbial.
    {"かった", "い"},
    {"くて", "い"},
    {"くない", "い"},
    // Conjunctive stem used as a clause link ("叫び、"): i-row back to u-row.
    {"し", "す"},
    {"き", "く"},
    {"ぎ", "ぐ"},
    {"ち", "つ"},
    {"み", "む"},
    {"び", "ぶ"},
    {"り", "る"},
};

constexpr int kMaxSteps = 3;
// A stem must keep at least one character, so an ending alone is never a word.
constexpr size_t kMinStemBytes = 3;

}  // namespace

std::vector<std::string> JapaneseBaseForms(std::string_view word) {
  std::vector<std::string> found;
  std::vector<std::string> frontier{std::string(word)};
  for (int step = 0; step < kMaxSteps && !frontier.empty(); ++step) {
    std::vector<std::string> next;
    for (const std::string& w : frontier) {
      for (const Ending& e : kEndings) {
        if (w.size() < e.form.size() + kMinStemBytes || !w.ends_with(e.form)) continue;
        std::string base = w.substr(0, w.size() - e.form.size());
        base += e.base;
        if (base == word || std::find(found.begin(), found.end(), base) != found.end()) continue;
        found.push_back(base);
        next.push_back(std::move(base));
      }
    }
    frontier = std::move(next);
  }
  return found;
}

}  // namespace depict::lang
