#include "lang/lexicon.h"

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
                                       const std::map<std::string, std::string_view>& files) {
  const std::string code(Code(language));
  auto lexicon = std::make_unique<Lexicon>();
  lexicon->hand_ = IndexIfPresent(files, "hand_" + code + ".tsv", false);
  lexicon->words_ = IndexIfPresent(files, "lexicon_" + code + ".tsv", true);
  lexicon->lemmas_ = IndexIfPresent(files, "lemmas_" + code + ".tsv", true);
  return lexicon;
}

std::optional<Gloss> Lexicon::FindHand(std::string_view folded) const {
  if (auto rest = hand_.Find(folded)) return ParseGloss(*rest);
  return std::nullopt;
}

std::optional<Gloss> Lexicon::Find(std::string_view folded) const {
  if (auto g = FindHand(folded)) return g;
  if (auto rest = words_.Find(folded)) return ParseGloss(*rest);
  if (auto lemma = lemmas_.Find(folded)) {
    if (auto g = FindHand(*lemma)) return g;
    if (auto rest = words_.Find(*lemma)) return ParseGloss(*rest);
  }
  return std::nullopt;
}

Lexicons::Lexicons(std::map<std::string, std::string_view> files) : files_(std::move(files)) {}

std::shared_ptr<const Lexicons> Lexicons::Embedded() {
  static const std::shared_ptr<const Lexicons> kEmbedded =
      std::make_shared<const Lexicons>(EmbeddedLexiconFiles());
  return kEmbedded;
}

const Lexicon& Lexicons::Get(Language language) const {
  const int i = static_cast<int>(language);
  std::call_once(once_[i], [&] { loaded_[i] = Lexicon::Load(language, files_); });
  return *loaded_[i];
}

}  // namespace depict::lang

namespace depict::lang {

std::string_view Lexicons::Keyed(int table, Language language, std::string_view key) const {
  static constexpr std::array<const char*, 2> kFiles = {"cast_words.tsv", "articles.tsv"};
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

char Lexicons::ArticleGender(Language language, std::string_view folded) const {
  const std::string_view g = Keyed(1, language, folded);
  return g.empty() ? 0 : g[0];
}

}  // namespace depict::lang
