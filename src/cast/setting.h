// Reads when and where a prompt is set.
#ifndef DEPICT_CAST_SETTING_H_
#define DEPICT_CAST_SETTING_H_

#include <vector>

#include "cast/knowledge.h"
#include "cast/matcher.h"
#include "cast/scene.h"
#include "text/lexer.h"

namespace depict::cast {

// The era a scene gets from a named event or polity recognised only by its form
// (context/event_forms.tsv): historical, date unknown.
inline constexpr Era kUndatedPast{1800, 1899};

// Scenes that end before this year are the past: who was where is history, not today's mix.
inline constexpr int kPastUntil = 1950;

// Years ("1870", "500 BC"), decades ("1960s", "'60s", "the sixties"), centuries ("16th century",
// "1600s"), named periods and wars (context/eras.tsv), places (places/places.tsv) and
// institutions (context/institutions.tsv), outside the words `mentions` already took. The first
// era and the first place found win; an institution fills in what the prompt leaves unsaid.
Setting ReadSetting(const Knowledge& k, const text::TokenList& tokens,
                    const std::vector<TokenMatches>& matches, const std::vector<Mention>& mentions);

// 20 for "twenties" ... 90 for "nineties", else -1 ("the sixties", "in her seventies").
int DecadeWord(std::string_view word);

// Parses one era written with numbers starting at token `i` ("1870", "1960s", "16th century",
// "500 BC"); returns the number of tokens used, or 0.
int ParseNumericEra(const text::TokenList& tokens, size_t i, Era& era);

}  // namespace depict::cast

#endif  // DEPICT_CAST_SETTING_H_
