#include "safety/gate.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "safety/gate_words.h"
#include "text/number_words.h"

namespace depict::safety {
namespace {

struct Match {
  int list = 0;
  uint32_t first = 0;  // gate word indices, inclusive
  uint32_t last = 0;
  uint32_t start = 0;  // byte span
  uint32_t end = 0;
  bool passive = false;       // right after "being", "getting": about the person before it
  uint32_t passive_from = 0;  // where the passive began: its subject stands before this byte
};

// Every phrase of every list in `words`, with byte spans: class phrases first, then the lists'
// phrases that use them.
std::vector<Match> FindPhrases(const Rules& rules, const GateWords& words) {
  std::vector<TrieMatch> found;
  rules.classes().Match(words, nullptr, found);
  const ClassEnds class_ends(found, words.words.size());
  found.clear();
  rules.phrases().Match(words, &class_ends, found);
  std::vector<Match> matches;
  matches.reserve(found.size());
  for (const TrieMatch& m : found) {
    matches.push_back(
        {m.terminal, m.first, m.last, words.words[m.first].start, words.words[m.last].end});
  }
  return matches;
}

// Marks the gate words of ages in years ("12 year old", "twelve-year-old", "14 yo") as light:
// a phrase's gap skips them without counting them.
void MarkAges(const text::TokenList& t, GateWords& w) {
  const auto age_word = [](std::string_view n) {
    return n == "year" || n == "years" || n == "yr" || n == "yrs" || n == "yo" || n == "old";
  };
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  for (size_t i = 0; i < t.size(); ++i) {
    size_t length = 0;
    if (t[i].kind == text::TokenKind::kNumber) {
      length = 1;
    } else if (text::ReadNumberWords(t, i, length) < 0) {
      continue;
    }
    size_t end = i + length;
    while (end < t.size() && t.IsWord(end) && age_word(t.norm(end))) ++end;
    if (end == i + length) continue;  // a number, not an age
    spans.emplace_back(t[i].start, t[end - 1].end);
    i = end - 1;
  }
  if (spans.empty()) return;
  w.light.assign(w.words.size(), false);
  for (size_t k = 0; k < w.words.size(); ++k) {
    for (const auto& [from, to] : spans) {
      if (w.words[k].start >= from && w.words[k].end <= to) w.light[k] = true;
    }
  }
}

// Whether the token at byte `start` continues a number spelled in words: "five" in
// "thirty-five-year-old" is no age of five.
bool InsideSpelledNumber(const text::TokenList& t, uint32_t start) {
  size_t j = 0;
  while (j < t.size() && t[j].start < start) ++j;
  if (j == t.size() || t[j].start != start) return false;
  // "a 2 5 year old woman": single digits spaced apart are one number, 20 or more after a 2-9.
  const auto digit = [&](size_t i) {
    return t[i].kind == text::TokenKind::kNumber && t.norm(i).size() == 1;
  };
  if (j > 0 && digit(j) && digit(j - 1) && t.norm(j - 1) >= "2") return true;
  for (size_t back = 1; back <= 3 && back <= j; ++back) {
    size_t length = 0;
    if (text::ReadNumberWords(t, j - back, length) >= 0 && length > back) return true;
  }
  return false;
}

// A phrase inside a longer one is the longer one's part: "sexual" in "sexual health" is not
// "sexual". Keeps the matches no other match strictly contains.
std::vector<Match> Outermost(const Rules& rules, const std::vector<Match>& matches) {
  std::vector<Match> kept;
  for (const Match& m : matches) {
    // Words that make a person a minor are a fact about that person, whatever phrase holds them
    // ("touching a young boy's genitals"); a frame frames, whatever holds it ("support" in
    // "support group"); a word class names what a word is ("isis" in "an isis flag"). Only
    // acts and topics become part of a longer phrase.
    bool inside = false;
    const ListKind kind = rules.list_kinds()[m.list];
    if (kind == ListKind::kMinor || kind == ListKind::kFrame || kind == ListKind::kWords) {
      kept.push_back(m);
      continue;
    }
    for (const Match& o : matches) {
      // Only a compound (a topic or a word class, such as "sexual health" or "gore tex") takes
      // a shorter phrase into it; two things shown side by side are both shown.
      const ListKind outer = rules.list_kinds()[o.list];
      if (outer != ListKind::kTopic && outer != ListKind::kWords) continue;
      if (o.first <= m.first && m.last <= o.last && (o.last - o.first) > (m.last - m.first)) {
        inside = true;
        break;
      }
    }
    if (!inside) kept.push_back(m);
  }
  return kept;
}

uint32_t Distance(uint32_t a_start, uint32_t a_end, uint32_t b_start, uint32_t b_end) {
  if (a_end <= b_start) return b_start - a_end;
  if (b_end <= a_start) return a_start - b_end;
  return 0;
}

bool Has(const FactPerson& p, int builtin) {
  switch (builtin) {
    case kRealPerson:
      return p.real;
    case kMinor:
      return p.minor;
    case kExtremistPerson:
      return p.extremist;
    case kPerson:
      return true;
    case kIdentityGroup:
      return p.identity_group;
    case kHistoricalPerson:
      return p.historical;
    case kPast:
      return p.past;
    default:
      return false;
  }
}

// Evaluates the rules on one prompt's matches and people.
class Judge {
 public:
  Judge(const Rules& rules, std::string_view prompt, std::vector<Match> matches,
        std::vector<FactPerson> people)
      : rules_(rules), prompt_(prompt), matches_(std::move(matches)), people_(std::move(people)) {
    AddMinorWords();
    // Each list's matches: by_list_[list_begin_[l], list_begin_[l + 1]).
    list_begin_.assign(rules_.list_names().size() + 2, 0);
    for (const Match& m : matches_) ++list_begin_[m.list + 2];
    for (size_t l = 2; l < list_begin_.size(); ++l) list_begin_[l] += list_begin_[l - 1];
    by_list_.resize(matches_.size());
    for (const Match& m : matches_) by_list_[list_begin_[m.list + 1]++] = &m;
    list_begin_.pop_back();
    for (const FactPerson& p : people_) {
      for (int b = 0; b < kBuiltinCount; ++b) {
        if (Has(p, b)) builtins_present_ |= 1u << b;
      }
    }
  }

