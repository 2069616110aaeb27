// The planner's decisions: who each person is, and what each image shows them as.
#ifndef DEPICT_CAST_CAST_H_
#define DEPICT_CAST_CAST_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "cast/attributes.h"

namespace depict::cast {

struct Decision {
  Source source = Source::kOpen;
  ValueSet values = 0;  // what a non-open decision allows; for open, the target's support
  std::string reason;
};

// One person or group the prompt shows, with its three decisions.
struct Person {
  std::string text;
  uint32_t start = 0, end = 0;  // byte offsets of `text` in the prompt
  bool named = false;
  int members = 1;  // > 1 or `group`: cast as a list of members
  bool group = false;
  std::array<Decision, 3> attributes;  // indexed by Dim
  int ethnicity_from = -1;        // copy the ethnicity cast of this person (a kin word: "her son")
  bool shared_ethnicity = false;  // a family: one ethnicity for all members of an image
  // A family of three or more whose ages the prompt leaves open: members 1-2 are cast as the
  // parents (adult), the rest as their children.
  bool parents_and_children = false;

  // Where the rewriter writes the cast into the image prompt.
  uint32_t head_start = 0, head_end = 0;  // the head noun
  uint32_t insert_start = 0;              // where words before the person's own go
  bool generic_head = false;              // "person", "someone": replaced by "woman", "man"
  bool age_head = false;                  // "a 9-year-old": the cast follows ("9-year-old girl")
};

// A cast member: value per dimension, -1 where none is decided (a named person).
struct Member {
  std::array<int8_t, 3> values = {-1, -1, -1};
};

struct ImageCast {
  uint64_t seed = 0;
  std::string prompt;          // for the text encoder: English
  std::string display_prompt;  // a prompt in another language with the cast in its words

  std::vector<std::vector<Member>> people;  // one list per Person; singles have one member
};

}  // namespace depict::cast

#endif  // DEPICT_CAST_CAST_H_
