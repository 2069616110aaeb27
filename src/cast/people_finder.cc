#include "cast/people_finder.h"

#include <algorithm>

#include "cast/people_finder_internal.h"
#include "cast/setting.h"
#include "text/tsv.h"

namespace depict::cast::finder {

void Finder::Finish(Mention& mention, size_t first, size_t end) {
  mention.first_token = static_cast<uint32_t>(first);
  mention.end_token = static_cast<uint32_t>(end);
  mention.start = t_[first].start;
  mention.lead_start = mention.start;
  mention.end = t_[end - 1].end;
  mention.possessor = t_[end - 1].possessive;
  // "a client's forearm", "the child's bare arms": a possessor of a body part is shown.
  if (mention.possessor) {
    const bool part =
        (end < t_.size() && m_[end].body_part) ||
        (end + 1 < t_.size() && t_.IsWord(end) && !IsPersonNoun(end) && m_[end + 1].body_part);
    if (part) mention.possessor = false;
  }
  // "a pharaoh's queen": the queen belongs to the pharaoh, who sets the scene.
  if (first > 0 && t_[first - 1].possessive && !out_.empty() && out_.back().end_token == first) {
    mention.possessed_by = static_cast<int>(out_.size() - 1);
  }
  attach_limit_ = taken_;
  taken_ = end;
}

int Finder::QuantityBefore(size_t head) const {
  for (size_t j = head; j-- > taken_ && head - j <= kMaxModifierTokens;) {
    if (t_.IsPunct(j)) break;
    if (ModifierIs(j, ModifierKind::kQuantity)) return ModifierAt(j)->value;
    if (t_[j].kind == text::TokenKind::kNumber) {
      if (NumberIsPartOfName(j)) return 0;
      int n = 0;
      const std::string_view s = t_.norm(j);
      for (char c : s) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + (c - '0');
        if (n > 1000) return 0;
      }
      return n;
    }
    if (EndsPhrase(j)) break;
  }
  return 0;
}

bool Finder::TryGroupOf(size_t& i) {
  // "a group of friends", "a crowd of people", "a team of doctors": one group.
  const bool group_word = ModifierIs(i, ModifierKind::kGroupWord);
  const bool collective =
      m_[i].noun && k_.nouns()[m_[i].noun.index].group_size > 0 && !m_[i].noun_plural;
  if (!group_word && !collective) return false;
  size_t j = i + (collective ? m_[i].noun.length : 1);
  if (j >= t_.size() || t_.norm(j) != "of" || t_[j - 1].possessive) return false;
  ++j;
  int quantity = 0;
  if (ModifierIs(j, ModifierKind::kQuantity)) quantity = ModifierAt(j++)->value;
  // Attached words may stand between "of" and the noun: "a group of elderly Japanese tourists".
  size_t head = j;
  while (head < t_.size() && head < j + 3 && !m_[head].noun_plural && !EndsPhrase(head)) ++head;
  if (head >= t_.size() || !m_[head].noun_plural) return false;
  const Hit noun = m_[head].noun_plural;
  Mention mention;
  mention.noun = noun.index;
  mention.head_token = static_cast<uint32_t>(head);
  mention.plural = true;
  mention.members = quantity > 0 ? quantity
                    : collective ? k_.nouns()[m_[i].noun.index].group_size
                                 : kDefaultGroupMembers;
  if (collective && k_.nouns()[m_[i].noun.index].kin)
    mention.members = std::max(mention.members, 2);
  mention.members = std::min(mention.members, kMaxMembers);
  const size_t start = i;
  Finish(mention, start, head + noun.length);
  Attach(mention);
  mention.first_token = static_cast<uint32_t>(start);
  mention.start = t_[start].start;
  if (collective) mention.collective = m_[i].noun.index;
  AttachAfter(mention);
  out_.push_back(std::move(mention));
  i = head + noun.length;
  return true;
}

