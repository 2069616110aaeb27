#include <string>

#include "lang/reader.h"

namespace depict::lang {

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

// Whether an English reading already says a person's gender (the word list's g flag, from
// nouns.tsv and modifiers.tsv): a reading adds none to it.
bool Reader::SaysGender(std::string_view english) const {
  const Lexicon& words = lexicons_.Get(Language::kEn);
  for (size_t start = 0; start < english.size();) {
    size_t end = english.find(' ', start);
    if (end == std::string_view::npos) end = english.size();
    const auto g = words.Find(Fold(english.substr(start, end - start)));
    if (g && g->Has('g')) return true;
    start = end + 1;
  }
  return false;
}

// "un niño", "una estudiante": in Romance languages a singular article gives a person noun with
// no gender of its own the gender it marks. A feminine article before a noun in -a says nothing
// ("una persona", "una víctima": the noun itself is feminine) unless the noun is of common
// gender ("una periodista"), and neither do the words for a person in general.
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
    // A word for a person in general ("una persona") takes no gender from its article.
    if (!person || !person->Has('h') || person->Has('o') || SaysGender(noun.text) ||
        lexicons_.ArticleGender(Language::kEn, last) == 'O') {
      continue;
    }
    const bool feminine = pieces_[k].article == 'F';
    const std::string_view source = text_.substr(noun.begin, noun.end - noun.begin);
    // Nouns of common gender take it from the article although they end in -a: -ista, -ta,
    // -iatra, -ega ("una periodista", "la farmacista", "una atleta", "la pediatra", "una
    // colega").
    const bool common_gender = source.ends_with("ista") || source.ends_with("ta") ||
                               source.ends_with("iatra") || source.ends_with("ega");
    if (feminine && source.ends_with("a") && !common_gender) continue;
    // French feminine nouns in -e are as often feminine in grammar only ("la tête", "la
    // personne", "la victime") as words for women.
    if (feminine && language == Language::kFr && source.ends_with("e")) continue;
    noun.text = (feminine ? "female " : "male ") + noun.text;
  }
}