  // Rules about what is shown go before rules about a topic: "a victim hanging from a bridge
  // with his legs cut off" is refused for the gore it shows, not for the hanging it suggests.
  std::optional<Refusal> Run() const {
    for (const bool topics : {false, true}) {
      for (const Rule& rule : rules_.rules()) {
        if (rule.has_topic != topics || !MayHold(rule)) continue;
        if (auto refusal = Try(rule)) return refusal;
      }
    }
    return std::nullopt;
  }

  // Most rules fail on a list with no match at all or a person nobody is: checked first.
  bool MayHold(const Rule& rule) const {
    for (int id : rule.required) {
      if (id >= 0 ? list_begin_[id] == list_begin_[id + 1]
                  : (builtins_present_ & (1u << (-1 - id))) == 0) {
        return false;
      }
    }
    return true;
  }

 private:
  // Words of a `minor` list make the person they touch a minor ("young-looking woman"), or
  // stand for one ("a loli").
  void AddMinorWords() {
    for (const Match& m : matches_) {
      if (rules_.list_kinds()[m.list] != ListKind::kMinor) continue;
      bool merged = false;
      for (FactPerson& p : people_) {
        if (Distance(m.start, m.end, p.start, p.end) <= 1) {
          p.minor = true;
          merged = true;
        }
      }
      if (!merged) {
        FactPerson p;
        p.start = m.start;
        p.end = m.end;
        p.text = prompt_.substr(m.start, m.end - m.start);
        p.minor = true;
        people_.push_back(std::move(p));
      }
    }
  }

