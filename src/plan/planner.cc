#include "plan/planner.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "cast/matcher.h"
#include "cast/people_finder.h"
#include "cast/resolver.h"
#include "cast/rewriter.h"
#include "cast/sampler.h"
#include "cast/setting.h"
#include "lang/detect.h"
#include "lang/reading.h"
#include "plan/display_prompt.h"
#include "text/lexer.h"
#include "text/normalize.h"
#include "text/utf8.h"

namespace depict::plan {

void CheckPrompt(std::string_view prompt) {
  if (prompt.size() > kMaxPromptBytes) {
    throw InputError("prompt is " + std::to_string(prompt.size()) + " bytes; the limit is " +
                     std::to_string(kMaxPromptBytes));
  }
  if (prompt.find('\0') != std::string_view::npos) throw InputError("prompt contains a NUL byte");
  if (const size_t bad = text::FindInvalidUtf8(prompt); bad != std::string_view::npos) {
    throw InputError("prompt is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  bool blank = true;
  for (char c : prompt) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != '\v') blank = false;
  }
  if (blank) throw InputError(prompt.empty() ? "prompt is empty" : "prompt is only whitespace");
}

namespace {

// A prompt of only removed characters (zero-width spaces, controls) or one that normalisation
// expands past the limit (NFKC turns some single characters into 18) is not read either.
void CheckNormalized(std::string_view normalized) {
  if (normalized.empty()) throw InputError("prompt has no visible text");
  if (normalized.size() > kMaxPromptBytes) {
    throw InputError("prompt is " + std::to_string(normalized.size()) +
                     " bytes after Unicode normalisation; the limit is " +
                     std::to_string(kMaxPromptBytes));
  }
}

// A prompt of many groups times many images would write hundreds of megabytes of casts.
void CheckCastSize(const std::vector<cast::Person>& people, int images) {
  uint64_t per_image = 0;
  for (const cast::Person& p : people) per_image += std::max(p.members, 1);
  const uint64_t total = per_image * static_cast<uint64_t>(images);
  if (total > kMaxCastMembers) {
    throw InputError("the plan would cast " + std::to_string(total) + " people (" +
                     std::to_string(per_image) + " per image x " + std::to_string(images) +
                     " images); the limit is " + std::to_string(kMaxCastMembers) +
                     ": ask for fewer images");
  }
}

// People's offsets are reported in the prompt as the user wrote it.
template <typename Map>
void MapOffsets(const Map& map, std::vector<cast::Person>& people) {
  if (map.identity()) return;
  for (cast::Person& p : people) {
    p.start = map.MapStart(p.start);
    p.end = map.MapEnd(p.end);
    p.head_start = map.MapStart(p.head_start);
    p.head_end = map.MapEnd(p.head_end);
    p.insert_start = map.MapStart(p.insert_start);
  }
}

// A prompt in another language: people are named by its own words, and so are the words that
// made the gate refuse (each trigger is found in the reading and mapped back).
void SpeakPromptLanguage(const lang::Reading& reading, std::string_view normalized, Plan& plan) {
  for (cast::Person& p : plan.people) {
    p.text = std::string(normalized.substr(p.start, p.end - p.start));
  }
  if (!plan.refusal) return;
  for (std::string& trigger : plan.refusal->triggers) {
    const size_t at = reading.text().find(trigger);
    if (at == std::string::npos || trigger.empty()) continue;
    const auto [start, end] =
        reading.MapSpan(static_cast<uint32_t>(at), static_cast<uint32_t>(at + trigger.size()));
    if (start < end) {  // (offsets of one word: they do not cross a moved adjective)
      trigger = std::string(normalized.substr(start, end - start)) + " (" + trigger + ")";
    }
  }
}

// A named person who died before this year is documented history to the gate (@historical_person).
constexpr int kHistoricalBefore = 1900;

// The people the safety gate judges: everyone the planner casts, with ages, and every named
// person who is shown (an artist named for a style is not).
safety::Facts GateFacts(const cast::Knowledge& k, std::string_view prompt, const cast::Scene& scene,
                        const std::vector<cast::Person>& people) {
  safety::Facts facts;
  // A scene set in the past is a history frame for the rules that allow one: before 1950, or
  // at a named event of the 20th century ("Ugandan Asians during the 1972 Expulsion").
  const cast::Setting& setting = scene.setting;
  const bool past = setting.undated_past || (setting.era.known() && setting.era.to < 1950) ||
                    (setting.named_event && setting.era.known() && setting.era.to < 2000);
  const cast::ValueSet minors = cast::Bit(cast::kChild) | cast::Bit(cast::kTeen);
  for (const cast::Person& p : people) {
    safety::FactPerson fp;
    fp.start = p.start;
    fp.end = p.end;
    fp.text = p.text;
    const cast::Decision& age = p.attributes[static_cast<int>(cast::Dim::kAge)];
    fp.minor = age.source != cast::Source::kOpen && age.values != 0 && (age.values & ~minors) == 0;
    const cast::Decision& ethnicity = p.attributes[static_cast<int>(cast::Dim::kEthnicity)];
    // A group named by its ethnicity or nationality, or one person named by it alone ("a
    // Filipino drawn as a rat"): who they are is what the image would be about.
    std::string head = p.text;
    for (char& c : head) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    const cast::LexEntry* e = k.Find(head);
    const bool demonym_alone = e != nullptr && (e->demonym >= 0 || e->demonym_plural >= 0);
    fp.identity_group =
        (p.group || p.members > 1 || demonym_alone) && ethnicity.source == cast::Source::kExplicit;
    fp.past = past;
    facts.people.push_back(std::move(fp));
  }
  for (const cast::Mention& m : scene.mentions) {
    if (m.style_only || (m.named < 0 && !m.unknown_name)) continue;
    safety::FactPerson fp;
    fp.start = m.start;
    fp.end = m.end;
    fp.text = prompt.substr(m.start, m.end - m.start);
    fp.name = true;
    fp.real = m.unknown_name;
    if (m.named >= 0) {
      const cast::NamedPerson& np = k.named()[m.named];
      fp.real = np.real;
      fp.extremist = np.extremist;
      fp.minor = np.minor;
      // Documented history, not a depiction that can harm the living ("the assassination of
      // Julius Caesar"). Sexual depictions of historical people are still refused.
      fp.historical = np.real && np.life.to != 0 && np.life.to < kHistoricalBefore;
    }
    // "Gal Gadot as Wonder Woman": a real person playing a character is still that person.
    if (!fp.real && !facts.people.empty()) {
      const safety::FactPerson& before = facts.people.back();
      if (before.name && before.real && before.end <= fp.start) {
        std::string_view between = prompt.substr(before.end, fp.start - before.end);
        while (!between.empty() && between.front() == ' ') between.remove_prefix(1);
        while (!between.empty() && between.back() == ' ') between.remove_suffix(1);
        if (between == "as" || between == "dressed as" || between == "playing") {
          fp.real = true;
          fp.historical = before.historical;
        }
      }
    }
    // The cast person this name is (same words) shares its facts; the name keeps its own span
    // so that the gate does not read it as words ("Al Gore").
    for (safety::FactPerson& other : facts.people) {
      if (!other.name && other.start < fp.end && fp.start < other.end) {
        other.real = other.real || fp.real;
        other.extremist = other.extremist || fp.extremist;
        other.minor = other.minor || fp.minor;
        other.historical = other.historical || fp.historical;
      }
    }
    facts.people.push_back(std::move(fp));
  }
  return facts;
}

// In an English prompt written in lowercase, a given name that is no English word followed by a
// surname is someone's name ("megan fox naked", "jessica alvarez on the beach"), as the
// capitalised form would be.
void AddLowercaseNames(const text::TokenList& tokens,
                       const std::vector<cast::TokenMatches>& matches,
                       const std::function<bool(std::string_view)>& known,
                       std::vector<std::pair<uint32_t, uint32_t>>& names) {
  const auto plain = [&](size_t j) {
    const cast::TokenMatches& m = matches[j];
    return !m.noun && !m.noun_plural && !m.demonym && !m.demonym_plural && !m.place && !m.era &&
           !m.institution && !m.named && !m.modifier && !m.not_person && !m.thing;
  };
  // Only a name of two words: "sir winston leonard spencer churchill" is one longer name.
  const auto name_word = [&](size_t j) {
    return tokens.IsWord(j) && (matches[j].first_name || matches[j].surname || matches[j].named);
  };
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (!matches[i].first_name || !matches[i + 1].surname || !tokens.IsWord(i) ||
        !tokens.IsWord(i + 1) || tokens[i].capitalized || tokens[i + 1].capitalized ||
        tokens[i].possessive || tokens[i].hyphen_after || !plain(i) || !plain(i + 1)) {
      continue;
    }
    if ((i > 0 && name_word(i - 1)) || (i + 2 < tokens.size() && name_word(i + 2))) continue;
    if (known(tokens.norm(i))) continue;
    names.emplace_back(tokens[i].start, tokens[i + 1].end);
    ++i;
  }
}

// A1111 writes a prompt's parameters after it: "Negative prompt: ..." and "Steps: 20, ...".
// Returns the text before "Negative prompt:" (any case, at the start or after a space, comma or
// line break), and puts the text after it in `negative`.
std::string_view SplitNegativePrompt(std::string_view text, std::string& negative) {
  static constexpr std::string_view kMarker = "negative prompt:";
  for (size_t at = 0; at + kMarker.size() <= text.size(); ++at) {
    if (at > 0 && text[at - 1] != ' ' && text[at - 1] != '\n' && text[at - 1] != ',') continue;
    bool same = true;
    for (size_t k = 0; k < kMarker.size() && same; ++k) {
      const char c = text[at + k];
      same = (c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) == kMarker[k];
    }
    if (!same) continue;
    std::string_view rest = text.substr(at + kMarker.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n')) rest.remove_prefix(1);
    negative = std::string(rest);
    std::string_view before = text.substr(0, at);
    while (!before.empty() &&
           (before.back() == ' ' || before.back() == '\n' || before.back() == ',')) {
      before.remove_suffix(1);
    }
    return before;
  }
  return text;
}

// Plans `prompt`, already normalised, with `tables`, filling `plan`'s people, refusal and
// images. `english_prompt`: the user's own English words; `postpositional`: the English reading
// of a prompt in a language whose nouns are glossed side by side without forming compounds.
void RunOnNormalized(const Tables& tables, std::string_view prompt, const Options& options,
                     Plan& plan, const std::vector<std::pair<uint32_t, uint32_t>>& names = {},
                     bool english_prompt = false, bool postpositional = false) {
  const cast::Knowledge& k = *tables.knowledge;

  const text::TokenList tokens = text::Lex(prompt);
  const std::vector<cast::TokenMatches> matches = cast::MatchPhrases(k, tokens);
  // A word English has (WordNet's, with its regular endings) is no typo of a table word.
  const lang::Lexicon& english = tables.lexicons->Get(lang::Language::kEn);
  const std::function<bool(std::string_view)> known = [&english](std::string_view word) {
    // Prompts repeat their words: the answers are kept per thread, a bounded few thousand.
    thread_local std::unordered_map<std::string, bool> cache;
    thread_local const lang::Lexicon* cached_for = nullptr;
    if (cached_for != &english || cache.size() >= 4096) {
      cache.clear();
      cached_for = &english;
    }
    const std::string w(word);
    if (const auto it = cache.find(w); it != cache.end()) return it->second;
    const bool is_english = lang::KnownEnglish(english, w) || english.Find(w).has_value();
    cache.emplace(w, is_english);
    return is_english;
  };
  // In an English prompt, a lowercase word that is no word, one slip from a real person's
  // one-word name, is that person ("rihana").
  std::vector<std::pair<uint32_t, uint32_t>> all_names = names;
  if (english_prompt) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string_view w = tokens.norm(i);
      if (!tokens.IsWord(i) || tokens[i].capitalized || w.size() < 6 || k.Find(w) != nullptr ||
          k.OneWordNameWithSlip(w).empty() || known(w)) {
        continue;
      }
      all_names.emplace_back(tokens[i].start, tokens[i].end);
    }
    AddLowercaseNames(tokens, matches, known, all_names);
  }
  cast::Scene scene;
  scene.mentions = cast::FindPeople(k, tokens, matches, all_names,
                                    english_prompt ? &known : nullptr, postpositional);
  scene.setting = cast::ReadSetting(k, tokens, matches, scene.mentions);
  plan.people = cast::Resolve(k, tokens, prompt, scene);

