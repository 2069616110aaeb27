// Looks up every table phrase that starts at each token of a prompt (longest match per table).
#ifndef DEPICT_CAST_MATCHER_H_
#define DEPICT_CAST_MATCHER_H_

#include <cstdint>
#include <vector>

#include "cast/knowledge.h"
#include "text/lexer.h"

namespace depict::cast {

// A phrase found at a token: the index of its entry in one table and its length in tokens.
struct Hit {
  int index = -1;
  uint8_t length = 0;
  explicit operator bool() const { return index >= 0; }
};

// The longest phrase of each table that starts at one token.
struct TokenMatches {
  Hit noun, noun_plural, demonym, demonym_plural, place, era, institution, named, modifier;
  Hit not_person;  // a thing named with a person word; index is unused (0)
  bool first_name = false;
  bool surname = false;
  bool thing = false;          // a one-word made thing ("uniform")
  bool thing_or_verb = false;  // ... also a verb ("watch")
  bool body_part = false;      // "forearm", "genitals"
};

// The length of a not-person phrase at a token if no other phrase there is longer, else 0.
// Such a phrase ("German shepherd", "Apollo 11") is a thing: callers skip its tokens.
int ThingLength(const TokenMatches& m);

// One TokenMatches per token. Punctuation tokens match nothing; phrases never span punctuation.
std::vector<TokenMatches> MatchPhrases(const Knowledge& k, const text::TokenList& tokens);

// "government", "administration", "regime", "cabinet", "junta": after a ruler's name, the words
// name the ruler's government ("Mugabe government officials"), not the ruler.
bool IsGovernmentWord(std::string_view word);

}  // namespace depict::cast

#endif  // DEPICT_CAST_MATCHER_H_
