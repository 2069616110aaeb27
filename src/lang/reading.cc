#include "lang/reading.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "lang/detect.h"
#include "lang/segmenter.h"
#include "text/confusables.h"

namespace depict::lang {

// One unit of the reading: a prompt span and what it reads as.
struct Piece {
  std::string text;
  uint32_t begin = 0, end = 0;  // the span of the prompt it reads
  bool verbatim = false;        // copied from the prompt byte for byte
  bool word = false;            // needs a space before it after another word
  bool adjective = false, noun = false;
  bool name = false;       // a name: kept as written, or romanised from another script
  bool romanized = false;  // a word no dictionary knows, romanised: perhaps a name
  char article = 0;        // 'M' or 'F': a singular article that marks its noun's gender
};

class ReadingBuilder {
 public:
  static Reading Build(Language language, const std::vector<Piece>& pieces,
                       std::string_view source);
  static void SetRomanized(Reading& r, bool romanized) { r.romanized_ = romanized; }
  // A reading of a cleaned copy of the prompt, mapped back onto the prompt itself. An identity
  // reading of the copy becomes a reading of the copy's words (the copy is not the prompt).
  static void MapToSource(Reading& r, std::string_view clean, std::string_view prompt,
                          const std::vector<uint32_t>& to_source) {
    if (r.begin_.empty()) {
      r.text_ = std::string(clean);
      for (size_t k = 0; k < clean.size(); ++k) {
        r.begin_.push_back(to_source[k]);
        r.end_.push_back(to_source[k] + 1);
      }
    } else {
      for (size_t k = 0; k < r.begin_.size(); ++k) {
        r.begin_[k] = to_source[r.begin_[k]];
        r.end_[k] = r.end_[k] >= to_source.size() ? static_cast<uint32_t>(prompt.size())
                                                  : to_source[r.end_[k]];
      }
    }
    // A byte that ends inside a replaced character maps to that character's end.
    for (size_t k = 0; k < r.end_.size(); ++k) {
      uint32_t e = r.end_[k];
      while (e < prompt.size() && (static_cast<unsigned char>(prompt[e]) & 0xC0) == 0x80) ++e;
      r.end_[k] = std::max(e, r.begin_[k]);
    }
    r.source_size_ = static_cast<uint32_t>(prompt.size());
  }
};

namespace {

constexpr int kMaxPhraseTokens = 3;          // "padres fundadores de"
constexpr int kMaxUnspacedPhraseTokens = 6;  // ICU may cut a dictionary word in several
constexpr int kMaxUnspacedChars = 8;

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

class Reader {
 public:
  Reader(const Lexicons& lexicons, std::string_view text)
      : lexicons_(lexicons), text_(text), tokens_(Segment(text)) {}

  Reading Run();

 private:
  Language LanguageOf(size_t i) const { return languages_.of_token[i]; }
  bool Foreign(size_t i) const { return tokens_[i].word && LanguageOf(i) != Language::kEn; }
  size_t ReadNumber(size_t i);
  size_t ReadName(size_t i);
  size_t ReadLatinName(size_t i);
  bool Stops(size_t k) const;
  bool IsPersonWord(std::string_view english) const;
  bool IsTitle(std::string_view english) const;
  size_t ReadPhrase(size_t i);
  bool ReadAffixed(size_t i);
  void ReadCharacters(size_t i);
  void ReorderAdjectives(size_t from);
  void GenderFromArticles(size_t from, Language language);
  void GermanGenitives(size_t from, Language language);
  std::optional<Gloss> RomanizedHarmWord(std::string_view word) const;
  void TitlesBeforeNames(size_t from, Language language);
  void ModifiersOfPersons(size_t from, Language language);
  void NamesFromRomanized(size_t from, Language language);
  // Whether the word next to piece k is also a capitalised word no dictionary knows
  // ("Ольга Бузова").
  bool CapitalisedNeighbour(size_t k) const;
  bool KoreanNameShape(std::string_view word) const;

