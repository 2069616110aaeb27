#include "lang/reader.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "lang/deinflect_ja.h"

namespace depict::lang {

std::string_view Span(std::string_view text, const Token& t) {
  return text.substr(t.begin, t.end - t.begin);
}

bool IsSpace(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c == ' '; });
}

// A name's parts are joined by a middle dot in Chinese and Japanese ("克拉伦斯·托马斯").
bool IsNameDot(std::string_view s) {
  return s == "\xC2\xB7" || s == "\xE3\x83\xBB" || s == "\xE2\x80\xA2" || s == "\xE2\x80\xA7";
}

// Punctuation of other scripts, in the form the text encoder and the planner read.
std::string_view AsciiPunctuation(std::string_view s) {
  if (s == "\xE3\x80\x81" || s == "\xD8\x8C") return ",";      // 、 and the Arabic comma
  if (s == "\xE3\x80\x82" || s == "\xE0\xA5\xA4") return ".";  // 。 and the danda
  if (s == "\xE3\x80\x8C" || s == "\xE3\x80\x8D" || s == "\xE3\x80\x8E" || s == "\xE3\x80\x8F" ||
      s == "\xC2\xAB" || s == "\xC2\xBB") {
    return "\"";
  }
  if (s == "\xD8\x9B") return ";";
  if (s == "\xD8\x9F") return "?";
  return {};
}

