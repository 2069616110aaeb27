// Writes an image's cast into its prompt, in words, for the attributes that were open.
#ifndef DEPICT_CAST_REWRITER_H_
#define DEPICT_CAST_REWRITER_H_

#include <string>
#include <string_view>
#include <vector>

#include "cast/cast.h"
#include "cast/knowledge.h"

namespace depict::cast {

// Returns `prompt` with each person's open attributes stated naturally: "a doctor" becomes
// "a South Asian woman doctor", "a crowd at a concert" becomes "a crowd, including a Black man,
// an East Asian woman and a white woman, at a concert". Nothing is added for a named person,
// for an attribute the prompt or its context fixed, or for a prompt without people.
std::string Rewrite(const Knowledge& k, std::string_view prompt, const std::vector<Person>& people,
                    const ImageCast& image);

}  // namespace depict::cast

#endif  // DEPICT_CAST_REWRITER_H_
