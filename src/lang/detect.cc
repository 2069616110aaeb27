#include "lang/detect.h"

#include <cstdio>  // compact_lang_det.h uses FILE without including it
// The order matters: compact_lang_det.h needs <cstdio> first.
#include <cld2/public/compact_lang_det.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>

namespace depict::lang {
namespace {

// Languages a word in Latin letters may be in: those written in Latin letters, then those whose
// words people also type romanised ("golaya", "nangi", "hadaka", "luoti").
constexpr std::array<Language, 12> kLatin = {
    Language::kEn, Language::kEs, Language::kFr, Language::kDe, Language::kPt, Language::kIt,
    Language::kRu, Language::kHi, Language::kAr, Language::kZh, Language::kJa, Language::kKo};
constexpr size_t kFirstRomanized = 6;
// A romanised language needs this many known words in a clause: single short words collide.
constexpr int kMinRomanizedVotes = 2;

std::string_view Span(std::string_view text, const Token& t) {
  return text.substr(t.begin, t.end - t.begin);
}

bool HasLatinLetter(std::string_view s) {
  for (char c : s) {
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  }
  return false;
}

bool ClauseBreak(std::string_view s) {
  for (char c : s) {
    if (c == ',' || c == '.' || c == ';' || c == ':' || c == '(' || c == ')' || c == '[' ||
        c == ']' || c == '|' || c == '\n' || c == '!' || c == '?' || c == '{' || c == '}') {
      return true;
    }
  }
  return false;
}

// The full stop of an abbreviated title before a name ("Prof. Wangari Maathai", "Dr. Rice") does
// not end a clause: the title and the name are one phrase of the prompt's language.
bool AbbreviationStop(std::string_view text, const std::vector<Token>& tokens, size_t i) {
  if (i == 0 || i + 1 >= tokens.size() || tokens[i].end - tokens[i].begin != 1 ||
      text[tokens[i].begin] != '.' || !tokens[i - 1].word || tokens[i - 1].end != tokens[i].begin) {
    return false;
  }
  const std::string_view before =
      text.substr(tokens[i - 1].begin, tokens[i - 1].end - tokens[i - 1].begin);
  if (before.size() > 4 || before[0] < 'A' || before[0] > 'Z') return false;
  size_t next = i + 1;
  while (next < tokens.size() && !tokens[next].word && text[tokens[next].begin] == ' ') ++next;
  return next < tokens.size() && tokens[next].word && text[tokens[next].begin] >= 'A' &&
         text[tokens[next].begin] <= 'Z';
}

using Votes = std::array<int, kLatin.size()>;

}  // namespace

// English words inflect regularly far more often than the WordNet exception list covers: an
// English word is also its form with a regular ending taken off ("portrayed", "rats").
bool KnownEnglish(const Lexicon& english, const std::string& w) {
  if (const auto g = english.Find(w); g && !g->Has('r')) return true;
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kEndings = {{
      {"'s", ""},
      {"ies", "y"},
      {"es", ""},
      {"s", ""},
      {"ed", ""},
      {"ed", "e"},
      {"ing", ""},
      {"ing", "e"},
  }};
  for (const auto& [ending, replacement] : kEndings) {
    if (w.size() > ending.size() + 2 && w.ends_with(ending)) {
      std::string stem = w.substr(0, w.size() - ending.size());
      stem += replacement;
      if (const auto g = english.Find(stem); g && !g->Has('r')) return true;
    }
  }
  return false;
}

uint16_t KnownElsewhere(const Lexicons& lexicons, const std::string& folded, bool romanized) {
  uint16_t known = 0;
  for (size_t l = 1; l < kLatin.size(); ++l) {
    if (l >= kFirstRomanized && !romanized) continue;
    const Lexicon& lexicon = lexicons.Get(kLatin[l]);
    // A reading via German (flag v) fills a gap in a dictionary; it says nothing of which
    // language a word is: Spanish read through German knows much of Portuguese.
    const auto entry = l >= kFirstRomanized ? lexicon.FindRomanized(folded) : lexicon.Find(folded);
    const bool found = entry.has_value() && !entry->Has('v');
    if (found) known = static_cast<uint16_t>(known | (1u << l));
  }
  return known;
}

namespace {

bool Capitalised(std::string_view word) { return word[0] >= 'A' && word[0] <= 'Z'; }

// A lowercase word between two capitalised ones is a particle of a name ("Charles de Gaulle",
// "Otto von Bismarck", "Harun al-Rashid"), in no language.
bool NameParticle(std::string_view text, const std::vector<Token>& tokens, size_t i) {
  const auto capitalised_word = [&](size_t k) {
    return tokens[k].word && !tokens[k].number && Capitalised(Span(text, tokens[k]));
  };
  size_t before = i, after = i + 1;
  while (before > 0 && !tokens[before - 1].word) --before;
  while (after < tokens.size() && !tokens[after].word) ++after;
  return before > 0 && after < tokens.size() && capitalised_word(before - 1) &&
         capitalised_word(after);
}

// A word before a regnal number ("Louis XIV", "Henry VIII") is a ruler's name, in no language.
bool BeforeRegnalNumber(std::string_view text, const std::vector<Token>& tokens, size_t i) {
  if (i + 2 >= tokens.size() || Span(text, tokens[i + 1]) != " ") return false;
  const std::string_view next = Span(text, tokens[i + 2]);
  return !next.empty() && next.size() <= 6 &&
         std::all_of(next.begin(), next.end(), [](char c) { return std::strchr("IVXLC", c); });
}

// Votes of each language for the Latin words of tokens [from, to): the words it knows. A
// language other than English must also know two words English lacks (or only such words:
// "desnuda", "eine Ärztin"), so that one stray word does not turn an English clause ("a Mali
// Empire mansa").
// What one Latin word says: whether it votes at all, and which languages know it.
struct WordVote {
  bool counts = false;        // a word that votes
  bool longer = false;        // of three letters or more
  bool english = false;       // English knows it
  bool rare_english = false;  // a rare English word ("anime"), also a word elsewhere
  uint16_t known = 0;         // bit l: kLatin[l] knows it
};

WordVote VoteOf(const Lexicons& lexicons, std::string_view text, const std::vector<Token>& tokens,
                size_t i) {
  WordVote v;
  const std::string_view word = Span(text, tokens[i]);
  // Spelled-out letters ("c o c k") are in no language, but "a" and "I" are English.
  if (word.size() < 2) {
    if (word == "a" || word == "I") v = {true, false, 1};
    return v;
  }
  if (NameParticle(text, tokens, i)) return v;  // a particle of a name is in no language
  // Words with digits ("B3yonc3") are in no language, except Arabic typed in Latin letters,
  // where digits stand for letters ("3arya").
  if (std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const bool arabizi =
        std::all_of(word.begin(), word.end(),
                    [](char c) { return (c >= 'a' && c <= 'z') || std::strchr("235679", c); }) &&
        std::any_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (arabizi && lexicons.Get(Language::kAr).FindRomanized(word)) {
      v.counts = true;
      v.longer = word.size() >= 3;
      v.known = 1u << 8;  // kLatin[8] is Arabic
    }
    return v;
  }
  const std::string folded = Fold(word);
  const Lexicon& english = lexicons.Get(Language::kEn);
  // A capitalised word is most often a name ("Taylor Swift desnuda"), which is in no
  // language; but German capitalises its nouns, which vote when English lacks them.
  if (Capitalised(word)) {
    if (BeforeRegnalNumber(text, tokens, i)) return v;  // "Louis XIV" is a name
    // A German entry that reads as itself ("Versailles", "Napoleon") is a name, in no language.
    const auto german = lexicons.Get(Language::kDe).Find(folded);
    if (german && Fold(german->english) != folded && !KnownEnglish(english, folded)) {
      v.counts = true;
      v.known = 1u << 3;
    }
    return v;
  }
  v.counts = true;
  v.longer = word.size() >= 3;
  v.english = KnownEnglish(english, folded);
  if (v.english) v.known = 1;
  if (const auto g = english.Find(folded); !v.english && g && g->Has('r')) v.rare_english = true;
  // Romanised words are typed in plain lowercase ASCII; a word English has is not one.
  // Pinyin may carry its tone marks ("quánluǒ").
  const bool plain = !v.english && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || c == '\'' || c == '-' || (c & 0x80) != 0;
  });
  v.known = static_cast<uint16_t>(v.known | KnownElsewhere(lexicons, folded, plain));
  return v;
}