  // Whether the person a match is about has `builtin`: the people nearest to it (several when
  // tied); for a minor also the nearest before it, whom words that follow a person may describe
  // ("a boy aged eleven posing naked for a photographer"): with children the gate errs safe.
  // An interaction also concerns the nearest person after it ("a doctor fondling a teenage
  // patient").
  bool NearestHas(const Match& m, int builtin, const FactPerson** who) const {
    const bool interaction = rules_.list_kinds()[m.list] == ListKind::kInteraction;
    uint32_t best = UINT32_MAX, best_before = UINT32_MAX, best_after = UINT32_MAX;
    // A person named inside the match is its object ("a KKK hood"), not whom it is about; but a
    // group named inside an expulsion is whom it is about ("running Mexicans out of town").
    const auto inside = [&](const FactPerson& p) {
      return m.start <= p.start && p.end <= m.end && !p.identity_group;
    };
    // The passive's subject stands before the passive word, not among the clause's objects.
    const uint32_t before_at = m.passive ? m.passive_from : m.start;
    // "a rope around his neck", "a pool of her own blood": a possessive pronoun in the match
    // points back to a person before it, who is whom the match is about, however near someone
    // after it stands ("..., crowd cheering").
    const bool owned = OwnedByPronoun(m);
    for (const FactPerson& p : people_) {
      if (inside(p) && !Has(p, kMinor)) continue;
      best = std::min(best, Distance(m.start, m.end, p.start, p.end));
      if (p.end <= before_at) best_before = std::min(best_before, before_at - p.end);
      if (m.end <= p.start) best_after = std::min(best_after, p.start - m.end);
    }
    for (const FactPerson& p : people_) {
      if (inside(p) && !Has(p, kMinor)) continue;
      const uint32_t d = Distance(m.start, m.end, p.start, p.end);
      const bool before = (builtin == kMinor || interaction || m.passive || owned) &&
                          p.end <= before_at && before_at - p.end == best_before;
      const bool after = interaction && m.end <= p.start && p.start - m.end == best_after;
      if (!(d == best || before || after)) continue;
      if (Has(p, builtin)) {
        *who = &p;
        return true;
      }
      // "a 10 year old boy and a grown man naked together": what follows people joined by
      // "and" is said of each of them.
      if (const FactPerson* joined = JoinedWith(p, builtin); joined != nullptr) {
        *who = joined;
        return true;
      }
    }
    // A tag of its own in a comma-separated list ("young girl, 11, on a man's lap,
    // suggestive") describes the whole image: it concerns a minor anywhere in it.
    if (builtin == kMinor && StandaloneTag(m)) {
      if (const FactPerson* minor = AnyWith(kMinor); minor != nullptr) {
        *who = minor;
        return true;
      }
    }
    return false;
  }

  // A person joined to `p` by "and" (only an article between) that has `builtin`, or null.
  const FactPerson* JoinedWith(const FactPerson& p, int builtin) const {
    const auto joined = [&](const FactPerson& a, const FactPerson& b) {
      if (a.end > b.start) return false;
      std::string_view between = prompt_.substr(a.end, b.start - a.end);
      const auto trim = [](std::string_view& v) {
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      };
      trim(between);
      if (!between.starts_with("and")) return false;
      between.remove_prefix(3);
      trim(between);
      return between.empty() || between == "a" || between == "an" || between == "the" ||
             between == "her" || between == "his" || between == "their";
    };
    for (const FactPerson& q : people_) {
      if (&q != &p && Has(q, builtin) && (joined(q, p) || joined(p, q))) return &q;
    }
    return nullptr;
  }