size_t CharLength(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

Piece Glossed(const Gloss& g, uint32_t begin, uint32_t end) {
  Piece p;
  p.text = std::string(g.english);
  if (g.capitalised_common && !p.text.empty() && p.text[0] >= 'A' && p.text[0] <= 'Z' &&
      (p.text.size() == 1 || (p.text[1] >= 'a' && p.text[1] <= 'z'))) {
    p.text[0] = static_cast<char>(p.text[0] + 32);
  }
  p.begin = begin;
  p.end = end;
  p.word = true;
  p.adjective = g.Has('a');
  p.noun = g.Has('n');
  return p;
}

Piece Verbatim(std::string_view text, uint32_t begin, uint32_t end, bool word) {
  Piece p;
  p.text = std::string(text);
  p.begin = begin;
  p.end = end;
  p.verbatim = true;
  p.word = word;
  return p;
}

// A name in another script: each part romanised with its syllables joined ("Kelalunsi").
std::string RomanizeName(std::string_view part) {
  std::string latin = Romanize(part);
  std::string out;
  for (size_t i = 0; i < latin.size(); ++i) {
    if (latin[i] == ' ') continue;
    const bool first = out.empty();
    out.push_back(first ? latin[i] : static_cast<char>(latin[i] | 0x20));
  }
  return out;
}

// Russian surnames end in a handful of suffixes (-ов, -ин, -ский, -енко, -вич...); a capitalised
// word without one is as often a place ("Киото", "Сенатской").
bool RussianSurname(std::string_view folded) {
  static constexpr std::string_view kEndings[] = {
      "ов",  "ев",  "ёв",   "ин",   "ын",   "ский", "цкий", "ова", "ева", "ёва",
      "ина", "ына", "ская", "цкая", "енко", "вич",  "ук",   "юк",  "ых",  "их"};
  for (std::string_view e : kEndings) {
    if (folded.ends_with(e) && folded.size() > e.size() + 2) return true;
  }
  return false;
}

bool Capitalised(std::string_view word) {
  return !word.empty() && word[0] >= 'A' && word[0] <= 'Z';
}

namespace {

constexpr int kMaxPhraseTokens = 3;          // "padres fundadores de"
constexpr int kMaxUnspacedPhraseTokens = 6;  // ICU may cut a dictionary word in several
constexpr int kMaxUnspacedChars = 8;

}  // namespace

// "1940年代" -> "1940s": a number followed by a word the hand table reads after numbers (its key
// is "0" and the word, its gloss a pattern with {n}).
size_t Reader::ReadNumber(size_t i) {
  // The word may follow a hyphen ("14-jährige").
  size_t w = i + 1;
  if (w + 1 < tokens_.size() && Span(text_, tokens_[w]) == "-") ++w;
  if (w >= tokens_.size() || !Foreign(w)) return 0;
  const Lexicon& lexicon = lexicons_.Get(LanguageOf(w));
  const auto g = lexicon.FindHand("0" + Fold(Span(text_, tokens_[w])));
  if (!g) return 0;
  std::string english(g->english);
  const size_t n = english.find("{n}");
  if (n != std::string::npos) english.replace(n, 3, Span(text_, tokens_[i]));
  Piece p = Glossed(Gloss{english, g->flags}, tokens_[i].begin, tokens_[w].end);
  pieces_.push_back(std::move(p));
  return w - i + 1;
}

// Parts of a name joined by middle dots, in Han or kana; or, in Latin letters, two or more
// capitalised words of which the dictionary lacks at least one ("Helene Fischer", "Giorgia
// Meloni"): a name is kept as written, not read word by word ("fisherman", "melons").
size_t Reader::ReadName(size_t i) {
  const Language l = LanguageOf(i);
  if (ScriptOfText(Span(text_, tokens_[i])) == Script::kLatin) return ReadLatinName(i);
  if (l != Language::kZh && l != Language::kJa) return 0;
  // ICU cuts a transliterated name anywhere ("克拉|伦|斯"): a part is the run of adjacent words
  // up to the dot. A word that names a place or a person, or a particle, is not in a name, so a
  // name starts after it ("美国总统巴拉克·奥巴马").
  const auto name_like = [&](size_t k) { return Foreign(k) && LanguageOf(k) == l && !Stops(k); };
  // Most text has no name dot at all: look for one before looking anything up.
  size_t dot = i;
  while (dot < tokens_.size() && dot - i < 6 && Foreign(dot) && LanguageOf(dot) == l) ++dot;
  if (dot == i || dot >= tokens_.size() || !IsNameDot(Span(text_, tokens_[dot]))) return 0;
  size_t d = i;
  while (d < tokens_.size() && d - i < 6 && name_like(d)) ++d;
  if (d == i || d + 1 >= tokens_.size() || !IsNameDot(Span(text_, tokens_[d])) ||
      !name_like(d + 1)) {
    return 0;
  }
  std::string name =
      RomanizeName(text_.substr(tokens_[i].begin, tokens_[d].begin - tokens_[i].begin));
  size_t end = d;
  while (end + 1 < tokens_.size() && IsNameDot(Span(text_, tokens_[end])) && name_like(end + 1)) {
    size_t k = end + 1;
    while (k < tokens_.size() && k - end < 6 && name_like(k)) ++k;
    name += " " + RomanizeName(text_.substr(tokens_[end + 1].begin,
                                            tokens_[k - 1].end - tokens_[end + 1].begin));
    end = k;
  }
  Piece p = Verbatim(name, tokens_[i].begin, tokens_[end - 1].end, true);
  p.verbatim = false;
  p.name = true;
  pieces_.push_back(std::move(p));
  return end - i;
}

// A word that cannot be part of a transliterated name: a particle or function word (the hand
// table), or a word the dictionary reads as a place or a person.
bool Reader::Stops(size_t k) const {
  const Lexicon& lexicon = lexicons_.Get(LanguageOf(k));
  const std::string word = Fold(Span(text_, tokens_[k]));
  if (lexicon.FindHand(word)) return true;
  // A single character is as often a syllable of a name (马 in 奥巴马) as a word.
  if (word.size() <= 3) return false;
  const auto g = lexicon.Find(word);
  return g && (g->Has('p') || IsPersonWord(g->english));
}

// Whether an English reading ends in a title that goes with a name ("president", "general":
// data/people/modifiers.tsv, through the English word list's t flag).
bool Reader::IsTitle(std::string_view english) const { return LastWordHas(english, 't'); }

// Whether an English reading ends in a person noun ("pope", "female doctor").
bool Reader::IsPersonWord(std::string_view english) const { return LastWordHas(english, 'h'); }

// Whether the English word list gives the last word of `english` the flag.
bool Reader::LastWordHas(std::string_view english, char flag) const {
  const size_t space = english.rfind(' ');
  const std::string_view last =
      space == std::string_view::npos ? english : english.substr(space + 1);
  const auto g = lexicons_.Get(Language::kEn).Find(Fold(last));
  return g && g->Has(flag);
}

size_t Reader::ReadLatinName(size_t i) {
  if (!Capitalised(Span(text_, tokens_[i]))) return 0;
  const Lexicon& lexicon = lexicons_.Get(LanguageOf(i));
  // A title before a name is read ("Papa Francisco" -> "pope Francisco"): a word the
  // dictionary reads as a person noun is not part of the name.
  if (const auto title = lexicon.Find(Fold(Span(text_, tokens_[i])))) {
    const std::string_view english = title->english;
    const auto last =
        lexicons_.Get(Language::kEn)
            .Find(Fold(english.substr(
                english.rfind(' ') == std::string_view::npos ? 0 : english.rfind(' ') + 1)));
    if (last && last->Has('h')) return 0;
  }
  // A word the dictionary lacks, or reads as a proper name of English ("Marie" -> "Mary"):
  // names are kept as written, not translated.
  const auto name_word = [&](size_t k) {
    const auto g = lexicon.Find(Fold(Span(text_, tokens_[k])));
    return !g || (!g->english.empty() && g->english[0] >= 'A' && g->english[0] <= 'Z' &&
                  g->Has('n') && !g->Has('a'));
  };
  // German joins its capitalised nouns with hyphens ("Wikinger-Krieger"): only a space joins
  // a name there.
  const bool hyphen_joins = LanguageOf(i) != Language::kDe;
  size_t j = i;
  bool unknown = name_word(i);
  // Parts joined by a space or a hyphen ("Giorgia Meloni", "Marie-Antoinette").
  while (j + 2 < tokens_.size() &&
         (IsSpace(Span(text_, tokens_[j + 1])) ||
          (hyphen_joins && Span(text_, tokens_[j + 1]) == "-")) &&
         tokens_[j + 2].word && !tokens_[j + 2].number &&
         Capitalised(Span(text_, tokens_[j + 2]))) {
    j += 2;
    unknown = unknown || name_word(j);
  }
  if (j == i || !unknown) return 0;
  pieces_.push_back(Verbatim(text_.substr(tokens_[i].begin, tokens_[j].end - tokens_[i].begin),
                             tokens_[i].begin, tokens_[j].end, true));
  return j - i + 1;
}

// Pinyin typed a syllable at a time ("luo ti", "xiao nv hai"): the longest run of syllables
// from token i that is one word. Returns the tokens it spans, or 0.
size_t Reader::ReadPinyin(size_t i) {
  constexpr size_t kMaxSyllables = 4;
  std::vector<size_t> syllables = {i};
  for (size_t k = i + 1; k + 1 < tokens_.size() && syllables.size() < kMaxSyllables; k += 2) {
    if (!IsSpace(Span(text_, tokens_[k])) || !Foreign(k + 1) ||
        LanguageOf(k + 1) != Language::kZh ||
        ScriptOfText(Span(text_, tokens_[k + 1])) != Script::kLatin) {
      break;
    }
    syllables.push_back(k + 1);
  }
  const Lexicon& lexicon = lexicons_.Get(Language::kZh);
  for (size_t e = syllables.size(); e-- > 1;) {
    std::string joined;
    for (size_t k = 0; k <= e; ++k) joined += Fold(Span(text_, tokens_[syllables[k]]));
    if (const auto g = lexicon.FindRomanized(joined); g && !g->Dropped()) {
      pieces_.push_back(Glossed(*g, tokens_[i].begin, tokens_[syllables[e]].end));
      romanized_ = true;
      return syllables[e] - i + 1;
    }
  }
  return 0;
}

// The longest dictionary phrase starting at token i: returns how many tokens it spans.
size_t Reader::ReadPhrase(size_t i) {
  const Language l = LanguageOf(i);
  const bool unspaced = Unspaced(l);
  const int max_words = unspaced ? kMaxUnspacedPhraseTokens : kMaxPhraseTokens;
  std::vector<size_t> ends = {i};  // token index of each candidate's last word
  for (size_t k = i + 1; k < tokens_.size() && static_cast<int>(ends.size()) < max_words;) {
    if (unspaced && Foreign(k) && LanguageOf(k) == l) {
      ends.push_back(k++);
    } else if (!unspaced && k + 1 < tokens_.size() && IsSpace(Span(text_, tokens_[k])) &&
               Foreign(k + 1) && LanguageOf(k + 1) == l) {
      ends.push_back(k + 1);
      k += 2;
    } else {
      break;
    }
  }
  const Lexicon& lexicon = lexicons_.Get(l);
  const auto form_of = [&](size_t e) {
    std::string form =
        Fold(text_.substr(tokens_[i].begin, tokens_[ends[e]].end - tokens_[i].begin));
    if (!unspaced) {  // runs of spaces read as one
      form.erase(std::unique(form.begin(), form.end(),
                             [](char a, char b) { return a == ' ' && b == ' '; }),
                 form.end());
    }
    return form;
  };
  // Longer phrases are tried only as far as some dictionary word starts with them.
  size_t longest = 0;
  while (longest + 1 < ends.size() && lexicon.HasPrefix(form_of(longest + 1))) ++longest;
  for (size_t e = longest + 1; e-- > 0;) {
    const uint32_t begin = tokens_[i].begin, end = tokens_[ends[e]].end;
    const std::string form = form_of(e);
    // A single Latin letter ("c o c k") is read only where the hand table knows it (Spanish
    // "y", Italian "e"): dictionaries list letters as abbreviations.
    const bool letter = form.size() == 1;
    std::optional<Gloss> found = letter ? lexicon.FindHand(form) : lexicon.Find(form);
    // A word of another script's language typed in Latin letters ("golaya", "hadaka").
    if (!found && e == 0 && ScriptOfText(form) == Script::kLatin && l != Language::kEn &&
        !(l >= Language::kEs && l <= Language::kIt)) {
      found = lexicon.FindRomanized(form);
      romanized_ = romanized_ || found.has_value();
    }
    // German writes nouns with a capital: a lowercase word the dictionary reads as no adjective
    // is an inflected adjective when its lemma says so ("einer jungen Frau": young,
    // not "boys").
    if (found && l == Language::kDe && e == 0 && !found->Has('a')) {
      const std::string_view source = text_.substr(begin, end - begin);
      if (!source.empty() && source[0] >= 'a' && source[0] <= 'z') {
        if (auto lemma = lexicon.FindThroughLemma(form); lemma && lemma->Has('a')) found = lemma;
      }
    }
    if (const auto g = found) {
      if (!g->Dropped()) {
        pieces_.push_back(Glossed(*g, begin, end));
        if (e == 0) pieces_.back().article = lexicons_.ArticleGender(l, form);
        pieces_.back().reflexive = g->Has('r');
        pieces_.back().auxiliary = g->Has('u');
      }
      return ends[e] - i + 1;
    }
  }
  return 0;
}

// The reading of `word` less up to `depth` prefixes the hand table flags x.
// `lead` collects the readings of the prefixes that say something ("ك": like, "ب": with), not
// those that only mark a noun ("ال": the).
std::optional<Gloss> FindAfterPrefixes(const Lexicon& lexicon, std::string_view word, int depth,
                                       std::string* lead) {
  if (depth == 0) return std::nullopt;
  size_t cut = 0;
  std::vector<size_t> cuts;
  while (cut < word.size()) {
    cut += CharLength(static_cast<unsigned char>(word[cut]));
    if (cut < word.size()) cuts.push_back(cut);
  }
  for (size_t c = cuts.size(); c-- > 0;) {
    const auto prefix = lexicon.FindHand(word.substr(0, cuts[c]));
    if (!prefix || !prefix->Has('x')) continue;
    const std::string_view rest = word.substr(cuts[c]);
    std::optional<Gloss> g = lexicon.Find(rest);
    std::string inner;
    if (!g) g = FindAfterPrefixes(lexicon, rest, depth - 1, &inner);
    if (!g) continue;
    if (lead != nullptr && !prefix->Dropped() && prefix->english != "the" &&
        prefix->english != "and") {
      *lead += std::string(prefix->english) + " ";
    }
    if (lead != nullptr) *lead += inner;
    return g;
  }
  return std::nullopt;
}

// The reading of `word` less up to `depth` suffixes the hand table flags s.
std::optional<Gloss> FindBeforeSuffixes(const Lexicon& lexicon, std::string_view word, int depth) {
  if (depth == 0) return std::nullopt;
  for (size_t cut = CharLength(static_cast<unsigned char>(word[0])); cut < word.size();
       cut += CharLength(static_cast<unsigned char>(word[cut]))) {
    const auto suffix = lexicon.FindHand(word.substr(cut));
    if (!suffix || !suffix->Has('s')) continue;
    const std::string_view stem = word.substr(0, cut);
    if (auto g = lexicon.Find(stem)) return g;
    if (auto g = FindBeforeSuffixes(lexicon, stem, depth - 1)) return g;
  }
  return std::nullopt;
}

// Korean particles after a noun ("의사가"), Arabic prefixes before one ("والطبيب"): the hand
// table flags them s and x; the rest of the word is looked up.
bool Reader::ReadAffixed(size_t i) {
  const Lexicon& lexicon = lexicons_.Get(LanguageOf(i));
  const std::string word = Fold(Span(text_, tokens_[i]));
  std::vector<size_t> cuts;  // byte positions between characters
  for (size_t p = 0; p < word.size(); p += CharLength(static_cast<unsigned char>(word[p]))) {
    if (p > 0) cuts.push_back(p);
  }
  // Suffixes, the longest first, up to two ("이주노동자" + "들" + "을").
  if (const auto g = FindBeforeSuffixes(lexicon, word, 2)) {
    if (!g->Dropped()) pieces_.push_back(Glossed(*g, tokens_[i].begin, tokens_[i].end));
    return true;
  }
  // Prefixes, the longest first, up to two ("و" + "ال" + "طبيب").
  std::string lead;
  if (const auto g = FindAfterPrefixes(lexicon, word, 2, &lead)) {
    if (!g->Dropped()) {
      pieces_.push_back(Glossed(*g, tokens_[i].begin, tokens_[i].end));
      pieces_.back().text.insert(0, lead);
    }
    return true;
  }
  // Both: "و" + "رأس" + "ه" (and + head + his).
  for (size_t c = cuts.size(); c-- > 0;) {
    const auto suffix = lexicon.FindHand(std::string_view(word).substr(cuts[c]));
    if (!suffix || !suffix->Has('s')) continue;
    lead.clear();
    if (const auto g =
            FindAfterPrefixes(lexicon, std::string_view(word).substr(0, cuts[c]), 2, &lead)) {
      if (!g->Dropped()) {
        pieces_.push_back(Glossed(*g, tokens_[i].begin, tokens_[i].end));
        pieces_.back().text.insert(0, lead);
      }
      return true;
    }
  }
  return false;
}

// A Chinese or Japanese token the dictionary does not know as a whole: its longest known parts,
// left to right; characters nothing knows are romanised together as a name.
void Reader::ReadCharacters(size_t i) {
  const Lexicon& lexicon = lexicons_.Get(LanguageOf(i));
  const Token& t = tokens_[i];
  uint32_t unknown_from = t.end;
  const auto flush_unknown = [&](uint32_t upto) {
    if (unknown_from >= upto) return;
    Piece p = Verbatim(RomanizeName(text_.substr(unknown_from, upto - unknown_from)), unknown_from,
                       upto, true);
    p.verbatim = false;
    p.romanized = true;
    pieces_.push_back(std::move(p));
    unknown_from = t.end;
  };
  uint32_t pos = t.begin;
  while (pos < t.end) {
    // The longest known word from pos: it grows while some word starts with it.
    uint32_t best_end = 0;
    std::optional<Gloss> best;
    uint32_t e = pos;
    for (int chars = 0; e < t.end && chars < kMaxUnspacedChars; ++chars) {
      e += static_cast<uint32_t>(CharLength(static_cast<unsigned char>(text_[e])));
      const std::string_view candidate = text_.substr(pos, e - pos);
      if (auto g = lexicon.Find(candidate)) {
        best = g;
        best_end = e;
      }
      if (!lexicon.HasPrefix(candidate)) break;
    }
    if (best) {
      flush_unknown(pos);
      if (!best->Dropped()) pieces_.push_back(Glossed(*best, pos, best_end));
      pos = best_end;
    } else {
      if (unknown_from == t.end) unknown_from = pos;
      pos += static_cast<uint32_t>(CharLength(static_cast<unsigned char>(text_[pos])));
    }
  }
  flush_unknown(t.end);
}

// A word in an English clause that English lacks but a hand table lists as written in Latin
// letters for Hindi, Arabic or Russian ("nangi", "3arya", "golaya": the helpers listed mostly the
// words of harmful prompts, as people type them): it is read, so that one such word in an
// English prompt does not pass the gate unread. Only exact rows count, never a romanisation key.
std::optional<Gloss> Reader::RomanizedHarmWord(std::string_view word) const {
  if (word.size() < 4 || !std::all_of(word.begin(), word.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '\'';
      })) {
    return std::nullopt;
  }
  const std::string folded = Fold(word);
  if (KnownEnglish(lexicons_.Get(Language::kEn), folded)) return std::nullopt;
  for (Language l : {Language::kHi, Language::kAr, Language::kRu}) {
    // Rows flagged e are everyday words, read only in a clause voted into their language.
    if (auto g = lexicons_.Get(l).FindHand(folded); g && !g->Dropped() && !g->Has('e')) return g;
  }
  return std::nullopt;
}

