// Letters of other scripts that look like Latin ones ("nudе" with a Cyrillic "е"), folded to the
// Latin letter for matching. The pairs come from Unicode's confusables data as ICU ships it
// (uspoof skeletons), not from a list of our own.
#ifndef DEPICT_TEXT_CONFUSABLES_H_
#define DEPICT_TEXT_CONFUSABLES_H_

#include <string>
#include <string_view>

namespace depict::text {

// The lowercase ASCII letter that Greek or Cyrillic letter `c` is confusable with, or 0.
char LatinLookalike(char32_t c);

// If `word` (a lowercase, accent-folded token) mixes ASCII letters with Greek or Cyrillic
// letters that look like Latin ones, returns true and sets `out` to the word with those
// letters folded; otherwise returns false. A word wholly in one script is left alone, so real
// Greek and Russian words are not turned into Latin.
bool FoldMixedScriptWord(std::string_view word, std::string& out);

}  // namespace depict::text

#endif  // DEPICT_TEXT_CONFUSABLES_H_
