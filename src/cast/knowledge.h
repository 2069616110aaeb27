// What the planner knows: the data/ tables, parsed, checked and indexed for fast lookup.
// A Knowledge is immutable once loaded, so any number of threads may read it.
#ifndef DEPICT_CAST_KNOWLEDGE_H_
#define DEPICT_CAST_KNOWLEDGE_H_

#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cast/attributes.h"

namespace depict::cast {

// Table files by path relative to data/ ("people/nouns.tsv") -> content.
using TableFiles = std::map<std::string, std::string>;

// A value a word states (from_role = false: explicit) or a role implies (true: context).
struct StatedValue {
  ValueSet values = 0;  // 0: says nothing
  bool from_role = false;
};

struct Noun {
  std::string singular;
  StatedValue gender, age, ethnicity;
  int history_gender = -1;  // in an era starting before history_until, the role was this gender
  int history_until = 0;
  int place = -1;           // index into places(); the place the role belongs to
  Era era;                  // when the role existed, if it is tied to a period
  bool elite = false;       // a position of power or a learned profession
  bool kin = false;         // a collective whose members are one family
  bool family = false;      // a kin word ("son") that belongs to another person in the prompt
  bool membership = false;  // "member": belonging to a body, whose role noun lends its rules
  // A whole population or its bystanders (civilians, refugees, villagers), not the side that
  // fought: such a group in a battle or war keeps its gender open.
  bool population = false;
  // A member of an art movement ("surrealist"): right before a work's word it names the style
  // ("a surrealist painting"), and shows nobody.
  bool movement = false;
  bool traditional = false;  // a people's traditional role ("a Zulu warrior"): see nouns.tsv
  int group_size = 0;        // > 0: a collective noun shown with this many members
  // From WordNet only, and not always a person there ("army" is also a multitude, "press" the
  // newspapers): a person only when a nationality, place, era or owner says whose it is
  // ("Ottoman officials", "the Mughal army", "Napoleon's army").
  bool needs_owner = false;
  bool imported = false;  // from an imported table, not the hand-written nouns.tsv
};

enum class DemonymKind : uint8_t { kNation, kPeople, kRegion, kColor };

struct Demonym {
  std::string word;
  int place = -1;
  ValueSet ethnicity = 0;  // 0: take the population of `place` in the prompt's era
  int gender = -1;
  DemonymKind kind = DemonymKind::kNation;
  Era era;
};

struct PopulationRow {
  Era era;
  ValueSet people = 0;  // AllValues: too mixed to fix anyone's ethnicity
  ValueSet elite = 0;
};

struct Place {
  std::string id;
  std::vector<PopulationRow> rows;  // sorted by era, not overlapping
};

struct NamedEra {
  std::string phrase;
  Era era;
  int place = -1;
  bool undated = false;   // a listed event whose date is unknown: `era` is the undated past
  bool fighting = false;  // a battle, war, siege, invasion or rising (context/events.tsv)
};

struct Institution {
  std::string phrase;
  int place = -1;
  int place_before = 0;  // > 0: the place applies only to eras starting before this year
  Era era;
  ValueSet members = 0;  // the ethnicity its members had, where they were one group
  int role = -1;  // the noun its members are ("legislator"): "a member of it" takes its rules
};

struct NamedPerson {
  std::string name;
  int gender = -1;
  Era life;  // born..died; unknown parts are 0
  int place = -1;
  bool real = true;
  bool extremist = false;  // their own extremist symbols are historical fact
  bool minor = false;      // famous as a child
  ValueSet ethnicity = 0;  // as the person is widely described; 0 when the table says `-`
};

enum class ModifierKind : uint8_t {
  kGender,       // "female", "male"
  kAge,          // "elderly", "teenage"
  kPronoun,      // "her", "his": gender of the person referred to
  kTitle,        // "queen", "president" before a capitalised name
  kQuantity,     // "two", "dozen": members of the group that follows
  kGroupWord,    // "group", "bunch": "a group of friends" is one group
  kDeterminer,   // "a", "the": starts a noun phrase
  kBoundary,     // prepositions, conjunctions and verbs that end a noun phrase
  kModern,       // "today", "modern": the scene is set in the present
  kGeneric,      // "person", "someone": a head the rewriter may replace by "woman", "man"
  kStyleBefore,  // "by", "style of" before a name: the name is a style, not a person shown
  kStyleAfter,   // "style", "aesthetic" after a name: likewise
};

struct Modifier {
  ModifierKind kind = ModifierKind::kBoundary;
  int value = -1;       // gender value, or the quantity
  ValueSet values = 0;  // ages an age adjective allows ("young": child, teen or adult)
};

// Everything a phrase can be. One lookup answers all tables.
struct LexEntry {
  int noun = -1;         // singular form of nouns()[noun]
  int noun_plural = -1;  // plural form of nouns()[noun_plural]
  int demonym = -1;
  int demonym_plural = -1;
  int place = -1;  // index into places()
  int era = -1;    // index into eras()
  int institution = -1;
  int named = -1;  // index into named()
  int modifier = -1;
  bool place_needs_capitals = false;  // "^us" in places.tsv: "US", not the pronoun "us"
  bool place_needs_capital = false;   // a town's name: only when written with a capital
  bool named_needs_capital = false;   // the name is also an ordinary word: match "Bush", not "bush"
  bool first_name = false;
  bool surname = false;
  bool not_person = false;     // a thing named with a person word ("German shepherd")
  bool thing = false;          // a made thing ("uniform", "bag"): people/things.tsv
  bool thing_or_verb = false;  // ... that is also a verb ("watch", "bottle")
  bool body_part = false;      // "forearm", "genitals": people/body_parts.tsv
  bool continues = false;      // a longer phrase starts with these words
};

// How cast values are written into image prompts.
struct Labels {
  // [ethnicity][gender] -> "Black", "Latina"
  std::vector<std::array<std::string, 2>> ethnicity;
  // [age][gender] -> "boy", "elderly woman"; and the plurals, "boys", "elderly women"
  std::vector<std::array<std::string, 2>> person;
  std::vector<std::array<std::string, 2>> person_plural;
  // [age] -> adjective used when gender is fixed: "young", "teenage", "elderly"; "" for adult
  std::vector<std::string> age_adjective;
};

// The default target distribution of open attributes: weights per value of each dimension.
struct Target {
  std::array<std::vector<double>, 3> weights;
};

// The most words a table phrase may have ("Supreme Court of the United States" has 6).
constexpr size_t kMaxPhraseWords = 16;

// Where a named event's or polity's name stands around the word that marks it
// (context/event_forms.tsv): "Battle of X", "X Dynasty", either, or the word alone.
enum class EventForm : uint8_t { kNone, kOf, kName, kBoth, kAlone };
struct EventWord {
  EventForm form = EventForm::kNone;
  bool name_is_place = false;  // the name before it must be a place or people ("Boer War")
  // "Festival", "Olympics": an occasion that comes back, so a capitalised name ending in it
  // ("during the Edinburgh Festival") is no historical event. Its form is kNone.
  bool recurring = false;
  bool fighting = false;    // a battle, war, siege, raid or rising
  bool expedition = false;  // an expedition of exploration
};

class Knowledge {
 public:
  // Parses and checks the tables. Throws text::TableError naming the file and line.
  // `target_name` names files["cast/target.json"] in messages (a deployment's --target file).
  static std::shared_ptr<const Knowledge> Load(const TableFiles& files,
                                               std::string_view target_name = "cast/target.json");