// A capitalised person noun (tokens i..end) inside the capitalised name of something else,
// introduced by "the" or a number: the next word is capitalised and names no person.
// "the Dallas Cowboys", "a Minnesota Vikings fan", "a San Diego Padres game": a capitalised
// plural right after a capitalised place names a team, not people of that word (no cowboys, no
// Vikings): the words modify what follows, or stand for the team.
// Only where the name modifies a lowercase word after it: "Ghent Guildsmen during the Revolt",
// "New York Nurses during the Surge" are people of that place.
bool Finder::TeamName(size_t i, size_t end, bool plural) const {
  if (!plural || i == 0 || !t_[i].capitalized || !CaseIsMeaningful()) return false;
  if (end >= t_.size() || !t_.IsWord(end) || t_[end].kind != text::TokenKind::kWord ||
      t_[end].capitalized || (m_[end].modifier && !IsPersonNoun(end)) ||
      t_.norm(end).ends_with("ing") || t_.norm(end).ends_with("ed")) {
    return false;
  }
  for (size_t back = 1; back <= 3 && back <= i; ++back) {
    const size_t j = i - back;
    if (m_[j].place && j + m_[j].place.length == i && t_[j].capitalized) return true;
  }
  return false;
}

bool Finder::InsideProperName(size_t i, size_t end) const {
  if (!IsCapitalizedWord(i) || !IsCapitalizedWord(end) || t_[end - 1].possessive) return false;
  const TokenMatches& next = m_[end];
  if (IsPersonNoun(end) || next.demonym || next.demonym_plural || next.named || next.first_name ||
      next.surname) {
    return false;
  }
  for (size_t j = i; j-- > 0 && i - j <= 4;) {
    if (t_[j].kind == text::TokenKind::kNumber || t_.norm(j) == "the") return true;
    if (!IsCapitalizedWord(j)) return false;
  }
  return false;
}

namespace {

bool IsPlayVerb(std::string_view w) {
  return w == "play" || w == "plays" || w == "playing" || w == "played";
}

}  // namespace

bool Finder::RoleAfterAs(size_t i) const {
  size_t as = i;
  if (as > 0 && t_.IsWord(as - 1)) {
    const std::string_view article = t_.norm(as - 1);
    if (article == "a" || article == "an" || article == "the") --as;
  }
  // Something must come before "as" in the clause: "As a nurse, she ..." introduces her.
  // "such as doctors", "as well as a nurse" list people who are shown.
  return as >= 2 && t_.IsWord(as - 1) && t_.norm(as - 1) == "as" && t_.IsWord(as - 2) &&
         t_.norm(as - 2) != "such" && t_.norm(as - 2) != "well";
}

