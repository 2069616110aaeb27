#include "cast/matcher.h"

#include <string>

namespace depict::cast {
namespace {

void Keep(Hit& hit, int index, size_t length) {
  if (index >= 0) hit = Hit{index, static_cast<uint8_t>(length)};
}

// A title right before a word makes it a name even in lower case: "president macron",
// "senator cruz", though "macron" alone must be written "Macron".
bool AfterTitle(const Knowledge& k, const text::TokenList& tokens, size_t i) {
  if (i == 0 || !tokens.IsWord(i - 1)) return false;
  const LexEntry* e = k.Find(tokens.norm(i - 1));
  return e != nullptr && e->modifier >= 0 &&
         k.modifiers()[e->modifier].kind == ModifierKind::kTitle;
}

}  // namespace

int ThingLength(const TokenMatches& m) {
  if (!m.not_person) return 0;
  for (const Hit* h : {&m.noun, &m.noun_plural, &m.demonym, &m.demonym_plural, &m.place, &m.era,
                       &m.institution, &m.named}) {
    if (*h && h->length > m.not_person.length) return 0;
  }
  return m.not_person.length;
}

std::vector<TokenMatches> MatchPhrases(const Knowledge& k, const text::TokenList& tokens) {
  std::vector<TokenMatches> out(tokens.size());
  std::string key;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!tokens.IsWord(i)) continue;
    key.clear();
    for (size_t len = 1; len <= k.max_phrase_words() && i + len <= tokens.size(); ++len) {
      const size_t t = i + len - 1;
      if (!tokens.IsWord(t)) break;
      // A possessive ends a phrase: "Napoleon's army" cannot match "napoleon army".
      if (len > 1 && tokens[t - 1].possessive) break;
      if (len > 1) key.push_back(' ');
      key.append(tokens.norm(t));
      const LexEntry* e = k.Find(key);
      if (e == nullptr) break;
      TokenMatches& m = out[i];
      Keep(m.noun, e->noun, len);
      Keep(m.noun_plural, e->noun_plural, len);
      Keep(m.demonym, e->demonym, len);
      Keep(m.demonym_plural, e->demonym_plural, len);
      if (!e->place_needs_capitals || tokens[i].all_caps) Keep(m.place, e->place, len);
      Keep(m.era, e->era, len);
      Keep(m.institution, e->institution, len);
      if (e->named >= 0 &&
          (!e->named_needs_capital || tokens[i].capitalized || AfterTitle(k, tokens, i))) {
        Keep(m.named, e->named, len);
      }
      Keep(m.modifier, e->modifier, len);
      if (e->not_person) Keep(m.not_person, 0, len);
      if (len == 1) {
        m.first_name = e->first_name;
        m.surname = e->surname;
      }
      if (!e->continues) break;
    }
  }
  return out;
}

}  // namespace depict::cast