// `favoured` (the language of the whole prompt's Latin text, when CLD2 agrees) needs only one
// word English lacks to count in a clause: "pose aguicheuse" in a French prompt is French.
Votes Score(const std::vector<WordVote>& word_votes, size_t from, size_t to,
            Language favoured = Language::kEn) {
  Votes votes{};      // words each language knows
  Votes exclusive{};  // words each language knows and English lacks
  int words = 0;      // words that vote
  int longer = 0;     // of them, words of three letters or more
  for (size_t i = from; i < to; ++i) {
    const WordVote& v = word_votes[i];
    if (!v.counts) continue;
    ++words;
    if (v.longer) ++longer;
    for (size_t l = 0; l < kLatin.size(); ++l) {
      if (v.known & (1u << l)) {
        ++votes[l];
        if (!v.english) ++exclusive[l];
      }
    }
  }
  for (size_t l = 1; l < kFirstRomanized; ++l) {
    const int needed = kLatin[l] == favoured ? 1 : 2;
    if (exclusive[l] < needed && exclusive[l] < words) votes[l] = 0;
  }
  // A romanised language must know most of the clause: a name or two ("Biden") and a word in
  // disguise ("bеhеаdеd") collide with some romanised word far too easily.
  for (size_t l = kFirstRomanized; l < kLatin.size(); ++l) {
    if (votes[l] < kMinRomanizedVotes || votes[l] * 10 < longer * 6) votes[l] = 0;
  }
  return votes;
}

