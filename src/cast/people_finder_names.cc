// Names in prompts: known and unknown names, titles before them, and credits that name
// artists rather than people shown.
#include "cast/people_finder_internal.h"
#include "text/tsv.h"

namespace depict::cast::finder {

bool Finder::TryNamed(size_t& i) {
  const Hit hit = m_[i].named;
  if (!hit) return false;
  // A table name must not be the start of a longer person phrase ("Jordan" in "Jordan river").
  Mention mention;
  mention.named = hit.index;
  mention.head_token = static_cast<uint32_t>(i);
  // "Empress Wu Zetian": more of the same name may follow the part the table knows.
  size_t end = i + hit.length;
  if (CaseIsMeaningful() && !t_[end - 1].possessive) {
    for (size_t w = NameWordAt(end, true); w > 0 && end < i + hit.length + 3;
         w = NameWordAt(end, false)) {
      if (m_[end].named || m_[end].first_name) break;  // another person's name
      end += w;
    }
  }
  // A fictional character's name before a made thing names the thing's kind: "her Wonder
  // Woman costume", "a Batman mask". A real person's stays a person ("a Taylor Swift shirt"
  // is hers to object to).
  if (!k_.named()[hit.index].real && !t_[end - 1].possessive && end < t_.size() && t_.IsWord(end) &&
      m_[end].thing && !IsPersonNoun(end)) {
    i = end;
    return true;
  }
  // "Mugabe government officials": the ruler's name says whose government; the setting reads
  // it (ReadSetting), the officials are the people shown.
  if (k_.named()[hit.index].real && end < t_.size() && t_.IsWord(end) &&
      IsGovernmentWord(t_.norm(end))) {
    i = end;
    return true;
  }
  Finish(mention, i, end);
  out_.push_back(std::move(mention));
  i = end;
  return true;
}

// One more word of a name after a title: a capitalised word no table knows as anything but a
// name, an initial ("D."), a particle before such a word ("von", "de", "bin"), a regnal number
// ("IV"), "Jr", or the part after a hyphen ("Chung-hee"). Returns the tokens it takes, or 0.
size_t Finder::NameWordAt(size_t j, bool first) const {
  if (j >= t_.size() || t_[j].kind != text::TokenKind::kWord) return 0;
  if (!first && t_[j - 1].hyphen_after) return 1;
  const std::string_view n = t_.norm(j);
  const TokenMatches& m = m_[j];
  const bool known_word = IsPersonNoun(j) || m.place || m.demonym || m.demonym_plural || m.era ||
                          m.institution || m.not_person || (m.modifier && !m.first_name);
  if (t_[j].capitalized && !known_word && !EndsPhrase(j)) {
    // An initial: one letter and a full stop.
    if (n.size() == 1 && j + 1 < t_.size() && t_.norm(j + 1) == ".") return 2;
    return 1;
  }
  if (first) return 0;
  static constexpr std::string_view kParticles[] = {"von", "van", "de", "da",  "del", "der",
                                                    "den", "di",  "du", "bin", "ibn", "al",
                                                    "el",  "la",  "le", "dos", "das", "ben"};
  for (std::string_view p : kParticles) {
    if (n == p && j + 1 < t_.size() && t_[j + 1].capitalized) return 1;
  }
  return 0;
}

bool Finder::TryTitledName(size_t& i) {
  // "Queen Nzinga", "President Lincoln", "Pope Pius XII", "Mr. Bean", "Prime Minister John
  // Curtin", "President Franklin D. Roosevelt", "Chancellor Otto von Bismarck": a title before
  // a capitalised name (an abbreviation's full stop may stand between them).
  const Modifier* title = ModifierAt(i);
  if (title == nullptr || title->kind != ModifierKind::kTitle) return false;
  const size_t after = i + m_[i].modifier.length;
  const size_t name = after < t_.size() && t_.norm(after) == "." ? after + 1 : after;
  if (name >= t_.size() || m_[name].named) return false;
  // In a prompt written all in capitals or all capitalised, capitals say little: the first
  // word must then be a known given name or surname, or the prompt short ("Pharaoh Taharqa").
  if (!CaseIsMeaningful() && !m_[name].first_name && !m_[name].surname &&
      (t_[name].all_caps || t_.size() > 6)) {
    return false;
  }
  size_t end = name;
  for (size_t w = NameWordAt(end, true); w > 0 && end < name + 6; w = NameWordAt(end, false)) {
    end += w;
    if (t_[end - 1].possessive) break;
  }
  if (end == name) return false;
  AddUnknownName(i, end);
  return true;
}

// "senator margaret chase smith", "judge constance baker motley": without capitals, a known
// given name right after a title or a one-person role starts a name, which runs over given
// names and surnames (even those that are also nouns: "baker") for up to four words.
bool Finder::TryLowercaseTitledName(size_t& i) {
  if (i == 0 || !m_[i].first_name || (t_[i].capitalized && CaseIsMeaningful())) return false;
  bool after_title = false;
  for (size_t back = 1; back <= 2 && back <= i; ++back) {
    const Modifier* mod = ModifierAt(i - back);
    if (mod != nullptr && mod->kind == ModifierKind::kTitle && m_[i - back].modifier.length == back)
      after_title = true;
  }
  if (!out_.empty()) {
    // A role before a name is a title ("nurse jackie"); a word that says only a gender or an
    // age is not ("a old woman temple stair": the temple's stair).
    const Mention& role = out_.back();
    const auto says_only = [](const StatedValue& t) { return t.values != 0 && !t.from_role; };
    after_title |= role.end_token == i && role.noun >= 0 && !role.plural && role.members <= 1 &&
                   !role.possessor && !says_only(k_.nouns()[role.noun].gender) &&
                   !says_only(k_.nouns()[role.noun].age);
  }
  if (!after_title || t_[i].possessive) return false;
  size_t end = i + 1;
  while (end < t_.size() && end < i + 4 && t_.IsWord(end) && !t_[end - 1].possessive &&
         (m_[end].surname || m_[end].first_name) && !EndsPhrase(end)) {
    ++end;
  }
  if (end == i + 1) return false;
  AddUnknownName(i, end);
  return true;
}

// "the Three Tenors", "the Twelve Apostles": "the", a capitalised number word and a capitalised
// plural person noun name a group of real people. Before a common noun the name is a thing's
// ("the Seven Sisters chalk cliffs", "the Twelve Apostles rock formations"): nobody is shown.
bool Finder::TryNumberFirstGroup(size_t& i) {
  const Modifier* number = ModifierAt(i);
  if (number == nullptr || number->kind != ModifierKind::kQuantity || number->value < 2) {
    return false;
  }
  size_t end = i + m_[i].modifier.length;
  if (!IsCapitalizedWord(end)) return false;
  if (IsCapitalizedWord(end + 1) && !m_[end].noun_plural) ++end;  // "the Three Wise Men"
  const Hit plural = m_[end].noun_plural;
  if (!plural || !IsCapitalizedWord(end) || t_[end].possessive) return false;
  end += plural.length;
  if (IsCapitalizedWord(end)) return false;  // a longer name: "the Three Musketeers Inn"
  if (end < t_.size() && t_.IsWord(end) && t_[end].kind == text::TokenKind::kWord &&
      !m_[end].modifier && !IsPersonNoun(end) && !t_.norm(end).ends_with("ing")) {
    i = end;  // "the Seven Sisters chalk cliffs": a thing's name
    return true;
  }
  Mention mention;
  mention.real_group = true;
  mention.plural = true;
  mention.head_token = static_cast<uint32_t>(i);
  mention.members = std::clamp(number->value, 2, kMaxMembers);
  mention.noun = plural.index;
  Finish(mention, i, end);
  out_.push_back(std::move(mention));
  i = end;
  return true;
}

// "the Chicago Seven", "the Little Rock Nine", "the Gang of Four", "the Big Three": "the",
// capitalised words and a capitalised number word that ends the name: a group of real people.
bool Finder::TryNumberedGroup(size_t& i) {
  if (i == 0 || t_.norm(i - 1) != "the" || !IsCapitalizedWord(i) || !CaseIsMeaningful()) {
    return false;
  }
  if (TryNumberFirstGroup(i)) return true;
  for (size_t j = i; j < t_.size() && j < i + 5; ++j) {
    const bool number = t_[j].capitalized && ModifierIs(j, ModifierKind::kQuantity);
    if (number && j > i) {
      const size_t end = j + 1;
      if (IsCapitalizedWord(end) || IsPersonNoun(end) || t_[j].possessive) return false;
      Mention mention;
      mention.real_group = true;
      mention.plural = true;
      mention.head_token = static_cast<uint32_t>(i);
      mention.members = std::clamp(ModifierAt(j)->value, 2, kMaxMembers);
      Finish(mention, i, end);
      out_.push_back(std::move(mention));
      i = end;
      return true;
    }
    if (!IsCapitalizedWord(j) && !(j > i && t_.norm(j) == "of")) return false;
    const bool before_of = j + 1 < t_.size() && t_.norm(j + 1) == "of";  // "Gang of Four"
    if ((IsPersonNoun(j) && !before_of) || m_[j].named || t_[j].possessive) return false;
  }
  return false;
}

// A name no table knows, from token `i` to `end`: drawn as themselves. Moves `i` past it.
void Finder::AddUnknownName(size_t& i, size_t end) {
  Mention mention;
  mention.unknown_name = true;
  mention.head_token = static_cast<uint32_t>(i);
  Finish(mention, i, end);
  out_.push_back(std::move(mention));
  i = end;
}

// A name the language front end knows is one although no table does ("Kelalunsi Tuomasi",
// romanised from 克拉伦斯·托马斯): its words from the span's start to its end.
bool Finder::TryGivenName(size_t& i) {
  for (const auto& [start, end] : names_) {
    if (t_[i].start != start) continue;
    size_t last = i + 1;
    while (last < t_.size() && t_[last].end <= end) ++last;
    AddUnknownName(i, last);
    return true;
  }
  return false;
}

bool Finder::TryUnknownName(size_t& i) {
  // "Jessica Alvarez", "Daniel Okafor": a known given name and a capitalised word that no table
  // knows as anything else.
  if (!IsCapitalizedWord(i) || !IsCapitalizedWord(i + 1)) return false;
  if (t_[i].possessive || t_[i].hyphen_after || t_[i + 1].kind != text::TokenKind::kWord) {
    return false;
  }
  for (size_t j : {i, i + 1}) {
    // A given name or surname that WordNet also lists as a noun ("Sonny", "Rebel") is a name.
    const bool name_word = m_[j].first_name || m_[j].surname;
    const Hit noun = m_[j].noun ? m_[j].noun : m_[j].noun_plural;
    // A surname that is also a role ("Holly Hunter", "Karen Carpenter") is a name after a given
    // name, when singular.
    const bool surname_after_given_name =
        j == i + 1 && m_[j].surname && m_[j].noun && m_[i].first_name;
    const bool person_noun =
        noun && !(name_word && (k_.nouns()[noun.index].imported || surname_after_given_name));
    if (person_noun || m_[j].place || m_[j].demonym || m_[j].demonym_plural || m_[j].era ||
        m_[j].institution || m_[j].modifier || m_[j].not_person || m_[j].named) {
      return false;
    }
  }
  if (!m_[i].first_name) return false;
  // "Grand Theft Auto": a given name before an English word that is no surname
  // is two words of English, not a person.
  if (known_word_ != nullptr && !m_[i + 1].surname && (*known_word_)(t_.norm(i)) &&
      (*known_word_)(t_.norm(i + 1))) {
    return false;
  }
  size_t end = i + 2;
  if (IsCapitalizedWord(end) && m_[end].surname && !t_[end - 1].possessive && !IsPersonNoun(end)) {
    ++end;
  }
  // "the Terra Nova Expedition", "the Nat Turner Rebellion": a name before the word that makes
  // it an event's name is that event's, not someone shown.
  if (end < t_.size() && !t_[end - 1].possessive) {
    const EventForm form = k_.EventFormOf(t_.norm(end));
    if (form == EventForm::kName || form == EventForm::kBoth) return false;
  }
  AddUnknownName(i, end);
  return true;
}

// "Supreme Court Justice Clarence Thomas", "the painter Frida Kahlo", "former Secretary of State
// Hillary Clinton": a person noun phrase right before a name is that person's title or role, not
// a second person. The name's mention takes over the title's words.
void Finder::AbsorbTitle() {
  if (out_.size() < 2) return;
  Mention& name = out_.back();
  const Mention& title = out_[out_.size() - 2];
  // "Emperor Napoleon Bonaparte": two names of one person side by side are one mention.
  const bool same_person = title.named >= 0 && title.named == name.named && !title.possessor;
  const bool title_noun = title.noun >= 0 && !title.possessor && !title.plural &&
                          title.members <= 1 && title.named < 0 && !title.unknown_name;
  // Further titles and abbreviations' full stops may stand between: "Secretary of State Dr.
  // Condoleezza Rice", "laureate Prof. Wangari Maathai".
  size_t j = title.end_token;
  // "the 16th President of the United States, Abraham Lincoln": a definite role, its "of" phrase
  // of capitalised words and a comma before the name is the name's apposition.
  // Back over an ordinal or an adjective or two: "the 16th President", "the first President",
  // "the late former president".
  size_t before = title.first_token;
  for (int n = 0; n < 2 && before > 1 && t_.IsWord(before - 1) && t_.norm(before - 1) != "the" &&
                  !IsPersonNoun(before - 1) && !ModifierIs(before - 1, ModifierKind::kBoundary);
       ++n) {
    --before;
  }
  const bool definite = before > 0 && t_.norm(before - 1) == "the";
  if (definite && j < name.first_token && t_.norm(j) == "of") {
    size_t k = j + 1;
    while (k < name.first_token && k < j + 7 &&
           (IsCapitalizedWord(k) || t_.norm(k) == "the" || t_.norm(k) == "and")) {
      ++k;
    }
    if (k > j + 1 && k < name.first_token && t_.norm(k) == ",") j = k;
  }
  if (definite && j < name.first_token && t_.norm(j) == "," && j + 1 == name.first_token) ++j;
  while (j < name.first_token) {
    const Modifier* mod = ModifierAt(j);
    if (t_.norm(j) == ".") {
      ++j;
    } else if (mod != nullptr && mod->kind == ModifierKind::kTitle) {
      j += m_[j].modifier.length;
    } else {
      break;
    }
  }
  if (j != name.first_token || (!same_person && !title_noun)) return;
  name.first_token = title.first_token;
  name.start = title.start;
  out_.erase(out_.end() - 2);
}

// Names used for a style are not in the picture: "in the style of Rembrandt", "by Greg
// Rutkowski", "a Georgia O'Keeffe style painting", "Wes Anderson aesthetic".
void Finder::MarkStyleReferences() {
  for (Mention& m : out_) {
    if (m.named < 0 && !m.unknown_name) continue;
    const size_t before = m.first_token;
    // A style phrase of one to three words ends right before the name ("by", "style of",
    // "styled like a")...
    const auto is_kind = [&](const std::string& phrase, ModifierKind kind) {
      const LexEntry* e = k_.Find(phrase);
      return e != nullptr && e->modifier >= 0 && k_.modifiers()[e->modifier].kind == kind;
    };
    bool style = false;
    std::string phrase;
    for (size_t n = 1; n <= 3 && n <= before && !style; ++n) {
      phrase = n == 1 ? std::string(t_.norm(before - 1))
                      : std::string(t_.norm(before - n)) + " " + phrase;
      style = is_kind(phrase, ModifierKind::kStyleBefore);
    }
    // ...or a style word follows it, perhaps after a word or two that name the kind of art
    // ("Monet style", "Wes Anderson aesthetic", "andy warhol pop art style"): not a person, a
    // verb in -ing ("Obama giving speech cinematic style") or punctuation.
    for (size_t j = m.end_token; !style && j < t_.size() && j <= m.end_token + 2; ++j) {
      if (!t_.IsWord(j)) break;
      style = is_kind(std::string(t_.norm(j)), ModifierKind::kStyleAfter);
      if (m_[j].not_person) continue;  // "pop art": a thing, though "pop" may be a father
      // A preposition, article or verb ends the name's phrase ("Jolie in the style of"); a
      // longer word right before the style word names the art ("Rockwell illustration style").
      const bool art_word = j + 1 < t_.size() && t_.norm(j).size() >= 5 &&
                            is_kind(std::string(t_.norm(j + 1)), ModifierKind::kStyleAfter);
      if ((m_[j].modifier && !art_word) || IsPersonNoun(j) || m_[j].named ||
          (m_[j].first_name && t_[j].capitalized) || t_.norm(j).ends_with("ing")) {
        break;
      }
    }
    m.style_only = style;
  }
  MarkCredits();
}

// A name after "and" or a comma that continues a credit: "by X and Y", "art by x, y and z". The
// words back to the style word are the other credited names (up to three of two words each).
bool Finder::FollowsCredit(size_t first) const {
  if (first == 0 || !IsListSeparator(first - 1)) return false;
  for (size_t t = first - 1; t-- > 0 && first - t <= 9;) {
    if (StyleEndsAt(t)) return true;
    if (t_.IsPunct(t) && t_.norm(t) != ",") return false;
    if (ModifierAt(t) != nullptr && !IsListSeparator(t)) return false;
    // A person noun ends the credit, unless it is a name's word ("john", "smith").
    if (IsPersonNoun(t) && !m_[t].first_name && !m_[t].surname) return false;
  }
  return false;
}

// A style phrase ends at token `t`, whether it is one word ("by") or several ("style of",
// whose "of" is a preposition on its own).
bool Finder::StyleEndsAt(size_t t) const {
  for (size_t back = 0; back < 4 && back <= t; ++back) {
    const size_t first = t - back;
    const Modifier* mod = ModifierAt(first);
    if (mod != nullptr && m_[first].modifier.length == back + 1 &&
        mod->kind == ModifierKind::kStyleBefore) {
      return true;
    }
  }
  return false;
}

bool Finder::IsListSeparator(size_t i) const {
  const std::string_view n = t_.norm(i);
  return n == "," || n == "and" || n == "&" || n == ";";
}

// Credits that carry no style word of their own: "art by greg rutkowski and artgerm" (a list
// after a credited name), "a warrior princess, Frank Frazetta, Boris Vallejo" (names standing
// alone between commas after a subject who is not named), "like Michelangelo's
// David" (the maker of a named work).
void Finder::MarkCredits() {
  const auto is_name = [](const Mention& m) { return m.named >= 0 || m.unknown_name; };
  size_t first_comma = t_.size();
  for (size_t i = 0; i < t_.size(); ++i) {
    if (t_.norm(i) == ",") {
      first_comma = i;
      break;
    }
  }
  bool subject_is_named = false, someone_unnamed = false;
  for (const Mention& m : out_) {
    if (m.first_token < first_comma && is_name(m) && !m.style_only) subject_is_named = true;
    if (!is_name(m)) someone_unnamed = true;
  }
  for (size_t j = 0; j < out_.size(); ++j) {
    Mention& m = out_[j];
    if (!is_name(m) || m.style_only) continue;
    if (FollowsCredit(m.first_token)) m.style_only = true;
    const bool alone = m.first_token > first_comma && t_.norm(m.first_token - 1) == "," &&
                       (m.end_token >= t_.size() || t_.norm(m.end_token) == ",");
    // A name alone between commas credits the picture of someone else; with nobody else in the
    // prompt it is the subject ("photorealistic, 8k, gal gadot, bedroom").
    if (alone && someone_unnamed && !subject_is_named && !m.possessor) m.style_only = true;
    // "Michelangelo's David", "Botticelli's Venus": a capitalised work after the possessive.
    if (m.possessor && IsCapitalizedWord(m.end_token) && !IsPersonNoun(m.end_token)) {
      m.style_only = true;
    }
  }
}

}  // namespace depict::cast::finder