  // Whether the match holds "his", "her" or "their" as a word, or follows one ("his own
  // blood").
  bool OwnedByPronoun(const Match& m) const {
    std::string_view before = prompt_.substr(0, m.start);
    while (!before.empty() && before.back() == ' ') before.remove_suffix(1);
    if (before.ends_with(" own")) before.remove_suffix(4);
    for (std::string_view pronoun : {" his", " her", " their"}) {
      if (before.ends_with(pronoun)) return true;
    }
    const std::string_view text = prompt_.substr(m.start, m.end - m.start);
    for (std::string_view pronoun : {"his", "her", "their"}) {
      for (size_t at = text.find(pronoun); at != std::string_view::npos;
           at = text.find(pronoun, at + 1)) {
        const size_t end = at + pronoun.size();
        const bool word_start = at == 0 || !std::isalpha(static_cast<unsigned char>(text[at - 1]));
        const bool word_end =
            end == text.size() || !std::isalpha(static_cast<unsigned char>(text[end]));
        if (word_start && word_end) return true;
      }
    }
    return false;
  }

  // Whether only spaces stand between the match and the commas (or ends) around it.
  bool StandaloneTag(const Match& m) const {
    const size_t comma_before = prompt_.rfind(',', m.start);
    const size_t from = comma_before == std::string_view::npos ? 0 : comma_before + 1;
    const size_t comma_after = prompt_.find(',', m.end);
    const size_t to = comma_after == std::string_view::npos ? prompt_.size() : comma_after;
    const auto blank = [](std::string_view s) {
      return s.find_first_not_of(" \t\n") == std::string_view::npos;
    };
    return (comma_before != std::string_view::npos || comma_after != std::string_view::npos) &&
           blank(prompt_.substr(from, m.start - from)) && blank(prompt_.substr(m.end, to - m.end));
  }

  const FactPerson* AnyWith(int builtin) const {
    for (const FactPerson& p : people_) {
      if (Has(p, builtin)) return &p;
    }
    return nullptr;
  }

  // The first match of `list` that holds for the rule: attached to a person with `builtin`
  // when the rule names one (-1: any match).
  const Match* Find(int list, int builtin, const FactPerson** who) const {
    const Match* found = nullptr;
    for (uint32_t k = list_begin_[list]; k < list_begin_[list + 1]; ++k) {
      const Match* m = by_list_[k];
      if (found != nullptr && found->first <= m->first) continue;
      if (builtin >= 0 && !NearestHas(*m, builtin, who)) continue;
      found = m;
    }
    return found;
  }

  std::string Text(const Match& m) const {
    return std::string(prompt_.substr(m.start, m.end - m.start));
  }

  // Fires `rule` or returns nothing; words are copied into the refusal only once it fires.
  std::optional<Refusal> Try(const Rule& rule) const {
    int person_builtin = -1;  // the person the rule is about (not @extremist_person)
    for (int id : rule.required) {
      if (id < 0 && -1 - id != kExtremistPerson) person_builtin = -1 - id;
    }
    const FactPerson* who = nullptr;
    // What made each required item hold: a person or a match.
    std::array<std::pair<const FactPerson*, const Match*>, kMaxRequired> found{};
    for (size_t i = 0; i < rule.required.size(); ++i) {
      const int id = rule.required[i];
      if (id < 0) {
        found[i].first = AnyWith(-1 - id);
        if (found[i].first == nullptr) return std::nullopt;
      } else {
        found[i].second = Find(id, person_builtin, &who);
        if (found[i].second == nullptr) return std::nullopt;
      }
    }
    for (int id : rule.excluded) {
      // An excluded fact about a person is about the person the rule found: "Mike Pence with a
      // Hitler mustache" is not exempt because Hitler is also named.
      const bool holds = id >= 0                                ? Find(id, -1, &who) != nullptr
                         : who != nullptr && id != -1 - kPerson ? Has(*who, -1 - id)
                                                                : AnyWith(-1 - id) != nullptr;
      if (holds) return std::nullopt;
    }
    Refusal refusal;
    for (size_t i = 0; i < rule.required.size(); ++i) {
      if (found[i].first != nullptr) {
        refusal.triggers.emplace_back(found[i].first->text);
        continue;
      }
      refusal.triggers.push_back(Text(*found[i].second));
      const ListKind kind = rules_.list_kinds()[rule.required[i]];
      if (refusal.act.empty() && (IsShown(kind) || kind == ListKind::kTopic)) {
        refusal.act = refusal.triggers.back();
      }
    }
    refusal.category = rule.category;
    refusal.clause = rule.clause;
    refusal.message = rules_.Message(rule.category);
    if (person_builtin >= 0) {
      if (who == nullptr) who = AnyWith(person_builtin);
      if (who != nullptr) refusal.person = std::string(who->text);
    }
    if (refusal.act.empty()) refusal.act = refusal.triggers.back();
    return refusal;
  }