  // The entry for a phrase of normalised words joined by single spaces, or nullptr.
  const LexEntry* Find(std::string_view phrase) const;
  // A real person's two-word name typed with one slip in the surname ("taylor swfit", "joe
  // bidden", "scarlett johanson"): the person's index, or -1. `given` must be exact.
  int FuzzyNamed(std::string_view given, std::string_view surname) const;
  // ... or one slip in the given name and a surname that sounds right ("vladmir puttin").
  int GivenNameWithSlip(std::string_view given, std::string_view surname) const;
  // A real person's name as spelled from another script, by its consonants ("ejnstejn",
  // "aynshtayn", "nepoliyan"): the name to read it as ("einstein", "napoleon"), or "" when no
  // one, or more than one person, has those consonants.
  std::string NameByConsonants(std::string_view romanized) const;
  // A given name and a surname spelled from a script that writes few vowels or other ones
  // ("mhmd slah", "aliya bhatta", "yuriy gagarin"): matched by the consonants of each part
  // among the real people of two words or more; "" when none or several fit.
  std::string FullNameByConsonants(std::string_view given, std::string_view surname) const;
  // A real person's one-word name typed with one slip ("rihana", "beyonse"): the name, or ""
  // when none or more than one is one edit away. Six letters or more, first letter kept.
  std::string OneWordNameWithSlip(std::string_view word) const;
  size_t max_phrase_words() const { return max_phrase_words_; }

