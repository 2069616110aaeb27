#include "lang/lexicon.h"

#include <algorithm>
#include <array>
#include <utility>

#include "lang/language.h"
#include "lang/segmenter.h"
#include "text/utf8.h"

namespace depict::lang {

const std::map<std::string, std::string_view>& EmbeddedLexiconFiles();

namespace {

Gloss ParseGloss(std::string_view rest) {
  const size_t tab = rest.find('\t');
  if (tab == std::string_view::npos) return Gloss{rest, {}};
  return Gloss{rest.substr(0, tab), rest.substr(tab + 1)};
}

SortedTable IndexIfPresent(const std::map<std::string, std::string_view>& files,
                           const std::string& name, bool sorted) {
  const auto it = files.find(name);
  if (it == files.end()) return {};
  return sorted ? SortedTable::Index(name, it->second)
                : SortedTable::FromUnsorted(name, it->second);
}

}  // namespace

SortedTable IndexIfPresentUnsorted(const std::map<std::string, std::string_view>& files,
                                   const std::string& name) {
  return IndexIfPresent(files, name, false);
}

std::unique_ptr<Lexicon> Lexicon::Load(Language language,
                                       const std::map<std::string, std::string_view>& files,
                                       bool mapped) {
  const std::string code(Code(language));
  auto lexicon = std::make_unique<Lexicon>();
  lexicon->hand_ = IndexIfPresent(files, "hand_" + code + ".tsv", false);
  lexicon->words_ = IndexIfPresent(files, "lexicon_" + code + ".tsv", true);
  lexicon->lemmas_ = IndexIfPresent(files, "lemmas_" + code + ".tsv", true);
  lexicon->roman_words_ = IndexIfPresent(files, "roman_" + code + ".tsv", true);
  lexicon->cyrillic_ = language == Language::kRu;
  lexicon->german_ = language == Language::kDe;
  lexicon->arabic_ = language == Language::kAr;
  lexicon->accents_ = language == Language::kEs || language == Language::kFr ||
                      language == Language::kDe || language == Language::kPt ||
                      language == Language::kIt;
  lexicon->mapped_ = mapped;
  lexicon->ReleaseScanned();
  return lexicon;
}

// Indexing and the unaccented and romanised indexes read every line of the dictionaries; the
// lookups after them read a few pages. Without this, every language's dictionary would stay
// resident once an English prompt's detection has asked each one a word.
void Lexicon::ReleaseScanned() const {
  words_.ReleaseScannedPages(mapped_);
  lemmas_.ReleaseScannedPages(mapped_);
  roman_words_.ReleaseScannedPages(mapped_);
}

std::optional<Gloss> Lexicon::FindHand(std::string_view folded) const {
  if (auto rest = hand_.Find(folded)) return ParseGloss(*rest);
  return std::nullopt;
}

std::optional<Gloss> Lexicon::FindDictionary(std::string_view folded) const {
  if (auto rest = words_.Find(folded)) return DictionaryGloss(*rest);
  return std::nullopt;
}

Gloss Lexicon::DictionaryGloss(std::string_view rest) const {
  Gloss g = ParseGloss(rest);
  g.capitalised_common = arabic_ && !g.Has('p');
  return g;
}

std::optional<Gloss> Lexicon::FindThroughLemma(std::string_view folded) const {
  const auto lemma = lemmas_.Find(folded);
  if (!lemma || *lemma == folded) return std::nullopt;
  if (auto g = FindHand(*lemma)) return g;
  if (auto rest = words_.Find(*lemma)) return DictionaryGloss(*rest);
  return std::nullopt;
}

std::optional<Gloss> Lexicon::Find(std::string_view folded) const {
  if (auto g = FindHand(folded)) return g;
  if (auto rest = words_.Find(folded)) return DictionaryGloss(*rest);
  if (auto g = FindThroughLemma(folded)) return g;
  if (auto g = FindUnaccented(folded)) return g;
  if (arabic_) {
    if (auto g = FindArabicStem(folded)) return g;
  }
  // German dative plural: the plural with -n added ("den Flüchtlingen", "mit Kindern"), a
  // form the lemma lists often lack.
  if (german_ && folded.size() > 4 && folded.ends_with("n") &&
      (folded.ends_with("en") || folded.ends_with("ern") || folded.ends_with("eln"))) {
    const std::string_view plural = folded.substr(0, folded.size() - 1);
    if (auto rest = words_.Find(plural)) return ParseGloss(*rest);
    if (auto g = FindHand(plural)) return g;
  }
  return std::nullopt;
}

// Arabic writes plural and case endings, object pronouns and the imperfect's person prefixes
// onto the word ("عاريين" naked ones, "مشنوقاً" hanged, "يصور" he depicts, "بتجرح" is wounding):
// a word no table lists is looked up in the hand table without them, the stem kept to three
// letters or more.
std::optional<Gloss> Lexicon::FindArabicStem(std::string_view folded) const {
  static constexpr std::string_view kSuffixes[] = {"",   "تين", "ين", "ون", "ات", "ان", "ها",
                                                   "هم", "هن",  "ة",  "ه",  "ا",  "ي"};
  static constexpr std::string_view kPrefixes[] = {"", "بي", "بت", "ي", "ت", "ن"};
  constexpr size_t kMinStemBytes = 6;  // three Arabic letters
  for (std::string_view suffix : kSuffixes) {
    if (!folded.ends_with(suffix)) continue;
    for (std::string_view prefix : kPrefixes) {
      if ((suffix.empty() && prefix.empty()) || !folded.starts_with(prefix)) continue;
      if (folded.size() < prefix.size() + suffix.size() + kMinStemBytes) continue;
      const std::string_view stem =
          folded.substr(prefix.size(), folded.size() - prefix.size() - suffix.size());
      // Only the hand table's stems: FreeDict's Arabic glosses are capitalised like names
      // ("Auscultated"), and a stem's many senses are best left to the words people listed.
      if (auto g = FindHand(stem)) return g;
    }
  }
  return std::nullopt;
}

namespace {

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

// "décapité" -> "decapite"; "" when the form has no accent to drop or keeps another letter.
std::string Unaccented(std::string_view form) {
  if (IsAscii(form)) return "";
  std::string out;
  for (size_t i = 0; i < form.size();) i += text::AppendFolded(form, i, out);
  return IsAscii(out) ? out : "";
}

}  // namespace

std::optional<Gloss> Lexicon::FindUnaccented(std::string_view folded) const {
  if (!accents_ || folded.size() < 3 || !IsAscii(folded)) return std::nullopt;
  const auto hash = [](std::string_view key) { return std::hash<std::string_view>{}(key); };
  std::call_once(unaccented_once_, [&] {
    // Every accented form of the hand table, the dictionary and (but in German, whose umlaut
    // forms would double the index) the inflected forms, by its unaccented spelling; a spelling
    // that is a word as written is never taken ("papa" is not "papá").
    const auto add = [&](std::string_view form, std::string_view) {
      const std::string key = Unaccented(form);
      if (key.size() < 3 || hand_.Find(key) || words_.Find(key) || lemmas_.Find(key)) return;
      unaccented_.emplace_back(hash(key), form);
    };
    hand_.ForEach(add);
    words_.ForEach(add);
    if (!german_) lemmas_.ForEach(add);
    std::sort(unaccented_.begin(), unaccented_.end());
    unaccented_.shrink_to_fit();
    ReleaseScanned();
  });
  const uint64_t h = hash(folded);
  auto it = std::lower_bound(unaccented_.begin(), unaccented_.end(),
                             std::pair<uint64_t, std::string_view>(h, std::string_view()));
  // The first form (hand table, dictionary, inflected forms) that reads back to the spelling.
  std::optional<Gloss> found;
  for (; it != unaccented_.end() && it->first == h; ++it) {
    if (Unaccented(it->second) != folded) continue;
    if (auto g = FindHand(it->second)) return g;
    if (!found) {
      if (auto rest = words_.Find(it->second)) {
        found = ParseGloss(*rest);
      } else {
        found = FindThroughLemma(it->second);
      }
    }
  }
  return found;
}

std::optional<Gloss> Lexicon::FindRomanized(std::string_view folded) const {
  std::call_once(roman_once_, [&] {
    hand_.ForEach([&](std::string_view form, std::string_view rest) {
      const Gloss gloss = ParseGloss(rest);
      if (gloss.Has('s') || gloss.Has('x')) return;  // affixes are not words
      const std::string key =
          RomanKey(ScriptOfText(form) == Script::kLatin ? std::string(form) : Romanize(form));
      if (key.size() >= 3) roman_.emplace(key, gloss);  // the first reading of a key wins
    });
    // Russian is typed in Latin letters whole sentences at a time ("golaya devushka v
    // posteli"): the dictionary's words and their inflected forms count too, after the hand
    // table's.
    if (cyrillic_) {
      const auto add = [&](std::string_view form, std::optional<Gloss> gloss) {
        // Not the readings via German (flag v): they would triple the index, and a word typed
        // in Latin letters is a common one.
        if (!gloss || gloss->Dropped() || gloss->Has('v')) return;
        const std::string key = RomanKey(Romanize(form));
        if (key.size() >= 4) roman_.emplace(key, *gloss);
      };
      words_.ForEach(
          [&](std::string_view form, std::string_view rest) { add(form, ParseGloss(rest)); });
      lemmas_.ForEach([&](std::string_view form, std::string_view) { add(form, Find(form)); });
    }
    ReleaseScanned();
  });
  const std::string key = RomanKey(folded);
  if (key.size() < 3) return std::nullopt;  // "ai", "de": too many words share two letters
  if (const auto it = roman_.find(key); it != roman_.end()) return it->second;
  // Chinese and Japanese words romanised when the tables were made (pinyin, Hepburn).
  if (const auto row = roman_words_.Find(key)) return Find(row->substr(0, row->find('\t')));
  return std::nullopt;
}

std::string RomanKey(std::string_view typed) {
  const std::string latin = StripMarks(typed);
  std::string s;
  for (char c : latin) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c >= 'a' && c <= 'z') {
      s.push_back(c);
    } else if (c == '3' || c == '2') {  // Arabizi ع and ء, which ICU writes as marks
      continue;
    } else if (c == '7' || c == '5') {
      s.push_back('h');
    } else if (c == '6') {
      s.push_back('t');
    } else if (c == '9') {
      s.push_back('s');
    }
  }
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kDigraphs = {{
      {"shch", "s"},
      {"sch", "s"},
      {"tch", "c"},
      {"ch", "c"},
      {"sh", "s"},
      {"zh", "z"},
      {"kh", "h"},
      {"ts", "c"},
      {"dz", "z"},
      {"ph", "f"},
      {"th", "t"},
      {"gh", "g"},
      {"dh", "d"},
      {"bh", "b"},
      {"jh", "j"},
      {"ee", "i"},
  }};
  for (const auto& [from, to] : kDigraphs) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
      s.replace(at, from.size(), to);
    }
  }
  std::string out;
  for (char c : s) {
    if (c == 'y' || c == 'j') continue;
    if (c == 'r') c = 'l';
    if (c == 'w' || c == 'v') c = 'u';  // pinyin writes ü as v
    if (!out.empty() && out.back() == c) continue;
    out.push_back(c);
  }
  return out;
}

