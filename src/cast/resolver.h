// Decides each person's gender, ethnicity and age and the source of each decision.
#ifndef DEPICT_CAST_RESOLVER_H_
#define DEPICT_CAST_RESOLVER_H_

#include <string_view>
#include <vector>

#include "cast/cast.h"
#include "cast/knowledge.h"
#include "cast/scene.h"
#include "text/lexer.h"

namespace depict::cast {

// Order of precedence for every attribute: explicit words in the prompt, then a named person's
// identity, then context (role, kin, era and place), then open. Possessors ("Napoleon's") set
// context for the people they own but are not returned.
std::vector<Person> Resolve(const Knowledge& k, const text::TokenList& tokens,
                            std::string_view prompt, const Scene& scene);

}  // namespace depict::cast

#endif  // DEPICT_CAST_RESOLVER_H_
