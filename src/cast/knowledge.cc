#include "cast/knowledge.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "cast/table_cells.h"
#include "text/lexer.h"
#include "text/tsv.h"

namespace depict::cast {
namespace {

using text::FailAt;
using text::ParseInt;
using text::ReadTsv;
using text::Split;

}  // namespace

int Knowledge::InternPlace(std::string_view file, int line, std::string_view id) {
  if (id == "-") return -1;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) {
      FailAt(file, line, "bad place id '" + std::string(id) + "'");
    }
  }
  const auto it = place_index_.find(id);
  if (it != place_index_.end()) return it->second;
  const int index = static_cast<int>(places_.size());
  places_.push_back(Place{std::string(id), {}});
  place_index_.emplace(std::string(id), index);
  // Remember where the id was first used, to report an id that has no population rows.
  first_use_.push_back(std::string(file) + ":" + std::to_string(line));
  return index;
}

int Knowledge::FindPlaceId(std::string_view id) const {
  const auto it = place_index_.find(id);
  return it == place_index_.end() ? -1 : it->second;
}

LexEntry& Knowledge::Add(std::string_view file, int line, std::string_view phrase) {
  // Every prefix of a phrase is a key and the matcher tries every length up to the longest, so
  // a phrase's cost grows with the square of its words: bound them before indexing.
  const text::TokenList tokens = text::Lex(phrase);
  if (tokens.size() > 4 * kMaxPhraseWords) {
    FailAt(file, line, "phrase of " + std::to_string(tokens.size()) + " tokens is too long");
  }
  std::string key;
  size_t words = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!tokens.IsWord(i)) {
      FailAt(file, line, "phrase '" + std::string(phrase) + "' has punctuation");
    }
    if (!key.empty()) {
      lexicon_[key].continues = true;
      key.push_back(' ');
    }
    key.append(tokens.norm(i));
    ++words;
  }
  if (words == 0) FailAt(file, line, "empty phrase");
  if (words > kMaxPhraseWords) {
    FailAt(file, line,
           "phrase of " + std::to_string(words) + " words; the limit is " +
               std::to_string(kMaxPhraseWords));
  }
  max_phrase_words_ = std::max(max_phrase_words_, words);
  return lexicon_[key];
}

const LexEntry* Knowledge::Find(std::string_view phrase) const {
  const auto it = lexicon_.find(phrase);
  return it == lexicon_.end() ? nullptr : &it->second;
}

ValueSet Knowledge::Population(int place, Era era, bool elite) const {
  if (place < 0 || place >= static_cast<int>(places_.size())) return 0;
  const auto& rows = places_[place].rows;
  const int year = era.known() ? era.midpoint() : kNow - 1;
  for (const PopulationRow& row : rows) {
    if (row.era.from <= year && year <= row.era.to) return elite ? row.elite : row.people;
  }
  return 0;
}

namespace {

// A weight is relative, so any bound works; 1e6 keeps every quota n * w / total finite and exact
// enough, and is far beyond any real ratio between two values.
constexpr double kMaxTargetWeight = 1e6;

// The weights of one dimension's object ({"man": 1, "woman": 2}), checked one by one.
std::vector<double> ParseTargetWeights(std::string_view name, Dim dim, const nlohmann::json& o) {
  const std::string dim_name(DimName(dim));
  if (!o.is_object()) {
    throw text::TableError(std::string(name) + ": '" + dim_name +
                           "' must be an object mapping values to weights");
  }
  std::vector<double> weights(ValueCount(dim), 0.0);
  double total = 0;
  for (const auto& [key, value] : o.items()) {
    const int v = ParseValue(dim, key);
    if (v < 0) {
      throw text::TableError(std::string(name) + ": unknown " + dim_name + " '" + key + "'");
    }
    const double w = value.is_number() ? value.get<double>() : -1;
    if (!value.is_number() || !std::isfinite(w) || w < 0 || w > kMaxTargetWeight) {
      throw text::TableError(std::string(name) + ": " + dim_name + " weight of '" + key +
                             "' must be a number from 0 to 1e6, not " + value.dump());
    }
    weights[v] = w;
    total += w;
  }
  if (!(total > 0)) {
    throw text::TableError(std::string(name) + ": weights of '" + dim_name + "' add up to zero");
  }
  return weights;
}

}  // namespace