// The rules that put a run of one language's reading in English order, once the run is read.
void Reader::ApplyRunRules(size_t from, Language language) {
  GenderFromArticles(from, language);
  GermanGenitives(from, language);
  ReflexiveVerbs(from, language);
  NamesFromRomanized(from, language);
  ModifiersOfPersons(from, language);
  TitlesBeforeNames(from, language);
  if (AdjectiveAfterNoun(language)) ReorderAdjectives(from, language);
}

Reading Reader::Run() {
  languages_ = DetectLanguages(lexicons_, text_, tokens_);
  if (languages_.main == Language::kEn) {
    bool harm = false;
    for (const Token& t : tokens_) harm = harm || (t.word && RomanizedHarmWord(Span(text_, t)));
    if (!harm) return ReadingBuilder::Build(Language::kEn, {}, text_);
  }
  size_t i = 0;
  size_t run_start = 0;  // first piece of the current run of one language
  Language run_language = Language::kEn;
  while (i < tokens_.size()) {
    const Token& t = tokens_[i];
    if (Foreign(i) && LanguageOf(i) != run_language) {
      ApplyRunRules(run_start, run_language);
      run_language = LanguageOf(i);
      run_start = pieces_.size();
    }
    if (t.number) {
      if (const size_t n = ReadNumber(i)) {
        i += n;
        continue;
      }
    }
    if (!Foreign(i)) {
      const std::string_view s = Span(text_, t);
      if (const auto g = t.word ? RomanizedHarmWord(s) : std::nullopt) {
        pieces_.push_back(Glossed(*g, t.begin, t.end));
        romanized_ = true;
        ++i;
        continue;
      }
      // A hyphen joining two words of another language joins a compound ("Wikinger-Krieger"):
      // the English reading says it with a space ("Viking warrior").
      if (s == "-" && i > 0 && i + 1 < tokens_.size() && Foreign(i - 1) && Foreign(i + 1)) {
        pieces_.push_back(Verbatim(" ", t.begin, t.end, false));
        pieces_.back().verbatim = false;
        ++i;
        continue;
      }
      const std::string_view ascii = AsciiPunctuation(s);
      pieces_.push_back(Verbatim(ascii.empty() ? s : ascii, t.begin, t.end, t.word));
      if (!ascii.empty()) pieces_.back().verbatim = false;
      ++i;
      continue;
    }
    const bool pinyin =
        LanguageOf(i) == Language::kZh && ScriptOfText(Span(text_, t)) == Script::kLatin;
    if (const size_t n = ReadName(i)) {
      i += n;
    } else if (const size_t p = pinyin ? ReadPinyin(i) : 0) {
      i += p;
    } else if (const size_t letters = ReadSpacedLetters(i)) {
      i += letters;
    } else if (const size_t c = ReadConjugated(i)) {
      i += c;
    } else if (const size_t m = ReadPhrase(i)) {
      i += m;
    } else if (ReadEnclitic(i) || ReadAffixed(i)) {
      ++i;
    } else if (Unspaced(LanguageOf(i))) {
      ReadCharacters(i);
      ++i;
    } else {
      const std::string_view s = Span(text_, t);
      const bool latin = ScriptOfText(s) == Script::kLatin;
      if (latin) {
        pieces_.push_back(Verbatim(s, t.begin, t.end, true));  // a name or an English word
      } else {
        Piece p = Verbatim(Romanize(s), t.begin, t.end, true);
        p.verbatim = false;
        p.romanized = true;
        pieces_.push_back(std::move(p));
      }
      ++i;
    }
  }
  ApplyRunRules(run_start, run_language);
  Reading r = ReadingBuilder::Build(languages_.main, pieces_, text_);
  ReadingBuilder::SetRomanized(r, romanized_);
  return r;
}

}  // namespace depict::lang
