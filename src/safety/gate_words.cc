#include "safety/gate_words.h"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <unordered_map>

#include "safety/rules.h"
#include "text/edit_distance.h"

namespace depict::safety {
namespace {

// Punctuation that obfuscation puts inside a word without spaces: "n.u.d.e", "s*x", "@ss".
bool IsJoiner(char c) {
  return c == '.' || c == '*' || c == '_' || c == '@' || c == '$' || c == '\'' || c == '~' ||
         c == '+' || c == '|' || c == '!';
}

// Leetspeak digits and symbols read as letters ('1' also as 'l' below).
char LeetLetter(char c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    case '8':
      return 'b';
    case '9':
      return 'g';
    case '@':
      return 'a';
    case '$':
      return 's';
    case '!':
      return 'i';
    case '|':
      return 'l';
    case '+':
      return 't';
    default:
      return c;
  }
}

bool IsAsciiLetter(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int LetterCount(std::string_view s) {
  return static_cast<int>(std::count_if(s.begin(), s.end(), IsAsciiLetter));
}

class Builder {
 public:
  Builder(std::string_view prompt, const text::TokenList& t, const text::Lemmatizer& lem,
          const text::StringTable& vocabulary, const TypoReader& typos)
      : prompt_(prompt), t_(t), lem_(lem), vocabulary_(vocabulary), typos_(typos) {}

  GateWords Build() {
    out_.words.reserve(t_.size());
    out_.forms.reserve(t_.size() * 3);
    out_.form_ids.reserve(t_.size() * 3);
    std::vector<Chunk> chunks = Chunks();
    JoinSpacedLetters(chunks);
    JoinCountTags(chunks);
    for (const Chunk& c : chunks) {
      // "14yo", "13yr": the number and the word apart, as "14 yo" is read.
      if (!c.joined) {
        Emit(c);
        continue;
      }
      size_t digits = 0;
      while (digits < c.text.size() && IsDigit(c.text[digits])) ++digits;
      if (digits == 0 || digits == c.text.size() ||
          std::any_of(c.text.begin() + static_cast<std::ptrdiff_t>(digits), c.text.end(),
                      IsDigit)) {
        Emit(c);
        continue;
      }
      Chunk number = c, word = c;
      number.text = c.text.substr(0, digits);
      number.end = c.start + static_cast<uint32_t>(digits);
      number.joined = false;
      word.text = c.text.substr(digits);
      word.start = number.end;
      word.joined = false;
      Emit(number);
      Emit(word);
    }
    return std::move(out_);
  }

 private:
  struct Chunk {
    uint32_t start = 0, end = 0;
    std::string text;     // lowercase; '*' stands for a starred letter
    bool joined = false;  // made of several tokens, or holds leet characters
  };

  bool Adjacent(size_t a, size_t b) const { return t_[a].end == t_[b].start; }

  // "1girl", "2boys": a booru count tag is one word, not a number and a person ("1girl, 1boy"
  // is no "girl, 1").
  static void JoinCountTags(std::vector<Chunk>& chunks) {
    size_t out = 0;
    for (size_t n = 0; n < chunks.size(); ++n) {
      Chunk& c = chunks[n];
      if (n + 1 < chunks.size() && !c.text.empty() &&
          std::all_of(c.text.begin(), c.text.end(), IsDigit) && chunks[n + 1].start == c.end) {
        if (text::IsCountTagNoun(chunks[n + 1].text)) {
          c.text += chunks[n + 1].text;
          c.end = chunks[n + 1].end;
          ++n;
        }
      }
      if (out != n) chunks[out] = std::move(c);
      ++out;
    }
    chunks.resize(out);
  }
  bool SingleLetter(size_t i) const { return t_.IsWord(i) && t_.norm(i).size() == 1; }
  char PunctChar(size_t i) const { return prompt_[t_[i].start]; }

  // Maximal runs of tokens written without spaces through joiners, and single letters linked
  // by hyphens ("n-a-k-e-d"; "x-ray" stays two words).
  std::vector<Chunk> Chunks() const {
    std::vector<Chunk> chunks;
    chunks.reserve(t_.size());
    size_t i = 0;
    while (i < t_.size()) {
      const bool leet_lead = t_.IsPunct(i) && (PunctChar(i) == '@' || PunctChar(i) == '$') &&
                             i + 1 < t_.size() && t_.IsWord(i + 1) && Adjacent(i, i + 1);
      if (!t_.IsWord(i) && !leet_lead) {
        ++i;
        continue;
      }
      Chunk c;
      c.start = t_[i].start;
      size_t j = i;
      int parts = 0;
      while (true) {
        if (t_.IsWord(j)) {
          c.text.append(t_.norm(j));
          ++parts;
        } else {
          // '*' stands for a hidden letter, '@' and '$' for letters, '.' or '_' for nothing.
          const char p = PunctChar(j);
          if (p == '*' || LeetLetter(p) != p) c.text.push_back(p == '*' ? '*' : LeetLetter(p));
        }
        c.end = t_[j].end;
        const size_t k = j + 1;
        if (k >= t_.size()) break;
        if (t_.IsWord(j) && t_[j].hyphen_after && SingleLetter(j) && SingleLetter(k)) {
          j = k;
          continue;
        }
        if (!Adjacent(j, k)) break;
        if (t_.IsWord(k) && !t_.IsWord(j)) {
          j = k;
          continue;
        }
        // A joiner counts only between two word characters: "a.b" yes, "end." no.
        if (t_.IsPunct(k) && IsJoiner(PunctChar(k)) && k + 1 < t_.size() && t_.IsWord(k + 1) &&
            Adjacent(k, k + 1)) {
          j = k;
          continue;
        }
        break;
      }
      c.joined = parts > 1 || std::any_of(c.text.begin(), c.text.end(),
                                          [](char ch) { return IsDigit(ch) || ch == '*'; });
      chunks.push_back(std::move(c));
      i = j + 1;
    }
    return chunks;
  }

  // Runs of three or more one-character words separated by spaces ("n u d e", "s 3 x") become
  // one word; a leading article "a" or "i" stays apart ("a n u d e child").
  bool OnlySpacesBetween(const Chunk& a, const Chunk& b) const {
    const std::string_view gap = prompt_.substr(a.end, b.start - a.end);
    return gap.find_first_not_of(' ') == std::string_view::npos;
  }

  void JoinSpacedLetters(std::vector<Chunk>& chunks) const {
    // Most prompts have no three one-character words in a row: nothing to rebuild.
    size_t run = 0, longest = 0;
    for (const Chunk& c : chunks) {
      run = c.text.size() == 1 ? run + 1 : 0;
      longest = std::max(longest, run);
    }
    if (longest < 3) return;
    std::vector<Chunk> out;
    size_t i = 0;
    while (i < chunks.size()) {
      size_t j = i;  // [i, j) is a run of one-character words separated by spaces only
      while (j < chunks.size() && chunks[j].text.size() == 1 &&
             (j == i || OnlySpacesBetween(chunks[j - 1], chunks[j]))) {
        ++j;
      }
      if (j == i) {
        out.push_back(std::move(chunks[i++]));
        continue;
      }
      size_t first = i;
      if (j - i >= 4 && (chunks[i].text == "a" || chunks[i].text == "i")) {
        out.push_back(chunks[i]);
        first = i + 1;
      }
      Chunk joined;
      joined.start = chunks[first].start;
      joined.end = chunks[j - 1].end;
      joined.joined = true;
      for (size_t k = first; k < j; ++k) joined.text += chunks[k].text;
      if (j - first >= 3 && LetterCount(joined.text) >= 2) {
        out.push_back(std::move(joined));
      } else {
        for (size_t k = first; k < j; ++k) out.push_back(std::move(chunks[k]));
      }
      i = j;
    }
    chunks = std::move(out);
  }

  // A lemma is known by its id alone: prefix phrases are tried on spellings only.
  void AddLemma(int id) {
    const auto begin = out_.form_ids.begin() + static_cast<std::ptrdiff_t>(word_first_);
    if (std::find(begin, out_.form_ids.end(), id) != out_.form_ids.end()) return;
    out_.forms.emplace_back();
    out_.form_ids.push_back(id);
  }

  // The vocabulary ids of a spelling's lemmas. Prompts repeat their words, so each thread keeps
  // the answers for the vocabulary it last read (a reload brings a new one).
  const std::vector<int>& LemmaIds(const std::string& spelling) {
    struct Cache {
      uint64_t vocabulary = 0;
      std::unordered_map<std::string, std::vector<int>> ids;
    };
    thread_local Cache cache;
    constexpr size_t kMaxCached = 1 << 16;
    if (cache.vocabulary != vocabulary_.serial() || cache.ids.size() >= kMaxCached) {
      cache.ids.clear();
      cache.vocabulary = vocabulary_.serial();
    }
    const auto [it, fresh] = cache.ids.try_emplace(spelling);
    if (fresh) {
      scratch_.clear();
      lem_.Candidates(spelling, scratch_, &vocabulary_);
      for (const std::string& l : scratch_) it->second.push_back(vocabulary_.Find(l));
    }
    return it->second;
  }

  // Adds a form unless the word has it.
  void AddForm(std::string s) {
    const auto begin = out_.forms.begin() + static_cast<std::ptrdiff_t>(word_first_);
    if (s.empty() || std::find(begin, out_.forms.end(), s) != out_.forms.end()) return;
    const int id = vocabulary_.Find(s);
    out_.forms.push_back(std::move(s));
    out_.form_ids.push_back(id);
  }

  // Runs of three or more of one letter collapsed to `keep` letters ("nuuude" -> "nude").
  static std::string CollapseRuns(std::string_view s, size_t keep) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
      size_t j = i;
      while (j < s.size() && s[j] == s[i]) ++j;
      out.append(j - i >= 3 && IsAsciiLetter(s[i]) ? std::min(j - i, keep) : j - i, s[i]);
      i = j;
    }
    return out;
  }

