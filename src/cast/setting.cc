#include "cast/setting.h"

#include <string>

#include "text/tsv.h"

namespace depict::cast {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsBc(std::string_view w) { return w == "bc" || w == "bce"; }

void Append(std::string& words, const text::TokenList& t, size_t i, size_t n) {
  for (size_t j = i; j < i + n && j < t.size(); ++j) {
    if (!words.empty()) words.push_back(' ');
    words.append(t.norm(j));
  }
}

// A name in an event's form: a capitalised word, or a place or people the tables know.
bool IsEventName(const text::TokenList& t, const std::vector<TokenMatches>& m, size_t i) {
  if (i >= t.size() || t[i].kind != text::TokenKind::kWord) return false;
  return t[i].capitalized || m[i].place || m[i].demonym || m[i].demonym_plural;
}

bool AnyCapital(const text::TokenList& t) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].kind == text::TokenKind::kWord && t[i].capitalized) return true;
  }
  return false;
}

bool IsOrdinal(std::string_view w) {
  static constexpr std::string_view kOrdinals[] = {"first", "second",  "third",  "fourth", "fifth",
                                                   "sixth", "seventh", "eighth", "ninth"};
  for (std::string_view o : kOrdinals) {
    if (w == o) return true;
  }
  return false;
}

// "the first matabele war": an ordinal within four words before the event word at `i`.
bool OrdinalBefore(const text::TokenList& t, size_t i) {
  for (size_t back = 2; back <= 5 && back <= i; ++back) {
    if (!t.IsWord(i - back)) return false;
    if (IsOrdinal(t.norm(i - back))) return true;
  }
  return false;
}

// The words before an event word at `i` name an event by how they are introduced: a
// possessive ("King Philip's War"), an ordinal ("First Matabele War"), or, up to four words
// back, `opener` ("the" for capitalised names, "during" for any: "during the black hawk war").
bool IntroducedName(const text::TokenList& t, size_t i, std::string_view opener) {
  if (opener == "the" && t[i - 1].possessive) return true;
  for (size_t back = 1; back <= 5 && back <= i; ++back) {
    const size_t j = i - back;
    // "during William Walker's Filibuster War": "during", a full name's possessive, then
    // capitalised words.
    if (t.IsWord(j) && t[j].possessive && back >= 2 && opener == "the" && t[j].capitalized &&
        j > 1 && t.IsWord(j - 1) && t[j - 1].capitalized && t.norm(j - 2) == "during") {
      return true;
    }
    if (!t.IsWord(j) || t[j].possessive) return false;
    const std::string_view w = t.norm(j);
    if (back >= 2 && IsOrdinal(w)) return true;
    if (back >= 2 && w == opener) return true;
    if (back >= 2 && opener == "during" && w == "the") {
      return j > 0 && t.norm(j - 1) == "during";
    }
    if (opener == "the" && !t[j].capitalized) return false;
  }
  return false;
}