  safety::Facts facts = GateFacts(k, prompt, scene, plan.people);
  // Only an English prompt's own words: a reading's romanised words ("Gongbang") are no typos.
  if (english_prompt) facts.known_word = &known;
  plan.refusal = safety::Check(*tables.rules, prompt, tokens, facts);
  if (plan.refusal) return;

  CheckCastSize(plan.people, options.images);
  plan.images = cast::Sample(plan.people, k.target(), options.images, options.seed);
  for (cast::ImageCast& image : plan.images) {
    image.prompt = cast::Rewrite(k, prompt, plan.people, image);
  }
}

}  // namespace

Planner::Planner(std::shared_ptr<const Tables> tables) : tables_(std::move(tables)) {}

std::shared_ptr<const Tables> Planner::tables() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tables_;
}

void Planner::Reload(const std::string& dir, const std::string& target_file) {
  Reload(LoadTables(dir, target_file));  // throws before anything is swapped
}

void Planner::Reload(std::shared_ptr<const Tables> tables) {
  if (!tables || !tables->knowledge || !tables->rules) {
    throw std::invalid_argument("Planner::Reload: incomplete table set");
  }
  std::lock_guard<std::mutex> lock(mu_);
  tables_.swap(tables);
  // The old set is released here, or later by the last plan still using it.
}