// Reflexive verbs ("se corta", "s'est pendu", "si è impiccato", "hat sich erhängt") say that
// the act is done to the doer, which is what the safety gate must read: the pronoun's
// "oneself" goes after its verb ("hanged oneself"), or becomes "one's" before the verb's object
// ("se corta las venas": "cuts one's veins"; "se corta el pelo": "cuts one's hair"). Romance
// languages put the verb after the pronoun and its auxiliaries; German after a subject's finite
// verb ("erhängt sich") or at the clause's end ("hat sich im Keller erhängt").
void Reader::ReflexiveVerbs(size_t from, Language language) {
  if (language < Language::kEs || language > Language::kIt) return;
  const size_t size = pieces_.size();
  const auto clause_break = [&](size_t k) {
    return !pieces_[k].word && pieces_[k].text.find_first_of(",.;:!?()[]") != std::string::npos;
  };
  const auto next_word = [&](size_t k) {
    for (++k; k < size; ++k) {
      if (clause_break(k)) return size;
      if (pieces_[k].word && !pieces_[k].text.empty()) return k;
    }
    return size;
  };
  for (size_t k = from; k < size; ++k) {
    if (!pieces_[k].reflexive) continue;
    size_t verb = size;
    if (language == Language::kDe) {
      size_t before = k;
      while (before > from && !pieces_[before - 1].word && !clause_break(before - 1)) --before;
      const bool after_verb = before > from && pieces_[before - 1].word &&
                              !pieces_[before - 1].auxiliary && !pieces_[before - 1].noun &&
                              !pieces_[before - 1].name &&
                              !lexicons_.Get(Language::kEn).FindHand(pieces_[before - 1].text);
      if (after_verb) {
        verb = before - 1;
      } else {
        for (size_t j = next_word(k); j < size; j = next_word(j)) verb = j;
      }
    } else {
      verb = next_word(k);
      while (verb < size && pieces_[verb].auxiliary) verb = next_word(verb);
    }
    if (verb >= size || pieces_[verb].name) continue;
    pieces_[k].text.clear();
    const size_t object = verb > k ? next_word(verb) : size;
    if (object < size && pieces_[object].text == "the") {
      pieces_[object].text = "one's";
    } else {
      pieces_[verb].text += " oneself";
    }
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
  FullNamesFromRomanized(from, language);
  for (size_t k = from; k < pieces_.size(); ++k) {
    Piece& p = pieces_[k];
    if (!p.romanized) continue;
    // A word that is someone the planner knows, as spelled from another script ("Эйнштейн":
    // "ejnstejn"), is read as their name, which the image model knows ("Einstein").
    // Not Korean, whose romanisation adds vowels a name's other spellings lack; in Cyrillic only
    // a capitalised word.
    const std::string_view written = text_.substr(p.begin, p.end - p.begin);
    const bool may_name = language != Language::kKo &&
                          (ScriptOfText(written) != Script::kCyrillic || Fold(written) != written);
    if (!p.name && may_name && known_names_ != nullptr) {
      if (std::string name = (*known_names_)(p.text); !name.empty()) {
        p.text = std::move(name);
        p.name = true;
        continue;
      }
    }
    const std::string_view source = text_.substr(p.begin, p.end - p.begin);
    // A Korean name alone among English words ("news photo, 손흥민 shot dead"): a family name
    // and a one- or two-syllable given name. Among Korean words an unknown word of that shape
    // is as often a verb or a noun with its particle ("지휘하는", "방패를").
    const auto english_side = [&](int step) {
      const Piece* n = neighbour(k, step);
      return n == nullptr || n->verbatim;
    };
    // Before Korean words, a name of that shape that opens the prompt or a tag, has one of the
    // ten commonest family names (two Koreans in three) and ends in no syllable of a verb
    // ending or a particle is a name too ("김연아 피겨 스케이팅"; not "백악관 브리핑룸").
    const bool korean =
        language == Language::kKo && KoreanFullName(source) && english_side(-1) &&
        (english_side(+1) || (CommonKoreanSurname(source) && !KoreanEndingSyllable(source)));
    if (language == Language::kKo && !korean && !KoreanNameShape(source)) continue;
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
    p.name = titled || capital || korean;
    // A word that is not a name must not look like one to the planner ("Monghwanjeog In").
    if (!p.name) {
      for (char& c : p.text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
  }
}

// A given name and a surname written in another script ("محمد صلاح", "लता मंगेशकर", "Юрий
// Гагарин"): a word no dictionary knows after another word of the same script, looked up
// together among the people the planner knows by their consonants and read as that person's
// name. The given name may be a dictionary word (लता is also "vine"), the surname must not be.
void Reader::FullNamesFromRomanized(size_t from, Language language) {
  if (known_names_ == nullptr || language == Language::kKo || language == Language::kZh ||
      language == Language::kJa) {
    return;
  }
  for (size_t k = from + 1; k < pieces_.size(); ++k) {
    if (!pieces_[k].romanized || pieces_[k].name) continue;
    size_t q = k - 1;
    while (q > from && pieces_[q].verbatim && IsSpace(pieces_[q].text)) --q;
    const Piece& given = pieces_[q];
    if (given.verbatim || given.name || given.begin >= given.end) continue;
    const std::string_view given_source = text_.substr(given.begin, given.end - given.begin);
    const std::string_view surname_source =
        text_.substr(pieces_[k].begin, pieces_[k].end - pieces_[k].begin);
    const Script script = ScriptOfText(given_source);
    if (script != ScriptOfText(surname_source) || script == Script::kLatin ||
        given_source.size() < 4) {  // a one-letter word ("в") is no given name
      continue;
    }
    // Where a script has capitals, names have them: "в защитной" is no name.
    if (script == Script::kCyrillic &&
        (Fold(given_source) == given_source || Fold(surname_source) == surname_source)) {
      continue;
    }
    const std::string name =
        (*known_names_)(Romanize(given_source) + " " + Romanize(surname_source));
    if (name.empty()) continue;
    Piece merged = pieces_[k];
    merged.text = name;
    merged.begin = given.begin;
    merged.name = true;
    merged.romanized = false;  // read: a name, not an unknown word
    pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(q),
                  pieces_.begin() + static_cast<std::ptrdiff_t>(k) + 1);
    pieces_.insert(pieces_.begin() + static_cast<std::ptrdiff_t>(q), std::move(merged));
    k = q;
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
bool Reader::KoreanFullName(std::string_view word) const {
  // A particle after the name ("손흥민이") is not part of it.
  if (word.size() >= 12) {
    const auto particle = lexicons_.Get(Language::kKo).FindHand(word.substr(word.size() - 3));
    if (particle && particle->Has('s')) word.remove_suffix(3);
  }
  const size_t syllables = word.size() / 3;
  if (syllables < 2 || syllables > 4) return false;
  // Two-syllable surnames take a given name of one or two syllables; one-syllable surnames
  // (almost all) a given name of two: "김연아", "남궁민".
  if (syllables >= 3 && lexicons_.Surname(Language::kKo, word.substr(0, 6))) return true;
  return syllables == 3 && lexicons_.Surname(Language::kKo, word.substr(0, 3));
}

// The last syllable of a verb form or of a word with its particle: 한 된 할 될 고 며 다 요 게 을
// 를 이 가 의 에 도 로 와 과 은 는 던 (a name ending in one of them is rare; 인, 지 and 서 end
// many names: 문재인, 수지, 민서).
bool Reader::KoreanEndingSyllable(std::string_view word) {
  static constexpr std::string_view kEndings[] = {
      "\xED\x95\x9C", "\xEB\x90\x9C", "\xED\x95\xA0", "\xEB\x90\xA0", "\xEA\xB3\xA0",
      "\xEB\xA9\xB0", "\xEB\x8B\xA4", "\xEC\x9A\x94", "\xEA\xB2\x8C", "\xEC\x9D\x84",
      "\xEB\xA5\xBC", "\xEC\x9D\xB4", "\xEA\xB0\x80", "\xEC\x9D\x98", "\xEC\x97\x90",
      "\xEB\x8F\x84", "\xEB\xA1\x9C", "\xEC\x99\x80", "\xEA\xB3\xBC", "\xEC\x9D\x80",
      "\xEB\x8A\x94", "\xEB\x8D\x98"};
  if (word.size() < 3) return false;
  const std::string_view last = word.substr(word.size() - 3);
  for (std::string_view e : kEndings) {
    if (last == e) return true;
  }
  return false;
}

// 김 이 박 최 정 강 조 윤 장 임: the ten commonest family names (Statistics Korea, 2015 census:
// about 64% of people).
bool Reader::CommonKoreanSurname(std::string_view word) {
  static constexpr std::string_view kSurnames[] = {
      "\xEA\xB9\x80", "\xEC\x9D\xB4", "\xEB\xB0\x95", "\xEC\xB5\x9C", "\xEC\xA0\x95",
      "\xEA\xB0\x95", "\xEC\xA1\xB0", "\xEC\x9C\xA4", "\xEC\x9E\xA5", "\xEC\x9E\x84"};
  for (std::string_view s : kSurnames) {
    if (word.starts_with(s)) return true;
  }
  return false;
}

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
    // An adjective may stand between them ("문재인 전 대통령": former president).
    size_t adjective = pieces_.size();
    if (t < pieces_.size() && pieces_[t].adjective && !pieces_[t].name) {
      adjective = t++;
      while (t < pieces_.size() && pieces_[t].verbatim && IsSpace(pieces_[t].text)) ++t;
    }
    if (t >= pieces_.size() || pieces_[t].name || pieces_[t].verbatim ||
        !IsPersonWord(pieces_[t].text)) {
      continue;
    }
    Piece title = std::move(pieces_[t]);
    pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(t));
    if (adjective < pieces_.size()) {
      title.text = pieces_[adjective].text + " " + title.text;
      title.begin = std::min(title.begin, pieces_[adjective].begin);
      pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(adjective));
    }
    pieces_.insert(pieces_.begin() + static_cast<std::ptrdiff_t>(k), std::move(title));
    ++k;
  }
}

