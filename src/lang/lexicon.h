// The word lists of one language (data/lang/): a hand-written table for what the dictionaries
// lack, the imported dictionary, and inflected forms with their lemmas. Lexicons holds all
// languages and loads each on first use, so an English prompt never pays for them.
#ifndef DEPICT_LANG_LEXICON_H_
#define DEPICT_LANG_LEXICON_H_

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lang/language.h"
#include "lang/sorted_table.h"

namespace depict::lang {

// An English reading of a word. `english` "-" means the word has none (a particle).
struct Gloss {
  std::string_view english;
  // a adjective, n noun, p place, s suffix, x prefix, e everyday word in Latin letters
  // (reader.cc); in English: h person noun, t title, g states a gender, o a person in general
  std::string_view flags;
  // From a dictionary that capitalises every gloss (FreeDict's Arabic: "Auscultates"): read
  // with its first letter lowercase, unless it names a place, so it is not taken for a name.
  bool capitalised_common = false;
  bool Has(char flag) const { return flags.find(flag) != std::string_view::npos; }
  bool Dropped() const { return english == "-"; }
};

class Lexicon {
 public:
  // Reads lexicon_<code>.tsv, lemmas_<code>.tsv and hand_<code>.tsv from `files` (each may be
  // missing). Throws text::TableError. `mapped`: the files are the executable's own bytes, whose
  // pages may be handed back after each full scan (SortedTable::ReleaseScannedPages).
  static std::unique_ptr<Lexicon> Load(Language language,
                                       const std::map<std::string, std::string_view>& files,
                                       bool mapped = false);

  // `folded` is NFKC and case-folded. The hand table wins, then the dictionary, then the
  // dictionary's reading of the form's lemma.
  std::optional<Gloss> Find(std::string_view folded) const;
  // Whether some word of the hand table or the dictionary starts with `folded` (a longest
  // match stops growing when none does).
  bool HasPrefix(std::string_view folded) const {
    return hand_.HasPrefix(folded) || words_.HasPrefix(folded);
  }
  // The reading of the form's lemma only ("jungen" -> "jung" -> "young").
  std::optional<Gloss> FindThroughLemma(std::string_view folded) const;
  // Only the hand table (function words, affixes).
  std::optional<Gloss> FindHand(std::string_view folded) const;
  // Only the imported dictionary (its sense where the hand table gives another).
  std::optional<Gloss> FindDictionary(std::string_view folded) const;
  // A word of a language in another script written in Latin letters ("golaya", "hadaka",
  // "nangi"): the hand table's own Latin rows, then its rows romanised by ICU, both compared
  // by RomanKey. Built on first use.
  std::optional<Gloss> FindRomanized(std::string_view folded) const;
  size_t size() const { return hand_.size() + words_.size() + lemmas_.size(); }

 private:
  SortedTable hand_, words_, lemmas_, roman_words_;
  bool cyrillic_ = false;  // romanised words also from the dictionary and its forms
  // Words typed without their accents ("nino desnudo", "tete coupee"): each accented form by
  // its unaccented spelling, where that spelling is no word of its own. Built on first use, for
  // the Latin-script languages that write accents.
  bool accents_ = false;
  bool german_ = false;
  bool arabic_ = false;
  Gloss DictionaryGloss(std::string_view rest) const;
  std::optional<Gloss> FindArabicStem(std::string_view folded) const;
  mutable std::once_flag unaccented_once_;
  bool mapped_ = false;
  void ReleaseScanned() const;
  // (hash of the unaccented spelling, the accented form), sorted by hash: 24 bytes a form.
  mutable std::vector<std::pair<uint64_t, std::string_view>> unaccented_;
  std::optional<Gloss> FindUnaccented(std::string_view folded) const;
  mutable std::once_flag roman_once_;
  mutable std::unordered_map<std::string, Gloss> roman_;
};

// How romanisations of one word in different systems are compared: lowercase letters only,
// digraphs and doubled letters reduced, y and j dropped, r read as l, and the digits of Arabizi
// as the letters they stand for ("golaya" and ICU's "golaâ" both give "gola").
std::string RomanKey(std::string_view latin);

class Lexicons {
 public:
  // `files` maps names such as "lexicon_zh.tsv" to their bytes, which must outlive this.
  explicit Lexicons(std::map<std::string, std::string_view> files, bool mapped = false);
  // The tables compiled into the binary.
  static std::shared_ptr<const Lexicons> Embedded();

  // Loads `language`'s tables on first use (thread-safe). Throws text::TableError.
  const Lexicon& Get(Language language) const;
  // A word of data/lang/cast_words.tsv ("zh", "woman" -> "女性"), "" when the table lacks it.
  std::string_view CastWord(Language language, std::string_view key) const;
  // Whether `word` is a family name that starts personal names (data/lang/surnames.tsv).
  bool Surname(Language language, std::string_view word) const;
  // 'M' or 'F' for an article that marks its noun's gender (data/lang/articles.tsv), else 0.
  char ArticleGender(Language language, std::string_view folded) const;
  // 'R' for a reflexive pronoun written onto a verb (data/lang/enclitics.tsv: Spanish "se"),
  // 'O' for another, 0 if `suffix` is none.
  char Enclitic(Language language, std::string_view suffix) const;
  // The demonym of a country named in English ("Mexico" -> "Mexican"), "" if none.
  std::string_view Demonym(std::string_view country) const;

 private:
  std::map<std::string, std::string_view> files_;
  bool mapped_ = false;  // the files are the executable's own bytes (Embedded())
  mutable std::array<std::once_flag, kLanguageCount> once_;
  mutable std::array<std::unique_ptr<Lexicon>, kLanguageCount> loaded_;
  // Small hand-written tables keyed "language:key": cast words, articles, demonyms, surnames,
  // enclitic pronouns.
  std::string_view Keyed(int table, Language language, std::string_view key) const;
  mutable std::array<std::once_flag, 5> keyed_once_;
  mutable std::array<SortedTable, 5> keyed_;
};

}  // namespace depict::lang

#endif  // DEPICT_LANG_LEXICON_H_