void Knowledge::SetTarget(std::string_view name, std::string_view json_text) {
  // nlohmann's parser stops at a NUL as at the end of input, which would hide what follows.
  if (const size_t nul = json_text.find('\0'); nul != std::string_view::npos) {
    throw text::TableError(std::string(name) + ": NUL byte at offset " + std::to_string(nul) +
                           "; expected a JSON object only");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text.begin(), json_text.end());
  } catch (const nlohmann::json::exception& e) {
    throw text::TableError(std::string(name) + ": invalid JSON: " + e.what());
  }
  if (!j.is_object()) throw text::TableError(std::string(name) + ": expected a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key.starts_with('_')) continue;  // "_comment"
    bool known = false;
    for (Dim dim : kDims) known = known || key == DimName(dim);
    if (!known) {
      throw text::TableError(std::string(name) + ": unknown key '" + key +
                             "' (expected gender, ethnicity, age, or a _comment)");
    }
  }
  Target target;
  for (Dim dim : kDims) {
    auto& weights = target.weights[static_cast<int>(dim)];
    const auto it = j.find(std::string(DimName(dim)));
    if (it != j.end()) {
      weights = ParseTargetWeights(name, dim, *it);
      continue;
    }
    // Unstated dimensions default to uniform, except age, which defaults to adults only.
    weights.assign(ValueCount(dim), 0.0);
    for (int v = 0; v < ValueCount(dim); ++v) {
      weights[v] = dim == Dim::kAge ? (v == kAdult ? 1.0 : 0.0) : 1.0;
    }
  }
  target_ = std::move(target);
}

void Knowledge::LoadDemonyms(const std::string& file, std::string_view content, bool imported) {
  for (const auto& row : ReadTsv(file, content, 7)) {
    Demonym d;
    d.word = std::string(row.cells[0]);
    d.place = InternPlace(file, row.line, row.cells[2]);
    d.ethnicity = ParseSet(file, row.line, Dim::kEthnicity, row.cells[3]);
    d.gender = ParseGender(file, row.line, row.cells[4]);
    const std::string_view kind = row.cells[5];
    if (kind == "nation") {
      d.kind = DemonymKind::kNation;
    } else if (kind == "people") {
      d.kind = DemonymKind::kPeople;
    } else if (kind == "region") {
      d.kind = DemonymKind::kRegion;
    } else if (kind == "color") {
      d.kind = DemonymKind::kColor;
    } else {
      FailAt(file, row.line, "kind must be nation, people, region or color");
    }
    if (d.ethnicity == 0 && d.place < 0) {
      FailAt(file, row.line, "a demonym needs an ethnicity or a place whose population decides");
    }
    d.era = ParseEra(file, row.line, row.cells[6]);
    // An imported word yields to any word a hand table already gives a meaning, and to a
    // given name.
    if (imported) {
      const LexEntry* taken = Find(d.word);
      if (Taken(taken) || (taken != nullptr && taken->first_name)) continue;
    }
    const int index = static_cast<int>(demonyms_.size());
    LexEntry& e = Add(file, row.line, d.word);
    if (e.demonym >= 0) FailAt(file, row.line, "duplicate demonym '" + d.word + "'");
    e.demonym = index;
    const std::string_view plural = row.cells[1];
    if (plural == "=") {
      e.demonym_plural = index;
    } else if (plural != "-") {
      LexEntry& p = Add(file, row.line, plural);
      if (p.demonym_plural < 0) p.demonym_plural = index;
    }
    demonyms_.push_back(std::move(d));
  }
}