// "the Battle of Jao Modo", "the Sino-Nepalese War", "the Zaydi Dynasty", "colonial": an
// event or polity by its form. Returns the words that say so, or "" when token i is none.
std::string EventByForm(const Knowledge& k, const text::TokenList& t,
                        const std::vector<TokenMatches>& m, size_t i) {
  const EventWord word = k.EventWordOf(t.norm(i));
  const EventForm form = word.form;
  if (form == EventForm::kNone) return "";
  if (form == EventForm::kAlone) return std::string(t.norm(i));
  if ((form == EventForm::kOf || form == EventForm::kBoth) && i + 2 < t.size() &&
      t.norm(i + 1) == "of") {
    const size_t name = t.norm(i + 2) == "the" ? i + 3 : i + 2;
    // A prompt written all in lowercase names its events so too: "during the battle of
    // isandlwana", "at the siege of masada".
    const bool lowercase_name = name < t.size() && t[name].kind == text::TokenKind::kWord &&
                                i > 0 && t.norm(i - 1) == "the" && !AnyCapital(t);
    if (IsEventName(t, m, name) || lowercase_name) {
      return std::string(t.norm(i)) + " of " + std::string(t.norm(name));
    }
  }
  // The name may be a possessive: "Shakushain's Revolt", "Bacon's Rebellion".
  if ((form == EventForm::kName || form == EventForm::kBoth) && i > 0) {
    const bool place = m[i - 1].place || m[i - 1].demonym || m[i - 1].demonym_plural;
    // "the 1905 Revolution", "the 1972 Expulsion": a year names the event when the word that
    // marks it is capitalised.
    const bool year_name = t[i - 1].kind == text::TokenKind::kNumber && t[i].capitalized &&
                           t.norm(i - 1).size() >= 3 && t.norm(i - 1).size() <= 4;
    const bool named = IsEventName(t, m, i - 1) || year_name;
    // Words that name a war or crisis need a place ("Boer War", not "Star Wars"), unless
    // the way they are introduced says it is an event: "the Black Hawk War", "King Philip's
    // War", "during the satsuma rebellion".
    const bool introduced = IntroducedName(t, i, named ? "the" : "during");
    const bool ok = named ? !word.name_is_place || place || introduced
                          : introduced && (!word.name_is_place || OrdinalBefore(t, i));
    if (ok) {
      return std::string(t.norm(i - 1)) + " " + std::string(t.norm(i));
    }
  }
  return "";
}

// "during the Chinese Railway Workers in Kenya", "during the Grito de Lares", "during the
// Mfecane": a capitalised name after a lowercase "during the" is a named event even when no word
// marks its form: two capitalised words or more ("of", "the", "and", "in", the particles of
// Romance and Dutch names, and numbers may join them), or one word the tables do not know,
// unless a word in it names an occasion that comes back ("during the Edinburgh Festival").
std::string TitledEvent(const Knowledge& k, const text::TokenList& t, size_t i) {
  if (t.norm(i) != "during" || i + 2 >= t.size() || t.norm(i + 1) != "the" || t[i].capitalized ||
      t[i + 1].capitalized) {
    return "";
  }
  static constexpr std::string_view kJoiners[] = {"of", "the", "and", "in",  "de",  "del",
                                                  "la", "du",  "des", "von", "van", "al",
                                                  "el", "da",  "do",  "dos", "di",  "y"};
  size_t capitals = 0, end = i + 2;
  for (size_t j = i + 2; j < t.size(); ++j) {
    const std::string_view w = t.norm(j);
    const bool capital = t[j].kind == text::TokenKind::kWord && t[j].capitalized;
    bool joiner = capitals > 0 && t[j].kind == text::TokenKind::kNumber;
    for (std::string_view j_word : kJoiners) joiner = joiner || (capitals > 0 && w == j_word);
    if (!capital && !joiner) break;
    if (capital) {
      if (k.EventWordOf(w).recurring) return "";
      ++capitals;
      end = j + 1;
    }
  }
  if (capitals == 0) return "";
  if (capitals == 1 && (t[i + 2].all_caps || k.Find(t.norm(i + 2)) != nullptr)) return "";
  std::string words;
  Append(words, t, i + 2, end - (i + 2));
  return words;
}

void AddSideWord(std::string_view word, Setting& s) {
  if (!s.side_words.empty()) s.side_words += ", ";
  s.side_words += word;
}

// A demonym at token j as a side of the scene: a people's own word ("Zulu") by its ethnicity, a
// nation's ("Burmese") by its place. Returns whether it was one.
bool AddDemonymSide(const Knowledge& k, const text::TokenList& t,
                    const std::vector<TokenMatches>& m, size_t j, Setting& s) {
  const Hit d = m[j].demonym ? m[j].demonym : m[j].demonym_plural;
  if (!d) return false;
  const Demonym& demonym = k.demonyms()[d.index];
  if (demonym.ethnicity != 0) {
    s.side_peoples |= demonym.ethnicity;
  } else if (demonym.place >= 0) {
    s.side_places.push_back(demonym.place);
  } else {
    return false;
  }
  AddSideWord(t.norm(j), s);
  return true;
}