  static bool HasRun(std::string_view s) {
    for (size_t i = 2; i < s.size(); ++i) {
      if (s[i] == s[i - 1] && s[i] == s[i - 2] && IsAsciiLetter(s[i])) return true;
    }
    return false;
  }

  void Emit(const Chunk& c) {
    GateWord w;
    w.start = c.start;
    w.end = c.end;
    word_first_ = out_.forms.size();
    w.first_form = static_cast<uint32_t>(word_first_);
    // The spellings first (as written, de-leeted, stretched letters collapsed), then their
    // lemmas; prefix phrases ("mutilat*") need only the spellings.
    AddForm(c.text);
    if (c.joined && LetterCount(c.text) >= 2) {
      std::string leet = c.text, leet_l = c.text;
      for (char& ch : leet) ch = LeetLetter(ch);
      for (char& ch : leet_l) ch = ch == '1' ? 'l' : LeetLetter(ch);
      AddForm(leet);
      AddForm(leet_l);
      if (c.text.find('*') != std::string::npos) {
        for (char vowel : {'a', 'e', 'i', 'o', 'u'}) {
          std::string v = leet;
          std::replace(v.begin(), v.end(), '*', vowel);
          AddForm(std::move(v));
        }
      }
    }
    if (HasRun(c.text)) {
      const size_t end = out_.forms.size();
      for (size_t k = word_first_; k < end; ++k) {
        AddForm(CollapseRuns(out_.forms[k], 2));
        AddForm(CollapseRuns(out_.forms[k], 1));
      }
    }
    AddTypoForm(c);
    w.spelling_count = static_cast<uint32_t>(out_.forms.size() - word_first_);
    for (size_t k = word_first_; k < word_first_ + w.spelling_count; ++k) {
      for (const int id : LemmaIds(out_.forms[k])) AddLemma(id);
    }
    w.form_count = static_cast<uint32_t>(out_.forms.size() - word_first_);
    out_.words.push_back(w);
  }