bool Finder::TryNoun(size_t& i) {
  const Hit singular = m_[i].noun;
  const Hit plural = m_[i].noun_plural;
  if (!singular && !plural) return false;
  const int quantity = QuantityBefore(i);
  // Prefer the longer phrase; where one word is both forms ("samurai"), a number decides.
  bool is_plural = plural.length > singular.length || (plural && !singular);
  if (singular && plural && singular.length == plural.length) is_plural = quantity > 1;
  const Hit hit = is_plural ? plural : singular;
  const size_t end = i + hit.length;
  const Noun& candidate = k_.nouns()[hit.index];
  if (candidate.needs_owner && !HasOwner(i, end, candidate.group_size > 0)) {
    i = end;  // "a circus tent", "the press": not people here
    return true;
  }
  if (InsideProperName(i, end)) {
    i = end;  // "the 332nd Fighter Group": the name of something else
    return true;
  }
  if (TeamName(i, end, is_plural)) {
    i = end;
    return true;
  }
  // "Kim Kardashian as a superhero", "a woman dressed as a pirate", "a cat as a knight": a role
  // after "as" is what someone before it plays or wears, not another person.
  if (RoleAfterAs(i)) {
    i = end;
    return true;
  }
  // "no people", "no humans" (a booru tag), "without people": nobody is shown.
  if (i > 0 && t_.IsWord(i - 1) && (t_.norm(i - 1) == "no" || t_.norm(i - 1) == "without")) {
    i = end;
    return true;
  }
  // A role right after "play" with no article is a game of pretend, not someone shown:
  // "children playing doctor", "kids play soldiers" ("playing a doctor" is an actor's role).
  if (i > 0 && t_.IsWord(i - 1) && IsPlayVerb(t_.norm(i - 1))) {
    i = end;
    return true;
  }
  // "paparazzi style", "a cowboy-style hat": a person word before "style" names a style.
  if (end < t_.size() && t_.IsWord(end) && (t_.norm(end) == "style" || t_.norm(end) == "styled")) {
    i = end;
    return true;
  }
  // A person noun right before another modifies it: "woman doctor", "child soldier".
  if (!t_[end - 1].possessive && !t_[end - 1].hyphen_after && IsPersonNoun(end)) {
    i = end;
    return true;
  }
  // So does a capitalised WordNet word before a capitalised name that ends in a person noun:
  // "Sikh Khalsa Soldiers", "Bolshevik Red Guards".
  if (candidate.imported && !is_plural && t_[i].capitalized && !t_[end - 1].possessive) {
    for (size_t next = end;
         next < end + 2 && next + 1 < t_.size() && IsCapitalizedWord(next) && !t_[next].possessive;
         ++next) {
      if (IsPersonNoun(next + 1) && IsCapitalizedWord(next + 1)) {
        i = end;
        return true;
      }
    }
  }
  // A person word right before a made thing names the thing's kind, not someone shown: "a
  // nurse uniform", "a doctor bag", "a queen bed". After a plural, a word that is also a verb
  // is as often the verb ("their parents watch"). Not in a reading glossed word by word.
  if (!reading_ && !t_[end - 1].possessive && !t_[end - 1].hyphen_after && end < t_.size() &&
      t_.IsWord(end) && m_[end].thing && !(is_plural && m_[end].thing_or_verb) &&
      !IsPersonNoun(end)) {
    i = end;
    return true;
  }
  // "a surrealist painting of a man", "a neo-expressionist portrait": a movement's word before
  // a noun is the work's style.
  // A work's word in -ing is often also a verb: "painting" is the work before "of" or at a
  // phrase's end ("a surrealist painting of a man"), the verb before its object.
  const auto work_word = [&](size_t w) {
    if (!m_[w].modifier) return true;
    return t_.norm(w).ends_with("ing") &&
           (w + 1 >= t_.size() || !t_.IsWord(w + 1) || t_.norm(w + 1) == "of");
  };
  if (candidate.movement && !is_plural && !t_[end - 1].possessive && end < t_.size() &&
      t_.IsWord(end) && t_[end].kind == text::TokenKind::kWord && !IsPersonNoun(end) &&
      work_word(end)) {
    i = end;
    return true;
  }
  if (!t_[end - 1].possessive && !t_[end - 1].hyphen_after && end < t_.size() &&
      (m_[end].demonym || ModifierIs(end, ModifierKind::kGender)) &&
      IsPersonNoun(end + std::max<size_t>(m_[end].demonym.length, 1))) {
    i = end;  // "woman Japanese doctor" is rare; still let the last noun be the head
    return true;
  }
  Mention mention;
  mention.noun = hit.index;
  mention.head_token = static_cast<uint32_t>(i);
  mention.plural = is_plural;
  const Noun& noun = k_.nouns()[hit.index];
  if (noun.group_size > 0 && !is_plural) {
    mention.members = std::min(noun.group_size, kMaxMembers);
  } else if (is_plural) {
    mention.members = quantity > 1 ? std::min(quantity, kMaxMembers) : kDefaultPluralMembers;
    if (noun.group_size > 0) mention.members = std::min(noun.group_size * 2, kMaxMembers);
  }
  // "1girl", "2boys": a booru count tag names characters by sex, not children; a tag list
  // says when they are young ("loli", "child"). The tag is one word: what is added goes before.
  const bool count_tag = i > 0 && t_[i - 1].kind == text::TokenKind::kNumber &&
                         t_[i - 1].end == t_[i].start && hit.length == 1 &&
                         text::IsCountTagNoun(t_.norm(i));
  Finish(mention, count_tag ? i - 1 : i, end);
  Attach(mention);
  AttachAfter(mention);
  if (count_tag) mention.age.push_back({Bit(kAdult), static_cast<uint32_t>(i - 1), 2});
  // "the Apollo 11 astronauts", "the Apollo 13 crew": the people of a mission or unit named
  // with a number are its real members.
  if (mention.group() && i >= 2 && t_[i - 1].kind == text::TokenKind::kNumber &&
      NumberIsPartOfName(i - 1)) {
    mention.real_group = true;
  }
  out_.push_back(std::move(mention));
  i = end;
  return true;
}