  const std::vector<Noun>& nouns() const { return nouns_; }
  const std::vector<Demonym>& demonyms() const { return demonyms_; }
  const std::vector<Place>& places() const { return places_; }
  const std::vector<NamedEra>& eras() const { return eras_; }
  // The role a polity or institution named as an actor is cast as ("the Qing Dynasty during the
  // Battle of ..." shows its soldiers): the noun flagged `actor`, or -1.
  int actor_noun() const { return actor_noun_; }
  EventWord EventWordOf(std::string_view word) const {
    const auto it = event_forms_.find(word);
    return it == event_forms_.end() ? EventWord{} : it->second;
  }
  EventForm EventFormOf(std::string_view word) const { return EventWordOf(word).form; }
  // A dynasty or state by its bare name ("Tang" for "tang dynasty", "Chola" for "chola
  // empire"): the index into eras() of a listed era with a place, or -1.
  // "anglo" -> gb: a combining form joining peoples in an event's name
  // (places/combining_forms.tsv), or -1.
  int CombiningFormPlace(std::string_view word) const {
    const auto it = combining_forms_.find(word);
    return it == combining_forms_.end() ? -1 : it->second;
  }
  int PolityEraOf(std::string_view word) const {
    const auto it = polity_eras_.find(word);
    return it == polity_eras_.end() ? -1 : it->second;
  }
  const std::vector<Institution>& institutions() const { return institutions_; }
  const std::vector<NamedPerson>& named() const { return named_; }
  const std::vector<Modifier>& modifiers() const { return modifiers_; }
  const Labels& labels() const { return labels_; }
  const Target& target() const { return target_; }
  int FindPlaceId(std::string_view id) const;

  // The ethnicities of `place` in `era`: its people, or the holders of power when `elite`.
  // Returns 0 when the tables say nothing for that place and time.
  ValueSet Population(int place, Era era, bool elite) const;

  // Replaces the target distribution (a deployment's own JSON, same format as cast/target.json).
  // Throws text::TableError on a malformed file.
  void SetTarget(std::string_view name, std::string_view json);

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  LexEntry& Add(std::string_view file, int line, std::string_view phrase);
  // Tables imported from datasets (knowledge_imports.cc); a hand table's entry always wins.
  // A word another table already gives a meaning (a noun, a people, a place, a title, a thing):
  // an imported row never changes it.
  static bool Taken(const LexEntry* e);
  void LoadWordNetPeople(const TableFiles& files);
  void LoadThings(const TableFiles& files);
  // Rows of places/demonyms.tsv, or of an import of the same form whose words yield to every
  // word the hand tables define.
  void LoadDemonyms(const std::string& file, std::string_view content, bool imported);
  void InheritRole(std::string_view like, size_t hand_nouns, Noun& n) const;
  void InheritCompoundHeads();
  void LoadBodyParts(const TableFiles& files);
  void LoadGeoNamesPlaces(const TableFiles& files);
  void LoadEvents(const TableFiles& files);
  int InternPlace(std::string_view file, int line, std::string_view id);

  std::unordered_map<std::string, LexEntry, Hash, std::equal_to<>> lexicon_;
  size_t max_phrase_words_ = 1;
  std::vector<Noun> nouns_;
  std::vector<Demonym> demonyms_;
  std::vector<Place> places_;
  std::unordered_map<std::string, int, Hash, std::equal_to<>> place_index_;
  std::vector<std::string> first_use_;  // FILE:LINE where each place id was first used
  std::vector<NamedEra> eras_;
  std::unordered_map<std::string, EventWord, Hash, std::equal_to<>> event_forms_;
  int actor_noun_ = -1;
  std::unordered_map<std::string, int, Hash, std::equal_to<>> polity_eras_;
  std::unordered_map<std::string, int, Hash, std::equal_to<>> combining_forms_;
  void IndexPolityNames();
  std::vector<Institution> institutions_;
  std::vector<NamedPerson> named_;
  // Given name -> (named index, surname) of real people with two-word names, for FuzzyNamed.
  std::unordered_map<std::string, std::vector<std::pair<int, std::string>>, Hash, std::equal_to<>>
      surnames_by_given_;
  // The same by SoundKey: names written from another script ("dipika padukon").
  std::unordered_map<std::string, std::vector<std::pair<int, std::string>>, Hash, std::equal_to<>>
      sounds_by_given_;
  // Surname by SoundKey -> (named index, given name): a slip in the given name ("donlad trump",
  // "vladmir puttin").
  std::unordered_map<std::string, std::vector<std::pair<int, std::string>>, Hash, std::equal_to<>>
      givens_by_surname_sound_;
  // Consonant skeleton -> the name or surname it is of; "" where two people share it.
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> names_by_consonants_;
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> full_names_by_consonants_;
  std::array<std::vector<std::string>, 26> one_word_names_;  // by first letter
  void IndexConsonants();
  void IndexNamesInDisguise();  // knowledge_names.cc
  std::vector<Modifier> modifiers_;
  Labels labels_;
  Target target_;
};

}  // namespace depict::cast

#endif  // DEPICT_CAST_KNOWLEDGE_H_
