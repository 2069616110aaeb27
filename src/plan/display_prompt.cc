#include "plan/display_prompt.h"

#include <algorithm>

namespace depict::plan {
namespace {

using cast::Dim;

bool Open(const cast::Person& p, Dim d) {
  return p.attributes[static_cast<int>(d)].source == cast::Source::kOpen;
}

// One member's open attributes in words: "南亚女性", "mujer sudasiática".
std::string DescribeMember(const lang::Lexicons& lex, lang::Language language,
                           const cast::Person& person, const cast::Member& member) {
  const auto value = [&](Dim d) -> std::string_view {
    const int v = member.values[static_cast<int>(d)];
    return v < 0 ? std::string_view() : cast::ValueName(d, v);
  };
  const bool woman = value(Dim::kGender) == "woman";
  // An adjective that agrees takes its feminine form with a woman (".f"), when there is one.
  const auto word = [&](std::string_view key) -> std::string_view {
    if (key.empty()) return {};
    if (woman) {
      const std::string_view f = lex.CastWord(language, std::string(key) + ".f");
      if (!f.empty()) return f;
    }
    return lex.CastWord(language, key);
  };
  const std::string_view age = Open(person, Dim::kAge) && value(Dim::kAge) != "adult"
                                   ? word(value(Dim::kAge))
                                   : std::string_view();
  const std::string_view ethnicity =
      Open(person, Dim::kEthnicity) ? word(value(Dim::kEthnicity)) : std::string_view();
  const std::string_view gender =
      Open(person, Dim::kGender) ? word(value(Dim::kGender)) : std::string_view();
  std::vector<std::string_view> parts;
  if (lex.CastWord(language, "order") == "ge") {
    parts = {gender, ethnicity, age};
  } else {
    parts = {age, ethnicity, gender};
  }
  const std::string_view join = lex.CastWord(language, "join") == "space" ? " " : "";
  std::string out;
  for (std::string_view part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += join;
    out += part;
  }
  return out;
}

}  // namespace

std::string DisplayPrompt(const lang::Lexicons& lexicons, lang::Language language,
                          std::string_view prompt, const std::vector<cast::Person>& people,
                          const cast::ImageCast& image) {
  const bool wide = language == lang::Language::kZh || language == lang::Language::kJa;
  struct Insert {
    uint32_t at;
    std::string text;
  };
  std::vector<Insert> inserts;
  for (size_t p = 0; p < people.size() && p < image.people.size(); ++p) {
    const cast::Person& person = people[p];
    if (person.named) continue;
    std::string said;
    for (const cast::Member& member : image.people[p]) {
      const std::string d = DescribeMember(lexicons, language, person, member);
      if (d.empty()) continue;
      if (!said.empty()) said += wide ? "\xE3\x80\x81" : ", ";  // 、
      said += d;
    }
    if (said.empty()) continue;
    inserts.push_back({person.end, wide ? "\xEF\xBC\x88" + said + "\xEF\xBC\x89"  // （ ）
                                        : " (" + said + ")"});
  }
  std::stable_sort(inserts.begin(), inserts.end(),
                   [](const Insert& a, const Insert& b) { return a.at < b.at; });
  std::string out;
  size_t from = 0;
  for (const Insert& ins : inserts) {
    if (ins.at < from || ins.at > prompt.size()) continue;
    out.append(prompt.substr(from, ins.at - from));
    out += ins.text;
    from = ins.at;
  }
  out.append(prompt.substr(from));
  return out;
}

}  // namespace depict::plan