// Whose people they are: a nationality, place, era, institution, year, name or possessive in the
// words before the head ("Ottoman officials", "the 1940s German army", "Napoleon's army"), or
// "of" and a name or place after it ("the army of the Potomac", "officials of the Qing court").
bool Finder::HasOwner(size_t head, size_t end, bool group) const {
  // "outside the Swedish parliament", "at the United Nations": the object of a preposition is
  // a place or an institution there, not people shown.
  size_t j = head;
  bool owner = false;
  while (j > taken_ && head - j < 4) {
    --j;
    const TokenMatches& m = m_[j];
    const bool colour = m.demonym && k_.demonyms()[m.demonym.index].kind == DemonymKind::kColor;
    // A year dates people ("1916 rebels") but not a movement or genre ("90s hip hop").
    const bool year = t_[j].kind == text::TokenKind::kNumber && !group;
    if ((m.demonym && !colour) || m.demonym_plural || m.place || m.era || m.institution ||
        m.named || t_[j].possessive || year || IsCapitalizedWord(j)) {
      owner = true;
      continue;
    }
    if (EndsPhrase(j) || NextEndsPhrase(j)) break;
  }
  if (owner) {
    while (j > 0 && j < head && (t_.norm(j) == "the" || EndsPhrase(j)) && t_.norm(j) != ",") {
      if (ModifierIs(j, ModifierKind::kBoundary)) return false;  // a preposition
      if (t_.norm(j) != "the") break;
      --j;
    }
    return true;
  }
  if (end + 1 < t_.size() && t_.norm(end) == "of") {
    // "the staff of a hospital", "the crew of a Viking longship": a determined noun after "of"
    // says whose they are too.
    const std::string_view det = t_.norm(end + 1);
    const bool determined = det == "the" || det == "a" || det == "an";
    const size_t of = determined ? end + 2 : end + 1;
    return of < t_.size() && t_.IsWord(of) &&
           (determined || m_[of].place || m_[of].demonym || m_[of].era || m_[of].institution ||
            IsCapitalizedWord(of));
  }
  return false;
}