// The best-scoring language. `preferred` wins any tie it is part of (and when nothing scored);
// a tie between others goes to `hint` if it is one of them, else to the first in kLatin's order.
Language Best(const Votes& votes, Language preferred, Language hint) {
  int best = 0;
  for (int v : votes) best = std::max(best, v);
  if (best == 0) return preferred;
  std::optional<Language> first;
  for (size_t l = 0; l < kLatin.size(); ++l) {
    if (votes[l] != best) continue;
    if (kLatin[l] == preferred || kLatin[l] == hint) return kLatin[l];
    if (!first) first = kLatin[l];
  }
  return *first;
}

// CLD2's guess for the Latin text, mapped onto the languages read here (it often takes short
// Spanish for Galician).
Language Cld2Guess(std::string_view text) {
  bool reliable = false;
  const CLD2::Language guess =
      CLD2::DetectLanguage(text.data(), static_cast<int>(text.size()), true, &reliable);
  const std::string_view code = CLD2::LanguageCode(guess);
  if (code == "gl" || code == "ca") return Language::kEs;
  if (auto l = FromCode(code)) return *l;
  return Language::kEn;
}

Language OfScript(Script s, bool has_kana) {
  switch (s) {
    case Script::kHan:
      return has_kana ? Language::kJa : Language::kZh;
    case Script::kKana:
      return Language::kJa;
    case Script::kHangul:
      return Language::kKo;
    case Script::kDevanagari:
      return Language::kHi;
    case Script::kArabic:
      return Language::kAr;
    case Script::kCyrillic:
      return Language::kRu;
    default:
      return Language::kEn;
  }
}

}  // namespace