  void AddTypoForm(const Chunk& c) {
    if (typos_.known == nullptr || !typos_.targets || c.joined ||
        c.text.size() < Rules::kMinShortTypoLength) {
      return;
    }
    const bool short_word = c.text.size() < Rules::kMinTypoLength;
    // A capital inside a prompt starts a name ("Zendaya"), not a misspelled word.
    if (c.start > 0 && prompt_[c.start] >= 'A' && prompt_[c.start] <= 'Z') return;
    for (size_t k = word_first_; k < out_.forms.size(); ++k) {
      if (out_.form_ids[k] >= 0) return;
    }
    if (!std::all_of(c.text.begin(), c.text.end(),
                     [](char ch) { return ch >= 'a' && ch <= 'z'; })) {
      return;
    }
    int found = -1;
    std::vector<int> lemmas;  // the lemmas every candidate so far shares
    for (const size_t length : {c.text.size() - 1, c.text.size(), c.text.size() + 1}) {
      for (const int id : typos_.targets(c.text, length)) {
        const std::string& target = vocabulary_.at(id);
        // An s or d more or less at the end is an inflection ("painting", "paintings"), not a
        // slip of the fingers ("gettin" is "getting").
        const std::string_view shorter = target.size() < c.text.size() ? target : c.text;
        const std::string_view longer = target.size() < c.text.size() ? c.text : target;
        if (longer.size() == shorter.size() + 1 && longer.starts_with(shorter) &&
            (longer.back() == 's' || longer.back() == 'd')) {
          continue;
        }
        if (short_word ? !DeliberateSlip(c.text, target)
                       : target.size() < Rules::kMinTypoLength || !text::OneEdit(c.text, target)) {
          continue;
        }
        std::vector<int> own = LemmaIds(target);
        own.push_back(id);
        std::sort(own.begin(), own.end());
        if (found < 0) {
          found = id;
          lemmas = std::move(own);
          continue;
        }
        // Two table words fit: the typo stands for them only as forms of one word ("arrestd":
        // arrested, arrests).
        std::vector<int> shared;
        std::set_intersection(lemmas.begin(), lemmas.end(), own.begin(), own.end(),
                              std::back_inserter(shared));
        if (shared.empty()) return;
        lemmas = std::move(shared);
      }
    }
    // Asked last: most long words are in no table word's reach, and English knows the rest.
    if (found >= 0 && !(*typos_.known)(c.text)) AddForm(vocabulary_.at(found));
  }