// Collects the words before the head that describe the person: "an old Korean man",
// "a Black female chemist", "a 1940s German soldier", "two teenage girls".
void Finder::Attach(Mention& mention) {
  const size_t head = mention.head_token;
  size_t start = head;
  while (start > attach_limit_ && head - start < kMaxModifierTokens) {
    const size_t j = start - 1;
    if (EndsPhrase(j)) break;
    if (t_[j].possessive) {
      // "Napoleon's loyal soldiers": the soldiers belong to the possessor before them.
      for (size_t o = 0; o < out_.size(); ++o) {
        if (out_[o].end_token == start && out_[o].possessor)
          mention.possessed_by = static_cast<int>(o);
      }
      break;
    }
    --start;
  }
  struct Item {
    size_t pos, len;
    bool color;
  };
  std::vector<Item> items;
  size_t first = mention.first_token;
  for (size_t p = start; p < head;) {
    const TokenMatches& m = m_[p];
    if (const int thing = ThingLength(m); thing > 0 && p + thing <= head) {
      p += thing;  // "a Roman Catholic priest": not a Roman
      continue;
    }
    // A longer era, place or institution phrase wins over a demonym inside it: "a Korean War
    // veteran" is not Korean, "a Vietnam War soldier" not Vietnamese.
    const size_t setting_length =
        std::max({m.era.length, m.place.length, m.institution.length, m.named.length});
    if (m.demonym && setting_length > m.demonym.length) {
      p = std::min(p + setting_length, head);
      continue;
    }
    if (AttachPolity(mention, p, head)) continue;
    // "a Minnesota Vikings fan", "Dallas Cowboys cheerleaders": a team's name says nothing of
    // the person.
    if (const Hit team = m.noun_plural ? m.noun_plural : m.demonym_plural;
        team && team.length <= head - p && TeamName(p, p + team.length, true)) {
      p += team.length;
      continue;
    }
    const Modifier* mod = ModifierAt(p);
    if (mod != nullptr && mod->kind == ModifierKind::kGender && m.modifier.length <= head - p) {
      mention.gender.push_back({Bit(mod->value), static_cast<uint32_t>(p), m.modifier.length});
      items.push_back({p, m.modifier.length, false});
      p += m.modifier.length;
      continue;
    }
    // "college-aged", "school-aged": "aged" after a hyphen says an age group, not old age.
    const bool hyphen_aged = p > 0 && t_[p - 1].hyphen_after && t_.norm(p) == "aged";
    if (mod != nullptr && mod->kind == ModifierKind::kAge && m.modifier.length <= head - p &&
        !hyphen_aged) {
      mention.age.push_back({mod->values, static_cast<uint32_t>(p), m.modifier.length});
      items.push_back({p, m.modifier.length, false});
      p += m.modifier.length;
      continue;
    }
    if (m.demonym && m.demonym.length <= head - p) {
      const Demonym& d = k_.demonyms()[m.demonym.index];
      mention.demonyms.push_back(m.demonym.index);
      mention.demonym_tokens.push_back(static_cast<uint32_t>(p));
      // "Viking raiders", "Samurai retainers": a people that is also a role lends its rules.
      if (const Hit role = m.noun ? m.noun : m.noun_plural;
          role && role.length == m.demonym.length) {
        mention.modifier_nouns.push_back(role.index);
      }
      items.push_back({p, m.demonym.length, d.kind == DemonymKind::kColor});
      p += m.demonym.length;
      continue;
    }
    const Hit noun = m.noun ? m.noun : m.noun_plural;
    if (noun && noun.length <= head - p) {
      const Noun& n = k_.nouns()[noun.index];
      mention.modifier_nouns.push_back(noun.index);
      if (n.gender.values) {
        mention.noun_gender.push_back(
            {n.gender.values, static_cast<uint32_t>(p), noun.length, n.gender.from_role});
      }
      if (n.age.values) {
        mention.noun_age.push_back(
            {n.age.values, static_cast<uint32_t>(p), noun.length, n.age.from_role});
      }
      items.push_back({p, noun.length, false});
      p += noun.length;
      continue;
    }
    // "12-year-old", "a twenty-two year old": a number, "year", "old".
    size_t digits = 0;
    if (const int years = YearsAt(p, digits); digits > 0) {
      const size_t q = p + digits;
      bool plural = false;
      const size_t unit = AgeUnitAt(q, &plural);
      if (unit > 0 && !plural && q + unit <= head) {
        const int age = years < 13 ? kChild : years < 20 ? kTeen : years < 65 ? kAdult : kElderly;
        const uint32_t length = static_cast<uint32_t>(digits + unit);
        mention.age.push_back({Bit(age), static_cast<uint32_t>(p), length});
        items.push_back({p, length, false});
        p += length;
        continue;
      }
    }
    ++p;
  }
  // A colour word counts only right before the head or another attached word, and never as
  // part of a compound: "a white-collar worker", "a black and white photo of a worker".
  for (size_t n = 0; n < items.size(); ++n) {
    if (!items[n].color) continue;
    size_t after = items[n].pos + items[n].len;
    // Words that set the time do not separate it: "a Black Victorian gentleman".
    while (after < head && !t_[after - 1].hyphen_after &&
           (t_[after].kind == text::TokenKind::kNumber || m_[after].era)) {
      after += m_[after].era ? m_[after].era.length : 1;
    }
    const bool next_attached = after == head || (n + 1 < items.size() && items[n + 1].pos == after);
    if (!next_attached || t_[after - 1].hyphen_after) {
      for (size_t d = 0; d < mention.demonym_tokens.size(); ++d) {
        if (mention.demonym_tokens[d] == items[n].pos) {
          mention.demonym_tokens.erase(mention.demonym_tokens.begin() + d);
          mention.demonyms.erase(mention.demonyms.begin() + d);
          break;
        }
      }
      items.erase(items.begin() + n);
      --n;
    }
  }
  for (const Item& item : items) first = std::min(first, item.pos);
  // Capitalised words right before the phrase name whose people these are, though no table
  // knows them: "Carlist soldiers", "Benedictine nuns", "Maji Maji fighters". They are part of
  // the phrase, and words added for casting go before them.
  while (first > attach_limit_ && first > 0 && head - first < kMaxModifierTokens + 2) {
    const size_t j = first - 1;
    if (!t_[j].capitalized || t_[j].kind != text::TokenKind::kWord || t_[j].possessive ||
        EndsPhrase(j) || m_[j].modifier || m_[j].thing || ThingLength(m_[j]) > 0 || m_[j].named ||
        m_[j].era || m_[j].institution || m_[j].place || IsPersonNoun(j) ||
        t_.norm(j).ends_with("ing")) {
      break;
    }
    first = j;
  }
  // The text runs from the first attached word to the end of the head.
  mention.first_token = static_cast<uint32_t>(first);
  mention.start = t_[first].start;
  // Words the rewriter adds go before a place or institution that leads the phrase, as English
  // orders them: "an Indigenous US senator", not "a US Indigenous senator".
  mention.lead_start = mention.start;
  for (size_t p = start; p < first; ++p) {
    if (m_[p].place || m_[p].institution) {
      mention.lead_start = t_[p].start;
      break;
    }
  }
  if (mention.noun >= 0 && mention.head_token == head) {
    const Noun& n = k_.nouns()[mention.noun];
    // "a 7th grader", "fifth graders": the school grade says the age.
    if (const int grade = head > 0 ? SchoolGradeAt(head - 1) : 0;
        grade > 0 && n.singular == "grader") {
      const ValueSet ages = grade <= 5   ? Bit(kChild)
                            : grade <= 8 ? (Bit(kChild) | Bit(kTeen))
                                         : Bit(kTeen);
      mention.age.push_back({ages, static_cast<uint32_t>(head - 1), 1});
      mention.first_token = std::min<uint32_t>(mention.first_token, head - 1);
      mention.start = t_[mention.first_token].start;
    }
    if (n.gender.values) {
      mention.noun_gender.push_back({n.gender.values, static_cast<uint32_t>(head),
                                     static_cast<uint32_t>(mention.end_token - head),
                                     n.gender.from_role});
    }
    if (n.age.values) {
      mention.noun_age.push_back({n.age.values, static_cast<uint32_t>(head),
                                  static_cast<uint32_t>(mention.end_token - head),
                                  n.age.from_role});
    }
  }
}

