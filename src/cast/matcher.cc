#include "cast/matcher.h"

#include <algorithm>
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

// Digits typed for letters in names ("gr3ta thunb3rg", "m3gan f0x").
std::string Undigit(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    switch (c) {
      case '0':
        c = 'o';
        break;
      case '1':
        c = 'i';
        break;
      case '3':
        c = 'e';
        break;
      case '4':
        c = 'a';
        break;
      case '5':
        c = 's';
        break;
      case '7':
        c = 't';
        break;
      case '@':
        c = 'a';
        break;
      case '$':
        c = 's';
        break;
      default:
        break;
    }
  }
  return out;
}

// A real person's name in disguise: digits for letters, or one slip in the surname ("taylor
// swfit", "joe bidden"). Only two-word names, and only where the second word is no other
// word the tables know.
void MatchDisguisedName(const Knowledge& k, const text::TokenList& tokens, size_t i,
                        TokenMatches& m) {
  if (!tokens.IsWord(i)) return;
  // "B3yonc3", "Put1n": a one-word name with digits for letters.
  if (const std::string word = Undigit(tokens.norm(i));
      word != tokens.norm(i) &&
      std::any_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    if (const LexEntry* e = k.Find(word); e != nullptr && e->named >= 0 &&
                                          k.named()[e->named].real &&
                                          (!e->named_needs_capital || tokens[i].capitalized)) {
      Keep(m.named, e->named, 1);
      return;
    }
  }
  if (i + 1 >= tokens.size() || !tokens.IsWord(i + 1)) return;
  if (tokens[i].possessive) return;
  const std::string given = Undigit(tokens.norm(i)), surname = Undigit(tokens.norm(i + 1));
  if (given != tokens.norm(i) || surname != tokens.norm(i + 1)) {
    if (const LexEntry* e = k.Find(given + " " + surname);
        e != nullptr && e->named >= 0 && !e->named_needs_capital) {
      Keep(m.named, e->named, 2);
      return;
    }
  }
  // East Asian names put the family name first ("Aragaki Yui", "Kimura Takuya"): a
  // capitalised pair the tables know the other way round.
  if (tokens[i].capitalized && tokens[i + 1].capitalized) {
    if (const LexEntry* e = k.Find(surname + " " + given);
        e != nullptr && e->named >= 0 && k.named()[e->named].real) {
      Keep(m.named, e->named, 2);
      return;
    }
  }
  if (const LexEntry* e = k.Find(surname); e != nullptr && !e->surname && !e->first_name) return;
  Keep(m.named, k.FuzzyNamed(given, surname), 2);
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
      // A town's name after "the" names something else: "the Sagrada Familia", "the Alamo".
      // "The Shimabara Rebellion" is the town's, though: a word that names an event follows.
      const EventForm next_form =
          i + len < tokens.size() ? k.EventFormOf(tokens.norm(i + len)) : EventForm::kNone;
      const bool after_the = i > 0 && tokens.norm(i - 1) == "the" &&
                             next_form != EventForm::kName && next_form != EventForm::kBoth;
      if ((!e->place_needs_capitals || tokens[i].all_caps) &&
          (!e->place_needs_capital || (tokens[i].capitalized && !after_the))) {
        Keep(m.place, e->place, len);
      }
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
        m.thing = e->thing;
        m.thing_or_verb = e->thing_or_verb;
        m.body_part = e->body_part;
      }
      if (!e->continues) break;
    }
    if (!out[i].named) MatchDisguisedName(k, tokens, i, out[i]);
  }
  return out;
}

bool IsGovernmentWord(std::string_view word) {
  return word == "government" || word == "administration" || word == "regime" ||
         word == "cabinet" || word == "junta";
}

}  // namespace depict::cast