  std::string_view prompt_;
  const text::TokenList& t_;
  const text::Lemmatizer& lem_;
  const text::StringTable& vocabulary_;
  TypoReader typos_;
  GateWords out_;
  size_t word_first_ = 0;
  std::vector<std::string> scratch_;
};

}  // namespace

bool DeliberateSlip(std::string_view typed, std::string_view word) {
  const auto is_vowel = [](char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
  };
  // The typed word with its one different letter removed is the other.
  const auto one_dropped = [](std::string_view longer, std::string_view shorter, size_t& at) {
    if (longer.size() != shorter.size() + 1) return false;
    at = 0;
    while (at < shorter.size() && longer[at] == shorter[at]) ++at;
    return longer.substr(at + 1) == shorter.substr(at);
  };
  size_t at = 0;
  // "nakd": a vowel of the word left out.
  if (one_dropped(word, typed, at)) return is_vowel(word[at]);
  // "sexxy": a letter of the word doubled.
  if (one_dropped(typed, word, at)) {
    return (at > 0 && typed[at - 1] == typed[at]) ||
           (at + 1 < typed.size() && typed[at + 1] == typed[at]);
  }
  return false;
}

GateWords ReadGateWords(std::string_view prompt, const text::TokenList& tokens,
                        const text::Lemmatizer& lemmatizer, const text::StringTable& vocabulary,
                        const TypoReader& typos) {
  return Builder(prompt, tokens, lemmatizer, vocabulary, typos).Build();
}

}  // namespace depict::safety