  const Lexicons& lexicons_;
  std::string_view text_;
  std::vector<Token> tokens_;
  TokenLanguages languages_;
  std::vector<Piece> pieces_;
  bool romanized_ = false;
};

// "1940年代" -> "1940s": a number followed by a word the hand table reads after numbers (its key
// is "0" and the word, its gloss a pattern with {n}).
size_t Reader::ReadNumber(size_t i) {
  if (i + 1 >= tokens_.size() || !Foreign(i + 1)) return 0;
  const Lexicon& lexicon = lexicons_.Get(LanguageOf(i + 1));
  const auto g = lexicon.FindHand("0" + Fold(Span(text_, tokens_[i + 1])));
  if (!g) return 0;
  std::string english(g->english);
  const size_t n = english.find("{n}");
  if (n != std::string::npos) english.replace(n, 3, Span(text_, tokens_[i]));
  Piece p = Glossed(Gloss{english, g->flags}, tokens_[i].begin, tokens_[i + 1].end);
  pieces_.push_back(std::move(p));
  return 2;
}

bool Capitalised(std::string_view word) {
  return !word.empty() && word[0] >= 'A' && word[0] <= 'Z';
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
bool Reader::IsTitle(std::string_view english) const {
  const size_t space = english.rfind(' ');
  const std::string_view last =
      space == std::string_view::npos ? english : english.substr(space + 1);
  const auto g = lexicons_.Get(Language::kEn).Find(Fold(last));
  return g && g->Has('t');
}

// Whether an English reading ends in a person noun ("pope", "female doctor").
bool Reader::IsPersonWord(std::string_view english) const {
  const size_t space = english.rfind(' ');
  const std::string_view last =
      space == std::string_view::npos ? english : english.substr(space + 1);
  const auto g = lexicons_.Get(Language::kEn).Find(Fold(last));
  return g && g->Has('h');
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
  size_t j = i;
  bool unknown = !lexicon.Find(Fold(Span(text_, tokens_[i])));
  while (j + 2 < tokens_.size() && IsSpace(Span(text_, tokens_[j + 1])) && tokens_[j + 2].word &&
         !tokens_[j + 2].number && Capitalised(Span(text_, tokens_[j + 2]))) {
    j += 2;
    unknown = unknown || !lexicon.Find(Fold(Span(text_, tokens_[j])));
  }
  if (j == i || !unknown) return 0;
  pieces_.push_back(Verbatim(text_.substr(tokens_[i].begin, tokens_[j].end - tokens_[i].begin),
                             tokens_[i].begin, tokens_[j].end, true));
  return j - i + 1;
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
      }
      return ends[e] - i + 1;
    }
  }
  return 0;
}

