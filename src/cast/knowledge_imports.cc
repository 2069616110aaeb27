// The knowledge tables imported from public datasets by scripts under tools/: English nouns for
// people and groups (people/wordnet_people.tsv) and named historical events
// (context/events.tsv), both from WordNet 3.0. The hand tables are read first and win: an
// imported row never changes a word they already define.
#include <string>

#include "cast/knowledge.h"
#include "cast/setting.h"
#include "cast/table_cells.h"
#include "text/tsv.h"

namespace depict::cast {
namespace {

// Members a WordNet group noun ("council", "army") is drawn with, as the hand table's groups.
constexpr int kImportedGroupSize = 4;

bool HasFlag(std::string_view flags, std::string_view flag) {
  for (std::string_view f : text::Split(flags, ',')) {
    if (f == flag) return true;
  }
  return false;
}

}  // namespace

// A word another table already gives a meaning (a noun, a people, a place, a title, a thing).
// Given names and surnames are not: the census lists hold "Rebel" and "Nobles" too; the people
// finder reads "Sonny Liston" as a name all the same (Noun::imported).
bool Knowledge::Taken(const LexEntry* e) {
  return e != nullptr && (e->noun >= 0 || e->noun_plural >= 0 || e->demonym >= 0 ||
                          e->demonym_plural >= 0 || e->place >= 0 || e->modifier >= 0 ||
                          e->named >= 0 || e->era >= 0 || e->institution >= 0 || e->not_person);
}

// A WordNet noun takes the historical rule and rank of the nearest word in `like` (its
// hypernyms, or a group's members: "paratrooper" -> soldier, "army" -> soldier) that the hand
// table defines: the hand table holds the rules, the dataset says which words they reach.
void Knowledge::InheritRole(std::string_view like, size_t hand_nouns, Noun& n) const {
  if (like == "-") return;
  for (std::string_view word : text::Split(like, ',')) {
    const LexEntry* e = Find(word);
    if (e == nullptr || e->noun < 0 || static_cast<size_t>(e->noun) >= hand_nouns) continue;
    const Noun& role = nouns_[e->noun];
    if (role.population) {  // an "evacuee" is one of the population, whatever else it is
      n.population = true;
      return;
    }
    if (role.history_gender < 0 && !role.elite && !role.gender.from_role) continue;
    n.history_gender = role.history_gender;
    n.history_until = role.history_until;
    n.elite = role.elite;
    // A role that was always one gender ("monk") is history for its kinds ("abbot").
    if (n.gender.values == 0 && role.gender.from_role) n.gender = role.gender;
    return;
  }
}

// An English compound noun is a kind of its last word: a "government official" is an official,
// so a compound row that states no history or role age of its own takes its head's
// ("official": man<1950, role:adult), and is one of a population when its head is. "X of Y"
// compounds ("chief of staff") are headed by X and keep their own row.
void Knowledge::InheritCompoundHeads() {
  for (Noun& n : nouns_) {
    const size_t space = n.singular.rfind(' ');
    if (space == std::string::npos || n.singular.find(" of ") != std::string::npos) continue;
    const LexEntry* e = Find(std::string_view(n.singular).substr(space + 1));
    if (e == nullptr || e->noun < 0) continue;
    const Noun& head = nouns_[e->noun];
    if (n.history_gender < 0 && n.gender.values == 0 && head.history_gender >= 0) {
      n.history_gender = head.history_gender;
      n.history_until = head.history_until;
    }
    if (n.age.values == 0 && head.age.from_role) n.age = head.age;
    if (head.population) n.population = true;  // "factory workers" are workers
  }
}

// Made things (people/things.tsv, from WordNet): a word another table gives a meaning keeps it.
void Knowledge::LoadThings(const TableFiles& files) {
  const std::string file = "people/things.tsv";
  const auto it = files.find(file);
  if (it == files.end()) return;  // an optional import
  for (const auto& row : text::ReadTsv(file, it->second, 3)) {
    const bool verb = row.cells[2] == "v";
    for (std::string_view word : {row.cells[0], row.cells[1]}) {
      if (Taken(Find(word))) continue;
      const LexEntry* e = Find(word);
      if (e != nullptr && (e->first_name || e->surname)) continue;
      LexEntry& entry = Add(file, row.line, word);
      entry.thing = true;
      entry.thing_or_verb = verb;
    }
  }
}

// Columns: singular, plural (`=` the same). A body part is marked on any entry, whatever else
// the word is ("back", "arm"): only a possessor right before it reads the mark.
void Knowledge::LoadBodyParts(const TableFiles& files) {
  const std::string file = "people/body_parts.tsv";
  const auto it = files.find(file);
  if (it == files.end()) return;  // an optional import
  for (const auto& row : text::ReadTsv(file, it->second, 2)) {
    Add(file, row.line, row.cells[0]).body_part = true;
    if (row.cells[1] != "=") Add(file, row.line, row.cells[1]).body_part = true;
  }
}

// Columns: singular, plural (`=` same, `-` none), gender, kind (person|group), synset, flags
// (primary: the word's most frequent noun sense is a person or group; all: every noun sense is;
// adj: as often an adjective; offensive: a slur; movement: an artist named for a movement;
// proper: written capitalised, as adherents and members are). Nouns whose every sense is a
// person count as people anywhere; the others only with an owner (Noun::needs_owner), and
// secondary senses only in the plural ("Taiping rebels"); adjectives and slurs are left out.
void Knowledge::LoadWordNetPeople(const TableFiles& files) {
  const std::string file = "people/wordnet_people.tsv";
  const auto it = files.find(file);
  if (it == files.end()) return;  // an optional import
  const size_t hand_nouns = nouns_.size();
  for (const auto& row : text::ReadTsv(file, it->second, 6, 7)) {
    const std::string_view singular = row.cells[0], plural = row.cells[1], flags = row.cells[5];
    if (HasFlag(flags, "offensive")) continue;
    // "the rich", "a noble cause": an adjective's noun counts only in a distinct plural
    // ("Kongo nobles"), with an owner.
    const bool adjective = HasFlag(flags, "adj");
    if (adjective && (plural == "-" || plural == "=")) continue;
    // Words that name events and polities ("dynasty", "empire") set the scene instead.
    if (EventFormOf(singular) != EventForm::kNone) continue;
    const bool primary = HasFlag(flags, "primary") && !adjective, all = HasFlag(flags, "all");
    // "Christians", "Catholics": an adherents' name has a plural that is only ever the noun.
    const bool proper_plural = adjective && HasFlag(flags, "proper") && HasFlag(flags, "all");
    if (Taken(Find(singular)) || (plural != "-" && plural != "=" && Taken(Find(plural)))) {
      continue;
    }
    // "old man", "white woman", "bomber crew": a phrase whose last word the tables already
    // know is read word by word, so its modifiers keep their meaning.
    if (const size_t space = singular.rfind(' '); space != std::string_view::npos) {
      const LexEntry* head = Find(singular.substr(space + 1));
      if (head != nullptr && (head->noun >= 0 || head->noun_plural >= 0)) continue;
    }
    Noun n;
    n.singular = std::string(singular);
    n.gender.values = row.cells[2] == "-" ? 0 : Bit(ParseGender(file, row.line, row.cells[2]));
    if (row.cells[3] == "group") {
      n.group_size = kImportedGroupSize;
    } else if (row.cells[3] != "person") {
      text::FailAt(file, row.line, "kind must be person or group");
    }
    n.needs_owner = !(primary && all) && !proper_plural;
    n.imported = true;
    if (row.cells.size() > 6) InheritRole(row.cells[6], hand_nouns, n);
    n.movement = HasFlag(flags, "movement");  // "surrealist": its word also names a style
    const int index = static_cast<int>(nouns_.size());
    if (primary) Add(file, row.line, singular).noun = index;
    if (plural == "=") {
      Add(file, row.line, singular).noun_plural = index;
    } else if (plural != "-") {
      Add(file, row.line, plural).noun_plural = index;
    }
    nouns_.push_back(std::move(n));
  }
}

// Columns: phrase, kind, era (FROM..TO or `-` when WordNet gives no date), place, synset.
void Knowledge::LoadEvents(const TableFiles& files) {
  const std::string file = "context/events.tsv";
  const auto it = files.find(file);
  if (it == files.end()) return;  // an optional import
  for (const auto& row : text::ReadTsv(file, it->second, 5)) {
    if (Taken(Find(row.cells[0]))) continue;  // context/eras.tsv's dates and places win
    NamedEra era{std::string(row.cells[0]), ParseEra(file, row.line, row.cells[2]),
                 InternPlace(file, row.line, row.cells[3])};
    if (!era.era.known()) {
      era.era = kUndatedPast;
      era.undated = true;
    }
    const std::string_view kind = row.cells[1];
    era.fighting = kind == "battle" || kind == "war" || kind == "siege" || kind == "invasion" ||
                   kind == "rebellion" || kind == "revolution";
    LexEntry& e = Add(file, row.line, era.phrase);
    e.era = static_cast<int>(eras_.size());
    eras_.push_back(std::move(era));
  }
}

// "tang dynasty" -> "tang": a one-word name before a word that marks a polity, for eras with a
// place. The first listed era wins (context/eras.tsv before the WordNet import).
void Knowledge::IndexPolityNames() {
  for (size_t i = 0; i < eras_.size(); ++i) {
    const NamedEra& era = eras_[i];
    const size_t space = era.phrase.find(' ');
    if (era.place < 0 || space == std::string::npos ||
        era.phrase.find(' ', space + 1) != std::string::npos) {
      continue;
    }
    const std::string_view name = std::string_view(era.phrase).substr(0, space);
    const std::string_view marker = std::string_view(era.phrase).substr(space + 1);
    const EventForm form = EventFormOf(marker);
    if (form != EventForm::kName && form != EventForm::kBoth) continue;
    // "han": a word with a meaning of its own. A WordNet adherent's word is the polity's too:
    // "Sikh" names the Sikhs and, before a noun, the Sikh Empire's people.
    const LexEntry* taken = Find(name);
    const bool adherent = taken != nullptr && taken->noun >= 0 && nouns_[taken->noun].imported;
    if (Taken(taken) && !adherent) continue;
    polity_eras_.emplace(std::string(name), static_cast<int>(i));
  }
}

// Columns: name, place id, kind. Every name counts only when written with a capital. Names
// another table gives a meaning, given names among them, and countries no population row covers
// are skipped.
void Knowledge::LoadGeoNamesPlaces(const TableFiles& files) {
  const std::string file = "places/geonames_places.tsv";
  const auto it = files.find(file);
  if (it == files.end()) return;  // an optional import
  for (const auto& row : text::ReadTsv(file, it->second, 3)) {
    const std::string_view name = row.cells[0];
    const LexEntry* taken = Find(name);
    if (Taken(taken) || (taken != nullptr && taken->first_name) || PolityEraOf(name) >= 0) {
      continue;
    }
    const int place = FindPlaceId(row.cells[1]);
    if (place < 0) continue;
    LexEntry& e = Add(file, row.line, name);
    e.place = place;
    e.place_needs_capital = true;
  }
}

}  // namespace depict::cast
