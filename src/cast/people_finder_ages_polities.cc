// People named by an age ("a 9-year-old", "a cheerleader, 14,") and polities shown as their
// people ("the Qing Dynasty during the Battle of Jao Modo", "Tang soldiers").
#include <algorithm>

#include "cast/people_finder_internal.h"
#include "cast/setting.h"
#include "text/number_words.h"
#include "text/tsv.h"

namespace depict::cast::finder {
// "a 9-year-old playing chess": an age used as a noun is a person of that age.
// "a cheerleader, 14, on the bleachers": a number standing alone between commas right after a
// person is that person's age (tag lists write ages so).
int Finder::YearsAt(size_t i, size_t& length) const {
  length = 0;
  if (i >= t_.size()) return -1;
  if (t_[i].kind != text::TokenKind::kNumber) return text::ReadNumberWords(t_, i, length);
  int years = 0;
  if (!text::ParseInt(t_.norm(i), years) || years < 0 || years >= 130) return -1;
  length = 1;
  // "a 3 0 year old": single digits spaced apart are one number, as in "in her 2 0 s".
  if (t_.norm(i).size() == 1 && i + 1 < t_.size() && t_[i + 1].kind == text::TokenKind::kNumber &&
      t_.norm(i + 1).size() == 1 && t_[i + 1].start == t_[i].end + 1) {
    years = years * 10 + (t_.norm(i + 1)[0] - '0');
    length = 2;
  }
  return years;
}

// The tokens of an age's unit at `q`: "year old", "years old", "yr old", "yo" ("13yo"), "y/o",
// "y.o."; 0 when there is none. `plural` is set for "year olds" ("two fifteen-year-olds").
size_t Finder::AgeUnitAt(size_t q, bool* plural) const {
  if (plural != nullptr) *plural = false;
  if (q >= t_.size()) return 0;
  const std::string_view w = t_.norm(q);
  const auto norm_at = [&](size_t j) { return j < t_.size() ? t_.norm(j) : std::string_view(); };
  if (w == "year" || w == "years" || w == "yr" || w == "yrs") {
    if (norm_at(q + 1) == "old") return 2;
    if (norm_at(q + 1) == "olds") {
      if (plural != nullptr) *plural = true;
      return 2;
    }
    return 0;
  }
  if (w == "yo") return 1;
  if (w == "y" && (norm_at(q + 1) == "/" || norm_at(q + 1) == ".") && norm_at(q + 2) == "o") {
    return norm_at(q + 3) == "." ? 4 : 3;
  }
  return 0;
}

bool Finder::TryAgeTag(size_t& i) {
  // "a catgirl, canonically 14,", "an elf, age 16": a word that introduces the age may stand
  // between the comma and the number.
  const bool introduced = i >= 3 && (t_.norm(i - 1) == "canonically" || t_.norm(i - 1) == "age");
  const size_t comma = introduced ? i - 2 : i - 1;
  if (i < 2 || out_.empty() || t_.norm(comma) != ",") return false;
  size_t digits = 0;
  const int years = YearsAt(i, digits);
  if (digits == 0 ||
      (i + digits < t_.size() && t_.norm(i + digits) != "," && t_.norm(i + digits) != ")")) {
    return false;
  }
  Mention& person = out_.back();
  if (person.end_token != comma || person.possessor || person.style_only || person.named >= 0 ||
      person.unknown_name || person.group()) {
    return false;
  }
  if (years < 1 || years >= 100) return false;
  const int age = years < 13 ? kChild : years < 20 ? kTeen : years < 65 ? kAdult : kElderly;
  person.age.push_back({Bit(age), static_cast<uint32_t>(i), static_cast<uint32_t>(digits)});
  i += digits;
  return true;
}

bool Finder::TryAgeNoun(size_t& i) {
  size_t digits = 0;
  const int years = YearsAt(i, digits);
  if (digits == 0 || i + digits + 1 >= t_.size()) return false;
  const size_t unit_at = i + digits;
  bool plural = false;
  const size_t unit = AgeUnitAt(unit_at, &plural);
  if (unit == 0) return false;
  const size_t after = unit_at + unit;
  if (IsPersonNoun(after) || (after < t_.size() && m_[after].demonym)) return false;
  // "a 13 year old young girl": an adjective may stand before the person it describes.
  if (after + 1 < t_.size() && m_[after].modifier && IsPersonNoun(after + 1)) return false;
  const uint32_t length = static_cast<uint32_t>(digits + unit);
  const int age = years < 13 ? kChild : years < 20 ? kTeen : years < 65 ? kAdult : kElderly;
  // "a girl, 13 years old", "девочка 13 лет": the age of the person just named.
  if (!plural && !out_.empty() && !out_.back().possessor && !out_.back().style_only) {
    // ... or said of them: "the daughter is about six years old".
    static constexpr std::string_view kBetween[] = {
        ",",      "(",   "is", "was", "about", "around", "nearly", "roughly", "approximately",
        "almost", "just"};
    size_t gap = out_.back().end_token;
    while (gap < i && std::find(std::begin(kBetween), std::end(kBetween), t_.norm(gap)) !=
                          std::end(kBetween)) {
      ++gap;
    }
    if (gap == i && out_.back().named < 0 && !out_.back().unknown_name) {
      out_.back().age.push_back({Bit(age), static_cast<uint32_t>(i), length});
      i += length;
      return true;
    }
  }
  Mention mention;
  mention.head_token = static_cast<uint32_t>(i);
  mention.age.push_back({Bit(age), static_cast<uint32_t>(i), length});
  if (plural) {  // "two fifteen-year-olds"
    mention.plural = true;
    const int quantity = QuantityBefore(i);
    mention.members = quantity > 1 ? std::min(quantity, kMaxMembers) : kDefaultPluralMembers;
  }
  Finish(mention, i, i + length);
  AttachAfter(mention);
  out_.push_back(std::move(mention));
  i += length;
  return true;
}

// "the Qing Dynasty during the Battle of Jao Modo", "Safavid Empire during the Ottoman-Safavid
// War", "the British East India Company at Plassey": a prompt that opens with a polity or
// institution acting in an event, and shows nobody before the event, shows that polity's people,
// cast as its `actor` role (soldiers) of its place and era. People after it are part of the
// event ("the Mughal Empire during the reign of Aurangzeb"). Its words still set the scene.
void Finder::TryActor() {
  if (k_.actor_noun() < 0) return;
  size_t first = 0;
  if (first < t_.size() && t_.norm(first) == "the") ++first;
  if (first >= t_.size()) return;
  const TokenMatches& m = m_[first];
  size_t length = std::max({m.institution.length, m.place.length, m.era.length});
  // A polity by its form: the name words, then "dynasty", "empire", "sultanate"...
  // The marking word may be lowercase ("the Qajar dynasty") or lead ("the Kingdom of Kandy").
  for (size_t j = first; j < t_.size() && j < first + 4; ++j) {
    const EventForm form = k_.EventFormOf(t_.norm(j));
    if (j > first && (form == EventForm::kName || form == EventForm::kBoth)) {
      length = std::max(length, j + 1 - first);
    }
    if (j == first && (form == EventForm::kOf || form == EventForm::kBoth) && j + 2 < t_.size() &&
        t_.norm(j + 1) == "of" && IsCapitalizedWord(j + 2)) {
      length = 3;
      break;
    }
    if (!IsCapitalizedWord(j) && form == EventForm::kNone) break;
  }
  if (length == 0) return;
  const size_t end = first + length;
  // Acting in an event: "during", "against" or "at" follows; a bare name ("NASA", "the Roman
  // Empire") is a logo or a topic, not people.
  if (end >= t_.size()) return;
  const std::string_view next = t_.norm(end);
  if (next != "during" && next != "against" && next != "at") return;
  for (const Mention& other : out_) {
    if (other.first_token <= end && !other.possessor && !other.style_only) return;
  }
  const bool polity_form = k_.EventFormOf(t_.norm(end - 1)) != EventForm::kNone ||
                           k_.EventFormOf(t_.norm(first)) != EventForm::kNone;
  if (!m.era && !m.place && !m.institution && !polity_form) return;
  if (!m.era && !m.institution && !polity_form) {
    // A plain country acts only in a named event: "Japan during the Russo-Japanese War", not
    // "Japan during cherry blossom season".
    bool event = false;
    for (size_t j = end + 1; j < t_.size() && j < end + 8 && !event; ++j) {
      event = m_[j].era || k_.EventFormOf(t_.norm(j)) != EventForm::kNone;
    }
    if (!event) return;
  }
  Mention actor;
  actor.noun = k_.actor_noun();
  actor.actor = true;
  actor.plural = true;
  actor.members = kDefaultGroupMembers;
  actor.head_token = static_cast<uint32_t>(first);
  // The polity's own place, which beats places the event names ("at the gates of Vienna").
  if (m.place) {
    actor.origin_place = m.place.index;
  } else if (m.era) {
    actor.origin_place = k_.eras()[m.era.index].place;
  } else if (m.institution) {
    actor.origin_place = k_.institutions()[m.institution.index].place;
  }
  actor.origin_token = static_cast<uint32_t>(first);
  Finish(actor, first, end);
  out_.push_back(std::move(actor));
}

// "Tang soldiers", "Abbasid troops", "the Joseon court": a named era with a place, or a
// capitalised dynasty's or state's bare name, right before the head is whose people they are.
// Advances `p` past it.
bool Finder::AttachPolity(Mention& mention, size_t& p, size_t head) {
  const TokenMatches& m = m_[p];
  int era = -1;
  size_t length = 1;
  if (m.era && p + m.era.length <= head && k_.eras()[m.era.index].place >= 0) {
    era = m.era.index;
    length = m.era.length;
  } else if (t_[p].capitalized && t_[p].kind == text::TokenKind::kWord &&
             (!m.noun || k_.nouns()[m.noun.index].imported) && !m.noun_plural && !m.demonym &&
             !m.place && !m.named && !m.modifier) {
    // "Sikh soldiers": a WordNet adherent's word before a head is the polity named for them.
    era = k_.PolityEraOf(t_.norm(p));
  }
  if (era < 0 || mention.polity >= 0) return false;
  mention.polity = era;
  mention.polity_token = static_cast<uint32_t>(p);
  mention.polity_length = static_cast<uint32_t>(length);
  mention.polity_by_name = !m.era;
  p += length;
  return true;
}

// "British Engineers during the Chinese Railway Workers in Kenya", "Ethiopian Priests during the
// Reign of Zara Yaqob": capitalised words after "during the" name an event, and the people
// named in it (its namesakes and sides) set the scene without being shown.
void Finder::MarkEventNames() {
  for (size_t i = 0; i + 2 < t_.size(); ++i) {
    if (t_.norm(i) != "during" || t_.norm(i + 1) != "the") continue;
    // "during the 2022 Mahsa Amini Protests": a year may open the name.
    const size_t first = t_[i + 2].kind == text::TokenKind::kNumber ? i + 3 : i + 2;
    if (!IsCapitalizedWord(first)) continue;
    size_t end = first, capitals = 0;
    for (size_t j = first; j < t_.size(); ++j) {
      const std::string_view w = t_.norm(j);
      if (IsCapitalizedWord(j)) {
        ++capitals;
        end = j + 1;
        continue;
      }
      const bool joiner = t_[j].kind == text::TokenKind::kNumber || w == "of" || w == "the" ||
                          w == "and" || w == "in";
      if (!joiner) break;
    }
    if (capitals < 2) continue;
    for (Mention& m : out_) {
      if (m.head_token < first || m.head_token >= end || m.style_only) continue;
      // "the Battle of Blair Mountain": one name word inside a longer proper name is a place's
      // name, not the person's; it says nothing of the time either.
      const bool name_part =
          m.named >= 0 && m_[m.head_token].named.length == 1 && IsCapitalizedWord(m.head_token + 1);
      (name_part ? m.style_only : m.possessor) = true;
    }
  }
}

}  // namespace depict::cast::finder