// The reading of `word` less up to `depth` prefixes the hand table flags x.
std::optional<Gloss> FindAfterPrefixes(const Lexicon& lexicon, std::string_view word, int depth) {
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
    if (auto g = lexicon.Find(rest)) return g;
    if (auto g = FindAfterPrefixes(lexicon, rest, depth - 1)) return g;
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
  if (const auto g = FindAfterPrefixes(lexicon, word, 2)) {
    if (!g->Dropped()) pieces_.push_back(Glossed(*g, tokens_[i].begin, tokens_[i].end));
    return true;
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

// German marks "of" with the article's case: "der"/"des" right after a noun is a genitive
// ("die Gründerväter der Vereinigten Staaten": the founding fathers of the United States).
void Reader::GermanGenitives(size_t from, Language language) {
  if (language != Language::kDe) return;
  for (size_t k = from + 1; k < pieces_.size(); ++k) {
    Piece& p = pieces_[k];
    if (p.verbatim || p.text != "the") continue;
    const std::string_view source = text_.substr(p.begin, p.end - p.begin);
    if (source != "der" && source != "des") continue;
    size_t before = k;
    while (before > from && pieces_[before - 1].verbatim && IsSpace(pieces_[before - 1].text)) {
      --before;
    }
    if (before > from && pieces_[before - 1].noun && !pieces_[before - 1].verbatim) {
      p.text = "of the";
    }
  }
}

// English words that already say a person's gender: a reading adds none to them.
bool SaysGender(std::string_view english) {
  static constexpr std::string_view kWords[] = {
      "female",      "male",        "woman",         "man",         "women",     "men",
      "girl",        "boy",         "girls",         "boys",        "mother",    "father",
      "son",         "daughter",    "wife",          "husband",     "king",      "queen",
      "prince",      "princess",    "monk",          "nun",         "brother",   "sister",
      "grandmother", "grandfather", "uncle",         "aunt",        "lady",      "gentleman",
      "bride",       "groom",       "emperor",       "empress",     "pope",      "actress",
      "policewoman", "policeman",   "businesswoman", "businessman", "priestess", "widow",
      "widower"};
  for (std::string_view w : kWords) {
    if (english == w || english.starts_with(std::string(w) + " ") ||
        english.ends_with(" " + std::string(w))) {
      return true;
    }
  }
  return false;
}

// "un niño", "una estudiante": in Romance languages a singular article gives a person noun with
// no gender of its own the gender it marks. A feminine article before a noun in -a says nothing
// ("una persona", "una periodista": the noun itself is feminine), and neither do the words for a
// person in general.
void Reader::GenderFromArticles(size_t from, Language language) {
  if (language < Language::kEs || language > Language::kIt || language == Language::kDe) return;
  const Lexicon& english = lexicons_.Get(Language::kEn);
  for (size_t k = from; k < pieces_.size(); ++k) {
    if (!pieces_[k].article) continue;
    size_t n = k + 1;
    while (n < pieces_.size() && pieces_[n].verbatim && IsSpace(pieces_[n].text)) ++n;
    if (n >= pieces_.size() || pieces_[n].verbatim || !pieces_[n].noun) continue;
    Piece& noun = pieces_[n];
    const std::string last = noun.text.substr(noun.text.rfind(' ') + 1);
    const auto person = english.Find(last);
    if (!person || !person->Has('h') || SaysGender(noun.text)) continue;
    if (last == "person" || last == "people" || last == "individual" || last == "human" ||
        last == "character" || last == "victim" || last == "figure" || last == "baby") {
      continue;
    }
    const bool feminine = pieces_[k].article == 'F';
    const std::string_view source = text_.substr(noun.begin, noun.end - noun.begin);
    if (feminine && source.ends_with("a")) continue;
    // French feminine nouns in -e are as often feminine in grammar only ("la tête", "la
    // personne", "la victime") as words for women.
    if (feminine && language == Language::kFr && source.ends_with("e")) continue;
    noun.text = (feminine ? "female " : "male ") + noun.text;
  }
}

// A word no dictionary knows is a name when it has company: a title on the side the language
// puts titles ("문재인 대통령", "الرئيس السيسي"), or, in Cyrillic, a capital letter ("Зеленский";
// not an abbreviation such as "США"). Alone, it is just a word the reading could not read:
// verbs and words with particles often are, and a dictionary that misses them must not make
// them people.
void Reader::NamesFromRomanized(size_t from, Language language) {
  const bool title_after =
      language == Language::kZh || language == Language::kJa || language == Language::kKo;
  const auto neighbour = [&](size_t k, int step) -> const Piece* {
    for (size_t n = k + step; n >= from && n < pieces_.size(); n += step) {
      if (pieces_[n].verbatim && IsSpace(pieces_[n].text)) continue;
      return &pieces_[n];
    }
    return nullptr;
  };
  for (size_t k = from; k < pieces_.size(); ++k) {
    Piece& p = pieces_[k];
    if (!p.romanized) continue;
    const std::string_view source = text_.substr(p.begin, p.end - p.begin);
    if (language == Language::kKo && !KoreanNameShape(source)) continue;
    // A title is one person ("장군", not "병사들"); in Arabic it is definite ("الرئيس"). Russian
    // names have capitals: a word after "бабушка" is her verb, not her name.
    const Piece* title = neighbour(k, title_after ? +1 : -1);
    const std::string_view title_source =
        title == nullptr ? std::string_view()
                         : text_.substr(title->begin, title->end - title->begin);
    const bool titled =
        language != Language::kRu && language != Language::kHi && title != nullptr &&
        !title->verbatim && !title->romanized && IsTitle(title->text) &&
        (language != Language::kAr || title_source.starts_with("\xD8\xA7\xD9\x84"));  // ال
    const std::string folded = Fold(source);
    const bool capital = ScriptOfText(source) == Script::kCyrillic && folded != source &&
                         folded.substr(2) == source.substr(2) &&  // only the first letter
                         (RussianSurname(folded) || CapitalisedNeighbour(k));
    p.name = titled || capital;
    // A word that is not a name must not look like one to the planner ("Monghwanjeog In").
    if (!p.name) {
      for (char& c : p.text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
  }
}

bool Reader::CapitalisedNeighbour(size_t k) const {
  for (int step : {-1, +1}) {
    size_t n = k;
    while (true) {
      if ((step < 0 && n == 0) || (step > 0 && n + 1 >= pieces_.size())) break;
      n += step;
      if (pieces_[n].verbatim && IsSpace(pieces_[n].text)) continue;
      const Piece& q = pieces_[n];
      if (q.romanized) {
        const std::string_view source = text_.substr(q.begin, q.end - q.begin);
        if (Fold(source) != source) return true;
      }
      break;
    }
  }
  return false;
}

// Korean names are two to four syllables with no particle or verb ending after them: "건" (hung)
// or "날리는" (flying) before a noun are not names.
bool Reader::KoreanNameShape(std::string_view word) const {
  const size_t syllables = word.size() / 3;  // Hangul syllables are three bytes each
  if (syllables < 2 || syllables > 4) return false;
  const Lexicon& lexicon = lexicons_.Get(Language::kKo);
  for (size_t cut = 3; cut < word.size(); cut += 3) {
    const auto suffix = lexicon.FindHand(word.substr(cut));
    if (suffix && suffix->Has('s')) return false;
  }
  const std::string_view last = word.substr(word.size() - 3);
  return last != "ë" && last != "ì" && last != "ë";  // 는 은 던
}

// Chinese, Japanese and Korean put a place or a people right before a person noun to say where
// the person is from: "墨西哥老奶奶" reads "Mexican grandmother", not "Mexico grandmother", and
// "白人老爷爷" "white grandfather", not "white person grandfather" (two people).
void Reader::ModifiersOfPersons(size_t from, Language language) {
  if (language != Language::kZh && language != Language::kJa && language != Language::kKo) return;
  for (size_t k = from; k + 1 < pieces_.size(); ++k) {
    Piece& p = pieces_[k];
    if (p.verbatim || p.name) continue;
    size_t n = k + 1;
    while (n < pieces_.size() && pieces_[n].verbatim && IsSpace(pieces_[n].text)) ++n;
    if (n >= pieces_.size() || pieces_[n].verbatim || !IsPersonWord(pieces_[n].text)) continue;
    if (p.text.ends_with(" person") || p.text.ends_with(" people")) {
      p.text.erase(p.text.rfind(' '));
    } else if (const std::string_view demonym = lexicons_.Demonym(p.text); !demonym.empty()) {
      p.text = std::string(demonym);
    }
  }
}

// Chinese, Japanese and Korean put a title after the name ("奥巴马总统", "이순신 장군"); English
// puts it first, and the planner reads "president Aobama" as one named person, not two people.
void Reader::TitlesBeforeNames(size_t from, Language language) {
  if (language != Language::kZh && language != Language::kJa && language != Language::kKo) return;
  for (size_t k = from; k + 1 < pieces_.size(); ++k) {
    if (!pieces_[k].name) continue;
    size_t t = k + 1;
    while (t < pieces_.size() && pieces_[t].verbatim && IsSpace(pieces_[t].text)) ++t;
    if (t >= pieces_.size() || pieces_[t].name || pieces_[t].verbatim ||
        !IsPersonWord(pieces_[t].text)) {
      continue;
    }
    Piece title = std::move(pieces_[t]);
    pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(t));
    pieces_.insert(pieces_.begin() + static_cast<std::ptrdiff_t>(k), std::move(title));
    ++k;
  }
}

// Romance and Arabic adjectives follow their noun; English puts them first ("soldado alemán" ->
// "German soldier", "vestido blanco" -> "white dress"). Only the first adjective after a noun
// moves: what follows it is as often a participle or a clause ("homme sénégalais assis").
void Reader::ReorderAdjectives(size_t from) {
  for (size_t k = from; k < pieces_.size(); ++k) {
    const Piece& noun = pieces_[k];
    if (!noun.noun || noun.verbatim || noun.name || noun.article) continue;
    size_t next = k + 1;
    while (next < pieces_.size() && pieces_[next].verbatim && IsSpace(pieces_[next].text)) ++next;
    if (next >= pieces_.size()) break;
    const Piece& adjective = pieces_[next];
    // Of two words that can each be either ("dress", "German"), neither moves.
    if (!adjective.adjective || (noun.adjective && adjective.noun) || adjective.verbatim ||
        adjective.name || adjective.text.ends_with("ing") || adjective.text.ends_with("ed")) {
      continue;
    }
    Piece moved = std::move(pieces_[next]);
    pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(next));
    pieces_.insert(pieces_.begin() + static_cast<std::ptrdiff_t>(k), std::move(moved));
    k = next;
  }
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
      GenderFromArticles(run_start, run_language);
      GermanGenitives(run_start, run_language);
      NamesFromRomanized(run_start, run_language);
      ModifiersOfPersons(run_start, run_language);
      TitlesBeforeNames(run_start, run_language);
      if (AdjectiveAfterNoun(run_language)) ReorderAdjectives(run_start);
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
    if (const size_t n = ReadName(i)) {
      i += n;
    } else if (const size_t m = ReadPhrase(i)) {
      i += m;
    } else if (ReadAffixed(i)) {
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
  GenderFromArticles(run_start, run_language);
  GermanGenitives(run_start, run_language);
  NamesFromRomanized(run_start, run_language);
  ModifiersOfPersons(run_start, run_language);
  TitlesBeforeNames(run_start, run_language);
  if (AdjectiveAfterNoun(run_language)) ReorderAdjectives(run_start);
  Reading r = ReadingBuilder::Build(languages_.main, pieces_, text_);
  ReadingBuilder::SetRomanized(r, romanized_);
  return r;
}

}  // namespace

Reading ReadingBuilder::Build(Language language, const std::vector<Piece>& pieces,
                              std::string_view source) {
  Reading r;
  r.language_ = language;
  r.source_size_ = static_cast<uint32_t>(source.size());
  const auto append = [&](std::string_view s, uint32_t begin, uint32_t end, bool per_byte) {
    for (size_t k = 0; k < s.size(); ++k) {
      r.text_.push_back(s[k]);
      r.begin_.push_back(per_byte ? begin + static_cast<uint32_t>(k) : begin);
      r.end_.push_back(per_byte ? begin + static_cast<uint32_t>(k) + 1 : end);
    }
  };
  for (const Piece& p : pieces) {
    if (p.text.empty()) continue;
    if (p.word && !r.text_.empty()) {
      const char last = r.text_.back();
      // No space after an opening bracket or quote, or inside a hyphenated compound
      // ("Wikinger-Krieger" -> "Viking-warrior").
      if (last != ' ' && last != '(' && last != '[' && last != '"' && last != '\n' && last != '-') {
        append(" ", p.begin, p.begin, false);
      }
    }
    // A word after a comma or period of a script written without spaces gets one.
    if (!p.word && !r.text_.empty() && r.text_.back() != ' ' && !p.verbatim &&
        (p.text == "," || p.text == "." || p.text == ";")) {
      append(p.text, p.begin, p.end, false);
      append(" ", p.end, p.end, false);
      continue;
    }
    const size_t at = r.text_.size();
    append(p.text, p.begin, p.end, p.verbatim);
    if (p.name) {
      // Words of one name read as one ("Hyfa Whby"): a name right after a name extends it.
      if (!r.names_.empty() && r.names_.back().second + 1 >= at) {
        r.names_.back().second = static_cast<uint32_t>(r.text_.size());
      } else {
        r.names_.emplace_back(static_cast<uint32_t>(at), static_cast<uint32_t>(r.text_.size()));
      }
    }
  }
  // Spaces the pieces doubled ("a  b") read as one; the first keeps its place in the map.
  std::string text;
  std::vector<uint32_t> begin, end;
  std::vector<uint32_t> moved(r.text_.size() + 1, 0);  // old offset -> new offset
  for (size_t k = 0; k < r.text_.size(); ++k) {
    moved[k] = static_cast<uint32_t>(text.size());
    if (r.text_[k] == ' ' && (text.empty() || text.back() == ' ')) continue;
    text.push_back(r.text_[k]);
    begin.push_back(r.begin_[k]);
    end.push_back(r.end_[k]);
  }
  moved[r.text_.size()] = static_cast<uint32_t>(text.size());
  for (auto& [from, to] : r.names_) {
    from = moved[from];
    to = moved[to];
  }
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
    begin.pop_back();
    end.pop_back();
  }
  r.text_ = std::move(text);
  r.begin_ = std::move(begin);
  r.end_ = std::move(end);
  if (r.text_.empty()) {  // English, or nothing read: the prompt itself
    r.text_ = std::string(source);
    r.begin_.clear();
    r.end_.clear();
    r.names_.clear();
  }
  return r;
}

uint32_t Reading::MapStart(uint32_t offset) const {
  if (identity()) return offset;
  return offset < begin_.size() ? begin_[offset] : source_size_;
}

uint32_t Reading::MapEnd(uint32_t offset) const {
  if (identity()) return offset;
  if (offset == 0) return begin_[0];
  return offset <= end_.size() ? end_[offset - 1] : source_size_;
}

std::pair<uint32_t, uint32_t> Reading::MapSpan(uint32_t start, uint32_t end) const {
  if (identity()) return {start, end};
  if (start >= end || start >= begin_.size()) return {MapStart(start), MapEnd(end)};
  end = std::min<uint32_t>(end, static_cast<uint32_t>(begin_.size()));
  uint32_t lo = begin_[start], hi = end_[start];
  for (uint32_t k = start; k < end; ++k) {
    if (text_[k] == ' ') continue;  // spaces the reading added map to a neighbour's start
    lo = std::min(lo, begin_[k]);
    hi = std::max(hi, end_[k]);
  }
  return {lo, hi};
}

// An ASCII prompt whose lowercase words English knows or no other language does, with no German
// noun, is English: no other language could win a clause of it (detect.h), so it is read as it
// is without segmenting it.
bool PlainEnglish(const Lexicons& lexicons, std::string_view prompt) {
  const Lexicon& english = lexicons.Get(Language::kEn);
  size_t i = 0;
  while (i < prompt.size()) {
    const unsigned char c = static_cast<unsigned char>(prompt[i]);
    if (c & 0x80) return false;
    if (!std::isalnum(c)) {
      ++i;
      continue;
    }
    size_t j = i;
    bool digit = false;
    while (j < prompt.size() &&
           (std::isalnum(static_cast<unsigned char>(prompt[j])) || prompt[j] == '\'')) {
      digit = digit || std::isdigit(static_cast<unsigned char>(prompt[j]));
      ++j;
    }
    const std::string_view word = prompt.substr(i, j - i);
    i = j;
    if (digit || word.size() < 2) continue;
    if (word[0] >= 'A' && word[0] <= 'Z') {
      // A name is in no language, but a German noun is German ("Wehrmachtssoldaten").
      const std::string folded = Fold(word);
      if (!KnownEnglish(english, folded) && lexicons.Get(Language::kDe).Find(folded)) {
        return false;
      }
      continue;
    }
    // A word English lacks keeps the prompt English when no other language knows it either
    // ("baduk", "ukiyo"): it cannot vote.
    const std::string folded(word);
    if (!KnownEnglish(english, folded) && KnownElsewhere(lexicons, folded, true) != 0) {
      return false;
    }
  }
  return true;
}

// A word mixing look-alike letters of two scripts ("niñа" with a Cyrillic а, "гoлaя" with
// Latin o and a) is written in the script most of its letters are in: the minority letters are
// replaced by the look-alikes of that script (Unicode's confusables, as ICU ships them, through
// text::LatinLookalike). Returns false when no word mixes scripts. `to_source[k]` is the prompt
// offset of byte k of `clean` (and of its end).
bool Deconfuse(std::string_view prompt, std::string& clean, std::vector<uint32_t>& to_source) {
  static const std::array<char32_t, 26> kCyrillicFor = [] {
    std::array<char32_t, 26> table{};
    for (char32_t c = 0x0430; c <= 0x045F; ++c) {  // lowercase Cyrillic
      const char l = text::LatinLookalike(c);
      if (l >= 'a' && l <= 'z' && table[l - 'a'] == 0) table[l - 'a'] = c;
    }
    return table;
  }();
  bool changed = false;
  size_t i = 0;
  while (i < prompt.size()) {
    // One word: letters and marks up to a space or punctuation.
    size_t j = i;
    int latin = 0, cyrillic = 0;
    while (j < prompt.size()) {
      int32_t k = static_cast<int32_t>(j);
      UChar32 c = 0;
      U8_NEXT(prompt.data(), k, static_cast<int32_t>(prompt.size()), c);
      if (c < 0 || !u_isalpha(c)) break;
      const Script script = ScriptOf(static_cast<char32_t>(c));
      latin += script == Script::kLatin;
      cyrillic += script == Script::kCyrillic;
      j = static_cast<size_t>(k);
    }
    if (j == i) {
      clean.push_back(prompt[i]);
      to_source.push_back(static_cast<uint32_t>(i));
      ++i;
      continue;
    }
    const bool mixed = latin > 0 && cyrillic > 0;
    for (size_t p = i; p < j;) {
      int32_t k = static_cast<int32_t>(p);
      UChar32 c = 0;
      U8_NEXT(prompt.data(), k, static_cast<int32_t>(prompt.size()), c);
      std::string replacement;
      if (mixed && cyrillic > latin && c < 0x80) {
        const char32_t lower = static_cast<char32_t>(c | 0x20);
        const char32_t cyr = lower >= 'a' && lower <= 'z' ? kCyrillicFor[lower - 'a'] : 0;
        if (cyr != 0) {
          char buf[4];
          int32_t n = 0;
          U8_APPEND_UNSAFE(buf, n, static_cast<UChar32>(cyr));
          replacement.assign(buf, static_cast<size_t>(n));
        }
      } else if (mixed && latin >= cyrillic && c >= 0x80) {
        const char l = text::LatinLookalike(static_cast<char32_t>(c));
        if (l != 0) replacement.assign(1, l);
      }
      if (replacement.empty()) replacement.assign(prompt.substr(p, static_cast<size_t>(k) - p));
      changed = changed || replacement != prompt.substr(p, static_cast<size_t>(k) - p);
      for (char b : replacement) {
        clean.push_back(b);
        to_source.push_back(static_cast<uint32_t>(p));
      }
      p = static_cast<size_t>(k);
    }
    i = j;
  }
  to_source.push_back(static_cast<uint32_t>(prompt.size()));
  return changed;
}

Reading Read(const Lexicons& lexicons, std::string_view prompt) {
  std::string clean;
  std::vector<uint32_t> to_source;
  if (Deconfuse(prompt, clean, to_source)) {
    Reading r = Reader(lexicons, clean).Run();
    ReadingBuilder::MapToSource(r, clean, prompt, to_source);
    return r;
  }
  if (PlainEnglish(lexicons, prompt)) return ReadingBuilder::Build(Language::kEn, {}, prompt);
  return Reader(lexicons, prompt).Run();
}

}  // namespace depict::lang