// The school grade a word names, 1-12 ("7th", "fifth", "twelfth"), or 0.
int Finder::SchoolGradeAt(size_t j) const {
  static constexpr std::string_view kWords[] = {"first", "second", "third",    "fourth",
                                                "fifth", "sixth",  "seventh",  "eighth",
                                                "ninth", "tenth",  "eleventh", "twelfth"};
  const std::string_view w = t_.norm(j);
  for (size_t g = 0; g < std::size(kWords); ++g) {
    if (w == kWords[g]) return static_cast<int>(g) + 1;
  }
  int n = 0;
  if (w.size() >= 3 &&
      (w.ends_with("st") || w.ends_with("nd") || w.ends_with("rd") || w.ends_with("th")) &&
      text::ParseInt(w.substr(0, w.size() - 2), n) && n >= 1 && n <= 12) {
    return n;
  }
  return 0;
}

// Words after the head: "a man from Nigeria", "a woman of Japanese descent", "a man in his 70s".
void Finder::AttachAfter(Mention& mention) {
  size_t p = mention.end_token;
  if (p + 1 >= t_.size() || mention.possessor) return;
  const std::string_view word = t_.norm(p);
  if (word == "from" &&
      (m_[p + 1].place || (p + 2 < t_.size() && t_.norm(p + 1) == "the" && m_[p + 2].place))) {
    const size_t at = m_[p + 1].place ? p + 1 : p + 2;
    mention.origin_place = k_.places().empty() ? -1 : m_[at].place.index;
    mention.origin_token = static_cast<uint32_t>(at);
    return;
  }
  if (word == "of" && m_[p + 1].demonym) {
    const size_t after = p + 1 + m_[p + 1].demonym.length;
    if (after < t_.size()) {
      const std::string_view what = t_.norm(after);
      if (what == "descent" || what == "origin" || what == "heritage" || what == "ancestry" ||
          what == "background" || what == "extraction") {
        mention.demonyms.push_back(m_[p + 1].demonym.index);
        mention.demonym_tokens.push_back(static_cast<uint32_t>(p + 1));
      }
    }
    return;
  }
  // "in her 70s", "in his seventies", "aged 80"
  size_t num = 0;
  if (word == "in" && p + 2 < t_.size() &&
      (ModifierIs(p + 1, ModifierKind::kPronoun) || t_.norm(p + 1) == "their")) {
    num = p + 2;  // "in her 70s", "in their twenties"
  }
  if (word == "aged" && t_[p + 1].kind == text::TokenKind::kNumber) num = p + 1;
  if (num == 0) return;
  // "in her 2 0 s": digits spaced apart are one number ("20s"), not an age of 2.
  std::string spaced;
  for (size_t q = num; q < t_.size() && t_[q].kind == text::TokenKind::kNumber && q < num + 4;
       ++q) {
    spaced += t_.norm(q);
    if (q + 1 < t_.size() && t_.norm(q + 1) == "s") spaced += 's';
  }
  std::string_view n = spaced.empty() ? t_.norm(num) : std::string_view(spaced);
  const int decade = DecadeWord(n);
  if (n.ends_with('s')) n.remove_suffix(1);
  int years = decade;
  if (years < 0 && !text::ParseInt(n, years)) return;
  if (years < 0 || years > 130) return;
  const int age = years < 13 ? kChild : years < 20 ? kTeen : years < 65 ? kAdult : kElderly;
  mention.age.push_back({Bit(age), static_cast<uint32_t>(num), 1});
}