// The sides an event by form names around its marking word at `i`: peoples and places in its
// name ("Anglo-Burmese War", "War of the Pacific" has none), read up to five words each way.
void ReadSides(const Knowledge& k, const text::TokenList& t, const std::vector<TokenMatches>& m,
               size_t i, Setting& s) {
  const auto side = [&](size_t j) {
    const std::string_view w = t.norm(j);
    if (m[j].demonym || m[j].demonym_plural) {
      AddDemonymSide(k, t, m, j, s);
      return;
    }
    if (m[j].place) {
      s.side_places.push_back(m[j].place.index);
    } else if (const int place = k.CombiningFormPlace(w); place >= 0 && t[j].hyphen_after) {
      s.side_places.push_back(place);
    } else {
      return;
    }
    AddSideWord(w, s);
  };
  const auto in_name = [&](size_t j) {
    return t.IsWord(j) && (t[j].capitalized || t[j].hyphen_after || m[j].demonym ||
                           m[j].demonym_plural || m[j].place);
  };
  for (size_t back = 1; back <= 5 && back <= i && in_name(i - back); ++back) side(i - back);
  size_t j = i + 1;
  if (j < t.size() && t.norm(j) == "of") ++j;
  if (j < t.size() && t.norm(j) == "the") ++j;
  for (size_t n = 0; n < 5 && j < t.size() && in_name(j); ++n, ++j) side(j);
}

}  // namespace

int DecadeWord(std::string_view word) {
  static constexpr std::string_view kDecades[] = {"twenties", "thirties",  "forties",  "fifties",
                                                  "sixties",  "seventies", "eighties", "nineties"};
  for (int d = 0; d < 8; ++d) {
    if (word == kDecades[d]) return (d + 2) * 10;
  }
  return -1;
}

namespace {

// "xix" -> 19, "xiie" -> 12 (French "XIIe"): a Roman numeral from 1 to 21, else 0.
int RomanCentury(std::string_view w) {
  for (std::string_view suffix : {"eme", "th", "e"}) {
    if (w.size() > suffix.size() && w.ends_with(suffix)) {
      w.remove_suffix(suffix.size());
      break;
    }
  }
  static constexpr std::string_view kNumerals[] = {
      "i",   "ii",   "iii", "iv", "v",   "vi",   "vii",   "viii", "ix", "x",  "xi",
      "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix",  "xx", "xxi"};
  for (int n = 1; n <= 21; ++n) {
    if (w == kNumerals[n - 1]) return n;
  }
  return 0;
}

Era Century(int n) { return {(n - 1) * 100 + 1, n * 100}; }

}  // namespace

