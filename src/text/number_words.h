// English numbers written in words ("five", "twenty-two", "thirty five"), for ages.
#ifndef DEPICT_TEXT_NUMBER_WORDS_H_
#define DEPICT_TEXT_NUMBER_WORDS_H_

#include <cstddef>

#include "text/lexer.h"

namespace depict::text {

// The value of the number that tokens[i..] spell in English words, from 0 to kMaxNumberWord,
// and in `length` how many tokens it takes (the longest reading: "thirty five" is 35, not 30);
// -1 with length 0 where none starts at i. The spellings come from ICU's English spell-out
// rules, not from a list kept here.
int ReadNumberWords(const TokenList& tokens, size_t i, size_t& length);
inline constexpr int kMaxNumberWord = 130;

}  // namespace depict::text

#endif  // DEPICT_TEXT_NUMBER_WORDS_H_