// "a doctor holding her stethoscope": "her" makes the doctor a woman. "his son": the son
// belongs to the man before "his".
void Finder::ResolvePronouns() {
  for (size_t p = 0; p < t_.size(); ++p) {
    if (!ModifierIs(p, ModifierKind::kPronoun)) continue;
    const int gender = ModifierAt(p)->value;
    int referent = -1;
    for (int j = static_cast<int>(out_.size()) - 1; j >= 0; --j) {
      const Mention& cand = out_[j];
      if (cand.end_token > p || cand.possessor || cand.style_only || cand.group()) continue;
      bool compatible = true;
      for (const auto* list : {&cand.gender, &cand.noun_gender, &cand.pronoun_gender}) {
        for (const Evidence& e : *list) {
          if (!Has(e.values, gender)) compatible = false;
        }
      }
      if (cand.named >= 0 && k_.named()[cand.named].gender >= 0 &&
          k_.named()[cand.named].gender != gender) {
        compatible = false;
      }
      if (compatible) {
        referent = j;
        break;
      }
    }
    // A named person who opens the prompt is its subject, and "her"/"his" refer back to them:
    // "Taylor Swift signing autographs for a fan after her concert".
    for (size_t j = 0; j < out_.size(); ++j) {
      if (out_[j].possessor || out_[j].style_only) continue;
      if ((out_[j].named >= 0 || out_[j].unknown_name) && out_[j].end_token <= p &&
          static_cast<int>(j) != referent) {
        const int g = out_[j].named >= 0 ? k_.named()[out_[j].named].gender : -1;
        if (g == gender) referent = static_cast<int>(j);
      }
      break;
    }
    if (referent < 0) continue;
    Mention& ref = out_[referent];
    if (ref.named < 0 && !ref.unknown_name) {
      ref.pronoun_gender.push_back({Bit(gender), static_cast<uint32_t>(p), 1});
    }
    LinkKin(p, referent);
  }
  // "grandparents with their grandchildren": "their" gives no gender, but the kin word after it
  // belongs to the nearest people before it.
  for (size_t p = 0; p < t_.size(); ++p) {
    if (t_.norm(p) != "their") continue;
    for (int j = static_cast<int>(out_.size()) - 1; j >= 0; --j) {
      if (out_[j].end_token <= p && !out_[j].possessor && !out_[j].style_only) {
        LinkKin(p, j);
        break;
      }
    }
  }
}

// The kin word right after a possessive pronoun ("her two children") belongs to `owner`.
void Finder::LinkKin(size_t pronoun, int owner) {
  size_t q = pronoun + 1;
  while (q < t_.size() && q < pronoun + 3 &&
         (t_[q].kind == text::TokenKind::kNumber || ModifierIs(q, ModifierKind::kQuantity))) {
    ++q;
  }
  for (size_t j = 0; j < out_.size(); ++j) {
    Mention& m = out_[j];
    // Kin words, and children after a possessive ("her two children", "his baby").
    const bool kin =
        m.noun >= 0 && (k_.nouns()[m.noun].family || k_.nouns()[m.noun].age.values == Bit(kChild));
    if ((m.first_token == pronoun + 1 || m.first_token == q) && static_cast<int>(j) != owner &&
        kin) {
      m.owner = owner;
    }
  }
}

