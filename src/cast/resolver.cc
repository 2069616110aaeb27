#include "cast/resolver.h"

#include <algorithm>
#include <ctime>
#include <string>

#include "cast/setting.h"

namespace depict::cast {
namespace {

// Armies took women into combat roles in numbers only after the Second World War.
constexpr int kFightersUntil = 1950;

int CurrentYear() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return utc.tm_year + 1900;
}

std::string Quote(std::string_view prompt, const text::TokenList& t, uint32_t token, uint32_t n) {
  if (token >= t.size()) return "''";
  const uint32_t last = std::min<uint32_t>(token + std::max<uint32_t>(n, 1), t.size()) - 1;
  return "'" + std::string(prompt.substr(t[token].start, t[last].end - t[token].start)) + "'";
}

std::string ValuesText(Dim dim, ValueSet values) {
  std::string out;
  for (int v = 0; v < ValueCount(dim); ++v) {
    if (!Has(values, v)) continue;
    if (!out.empty()) out += ", ";
    out += ValueName(dim, v);
  }
  return out;
}

std::string EraText(Era era) {
  const auto year = [](int y) {
    if (y >= kNow) return std::string("now");
    return y < 0 ? std::to_string(-y) + " BC" : std::to_string(y);
  };
  return era.from == era.to ? year(era.from) : year(era.from) + "-" + year(era.to);
}

class Resolver {
 public:
  Resolver(const Knowledge& k, const text::TokenList& t, std::string_view prompt, const Scene& s)
      : k_(k), t_(t), prompt_(prompt), scene_(s) {}

  std::vector<Person> Run();

 private:
  // When the person is set: the prompt's own era, or what the possessor, role or people imply.
  Era EraOf(const Mention& m, std::string& why) const;
  // Where: the role's home, the prompt's place, or the possessor's.
  int PlaceOf(const Mention& m, std::string& why) const;
  // The first real named person with a known lifetime, or nullptr.
  const Mention* NamedInScene() const {
    for (const Mention& other : scene_.mentions) {
      if (other.named >= 0 && !other.style_only && k_.named()[other.named].real &&
          k_.named()[other.named].life.from != 0) {
        return &other;
      }
    }
    return nullptr;
  }
  // The head noun, then person nouns used as its modifiers ("samurai warrior", "haenyeo diver").
  std::vector<int> RoleNouns(const Mention& m) const {
    std::vector<int> nouns;
    if (m.noun >= 0) nouns.push_back(m.noun);
    nouns.insert(nouns.end(), m.modifier_nouns.begin(), m.modifier_nouns.end());
    return nouns;
  }
  bool Elite(const Mention& m) const { return m.noun >= 0 && k_.nouns()[m.noun].elite; }
  std::string PlaceName(int place, const std::string& words) const {
    return words.empty() ? k_.places()[place].id : "'" + words + "'";
  }

  void NamedEthnicity(const NamedPerson& n, Person& p) const;
  void AdultLife(const NamedPerson& n, Person& p) const;
  Decision Gender(const Mention& m) const;
  Decision Fighters(const Mention& m) const;
  Decision BodyGender(const Mention& m) const;
  Decision Age(const Mention& m) const;
  Decision Ethnicity(const Mention& m, const std::vector<int>& person_of,
                     const std::vector<Person>& people, int& copy_from) const;

