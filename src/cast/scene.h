// What the people finder reads out of a prompt: the people it shows and the scene's setting.
#ifndef DEPICT_CAST_SCENE_H_
#define DEPICT_CAST_SCENE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cast/attributes.h"

namespace depict::cast {

// A word in the prompt that states an attribute, kept to explain the decision.
struct Evidence {
  ValueSet values = 0;
  uint32_t token = 0;   // first token of the word or phrase
  uint32_t length = 0;  // tokens
  bool from_role = false;
};

// One person or group the prompt shows (or, if `possessor`, only mentions: "Napoleon's").
struct Mention {
  uint32_t first_token = 0;  // first token of the noun phrase's attached words
  uint32_t head_token = 0;   // first token of the head noun or name
  uint32_t end_token = 0;    // one past the head
  uint32_t start = 0;        // byte span of `text`
  uint32_t end = 0;
  uint32_t lead_start = 0;    // where words the rewriter adds go (before "US" in "US senator")
  int noun = -1;              // head noun (Knowledge::nouns())
  int demonym_head = -1;      // "a Nigerian", "Vikings": a demonym used as the noun
  int named = -1;             // Knowledge::named()
  int collective = -1;        // "a family of farmers": the collective noun (Knowledge::nouns())
  bool unknown_name = false;  // "Firstname Lastname" not in the tables
  // "the Chicago Seven", "the Apollo 11 astronauts": a group of real people known by a name
  // with a number in it, drawn as themselves.
  bool real_group = false;
  bool plural = false;
  bool possessor = false;   // "Napoleon's soldiers": Napoleon sets context but is not shown
  bool style_only = false;  // "in the style of Rembrandt", "by Greg Rutkowski": not shown
  bool actor = false;       // "the Qing Dynasty during ...": a polity shown as its people
  int members = 1;          // people shown for a group
  int owner = -1;           // "his son": index of the mention the kin word belongs to
  int possessed_by = -1;    // "Napoleon's soldiers": index of the possessor mention
  std::vector<Evidence> gender, age;            // explicit words, in prompt order
  std::vector<Evidence> pronoun_gender;         // "her", "his" referring to this person
  std::vector<Evidence> noun_gender, noun_age;  // stated by nouns used as modifiers/head
  std::vector<int> modifier_nouns;  // person nouns before the head: "samurai" in "samurai warrior"
  std::vector<int> demonyms;        // demonyms about this person (Knowledge::demonyms())
  std::vector<uint32_t> demonym_tokens;
  // "Tang soldiers", "the Chola navy", "Mughal courtiers": a dynasty or state the person
  // belongs to (Knowledge::eras()), which gives their own era and place.
  int polity = -1;
  uint32_t polity_token = 0;
  uint32_t polity_length = 0;
  bool polity_by_name = false;  // "Tang": a dynasty's bare name, not a period ("Victorian")
  int origin_place = -1;        // "a man from Nigeria"
  uint32_t origin_token = 0;
  bool group() const { return plural || members > 1; }
};

// When and where the prompt is set, with the words that said so.
struct Setting {
  Era era;  // unknown when !era.known()
  std::string era_words;
  int place = -1;
  std::string place_words;
  bool place_named = false;  // `place` is a place the prompt names, not a period's home
  bool modern = false;       // "today", "modern", "2020s"
  // A named event or polity known only by its form: historical, date unknown. `era` holds
  // the 19th century for populations; every role's historical rule applies.
  bool undated_past = false;
  // The prompt names a period or event (a listed one, or one by its form or title case), not
  // only a year: "during the 1972 Expulsion", "in the Victorian era".
  bool named_event = false;
  // The scene is a battle, war, siege, raid or rising ("during the Lofthus Uprising").
  bool fighting = false;
  bool expedition = false;  // "members of Scott's Terra Nova Expedition"
  // The peoples an event by form names as its sides ("the First Anglo-Burmese War": gb and
  // mm): whom a group of no stated origin is drawn from when the scene has no place.
  std::vector<int> side_places;
  ValueSet side_peoples = 0;  // sides named by a people's own word ("Zulu")
  std::string side_words;
  ValueSet members = 0;  // an institution whose members were one group ("Tuskegee Airmen")
  std::string members_words;
};

struct Scene {
  std::vector<Mention> mentions;
  Setting setting;
};

}  // namespace depict::cast

#endif  // DEPICT_CAST_SCENE_H_