Lexicons::Lexicons(std::map<std::string, std::string_view> files, bool mapped)
    : files_(std::move(files)), mapped_(mapped) {}

std::shared_ptr<const Lexicons> Lexicons::Embedded() {
  static const std::shared_ptr<const Lexicons> kEmbedded =
      std::make_shared<const Lexicons>(EmbeddedLexiconFiles(), true);
  return kEmbedded;
}

const Lexicon& Lexicons::Get(Language language) const {
  const int i = static_cast<int>(language);
  std::call_once(once_[i], [&] { loaded_[i] = Lexicon::Load(language, files_, mapped_); });
  return *loaded_[i];
}

}  // namespace depict::lang

namespace depict::lang {

std::string_view Lexicons::Keyed(int table, Language language, std::string_view key) const {
  static constexpr std::array<const char*, 5> kFiles = {
      "cast_words.tsv", "articles.tsv", "demonyms_en.tsv", "surnames.tsv", "enclitics.tsv"};
  std::call_once(keyed_once_[table],
                 [&] { keyed_[table] = IndexIfPresentUnsorted(files_, kFiles[table]); });
  std::string full(Code(language));
  full.push_back(':');
  full.append(key);
  return keyed_[table].Find(full).value_or(std::string_view());
}

std::string_view Lexicons::CastWord(Language language, std::string_view key) const {
  return Keyed(0, language, key);
}

std::string_view Lexicons::Demonym(std::string_view country) const {
  return Keyed(2, Language::kEn, Fold(country));
}

bool Lexicons::Surname(Language language, std::string_view word) const {
  return !Keyed(3, language, word).empty();
}

char Lexicons::Enclitic(Language language, std::string_view suffix) const {
  const std::string_view kind = Keyed(4, language, suffix);
  return kind.empty() ? 0 : kind[0];
}

char Lexicons::ArticleGender(Language language, std::string_view folded) const {
  const std::string_view g = Keyed(1, language, folded);
  return g.empty() ? 0 : g[0];
}

}  // namespace depict::lang