int ParseNumericEra(const text::TokenList& t, size_t i, Era& era) {
  const auto word_at = [&t](size_t j) { return j < t.size() ? t.norm(j) : std::string_view(); };
  // Centuries as other languages' readings write them: "19 century", "19. century" (German),
  // "XIX century", "XIXe century" (French), "century XII" (Spanish, Italian). Only capital
  // numerals count ("I century" is not a pronoun).
  if (t[i].kind == text::TokenKind::kWord && (t[i].all_caps || t[i].capitalized)) {
    if (const int n = RomanCentury(t.norm(i)); n > 1 && word_at(i + 1) == "century") {
      era = Century(n);
      return 2;
    }
  }
  if (t.norm(i) == "century" && i + 1 < t.size() && t[i + 1].all_caps) {
    if (const int n = RomanCentury(t.norm(i + 1)); n > 1) {
      era = Century(n);
      return 2;
    }
  }
  if (t[i].kind == text::TokenKind::kNumber && t.norm(i).size() <= 2) {
    const size_t c = word_at(i + 1) == "." ? i + 2 : i + 1;
    int n = 0;
    if (word_at(c) == "century" && text::ParseInt(t.norm(i), n) && n >= 1 && n <= 21) {
      era = Century(n);
      return static_cast<int>(c + 1 - i);
    }
  }
  if (t[i].kind != text::TokenKind::kNumber && t.norm(i) != "the") return 0;
  std::string_view s = t.norm(i);
  const std::string_view next = i + 1 < t.size() ? t.norm(i + 1) : std::string_view();
  // "the sixties"
  if (s == "the") {
    const int decade = DecadeWord(next);
    if (decade < 0) return 0;
    era = {1900 + decade, 1909 + decade};
    return 2;
  }
  // "'60s"
  if (s.size() == 4 && s[0] == '\'' && AllDigits(s.substr(1, 2)) && s[3] == 's') {
    const int d = (s[1] - '0') * 10 + (s[2] - '0');
    const int from = (d >= 30 ? 1900 : 2000) + d;
    era = {from, from + 9};
    return 1;
  }
  // "16th century", "1st century BC"
  for (std::string_view suffix : {"st", "nd", "rd", "th"}) {
    if (s.ends_with(suffix) && AllDigits(s.substr(0, s.size() - 2)) && next == "century") {
      int n = 0;
      if (!text::ParseInt(s.substr(0, s.size() - 2), n) || n < 1 || n > 21) return 0;
      const bool bc = i + 2 < t.size() && IsBc(t.norm(i + 2));
      era = bc ? Era{-n * 100, -(n - 1) * 100 - 1} : Era{(n - 1) * 100 + 1, n * 100};
      return bc ? 3 : 2;
    }
  }
  // "1960s", "1800s"
  if (s.size() == 5 && s.back() == 's' && AllDigits(s.substr(0, 4))) {
    int y = 0;
    text::ParseInt(s.substr(0, 4), y);
    if (y % 100 == 0) {
      era = {y, y + 99};
    } else if (y % 10 == 0) {
      era = {y, y + 9};
    } else {
      return 0;
    }
    return 1;
  }
  // "1870", "500 BC", "AD 800" is read as "800"
  if (AllDigits(s) && s.size() >= 3 && s.size() <= 4) {
    int y = 0;
    text::ParseInt(s, y);
    if (IsBc(next)) {
      era = {-y, -y};
      return 2;
    }
    if (y < 1000 && next != "ad" && next != "ce" && (i == 0 || t.norm(i - 1) != "ad")) return 0;
    if (y > 2200) return 0;
    era = {y, y};
    return (next == "ad" || next == "ce") ? 2 : 1;
  }
  return 0;
}

namespace {

// A battle, war, siege, raid or rising: a listed event of that kind, or a word that names one
// ("the Lofthus Uprising", "at the battle").
bool Fighting(const Knowledge& k, const text::TokenList& t, const std::vector<TokenMatches>& m) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (!t.IsWord(i)) continue;
    if (m[i].era) {
      const NamedEra& e = k.eras()[m[i].era.index];
      const std::string_view last = std::string_view(e.phrase).substr(e.phrase.rfind(' ') + 1);
      if (e.fighting || k.EventWordOf(last).fighting) return true;
    }
    if (k.EventWordOf(t.norm(i)).fighting) return true;
  }
  return false;
}

// "Mugabe government officials", "the Pinochet regime": a real ruler's name before a word for
// their government sets the scene in the ruler's country during their adult life, before any
// event the prompt names by its form alone. Returns whether token i was such a name.
bool GovernmentOf(const Knowledge& k, const text::TokenList& t, const TokenMatches& tm, size_t i,
                  Setting& s) {
  const size_t after = i + tm.named.length;
  if (after >= t.size() || !t.IsWord(after) || !IsGovernmentWord(t.norm(after))) return false;
  const NamedPerson& ruler = k.named()[tm.named.index];
  if (!ruler.real) return false;
  if (s.place < 0 && ruler.place >= 0) {
    s.place = ruler.place;
    s.place_named = true;
    Append(s.place_words, t, i, tm.named.length + 1);
  }
  if (!s.era.known() && ruler.life.from != 0) {
    constexpr int kAdultFrom = 25;  // rulers govern as adults
    s.era = {ruler.life.from + kAdultFrom, ruler.life.to != 0 ? ruler.life.to : kNow};
    s.modern = s.era.from >= 2000;
    Append(s.era_words, t, i, tm.named.length + 1);
  }
  return true;
}