// "a Nigerian bride and groom", "elderly Korean men and women": a people's word or an age
// before the first of two nouns joined by "and" describes the second too, when the second
// stands bare (no article, no words of its own). Gender is never shared: a bride's is not the
// groom's.
void Finder::ShareAcrossAnd() {
  for (size_t o = 1; o < out_.size(); ++o) {
    const Mention& a = out_[o - 1];
    Mention& b = out_[o];
    if (a.named >= 0 || b.named >= 0 || a.unknown_name || b.unknown_name || a.possessor) continue;
    if (b.first_token != b.head_token || b.head_token != a.end_token + 1) continue;
    const std::string_view joiner = t_.norm(a.end_token);
    if (joiner != "and" && joiner != "&") continue;
    if (b.demonyms.empty() && !a.demonyms.empty() && a.demonym_head < 0) {
      b.demonyms = a.demonyms;
      b.demonym_tokens = a.demonym_tokens;
    }
    // An age is shared where the second noun says none, or only "grown up" ("women") and the
    // shared one is within it ("elderly"); never against it ("an old man and boy").
    const auto within = [&](const std::vector<Evidence>& own) {
      for (const Evidence& e : own) {
        for (const Evidence& shared : a.age) {
          if ((shared.values & e.values) != shared.values &&
              !(Has(e.values, kAdult) && (shared.values & ~(Bit(kAdult) | Bit(kElderly))) == 0)) {
            return false;
          }
        }
      }
      return true;
    };
    if (b.age.empty() && !a.age.empty() && within(b.noun_age)) b.age = a.age;
  }
}

// "a member of the House of Lords in 1800", "a Congress member": a word of belonging takes the
// rules of the role the body's members hold (context/institutions.tsv), so history fixes what
// it fixes for a legislator or a cardinal.
void Finder::InheritInstitutionRoles() {
  for (Mention& mention : out_) {
    if (mention.noun < 0 || !k_.nouns()[mention.noun].membership) continue;
    const size_t from = mention.first_token,
                 to = std::min(t_.size(), size_t{mention.end_token} + 8);
    for (size_t j = from; j < to; ++j) {
      if (t_.IsPunct(j)) break;
      if (!m_[j].institution) continue;
      const int role = k_.institutions()[m_[j].institution.index].role;
      if (role >= 0) mention.modifier_nouns.push_back(role);
      break;
    }
  }
}

std::vector<Mention> Finder::Run() {
  size_t i = 0;
  while (i < t_.size()) {
    if (t_.IsPunct(i)) {
      ++i;
      continue;
    }
    if (const int thing = ThingLength(m_[i]); thing > 0) {
      i += thing;
      continue;
    }
    // "the French and Indian War", "the Boxer Rebellion": a named period or event that starts
    // with a people's or a role's word is the setting, not people.
    if (const TokenMatches& m = m_[i];
        m.era.length >= 2 &&
        m.era.length > std::max({m.noun.length, m.noun_plural.length, m.demonym.length,
                                 m.demonym_plural.length, m.named.length})) {
      i += m.era.length;
      continue;
    }
    if (TryNamed(i) || TryGivenName(i) || TryTitledName(i) || TryUnknownName(i) ||
        TryLowercaseTitledName(i) || TryNumberedGroup(i)) {
      AbsorbTitle();
      continue;
    }
    if (TryGroupOf(i) || TryNoun(i) || TryOwnGroupWord(i) || TryDemonymHead(i) || TryAgeNoun(i) ||
        TryAgeTag(i)) {
      continue;
    }
    ++i;
  }
  MarkStyleReferences();
  MarkEventNames();
  ResolvePronouns();
  ShareAcrossAnd();
  InheritInstitutionRoles();
  TryActor();
  return std::move(out_);
}

}  // namespace depict::cast::finder

namespace depict::cast {

std::vector<Mention> FindPeople(const Knowledge& k, const text::TokenList& tokens,
                                const std::vector<TokenMatches>& matches,
                                const std::vector<std::pair<uint32_t, uint32_t>>& names,
                                const std::function<bool(std::string_view)>* known_word,
                                bool reading) {
  return finder::Finder(k, tokens, matches, names, known_word, reading).Run();
}

}  // namespace depict::cast