  const Knowledge& k_;
  const text::TokenList& t_;
  std::string_view prompt_;
  const Scene& scene_;
};

Era Resolver::EraOf(const Mention& m, std::string& why) const {
  if (m.polity >= 0) {
    // "Tang soldiers": the dynasty's own time, unless the scene's date falls within it.
    const Era own = k_.eras()[m.polity].era;
    const Era scene = scene_.setting.era;
    if (!scene.known() || scene.to < own.from || scene.from > own.to) {
      why = Quote(prompt_, t_, m.polity_token, m.polity_length);
      return own;
    }
  }
  // An event known only by its form gives the past, undated: the possessor's, role's, named
  // person's or people's own time is more exact ("during the Reign of Zara Yaqob").
  const bool dated = scene_.setting.era.known() && !scene_.setting.undated_past;
  if (dated) {
    why = "'" + scene_.setting.era_words + "'";
    return scene_.setting.era;
  }
  if (m.possessed_by >= 0) {
    const Mention& owner = scene_.mentions[m.possessed_by];
    if (owner.named >= 0 && k_.named()[owner.named].life.from != 0) {
      why = Quote(prompt_, t_, owner.head_token, owner.end_token - owner.head_token);
      return k_.named()[owner.named].life;
    }
    if (owner.noun >= 0 && k_.nouns()[owner.noun].era.known()) {
      why = Quote(prompt_, t_, owner.head_token, owner.end_token - owner.head_token);
      return k_.nouns()[owner.noun].era;
    }
  }
  for (int noun : RoleNouns(m)) {
    if (k_.nouns()[noun].era.known()) {
      why = "'" + k_.nouns()[noun].singular + "'";
      return k_.nouns()[noun].era;
    }
  }
  // "Henry VIII and his wives": a named person sets the scene's time for the others.
  if (const Mention* named = NamedInScene(); named != nullptr) {
    why = Quote(prompt_, t_, named->head_token, named->end_token - named->head_token);
    return k_.named()[named->named].life;
  }
  for (size_t i = 0; i < m.demonyms.size(); ++i) {
    const Demonym& d = k_.demonyms()[m.demonyms[i]];
    if (d.era.known()) {
      why = Quote(prompt_, t_, m.demonym_tokens[i], 1);
      return d.era;
    }
  }
  if (scene_.setting.era.known()) {
    why = "'" + scene_.setting.era_words + "'";
    return scene_.setting.era;
  }
  why.clear();
  return {};
}

int Resolver::PlaceOf(const Mention& m, std::string& why) const {
  // A dynasty's people are its own; a period's home ("Victorian": gb, "medieval": Europe)
  // yields to a place the prompt names ("a medieval farmer in Japan").
  if (m.polity >= 0) {
    const int place = k_.eras()[m.polity].place;
    const bool country = k_.places()[place].id.size() == 2;
    if (m.polity_by_name || (country && !scene_.setting.place_named)) {
      why = Quote(prompt_, t_, m.polity_token, m.polity_length);
      return place;
    }
  }
  for (int noun : RoleNouns(m)) {
    if (k_.nouns()[noun].place >= 0) {
      why = "'" + k_.nouns()[noun].singular + "'";
      return k_.nouns()[noun].place;
    }
  }
  // Whose people they are says more than where they are: "Napoleon's soldiers in Egypt".
  if (m.possessed_by >= 0) {
    const Mention& owner = scene_.mentions[m.possessed_by];
    int place = -1;
    if (owner.named >= 0) place = k_.named()[owner.named].place;
    if (owner.noun >= 0) place = k_.nouns()[owner.noun].place;
    if (place >= 0) {
      why = Quote(prompt_, t_, owner.head_token, owner.end_token - owner.head_token);
      return place;
    }
  }
  if (scene_.setting.place >= 0) {
    why = "'" + scene_.setting.place_words + "'";
    return scene_.setting.place;
  }
  if (const Mention* named = NamedInScene();
      named != nullptr && k_.named()[named->named].place >= 0) {
    why = Quote(prompt_, t_, named->head_token, named->end_token - named->head_token);
    return k_.named()[named->named].place;
  }
  why.clear();
  return -1;
}

Decision Resolver::Gender(const Mention& m) const {
  Decision d;
  if (!m.gender.empty()) {
    const Evidence& e = m.gender.front();
    return {Source::kExplicit, e.values, Quote(prompt_, t_, e.token, e.length) + " in the prompt"};
  }
  for (const Evidence& e : m.noun_gender) {
    if (!e.from_role) {
      return {Source::kExplicit, e.values, "the word " + Quote(prompt_, t_, e.token, e.length)};
    }
  }
  for (int index : m.demonyms) {
    const Demonym& dem = k_.demonyms()[index];
    if (dem.gender >= 0) return {Source::kExplicit, Bit(dem.gender), "the word '" + dem.word + "'"};
  }
  if (const Decision body = BodyGender(m); body.source != Source::kOpen) return body;
  if (!m.pronoun_gender.empty()) {
    const Evidence& e = m.pronoun_gender.front();
    return {Source::kExplicit, e.values,
            Quote(prompt_, t_, e.token, e.length) + " refers to this person"};
  }
  for (const Evidence& e : m.noun_gender) {
    return {Source::kContext, e.values,
            "the role " + Quote(prompt_, t_, e.token, e.length) + " is held by " +
                std::string(e.values == Bit(kMan) ? "men" : "women")};
  }
  // The head's historical rule, else a modifying role's: "Viking raiders" are Vikings.
  const Noun* noun = nullptr;
  for (int r : RoleNouns(m)) {
    if (k_.nouns()[r].history_gender >= 0) {
      noun = &k_.nouns()[r];
      break;
    }
  }
  if (noun != nullptr) {
    std::string why;
    const Era era = EraOf(m, why);
    // An event known only by its form is past but undated: every historical rule applies.
    const bool undated =
        scene_.setting.undated_past && era.from == kUndatedPast.from && era.to == kUndatedPast.to;
    // "a Zulu warrior": a people's traditional role, with no date, is as it was.
    const bool traditional = !era.known() && noun->traditional && !scene_.setting.modern &&
                             std::any_of(m.demonyms.begin(), m.demonyms.end(), [&](int d) {
                               const DemonymKind kind = k_.demonyms()[d].kind;
                               return kind == DemonymKind::kPeople || kind == DemonymKind::kRegion;
                             });
    if (traditional) {
      return {Source::kContext, Bit(noun->history_gender),
              "a people's traditional '" + noun->singular + "' role, held by " +
                  (noun->history_gender == kMan ? "men" : "women")};
    }
    if (era.known() && (era.from < noun->history_until || undated)) {
      return {Source::kContext, Bit(noun->history_gender),
              (undated ? "in the past" : "in " + EraText(era)) + " (" + why + ") '" +
                  noun->singular + "' roles were held by " +
                  (noun->history_gender == kMan ? "men" : "women")};
    }
  }
  if (const Decision fighters = Fighters(m); fighters.source == Source::kContext) return fighters;
  d.values = AllValues(Dim::kGender);
  d.reason = "nothing in the prompt fixes it";
  return d;
}

// "the Women's Battalion", "a girls' choir": a body that a plural of stated gender owns is of
// that gender, and so are those "of" it ("soldiers of the Russian Women's Battalion of Death").
Decision Resolver::BodyGender(const Mention& m) const {
  const auto owned_by_gender = [&](const Mention& body) -> const Evidence* {
    if (body.possessed_by < 0 || body.noun < 0 || k_.nouns()[body.noun].group_size == 0) {
      return nullptr;
    }
    const Mention& owner = scene_.mentions[body.possessed_by];
    if (!owner.group()) return nullptr;
    for (const Evidence& e : owner.noun_gender) {
      if (!e.from_role) return &e;
    }
    return nullptr;
  };
  const Evidence* e = owned_by_gender(m);
  if (e == nullptr && m.group() && m.end_token < t_.size() && t_.norm(m.end_token) == "of") {
    for (const Mention& other : scene_.mentions) {
      if (&other == &m || other.possessor || other.head_token <= m.end_token ||
          other.head_token > m.end_token + 6) {
        continue;
      }
      e = owned_by_gender(other);
      if (e != nullptr) break;
    }
  }
  if (e == nullptr) return {};
  return {Source::kExplicit, e->values, "a body of " + Quote(prompt_, t_, e->token, e->length)};
}

// "Norwegian farmers during the Lofthus Uprising", "Cossacks at the Siege of Azov": people of
// no role with a rule of its own, in a battle, war or rising before women served in arms, are
// its fighters, who were men; so were the members of expeditions of exploration then. A population
// caught up in it (civilians, refugees, villagers, families) is not: their gender stays open.
Decision Resolver::Fighters(const Mention& m) const {
  const Setting& s = scene_.setting;
  if ((!s.fighting && !s.expedition) || s.modern || !s.era.known() ||
      s.era.from >= kFightersUntil) {
    return {};
  }
  for (int r : RoleNouns(m)) {
    const Noun& n = k_.nouns()[r];
    if (n.population || n.kin || n.family || n.history_gender >= 0 || n.gender.values != 0) {
      return {};
    }
  }
  if (m.noun >= 0 && k_.nouns()[m.noun].group_size > 0 && !m.plural) return {};  // "a crowd"
  return {Source::kContext, Bit(kMan),
          (s.fighting ? "in a battle, war or rising of " : "on an expedition of ") +
              EraText(s.era) + " ('" + s.era_words + "') those who " +
              (s.fighting ? "fought" : "went") + " were men"};
}

Decision Resolver::Age(const Mention& m) const {
  // Every word that states an age narrows it, unless it contradicts a word before it:
  // "old man" is elderly, "young boy" a child, "young woman" an adult.
  ValueSet ages = AllValues(Dim::kAge);
  std::string words;
  const auto narrow = [&](const Evidence& e) {
    if ((ages & e.values) == 0) return;
    ages &= e.values;
    words += (words.empty() ? "" : " and ") + Quote(prompt_, t_, e.token, e.length);
  };
  for (const Evidence& e : m.age) narrow(e);  // adjectives first: "old man" is elderly
  for (const Evidence& e : m.noun_age) {
    if (!e.from_role) narrow(e);
  }
  if (!words.empty()) return {Source::kExplicit, ages, words + " in the prompt"};
  for (const Evidence& e : m.noun_age) {
    return {Source::kContext, e.values, "the role " + Quote(prompt_, t_, e.token, e.length)};
  }
  return {Source::kOpen, AllValues(Dim::kAge), "nothing in the prompt fixes it"};
}

Decision Resolver::Ethnicity(const Mention& m, const std::vector<int>& person_of,
                             const std::vector<Person>& people, int& copy_from) const {
  std::string era_why;
  const Era era = EraOf(m, era_why);
  const bool elite = Elite(m);
  // Explicit: nationality, culture, ethnicity and colour words about this person. Words that
  // name an ethnicity ("Black", "Yoruba", "Asian") are taken as said; a nationality's
  // population only narrows them where it agrees: "a Black Roman centurion" is Black.
  ValueSet ethnic = AllValues(Dim::kEthnicity), national = AllValues(Dim::kEthnicity);
  bool has_ethnic = false, has_national = false;
  std::string words;
  const auto note = [&words](const std::string& quoted) {
    words += words.empty() ? quoted : " and " + quoted;
  };
  for (size_t i = 0; i < m.demonyms.size(); ++i) {
    const Demonym& d = k_.demonyms()[m.demonyms[i]];
    std::string quoted = Quote(prompt_, t_, m.demonym_tokens[i], 1);
    if (d.ethnicity != 0) {
      if (d.ethnicity == AllValues(Dim::kEthnicity)) continue;
      has_ethnic = true;
      ethnic &= d.ethnicity;
      note(quoted);
      continue;
    }
    const Era when = era.known() ? era : d.era.known() ? d.era : Era{2000, kNow};
    // A nationality names whose people they are: its holders of power where they were of it
    // ("a US senator in 1900": white), its people where a colonial power ruled it ("Kandyan
    // chiefs", "the Burmese court in 1885" were not British).
    ValueSet set = k_.Population(d.place, when, false);
    if (elite && (k_.Population(d.place, when, true) & set) != 0) {
      set &= k_.Population(d.place, when, true);
    }
    if (set == 0 || set == AllValues(Dim::kEthnicity)) continue;
    has_national = true;
    national &= set;
    note(quoted + " (" + k_.places()[d.place].id + ", " + EraText(when) + ")");
  }
  if (m.actor && m.origin_place >= 0) {
    // A polity or institution shown as its people: whoever it was then.
    const ValueSet set = k_.Population(m.origin_place, era.known() ? era : kUndatedPast, elite);
    if (set != 0 && set != AllValues(Dim::kEthnicity)) {
      return {Source::kContext, set,
              "'" + std::string(prompt_.substr(m.start, m.end - m.start)) + "' (" +
                  k_.places()[m.origin_place].id + ", " + EraText(era) +
                  ") shown as its people: " + ValuesText(Dim::kEthnicity, set)};
    }
  }
  if (m.origin_place >= 0 && !m.actor) {
    const ValueSet set = k_.Population(m.origin_place, era, elite);
    if (set != 0 && set != AllValues(Dim::kEthnicity)) {
      has_national = true;
      national &= set;
      note("'from " + std::string(t_.norm(m.origin_token)) + "'");
    }
  }
  if (has_ethnic || has_national) {
    ValueSet values = has_ethnic ? ethnic : national;
    if (has_ethnic && has_national && (ethnic & national) != 0) values = ethnic & national;
    if (values != 0) {
      return {Source::kExplicit, values,
              words + " in the prompt: " + ValuesText(Dim::kEthnicity, values)};
    }
  }
  // Context: kin, role, era and place.
  if (m.owner >= 0 && person_of[m.owner] >= 0) {
    const Person& owner = people[person_of[m.owner]];
    const Decision& od = owner.attributes[static_cast<int>(Dim::kEthnicity)];
    if (od.source == Source::kIdentity) {
      return {Source::kIdentity, 0, "family of " + owner.text + ", drawn as they are"};
    }
    copy_from = person_of[m.owner];
    if (od.source == Source::kOpen) {
      // Still open, but drawn together with the family: each image shows one family.
      return {Source::kOpen, od.values, "open, and the same as '" + owner.text + "' (family)"};
    }
    return {Source::kContext, od.values, "family of '" + owner.text + "': same ethnicity"};
  }
  for (int noun : RoleNouns(m)) {
    if (const ValueSet v = k_.nouns()[noun].ethnicity.values; v != 0) {
      return {Source::kContext, v,
              "the role '" + k_.nouns()[noun].singular + "': " + ValuesText(Dim::kEthnicity, v)};
    }
  }
  if (scene_.setting.members != 0) {
    return {Source::kContext, scene_.setting.members,
            "'" + scene_.setting.members_words +
                "': " + ValuesText(Dim::kEthnicity, scene_.setting.members)};
  }
  std::string place_why;
  const int place = PlaceOf(m, place_why);
  if (place >= 0) {
    const ValueSet set = k_.Population(place, era, elite);
    if (set != 0 && set != AllValues(Dim::kEthnicity)) {
      // "'samurai' (jp, 1185-1876)", "'Japan' (jp) in 1603-1868 ('Edo period')"
      std::string reason = place_why + " (" + k_.places()[place].id;
      if (era.known() && era_why == place_why) reason += ", " + EraText(era);
      reason += ")";
      if (era.known() && era_why != place_why) {
        reason += " in " + EraText(era) + " (" + era_why + ")";
      }
      reason +=
          elite ? ": holders of such roles there and then were " : ": people there and then were ";
      return {Source::kContext, set, reason + ValuesText(Dim::kEthnicity, set)};
    }
  }
  // An event the tables do not list, named after its sides: "soldiers during the First
  // Anglo-Burmese War" were British or Burmese.
  const Setting& setting = scene_.setting;
  if (place < 0 && (!setting.side_places.empty() || setting.side_peoples != 0)) {
    ValueSet set = setting.side_peoples;
    for (int side : setting.side_places) {
      const ValueSet people = k_.Population(side, era.known() ? era : kUndatedPast, elite);
      if (people != AllValues(Dim::kEthnicity)) set |= people;
    }
    if (set != 0 && set != AllValues(Dim::kEthnicity)) {
      return {Source::kContext, set,
              "the sides of the event ('" + setting.side_words +
                  "'): " + ValuesText(Dim::kEthnicity, set)};
    }
  }
  // The past at a place the tables do not know: depict cannot say who was there, and people of
  // every continent drawn in turn would be the very failure it exists to prevent ("Yellow
  // Turban rebels in 184 AD" cast as Latino and Pacific Islander). Nothing is added; the
  // prompt's own words decide.
  if (era.known() && era.to < kPastUntil) {
    return {Source::kContext, 0,
            "set in " + EraText(era) + (era_why.empty() ? "" : " (" + era_why + ")") +
                ", at a place the tables do not know: nothing is added"};
  }
  return {Source::kOpen, AllValues(Dim::kEthnicity), "nothing in the prompt fixes it"};
}

// A named person's ethnicity as people/named.tsv gives it. Failing that, a historical person
// (died before kPastUntil) of a place whose people the tables give as one group then ("Mansa Musa":
// Mali, 1280-1337, Black) is counted as that group; the prompt is not changed (they are drawn as
// themselves). Where the place was mixed, or for the living, nothing is said: a birthplace does not
// tell a living person's ethnicity.
void Resolver::NamedEthnicity(const NamedPerson& n, Person& p) const {
  if (n.ethnicity != 0) {  // the table says how the person is widely described
    Decision& d = p.attributes[static_cast<int>(Dim::kEthnicity)];
    d.values = n.ethnicity;
    d.reason = std::string(n.real ? "named person" : "a character") + " described as " +
               ValuesText(Dim::kEthnicity, n.ethnicity) + ": drawn as themselves";
    return;
  }
  if (!n.real || n.place < 0 || n.life.from == 0 || n.life.to == 0 || n.life.to >= kPastUntil) {
    return;
  }
  const ValueSet set = k_.Population(n.place, n.life, false);
  if (set == 0 || (set & (set - 1)) != 0) return;  // unknown, or more than one group
  Decision& d = p.attributes[static_cast<int>(Dim::kEthnicity)];
  d.values = set;
  d.reason = "named person of " + k_.places()[n.place].id + " in " + EraText(n.life) +
             ", where people then were " + ValuesText(Dim::kEthnicity, set) +
             ": drawn as themselves";
}

// The ages a real person is drawn at, from their years: their adult life, from 20 to their
// death or to today ("Einstein": adult or elderly; "Mansa Musa", who died at 57: adult).
// Nothing for people famous as children, or with no birth year.
void Resolver::AdultLife(const NamedPerson& n, Person& p) const {
  if (!n.real || n.minor || n.life.from == 0) return;
  const int end = n.life.to >= kNow ? CurrentYear() : n.life.to;
  const int oldest = end - n.life.from;
  if (oldest < 20 || oldest > 120) return;
  Decision& d = p.attributes[static_cast<int>(Dim::kAge)];
  d.values = Bit(kAdult) | (oldest >= 65 ? Bit(kElderly) : 0);
  d.reason = "a real person, " + std::to_string(n.life.from) + "-" +
             (n.life.to >= kNow ? std::string("") : std::to_string(n.life.to)) +
             ": drawn as themselves, as an adult";
}

std::vector<Person> Resolver::Run() {
  std::vector<Person> people;
  std::vector<int> person_of(scene_.mentions.size(), -1);
  for (size_t i = 0; i < scene_.mentions.size(); ++i) {
    const Mention& m = scene_.mentions[i];
    if (m.possessor || m.style_only) continue;
    Person p;
    p.start = m.start;
    p.end = m.end;
    p.insert_start = std::min(m.lead_start, m.start);
    p.text = std::string(prompt_.substr(m.start, m.end - m.start));
    p.head_start = t_[m.head_token].start;
    p.head_end = t_[m.end_token - 1].end;
    p.group = m.group();
    p.members = m.members;
    if (m.real_group) {
      p.named = true;
      for (Dim dim : kDims) {
        p.attributes[static_cast<int>(dim)] = {Source::kIdentity, 0,
                                               "a group of real people: drawn as themselves"};
      }
      // "the Three Wise Men": what the group's own noun says of them.
      if (m.noun >= 0 && k_.nouns()[m.noun].gender.values != 0) {
        p.attributes[static_cast<int>(Dim::kGender)].values = k_.nouns()[m.noun].gender.values;
      }
    } else if (m.named >= 0 || m.unknown_name) {
      p.named = true;
      const std::string why = m.named >= 0 ? "named person: drawn as themselves"
                                           : "a person's name: drawn as themselves";
      for (Dim dim : kDims) p.attributes[static_cast<int>(dim)] = {Source::kIdentity, 0, why};
      if (m.named >= 0 && k_.named()[m.named].gender >= 0) {
        p.attributes[static_cast<int>(Dim::kGender)].values = Bit(k_.named()[m.named].gender);
      }
      if (m.named >= 0) NamedEthnicity(k_.named()[m.named], p);
      if (m.named >= 0) AdultLife(k_.named()[m.named], p);
    } else {
      p.attributes[static_cast<int>(Dim::kGender)] = Gender(m);
      p.attributes[static_cast<int>(Dim::kAge)] = Age(m);
      int copy_from = -1;
      p.attributes[static_cast<int>(Dim::kEthnicity)] = Ethnicity(m, person_of, people, copy_from);
      p.ethnicity_from = copy_from;
      p.age_head = m.noun < 0 && m.demonym_head < 0;
      const int kin_noun = m.collective >= 0 ? m.collective : m.noun;
      p.shared_ethnicity = kin_noun >= 0 && k_.nouns()[kin_noun].kin;
      // "a family having dinner": two parents and their children, unless the prompt says
      // otherwise ("a family of elderly farmers"). Twins and couples are not generations.
      Decision& age = p.attributes[static_cast<int>(Dim::kAge)];
      p.parents_and_children = p.shared_ethnicity && p.members >= 3;
      if (p.parents_and_children && age.source == Source::kOpen) {
        age = {Source::kContext, static_cast<ValueSet>(Bit(kAdult) | Bit(kChild)),
               "'" + k_.nouns()[kin_noun].singular + "': two parents and their children"};
      }
      if (const LexEntry* e = k_.Find(t_.norm(m.head_token)); e != nullptr && e->modifier >= 0) {
        p.generic_head = k_.modifiers()[e->modifier].kind == ModifierKind::kGeneric &&
                         m.end_token == m.head_token + 1;
      }
    }
    person_of[i] = static_cast<int>(people.size());
    people.push_back(std::move(p));
  }
  return people;
}

}  // namespace

std::vector<Person> Resolve(const Knowledge& k, const text::TokenList& tokens,
                            std::string_view prompt, const Scene& scene) {
  return Resolver(k, tokens, prompt, scene).Run();
}

}  // namespace depict::cast