std::shared_ptr<const Knowledge> Knowledge::Load(const TableFiles& files,
                                                 std::string_view target_name) {
  auto k = std::make_shared<Knowledge>();

  {  // Place names and populations first: the other tables refer to place ids.
    const std::string file = "places/populations.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 5)) {
      const int place = k->InternPlace(file, row.line, row.cells[0]);
      if (place < 0) FailAt(file, row.line, "place id is required");
      PopulationRow pop;
      pop.era = ParseEra(file, row.line, row.cells[1]);
      if (!pop.era.known()) FailAt(file, row.line, "era is required");
      pop.people = ParseSet(file, row.line, Dim::kEthnicity, row.cells[2]);
      pop.elite = row.cells[3] == "=" ? pop.people
                                      : ParseSet(file, row.line, Dim::kEthnicity, row.cells[3]);
      if (pop.people == 0 || pop.elite == 0) {
        FailAt(file, row.line, "people and elite must name ethnicities or '*'");
      }
      auto& rows = k->places_[place].rows;
      for (const PopulationRow& other : rows) {
        if (pop.era.from <= other.era.to && other.era.from <= pop.era.to) {
          FailAt(file, row.line, "era overlaps another row of '" + std::string(row.cells[0]) + "'");
        }
      }
      rows.push_back(pop);
    }
    for (Place& p : k->places_) {
      std::sort(p.rows.begin(), p.rows.end(), [](const PopulationRow& a, const PopulationRow& b) {
        return a.era.from < b.era.from;
      });
    }
  }
  {
    const std::string file = "places/places.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 3)) {
      std::string_view name = row.cells[0];
      // "^us": an abbreviation that is also a word, a place only when written in capitals.
      const bool needs_capitals = name.starts_with('^');
      if (needs_capitals) name.remove_prefix(1);
      LexEntry& e = k->Add(file, row.line, name);
      if (e.place >= 0)
        FailAt(file, row.line, "duplicate place name '" + std::string(row.cells[0]) + "'");
      e.place_needs_capitals = needs_capitals;
      e.place = k->InternPlace(file, row.line, row.cells[1]);
      if (e.place < 0) FailAt(file, row.line, "place id is required");
    }
  }
  k->LoadDemonyms("places/demonyms.tsv", FileContent(files, "places/demonyms.tsv"), false);
  if (const auto it = files.find("places/combining_forms.tsv"); it != files.end()) {
    const std::string file = "places/combining_forms.tsv";
    for (const auto& row : ReadTsv(file, it->second, 3)) {
      const int place = k->InternPlace(file, row.line, row.cells[1]);
      if (place < 0) FailAt(file, row.line, "place id is required");
      if (!k->combining_forms_.emplace(std::string(row.cells[0]), place).second) {
        FailAt(file, row.line, "duplicate form '" + std::string(row.cells[0]) + "'");
      }
    }
  }
  {
    const std::string file = "people/nouns.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 8)) {
      Noun n;
      n.singular = std::string(row.cells[0]);
      n.gender = ParseStated(file, row.line, Dim::kGender, row.cells[2]);
      n.age = ParseStated(file, row.line, Dim::kAge, row.cells[3]);
      const std::string_view history = row.cells[4];
      if (history != "-") {
        const size_t lt = history.find('<');
        if (lt == std::string_view::npos) FailAt(file, row.line, "history must be GENDER<YEAR");
        n.history_gender = ParseGender(file, row.line, history.substr(0, lt));
        n.history_until = ParseYear(file, row.line, history.substr(lt + 1));
        if (n.history_gender < 0) FailAt(file, row.line, "history must be GENDER<YEAR");
      }
      n.place = k->InternPlace(file, row.line, row.cells[5]);
      n.era = ParseEra(file, row.line, row.cells[6]);
      if (row.cells[7] != "-") {
        for (std::string_view flag : Split(row.cells[7], ',')) {
          if (flag == "elite") {
            n.elite = true;
          } else if (flag == "owner") {
            n.needs_owner = true;
          } else if (flag == "kin") {
            n.kin = true;
          } else if (flag == "family") {
            n.family = true;
          } else if (flag == "membership") {
            n.membership = true;
          } else if (flag == "population") {
            n.population = true;
          } else if (flag == "traditional") {
            n.traditional = true;
          } else if (flag == "actor") {
            if (k->actor_noun_ >= 0) FailAt(file, row.line, "only one noun may be the actor");
            k->actor_noun_ = static_cast<int>(k->nouns_.size());
          } else if (flag.starts_with("group=")) {
            if (!ParseInt(flag.substr(6), n.group_size) || n.group_size < 2 || n.group_size > 100) {
              FailAt(file, row.line, "group=N needs N from 2 to 100");
            }
          } else if (flag.starts_with("ethnicity=")) {
            n.ethnicity = ParseStated(file, row.line, Dim::kEthnicity, flag.substr(10));
            n.ethnicity.from_role = true;
          } else {
            FailAt(file, row.line, "unknown flag '" + std::string(flag) + "'");
          }
        }
      }
      const int index = static_cast<int>(k->nouns_.size());
      LexEntry& e = k->Add(file, row.line, n.singular);
      if (e.noun >= 0) FailAt(file, row.line, "duplicate noun '" + n.singular + "'");
      e.noun = index;
      const std::string_view plural = row.cells[1];
      if (plural == "=") {
        e.noun_plural = index;
      } else if (plural != "-") {
        LexEntry& p = k->Add(file, row.line, plural);
        if (p.noun_plural < 0) p.noun_plural = index;
      }
      k->nouns_.push_back(std::move(n));
    }
  }
  std::vector<std::string> given_names;
  {
    const std::string file = "people/named.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 9)) {
      NamedPerson p;
      std::string_view name = row.cells[0];
      p.gender = ParseGender(file, row.line, row.cells[2]);
      if (row.cells[3] != "-") p.life.from = ParseYear(file, row.line, row.cells[3]);
      if (row.cells[4] != "-") {
        p.life.to = ParseYear(file, row.line, row.cells[4]);
      } else if (p.life.from != 0) {
        p.life.to = kNow;
      }
      if (p.life.from != 0 && p.life.to != 0 && p.life.to < p.life.from) {
        FailAt(file, row.line, "died before born");
      }
      p.place = k->InternPlace(file, row.line, row.cells[5]);
      const std::string_view kind = row.cells[6];
      if (kind != "real" && kind != "fictional" && kind != "myth") {
        FailAt(file, row.line, "kind must be real, fictional or myth");
      }
      p.real = kind == "real";
      if (row.cells[7] != "-") {
        for (std::string_view flag : Split(row.cells[7], ',')) {
          if (flag == "extremist") {
            p.extremist = true;
          } else if (flag == "minor") {
            p.minor = true;
          } else {
            FailAt(file, row.line, "unknown flag '" + std::string(flag) + "'");
          }
        }
      }
      p.ethnicity = ParseSet(file, row.line, Dim::kEthnicity, row.cells[8]);
      if (p.ethnicity == AllValues(Dim::kEthnicity)) FailAt(file, row.line, "ethnicity '*'");
      const int index = static_cast<int>(k->named_.size());
      std::vector<std::string_view> names = {name};
      if (row.cells[1] != "-") {
        for (std::string_view alias : Split(row.cells[1], '|')) names.push_back(alias);
      }
      for (std::string_view n : names) {
        const bool needs_capital = n.starts_with('^');
        if (needs_capital) n.remove_prefix(1);
        LexEntry& e = k->Add(file, row.line, n);
        if (e.named >= 0 && e.named != index) {
          FailAt(
              file, row.line,
              "name '" + std::string(n) + "' is already used by '" + k->named_[e.named].name + "'");
        }
        e.named = index;
        e.named_needs_capital = needs_capital;
      }
      if (name.starts_with('^')) name.remove_prefix(1);
      p.name = std::string(name);
      // The given names of well-known people widen the census list beyond US names
      // ("Lupita", "Chinua"), so that unknown people who share them are recognised too.
      // Only people, known by their birth years: a group's first word ("village", "fun") is no
      // one's given name.
      if (p.real && p.life.from != 0) {
        const size_t space = p.name.find(' ');
        if (space != std::string::npos && space >= 3)
          given_names.push_back(p.name.substr(0, space));
      }
      k->named_.push_back(std::move(p));
    }
  }
  {
    const std::string file = "people/first_names.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 1, 2)) {
      k->Add(file, row.line, row.cells[0]).first_name = true;
    }
  }
  {
    const std::string file = "people/surnames.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 1)) {
      k->Add(file, row.line, row.cells[0]).surname = true;
    }
  }
  {
    const std::string file = "people/not_people.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 1)) {
      k->Add(file, row.line, row.cells[0]).not_person = true;
    }
  }
  {
    const std::string file = "people/modifiers.tsv";
    static const std::map<std::string_view, ModifierKind> kKinds = {
        {"gender", ModifierKind::kGender},
        {"age", ModifierKind::kAge},
        {"pronoun", ModifierKind::kPronoun},
        {"title", ModifierKind::kTitle},
        {"quantity", ModifierKind::kQuantity},
        {"group", ModifierKind::kGroupWord},
        {"determiner", ModifierKind::kDeterminer},
        {"boundary", ModifierKind::kBoundary},
        {"modern", ModifierKind::kModern},
        {"generic", ModifierKind::kGeneric},
        {"style_before", ModifierKind::kStyleBefore},
        {"style_after", ModifierKind::kStyleAfter}};
    for (const auto& row : ReadTsv(file, FileContent(files, file), 3)) {
      const auto kind = kKinds.find(row.cells[1]);
      if (kind == kKinds.end())
        FailAt(file, row.line, "unknown modifier kind '" + std::string(row.cells[1]) + "'");
      Modifier m;
      m.kind = kind->second;
      const std::string_view value = row.cells[2];
      if (m.kind == ModifierKind::kGender || m.kind == ModifierKind::kPronoun) {
        m.value = ParseGender(file, row.line, value);
      } else if (m.kind == ModifierKind::kAge) {
        m.values = ParseSet(file, row.line, Dim::kAge, value);
        if (m.values == 0) FailAt(file, row.line, "an age modifier needs ages");
      } else if (m.kind == ModifierKind::kQuantity) {
        if (!ParseInt(value, m.value) || m.value < 1)
          FailAt(file, row.line, "quantity must be a number");
      } else if (value != "-") {
        FailAt(file, row.line, "this kind of modifier takes no value ('-')");
      }
      LexEntry& e = k->Add(file, row.line, row.cells[0]);
      if (e.modifier >= 0)
        FailAt(file, row.line, "duplicate modifier '" + std::string(row.cells[0]) + "'");
      e.modifier = static_cast<int>(k->modifiers_.size());
      k->modifiers_.push_back(m);
    }
  }
  {
    const std::string file = "context/eras.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 4)) {
      NamedEra era{std::string(row.cells[0]), ParseEra(file, row.line, row.cells[1]),
                   k->InternPlace(file, row.line, row.cells[2])};
      if (!era.era.known()) FailAt(file, row.line, "era is required");
      LexEntry& e = k->Add(file, row.line, era.phrase);
      if (e.era >= 0) FailAt(file, row.line, "duplicate era '" + era.phrase + "'");
      e.era = static_cast<int>(k->eras_.size());
      k->eras_.push_back(std::move(era));
    }
  }
  {
    const std::string file = "context/event_forms.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 4, 5)) {
      const std::string_view form = row.cells[1], name = row.cells[2];
      EventWord w;
      w.form = form == "of"      ? EventForm::kOf
               : form == "name"  ? EventForm::kName
               : form == "both"  ? EventForm::kBoth
               : form == "alone" ? EventForm::kAlone
                                 : EventForm::kNone;
      w.recurring = form == "recurring";
      if (w.form == EventForm::kNone && !w.recurring)
        FailAt(file, row.line, "form must be of, name, both, alone or recurring");
      if (name != "-" && name != "any" && name != "place") {
        FailAt(file, row.line, "name must be any, place or -");
      }
      w.name_is_place = name == "place";
      if (row.cells.size() > 4) {
        if (row.cells[4] != "fighting" && row.cells[4] != "expedition") {
          FailAt(file, row.line, "kind must be fighting or expedition");
        }
        w.fighting = row.cells[4] == "fighting";
        w.expedition = row.cells[4] == "expedition";
      }
      if (!k->event_forms_.emplace(std::string(row.cells[0]), w).second) {
        FailAt(file, row.line, "duplicate word '" + std::string(row.cells[0]) + "'");
      }
    }
  }
  {
    const std::string file = "context/institutions.tsv";
    for (const auto& row : ReadTsv(file, FileContent(files, file), 4, 6)) {
      Institution inst;
      inst.phrase = std::string(row.cells[0]);
      std::string_view place = row.cells[1];
      const size_t lt = place.find('<');
      if (lt != std::string_view::npos) {
        inst.place_before = ParseYear(file, row.line, place.substr(lt + 1));
        place = place.substr(0, lt);
      }
      inst.place = k->InternPlace(file, row.line, place);
      inst.era = ParseEra(file, row.line, row.cells[2]);
      if (row.cells.size() > 4 && row.cells[4] != "-") {
        inst.members = ParseSet(file, row.line, Dim::kEthnicity, row.cells[4]);
        if (inst.members == AllValues(Dim::kEthnicity)) inst.members = 0;
      }
      if (row.cells.size() > 5) {
        const LexEntry* role = k->Find(row.cells[5]);
        if (role == nullptr || role->noun < 0) {
          FailAt(file, row.line,
                 "role '" + std::string(row.cells[5]) + "' is no people/nouns.tsv noun");
        }
        inst.role = role->noun;
      }
      LexEntry& e = k->Add(file, row.line, inst.phrase);
      if (e.institution >= 0) FailAt(file, row.line, "duplicate institution '" + inst.phrase + "'");
      e.institution = static_cast<int>(k->institutions_.size());
      k->institutions_.push_back(std::move(inst));
    }
  }
  {
    const std::string file = "cast/labels.tsv";
    k->labels_.ethnicity.assign(ValueCount(Dim::kEthnicity), {});
    k->labels_.person.assign(ValueCount(Dim::kAge), {});
    k->labels_.person_plural.assign(ValueCount(Dim::kAge), {});
    k->labels_.age_adjective.assign(ValueCount(Dim::kAge), "");
    for (const auto& row : ReadTsv(file, FileContent(files, file), 4, 6)) {
      const std::string_view what = row.cells[0];
      const auto form = [&](int c) {
        return row.cells[c] == "-" ? std::string() : std::string(row.cells[c]);
      };
      if (what == "ethnicity") {
        const int v = ParseValue(Dim::kEthnicity, row.cells[1]);
        if (v < 0) FailAt(file, row.line, "unknown ethnicity");
        k->labels_.ethnicity[v] = {form(2), form(3)};
      } else if (what == "person") {
        const int v = ParseValue(Dim::kAge, row.cells[1]);
        if (v < 0) FailAt(file, row.line, "unknown age");
        k->labels_.person[v] = {form(2), form(3)};
        if (row.cells.size() != 6) FailAt(file, row.line, "person rows need plural forms too");
        k->labels_.person_plural[v] = {form(4), form(5)};
      } else if (what == "age") {
        const int v = ParseValue(Dim::kAge, row.cells[1]);
        if (v < 0) FailAt(file, row.line, "unknown age");
        k->labels_.age_adjective[v] = form(2);
      } else {
        FailAt(file, row.line, "first column must be ethnicity, person or age");
      }
    }
    for (int v = 0; v < ValueCount(Dim::kEthnicity); ++v) {
      if (k->labels_.ethnicity[v][0].empty()) {
        throw text::TableError(file + ": no label for ethnicity '" +
                               std::string(ValueName(Dim::kEthnicity, v)) + "'");
      }
    }
    for (int v = 0; v < ValueCount(Dim::kAge); ++v) {
      if (k->labels_.person[v][0].empty()) {
        throw text::TableError(file + ": no person label for age '" +
                               std::string(ValueName(Dim::kAge, v)) + "'");
      }
    }
  }
  k->SetTarget(target_name, FileContent(files, "cast/target.json"));

  for (const std::string& given : given_names) {
    LexEntry& e = k->lexicon_[given];
    // Titles and ordinary words that start names ("queen", "saint") are not given names.
    if (e.noun < 0 && e.noun_plural < 0 && e.modifier < 0 && e.place < 0 && e.demonym < 0 &&
        e.era < 0) {
      e.first_name = true;
    }
  }
  k->InheritCompoundHeads();
  k->IndexNamesInDisguise();
  // The imported tables come last: every hand table, given names included, wins over them.
  k->LoadWordNetPeople(files);
  k->LoadThings(files);
  k->LoadBodyParts(files);
  if (const auto it = files.find("places/wordnet_demonyms.tsv"); it != files.end()) {
    k->LoadDemonyms(it->first, it->second, true);  // an optional import
  }
  k->LoadEvents(files);
  k->IndexPolityNames();
  k->LoadGeoNamesPlaces(files);  // after the polities: "Taiping" is the rebellion's, not a town
  for (size_t i = 0; i < k->places_.size(); ++i) {
    if (k->places_[i].rows.empty()) {
      throw text::TableError(k->first_use_[i] + ": place id '" + k->places_[i].id +
                             "' has no rows in places/populations.tsv");
    }
  }
  return k;
}

}  // namespace depict::cast