// Romance and Arabic adjectives follow their noun; English puts them first ("soldado alemán" ->
// "German soldier", "vestido blanco" -> "white dress"). Only the first adjective after a noun
// moves: what follows it is as often a participle or a clause ("homme sénégalais assis").
void Reader::ReorderAdjectives(size_t from, Language language) {
  // A role word right after a thing is that thing's adjective where the dictionary has one
  // ("foto ufficiale", "photo officielle": an official photo, not a photo and an officer).
  const Lexicon& lexicon = lexicons_.Get(language);
  for (size_t k = from; k + 1 < pieces_.size(); ++k) {
    const Piece& thing = pieces_[k];
    if (thing.verbatim || thing.name || !thing.word) continue;
    size_t next = k + 1;
    while (next < pieces_.size() && pieces_[next].verbatim && IsSpace(pieces_[next].text)) ++next;
    if (next >= pieces_.size()) break;
    Piece& after = pieces_[next];
    // The cheap tests first: most pairs are not a thing and a role.
    if (after.adjective || after.verbatim || after.name || !after.word) continue;
    if (!IsPersonWord(after.text) || IsPersonWord(thing.text) ||
        lexicons_.Get(Language::kEn).FindHand(thing.text)) {
      continue;
    }
    const auto sense =
        lexicon.FindDictionary(Fold(text_.substr(after.begin, after.end - after.begin)));
    if (sense && sense->Has('a')) {
      // As an adjective it has no gender: "female official" is "official".
      std::string_view english = sense->english;
      for (std::string_view g : {"female ", "male "}) {
        if (english.starts_with(g)) english.remove_prefix(g.size());
      }
      after.text = std::string(english);
      after.adjective = true;
      after.noun = false;
    }
  }
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

}  // namespace depict::lang