Plan Planner::Run(std::string_view prompt, const Options& options) const {
  CheckPrompt(prompt);
  if (options.images < 0 || options.images > kMaxImages) {
    throw InputError("images must be between 0 and " + std::to_string(kMaxImages));
  }
  // Everything below reads the normalised text, which is also what the images' prompts are
  // written from, so the text encoder reads exactly what the planner and the gate read.
  const text::NormalizedText normalized = text::NormalizePrompt(prompt);
  CheckNormalized(normalized.text());
  Plan plan;
  plan.tables = tables();
  plan.prompt = std::string(prompt);
  // The positive prompt is a prefix of the normalised text, so offsets into it map unchanged.
  const std::string_view positive = SplitNegativePrompt(normalized.text(), plan.negative_prompt);
  // Names spelled from another script are looked up by their consonants among the people the
  // tables know, and read as those names, capitalised ("Эйнштейн" -> "Einstein").
  const cast::Knowledge& k = *plan.tables->knowledge;
  const lang::NameLookup known_names = [&k](std::string_view romanized) {
    const size_t space = romanized.rfind(' ');
    std::string name = space == std::string_view::npos
                           ? k.NameByConsonants(romanized)
                           : k.FullNameByConsonants(romanized.substr(0, romanized.find(' ')),
                                                    romanized.substr(space + 1));
    for (size_t i = 0; i < name.size(); ++i) {
      if ((i == 0 || name[i - 1] == ' ') && name[i] >= 'a' && name[i] <= 'z') name[i] -= 32;
    }
    return name;
  };
  const lang::Reading reading = lang::Read(*plan.tables->lexicons, positive, &known_names);
  plan.language = reading.language();
  if (reading.identity()) {
    RunOnNormalized(*plan.tables, positive, options, plan, {}, true);
  } else {
    plan.reading = reading.text();
    // Hindi, Japanese and Korean put a subject right before its place ("महिला बाज़ार में": woman
    // bazaar in), so in their readings a person word before a thing is no compound.
    const bool postpositional = plan.language == lang::Language::kHi ||
                                plan.language == lang::Language::kJa ||
                                plan.language == lang::Language::kKo;
    RunOnNormalized(*plan.tables, reading.text(), options, plan, reading.names(), false,
                    postpositional);
    // Latin letters read as a romanised language may have been English all along: the gate
    // reads them as written too ("'ching chong'" is a slur, not two Chinese words).
    if (reading.romanized() && !plan.refusal) {
      Plan as_written;
      RunOnNormalized(*plan.tables, positive, Options{0, options.seed}, as_written);
      if (as_written.refusal) {
        plan.refusal = std::move(as_written.refusal);
        plan.images.clear();
      }
    }
    for (cast::Person& p : plan.people) {
      std::tie(p.start, p.end) = reading.MapSpan(p.start, p.end);
      std::tie(p.head_start, p.head_end) = reading.MapSpan(p.head_start, p.head_end);
      p.insert_start = p.start;
    }
    SpeakPromptLanguage(reading, positive, plan);
    for (cast::ImageCast& image : plan.images) {
      image.display_prompt =
          DisplayPrompt(*plan.tables->lexicons, plan.language, positive, plan.people, image);
    }
  }
  MapOffsets(normalized, plan.people);
  return plan;
}

}  // namespace depict::plan