TokenLanguages DetectLanguages(const Lexicons& lexicons, std::string_view text,
                               const std::vector<Token>& tokens) {
  TokenLanguages out;
  out.of_token.assign(tokens.size(), Language::kEn);
  std::vector<Script> scripts(tokens.size(), Script::kOther);
  std::vector<bool> latin(tokens.size(), false);
  bool has_kana = false, any_latin = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!tokens[i].word || tokens[i].number) continue;
    scripts[i] = ScriptOfText(text.substr(tokens[i].begin));
    // A word mixing Latin letters with look-alikes of another script ("сhild") is a Latin word
    // in disguise: it stays in its clause, where the gate folds the look-alikes.
    if (scripts[i] != Script::kLatin && HasLatinLetter(Span(text, tokens[i]))) {
      scripts[i] = Script::kLatin;
    }
    has_kana = has_kana || scripts[i] == Script::kKana;
    latin[i] = scripts[i] == Script::kLatin;
    any_latin = any_latin || latin[i];
  }
  std::array<int, kLanguageCount> letters{};
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (scripts[i] == Script::kOther || latin[i]) continue;
    out.of_token[i] = OfScript(scripts[i], has_kana);
    letters[static_cast<int>(out.of_token[i])] += static_cast<int>(tokens[i].end - tokens[i].begin);
  }
  if (any_latin) {
    std::vector<WordVote> word_votes(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (latin[i]) word_votes[i] = VoteOf(lexicons, text, tokens, i);
    }
    Votes whole = Score(word_votes, 0, tokens.size());
    // An English word that is also a word elsewhere ("a", "con", "die") counts for both, so a
    // prompt is read as another language only when that language knows more of its words.
    // CLD2 is asked only when another language scored: most prompts are English.
    const bool foreign = std::any_of(whole.begin() + 1, whole.end(), [](int v) { return v > 0; });
    const Language guess = foreign ? Cld2Guess(text) : Language::kEn;
    const Language prompt_latin = Best(whole, Language::kEn, guess);
    size_t start = 0;
    for (size_t i = 0; i <= tokens.size(); ++i) {
      const bool end =
          i == tokens.size() ||
          (!tokens[i].word &&
           ClauseBreak(text.substr(tokens[i].begin, tokens[i].end - tokens[i].begin)) &&
           !AbbreviationStop(text, tokens, i));
      if (!end) continue;
      // English wins a clause it ties: a clause is another language only when that language
      // knows more of its words ("nangi ladki 12 saal" in an otherwise English prompt).
      Votes votes =
          Score(word_votes, start, i, prompt_latin == guess ? prompt_latin : Language::kEn);
      // Spanish, Portuguese and Italian share many words, and their dictionaries are uneven: a
      // clause that votes for the prompt's language (as CLD2 also guessed it) but lost by one
      // vote is still in it.
      for (size_t l = 1; l < kFirstRomanized; ++l) {
        if (kLatin[l] == prompt_latin && prompt_latin == guess && votes[l] > 0) ++votes[l];
      }
      // A clause of one word that English also has, rarely ("anime", a style tag), is English
      // unless the prompt as a whole is in the other language: tags are one word each.
      int voting = 0;
      bool rare = false;
      for (size_t k = start; k < i; ++k) {
        voting += word_votes[k].counts;
        rare = rare || word_votes[k].rare_english;
      }
      if (voting == 1 && rare) {
        for (size_t l = 1; l < kLatin.size(); ++l) {
          if (kLatin[l] != prompt_latin) votes[l] = 0;
        }
      }
      const Language clause = Best(votes, Language::kEn, prompt_latin);
      for (size_t k = start; k < i; ++k) {
        if (latin[k]) {
          out.of_token[k] = clause;
          letters[static_cast<int>(clause)] += static_cast<int>(tokens[k].end - tokens[k].begin);
        }
      }
      // An English clause half in another language ("Juden als Ratten controlling the world"):
      // where two or more words English lacks are one language's, and they are at least half as
      // many as the English words, they are read in it. Fewer are names ("serena williams").
      if (clause == Language::kEn) {
        int english_words = 0;
        for (size_t k = start; k < i; ++k)
          english_words += word_votes[k].counts && word_votes[k].english;
        for (size_t l = 1; l < kFirstRomanized; ++l) {
          int exclusive = 0;
          for (size_t k = start; k < i; ++k) {
            const WordVote& v = word_votes[k];
            exclusive += v.counts && !v.english && !v.rare_english && (v.known & (1u << l)) != 0;
          }
          if (exclusive < 2 || exclusive * 2 < english_words) continue;
          for (size_t k = start; k < i; ++k) {
            const WordVote& v = word_votes[k];
            if (!latin[k] || !v.counts || v.english || v.rare_english || !(v.known & (1u << l))) {
              continue;
            }
            out.of_token[k] = kLatin[l];
            letters[l == 0 ? 0 : static_cast<int>(kLatin[l])] +=
                static_cast<int>(tokens[k].end - tokens[k].begin);
          }
          break;
        }
      }
      start = i + 1;
    }
  }
  int best = 0;
  for (int l = 1; l < kLanguageCount; ++l) {
    if (letters[l] > best) {
      best = letters[l];
      out.main = static_cast<Language>(l);
    }
  }
  return out;
}

}  // namespace depict::lang