// A past scene that names no place may still say whose it is with a demonym that describes no
// person: "peasants during the Russian famine of 1921", "soldiers of the Russian Women's
// Battalion", "a member of the Japanese Imperial Diet in 1925". Such demonyms count as the
// scene's sides. A demonym inside a person's own phrase belongs to that person ("British
// officers and porters" says nothing about the porters).
void ReadFreeDemonyms(const Knowledge& k, const text::TokenList& t,
                      const std::vector<TokenMatches>& m, const std::vector<Mention>& mentions,
                      Setting& s) {
  std::vector<bool> personal(t.size(), false);
  for (const Mention& mention : mentions) {
    for (uint32_t j = mention.first_token; j < mention.end_token && j < t.size(); ++j) {
      personal[j] = true;
    }
  }
  for (size_t j = 0; j < t.size(); ++j) {
    if (!personal[j] && t.IsWord(j)) AddDemonymSide(k, t, m, j, s);
  }
}

}  // namespace

Setting ReadSetting(const Knowledge& k, const text::TokenList& t,
                    const std::vector<TokenMatches>& m, const std::vector<Mention>& mentions) {
  Setting s;
  std::vector<bool> taken(t.size(), false);
  for (const Mention& mention : mentions) {
    if (mention.actor) continue;  // a polity shown as its people: its words are the setting
    // A named person's or a head noun's own words are not the setting; attached modifiers
    // (like "1940s" inside "a 1940s German soldier") still are.
    for (uint32_t j = mention.head_token; j < mention.end_token && j < t.size(); ++j)
      taken[j] = true;
    if (mention.origin_place >= 0) taken[mention.origin_token] = true;
  }
  int institution = -1;
  size_t institution_at = 0, institution_end = 0;
  std::string institution_words;
  int era_place = -1;  // "Edo period" says Japan, "medieval" Europe, unless the prompt says where
  std::string era_place_words;
  for (size_t i = 0; i < t.size(); ++i) {
    if (taken[i] || !t.IsWord(i)) continue;
    if (const int thing = ThingLength(m[i]); thing > 0) {
      i += thing - 1;
      continue;
    }
    Era era;
    if (!s.era.known()) {
      if (const int n = ParseNumericEra(t, i, era)) {
        // A number right before a person noun counts people, not years: "300 Spartans".
        const size_t after = i + n;
        const bool counts_people =
            n == 1 && after < t.size() && t[i].kind == text::TokenKind::kNumber &&
            (m[after].noun_plural || m[after].demonym_plural) && era.from == era.to;
        if (!counts_people) {
          s.era = era;
          s.modern = era.from >= 2000;
          Append(s.era_words, t, i, n);
          i += n - 1;
          continue;
        }
      }
    }
    const TokenMatches& tm = m[i];
    if (tm.named && GovernmentOf(k, t, tm, i, s)) {
      i += tm.named.length - 1;
      continue;
    }
    if (tm.era && !s.era.known()) {
      const NamedEra& e = k.eras()[tm.era.index];
      s.named_event = true;
      s.era = e.era;
      s.undated_past = e.undated;
      s.modern = e.era.from >= 2000;
      Append(s.era_words, t, i, tm.era.length);
      if (era_place < 0 && e.place >= 0) {  // weaker than a place the prompt names
        era_place = e.place;
        Append(era_place_words, t, i, tm.era.length);
      }
      i += tm.era.length - 1;
      continue;
    }
    if (tm.modifier && k.modifiers()[tm.modifier.index].kind == ModifierKind::kModern &&
        !s.era.known()) {
      s.era = {2000, kNow};
      s.modern = true;
      Append(s.era_words, t, i, tm.modifier.length);
      continue;
    }
    if (tm.institution && institution < 0) {
      institution = tm.institution.index;
      institution_at = i;
      institution_end = i + tm.institution.length;
      Append(institution_words, t, i, tm.institution.length);
      i += tm.institution.length - 1;
      continue;
    }
    // "the Taiping Rebellion": a named period or event that starts with a town's name.
    if (tm.era && tm.era.length > tm.place.length) {
      i += tm.era.length - 1;
      continue;
    }
    // "at the Battle of Legnica": where an event was fought says less than whose people fought
    // it, so the site counts only where nothing else says where ("Abbasid troops" are Abbasid).
    const bool event_site = i >= 2 && t.norm(i - 1) == "of" &&
                            (k.EventFormOf(t.norm(i - 2)) == EventForm::kOf ||
                             k.EventFormOf(t.norm(i - 2)) == EventForm::kBoth);
    if (tm.place && event_site && !tm.named) {
      if (era_place < 0) {
        era_place = tm.place.index;
        era_place_words.clear();
        Append(era_place_words, t, i, tm.place.length);
      }
      i += tm.place.length - 1;
      continue;
    }
    if (tm.place && s.place < 0 && !tm.named) {
      s.place = tm.place.index;
      s.place_named = true;
      Append(s.place_words, t, i, tm.place.length);
      i += tm.place.length - 1;
      continue;
    }
  }
  // A named event or polity the tables do not list still sets a historical scene, its date
  // unknown: taken as the 19th century, when most such events fall that no listed era covers.
  for (size_t i = 0; i < t.size() && !s.named_event; ++i) {
    if (const std::string event = EventByForm(k, t, m, i); !event.empty()) {
      s.named_event = true;
      if (s.era.known()) break;
      s.era = kUndatedPast;
      s.undated_past = true;
      s.era_words = event + " (a historical event or state, date unknown)";
      ReadSides(k, t, m, i, s);
    }
  }
  for (size_t i = 0; i < t.size() && !s.named_event; ++i) {
    if (const std::string event = TitledEvent(k, t, i); !event.empty()) {
      s.named_event = true;
      if (s.era.known()) break;
      s.era = kUndatedPast;
      s.undated_past = true;
      s.era_words = event + " (a named event, date unknown)";
    }
  }
  // "the Battle of Adrianople in 378", "the First Council of Nicaea in 325": after a named
  // event, "in" and three digits that end a clause are its year, though no "AD" says so.
  if (s.named_event && (!s.era.known() || s.undated_past)) {
    for (size_t i = 1; i < t.size(); ++i) {
      const bool clause_end = i + 1 == t.size() || t.IsPunct(i + 1);
      int year = 0;
      if (t.norm(i - 1) == "in" && t[i].kind == text::TokenKind::kNumber && clause_end &&
          t.norm(i).size() == 3 && text::ParseInt(t.norm(i), year) && year >= 100) {
        s.era = {year, year};
        s.undated_past = false;
        s.era_words = "in " + std::string(t.norm(i));
        break;
      }
    }
  }
  s.fighting = Fighting(k, t, m);
  for (size_t i = 0; i < t.size() && !s.expedition; ++i) {
    s.expedition = t.IsWord(i) && k.EventWordOf(t.norm(i)).expedition;
  }
  if (institution >= 0) {
    const Institution& inst = k.institutions()[institution];
    if (!s.era.known() && inst.era.known()) {
      s.era = inst.era;
      s.era_words = institution_words;
    }
    const bool place_applies =
        inst.place_before == 0 || (s.era.known() && s.era.from < inst.place_before);
    // Whose members the people are says more than where they are: "the Varangian Guard
    // defending Constantinople" were Norse, "a Wehrmacht soldier in Paris" German.
    bool members_shown = false;
    for (const Mention& mention : mentions) {
      members_shown |= mention.first_token <= institution_end &&
                       institution_at <= mention.end_token && !mention.actor;
    }
    if ((s.place < 0 || members_shown) && inst.place >= 0 && place_applies) {
      s.place = inst.place;
      s.place_words = institution_words;
    }
    s.members = inst.members;
    if (inst.members != 0) s.members_words = institution_words;
  }
  if (s.place < 0 && era_place >= 0) {
    s.place = era_place;
    s.place_words = era_place_words;
  }
  if (s.place < 0 && s.side_places.empty() && s.side_peoples == 0 && s.era.known() &&
      s.era.to < kPastUntil) {
    ReadFreeDemonyms(k, t, m, mentions, s);
  }
  return s;
}

}  // namespace depict::cast
