#include "safety/gate.h"

namespace depict::safety {

std::optional<Refusal> Check(const Rules& rules, std::string_view prompt, const text::TokenList& t,
                             const Facts& facts) {
  // The first match of each list: byte span in the prompt.
  std::vector<std::pair<uint32_t, uint32_t>> first(rules.list_names().size(), {0, 0});
  std::vector<bool> matched(rules.list_names().size(), false);
  const auto mark = [&](int list, uint32_t start, uint32_t end) {
    if (!matched[list]) {
      matched[list] = true;
      first[list] = {start, end};
    }
  };
  std::string key;
  for (size_t i = 0; i < t.size(); ++i) {
    if (!t.IsWord(i)) continue;
    const std::string_view word = t.norm(i);
    for (const auto& [prefix, list] : rules.prefixes()) {
      if (word.starts_with(prefix)) mark(list, t[i].start, t[i].end);
    }
    key.clear();
    for (size_t len = 1; len <= rules.max_words() && i + len <= t.size(); ++len) {
      const size_t j = i + len - 1;
      if (!t.IsWord(j)) break;
      if (len > 1) key.push_back(' ');
      key.append(t.norm(j));
      const Rules::Entry* e = rules.Find(key);
      if (e == nullptr) break;
      for (const Rules::Term& term : e->terms) mark(term.list, t[i].start, t[j].end);
      if (!e->continues) break;
    }
  }
  const auto holds = [&](int id) {
    return id >= 0 ? static_cast<bool>(matched[id]) : !facts.words[-1 - id].empty();
  };
  for (const Rule& rule : rules.rules()) {
    bool fires = true;
    for (int id : rule.required) fires = fires && holds(id);
    for (int id : rule.excluded) fires = fires && !holds(id);
    if (!fires) continue;
    Refusal refusal;
    refusal.category = rule.category;
    refusal.message = rules.Message(rule.category);
    for (int id : rule.required) {
      if (id >= 0) {
        refusal.triggers.emplace_back(
            prompt.substr(first[id].first, first[id].second - first[id].first));
      } else {
        refusal.triggers.push_back(facts.words[-1 - id]);
      }
    }
    return refusal;
  }
  return std::nullopt;
}

}  // namespace depict::safety
