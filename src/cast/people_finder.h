// Finds the people and groups a prompt shows, with the words attached to each of them.
#ifndef DEPICT_CAST_PEOPLE_FINDER_H_
#define DEPICT_CAST_PEOPLE_FINDER_H_

#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "cast/knowledge.h"
#include "cast/matcher.h"
#include "cast/scene.h"
#include "text/lexer.h"

namespace depict::cast {

// Returns every mention of a person, a group of people or a named person, in prompt order.
// A person noun followed by another ("woman doctor") modifies it; demonyms, colour words and
// gender/age adjectives in the same noun phrase are attached to its head; "her"/"his" give the
// gender of the nearest person before them; "X's" marks X as a possessor, not someone shown.
// `names` are byte spans of the prompt known to be names of real people although no table knows
// them (the language front end romanised them from another script). `known_word`, when given,
// says whether a word is English; a plural word that is not, after a nationality or people, is
// that people's own word for a group of them ("Greek Klephts", "Cuban mambises"). `reading`:
// the tokens are the English reading of a postpositional language's prompt (Hindi, Japanese,
// Korean), where a person word before a thing is no compound.
std::vector<Mention> FindPeople(const Knowledge& k, const text::TokenList& tokens,
                                const std::vector<TokenMatches>& matches,
                                const std::vector<std::pair<uint32_t, uint32_t>>& names = {},
                                const std::function<bool(std::string_view)>* known_word = nullptr,
                                bool reading = false);

}  // namespace depict::cast

#endif  // DEPICT_CAST_PEOPLE_FINDER_H_
