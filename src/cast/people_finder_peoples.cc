// The people finder on peoples used as nouns: "Vikings", "a Nigerian", "the Japanese", and a
// people's own word for a group of them ("Greek Klephts").
#include <algorithm>

#include "cast/people_finder_internal.h"

namespace depict::cast::finder {

// "Greek Klephts during the War of Independence", "Cuban mambises", "Qing bannermen": a
// nationality, people or dynasty, then a plural word that neither the tables nor English know,
// ending the noun phrase, is that people's own word for a group of them.
bool Finder::TryOwnGroupWord(size_t& i) {
  const Hit d = m_[i].demonym;
  if (known_word_ == nullptr) return false;
  // A dynasty or state by its bare name serves as well: "Qing bannermen".
  int polity = -1;
  size_t length = d.length;
  if (!d && m_[i].era && k_.eras()[m_[i].era.index].place >= 0) {
    polity = m_[i].era.index;  // "Qing", "Mughal": a listed dynasty or state
    length = m_[i].era.length;
  } else if (!d && t_[i].capitalized && t_[i].kind == text::TokenKind::kWord && !m_[i].noun &&
             !m_[i].noun_plural && !m_[i].place && !m_[i].named && !m_[i].modifier) {
    polity = k_.PolityEraOf(t_.norm(i));
    length = 1;
  }
  if ((!d && polity < 0) || (d && k_.demonyms()[d.index].kind == DemonymKind::kColor)) {
    return false;
  }
  const size_t j = i + length;
  if (!t_.IsWord(j) || t_[j].kind != text::TokenKind::kWord || t_[j].all_caps ||
      t_[j - 1].hyphen_after || t_[j].hyphen_after || t_[j].possessive) {
    return false;
  }
  const std::string_view w = t_.norm(j);
  const TokenMatches& m = m_[j];
  const bool plain = !m.noun && !m.noun_plural && !m.demonym && !m.demonym_plural && !m.place &&
                     !m.era && !m.institution && !m.named && !m.modifier && !m.not_person &&
                     !m.thing && !m.first_name;
  const bool plural_form = w.size() >= 5 && (w.back() == 's' || w.ends_with("men"));
  if (!plain || !plural_form || (*known_word_)(w) || !NextEndsPhrase(j + 1)) return false;
  Mention mention;
  mention.head_token = static_cast<uint32_t>(i);
  mention.plural = true;
  const int quantity = QuantityBefore(i);
  mention.members = quantity > 1 ? std::min(quantity, kMaxMembers) : kDefaultPluralMembers;
  if (d) {
    mention.demonym_head = d.index;
    mention.demonyms.push_back(d.index);
    mention.demonym_tokens.push_back(static_cast<uint32_t>(i));
  } else {
    mention.polity = polity;
    mention.polity_token = static_cast<uint32_t>(i);
    mention.polity_length = static_cast<uint32_t>(length);
    mention.polity_by_name = !m_[i].era;
  }
  // In a battle, war or rising, such a group fights for its people: cast as the actor role.
  for (size_t e = j + 1; e < t_.size() && e < j + 12 && k_.actor_noun() >= 0; ++e) {
    const NamedEra* era = m_[e].era ? &k_.eras()[m_[e].era.index] : nullptr;
    // A listed event is fighting by its kind, or by the last word of its name ("boer war").
    const bool listed =
        era != nullptr &&
        (era->fighting ||
         k_.EventWordOf(std::string_view(era->phrase).substr(era->phrase.rfind(' ') + 1)).fighting);
    if (k_.EventWordOf(t_.norm(e)).fighting || listed) {
      mention.modifier_nouns.push_back(k_.actor_noun());
      break;
    }
  }
  Finish(mention, i, j + 1);
  Attach(mention);
  AttachAfter(mention);
  out_.push_back(std::move(mention));
  i = j + 1;
  return true;
}

bool Finder::TryDemonymHead(size_t& i) {
  // "Vikings", "two Nigerians", "a Cossack on horseback": a demonym used as a noun.
  const Hit plural = m_[i].demonym_plural;
  const Hit singular = m_[i].demonym;
  const Demonym* d = nullptr;
  size_t end = i;
  bool is_plural = false;
  const bool plural_form = plural && (!singular || plural.length > singular.length ||
                                      k_.demonyms()[plural.index].word != t_.norm(i));
  if (plural && plural_form && !IsPersonNoun(i + plural.length) && !t_[i].hyphen_after) {
    d = &k_.demonyms()[plural.index];
    end = i + plural.length;
    is_plural = true;
  } else if (singular && i > taken_ && i > 0 && NextEndsPhrase(i + singular.length) &&
             !t_[i + singular.length - 1].hyphen_after) {
    const Demonym& cand = k_.demonyms()[singular.index];
    const std::string_view det = t_.norm(i - 1);
    if (cand.kind != DemonymKind::kColor && (det == "a" || det == "an" || det == "one")) {
      d = &cand;
      end = i + singular.length;
    } else if (cand.kind != DemonymKind::kColor && det == "the" && plural &&
               plural.index == singular.index) {
      d = &cand;  // "the Japanese": the people
      end = i + singular.length;
      is_plural = true;
    }
  }
  if (d == nullptr) return false;
  // "Kansas City": a longer place's name; "a Minnesota Vikings fan": a team's.
  if (m_[i].place && m_[i].place.length > end - i) return false;
  if (TeamName(i, end, is_plural)) {
    i = end;
    return true;
  }
  Mention mention;
  mention.demonym_head = static_cast<int>(d - k_.demonyms().data());
  mention.head_token = static_cast<uint32_t>(i);
  mention.plural = is_plural;
  if (is_plural) {
    const int quantity = QuantityBefore(i);
    mention.members = quantity > 1 ? std::min(quantity, kMaxMembers) : kDefaultPluralMembers;
  }
  mention.demonyms.push_back(mention.demonym_head);
  mention.demonym_tokens.push_back(static_cast<uint32_t>(i));
  Finish(mention, i, end);
  Attach(mention);
  AttachAfter(mention);
  out_.push_back(std::move(mention));
  i = end;
  return true;
}

}  // namespace depict::cast::finder
