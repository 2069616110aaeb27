// How far apart two spellings are, for reading typos and names in disguise.
#ifndef DEPICT_TEXT_EDIT_DISTANCE_H_
#define DEPICT_TEXT_EDIT_DISTANCE_H_

#include <string_view>

namespace depict::text {

// Whether two different strings are one edit apart: a letter added, dropped or changed, or two
// neighbours swapped. Allocates nothing: it runs on every long unknown word of a prompt.
bool OneEdit(std::string_view a, std::string_view b);

}  // namespace depict::text

#endif  // DEPICT_TEXT_EDIT_DISTANCE_H_