  const Rules& rules_;
  std::string_view prompt_;
  std::vector<Match> matches_;
  std::vector<const Match*> by_list_;  // the matches grouped by list
  std::vector<uint32_t> list_begin_;
  uint32_t builtins_present_ = 0;  // bit b: someone has builtin b
  std::vector<FactPerson> people_;
};

}  // namespace

std::optional<Refusal> Check(const Rules& rules, std::string_view prompt, const text::TokenList& t,
                             const Facts& facts) {
  TypoReader typos;
  typos.known = facts.known_word;
  typos.targets = [&rules](std::string_view start, size_t length) -> const std::vector<int>& {
    return rules.TypoTargets(start, length);
  };
  GateWords words = ReadGateWords(prompt, t, rules.lemmatizer(), rules.word_ids(), typos);
  MarkAges(t, words);
  std::vector<Match> matches = Outermost(rules, FindPhrases(rules, words));
  // A denied phrase is not shown: "no gore", "nothing explicit", "not nude". A passive one is
  // done to the person before it: "Elon Musk being handcuffed by FBI agents".
  std::vector<bool> denied(words.words.size() + 1, false), passive(words.words.size() + 1, false);
  std::vector<uint32_t> passive_from(words.words.size() + 1, 0);
  for (const Match& m : matches) {
    const ListKind kind = rules.list_kinds()[m.list];
    if (kind == ListKind::kNegation) denied[m.last + 1] = true;
    if (kind == ListKind::kPassive) {
      passive[m.last + 1] = true;
      passive_from[m.last + 1] = m.start;
    }
  }
  // The passive runs to the end of its clause: "Rishi Sunak being dragged into a police van in
  // handcuffs" is done to Rishi Sunak, not to the police.
  for (size_t w = 1; w < words.words.size(); ++w) {
    if (!passive[w - 1] || passive[w]) continue;
    const std::string_view between =
        prompt.substr(words.words[w - 1].end, words.words[w].start - words.words[w - 1].end);
    if (between.find_first_of(",.;:!?()") == std::string_view::npos) {
      passive[w] = true;
      passive_from[w] = passive_from[w - 1];
    }
  }
  for (Match& m : matches) {
    m.passive = passive[m.first];
    m.passive_from = passive_from[m.first];
  }
  // A name is not an act: "Al Gore" is not gore. Word classes still read it ("Adolf Hitler" is
  // an extremist word).
  std::erase_if(matches, [&](const Match& m) {
    const ListKind kind = rules.list_kinds()[m.list];
    if (kind != ListKind::kNegation && kind != ListKind::kMinor && kind != ListKind::kWritten &&
        denied[m.first]) {
      return true;
    }
    if (kind == ListKind::kMinor && InsideSpelledNumber(t, m.start)) return true;
    if (!IsShown(kind) && kind != ListKind::kTopic) return false;
    for (const FactPerson& p : facts.people) {
      if (p.name && p.start <= m.start && m.end <= p.end) return true;
    }
    return false;
  });
  return Judge(rules, prompt, std::move(matches), facts.people).Run();
}

}  // namespace depict::safety
